"""torch.nn.functional, one file per theme."""

from torchax.nn.functional import (
    activation as _activation,
    attention as _attention,
    conv as _conv,
    distance as _distance,
    dropout as _dropout,
    linear as _linear,
    loss as _loss,
    normalization as _normalization,
    pooling as _pooling,
    rnn as _rnn,
    sparse as _sparse,
    vision as _vision,
)
from torchax.nn.functional.activation import *  # noqa: F401,F403
from torchax.nn.functional.attention import *  # noqa: F401,F403
from torchax.nn.functional.conv import *  # noqa: F401,F403
from torchax.nn.functional.distance import *  # noqa: F401,F403
from torchax.nn.functional.dropout import *  # noqa: F401,F403
from torchax.nn.functional.linear import *  # noqa: F401,F403
from torchax.nn.functional.loss import *  # noqa: F401,F403
from torchax.nn.functional.normalization import *  # noqa: F401,F403
from torchax.nn.functional.pooling import *  # noqa: F401,F403
from torchax.nn.functional.sparse import *  # noqa: F401,F403
from torchax.nn.functional.vision import *  # noqa: F401,F403

# name -> function for the functional ops torch also has as torch.<name>
TOPLEVEL: dict = {}
for _m in (
    _activation,
    _conv,
    _pooling,
    _vision,
    _normalization,
    _linear,
    _sparse,
    _distance,
    _dropout,
    _loss,
    _attention,
    _rnn,
):
    TOPLEVEL.update(_m.TOPLEVEL)
