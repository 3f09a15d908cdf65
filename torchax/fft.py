"""torchax.fft: the `torch.fft` namespace (discrete Fourier transforms on jnp.fft; gradients by JAX).

Real inputs of an integer dtype compute in the default float dtype, as torch's do; results are complex64 for
float32 input and complex128 for float64 (real outputs for irfft*/hfft*).
"""

from __future__ import annotations

import jax.numpy as jnp

from torchax import _dtype
from torchax._registry import TorchRuntimeError, op

__all__ = ["fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2", "irfft2", "rfftn", "irfftn",
           "hfft", "ihfft", "hfft2", "ihfft2", "hfftn", "ihfftn", "fftfreq", "rfftfreq", "fftshift", "ifftshift"]

_NORMS = (None, "backward", "forward", "ortho")
_SWAP = {None: "forward", "backward": "forward", "forward": "backward", "ortho": "ortho"}


def _check_norm(norm):
    if norm not in _NORMS:
        raise TorchRuntimeError(f"Invalid normalization mode: {norm}")


def _dims(ndim: int, s, dim, default_all: bool):
    """torch's rule: dims from `dim`, else the last len(s) dims, else all (n-dim) or the last (1-dim)."""
    if dim is None:
        dims = tuple(range(ndim - len(s), ndim)) if s is not None else tuple(range(ndim)) if default_all else (-1,)
    else:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if ndim == 0:  # torch's wrapping of a 0-dim tensor's dims (the n-dim transforms name dim 0)
        raise IndexError(f"Dimension specified as {dims[0] if len(dims) == 1 else 0} but tensor has no dimensions")
    out = []
    for d in dims:
        if not -max(ndim, 1) <= d < max(ndim, 1):
            raise IndexError(f"Dimension out of range (expected to be in range of [{-max(ndim, 1)}, "
                             f"{max(ndim, 1) - 1}], but got {d})")
        out.append(d % ndim)
    if len(set(out)) != len(out):
        raise TorchRuntimeError("FFT dims must be unique")
    if s is not None:
        s = (s,) if isinstance(s, int) else tuple(s)
        if len(s) != len(out):
            raise TorchRuntimeError(f"When given, dim and shape arguments must have the same length "
                                    f"(got {len(out)} dims and {len(s)} sizes)")
        s = tuple(x if x != -1 else None for x in s)
    return out, s


def _complex(x):
    return x if jnp.iscomplexobj(x) else x.astype(jnp.result_type(x.dtype, jnp.complex64))


def _real_only(x, name):
    if jnp.iscomplexobj(x):
        raise TorchRuntimeError(f"{name} expects a real input tensor, but got {_dtype.from_jax(x.dtype)}")


def _sizes(x, dims, s):
    return None if s is None else [x.shape[d] if n is None else n for d, n in zip(dims, s)]


@op(promote=("input",), to_float=True, method=False)
def _fft_c2c(input, s, dim, norm, forward, default_all):
    """fft/ifft/fft2/ifft2/fftn/ifftn."""
    _check_norm(norm)
    dims, s = _dims(input.ndim, s, dim, default_all)
    x = _complex(input)
    fn = jnp.fft.fftn if forward else jnp.fft.ifftn
    return fn(x, _sizes(x, dims, s), dims, norm)


@op(promote=("input",), to_float=True, method=False)
def _fft_r2c(input, s, dim, norm, forward, default_all, name):
    """rfft*/ihfft*: a real input, the non-redundant half of its spectrum."""
    _check_norm(norm)
    _real_only(input, name)
    dims, s = _dims(input.ndim, s, dim, default_all)
    if forward:
        return jnp.fft.rfftn(input, _sizes(input, dims, s), dims, norm)
    return jnp.conj(jnp.fft.rfftn(input, _sizes(input, dims, s), dims, _SWAP[norm]))


@op(promote=("input",), to_float=True, method=False)
def _fft_c2r(input, s, dim, norm, forward, default_all):
    """irfft*/hfft*: a half spectrum in, a real signal out (last dim of length 2*(m-1) by default)."""
    _check_norm(norm)
    dims, s = _dims(input.ndim, s, dim, default_all)
    x = _complex(input)
    sizes = _sizes(x, dims, s)
    if sizes is None:
        sizes = [x.shape[d] for d in dims[:-1]] + [2 * (x.shape[dims[-1]] - 1)]
    if sizes[-1] < 1:
        raise TorchRuntimeError(f"Invalid number of data points ({sizes[-1]}) specified")
    if forward:  # hfft: the inverse real transform of the conjugate, with the scaling swapped
        return jnp.fft.irfftn(jnp.conj(x), sizes, dims, _SWAP[norm])
    return jnp.fft.irfftn(x, sizes, dims, norm)


