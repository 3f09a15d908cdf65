"""torchvision.transforms.functional: each transform on a PIL image, a tensor image, and (where torchvision takes
one) a numpy array."""

from __future__ import annotations

import numbers
import sys
from enum import Enum

import numpy as np

import torchax
from torchax._tensor import Tensor
from torchax.vision.transforms import _functional_tensor as F_t

__all__ = ["InterpolationMode", "get_dimensions", "get_image_size", "get_image_num_channels", "to_tensor",
           "pil_to_tensor", "to_pil_image", "normalize", "resize", "pad", "crop", "center_crop", "resized_crop",
           "hflip", "vflip", "rotate", "adjust_brightness", "adjust_contrast", "adjust_saturation", "adjust_hue",
           "rgb_to_grayscale", "to_grayscale", "convert_image_dtype"]


class InterpolationMode(Enum):
    """torchvision.transforms.InterpolationMode."""

    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


def _pil():
    from torchax.vision.transforms import _functional_pil

    return _functional_pil


def _is_pil_image(img) -> bool:
    return "PIL" in sys.modules and _pil()._is_pil_image(img)


def _pil_mode(mode: InterpolationMode):
    from PIL import Image

    return {InterpolationMode.NEAREST: Image.Resampling.NEAREST, InterpolationMode.BILINEAR: Image.Resampling.BILINEAR,
            InterpolationMode.BICUBIC: Image.Resampling.BICUBIC, InterpolationMode.BOX: Image.Resampling.BOX,
            InterpolationMode.HAMMING: Image.Resampling.HAMMING,
            InterpolationMode.LANCZOS: Image.Resampling.LANCZOS}[mode]


def _interpolation_modes_from_int(i: int) -> InterpolationMode:
    return {0: InterpolationMode.NEAREST, 2: InterpolationMode.BILINEAR, 3: InterpolationMode.BICUBIC,
            4: InterpolationMode.BOX, 5: InterpolationMode.HAMMING, 1: InterpolationMode.LANCZOS}[i]


def _mode(interpolation) -> InterpolationMode:
    if isinstance(interpolation, int):
        return _interpolation_modes_from_int(interpolation)
    if not isinstance(interpolation, InterpolationMode):
        raise TypeError("Argument interpolation should be a InterpolationMode or a corresponding Pillow integer "
                        "constant")
    return interpolation


def get_dimensions(img) -> list[int]:
    """[channels, height, width]."""
    if isinstance(img, Tensor):
        return F_t.get_dimensions(img)
    return _pil().get_dimensions(img)


def get_image_size(img) -> list[int]:
    """[width, height]."""
    if isinstance(img, Tensor):
        return [img.shape[-1], img.shape[-2]]
    return _pil().get_image_size(img)


def get_image_num_channels(img) -> int:
    if isinstance(img, Tensor):
        return F_t.get_dimensions(img)[0]
    return _pil().get_image_num_channels(img)


def _float_from_uint8(arr: np.ndarray) -> Tensor:
    """`from_numpy(arr).to(default float).div(255)`: the same IEEE division, done on the host."""
    dt = torchax.get_default_dtype()
    npdt = np.float64 if dt == torchax.float64 else np.float32
    if dt not in (torchax.float32, torchax.float64):
        return torchax.from_numpy(arr).to(dtype=dt).div(255)
    return torchax.from_numpy(np.ascontiguousarray(arr.astype(npdt) / npdt(255)))


def to_tensor(pic) -> Tensor:
    """PIL image or HWC ndarray -> CHW tensor; uint8 data is scaled to [0, 1] in the default float dtype."""
    if not (_is_pil_image(pic) or isinstance(pic, np.ndarray)):
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    if isinstance(pic, np.ndarray):
        if pic.ndim not in {2, 3}:
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        if pic.ndim == 2:
            pic = pic[:, :, None]
        chw = pic.transpose((2, 0, 1))
        if chw.dtype == np.uint8:
            return _float_from_uint8(chw)
        return torchax.from_numpy(np.ascontiguousarray(chw))
    mode_to_nptype = {"I": np.int32, "I;16" if sys.byteorder == "little" else "I;16B": np.int16, "F": np.float32}
    arr = np.array(pic, mode_to_nptype.get(pic.mode, np.uint8), copy=True)
    if pic.mode == "1":
        arr = 255 * arr
    arr = arr.reshape(pic.size[1], pic.size[0], _pil().get_image_num_channels(pic)).transpose((2, 0, 1))
    if arr.dtype == np.uint8:
        return _float_from_uint8(arr)
    return torchax.from_numpy(np.ascontiguousarray(arr))


def pil_to_tensor(pic) -> Tensor:
    """PIL image -> CHW tensor of the image's own dtype (no scaling)."""
    if not _is_pil_image(pic):
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    arr = np.array(pic, copy=True)
    arr = arr.reshape(pic.size[1], pic.size[0], _pil().get_image_num_channels(pic)).transpose((2, 0, 1))
    return torchax.as_tensor(np.ascontiguousarray(arr))


