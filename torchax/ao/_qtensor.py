"""Quantized tensors: torch.qint8/quint8/qint32, the qschemes, torch.quantize_per_tensor/per_channel, dequantize.

torchax's core dtypes have no quantized types yet, so a quantized tensor is a `QTensor`: the integer values (a JAX
array of int8/uint8/int32) with its scale(s), zero point(s) and axis. Arithmetic follows ATen/fbgemm: quantize is
`clamp(zero_point + nearbyint(x * (1 / scale)))` in float32, dequantize is `(q - zero_point) * scale`.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

import torchax
from torchax import _dtype
from torchax._registry import warn_once
from torchax._tensor import Tensor, wrap

__all__ = ["qint8", "quint8", "qint32", "quint4x2", "per_tensor_affine", "per_tensor_symmetric", "per_channel_affine",
           "per_channel_symmetric", "per_channel_affine_float_qparams", "qscheme", "quantize_per_tensor",
           "quantize_per_channel", "quantize_per_tensor_dynamic", "dequantize", "fake_quantize_per_tensor_affine",
           "fake_quantize_per_channel_affine"]

# NOTE: torch's quantized dtypes are not in torchax._dtype's tables (no tensor of the core has them); these objects
# only name the type of a QTensor and select observers' ranges.
qint8 = _dtype.dtype("qint8", np.int8, "i", 0)
quint8 = _dtype.dtype("quint8", np.uint8, "u", 0)
qint32 = _dtype.dtype("qint32", np.int32, "i", 2)
quint4x2 = _dtype.dtype("quint4x2", np.uint8, "u", 0)
QDTYPES = (qint8, quint8, qint32, quint4x2)
_INT_OF = {qint8: np.int8, quint8: np.uint8, qint32: np.int32, quint4x2: np.uint8}
_RANGE = {qint8: (-128, 127), quint8: (0, 255), qint32: (-2**31, 2**31 - 1), quint4x2: (0, 15)}


class qscheme:
    """torch.qscheme: one singleton per quantization scheme."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self):
        return self.name


per_tensor_affine = qscheme("per_tensor_affine")
per_tensor_symmetric = qscheme("per_tensor_symmetric")
per_channel_affine = qscheme("per_channel_affine")
per_channel_symmetric = qscheme("per_channel_symmetric")
per_channel_affine_float_qparams = qscheme("per_channel_affine_float_qparams")

_CREATION_WARNING = (
    "torch.quantize_per_tensor, torch.quantize_per_channel and other quantized tensor creation functions that produce "
    "tensors with dtype torch.quint8, torch.qint8, and torch.qint32 are deprecated and will be removed in a future "
    "PyTorch release. Please see https://github.com/pytorch/pytorch/issues/184982 for more information. (Triggered "
    "internally at /__w/pytorch/pytorch/aten/src/ATen/quantized/Quantizer.cpp:111.)")


def qrange(dtype) -> tuple[int, int]:
    """(min, max) of a quantized dtype's integers."""
    return _RANGE[dtype]


@functools.partial(jax.jit, static_argnames=("qmin", "qmax", "int_dtype"))
def quantize_array(x, scale, zero_point, qmin: int, qmax: int, int_dtype):
    """ATen's quantize_val: clamp(zero_point + nearbyint(x * (1/scale))) (scale, zero_point broadcast to x)."""
    inv = (1.0 / scale.astype(jnp.float32)).astype(jnp.float32)
    q = jnp.round(x.astype(jnp.float32) * inv) + zero_point.astype(jnp.float32)
    return jnp.clip(q, qmin, qmax).astype(int_dtype)


@jax.jit
def dequantize_array(q, scale, zero_point):
    """ATen's dequantize_val: (q - zero_point) * scale in float32."""
    return ((q.astype(jnp.int32) - zero_point.astype(jnp.int32)).astype(jnp.float32)
            * scale.astype(jnp.float32))


def _channel_shape(ndim: int, axis: int) -> tuple:
    return tuple(-1 if d == axis else 1 for d in range(ndim))


