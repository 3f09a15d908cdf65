"""torch.ao.quantization.HistogramObserver: a 2048-bin histogram of everything seen; qparams from the range that
minimises the L2 quantization error (torch's non-linear search, caffe2's NormMinimization).

The statistics are computed on the host in float32 with numpy, step for step as torch computes them (torch syncs
too: `.item()` in its search). Sums are numpy's pairwise float32 sums, so a tie in the search could in principle go
the other way than torch's; bin edges follow torch.histc's `(x - min) * bins / (max - min)`.
"""

from __future__ import annotations

import numpy as np

import torchax
from torchax.ao import _qtensor as qt
from torchax.ao.quantization.observer import _EPS, UniformQuantizationObserverBase

__all__ = ["HistogramObserver"]

f32 = np.float32


def _histc(x: np.ndarray, bins: int, lo, hi) -> np.ndarray:
    """torch.histc(x, bins, min=lo, max=hi) on a float32 array."""
    lo, hi = f32(lo), f32(hi)
    if lo == hi:
        lo, hi = lo - f32(1), hi + f32(1)
    x = x[(x >= lo) & (x <= hi)]
    pos = ((x - lo) * f32(bins) / (hi - lo)).astype(np.int64)
    pos = np.minimum(pos, bins - 1)
    return np.bincount(pos, minlength=bins).astype(f32)


