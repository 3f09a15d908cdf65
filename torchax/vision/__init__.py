"""torchax.vision: the torchvision subset torchax ships (`import torchax.vision as torchvision`): transforms, datasets
and utils (make_grid, save_image)."""

from torchax.vision import datasets, transforms, utils

__version__ = "0.1.0+torchax"
__all__ = ["datasets", "transforms", "utils"]