class QTensor:
    """A quantized torch.Tensor (dtype qint8/quint8/qint32): integer values with their quantization parameters."""

    is_quantized = True
    requires_grad = False
    grad_fn = None

    def __init__(self, int_repr, dtype, scheme, scale, zero_point, axis=None):
        self._int, self.dtype, self._qscheme = int_repr, dtype, scheme
        self._scale, self._zero_point, self._axis = scale, zero_point, axis  # jax arrays: () or (C,)

    # --- quantization parameters ------------------------------------------------------------------
    def qscheme(self) -> qscheme:
        return self._qscheme

    def q_scale(self) -> float:
        self._per_tensor("q_scale")
        return float(self._scale)

    def q_zero_point(self) -> int:
        self._per_tensor("q_zero_point")
        return int(self._zero_point)

    def q_per_channel_scales(self) -> Tensor:
        return wrap(jnp.asarray(self._scale, jnp.float64 if jax.config.x64_enabled else jnp.float32))

    def q_per_channel_zero_points(self) -> Tensor:
        return wrap(jnp.asarray(self._zero_point).astype(jnp.int64 if jax.config.x64_enabled else jnp.int32))

    def q_per_channel_axis(self) -> int:
        return self._axis

    def _per_tensor(self, name):
        if self._axis is not None:
            raise RuntimeError(f"Expected quantizer->qscheme() == kPerTensorAffine to be true, but got false.  "
                               f"(Could this error message be improved?  If so, please report an enhancement request "
                               f"to PyTorch.) ({name})")

    # --- values ------------------------------------------------------------------------------------
    def int_repr(self) -> Tensor:
        return wrap(self._int)

    def _bcast(self):
        if self._axis is None:
            return self._scale, self._zero_point
        shape = _channel_shape(self._int.ndim, self._axis)
        return self._scale.reshape(shape), self._zero_point.reshape(shape)

    def dequantize(self) -> Tensor:
        scale, zp = self._bcast()
        return wrap(dequantize_array(self._int, scale, zp))

    # --- shape and bookkeeping ---------------------------------------------------------------------
    @property
    def shape(self):
        return torchax.Size(self._int.shape)

    def size(self, dim=None):
        return self.shape if dim is None else self.shape[dim]

    def dim(self) -> int:
        return self._int.ndim

    ndim = property(dim)

    def numel(self) -> int:
        return int(np.prod(self._int.shape))

    @property
    def device(self):
        return torchax.device("cpu")

    def detach(self):
        return self

    def contiguous(self, memory_format=None):
        return self

    def clone(self, memory_format=None):
        return self

    def _with(self, int_repr):
        return QTensor(int_repr, self.dtype, self._qscheme, self._scale, self._zero_point, self._axis)

    def reshape(self, *shape):
        self._per_tensor("reshape")
        return self._with(self._int.reshape(*shape))

    view = reshape

    def flatten(self, start_dim=0, end_dim=-1):
        return self._with(torchax.flatten(wrap(self._int), start_dim, end_dim)._value)

    def _requantize(self, fn):
        """fn applied to the float values, quantized back with this tensor's qparams (torch's quantized mean/relu)."""
        self._per_tensor(fn.__name__)
        lo, hi = _RANGE[self.dtype]
        out = quantize_array(fn(self.dequantize())._value, self._scale, self._zero_point, lo, hi, self._int.dtype)
        return self._with(out)

    def mean(self, dim=None, keepdim=False, *, dtype=None):
        """Tensor.mean of a quantized tensor: float mean requantized with the input's scale and zero point."""
        def mean(t):
            return t.mean() if dim is None else t.mean(dim, keepdim)
        return self._requantize(mean)

    def relu(self):
        """torch.relu of a quantized tensor (values below the zero point clamp to it)."""
        return self._with(jnp.maximum(self._int, self._zero_point.astype(self._int.dtype)))

    def __repr__(self) -> str:
        text = repr(self.dequantize())
        head = text[:text.rindex(")")] if text.endswith(")") else text
        if self._axis is None:
            params = f"quantization_scheme={self._qscheme}, scale={self.q_scale()}, zero_point={self.q_zero_point()}"
        else:
            params = (f"quantization_scheme={self._qscheme},\n       scale={self.q_per_channel_scales()},\n"
                      f"       zero_point={self.q_per_channel_zero_points()}, axis={self._axis}")
        return f"{head}, size={tuple(self.shape)}, dtype={self.dtype},\n       {params})"


