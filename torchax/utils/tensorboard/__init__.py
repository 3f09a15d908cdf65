"""torch.utils.tensorboard: SummaryWriter (TensorBoard event files, written by tensorboardX)."""

from torchax.utils.tensorboard.writer import SummaryWriter

__all__ = ["SummaryWriter"]
