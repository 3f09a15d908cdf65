"""torch.nn modules, one file per theme (as in torch.nn.modules)."""

from torchax.nn.modules.activation import *  # noqa: F401,F403
from torchax.nn.modules.attention import *  # noqa: F401,F403
from torchax.nn.modules.batchnorm import *  # noqa: F401,F403
from torchax.nn.modules.channelshuffle import *  # noqa: F401,F403
from torchax.nn.modules.container import *  # noqa: F401,F403
from torchax.nn.modules.conv import *  # noqa: F401,F403
from torchax.nn.modules.distance import *  # noqa: F401,F403
from torchax.nn.modules.dropout import *  # noqa: F401,F403
from torchax.nn.modules.flatten import *  # noqa: F401,F403
from torchax.nn.modules.fold import *  # noqa: F401,F403
from torchax.nn.modules.instancenorm import *  # noqa: F401,F403
from torchax.nn.modules.linear import *  # noqa: F401,F403
from torchax.nn.modules.loss import *  # noqa: F401,F403
from torchax.nn.modules.module import *  # noqa: F401,F403
from torchax.nn.modules.normalization import *  # noqa: F401,F403
from torchax.nn.modules.padding import *  # noqa: F401,F403
from torchax.nn.modules.pixelshuffle import *  # noqa: F401,F403
from torchax.nn.modules.pooling import *  # noqa: F401,F403
from torchax.nn.modules.rnn import *  # noqa: F401,F403
from torchax.nn.modules.sparse import *  # noqa: F401,F403
from torchax.nn.modules.transformer import *  # noqa: F401,F403
from torchax.nn.modules.upsampling import *  # noqa: F401,F403
