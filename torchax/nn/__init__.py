"""torch.nn: modules, parameters, functional, init and utils."""

from torchax.nn import functional as functional, init as init, utils as utils  # noqa: F401
from torchax.nn.modules import *  # noqa: F401,F403
from torchax.nn.parallel import DataParallel as DataParallel, SyncBatchNorm as SyncBatchNorm  # noqa: F401
from torchax.nn.parameter import *  # noqa: F401,F403
