"""torch.nn.utils."""

from torchax.nn.utils import rnn as rnn  # noqa: F401
