"""torch.nn.functional: activations, softmax family, glu, threshold.

Each activation is one `@op` kernel; the F.<name>(..., inplace=) wrappers write the kernel's result back into
the input for `inplace=True` (torch's `<name>_`). Boundary points take torch's subgradients (hardtanh'(±1) = 0,
leaky_relu'(0) = slope, elu'(0) = alpha ...), which is why the kernels are written with `where` rather than
max/min/abs (JAX splits the gradient of max at ties and gives abs'(0) = 1). Scalar parameters (slopes, alphas,
thresholds) are traced, so a new value does not compile a new kernel.
"""

from __future__ import annotations

import math
import warnings

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

import torchax
from torchax import _dtype
from torchax._ops.pointwise_unary import float_abs
from torchax._registry import TorchRuntimeError, op
from torchax._tensor import _TYPE_NAME, _wrap_dim

__all__ = [
    "relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "prelu", "rrelu", "rrelu_", "elu", "elu_", "selu", "selu_",
    "celu", "celu_", "gelu", "silu", "mish", "sigmoid", "tanh", "hardtanh", "hardtanh_", "hardswish", "hardsigmoid",
    "hardshrink", "softshrink", "tanhshrink", "softplus", "softsign", "threshold", "threshold_", "glu", "logsigmoid",
    "softmax", "softmin", "log_softmax", "gumbel_softmax",
]
# torch.<name> functions that torch also exposes at top level (signatures may differ from F.<name>)
TOPLEVEL: dict = {}

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


# --- helpers shared by the nn functional files ------------------------------------------------------------------


def not_implemented(kernel: str, dt) -> NotImplementedError:
    """torch's error for a dtype a CPU kernel does not handle: '"elu_cpu" not implemented for 'Long''."""
    return NotImplementedError(f"\"{kernel}\" not implemented for '{_TYPE_NAME(dt)}'")


def need_float(x, kernel: str) -> None:
    """Floating-point inputs only (torch's AT_DISPATCH_FLOATING_TYPES...)."""
    if not jnp.issubdtype(x.dtype, jnp.floating):
        raise not_implemented(kernel, x.dtype)


def opmath(x):
    """float16/bfloat16 compute in float32, as torch's CPU kernels do (they round once, at the end)."""
    return x.astype(jnp.float32) if x.dtype in (jnp.float16, jnp.bfloat16) else x


def safe_abs(x):
    """|x| whose gradient at 0 is 0 (torch's sgn), not JAX's 1."""
    return float_abs(x) if jnp.issubdtype(x.dtype, jnp.floating) else x * jnp.sign(x)


def maybe_inplace(input, result, inplace: bool):
    """`result`, or (inplace=True) `input` overwritten with it, as torch's `<op>_` variants."""
    return input._inplace(result) if inplace else result


def _float_act(name: str, kernel: str, fn):
    """Register a float-only pointwise activation computed in opmath precision."""

    def impl(input, *args):
        need_float(input, kernel)
        return fn(opmath(input), *args).astype(input.dtype)

    impl.__name__ = name
    impl.__doc__ = f"torch.nn.functional.{name}."
    return impl


# --- ReLU family ----------------------------------------------------------------------------------------------


def relu(input, inplace=False):
    """torch.nn.functional.relu."""
    return torchax.relu_(input) if inplace else torchax.relu(input)


def relu_(input):
    """torch.relu_ / F.relu_."""
    return input._inplace(torchax.relu(input))