def _value(x):
    return x._value if isinstance(x, Tensor) else jnp.asarray(x)


def quantize_per_tensor(input, scale, zero_point, dtype):
    """torch.quantize_per_tensor (a list of tensors gives a list)."""
    if isinstance(input, (list, tuple)):
        return [quantize_per_tensor(t, s, z, dtype) for t, s, z in zip(input, scale, zero_point)]
    if dtype not in QDTYPES:
        raise RuntimeError(f"Expected a quantized dtype, got {dtype}")
    warn_once("quantized_tensor_creation", _CREATION_WARNING)  # (TORCH_WARN_ONCE in torch)
    qmin, qmax = _RANGE[dtype]
    s, z = jnp.asarray(_value(scale), jnp.float32).reshape(()), jnp.asarray(_value(zero_point), jnp.int32).reshape(())
    q = quantize_array(input._value, s, z, qmin, qmax, np.dtype(_INT_OF[dtype]))
    return QTensor(q, dtype, per_tensor_affine, s, z)


def quantize_per_tensor_dynamic(input, dtype, reduce_range):
    """torch.quantize_per_tensor_dynamic: qparams chosen from the tensor's min/max as fbgemm does."""
    lo, hi = _RANGE[dtype]
    s, z = choose_qparams(input._value, lo, hi, reduce_range)
    return QTensor(quantize_array(input._value, s, z, lo, hi, np.dtype(_INT_OF[dtype])), dtype, per_tensor_affine, s, z)


def quantize_per_channel(input, scales, zero_points, axis, dtype):
    """torch.quantize_per_channel."""
    if dtype not in QDTYPES:
        raise RuntimeError(f"Expected a quantized dtype, got {dtype}")
    warn_once("quantized_tensor_creation", _CREATION_WARNING)  # (TORCH_WARN_ONCE in torch)
    qmin, qmax = _RANGE[dtype]
    axis = axis + input.dim() if axis < 0 else axis
    s, z = jnp.asarray(_value(scales), jnp.float32), jnp.asarray(_value(zero_points), jnp.int32)
    shape = _channel_shape(input.dim(), axis)
    q = quantize_array(input._value, s.reshape(shape), z.reshape(shape), qmin, qmax, np.dtype(_INT_OF[dtype]))
    return QTensor(q, dtype, per_channel_affine, s, z, axis)


def dequantize(tensor):
    """torch.dequantize: a QTensor's float values (a float tensor is returned as is; a list gives a list)."""
    if isinstance(tensor, (list, tuple)):
        return [dequantize(t) for t in tensor]
    return tensor.dequantize() if isinstance(tensor, QTensor) else tensor


