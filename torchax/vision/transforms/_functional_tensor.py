"""torchvision.transforms._functional_tensor: the transforms on tensor images ([..., C, H, W]), with torchvision's
formulas written in torchax ops (so the numerics follow torch's)."""

from __future__ import annotations

import math

import numpy as np

import torchax
from torchax._tensor import Tensor


def _is_tensor_a_torch_image(x) -> bool:
    return x.ndim >= 2


def _assert_image_tensor(img) -> None:
    if not _is_tensor_a_torch_image(img):
        raise TypeError("Tensor is not a torch image.")


def get_dimensions(img) -> list[int]:
    _assert_image_tensor(img)
    channels = 1 if img.ndim == 2 else img.shape[-3]
    height, width = img.shape[-2:]
    return [channels, height, width]


def _assert_channels(img, permitted) -> None:
    c = get_dimensions(img)[0]
    if c not in permitted:
        raise TypeError(f"Input image tensor permitted channel values are {permitted}, but found {c}")


def _max_value(dtype) -> int | float:
    if dtype == torchax.uint8:
        return 255
    if dtype == torchax.int8:
        return 127
    if dtype == torchax.int16:
        return 32767
    if dtype == torchax.uint16:
        return 65535
    if dtype == torchax.int32:
        return 2147483647
    if dtype == torchax.int64:
        return 9223372036854775807
    return 1.0  # floating point images are in [0, 1]


