"""Integer kernels of the quantized modules, as fbgemm computes them.

Static (conv/linear): int32 accumulation of (x_q - x_zp) * (w_q - w_zp); a float bias is added as
`bias / (x_scale * w_scale)`; the result is requantized with multiplier `x_scale * w_scale / out_scale`, rounded to
nearest even, offset by the output zero point and clamped to [0, 255] ([zero_point, 255] with a fused ReLU).
Dynamic (linear): the input is quantized with qparams chosen from its min/max (uint8, reduce_range as fbgemm), the
int32 accumulation is scaled back by `x_scale * w_scale` and the float bias added.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp

from torchax.ao import _qtensor as qt

f32, i32 = jnp.float32, jnp.int32


def _requantize(acc, x_scale, w_scale, bias, out_scale, out_zp, relu: bool, shape):
    act_w = (x_scale.astype(f32) * w_scale.astype(f32)).reshape(shape)
    raw = acc.astype(f32)
    if bias is not None:
        raw = raw + bias.astype(f32).reshape(shape) / act_w
    q = jnp.round(raw * (act_w / out_scale.astype(f32))) + out_zp.astype(f32)
    return jnp.clip(q, out_zp.astype(f32) if relu else 0, 255).astype(jnp.uint8)


@functools.partial(jax.jit, static_argnames=("stride", "padding", "dilation", "groups", "relu"))
def conv(xq, x_scale, x_zp, wq, w_scale, w_zp, bias, out_scale, out_zp, stride, padding, dilation, groups, relu):
    """Quantized convolution (N, C, *spatial) -> quint8."""
    nd = wq.ndim - 2
    wshape = (-1,) + (1,) * (nd + 1)
    x = xq.astype(i32) - x_zp.astype(i32)
    w = wq.astype(i32) - w_zp.astype(i32).reshape(wshape if w_zp.ndim else ())
    spatial = "DHW"[-nd:]
    acc = jax.lax.conv_general_dilated(x, w, stride, [(p, p) for p in padding], rhs_dilation=dilation,
                                       feature_group_count=groups,
                                       dimension_numbers=("NC" + spatial, "OI" + spatial, "NC" + spatial),
                                       preferred_element_type=i32)
    return _requantize(acc, x_scale, w_scale, bias, out_scale, out_zp, relu, (1, -1) + (1,) * nd)


@functools.partial(jax.jit, static_argnames=("relu",))
def linear(xq, x_scale, x_zp, wq, w_scale, w_zp, bias, out_scale, out_zp, relu):
    """Quantized linear (..., in) -> quint8 (..., out)."""
    x = xq.astype(i32) - x_zp.astype(i32)
    w = wq.astype(i32) - w_zp.astype(i32).reshape((-1, 1) if w_zp.ndim else ())
    acc = jnp.matmul(x, w.T, preferred_element_type=i32)
    return _requantize(acc, x_scale, w_scale, bias, out_scale, out_zp, relu, (-1,))


@functools.partial(jax.jit, static_argnames=("reduce_range",))
def dynamic_linear(x, wq, w_scale, w_zp, bias, reduce_range=True):
    """Dynamically quantized linear: float (..., in) -> float (..., out)."""
    scale, zp = qt.choose_qparams(x, 0, 255, reduce_range)
    xq = qt.quantize_array(x, scale, zp, 0, 255, jnp.uint8).astype(i32) - zp
    w = wq.astype(i32) - w_zp.astype(i32).reshape((-1, 1) if w_zp.ndim else ())
    acc = jnp.matmul(xq, w.T, preferred_element_type=i32)
    out = acc.astype(f32) * (scale * w_scale.astype(f32))
    return out if bias is None else out + bias.astype(f32)