@op("hardtanh", method=False, dynamic=("min_val", "max_val"))
def _hardtanh(input, min_val=-1.0, max_val=1.0):
    if input.dtype == jnp.bool_:
        raise TorchRuntimeError("Bool inputs not supported for hardtanh")
    x = opmath(input)
    lo, hi = jnp.asarray(min_val, x.dtype), jnp.asarray(max_val, x.dtype)
    # NOTE: nested where: NaN stays NaN and both bounds get a zero gradient (torch's hardtanh_backward)
    return jnp.where(x <= lo, lo, jnp.where(x >= hi, hi, x)).astype(input.dtype)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """torch.nn.functional.hardtanh."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return maybe_inplace(input, _hardtanh(input, min_val, max_val), inplace)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    """torch.nn.functional.hardtanh_."""
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input, inplace=False):
    """torch.nn.functional.relu6 (hardtanh(0, 6), as torch)."""
    return maybe_inplace(input, _hardtanh(input, 0.0, 6.0), inplace)


@op("leaky_relu", method=False, dynamic=("negative_slope",))
def _leaky_relu(input, negative_slope=0.01):
    need_float(input, "leaky_relu_cpu")
    x = opmath(input)
    return jnp.where(x > 0, x, x * negative_slope).astype(input.dtype)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """torch.nn.functional.leaky_relu."""
    return maybe_inplace(input, _leaky_relu(input, negative_slope), inplace)


def leaky_relu_(input, negative_slope=0.01):
    """torch.nn.functional.leaky_relu_."""
    return input._inplace(_leaky_relu(input, negative_slope))


@op("prelu", grad_name="PreluKernelBackward0")
def _prelu(input, weight):
    """torch.prelu: weight has 1 or C (= input.size(1)) elements."""
    if input.dtype != weight.dtype:
        raise TorchRuntimeError(f"prelu: Type promoting not supported. Got {_TYPE_NAME(input.dtype)} and "
                                f"{_TYPE_NAME(weight.dtype)}")
    need_float(input, "prelu_cpu")
    if weight.size != 1:
        if input.ndim == 0:
            raise TorchRuntimeError("Not allow zero-dim input tensor.")
        channels = input.shape[1] if input.ndim > 1 else 1
        if channels != weight.size:
            raise TorchRuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers"
                                    f" = {weight.size} and channel size = {channels}.")
    if weight.ndim > 1:
        raise TorchRuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.ndim}")
    w = weight
    if input.ndim != weight.ndim:
        shape = [1] * input.ndim
        if input.ndim > 1:
            shape[1] = weight.size
        w = weight.reshape(shape)
    x, w = opmath(input), opmath(w)
    return jnp.where(x > 0, x, w * x).astype(input.dtype)


prelu = _prelu


def _rrelu_check(lower, upper):
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")


@op("rrelu_with_noise", method=False, grad_name="RreluWithNoiseBackward0")
def _rrelu_apply(input, draws):
    """Training rrelu: the k-th non-positive element (row-major) is scaled by draws[k], torch's CPU order."""
    need_float(input, "rrelu_with_noise_out_cpu")
    x = opmath(input)
    neg = (x <= 0).reshape(-1)
    r = draws.astype(x.dtype)[jnp.maximum(jnp.cumsum(neg) - 1, 0)] if draws.size else jnp.ones(neg.shape, x.dtype)
    noise = jnp.where(neg, r, jnp.ones((), x.dtype)).reshape(x.shape)
    return (x * noise).astype(input.dtype)


def _rrelu(input, lower, upper, training, generator):
    _rrelu_check(lower, upper)
    if not training:
        return _leaky_relu(input, (lower + upper) / 2)
    if not input.is_floating_point():
        raise not_implemented("rrelu_with_noise_out_cpu", input.dtype)
    # NOTE: torch draws one double uniform(lower, upper) per non-positive element, in order (opmath bounds)
    k = int((input <= 0).sum())
    lo, hi = (float(v) if input.dtype is torchax.float64 else float(jnp.float32(v)) for v in (lower, upper))
    draws = torchax.empty(k, dtype=torchax.float64)
    draws = draws.uniform_(lo, hi) if generator is None else draws.uniform_(lo, hi, generator=generator)
    padded = np.ones(input.numel(), np.float64)  # one kernel per input shape, whatever the count k
    padded[:k] = np.asarray(draws._value)
    return _rrelu_apply(input, torchax.tensor(padded))


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """torch.nn.functional.rrelu."""
    return maybe_inplace(input, _rrelu(input, lower, upper, training, None), inplace)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    """torch.nn.functional.rrelu_."""
    return input._inplace(_rrelu(input, lower, upper, training, None))


def _torch_rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    """torch.rrelu."""
    return _rrelu(input, lower, upper, training, generator)


def _torch_rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    """torch.rrelu_."""
    return input._inplace(_rrelu(input, lower, upper, training, generator))


# --- ELU family -------------------------------------------------------------------------------------------------


def _elu_math(x, alpha, scale, input_scale):
    neg = x <= 0
    safe = jnp.where(neg, x, jnp.zeros((), x.dtype))  # NOTE: exp of the unused branch must not overflow (NaN grads)
    return jnp.where(neg, jnp.expm1(safe * input_scale) * (alpha * scale), x * scale)


@op("elu", method=False, dynamic=("alpha", "scale", "input_scale"))
def _elu(input, alpha=1.0, scale=1.0, input_scale=1.0):
    need_float(input, "elu_cpu")
    return _elu_math(opmath(input), alpha, scale, input_scale).astype(input.dtype)


def elu(input, alpha=1.0, inplace=False):
    """torch.nn.functional.elu."""
    return maybe_inplace(input, _elu(input, alpha), inplace)


def elu_(input, alpha=1.0):
    """torch.nn.functional.elu_."""
    return input._inplace(_elu(input, alpha))


def selu(input, inplace=False):
    """torch.nn.functional.selu."""
    return maybe_inplace(input, _elu(input, _SELU_ALPHA, _SELU_SCALE), inplace)


def selu_(input):
    """torch.selu_."""
    return input._inplace(_elu(input, _SELU_ALPHA, _SELU_SCALE))


