"""Antialiased resize of float tensors: torch's `interpolate(..., antialias=True)` (PIL's separable filters), which
torchax.nn.functional.interpolate does not provide. Computed on the host: width pass first, then height, as torch."""

from __future__ import annotations

import numpy as np

from torchax._ops.creation import from_numpy


def _bilinear(x):
    x = np.abs(x)
    return np.where(x < 1.0, 1.0 - x, 0.0)


def _bicubic(x, a=-0.5):
    x = np.abs(x)
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return np.where(x < 1.0, near, np.where(x < 2.0, far, 0.0))


def _weights(in_size: int, out_size: int, kind: str, dtype):
    """Per output pixel: the first input index and the normalised filter weights (torch's `_compute_weights_aa`,
    in the image's float type)."""
    dt = np.dtype(dtype).type
    interp_size = 2 if kind == "bilinear" else 4
    filt = _bilinear if kind == "bilinear" else _bicubic
    scale = dt(in_size / out_size)
    support = dt(interp_size * 0.5) * scale if scale >= 1.0 else dt(interp_size * 0.5)
    invscale = dt(1.0) / scale if scale >= 1.0 else dt(1.0)
    starts, rows = [], []
    for i in range(out_size):
        center = dt(scale * (i + 0.5))
        xmin = max(int(center - support + dt(0.5)), 0)
        xmax = min(int(center + support + dt(0.5)), in_size)
        j = np.arange(xmax - xmin, dtype=dt)
        w = filt((j + dt(xmin) - center + dt(0.5)) * invscale).astype(dt)
        total = w.sum(dtype=dt) if len(w) < 2 else _seq_sum(w)
        rows.append(w / total if total != 0 else w)
        starts.append(xmin)
    width = max(len(r) for r in rows)
    table = np.zeros((out_size, width), dt)
    for i, r in enumerate(rows):
        table[i, :len(r)] = r
    return np.asarray(starts), table


def _seq_sum(w):
    total = w[0]
    for v in w[1:]:
        total = total + v  # left to right, in the array's precision (as torch's loop)
    return total


def _resample(arr: np.ndarray, axis: int, out_size: int, kind: str) -> np.ndarray:
    """Resample one axis: out[k] = sum_j w[k, j] * in[start[k] + j], accumulated left to right."""
    arr = np.moveaxis(arr, axis, -1)
    n = arr.shape[-1]
    starts, table = _weights(n, out_size, kind, arr.dtype)
    padded = np.concatenate([arr, np.zeros(arr.shape[:-1] + (table.shape[1],), arr.dtype)], axis=-1)
    acc = padded[..., starts] * table[:, 0]
    for j in range(1, table.shape[1]):
        acc = acc + padded[..., starts + j] * table[:, j]
    return np.moveaxis(acc.astype(arr.dtype), -1, axis)


def resize_aa(img, size, interpolation: str):
    """img: a float (N, C, H, W) Tensor; returns the (N, C, *size) antialiased resize."""
    arr = img.detach().numpy()
    out_h, out_w = size
    if arr.shape[-1] != out_w:
        arr = _resample(arr, -1, out_w, interpolation)
    if arr.shape[-2] != out_h:
        arr = _resample(arr, -2, out_h, interpolation)
    return from_numpy(np.ascontiguousarray(arr))
