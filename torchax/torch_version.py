"""torch.torch_version: TorchVersion and the running version."""

from torchax.version import TorchVersion, __version__

__all__ = ["TorchVersion", "__version__"]