def _float_to_byte(t: Tensor) -> np.ndarray:
    """torch's `pic.mul(255).byte()`: truncation toward zero, wrapping modulo 256 outside [0, 256)."""
    scaled = t.mul(255).numpy()
    with np.errstate(invalid="ignore"):
        return (np.trunc(scaled).astype(np.int64) & 0xFF).astype(np.uint8)


def to_pil_image(pic, mode=None):
    """CHW tensor or HWC ndarray -> PIL image (floats are scaled by 255 unless mode is 'F')."""
    from PIL import Image

    if isinstance(pic, Tensor):
        if pic.ndim not in {2, 3}:
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        if pic.ndim == 2:
            pic = pic.unsqueeze(0)
        if pic.shape[-3] > 4:
            raise ValueError(f"pic should not have > 4 channels. Got {pic.shape[-3]} channels.")
        chw = _float_to_byte(pic) if pic.is_floating_point() and mode != "F" else pic.detach().numpy()
        npimg = np.transpose(chw, (1, 2, 0))
    elif isinstance(pic, np.ndarray):
        if pic.ndim not in {2, 3}:
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        npimg = np.expand_dims(pic, 2) if pic.ndim == 2 else pic
        if npimg.shape[-1] > 4:
            raise ValueError(f"pic should not have > 4 channels. Got {npimg.shape[-1]} channels.")
    else:
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")

    if npimg.shape[2] == 1:
        npimg = npimg[:, :, 0]
        expected = {np.dtype(np.uint8): "L", np.dtype(np.int16): "I;16" if sys.byteorder == "little" else "I;16B",
                    np.dtype(np.int32): "I", np.dtype(np.float32): "F"}.get(npimg.dtype)
        if mode is not None and mode != expected:
            raise ValueError(f"Incorrect mode ({mode}) supplied for input type {np.dtype}. Should be {expected}")
        mode = expected
    else:
        permitted = {2: ["LA"], 4: ["RGBA", "CMYK", "RGBX"]}.get(npimg.shape[2], ["RGB", "YCbCr", "HSV"])
        if mode is not None and mode not in permitted:
            raise ValueError(f"Only modes {permitted} are supported for {npimg.shape[2]}D inputs")
        if mode is None and npimg.dtype == np.uint8:
            mode = permitted[0]
    if mode is None:
        raise TypeError(f"Input type {npimg.dtype} is not supported")
    npimg = np.ascontiguousarray(npimg)
    if mode in ("L", "LA", "RGB", "RGBA", "F", "I") or mode.startswith("I;16"):
        if mode == "I;16" and npimg.dtype == np.int16:
            return Image.frombytes(mode, (npimg.shape[1], npimg.shape[0]), npimg.tobytes())
        return Image.fromarray(npimg)  # Pillow infers exactly this mode from the array
    # a reinterpretation of the bytes (CMYK, RGBX, YCbCr, HSV): Pillow's mode argument to fromarray is deprecated
    return Image.frombytes(mode, (npimg.shape[1], npimg.shape[0]), npimg.tobytes())


