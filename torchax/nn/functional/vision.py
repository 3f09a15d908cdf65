"""torch.nn.functional: interpolate, upsample*, grid_sample, affine_grid, pad, pixel_shuffle/unshuffle, channel_shuffle.

Resampling (interpolate, grid_sample) gathers the taps torch reads and weights them with torch's weights: source
indices and weights are computed at trace time in numpy, in the arithmetic (float32 or float64) torch's CPU kernels
use, so the same pixels are picked and gradients (the gather's transpose) equal torch's.
"""

from __future__ import annotations

import math
import numbers
import warnings

import jax.numpy as jnp
import numpy as np
from jax import lax

from torchax import _dtype
from torchax._registry import Static, TorchNotImplementedError, TorchRuntimeError, TorchTypeError, op
from torchax.nn.functional.conv import _is_int
from torchax.nn.functional.pooling import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d

__all__ = ["pad", "interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "grid_sample", "affine_grid",
           "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "native_channel_shuffle"]
# torch.<name> functions that torch also exposes at top level (signatures may differ from F.<name>)
TOPLEVEL: dict = {}


def _tname(jdtype) -> str:
    return _dtype.type_name(_dtype.from_jax(jdtype))


# --- pad -----------------------------------------------------------------------------------------------------------

_PAD_NAMES = {"reflect": "reflection_pad", "replicate": "replication_pad", "circular": "circular_pad"}
_NP_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _spec_len(s) -> int:
    """Length of a tuple argument as the dispatcher's spec holds it (`(tuple, *items)`)."""
    return len(s) - 1 if s and s[0] in (tuple, list) else len(s)


def _pad_grad_name(spec):
    mode, n = spec[2], _spec_len(spec[1]) // 2
    if mode == "constant":
        return "ConstantPadNdBackward0"
    if mode == "circular":
        return "torch::autograd::CopySlices"
    return f"{'Reflection' if mode == 'reflect' else 'Replication'}Pad{n}DBackward0"


@op(name="_pad", method=False, out=False, dynamic=("value",), grad_name=_pad_grad_name)
def _pad(input, pad, mode, value):
    if len(pad) % 2:
        raise TorchRuntimeError("Padding length must be divisible by 2")
    n = len(pad) // 2
    if n > input.ndim:
        raise TorchRuntimeError(f"Padding length should be less than or equal to two times the input dimension but "
                                f"got padding length {len(pad)} and input of dimension {input.ndim}")
    # pad lists (last dim first) as (lo, hi) per dim, first dim first
    pairs = [(0, 0)] * (input.ndim - n) + [(pad[2 * i], pad[2 * i + 1]) for i in reversed(range(n))]
    if mode == "constant":
        out = [s + lo + hi for s, (lo, hi) in zip(input.shape, pairs)]
        if any(o < 0 for o in out):
            raise TorchRuntimeError(f"The input size {input.shape[input.ndim - n]}, plus negative padding "
                                    f"{pairs[input.ndim - n][0]} and {pairs[input.ndim - n][1]} resulted in a "
                                    f"negative output size, which is invalid. Check dimension "
                                    f"{input.ndim - n} of your input.")
        fill = jnp.asarray(0 if value is None else value).astype(input.dtype)  # a traced Python scalar
        return lax.pad(input, fill, [(lo, hi, 0) for lo, hi in pairs])
    if mode not in _NP_MODES:
        raise TorchNotImplementedError(f"Unrecognised padding mode {mode}")
    if n not in (1, 2, 3) or input.ndim not in (n + 1, n + 2):
        raise TorchNotImplementedError(
            f"Padding size {len(pad)} is not supported for {input.ndim}D input tensor.\nSupported combinations for "
            "non-constant padding:\n  - 2D or 3D input: padding size = 2 (pads last dimension)\n  - 3D or 4D input: "
            "padding size = 4 (pads last 2 dimensions)\n  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    if input.dtype == jnp.bool_ and mode != "circular":
        raise TorchNotImplementedError(f"\"{_PAD_NAMES[mode]}{n}d\" not implemented for 'Bool'")
    for d, (lo, hi) in enumerate(pairs[-n:], input.ndim - n):
        size = input.shape[d]
        if mode == "reflect" and (lo >= size or hi >= size):
            raise TorchRuntimeError(f"Argument #4: Padding size should be less than the corresponding input "
                                    f"dimension, but got: padding ({lo}, {hi}) at dimension {d} of input "
                                    f"{list(input.shape)}")
        if mode == "circular" and (lo > size or hi > size):
            raise TorchRuntimeError("Padding value causes wrapping around more than once.")
        if size + lo + hi <= 0 or (mode == "replicate" and size == 0):
            raise TorchRuntimeError(f"input tensor size {size} plus padding ({lo}, {hi}) at dimension {d} gives a "
                                    f"non-positive output size")
    if mode == "replicate":  # output i reads input clamp(i - lo): negative pads may crop past every element
        for d, (lo, hi) in enumerate(pairs[-n:], input.ndim - n):
            size = input.shape[d]
            input = jnp.take(input, jnp.clip(jnp.arange(size + lo + hi) - lo, 0, size - 1), axis=d)
        return input
    # torch crops for negative pads first, then pads the cropped tensor
    crop = tuple(slice(max(0, -lo), s - max(0, -hi)) for s, (lo, hi) in zip(input.shape, pairs))
    return jnp.pad(input[crop], [(max(lo, 0), max(hi, 0)) for lo, hi in pairs], mode=_NP_MODES[mode])


def pad(input, pad, mode="constant", value=None):
    """torch.nn.functional.pad (constant, reflect, replicate, circular; negative pads crop)."""
    if not isinstance(pad, (tuple, list)) or not all(_is_int(p) for p in pad):
        bad = next((p for p in pad if not _is_int(p)), pad) if isinstance(pad, (tuple, list)) else pad
        raise TorchTypeError(f"pad(): argument 'pad' (position 2) must be tuple of ints, but found element of type "
                             f"{type(bad).__name__} at pos 0")
    pad = tuple(int(p) for p in pad)
    if mode == "constant":
        value = 0.0 if value is None else value  # NOTE: traced, so every fill value shares one kernel
    elif value is not None and value != 0:
        if mode not in _NP_MODES:
            raise TorchNotImplementedError(f"Unrecognised padding mode {mode}")
        raise TorchRuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    else:
        value = None
    return _pad(input, Static(pad), mode, value)


def constant_pad_nd(input, pad, value=0):
    """torch.constant_pad_nd."""
    return _pad(input, Static(pad), "constant", value)


# --- interpolate ---------------------------------------------------------------------------------------------------

_CUBIC_A = -0.75


def _cubic_weights(t):
    """torch's get_cubic_upsample_coefficients (Keys cubic convolution, A = -0.75)."""
    a = _CUBIC_A

    def conv1(x):
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def conv2(x):
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return np.stack([conv2(t + 1), conv1(t), conv1(1 - t), conv2(2 - t)], axis=-1)


def _scale(in_size, out_size, scale, ft):
    """torch's compute_scales_value in the kernel's float type."""
    return ft(1.0 / scale) if scale is not None and scale > 0 else ft(ft(in_size) / ft(out_size))


def _taps(mode, in_size, out_size, scale, align_corners, ft):
    """(indices [out, taps], weights [out, taps] or None) that torch's CPU kernel reads for one spatial dim."""
    dst = np.arange(out_size)
    if mode in ("nearest", "nearest-exact"):
        # torch's HelperInterpNearest[Exact]: the source index in the kernel's float type, floored
        s = _scale(in_size, out_size, scale, ft)
        d = dst.astype(ft)
        if mode == "nearest":
            src = np.floor(s * d)
        else:
            real = np.maximum(s * (d + ft(0.5)) - ft(0.5), ft(0))
            src = np.floor(real.astype(np.float64) + 0.5)  # `real + 0.5` is a double in torch's C++
        return np.minimum(src.astype(np.int64), in_size - 1)[:, None], None
    if align_corners:
        s = ft(in_size - 1) / ft(out_size - 1) if out_size > 1 else ft(0)
    else:
        s = _scale(in_size, out_size, scale, ft)
    d = dst.astype(ft)
    real = s * d if align_corners else s * (d + ft(0.5)) - ft(0.5)
    if mode == "linear":
        if out_size == in_size:
            return np.stack([dst, dst], 1), np.stack([np.ones(out_size, ft), np.zeros(out_size, ft)], 1)
        if not align_corners:
            real = np.maximum(real, ft(0))
        i0 = np.minimum(np.floor(real).astype(np.int64), in_size - 1)
        lam = np.clip(real - i0.astype(ft), ft(0), ft(1)).astype(ft)
        i1 = i0 + (i0 < in_size - 1)
        return np.stack([i0, i1], 1), np.stack([ft(1) - lam, lam], 1)
    # cubic: 4 taps around floor(real), indices clamped into the input
    i0 = np.minimum(np.floor(real).astype(np.int64), in_size - 1)
    lam = np.clip(real - i0.astype(ft), ft(0), ft(1)).astype(ft)
    idx = np.clip(i0[:, None] + np.arange(-1, 3)[None, :], 0, in_size - 1)
    return idx, _cubic_weights(lam).astype(ft)


_UPSAMPLE_NAMES = {"nearest": "UpsampleNearest{}DBackward0", "nearest-exact": "UpsampleNearestExact{}DBackward0",
                   "cubic": "UpsampleBicubic2DBackward0"}
_LINEAR_NAMES = {1: "UpsampleLinear1DBackward0", 2: "UpsampleBilinear2DBackward0", 3: "UpsampleTrilinear3DBackward0"}


def _upsample_grad_name(spec):
    mode, n = spec[1], _spec_len(spec[2])
    return _LINEAR_NAMES[n] if mode == "linear" else _UPSAMPLE_NAMES[mode].format(n)


@op(name="_upsample", method=False, out=False, grad_name=_upsample_grad_name)
def _upsample(input, mode, output_size, scales, align_corners, fname):
    n = len(output_size)
    if any(o <= 0 for o in output_size) or any(s <= 0 for s in input.shape[2:]):
        names = "DHW"[3 - n:]
        ins = ", ".join(f"{c}: {s}" for c, s in zip(names, input.shape[2:]))
        outs = ", ".join(f"{c}: {s}" for c, s in zip(names, output_size))
        raise TorchRuntimeError(f"Input and output sizes should be greater than 0, but got input ({ins}) output "
                                f"({outs})")
    nearest = mode.startswith("nearest")
    if not (jnp.issubdtype(input.dtype, jnp.floating) or input.dtype == jnp.uint8):
        raise TorchNotImplementedError(f"\"{fname}\" not implemented for '{_tname(input.dtype)}'")
    if input.dtype == jnp.uint8 and not nearest:
        raise TorchNotImplementedError(f"\"{fname}\" not implemented for 'Byte'")  # NOTE: torch rounds; not done
    compute = input.dtype if input.dtype in (jnp.float32, jnp.float64) else jnp.float32
    ft = np.float64 if compute == jnp.float64 else np.float32
    y = input if nearest else input.astype(compute)
    for d in range(n):
        axis = 2 + d
        idx, w = _taps(mode, input.shape[axis], output_size[d], None if scales is None else scales[d],
                       align_corners, ft)
        if w is None:
            y = jnp.take(y, jnp.asarray(idx[:, 0]), axis=axis)
            continue
        shape = [1] * y.ndim
        shape[axis] = output_size[d]
        acc = None
        for t in range(idx.shape[1]):
            term = jnp.take(y, jnp.asarray(idx[:, t]), axis=axis) * jnp.asarray(w[:, t], compute).reshape(shape)
            acc = term if acc is None else acc + term
        y = acc
    return y.astype(input.dtype)


_MODES_N = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}


def _output_size(input, size, scale_factor, recompute_scale_factor, mode):
    """F.interpolate's argument handling: (output size, scales passed to the kernel)."""
    dim = input.ndim - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(f"Input and output must have the same number of spatial dimensions, but got input "
                                 f"with spatial dimensions of {list(input.shape[2:])} and output size of {size}. "
                                 f"Please provide input tensor in (N, C, d1, d2, ...,dK) format and output size in "
                                 f"(o1, o2, ...,oK) format.")
            if not all(isinstance(x, numbers.Integral) for x in size):
                raise TypeError(f"expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                                f"Tuple[int, int, int], but got size with types {[type(x) for x in size]}")
            output_size = tuple(int(x) for x in size)
        else:
            if not isinstance(size, numbers.Integral):
                raise TypeError(f"upsample(): argument 'output_size' must be tuple of ints, not "
                                f"{type(size).__name__}")
            output_size = (int(size),) * dim
        scales = None
    elif scale_factor is not None:
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(f"Input and scale_factor must have the same number of spatial dimensions, but got "
                                 f"input with spatial dimensions of {list(input.shape[2:])} and scale_factor of "
                                 f"shape {scale_factor}. Please provide input tensor in (N, C, d1, d2, ...,dK) "
                                 f"format and scale_factor in (s1, s2, ...,sK) format.")
            scales = tuple(float(s) for s in scale_factor)
        else:
            scales = (float(scale_factor),) * dim
        output_size = None
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if output_size is None:
        output_size = tuple(int(math.floor(float(input.shape[i + 2]) * scales[i])) if scales[i] >= 0 else
                            int(input.shape[i + 2] * scales[i]) for i in range(dim))
        if mode == "area" or recompute_scale_factor:
            scales = None
    return output_size, scales


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """torch.nn.functional.interpolate (antialias=True is not implemented)."""
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    output_size, scales = _output_size(input, size, scale_factor, recompute_scale_factor, mode)
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and input.ndim == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a 4-D "
                         "tensor as input")
    dim = input.ndim
    if mode == "area" and dim in (3, 4, 5):
        return (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[dim - 3](input, output_size)
    if mode in ("nearest", "nearest-exact") and dim in (3, 4, 5):
        exact = "_exact" if mode == "nearest-exact" else ""
        return _upsample(input, mode, Static(output_size), scales and Static(scales), None,
                         f"upsample_nearest{exact}{dim - 2}d")
    if _MODES_N.get(mode) == dim - 2:
        if antialias or mode == "lanczos":
            raise NotImplementedError("torchax: interpolate(antialias=True) is not implemented")
        kind = "cubic" if mode == "bicubic" else "linear"
        return _upsample(input, kind, Static(output_size), scales and Static(scales), bool(align_corners),
                         f"upsample_{mode}{dim - 2}d")
    if mode == "lanczos" and dim == 4:
        raise NotImplementedError("torchax: interpolate(mode='lanczos') is not implemented")
    if mode in _MODES_N and dim in (3, 4, 5):
        need = {1: "3D", 2: "4D", 3: "5D"}[_MODES_N[mode]]
        raise NotImplementedError(f"Got {dim}D input, but {mode} mode needs {need} input")
    raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {dim}D) for the modes: "
                              f"nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact "
                              f"(got {mode})")


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """torch.nn.functional.upsample (deprecated)."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """torch.nn.functional.upsample_nearest (deprecated)."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """torch.nn.functional.upsample_bilinear (deprecated)."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# --- grid_sample / affine_grid ---------------------------------------------------------------------------------------