class HistogramObserver(UniformQuantizationObserverBase):
    """torch.ao.quantization.HistogramObserver."""

    def __init__(self, bins: int = 2048, dtype=qt.quint8, qscheme=qt.per_tensor_affine, reduce_range=False,
                 quant_min=None, quant_max=None, factory_kwargs=None, eps=_EPS, is_dynamic=False, **kwargs):
        if qscheme not in (qt.per_tensor_affine, qt.per_tensor_symmetric):
            raise NotImplementedError("HistogramObserver's qscheme only support torch.per_tensor_symmetric \
                    and torch.per_tensor_affine.")
        if is_dynamic:
            raise NotImplementedError("HistogramObserver doesn't support dynamic quantization")
        super().__init__(dtype, qscheme, reduce_range, quant_min, quant_max, factory_kwargs, eps, is_dynamic,
                         **kwargs)
        self.bins = bins
        self.register_buffer("histogram", torchax.zeros(bins))
        self.register_buffer("min_val", torchax.tensor(float("inf")))
        self.register_buffer("max_val", torchax.tensor(float("-inf")))
        self.dst_nbins = 2 ** (8 if dtype in (qt.qint8, qt.quint8, torchax.int8, torchax.uint8) else 32)
        self.upsample_rate = 16

    # --- recording -----------------------------------------------------------------------------------
    def forward(self, x_orig):
        if x_orig.numel() == 0:
            return x_orig
        x = np.asarray(x_orig.detach().to(torchax.float32)._value).ravel()  # torch syncs here too (aminmax ==)
        if np.isinf(x).any():
            import warnings
            warnings.warn("torch.inf detected in input tensor, ignoring input", stacklevel=2)
            x = x[~np.isinf(x)]
            if x.size == 0:
                return x_orig
        x_min, x_max = x.min(), x.max()
        cur_min, cur_max = f32(self.min_val.item()), f32(self.max_val.item())
        hist = np.asarray(self.histogram._value, f32)
        if cur_min == np.inf or cur_max == -np.inf:
            new_min, new_max, hist = x_min, x_max, _histc(x, self.bins, x_min, x_max)
        else:
            new_min, new_max = min(cur_min, x_min), max(cur_max, x_max)
            update = _histc(x, self.bins, new_min, new_max)
            if new_min == cur_min and new_max == cur_max:
                hist = hist + update
            else:
                hist = update + self._transform(hist, cur_min, cur_max, new_min, new_max)
        self.histogram.copy_(torchax.tensor(hist))
        self.min_val.copy_(torchax.tensor(float(new_min)))
        self.max_val.copy_(torchax.tensor(float(new_max)))
        return x_orig

    def _transform(self, hist, orig_min, orig_max, new_min, new_max):
        """torch's _combine_histograms: the old histogram re-binned onto the new range (upsampled midpoints)."""
        if orig_min == orig_max:
            return _histc(np.array([orig_min], f32), self.bins, new_min, new_max) * hist.sum(dtype=f32)
        rate = self.upsample_rate
        up = np.repeat(hist, rate) / f32(rate)
        bin_size = (f32(orig_max) - f32(orig_min)) / f32(self.bins * rate)
        mids = _linspace(orig_min, orig_max, self.bins * rate + 1)[:-1] + f32(0.5) * bin_size
        bounds = _linspace(new_min, new_max, self.bins + 1)
        idx = np.clip(np.searchsorted(bounds, mids, side="right") - 1, 0, self.bins - 1)
        return np.bincount(idx, weights=up, minlength=self.bins).astype(f32)

    # --- qparams -------------------------------------------------------------------------------------
    def _quantization_error(self, hist, bin_width: float, start: int, end: int) -> float:
        """torch's _compute_quantization_error: L2 error of quantizing bins start..end into dst_nbins levels."""
        dst_width = bin_width * (end - start + 1) / self.dst_nbins
        if dst_width == 0.0:
            return 0.0
        bw, dw = f32(bin_width), f32(dst_width)
        src = np.arange(self.bins)
        begin = (src - start).astype(f32) * bw
        end_ = begin + bw
        dst_begin = np.clip(np.floor(begin / dw), 0, self.dst_nbins - 1)
        dst_begin_center = (dst_begin + f32(0.5)) * dw
        dst_end = np.clip(np.floor(end_ / dw), 0, self.dst_nbins - 1)
        density = hist / bw

        def norm(a, b):
            return density * ((b * b * b - a * a * a) / f32(3))

        half = f32(dst_width / 2)
        total = norm(begin - dst_begin_center, np.full(self.bins, half, f32))
        total = total + (dst_end - dst_begin - f32(1)) * norm(-half, half)
        dst_end_center = dst_end * dw + half
        total = total + norm(-half, end_ - dst_end_center)
        return float(total.sum(dtype=f32))

    def _non_linear_param_search(self):
        hist = np.asarray(self.histogram._value, f32)
        lo, hi = f32(self.min_val.item()), f32(self.max_val.item())
        bin_width_t = (hi - lo) / f32(self.bins)
        bin_width = (float(hi) - float(lo)) / self.bins
        total = float(hist.sum(dtype=f32))
        csum = np.cumsum(hist, dtype=f32)
        alpha, beta, start, end, norm_min = 0.0, 1.0, 0, self.bins - 1, float("inf")
        while alpha < beta:
            next_alpha, next_beta = alpha + 1e-5, beta - 1e-5
            left, right = start, end
            while left < end and csum[left] < next_alpha * total:
                left += 1
            while right > start and csum[right] > next_beta * total:
                right -= 1
            next_start, next_end = start, end
            if (left - start) > (end - right):
                next_start, alpha = left, next_alpha
            else:
                next_end, beta = right, next_beta
            if next_start == start and next_end == end:
                continue
            err = self._quantization_error(hist, bin_width, next_start, next_end)
            if err > norm_min:
                break
            norm_min, start, end = err, next_start, next_end
        return lo + bin_width_t * f32(start), lo + bin_width_t * f32(end + 1)

    def calculate_qparams(self):
        if self.min_val.item() == float("inf") and self.max_val.item() == float("-inf"):
            import warnings
            warnings.warn("must run observer before calling calculate_qparams.\
                                    Returning default scale and zero point ", stacklevel=2)
            return torchax.tensor([1.0]), torchax.tensor([0])
        new_min, new_max = self._non_linear_param_search()
        return self._calculate_qparams(torchax.tensor(float(new_min)), torchax.tensor(float(new_max)))

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}"


def _linspace(a, b, n: int) -> np.ndarray:
    """torch.linspace in float32 (first half stepped from the start, second half from the end)."""
    a, b = f32(a), f32(b)
    step = (b - a) / f32(n - 1)
    i = np.arange(n)
    half = n // 2
    return np.where(i < half, a + step * i.astype(f32), b - step * (n - 1 - i).astype(f32)).astype(f32)
