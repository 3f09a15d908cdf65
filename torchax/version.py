"""torch.version: the torch release torchax implements, marked as torchax's build."""

torchax = "0.1.0"
__version__ = f"2.13.0+torchax.{torchax}"  # torch-like, so version checks in scripts behave as on torch 2.13
cuda = None  # torch's CPU-build answers: torchax does not link CUDA itself
hip = None
git_version = "unknown"
debug = False
