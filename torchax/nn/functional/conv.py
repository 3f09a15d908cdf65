"""torch.nn.functional: conv1d/2d/3d, conv_transpose1d/2d/3d, unfold/fold.

Every convolution is one `jax.lax.conv_general_dilated` kernel; argument checks run at trace time and raise torch's
errors. A transposed convolution is the gradient of a convolution with respect to its input: a convolution of the
stride-dilated input with the spatially flipped, in/out-swapped kernel.

Lowering on CPU (measured in benchmarks/conv_lowering.py): XLA:CPU hands a 2-D convolution with more than 16
feature channels to YNNPACK unless its output is larger than its input; otherwise Eigen runs it. YNNPACK runs
*unpadded* convolutions with >= 16 input channels on large planes ~2x slower than Eigen, forward and weight
gradient alike (a profile of the CNN training step: those two took ~60% of it); padded ones it runs as fast. So,
on CPU only, for unpadded 2-D convolutions:
- the forward pads the input with zero rows below until the output has one row more than the input, which keeps
  it on Eigen, and drops those rows (k / out_h more work; `_eigen_rows`);
- the weight gradient is a sum of convolutions over batch chunks x output-channel chunks of <= 16 each
  (`_chunked_weight_conv`), each one small Eigen kernel: the same result to rounding, 1.5-1.8x faster on output
  planes of >= 256 pixels (on padded convolutions YNNPACK's own is 2-3x faster than the chunks);
- the input gradient is XLA's own: its output is larger than its input, so Eigen already runs it.
These are a custom_jvp whose tangents are plain convolutions, so forward mode, double backward and jax transforms
keep working. im2col + GEMM formulations were slower than both (XLA's copies that build the patches dominate).
GPU/TPU keep the plain convolution and its built-in transposes.
"""

from __future__ import annotations

import functools
import math
import numbers

import jax
import jax.numpy as jnp
from jax import lax
from jax.custom_derivatives import SymbolicZero

from torchax import _dtype
from torchax._registry import TorchIndexError, TorchRuntimeError, TorchTypeError, op, warn_once

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "unfold", "fold"]
# torch.<name> functions that torch also exposes at top level (signatures may differ from F.<name>)
TOPLEVEL: dict = {}

_SPATIAL = {1: "H", 2: "HW", 3: "DHW"}


def _is_int(v) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def ntuple(name: str, value, n: int, what="the convolution dimensions") -> tuple:
    """An int or a list of 1 or `n` ints -> an n-tuple, with torch's messages for anything else."""
    if _is_int(value):
        return (int(value),) * n
    if not isinstance(value, (tuple, list)):
        raise TorchTypeError(f"argument '{name}' must be tuple of ints, not {type(value).__name__}")
    if not all(_is_int(v) for v in value):
        bad = next(v for v in value if not _is_int(v))
        raise TorchTypeError(f"argument '{name}' must be tuple of ints, but found element of type {type(bad).__name__}")
    if len(value) == 1:
        return (int(value[0]),) * n
    if len(value) != n:
        raise TorchRuntimeError(f"expected {name} to be a single integer value or a list of {n} values to match "
                                f"{what}, but got {name}={list(value)}")
    return tuple(int(v) for v in value)


def _tname(jdtype) -> str:
    return _dtype.type_name(_dtype.from_jax(jdtype))


def _dims(x) -> str:
    return " x ".join(map(str, x))


def _check_input(fname, input, weight, n, transposed, groups, bias):
    """torch's shape and dtype checks for a convolution; returns whether the input is batched."""
    if input.ndim not in (n + 1, n + 2):
        raise TorchRuntimeError(f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to {fname}, but got "
                                f"input of size: {list(input.shape)}")
    batched = input.ndim == n + 2
    if weight.ndim != n + 2:
        raise TorchRuntimeError("weight should have at least three dimensions" if weight.ndim < 3 else
                                f"Expected {n + 2}-dimensional weight for {n + 2}-dimensional input "
                                f"{list(input.shape)}, but got {weight.ndim}-dimensional weight of size "
                                f"{list(weight.shape)} instead")
    if groups <= 0:
        raise TorchRuntimeError("non-positive groups is not supported")
    shape = input.shape if batched else (1, *input.shape)
    want = weight.shape[0] if transposed else weight.shape[1] * groups
    if shape[1] != want:
        t = "transposed=1" if transposed else f"groups={groups}"
        raise TorchRuntimeError(f"Given {t}, weight of size {list(weight.shape)}, expected input{list(shape)} to have "
                                f"{want} channels, but got {shape[1]} channels instead")
    if not transposed and weight.shape[0] % groups:
        raise TorchRuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                                f"but got weight of size {list(weight.shape)} instead")
    if input.dtype != weight.dtype:
        raise TorchRuntimeError(f"expected scalar type {_tname(input.dtype)} but found {_tname(weight.dtype)}")
    if input.dtype == jnp.bool_:
        raise TorchRuntimeError(f"\"{fname}\" not implemented for 'Bool'")
    if bias is not None:
        out_ch = weight.shape[1] * groups if transposed else weight.shape[0]
        if bias.ndim != 1 or bias.shape[0] != out_ch:
            t = "transposed=1, " if transposed else ""
            raise TorchRuntimeError(f"Given {t}weight of size {list(weight.shape)}, expected bias to be 1-dimensional "
                                    f"with {out_ch} elements, but got bias of size {list(bias.shape)} instead")
        if bias.dtype != input.dtype:
            raise TorchRuntimeError(f"Input type ({_tname(input.dtype).lower()}) and bias type "
                                    f"({_tname(bias.dtype).lower()}) should be the same")
    return batched