def _one(n):
    return None if n is None else (n,)


def fft(input, n=None, dim=-1, norm=None, *, out=None):
    """torch.fft.fft."""
    return _fft_c2c(input, _one(n), dim, norm, True, False, out=out)


def ifft(input, n=None, dim=-1, norm=None, *, out=None):
    """torch.fft.ifft."""
    return _fft_c2c(input, _one(n), dim, norm, False, False, out=out)


def fft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """torch.fft.fft2."""
    return _fft_c2c(input, s, dim, norm, True, True, out=out)


def ifft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """torch.fft.ifft2."""
    return _fft_c2c(input, s, dim, norm, False, True, out=out)


def fftn(input, s=None, dim=None, norm=None, *, out=None):
    """torch.fft.fftn."""
    return _fft_c2c(input, s, dim, norm, True, True, out=out)


def ifftn(input, s=None, dim=None, norm=None, *, out=None):
    """torch.fft.ifftn."""
    return _fft_c2c(input, s, dim, norm, False, True, out=out)


def rfft(input, n=None, dim=-1, norm=None, *, out=None):
    """torch.fft.rfft."""
    return _fft_r2c(input, _one(n), dim, norm, True, False, "rfft", out=out)


def rfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """torch.fft.rfft2."""
    return _fft_r2c(input, s, dim, norm, True, True, "rfftn", out=out)


def rfftn(input, s=None, dim=None, norm=None, *, out=None):
    """torch.fft.rfftn."""
    return _fft_r2c(input, s, dim, norm, True, True, "rfftn", out=out)


def ihfft(input, n=None, dim=-1, norm=None, *, out=None):
    """torch.fft.ihfft."""
    return _fft_r2c(input, _one(n), dim, norm, False, False, "ihfft", out=out)


def ihfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """torch.fft.ihfft2."""
    return _fft_r2c(input, s, dim, norm, False, True, "ihfftn", out=out)


def ihfftn(input, s=None, dim=None, norm=None, *, out=None):
    """torch.fft.ihfftn."""
    return _fft_r2c(input, s, dim, norm, False, True, "ihfftn", out=out)


def irfft(input, n=None, dim=-1, norm=None, *, out=None):
    """torch.fft.irfft."""
    return _fft_c2r(input, _one(n), dim, norm, False, False, out=out)


def irfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """torch.fft.irfft2."""
    return _fft_c2r(input, s, dim, norm, False, True, out=out)


def irfftn(input, s=None, dim=None, norm=None, *, out=None):
    """torch.fft.irfftn."""
    return _fft_c2r(input, s, dim, norm, False, True, out=out)


def hfft(input, n=None, dim=-1, norm=None, *, out=None):
    """torch.fft.hfft."""
    return _fft_c2r(input, _one(n), dim, norm, True, False, out=out)


def hfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """torch.fft.hfft2."""
    return _fft_c2r(input, s, dim, norm, True, True, out=out)


def hfftn(input, s=None, dim=None, norm=None, *, out=None):
    """torch.fft.hfftn."""
    return _fft_c2r(input, s, dim, norm, True, True, out=out)


def _freq(n, d, dtype, device, requires_grad, half):
    from torchax._ops.creation import arange
    from torchax._ops.shape import cat

    dtype = dtype or _dtype.get_default_dtype()
    if half:
        k = arange(n // 2 + 1, dtype=dtype, device=device)
    else:
        pos = arange((n - 1) // 2 + 1, dtype=dtype, device=device)
        k = cat([pos, arange(-(n // 2), 0, dtype=dtype, device=device)])
    out = k * (1.0 / (n * d))
    return out.requires_grad_(True) if requires_grad else out


def fftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """torch.fft.fftfreq."""
    result = _freq(n, d, dtype, device, requires_grad, False)
    return result if out is None else out.copy_(result)


def rfftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """torch.fft.rfftfreq."""
    result = _freq(n, d, dtype, device, requires_grad, True)
    return result if out is None else out.copy_(result)


def _shift(input, dim, sign):
    from torchax._ops.shape import roll

    dims = list(range(input.ndim)) if dim is None else [dim] if isinstance(dim, int) else list(dim)
    shifts = [sign * (input.shape[d] // 2) if sign > 0 else -(input.shape[d] // 2) for d in dims]
    return roll(input, shifts, dims)


def fftshift(input, dim=None):
    """torch.fft.fftshift: roll each dim by half its length (torch composes it the same way)."""
    return _shift(input, dim, 1)


def ifftshift(input, dim=None):
    """torch.fft.ifftshift."""
    return _shift(input, dim, -1)