def convert_image_dtype(image, dtype=torchax.float32):
    if image.dtype == dtype:
        return image
    if image.is_floating_point():
        if dtype.is_floating_point:
            return image.to(dtype)
        if (image.dtype == torchax.float32 and dtype in (torchax.int32, torchax.int64)) or (
                image.dtype == torchax.float64 and dtype == torchax.int64):
            raise RuntimeError(f"The cast from {image.dtype} to {dtype} cannot be performed safely.")
        # `max + 1 - eps` maps [0, 1] onto the integer range evenly (only 1.0 reaches the maximum)
        eps = 1e-3
        max_val = float(_max_value(dtype))
        return image.mul(max_val + 1.0 - eps).to(dtype)
    input_max = float(_max_value(image.dtype))
    if dtype.is_floating_point:
        return image.to(dtype) / input_max
    output_max = float(_max_value(dtype))
    if input_max > output_max:
        factor = int((input_max + 1) // (output_max + 1))
        return torchax.div(image, factor, rounding_mode="floor").to(dtype)
    factor = int((output_max + 1) // (input_max + 1))
    return image.to(dtype) * factor


def vflip(img):
    _assert_image_tensor(img)
    return img.flip(-2)


def hflip(img):
    _assert_image_tensor(img)
    return img.flip(-1)


def crop(img, top: int, left: int, height: int, width: int):
    _assert_image_tensor(img)
    _, h, w = get_dimensions(img)
    right, bottom = left + width, top + height
    if left < 0 or top < 0 or right > w or bottom > h:  # the part outside the image is zero padding
        padding_ltrb = [max(-left + min(0, right), 0), max(-top + min(0, bottom), 0), max(right - max(w, left), 0),
                        max(bottom - max(h, top), 0)]
        return pad(img[..., max(top, 0):bottom, max(left, 0):right], padding_ltrb, fill=0)
    return img[..., top:bottom, left:right]


def rgb_to_grayscale(img, num_output_channels: int = 1):
    if img.ndim < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found {img.ndim}")
    _assert_channels(img, [1, 3])
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    if img.shape[-3] == 3:
        r, g, b = img.unbind(dim=-3)
        l_img = (0.2989 * r + 0.587 * g + 0.114 * b).to(img.dtype)  # ITU-R 601-2 luma, as torchvision
        l_img = l_img.unsqueeze(dim=-3)
    else:
        l_img = img.clone()
    if num_output_channels == 3:
        return l_img.expand(img.shape)
    return l_img


def _blend(img1, img2, ratio: float):
    ratio = float(ratio)
    bound = _max_value(img1.dtype)
    return (ratio * img1 + (1.0 - ratio) * img2).clamp(0, bound).to(img1.dtype)


def adjust_brightness(img, brightness_factor: float):
    if brightness_factor < 0:
        raise ValueError(f"brightness_factor ({brightness_factor}) is not non-negative.")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    return _blend(img, torchax.zeros_like(img), brightness_factor)


def adjust_contrast(img, contrast_factor: float):
    if contrast_factor < 0:
        raise ValueError(f"contrast_factor ({contrast_factor}) is not non-negative.")
    _assert_image_tensor(img)
    _assert_channels(img, [3, 1])
    c = get_dimensions(img)[0]
    dtype = img.dtype if img.is_floating_point() else torchax.float32
    gray = rgb_to_grayscale(img) if c == 3 else img
    mean = torchax.mean(gray.to(dtype), dim=(-3, -2, -1), keepdim=True)
    return _blend(img, mean, contrast_factor)


def adjust_saturation(img, saturation_factor: float):
    if saturation_factor < 0:
        raise ValueError(f"saturation_factor ({saturation_factor}) is not non-negative.")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    if get_dimensions(img)[0] == 1:  # as PIL: a gray image has no saturation
        return img
    return _blend(img, rgb_to_grayscale(img), saturation_factor)


def _rgb2hsv(img):
    r, g, b = img.unbind(dim=-3)
    maxc = torchax.max(img, dim=-3).values
    minc = torchax.min(img, dim=-3).values
    eqc = maxc == minc  # gray pixels: S and H are 0 (the divisions below would be 0/0)
    cr = maxc - minc
    ones = torchax.ones_like(maxc)
    s = cr / torchax.where(eqc, ones, maxc)
    cr_divisor = torchax.where(eqc, ones, cr)
    rc = (maxc - r) / cr_divisor
    gc = (maxc - g) / cr_divisor
    bc = (maxc - b) / cr_divisor
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = torchax.fmod((hr + hg + hb) / 6.0 + 1.0, 1.0)
    return torchax.stack((h, s, maxc), dim=-3)


def _hsv2rgb(img):
    h, s, v = img.unbind(dim=-3)
    i = torchax.floor(h * 6.0)
    f = (h * 6.0) - i
    i = i.to(dtype=torchax.int32)
    p = torchax.clamp((v * (1.0 - s)), 0.0, 1.0)
    q = torchax.clamp((v * (1.0 - s * f)), 0.0, 1.0)
    t = torchax.clamp((v * (1.0 - s * (1.0 - f))), 0.0, 1.0)
    i = i % 6
    mask = i.unsqueeze(dim=-3) == torchax.arange(6).view(-1, 1, 1)
    a1 = torchax.stack((v, q, p, p, t, v), dim=-3)
    a2 = torchax.stack((t, v, v, q, p, p), dim=-3)
    a3 = torchax.stack((p, p, t, v, v, q), dim=-3)
    a4 = torchax.stack((a1, a2, a3), dim=-4)
    return torchax.einsum("...ijk, ...xijk -> ...xjk", mask.to(dtype=img.dtype), a4)


def adjust_hue(img, hue_factor: float):
    if not (-0.5 <= hue_factor <= 0.5):
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    if not isinstance(img, Tensor):
        raise TypeError("Input img should be Tensor image")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    if get_dimensions(img)[0] == 1:
        return img
    orig_dtype = img.dtype
    img = _rgb2hsv(convert_image_dtype(img, torchax.float32))
    h, s, v = img.unbind(dim=-3)
    h = (h + hue_factor) % 1.0
    img_hue_adj = _hsv2rgb(torchax.stack((h, s, v), dim=-3))
    return convert_image_dtype(img_hue_adj, orig_dtype)


def _parse_pad_padding(padding) -> list[int]:
    """[left, right, top, bottom] from an int or a 1-, 2- or 4-element sequence (left, top, right, bottom)."""
    if isinstance(padding, int):
        pad_left = pad_right = pad_top = pad_bottom = padding
    elif len(padding) == 1:
        pad_left = pad_right = pad_top = pad_bottom = padding[0]
    elif len(padding) == 2:
        pad_left = pad_right = padding[0]
        pad_top = pad_bottom = padding[1]
    else:
        pad_left, pad_top, pad_right, pad_bottom = padding[0], padding[1], padding[2], padding[3]
    return [pad_left, pad_right, pad_top, pad_bottom]


def _pad_symmetric(img, padding):
    """Mirror padding that repeats the edge pixel, by index gathering (negative padding crops first)."""
    if min(padding) < 0:
        crop_left, crop_right, crop_top, crop_bottom = [-min(x, 0) for x in padding]
        img = img[..., crop_top:img.shape[-2] - crop_bottom, crop_left:img.shape[-1] - crop_right]
        padding = [max(x, 0) for x in padding]
    h, w = img.shape[-2:]
    x_idx = list(range(padding[0] - 1, -1, -1)) + list(range(w)) + [-(i + 1) for i in range(padding[1])]
    y_idx = list(range(padding[2] - 1, -1, -1)) + list(range(h)) + [-(i + 1) for i in range(padding[3])]
    if img.ndim not in (3, 4):
        raise RuntimeError("Symmetric padding of N-D tensors are not supported yet")
    y = torchax.tensor(np.asarray(y_idx, np.int64) % h)
    x = torchax.tensor(np.asarray(x_idx, np.int64) % w)
    return img.index_select(-2, y).index_select(-1, x)


def pad(img, padding, fill=0, padding_mode: str = "constant"):
    _assert_image_tensor(img)
    if fill is None:
        fill = 0
    if not isinstance(padding, (int, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if not isinstance(fill, (int, float)):
        raise TypeError("Got inappropriate fill arg")
    if not isinstance(padding_mode, str):
        raise TypeError("Got inappropriate padding_mode arg")
    if isinstance(padding, (tuple, list)) and len(padding) not in [1, 2, 4]:
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element tuple")
    if padding_mode not in ["constant", "edge", "reflect", "symmetric"]:
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    p = _parse_pad_padding(padding)
    if padding_mode == "symmetric":
        return _pad_symmetric(img, p)
    mode = "replicate" if padding_mode == "edge" else padding_mode
    need_squeeze = img.ndim < 4
    if need_squeeze:
        img = img.unsqueeze(dim=0)
    out_dtype = img.dtype
    need_cast = mode != "constant" and img.dtype not in (torchax.float32, torchax.float64)
    if need_cast:  # torch's reflect/replicate padding wants floats
        img = img.to(torchax.float32)
    F = torchax.nn.functional
    img = F.pad(img, p, mode=mode) if mode in ("reflect", "replicate") else F.pad(img, p, mode=mode, value=float(fill))
    if need_squeeze:
        img = img.squeeze(dim=0)
    if need_cast:
        img = img.to(out_dtype)
    return img


def _cast_squeeze_in(img, req_dtypes):
    need_squeeze = img.ndim < 4
    if need_squeeze:
        img = img.unsqueeze(dim=0)
    out_dtype = img.dtype
    need_cast = out_dtype not in req_dtypes
    if need_cast:
        img = img.to(req_dtypes[0])
    return img, need_cast, need_squeeze, out_dtype


def _cast_squeeze_out(img, need_cast: bool, need_squeeze: bool, out_dtype):
    if need_squeeze:
        img = img.squeeze(dim=0)
    if need_cast:
        if out_dtype in (torchax.uint8, torchax.int8, torchax.int16, torchax.int32, torchax.int64):
            img = torchax.round(img)  # float back to an integer image rounds (not truncates)
        img = img.to(out_dtype)
    return img


def resize(img, size: list[int], interpolation: str = "bilinear", antialias: bool | None = True):
    _assert_image_tensor(img)
    size = list(size)
    if antialias is None:
        antialias = False
    if antialias and interpolation not in ["bilinear", "bicubic"]:
        antialias = False  # only the interpolating modes have an antialiased form
    img, need_cast, need_squeeze, out_dtype = _cast_squeeze_in(img, [torchax.float32, torchax.float64])
    if antialias:
        from torchax.vision.transforms._resize import resize_aa

        img = resize_aa(img, size, interpolation)
    else:
        align_corners = False if interpolation in ["bilinear", "bicubic"] else None
        img = torchax.nn.functional.interpolate(img, size=size, mode=interpolation, align_corners=align_corners)
    if interpolation == "bicubic" and out_dtype == torchax.uint8:
        img = img.clamp(min=0, max=255)
    return _cast_squeeze_out(img, need_cast=need_cast, need_squeeze=need_squeeze, out_dtype=out_dtype)


def normalize(tensor, mean, std, inplace: bool = False):
    _assert_image_tensor(tensor)
    if not tensor.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.ndim < 3:
        raise ValueError(f"Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = "
                         f"{tensor.size()}")
    if not inplace:
        tensor = tensor.clone()
    dtype = tensor.dtype
    mean = torchax.as_tensor(mean, dtype=dtype, device=tensor.device)
    std = torchax.as_tensor(std, dtype=dtype, device=tensor.device)
    if (std == 0).any():
        raise ValueError(f"std evaluated to zero after conversion to {dtype}, leading to division by zero.")
    if mean.ndim == 1:
        mean = mean.view(-1, 1, 1)
    if std.ndim == 1:
        std = std.view(-1, 1, 1)
    return tensor.sub_(mean).div_(std)


def _gen_affine_grid(theta, w: int, h: int, ow: int, oh: int):
    """The sampling grid (normalised coordinates) of the inverse affine map `theta`, pixel centres at +0.5."""
    d = 0.5
    x_grid = torchax.linspace(-ow * 0.5 + d, ow * 0.5 + d - 1, steps=ow).to(theta.dtype)
    y_grid = torchax.linspace(-oh * 0.5 + d, oh * 0.5 + d - 1, steps=oh).to(theta.dtype)
    base_grid = torchax.stack((x_grid.expand(oh, ow), y_grid.unsqueeze(-1).expand(oh, ow),
                               torchax.ones((oh, ow), dtype=theta.dtype)), dim=-1).unsqueeze(0)
    rescaled_theta = theta.transpose(1, 2) / torchax.tensor([0.5 * w, 0.5 * h], dtype=theta.dtype)
    output_grid = base_grid.view(1, oh * ow, 3).bmm(rescaled_theta)
    return output_grid.view(1, oh, ow, 2)


def _apply_grid_transform(img, grid, mode: str, fill):
    img, need_cast, need_squeeze, out_dtype = _cast_squeeze_in(img, [grid.dtype])
    if img.shape[0] > 1:
        grid = grid.expand(img.shape[0], grid.shape[1], grid.shape[2], grid.shape[3])
    if fill is not None:  # a ones channel marks what came from inside the image
        mask = torchax.ones((img.shape[0], 1, img.shape[2], img.shape[3]), dtype=img.dtype)
        img = torchax.cat((img, mask), dim=1)
    img = torchax.nn.functional.grid_sample(img, grid, mode=mode, padding_mode="zeros", align_corners=False)
    if fill is not None:
        mask = img[:, -1:, :, :]
        img = img[:, :-1, :, :]
        mask = mask.expand_as(img)
        fill_list, len_fill = (fill, len(fill)) if isinstance(fill, (tuple, list)) else ([float(fill)], 1)
        fill_img = torchax.tensor(fill_list, dtype=img.dtype).view(1, len_fill, 1, 1).expand_as(img)
        if mode == "nearest":
            img = torchax.where(mask < 0.5, fill_img, img)
        else:
            img = img * mask + (1.0 - mask) * fill_img
    return _cast_squeeze_out(img, need_cast, need_squeeze, out_dtype)


def _compute_affine_output_size(matrix: list[float], w: int, h: int) -> tuple[int, int]:
    """The canvas that holds the whole rotated image (PIL's rule), in float32 as torchvision computes it."""
    pts = np.array([[-0.5 * w, -0.5 * h, 1.0], [-0.5 * w, 0.5 * h, 1.0], [0.5 * w, 0.5 * h, 1.0],
                    [0.5 * w, -0.5 * h, 1.0]], np.float32)
    theta = np.asarray(matrix, np.float32).reshape(2, 3)
    new_pts = pts @ theta.T
    halfs = np.array([w * 0.5, h * 0.5], np.float32)
    min_vals, max_vals = new_pts.min(0) + halfs, new_pts.max(0) + halfs
    tol = np.float32(1e-4)  # truncate so that 1e-15 above an integer does not round up
    cmax = np.ceil(np.trunc(max_vals / tol) * tol)
    cmin = np.floor(np.trunc(min_vals / tol) * tol)
    size = cmax - cmin
    return int(size[0]), int(size[1])


def rotate(img, matrix: list[float], interpolation: str = "nearest", expand: bool = False, fill=None):
    _assert_image_tensor(img)
    if interpolation not in ("nearest", "bilinear"):
        raise ValueError(f"Interpolation mode '{interpolation}' is unsupported with Tensor input")
    if isinstance(fill, (tuple, list)) and len(fill) > 1 and len(fill) != get_dimensions(img)[0]:
        raise ValueError("The number of elements in 'fill' cannot broadcast to match the number of channels of the "
                         f"image ({len(fill)} != {get_dimensions(img)[0]})")
    w, h = img.shape[-1], img.shape[-2]
    ow, oh = _compute_affine_output_size(matrix, w, h) if expand else (w, h)
    dtype = img.dtype if img.is_floating_point() else torchax.float32
    theta = torchax.tensor(matrix, dtype=dtype).reshape(1, 2, 3)
    grid = _gen_affine_grid(theta, w=w, h=h, ow=ow, oh=oh)
    return _apply_grid_transform(img, grid, interpolation, fill=fill)


def _get_inverse_affine_matrix(center, angle: float, translate, scale: float, shear) -> list[float]:
    """The inverse of  T * C * RotateScaleShear * C^-1  (torchvision's convention), as 6 floats."""
    rot = math.radians(angle)
    sx, sy = math.radians(shear[0]), math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    matrix = [x / scale for x in [d, -b, 0.0, -c, a, 0.0]]
    matrix[2] += matrix[0] * (-cx - tx) + matrix[1] * (-cy - ty)
    matrix[5] += matrix[3] * (-cx - tx) + matrix[4] * (-cy - ty)
    matrix[2] += cx
    matrix[5] += cy
    return matrix