def _clip(x, size):
    """torch's clip_coordinates; the gradient is 0 at and beyond the limits, as in clip_coordinates_set_grad."""
    return jnp.where(x <= 0, 0, jnp.where(x >= size - 1, size - 1, x)).astype(x.dtype)


def _reflect(x, twice_low, twice_high):
    """torch's reflect_coordinates."""
    if twice_low == twice_high:
        return jnp.zeros_like(x)
    lo, span = twice_low / 2, (twice_high - twice_low) / 2
    x = jnp.abs(x - lo)
    extra = jnp.fmod(x, span)
    flips = jnp.floor(x / span)
    return jnp.where(jnp.fmod(flips, 2) == 0, extra + lo, span - extra + lo)


def _coords(x, size, padding_mode, align_corners):
    """torch's compute_coordinates: border clips, reflection reflects then clips, zeros leaves as is."""
    if padding_mode == "border":
        return _clip(x, size)
    if padding_mode == "reflection":
        x = _reflect(x, 0, 2 * (size - 1)) if align_corners else _reflect(x, -1, 2 * size - 1)
        return _clip(x, size)
    return x


def _unnormalize(g, size, align_corners):
    return (g + 1) / 2 * (size - 1) if align_corners else ((g + 1) * size - 1) / 2


def _taps_gather(flat, positions, weights, sizes):
    """sum over taps of weight * value: positions/weights are one (N, *out, taps_d) array per dim (the taps of all
    dims combine as an outer product); a tap outside the input reads 0. One gather for all taps."""
    n = len(positions)
    inside, index, weight = True, 0, 1
    for d, (p, w, s) in enumerate(zip(positions, weights, sizes)):
        shape = p.shape[:-1] + (1,) * d + p.shape[-1:] + (1,) * (n - 1 - d)  # dim d's taps on axis -(n - d)
        p = p.reshape(shape)
        inside = inside & (p >= 0) & (p < s)
        index = index * s + jnp.clip(p, 0, s - 1)
        weight = weight * w.reshape(shape)
    index = jnp.broadcast_to(index, jnp.broadcast_shapes(index.shape, jnp.shape(inside)))
    v = jnp.take_along_axis(flat, index.reshape(index.shape[0], 1, -1), axis=2).reshape(*flat.shape[:2],
                                                                                         *index.shape[1:])
    v = jnp.where(inside[:, None], v, 0)
    return (v * weight[:, None]).sum(tuple(range(-n, 0)))


