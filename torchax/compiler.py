"""torch.compiler: the compile-control functions scripts call around `torch.compile`."""

from torchax._compile import CACHE_SIZE_LIMIT, Unsupported, compile, disable, is_compiling, reset, stats

__all__ = ["compile", "reset", "disable", "is_compiling", "is_dynamo_compiling", "stats", "Unsupported",
           "CACHE_SIZE_LIMIT"]


def is_dynamo_compiling() -> bool:
    """torch.compiler.is_dynamo_compiling: True while a compiled function is being traced."""
    return is_compiling()