@functools.partial(jax.jit, static_argnames=("qmin", "qmax", "reduce_range", "preserve_sparsity"))
def choose_qparams_minmax(lo, hi, qmin: int, qmax: int, reduce_range: bool = False, preserve_sparsity: bool = False):
    """ATen's quant_utils::ChooseQuantizationParams for float32 min/max (elementwise). Returns (scale f32, zp i32).

    Mirrors the C++: min/max are floats, the scale and zero point are computed in double, the scale kept as float.
    """
    if reduce_range:
        qmin, qmax = qmin // 2, qmax // 2
    f32, f64 = jnp.float32, jnp.float64
    lo, hi = lo.astype(f32), hi.astype(f32)
    if preserve_sparsity:
        sym_min, sym_max = -((qmax - qmin) // 2 + 1), (qmax - qmin) // 2
        m = jnp.maximum(jnp.abs(lo.astype(f64) / sym_min), jnp.abs(hi.astype(f64) / sym_max))
        both = (lo < 0) & (hi > 0)
        lo, hi = jnp.where(both, (m * sym_min).astype(f32), lo), jnp.where(both, (m * sym_max).astype(f32), hi)
    sparse = preserve_sparsity & (lo < 0) & (hi > 0)
    lo, hi = jnp.minimum(lo, 0.0).astype(f32), jnp.maximum(hi, 0.0).astype(f32)
    scale = (hi.astype(f64) - lo.astype(f64)) / (qmax - qmin)
    s32 = scale.astype(f32)
    scale = jnp.where((s32 == 0) | jnp.isinf(1.0 / s32), 0.1, scale)
    small = 6.1e-5
    tiny = scale < small
    amp = (small / scale).astype(f32)
    lo2 = jnp.where(lo == 0, lo, jnp.where(hi == 0, f32(-small * (qmax - qmin)), lo * amp))
    hi2 = jnp.where(lo == 0, f32(small * (qmax - qmin)), jnp.where(hi == 0, hi, hi * amp))
    lo, hi = jnp.where(tiny, lo2, lo).astype(f64), jnp.where(tiny, hi2, hi).astype(f64)
    scale = jnp.where(tiny, f64(f32(small)), scale).astype(f32).astype(f64)
    zp_min, zp_max = qmin - lo / scale, qmax - hi / scale
    err_min, err_max = abs(qmin) - jnp.abs(lo / scale), abs(qmax) - jnp.abs(hi / scale)
    zp = jnp.where(err_min < err_max, zp_min, zp_max)
    zp = jnp.where(sparse, (qmin + qmax) / 2, zp)
    zp = jnp.clip(jnp.round(zp), qmin, qmax).astype(jnp.int32)
    return scale.astype(f32), zp


def choose_qparams(x, qmin: int, qmax: int, reduce_range: bool):
    """The dynamic qparams of array `x` (fbgemm: FindMinMax then ChooseQuantizationParams)."""
    return choose_qparams_minmax(jnp.min(x), jnp.max(x), qmin, qmax, reduce_range)


def fake_quantize_per_tensor_affine(input, scale, zero_point, quant_min, quant_max):
    """torch.fake_quantize_per_tensor_affine: quantize-dequantize; the gradient passes where the value is in range."""
    s = jnp.asarray(_value(scale), jnp.float32).reshape(())
    z = jnp.asarray(_value(zero_point), jnp.int32).reshape(())
    return _fake_quantize(input, s, z, quant_min, quant_max)


def fake_quantize_per_channel_affine(input, scale, zero_point, axis, quant_min, quant_max):
    """torch.fake_quantize_per_channel_affine."""
    shape = _channel_shape(input.dim(), axis)
    s = jnp.asarray(_value(scale), jnp.float32).reshape(shape)
    z = jnp.asarray(_value(zero_point), jnp.int32).reshape(shape)
    return _fake_quantize(input, s, z, quant_min, quant_max)


@functools.partial(jax.jit, static_argnames=("qmin", "qmax"))
def _fq_arrays(x, scale, zp, qmin, qmax):
    inv = (1.0 / scale).astype(jnp.float32)
    q = jnp.round(x * inv) + zp.astype(jnp.float32)
    mask = (q >= qmin) & (q <= qmax)
    return ((jnp.clip(q, qmin, qmax) - zp.astype(jnp.float32)) * scale).astype(x.dtype), mask


def _fake_quantize(input, scale, zp, qmin, qmax):
    out, mask = _fq_arrays(input.detach()._value, scale, zp, qmin, qmax)
    out = wrap(out)
    if not input.requires_grad:
        return out
    # straight-through estimator: d out / d input = 1 inside the quantization range, 0 where it clamps
    return out + (input - input.detach()) * wrap(mask)