def _same_padding(fname, stride, dilation, ksize):
    if any(s != 1 for s in stride):
        raise TorchRuntimeError("padding='same' is not supported for strided convolutions")
    pads = []
    for d, k in zip(dilation, ksize):
        total = d * (k - 1)
        pads.append((total // 2, total - total // 2))
    if any(lo != hi for lo, hi in pads):
        warn_once("conv_same", "Using padding='same' with even kernel lengths and odd dilation may require a "
                  "zero-padded copy of the input be created")
    return pads


def convolve(fname, input, weight, bias, stride, padding, dilation, transposed, output_padding, groups, n):
    """torch's convolution on jax arrays (shared by every conv op)."""
    batched = _check_input(fname, input, weight, n, transposed, groups, bias)
    x = input if batched else input[None]
    stride, dilation = ntuple("stride", stride, n), ntuple("dilation", dilation, n)
    ksize = weight.shape[2:]
    if any(s <= 0 for s in stride):
        raise TorchRuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise TorchRuntimeError("non-positive dilation is not supported")
    if isinstance(padding, str):
        if transposed:
            raise TorchTypeError(f"{fname}(): argument 'padding' must be tuple of ints, not str")
        if padding == "valid":
            pads = [(0, 0)] * n
        elif padding == "same":
            pads = _same_padding(fname, stride, dilation, ksize)
        else:
            raise TorchRuntimeError(f"Invalid padding string: '{padding}'")
    else:
        padding = ntuple("padding", padding, n)
        if any(p < 0 for p in padding):
            raise TorchRuntimeError("negative padding is not supported")
        pads = [(p, p) for p in padding]
    spatial = x.shape[2:]
    if transposed:
        output_padding = ntuple("output_padding", output_padding, n)
        if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)):
            raise TorchRuntimeError(f"output padding must be smaller than either stride or dilation, but got "
                                    f"output_padding={list(output_padding)} stride={list(stride)} "
                                    f"dilation={list(dilation)}")
        eff = [d * (k - 1) for d, k in zip(dilation, ksize)]
        outs = [(i - 1) * s - 2 * p + e + o + 1
                for i, s, (p, _), e, o in zip(spatial, stride, pads, eff, output_padding)]
        if any(o <= 0 for o in outs) and x.shape[0] * x.shape[1]:
            raise TorchRuntimeError(f"Given input size per channel: ({_dims(spatial)}). Calculated output size per "
                                    f"channel: ({_dims(outs)}). Output size is too small")
        cin, cout_g = weight.shape[:2]
        w = weight.reshape(groups, cin // groups, cout_g, *ksize).swapaxes(1, 2).reshape(cout_g * groups,
                                                                                        cin // groups, *ksize)
        w = jnp.flip(w, tuple(range(2, n + 2)))
        pads = [(e - p, e - p + o) for e, (p, _), o in zip(eff, pads, output_padding)]
        lhs_dilation, stride = stride, (1,) * n
    else:
        padded = [i + lo + hi for i, (lo, hi) in zip(spatial, pads)]
        eff = [d * (k - 1) + 1 for d, k in zip(dilation, ksize)]
        if any(p < k for p, k in zip(padded, eff)):
            raise TorchRuntimeError(f"Calculated padded input size per channel: ({_dims(padded)}). Kernel size: "
                                    f"({_dims(eff)}). Kernel size can't be greater than actual input size")
        w, lhs_dilation = weight, (1,) * n
    params = (tuple(stride), tuple(map(tuple, pads)), tuple(lhs_dilation), tuple(dilation), groups)
    plan = None if transposed else _cpu_plan(x, w, params, _out_size(spatial, pads, dilation, ksize, stride))
    out = _conv(x, w, params) if plan is None else _conv_cpu(x, w, params, plan)
    if bias is not None:
        out = out + bias.reshape(-1, *(1,) * n)
    return out if batched else out[0]


# --- the lowering -------------------------------------------------------------------------------------------------

CPU_CHUNK = 16  # XLA:CPU keeps a 2-D convolution off YNNPACK when neither feature dim exceeds this
CPU_MAX_CHUNKS = 64  # more chunk convolutions than this cost more in compile time than they save
CPU_MIN_OUT_PIXELS = 256  # below ~16x16 output pixels YNNPACK's weight gradient is as fast or faster (measured)
# "chunked" (default: on CPU where it pays), "always" (wherever it applies) or "xla" (never); conv_lowering.py
cpu_weight_grad = "chunked"
# "eigen" (default: unpadded large convolutions padded onto Eigen, see _eigen_rows) or "xla" (as written)
cpu_forward = "eigen"


def _out_size(spatial, pads, dilation, ksize, stride) -> tuple:
    return tuple((i + lo + hi - d * (k - 1) - 1) // s + 1
                 for i, (lo, hi), d, k, s in zip(spatial, pads, dilation, ksize, stride))


def _conv(x, w, params):
    stride, pads, lhs_dilation, dilation, groups = params
    sp = _SPATIAL[x.ndim - 2]
    return lax.conv_general_dilated(x, w, stride, pads, lhs_dilation=lhs_dilation, rhs_dilation=dilation,
                                    dimension_numbers=("NC" + sp, "OI" + sp, "NC" + sp), feature_group_count=groups)


def _use_chunked_weight_grad(x, w, params, out_hw) -> bool:
    """CPU, 2-D, ungrouped, f32/f64, unpadded, a large output plane, more than one chunk but not too many (see the
    module docstring and benchmarks/conv_lowering.py)."""
    groups = params[4]
    if cpu_weight_grad not in ("chunked", "always") or x.ndim != 4 or groups != 1 or x.dtype not in (jnp.float32,
                                                                                                   jnp.float64):
        return False
    if cpu_weight_grad == "chunked" and (math.prod(out_hw) < CPU_MIN_OUT_PIXELS or any(p != (0, 0) for p in params[1])):
        return False
    if jax.default_backend() != "cpu":
        return False
    chunks = math.ceil(x.shape[0] / CPU_CHUNK) * math.ceil(w.shape[0] / CPU_CHUNK)
    return 1 < chunks <= CPU_MAX_CHUNKS and x.shape[0] * w.shape[0] > 0


def _eigen_rows(x, w, params, out_hw) -> int:
    """Extra zero rows below the input that move an unpadded CPU convolution from YNNPACK to Eigen (0: none).

    XLA:CPU gives YNNPACK a 2-D convolution with more than 16 feature channels unless its output is larger than
    its input; YNNPACK runs unpadded ("valid") convolutions with >= 16 input channels on large planes ~2x slower than
    Eigen (padded ones as fast). Padding the first spatial dim until the output has one row more than the input,
    then dropping the extra rows, costs k / out_h more work and keeps Eigen (benchmarks/conv_lowering.py).
    """
    stride, pads, lhs_dilation, dilation, groups = params
    if (cpu_forward != "eigen" or x.ndim != 4 or groups != 1 or x.dtype not in (jnp.float32, jnp.float64)
            or any(p != (0, 0) for p in pads) or any(v != 1 for v in stride + lhs_dilation + dilation)):
        return 0
    if x.shape[1] < CPU_CHUNK or max(x.shape[1], w.shape[0]) <= CPU_CHUNK or math.prod(out_hw) < CPU_MIN_OUT_PIXELS:
        return 0
    if jax.default_backend() != "cpu":
        return 0
    return x.shape[2] + 1 - out_hw[0]


def _cpu_plan(x, w, params, out_hw):
    """(extra forward rows, chunked weight gradient) where either pays on CPU, else None: the plain convolution."""
    rows = _eigen_rows(x, w, params, out_hw)
    chunked = _use_chunked_weight_grad(x, w, params, out_hw)
    return (rows, chunked) if rows or chunked else None


def _conv_rows(x, w, params, rows):
    """_conv with `rows` more rows of zero padding below the input, the extra output rows dropped."""
    if not rows:
        return _conv(x, w, params)
    stride, pads, lhs_dilation, dilation, groups = params
    padded = ((pads[0][0], pads[0][1] + rows),) + pads[1:]
    out = _conv(x, w, (stride, padded, lhs_dilation, dilation, groups))
    return out[:, :, :out.shape[2] - rows]


def _chunked_weight_conv(x, dw, params):
    """conv(x, dw) as batch-chunk x out-channel-chunk convolutions: linear in dw, and its transpose (the weight
    gradient) is one small convolution per chunk pair, which XLA:CPU runs on Eigen."""
    rows = []
    for b in range(0, x.shape[0], CPU_CHUNK):
        xb = x[b:b + CPU_CHUNK]
        rows.append(jnp.concatenate([_conv(xb, dw[o:o + CPU_CHUNK], params)
                                     for o in range(0, dw.shape[0], CPU_CHUNK)], axis=1))
    return jnp.concatenate(rows, axis=0)


@functools.partial(jax.custom_jvp, nondiff_argnums=(2, 3))
def _conv_cpu(x, w, params, plan):
    return _conv_rows(x, w, params, plan[0])


@functools.partial(_conv_cpu.defjvp, symbolic_zeros=True)
def _conv_cpu_jvp(params, plan, primals, tangents):
    # NOTE: the tangents are plain convolutions (not _conv_rows): their transposes, the gradients, are then XLA's
    # own input-gradient convolution and (where chunked) the Eigen weight-gradient chunks
    x, w = primals
    dx, dw = tangents
    out = _conv_rows(x, w, params, plan[0])
    parts = []
    if not isinstance(dx, SymbolicZero):
        parts.append(_conv(dx, w, params))
    if not isinstance(dw, SymbolicZero):
        parts.append(_chunked_weight_conv(x, dw, params) if plan[1] else _conv(x, dw, params))
    tangent = functools.reduce(jnp.add, parts) if parts else jnp.zeros_like(out)
    return out, tangent


def _conv_op(n):
    fname = f"conv{n}d"

    def conv(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
        return convolve(fname, input, weight, bias, stride, padding, dilation, False, 0, groups, n)

    conv.__name__ = conv.__qualname__ = fname
    conv.__doc__ = f"torch.nn.functional.{fname}."
    return op(method=False, out=False, grad_name="ConvolutionBackward0")(conv)


def _conv_transpose_op(n):
    fname = f"conv_transpose{n}d"

    def conv_transpose(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
        return convolve(fname, input, weight, bias, stride, padding, dilation, True, output_padding, groups, n)

    conv_transpose.__name__ = conv_transpose.__qualname__ = fname
    conv_transpose.__doc__ = f"torch.nn.functional.{fname}."
    return op(method=False, out=False, grad_name="ConvolutionBackward0")(conv_transpose)


conv1d, conv2d, conv3d = _conv_op(1), _conv_op(2), _conv_op(3)
conv_transpose1d, conv_transpose2d = _conv_transpose_op(1), _conv_transpose_op(2)
conv_transpose3d = _conv_transpose_op(3)


@op(method=False, out=False, grad_name="ConvolutionBackward0")
def convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups):
    """torch.convolution."""
    n = weight.ndim - 2
    if n not in (1, 2, 3):
        raise TorchRuntimeError(f"weight should have at least three dimensions, got {weight.ndim}")
    return convolve("convolution", input, weight, bias, stride, padding, dilation, transposed, output_padding,
                    groups, n)


# --- unfold (im2col) / fold (col2im) -------------------------------------------------------------------------------


def _blocks(name, spatial, kernel_size, dilation, padding, stride):
    """Checked 2-tuples and the number of sliding blocks per spatial dim, as im2col/col2im compute them."""
    k, d = ntuple("kernel_size", kernel_size, 2), ntuple("dilation", dilation, 2)
    p, s = ntuple("padding", padding, 2), ntuple("stride", stride, 2)
    if any(v <= 0 for v in k):
        raise TorchRuntimeError(f"kernel size should be greater than zero, but got kernel_height: {k[0]} "
                                f"kernel_width: {k[1]}")
    if any(v <= 0 for v in s):
        raise TorchRuntimeError(f"stride should be greater than zero, but got stride_height: {s[0]} "
                                f"stride_width: {s[1]}")
    if any(v <= 0 for v in d):
        raise TorchRuntimeError(f"dilation should be greater than zero, but got dilation_height: {d[0]} "
                                f"dilation_width: {d[1]}")
    if any(v < 0 for v in p):
        raise TorchRuntimeError(f"padding should be non-negative, but got pad_height: {p[0]} pad_width: {p[1]}")
    blocks = tuple((i + 2 * pp - (dd * (kk - 1) + 1)) // ss + 1 for i, pp, dd, kk, ss in zip(spatial, p, d, k, s))
    if any(b < 1 for b in blocks):
        raise TorchRuntimeError(f"Given {'output_size' if name == 'fold' else 'input with spatial size'}="
                                f"({spatial[0]}, {spatial[1]}), kernel_size=({k[0]}, {k[1]}), dilation=({d[0]}, "
                                f"{d[1]}), padding=({p[0]}, {p[1]}), calculated shape of the array of sliding blocks "
                                f"as ({blocks[0]}, {blocks[1]}), but its components must be at least one.")
    return k, d, p, s, blocks


def _window(i, d, s, b):
    """The strided slice of one kernel offset `i` that covers all `b` blocks."""
    return slice(i * d, i * d + (b - 1) * s + 1, s)


@op(name="_im2col", method=False, out=False, grad_name="Im2ColBackward0")
def _im2col(input, kernel_size, dilation, padding, stride):
    if input.ndim < 3:  # torch reads the (missing) spatial dims before checking the rank
        n = max(input.ndim, 1)
        raise TorchIndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got "
                              f"{input.ndim})")
    if input.ndim not in (3, 4) or any(n == 0 for n in input.shape[-3:]):
        raise TorchRuntimeError(f"Expected 3D or 4D (batch mode) tensor for input with possibly 0 batch size and "
                                f"non-zero dimensions for input, but got: {list(input.shape)}")
    x = input if input.ndim == 4 else input[None]
    (kh, kw), d, p, s, (bh, bw) = _blocks("unfold", x.shape[2:], kernel_size, dilation, padding, stride)
    x = jnp.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    cols = [x[:, :, _window(i, d[0], s[0], bh), _window(j, d[1], s[1], bw)] for i in range(kh) for j in range(kw)]
    out = jnp.stack(cols, axis=2).reshape(x.shape[0], x.shape[1] * kh * kw, bh * bw)
    return out if input.ndim == 4 else out[0]


@op(name="_col2im", method=False, out=False, grad_name="Col2ImBackward0")
def _col2im(input, output_size, kernel_size, dilation, padding, stride):
    if input.ndim not in (2, 3) or any(n == 0 for n in input.shape[-2:]):
        raise TorchRuntimeError(f"Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and "
                                f"non-zero dimensions for input, but got: {list(input.shape)}")
    out_hw = ntuple("output_size", output_size, 2)
    (kh, kw), d, p, s, (bh, bw) = _blocks("fold", out_hw, kernel_size, dilation, padding, stride)
    x = input if input.ndim == 3 else input[None]
    if x.shape[1] % (kh * kw):
        raise TorchRuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, "
                                f"but got input.size(1)={x.shape[1]} and kernel_size=({kh}, {kw})")
    if x.shape[2] != bh * bw:
        raise TorchRuntimeError(f"Given output_size=({out_hw[0]}, {out_hw[1]}), kernel_size=({kh}, {kw}), "
                                f"dilation=({d[0]}, {d[1]}), padding=({p[0]}, {p[1]}), stride=({s[0]}, {s[1]}), "
                                f"expected size of input's dimension 2 to match the calculated number of sliding "
                                f"blocks {bh} * {bw} = {bh * bw}, but got input.size(2)={x.shape[2]}.")
    c = x.shape[1] // (kh * kw)
    cols = x.reshape(x.shape[0], c, kh, kw, bh, bw)
    out = jnp.zeros((x.shape[0], c, out_hw[0] + 2 * p[0], out_hw[1] + 2 * p[1]), x.dtype)
    for i in range(kh):
        for j in range(kw):
            out = out.at[:, :, _window(i, d[0], s[0], bh), _window(j, d[1], s[1], bw)].add(cols[:, :, i, j])
    out = out[:, :, p[0]:p[0] + out_hw[0], p[1]:p[1] + out_hw[1]]
    return out if input.ndim == 3 else out[0]


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """torch.nn.functional.unfold (im2col)."""
    return _im2col(input, kernel_size, dilation, padding, stride)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """torch.nn.functional.fold (col2im)."""
    return _col2im(input, output_size, kernel_size, dilation, padding, stride)


TOPLEVEL.update(conv1d=conv1d, conv2d=conv2d, conv3d=conv3d, conv_transpose1d=conv_transpose1d,
                conv_transpose2d=conv_transpose2d, conv_transpose3d=conv_transpose3d, convolution=convolution)