def normalize(tensor, mean, std, inplace: bool = False):
    """(tensor - mean[c]) / std[c] per channel."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
    return F_t.normalize(tensor, mean=mean, std=std, inplace=inplace)


def _compute_resized_output_size(image_size, size, max_size=None) -> list[int]:
    h, w = image_size
    short, long = (w, h) if w <= h else (h, w)
    if size is None or len(size) == 1:  # only the smaller edge is given
        requested_new_short = size if isinstance(size, int) else size[0]
        new_short, new_long = requested_new_short, int(requested_new_short * long / short)
        if max_size is not None:
            if max_size <= requested_new_short:
                raise ValueError(f"max_size = {max_size} must be strictly greater than the requested size for the "
                                 f"smaller edge size = {size}")
            if new_long > max_size:
                new_short, new_long = int(max_size * new_short / new_long), max_size
        new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    else:
        new_w, new_h = size[1], size[0]
    return [new_h, new_w]


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
    """Resize to `size` (h, w), or the smaller edge to `size` keeping the aspect ratio."""
    interpolation = _mode(interpolation)
    if isinstance(size, (list, tuple)):
        if len(size) not in [1, 2]:
            raise ValueError(f"Size must be an int or a 1 or 2 element tuple/list, not a {len(size)} element "
                             "tuple/list")
        if max_size is not None and len(size) != 1:
            raise ValueError("max_size should only be passed if size specifies the length of the smaller edge, i.e. "
                             "size should be an int or a sequence of length 1 in torchscript mode.")
    _, image_height, image_width = get_dimensions(img)
    if isinstance(size, int):
        size = [size]
    output_size = _compute_resized_output_size((image_height, image_width), size, max_size)
    if [image_height, image_width] == output_size:
        return img
    if not isinstance(img, Tensor):
        return _pil().resize(img, size=output_size, interpolation=_pil_mode(interpolation))
    return F_t.resize(img, size=output_size, interpolation=interpolation.value, antialias=antialias)


def pad(img, padding, fill=0, padding_mode: str = "constant"):
    """Pad the borders (left, top, right, bottom) with a constant, the edge, or a reflection."""
    if not isinstance(img, Tensor):
        return _pil().pad(img, padding=padding, fill=fill, padding_mode=padding_mode)
    return F_t.pad(img, padding=padding, fill=fill, padding_mode=padding_mode)


def crop(img, top: int, left: int, height: int, width: int):
    """The box (top, left, height, width); outside the image reads as zeros (tensors) or black (PIL)."""
    if not isinstance(img, Tensor):
        return _pil().crop(img, top, left, height, width)
    return F_t.crop(img, top, left, height, width)


def center_crop(img, output_size):
    """A central crop of `output_size`, zero-padded first if the image is smaller."""
    if isinstance(output_size, numbers.Number):
        output_size = (int(output_size), int(output_size))
    elif isinstance(output_size, (tuple, list)) and len(output_size) == 1:
        output_size = (output_size[0], output_size[0])
    _, image_height, image_width = get_dimensions(img)
    crop_height, crop_width = output_size
    if crop_width > image_width or crop_height > image_height:
        padding_ltrb = [(crop_width - image_width) // 2 if crop_width > image_width else 0,
                        (crop_height - image_height) // 2 if crop_height > image_height else 0,
                        (crop_width - image_width + 1) // 2 if crop_width > image_width else 0,
                        (crop_height - image_height + 1) // 2 if crop_height > image_height else 0]
        img = pad(img, padding_ltrb, fill=0)
        _, image_height, image_width = get_dimensions(img)
        if crop_width == image_width and crop_height == image_height:
            return img
    crop_top = int(round((image_height - crop_height) / 2.0))
    crop_left = int(round((image_width - crop_width) / 2.0))
    return crop(img, crop_top, crop_left, crop_height, crop_width)


def resized_crop(img, top, left, height, width, size, interpolation=InterpolationMode.BILINEAR, antialias=True):
    """crop, then resize."""
    img = crop(img, top, left, height, width)
    return resize(img, size, interpolation, antialias=antialias)


def hflip(img):
    """Mirror left-right."""
    return F_t.hflip(img) if isinstance(img, Tensor) else _pil().hflip(img)


def vflip(img):
    """Mirror top-bottom."""
    return F_t.vflip(img) if isinstance(img, Tensor) else _pil().vflip(img)


def rotate(img, angle: float, interpolation=InterpolationMode.NEAREST, expand: bool = False, center=None, fill=None):
    """Rotate counter-clockwise by `angle` degrees about `center` (default: the image centre)."""
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError("Argument center should be a sequence")
    interpolation = _mode(interpolation)
    if not isinstance(img, Tensor):
        return _pil().rotate(img, angle=angle, interpolation=_pil_mode(interpolation), expand=expand, center=center,
                             fill=fill)
    center_f = [0.0, 0.0]
    if center is not None:
        _, height, width = get_dimensions(img)
        center_f = [1.0 * (c - s * 0.5) for c, s in zip(center, [width, height])]  # relative to the image centre
    # NOTE: the inverse affine matrix rotates by -angle (torchvision's convention between affine and rotate)
    matrix = F_t._get_inverse_affine_matrix(center_f, -angle, [0.0, 0.0], 1.0, [0.0, 0.0])
    return F_t.rotate(img, matrix=matrix, interpolation=interpolation.value, expand=expand, fill=fill)


def adjust_brightness(img, brightness_factor: float):
    """Blend with black: factor 0 gives black, 1 the image."""
    if not isinstance(img, Tensor):
        return _pil().adjust_brightness(img, brightness_factor)
    return F_t.adjust_brightness(img, brightness_factor)


def adjust_contrast(img, contrast_factor: float):
    """Blend with the mean gray level."""
    if not isinstance(img, Tensor):
        return _pil().adjust_contrast(img, contrast_factor)
    return F_t.adjust_contrast(img, contrast_factor)


def adjust_saturation(img, saturation_factor: float):
    """Blend with the grayscale image."""
    if not isinstance(img, Tensor):
        return _pil().adjust_saturation(img, saturation_factor)
    return F_t.adjust_saturation(img, saturation_factor)


def adjust_hue(img, hue_factor: float):
    """Shift the hue channel (in HSV) by hue_factor in [-0.5, 0.5] of a turn."""
    if not isinstance(img, Tensor):
        return _pil().adjust_hue(img, hue_factor)
    return F_t.adjust_hue(img, hue_factor)


def rgb_to_grayscale(img, num_output_channels: int = 1):
    """0.2989 R + 0.587 G + 0.114 B (Pillow's rounding for PIL images)."""
    if not isinstance(img, Tensor):
        return _pil().to_grayscale(img, num_output_channels)
    return F_t.rgb_to_grayscale(img, num_output_channels)


def to_grayscale(img, num_output_channels: int = 1):
    """PIL images only (as torchvision)."""
    if _is_pil_image(img):
        return _pil().to_grayscale(img, num_output_channels)
    raise TypeError("Input should be PIL Image")


def convert_image_dtype(image, dtype=torchax.float32):
    """Convert the dtype, rescaling values between the integer range and [0, 1]."""
    if not isinstance(image, Tensor):
        raise TypeError("Input img should be Tensor Image")
    return F_t.convert_image_dtype(image, dtype)
