"""torchax.optim: torch.optim on JAX; each step updates every parameter of every group in one jitted call."""

from torchax.optim import lr_scheduler as lr_scheduler, swa_utils as swa_utils
from torchax.optim._optax import from_optax as from_optax
from torchax.optim.adafactor import Adafactor as Adafactor, Muon as Muon
from torchax.optim.adagrad import Adadelta as Adadelta, Adagrad as Adagrad, RMSprop as RMSprop, Rprop as Rprop
from torchax.optim.adam import (
    Adam as Adam,
    Adamax as Adamax,
    AdamW as AdamW,
    NAdam as NAdam,
    RAdam as RAdam,
    SparseAdam as SparseAdam,
)
from torchax.optim.lbfgs import LBFGS as LBFGS
from torchax.optim.optimizer import Optimizer as Optimizer
from torchax.optim.sgd import ASGD as ASGD, SGD as SGD

__all__ = ["Adafactor", "Adadelta", "Adagrad", "Adam", "Adamax", "AdamW", "ASGD", "LBFGS", "lr_scheduler", "Muon",
           "NAdam", "Optimizer", "RAdam", "RMSprop", "Rprop", "SGD", "SparseAdam", "swa_utils", "from_optax"]
