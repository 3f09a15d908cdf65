"""torch.ao.nn.quantized.dynamic: float in/out modules with int8 weights."""
from torchax.ao.nn.quantized.dynamic.modules import LSTM as LSTM, Linear as Linear  # noqa: F401