def _cubic_coefficients(t):
    """torch's get_cubic_upsample_coefficients on arrays (A = -0.75): the weights of taps -1, 0, 1, 2."""
    a = _CUBIC_A
    w0 = ((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a
    w1 = ((a + 2) * t - (a + 3)) * t * t + 1
    w2 = ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1
    w3 = ((a * (2 - t) - 5 * a) * (2 - t) + 8 * a) * (2 - t) - 4 * a
    return jnp.stack([w0, w1, w2, w3], -1)


@op(name="_grid_sampler", method=False, out=False, grad_name=lambda spec: f"GridSampler{spec[2]}DBackward0")
def _grid_sampler(input, grid, n, interpolation_mode, padding_mode, align_corners):
    if input.ndim not in (4, 5) or grid.ndim != input.ndim:
        raise TorchRuntimeError(f"grid_sampler(): expected 4D or 5D input and grid with same number of dimensions, "
                                f"but got input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if input.shape[0] != grid.shape[0]:
        raise TorchRuntimeError(f"grid_sampler(): expected grid and input to have same batch size, but got input with "
                                f"sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if grid.shape[-1] != n:
        raise TorchRuntimeError(f"grid_sampler(): expected grid to have size {n} in last dimension, but got grid with "
                                f"sizes {list(grid.shape)}")
    if input.dtype != grid.dtype:
        raise TorchRuntimeError(f"expected scalar type {_tname(input.dtype)} but found {_tname(grid.dtype)}")
    if not jnp.issubdtype(input.dtype, jnp.floating):
        raise TorchRuntimeError(f"\"grid_sampler_{n}d\" not implemented for '{_tname(input.dtype)}'")
    if interpolation_mode == 2 and n == 3:
        raise TorchRuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if any(s == 0 for s in input.shape[1:]):
        raise TorchRuntimeError(f"grid_sampler(): expected input to have non-empty spatial dimensions, but input has "
                                f"sizes {list(input.shape)} with dimension 2 being empty")
    pmode = ("zeros", "border", "reflection")[padding_mode]
    sizes = input.shape[2:]
    flat = input.reshape(*input.shape[:2], -1)
    # grid's last axis is (x, y[, z]): x indexes the last input dim
    raw = [_unnormalize(grid[..., n - 1 - d], sizes[d], align_corners) for d in range(n)]
    if interpolation_mode == 2:  # bicubic: 4 taps per dim, each tap's coordinate clipped/reflected on its own
        floor = [jnp.floor(c) for c in raw]
        offsets = jnp.arange(-1, 3, dtype=grid.dtype)
        pos = [_coords(f[..., None] + offsets, s, pmode, align_corners).astype(jnp.int64)
               for f, s in zip(floor, sizes)]
        return _taps_gather(flat, pos, [_cubic_coefficients(c - f) for c, f in zip(raw, floor)], sizes)
    coords = [_coords(c, s, pmode, align_corners) for c, s in zip(raw, sizes)]
    if interpolation_mode == 1:
        pos = [jnp.round(c).astype(jnp.int64)[..., None] for c in coords]
        return _taps_gather(flat, pos, [jnp.ones_like(c)[..., None] for c in coords], sizes)
    lo = [jnp.floor(c) for c in coords]
    pos = [jnp.stack([f, f + 1], -1).astype(jnp.int64) for f in lo]
    weights = [jnp.stack([f + 1 - c, c - f], -1) for c, f in zip(coords, lo)]
    return _taps_gather(flat, pos, weights, sizes)


def grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners):
    """torch.grid_sampler (modes as ints: 0 bilinear, 1 nearest, 2 bicubic; padding 0 zeros, 1 border, 2 reflection)."""
    return _grid_sampler(input, grid, input.ndim - 2, int(interpolation_mode), int(padding_mode), bool(align_corners))


_GRID_WARNING = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. Please "
                 "specify align_corners=True if the old behavior is desired. See the documentation of grid_sample for "
                 "details.")


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """torch.nn.functional.grid_sample."""
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', "
                         f"but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_GRID_WARNING, stacklevel=2)
        align_corners = False
    return grid_sampler(input, grid, ("bilinear", "nearest", "bicubic").index(mode),
                        ("zeros", "border", "reflection").index(padding_mode), bool(align_corners))


def _linspace_from_neg_one(num, align_corners, ft):
    """torch's linspace_from_neg_one: linspace(-1, 1, num) (torch's two-sided formula), shrunk unless align_corners."""
    if num <= 1:
        return np.zeros(max(num, 1), ft)
    step = ft(2) / ft(num - 1)
    i = np.arange(num)
    r = np.where(i < num // 2, ft(-1) + step * i.astype(ft), ft(1) - step * (num - 1 - i).astype(ft)).astype(ft)
    return r if align_corners else (r * ft(num - 1) / ft(num)).astype(ft)


@op(method=False, out=False, grad_name="AffineGridGeneratorBackward0")
def affine_grid_generator(theta, size, align_corners):
    """torch.affine_grid_generator."""
    n = len(size) - 2
    if theta.ndim != 3 or theta.shape[0] != size[0] or theta.shape[1:] != (n, n + 1):
        raise TorchRuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                                f"[{size[0]}, {n + 1}] but got: {list(theta.shape[:2])}.")
    ft = np.float64 if theta.dtype == jnp.float64 else np.float32
    spatial = size[2:]
    axes = [_linspace_from_neg_one(s, align_corners, ft) for s in reversed(spatial)]  # x (last dim) first
    mesh = np.meshgrid(*reversed(axes), indexing="ij")  # over spatial dims, in order
    base = np.stack([*reversed(mesh), np.ones(mesh[0].shape, ft)], axis=-1)  # (*spatial, n + 1): x, y[, z], 1
    base = jnp.asarray(base.reshape(-1, n + 1), theta.dtype)
    grid = jnp.einsum("pk,bjk->bpj", base, theta)
    return grid.reshape(size[0], *spatial, n)


def affine_grid(theta, size, align_corners=None):
    """torch.nn.functional.affine_grid."""
    if align_corners is None:
        warnings.warn(_GRID_WARNING, stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = list(size)
    if len(size) == 4:
        if theta.dim() != 3 or theta.shape[-2] != 2 or theta.shape[-1] != 3:
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {size}. "
                             f"Got {theta.shape}.")
    elif len(size) == 5:
        if theta.dim() != 3 or theta.shape[-2] != 3 or theta.shape[-1] != 4:
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size {size}. "
                             f"Got {theta.shape}.")
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    if align_corners and min(size[2:]) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an intended use case of affine_grid. See the documentation of "
                      "affine_grid for details.", stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    return affine_grid_generator(theta, tuple(size), bool(align_corners))


# --- pixel_shuffle / channel_shuffle ---------------------------------------------------------------------------------


@op(method=False, out=False)
def pixel_shuffle(input, upscale_factor):
    """torch.nn.functional.pixel_shuffle (also torch.pixel_shuffle)."""
    r = upscale_factor
    if input.ndim < 3:
        raise TorchRuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                                f"{input.ndim} dimension(s)")
    if r <= 0:
        raise TorchRuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise TorchRuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square "
                                f"of upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    k = len(lead)
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    x = x.transpose(*range(k), k, k + 3, k + 1, k + 4, k + 2)
    return x.reshape(*lead, c // (r * r), h * r, w * r)


@op(method=False, out=False)
def pixel_unshuffle(input, downscale_factor):
    """torch.nn.functional.pixel_unshuffle (also torch.pixel_unshuffle)."""
    r = downscale_factor
    if input.ndim < 3:
        raise TorchRuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
                                f"{input.ndim} dimension(s)")
    if r <= 0:
        raise TorchRuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if h % r:
        raise TorchRuntimeError(f"pixel_unshuffle expects height to be divisible by downscale_factor, but "
                                f"input.size(-2)={h} is not divisible by {r}")
    if w % r:
        raise TorchRuntimeError(f"pixel_unshuffle expects width to be divisible by downscale_factor, but "
                                f"input.size(-1)={w} is not divisible by {r}")
    k = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    x = x.transpose(*range(k), k, k + 2, k + 4, k + 1, k + 3)
    return x.reshape(*lead, c * r * r, h // r, w // r)


def _channel_shuffle(input, groups):
    if input.ndim <= 2:
        raise TorchRuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with sizes "
                                f"{list(input.shape)}")
    if groups <= 0:
        raise TorchRuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    c = input.shape[1]
    if c % groups:
        raise TorchRuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {groups} "
                                f"groups.")
    x = input.reshape(input.shape[0], groups, c // groups, *input.shape[2:])
    return x.swapaxes(1, 2).reshape(input.shape)


channel_shuffle = op(name="channel_shuffle", method=False, out=False)(_channel_shuffle)
channel_shuffle.__doc__ = "torch.nn.functional.channel_shuffle (also torch.channel_shuffle)."
native_channel_shuffle = op(name="native_channel_shuffle", method=False, out=False,
                            grad_name="ChannelShuffleBackward0")(_channel_shuffle)
native_channel_shuffle.__doc__ = "torch.native_channel_shuffle."

TOPLEVEL.update(pixel_shuffle=pixel_shuffle, pixel_unshuffle=pixel_unshuffle, channel_shuffle=channel_shuffle,
                native_channel_shuffle=native_channel_shuffle, constant_pad_nd=constant_pad_nd,
                grid_sampler=grid_sampler, grid_sampler_2d=grid_sampler, grid_sampler_3d=grid_sampler,
                affine_grid_generator=affine_grid_generator)
