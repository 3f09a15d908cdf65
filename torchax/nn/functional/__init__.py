"""torch.nn.functional, one file per theme."""

from torchax.nn.functional import activation as _activation
from torchax.nn.functional import conv as _conv
from torchax.nn.functional import pooling as _pooling
from torchax.nn.functional import vision as _vision
from torchax.nn.functional import normalization as _normalization
from torchax.nn.functional import linear as _linear
from torchax.nn.functional import sparse as _sparse
from torchax.nn.functional import distance as _distance
from torchax.nn.functional import dropout as _dropout
from torchax.nn.functional import loss as _loss
from torchax.nn.functional import attention as _attention
from torchax.nn.functional.activation import *  # noqa: F401,F403
from torchax.nn.functional.conv import *  # noqa: F401,F403
from torchax.nn.functional.pooling import *  # noqa: F401,F403
from torchax.nn.functional.vision import *  # noqa: F401,F403
from torchax.nn.functional.normalization import *  # noqa: F401,F403
from torchax.nn.functional.linear import *  # noqa: F401,F403
from torchax.nn.functional.sparse import *  # noqa: F401,F403
from torchax.nn.functional.distance import *  # noqa: F401,F403
from torchax.nn.functional.dropout import *  # noqa: F401,F403
from torchax.nn.functional.loss import *  # noqa: F401,F403
from torchax.nn.functional.attention import *  # noqa: F401,F403

# name -> function for the functional ops torch also has as torch.<name>
TOPLEVEL: dict = {}
for _m in (_activation, _conv, _pooling, _vision, _normalization, _linear, _sparse, _distance, _dropout, _loss, _attention):
    TOPLEVEL.update(_m.TOPLEVEL)