def celu(input, alpha=1.0, inplace=False):
    """torch.nn.functional.celu."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    return maybe_inplace(input, _elu(input, alpha, 1.0, 1.0 / alpha), inplace)


def celu_(input, alpha=1.0):
    """torch.celu_."""
    return celu(input, alpha, inplace=True)


# --- smooth activations -----------------------------------------------------------------------------------------


def _gelu_math(x, approximate):
    if approximate == "tanh":
        inner = math.sqrt(2 / math.pi) * (x + 0.044715 * x * x * x)
        return 0.5 * x * (1 + jnp.tanh(inner))
    return x * 0.5 * (1 + jax.scipy.special.erf(x * (1 / math.sqrt(2))))


@op("gelu", method=False)
def _gelu(input, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise TorchRuntimeError("approximate argument must be either none or tanh.")
    need_float(input, "GeluKernelImpl")
    return _gelu_math(opmath(input), approximate).astype(input.dtype)


def gelu(input, *, approximate="none"):
    """torch.nn.functional.gelu (approximate is keyword-only, as torch's)."""
    return _gelu(input, approximate)


_silu = op("silu", method=False)(_float_act("silu", "silu_cpu", lambda x: x * jax.nn.sigmoid(x)))
_mish = op("mish", method=False)(_float_act("mish", "mish_cpu", lambda x: x * jnp.tanh(jax.nn.softplus(x))))


def silu(input, inplace=False):
    """torch.nn.functional.silu."""
    return maybe_inplace(input, _silu(input), inplace)


def mish(input, inplace=False):
    """torch.nn.functional.mish."""
    return maybe_inplace(input, _mish(input), inplace)


def _hardswish_math(x):
    return jnp.where(x <= -3, jnp.zeros((), x.dtype), jnp.where(x < 3, x * (x + 3) / 6, x))


def _hardsigmoid_math(x):
    return jnp.where(x <= -3, jnp.zeros((), x.dtype), jnp.where(x >= 3, jnp.ones((), x.dtype), (x + 3) / 6))


_hardswish = op("hardswish", method=False)(_float_act("hardswish", "hardswish_cpu", _hardswish_math))
_hardsigmoid = op("hardsigmoid", method=False)(_float_act("hardsigmoid", "hardsigmoid_cpu", _hardsigmoid_math))


def hardswish(input, inplace=False):
    """torch.nn.functional.hardswish."""
    return maybe_inplace(input, _hardswish(input), inplace)


def hardsigmoid(input, inplace=False):
    """torch.nn.functional.hardsigmoid."""
    return maybe_inplace(input, _hardsigmoid(input), inplace)


@op(dynamic=("lambd",))
def hardshrink(input, lambd=0.5):
    """torch.nn.functional.hardshrink."""
    need_float(input, "hardshrink_cpu")
    x = opmath(input)
    return jnp.where((x >= -lambd) & (x <= lambd), jnp.zeros((), x.dtype), x).astype(input.dtype)


@op(method=False)
def softshrink(input, lambd=0.5):
    """torch.nn.functional.softshrink."""
    need_float(input, "softshrink_check")
    if lambd < 0:
        raise TorchRuntimeError(f"lambda must be greater or equal to 0, but found to be {float(lambd)}.")
    x = opmath(input)
    zero = jnp.zeros((), x.dtype)
    return jnp.where(x > lambd, x - lambd, jnp.where(x < -lambd, x + lambd, zero)).astype(input.dtype)


def _to_float(x):
    """Integer inputs of a composite torch activation compute in the default float dtype."""
    return x if jnp.issubdtype(x.dtype, jnp.inexact) else x.astype(_dtype.JNP[_dtype.get_default_dtype()])


@op(method=False, grad_name="SubBackward0")
def tanhshrink(input):
    """torch.nn.functional.tanhshrink (input - tanh(input))."""
    if input.dtype == jnp.bool_:
        raise TorchRuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
                                "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    x = opmath(_to_float(input))
    return (x - jnp.tanh(x)).astype(_to_float(input).dtype)


@op(method=False, grad_name="DivBackward0")
def softsign(input):
    """torch.nn.functional.softsign (input / (|input| + 1))."""
    if input.dtype == jnp.bool_:
        raise not_implemented("abs_cpu", input.dtype)
    x = opmath(_to_float(input))
    return (x / (safe_abs(x) + 1)).astype(_to_float(input).dtype)


@op(method=False, dynamic=("beta", "threshold"))
def softplus(input, beta=1.0, threshold=20.0):
    """torch.nn.functional.softplus."""
    need_float(input, "softplus_cpu")
    x = opmath(input)
    xb = x * beta
    linear = xb > threshold
    safe = jnp.where(linear, jnp.zeros((), x.dtype), xb)
    return jnp.where(linear, x, jnp.log1p(jnp.exp(safe)) / beta).astype(input.dtype)


@op("threshold", method=False, dynamic=("threshold", "value"))
def _threshold(input, threshold, value):
    if input.dtype == jnp.bool_:
        raise not_implemented("threshold_cpu", input.dtype)
    x = opmath(input)
    th, v = jnp.asarray(threshold, x.dtype), jnp.asarray(value, x.dtype)
    return jnp.where(x <= th, v, x).astype(input.dtype)


def threshold(input, threshold, value, inplace=False):
    """torch.nn.functional.threshold."""
    return maybe_inplace(input, _threshold(input, threshold, value), inplace)


def threshold_(input, threshold, value):
    """torch.nn.functional.threshold_ / torch.threshold_."""
    return input._inplace(_threshold(input, threshold, value))


@op("glu", method=False)
def _glu(input, dim=-1):
    need_float(input, "glu_cpu")
    d = _wrap_dim(dim, input.ndim)
    n = input.shape[d]
    if n % 2:
        raise TorchRuntimeError(f"Halving dimension must be even, but dimension {d} is size {n}")
    x = opmath(input)
    a, b = jnp.split(x, 2, axis=d)
    return (a * jax.nn.sigmoid(b)).astype(input.dtype)


def glu(input, dim=-1):
    """torch.nn.functional.glu."""
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    return _glu(input, dim)


logsigmoid = op("log_sigmoid", method=False)(_float_act("logsigmoid", "log_sigmoid_cpu", jax.nn.log_sigmoid))
sigmoid = torchax.sigmoid
tanh = torchax.tanh


# --- softmax family ---------------------------------------------------------------------------------------------


def _softmax_input(input, dim, dtype, kernel):
    if dtype is not None:
        input = input.astype(_dtype.JNP[dtype])
    if not jnp.issubdtype(input.dtype, jnp.floating):
        raise not_implemented(kernel, input.dtype)
    d = _wrap_dim(dim, input.ndim)
    x = opmath(input)
    return (x.reshape(1) if input.ndim == 0 else x), d if input.ndim else 0, input


@op()
def softmax(input, dim, dtype=None):
    """torch.softmax / Tensor.softmax."""
    x, d, src = _softmax_input(input, dim, dtype, "softmax_lastdim_kernel_impl")
    e = jnp.exp(x - lax.stop_gradient(jnp.max(x, axis=d, keepdims=True)))
    return (e / jnp.sum(e, axis=d, keepdims=True)).astype(src.dtype).reshape(src.shape)


@op()
def log_softmax(input, dim, dtype=None):
    """torch.log_softmax / Tensor.log_softmax."""
    x, d, src = _softmax_input(input, dim, dtype, "log_softmax_lastdim_kernel_impl")
    shifted = x - lax.stop_gradient(jnp.max(x, axis=d, keepdims=True))
    out = shifted - jnp.log(jnp.sum(jnp.exp(shifted), axis=d, keepdims=True))
    return out.astype(src.dtype).reshape(src.shape)


_softmax, _log_softmax = softmax, log_softmax


def _implicit_dim(name: str, ndim: int, stacklevel: int) -> int:
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as "
                  "an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):  # noqa: F811 - F's signature over the op
    """torch.nn.functional.softmax (dim=None picks torch's legacy implicit dim, with its warning)."""
    if dim is None:
        dim = _implicit_dim("softmax", input.dim(), _stacklevel)
    return _softmax(input, dim, dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """torch.nn.functional.softmin."""
    if dim is None:
        dim = _implicit_dim("softmin", input.dim(), _stacklevel)
    return _softmax(-input, dim, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):  # noqa: F811 - F's signature over the op
    """torch.nn.functional.log_softmax."""
    if dim is None:
        dim = _implicit_dim("log_softmax", input.dim(), _stacklevel)
    return _log_softmax(input, dim, dtype)


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    """torch.nn.functional.gumbel_softmax (draws with Tensor.exponential_, as torch)."""
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    gumbels = -torchax.empty_like(logits).exponential_().log()
    gumbels = (logits + gumbels) / tau
    y_soft = _softmax(gumbels, dim)
    if not hard:
        return y_soft
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = torchax.zeros_like(logits).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft


def _torch_selu(input):
    """torch.selu."""
    return selu(input)


def _torch_celu(input, alpha=1.0):
    """torch.celu."""
    return celu(input, alpha)


TOPLEVEL.update(
    relu_=relu_, prelu=prelu, rrelu=_torch_rrelu, rrelu_=_torch_rrelu_, selu=_torch_selu, selu_=selu_,
    celu=_torch_celu, celu_=celu_, hardshrink=hardshrink, threshold=_threshold, threshold_=threshold_,
    softmax=_softmax, log_softmax=_log_softmax,
)
