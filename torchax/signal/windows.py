"""torchax.signal.windows: torch.signal.windows, composed from linspace and pointwise ops as torch composes them."""

from __future__ import annotations

import math
from collections.abc import Iterable

import torchax

__all__ = ["bartlett", "blackman", "cosine", "exponential", "gaussian", "general_cosine", "general_hamming",
           "hamming", "hann", "kaiser", "nuttall"]


def _checks(name, M, dtype, layout):
    if M < 0:
        raise ValueError(f"{name} requires non-negative window length, got M={M}")
    if layout not in (None, torchax.strided):
        raise ValueError(f"{name} is implemented for strided tensors only, got: {layout}")
    if dtype not in (torchax.float32, torchax.float64):
        raise ValueError(f"{name} expects float32 or float64 dtypes, got: {dtype}")


def _start(name, M, dtype, layout, device, requires_grad, ones_at_1=True):
    """Checks; the window for M == 0 (and M == 1 where torch returns ones), else None."""
    dtype = torchax.get_default_dtype() if dtype is None else dtype
    _checks(name, M, dtype, layout)
    if M == 0:
        return dtype, torchax.empty((0,), dtype=dtype, device=device, requires_grad=requires_grad)
    if M == 1 and ones_at_1:
        return dtype, torchax.ones((1,), dtype=dtype, device=device, requires_grad=requires_grad)
    return dtype, None


def _k(start, end, M, dtype, device, requires_grad):
    return torchax.linspace(start, end, M, dtype=dtype, device=device, requires_grad=requires_grad)


def exponential(M, *, center=None, tau=1.0, sym=True, dtype=None, layout=torchax.strided, device=None,
                requires_grad=False):
    """torch.signal.windows.exponential."""
    dtype, early = _start("exponential", M, dtype, layout, device, requires_grad, ones_at_1=False)
    if tau <= 0:
        raise ValueError(f"Tau must be positive, got: {tau} instead.")
    if sym and center is not None:
        raise ValueError("Center must be None for symmetric windows")
    if early is not None:
        return early
    if center is None:
        center = (M if not sym and M > 1 else M - 1) / 2.0
    c = 1 / tau
    k = _k(-center * c, (-center + (M - 1)) * c, M, dtype, device, requires_grad)
    return torchax.exp(-torchax.abs(k))


def cosine(M, *, sym=True, dtype=None, layout=torchax.strided, device=None, requires_grad=False):
    """torch.signal.windows.cosine."""
    dtype, early = _start("cosine", M, dtype, layout, device, requires_grad, ones_at_1=False)
    if early is not None:
        return early
    c = math.pi / (M + 1 if not sym and M > 1 else M)
    return torchax.sin(_k(0.5 * c, (0.5 + (M - 1)) * c, M, dtype, device, requires_grad))


def gaussian(M, *, std=1.0, sym=True, dtype=None, layout=torchax.strided, device=None, requires_grad=False):
    """torch.signal.windows.gaussian."""
    dtype, early = _start("gaussian", M, dtype, layout, device, requires_grad, ones_at_1=False)
    if std <= 0:
        raise ValueError(f"Standard deviation must be positive, got: {std} instead.")
    if early is not None:
        return early
    start = -(M if not sym and M > 1 else M - 1) / 2.0
    c = 1 / (std * math.sqrt(2))
    k = _k(start * c, (start + (M - 1)) * c, M, dtype, device, requires_grad)
    return torchax.exp(-(k**2))


def kaiser(M, *, beta=12.0, sym=True, dtype=None, layout=torchax.strided, device=None, requires_grad=False):
    """torch.signal.windows.kaiser."""
    dtype, early = _start("kaiser", M, dtype, layout, device, requires_grad)
    if beta < 0:
        raise ValueError(f"beta must be non-negative, got: {beta} instead.")
    if early is not None:
        return early
    beta = torchax.tensor(beta, dtype=dtype, device=device)
    start = -beta
    c = 2.0 * beta / (M if not sym else M - 1)
    end = torchax.minimum(beta, start + (M - 1) * c)
    k = torchax.linspace(start, end, M, dtype=dtype, device=device, requires_grad=requires_grad)
    return torchax.i0(torchax.sqrt(beta * beta - torchax.pow(k, 2))) / torchax.i0(beta)


def bartlett(M, *, sym=True, dtype=None, layout=torchax.strided, device=None, requires_grad=False):
    """torch.signal.windows.bartlett."""
    dtype, early = _start("bartlett", M, dtype, layout, device, requires_grad)
    if early is not None:
        return early
    c = 2 / (M if not sym else M - 1)
    return 1 - torchax.abs(_k(-1, -1 + (M - 1) * c, M, dtype, device, requires_grad))


def general_cosine(M, *, a, sym=True, dtype=None, layout=torchax.strided, device=None, requires_grad=False):
    """torch.signal.windows.general_cosine: sum_i (-1)^i a_i cos(i k)."""
    dtype, early = _start("general_cosine", M, dtype, layout, device, requires_grad)
    if early is not None:
        return early
    if not isinstance(a, Iterable):
        raise TypeError("Coefficients must be a list/tuple")
    if not a:
        raise ValueError("Coefficients cannot be empty")
    c = 2 * math.pi / (M if not sym else M - 1)
    k = _k(0, (M - 1) * c, M, dtype, device, requires_grad)
    a_i = torchax.tensor([(-1) ** i * w for i, w in enumerate(a)], dtype=dtype, device=device,
                         requires_grad=requires_grad)
    i = torchax.arange(a_i.shape[0], dtype=a_i.dtype, device=device, requires_grad=requires_grad)
    return (a_i.unsqueeze(-1) * torchax.cos(i.unsqueeze(-1) * k)).sum(0)


def general_hamming(M, *, alpha=0.54, sym=True, dtype=None, layout=torchax.strided, device=None,
                    requires_grad=False):
    """torch.signal.windows.general_hamming."""
    return general_cosine(M, a=[alpha, 1.0 - alpha], sym=sym, dtype=dtype, layout=layout, device=device,
                          requires_grad=requires_grad)


def hamming(M, *, sym=True, dtype=None, layout=torchax.strided, device=None, requires_grad=False):
    """torch.signal.windows.hamming."""
    return general_hamming(M, sym=sym, dtype=dtype, layout=layout, device=device, requires_grad=requires_grad)


def hann(M, *, sym=True, dtype=None, layout=torchax.strided, device=None, requires_grad=False):
    """torch.signal.windows.hann."""
    return general_hamming(M, alpha=0.5, sym=sym, dtype=dtype, layout=layout, device=device,
                           requires_grad=requires_grad)


def blackman(M, *, sym=True, dtype=None, layout=torchax.strided, device=None, requires_grad=False):
    """torch.signal.windows.blackman."""
    dtype = torchax.get_default_dtype() if dtype is None else dtype
    _checks("blackman", M, dtype, layout)
    return general_cosine(M, a=[0.42, 0.5, 0.08], sym=sym, dtype=dtype, layout=layout, device=device,
                          requires_grad=requires_grad)


def nuttall(M, *, sym=True, dtype=None, layout=torchax.strided, device=None, requires_grad=False):
    """torch.signal.windows.nuttall."""
    return general_cosine(M, a=[0.3635819, 0.4891775, 0.1365995, 0.0106411], sym=sym, dtype=dtype, layout=layout,
                          device=device, requires_grad=requires_grad)
