"""torch.ao.nn: fused (intrinsic), QAT, quantized and dynamic quantized modules."""
from torchax.ao.nn import intrinsic as intrinsic, qat as qat, quantized as quantized  # noqa: F401
