"""torchvision.utils: make_grid and save_image."""

from __future__ import annotations

import math

import numpy as np

import torchax
from torchax._tensor import Tensor

__all__ = ["make_grid", "save_image"]


def _norm_ip(img, low, high):
    img.clamp_(min=low, max=high)
    img.sub_(low).div_(max(high - low, 1e-5))


def _norm_range(t, value_range):
    if value_range is not None:
        _norm_ip(t, value_range[0], value_range[1])
    else:
        _norm_ip(t, float(t.min()), float(t.max()))


def make_grid(tensor, nrow: int = 8, padding: int = 2, normalize: bool = False, value_range=None,
              scale_each: bool = False, pad_value: float = 0.0) -> Tensor:
    """torchvision.utils.make_grid: a (C, H', W') image of the batch laid out `nrow` per row."""
    with torchax.no_grad():
        if not isinstance(tensor, Tensor):
            if isinstance(tensor, list):
                for t in tensor:
                    if not isinstance(t, Tensor):
                        raise TypeError(f"tensor or list of tensors expected, got a list containing {type(t)}")
            else:
                raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
        if isinstance(tensor, list):
            tensor = torchax.stack(tensor, dim=0)
        if tensor.dim() == 2:  # one H x W image
            tensor = tensor.unsqueeze(0)
        if tensor.dim() == 3:  # one image: a single channel becomes three
            if tensor.size(0) == 1:
                tensor = torchax.cat((tensor, tensor, tensor), 0)
            tensor = tensor.unsqueeze(0)
        if tensor.dim() == 4 and tensor.size(1) == 1:
            tensor = torchax.cat((tensor, tensor, tensor), 1)
        if normalize is True:
            tensor = tensor.clone()
            if value_range is not None and not isinstance(value_range, tuple):
                raise TypeError("value_range has to be a tuple (min, max) if specified. min and max are numbers")
            if scale_each is True:
                tensor = torchax.stack([_scaled(t, value_range) for t in tensor])
            else:
                _norm_range(tensor, value_range)
        if tensor.size(0) == 1:
            return tensor.squeeze(0)
        nmaps = tensor.size(0)
        xmaps = min(nrow, nmaps)
        ymaps = int(math.ceil(float(nmaps) / xmaps))
        height, width = int(tensor.size(2) + padding), int(tensor.size(3) + padding)
        # NOTE: the tiles are placed on the host (one transfer) rather than with one view write per image
        src = tensor.numpy()
        grid = np.full((tensor.size(1), height * ymaps + padding, width * xmaps + padding), pad_value, src.dtype)
        for k in range(nmaps):
            y, x = divmod(k, xmaps)
            grid[:, y * height + padding:(y + 1) * height, x * width + padding:(x + 1) * width] = src[k]
        return torchax.from_numpy(grid)


def _scaled(t, value_range):
    t = t.clone()
    _norm_range(t, value_range)
    return t


def save_image(tensor, fp, format=None, **kwargs) -> None:
    """torchvision.utils.save_image: make_grid, scale to [0, 255] with rounding, and write with Pillow."""
    from PIL import Image

    grid = make_grid(tensor, **kwargs)
    with torchax.no_grad():
        arr = grid.mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).numpy()
    Image.fromarray(arr.astype(np.uint8)).save(fp, format=format)
