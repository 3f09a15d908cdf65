"""torch.ao.nn.quantized.dynamic.modules."""
from torchax.ao.nn.quantized.dynamic.modules.linear import Linear as Linear  # noqa: F401
from torchax.ao.nn.quantized.dynamic.modules.rnn import LSTM as LSTM  # noqa: F401
