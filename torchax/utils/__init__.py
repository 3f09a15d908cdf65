"""torchax.utils: torch.utils counterparts."""
from torchax.utils import data as data
