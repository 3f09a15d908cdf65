"""One jitted update for all parameters of all groups, and torch's CPU arithmetic for writing those updates.

An algorithm subclasses `_FusedOptimizer` and gives:
  _hparams(group)   -> {name: float or Tensor}: hyper-parameters, traced (a scheduler's new lr never recompiles)
  _static(group)    -> hashable: the flags torch branches on in Python (maximize, amsgrad, weight_decay != 0 ...)
  _init_state(p, group) -> dict: the lazily created per-parameter state, in torch's key order
  _scalar_state, _scalars(cfg, hp, sc) -> (new 0-dim state, coefficients): the per-parameter scalar math
      torch does on the host (step counts, bias corrections), vectorised over all parameters of a group
  _update(cfg, hp, c, p, g, state) -> (new_p, {name: new array}): a pure function of one parameter's arrays
      and its coefficients `c`
`step()` gathers every parameter with a gradient, calls one cached `jax.jit` over all of them, and writes the
results back into the same Tensor objects (params and state), so aliases, state_dict and autograd's version
counters see the change. Parameter and state buffers that nothing else references are donated to the call
(updated in place, as torch does; 2-3x faster on large models). With differentiable=True the same update runs
as an autograd Function and is copied in with recorded in-place copies.

The helpers below mirror torch's CPU kernels: a Python scalar is cast to the op-math dtype of the tensor
(float32 for float32/bfloat16/float16, float64 for float64), each op computes in op-math and rounds to the
storage dtype, and multi-operand ops keep torch's evaluation order (addcdiv is self + value * t1 / t2).
Host-side Python float arithmetic in torch (bias corrections, step sizes) is done here in float64.
"""

from __future__ import annotations

import sys

import jax
import jax.numpy as jnp
import numpy as np

from torchax._tensor import Tensor, wrap
from torchax.autograd import Function, enable_grad
from torchax.optim.optimizer import Optimizer

f64 = jnp.float64


def opmath(dtype):
    """torch's op-math dtype: reduced floats compute in float32."""
    return jnp.float32 if dtype in (jnp.bfloat16, jnp.float16) else dtype


def scalar(s, like):
    """A host scalar as torch passes it into a kernel on `like` (cast to op-math)."""
    return jnp.asarray(s).astype(opmath(like.dtype))


def _om(x):
    return x.astype(opmath(x.dtype))


def add(a, b, alpha=None):
    """a.add(b, alpha=alpha) for tensors a, b and a host-scalar alpha."""
    out = _om(a) + (_om(b) if alpha is None else scalar(alpha, a) * _om(b))
    return out.astype(a.dtype)


def sub(a, b):
    """a.sub(b) for tensors."""
    return (_om(a) - _om(b)).astype(a.dtype)


def mul(a, b):
    """a.mul(b) for tensors."""
    return (_om(a) * _om(b)).astype(a.dtype)


def div(a, b):
    """a.div(b) for tensors."""
    return (_om(a) / _om(b)).astype(a.dtype)


def muls(a, s):
    """a.mul(s) for a host scalar s."""
    return (_om(a) * scalar(s, a)).astype(a.dtype)


def divs(a, s):
    """a.div(s) for a host scalar s."""
    return (_om(a) / scalar(s, a)).astype(a.dtype)


def rdivs(s, a):
    """s / a for a host scalar s."""
    return (scalar(s, a) / _om(a)).astype(a.dtype)


def adds(a, s):
    """a.add(s) for a host scalar s."""
    return (_om(a) + scalar(s, a)).astype(a.dtype)


def sqrt(a):
    return jnp.sqrt(_om(a)).astype(a.dtype)


def addcmul(a, t1, t2, value=1.0):
    """a.addcmul(t1, t2, value=value): a + value * t1 * t2."""
    return (_om(a) + scalar(value, a) * _om(t1) * _om(t2)).astype(a.dtype)


def addcdiv(a, t1, t2, value=1.0):
    """a.addcdiv(t1, t2, value=value): a + value * t1 / t2."""
    return (_om(a) + scalar(value, a) * _om(t1) / _om(t2)).astype(a.dtype)


def lerp(a, b, w):
    """a.lerp(b, w) with a host-scalar weight, torch's two-sided formula."""
    w = scalar(w, a)
    sa, sb = _om(a), _om(b)
    diff = sb - sa
    return jnp.where(jnp.abs(w) < 0.5, sa + w * diff, sb - diff * (1 - w)).astype(a.dtype)


def scalar_dtype():
    """torch's `_get_scalar_dtype()`: float64 under a float64 default dtype, else float32 (the `step` dtype)."""
    from torchax import _dtype

    return jnp.float64 if _dtype.get_default_dtype() is _dtype.float64 else jnp.float32


def placed(value, like) -> Tensor:
    """A state tensor holding `value`, placed like the array of `like`.

    NOTE: the first step's arguments must match later steps' (which are jit outputs, committed to a device):
    a jitted function compiles again when an argument changes from uncommitted to committed.
    """
    sharding = getattr(like._value, "sharding", None)
    return wrap(value if sharding is None else jax.device_put(value, sharding))


def new_scalar(value, like) -> Tensor:
    """A 0-dim state tensor of the scalar dtype (`step`, `mu_product`, `eta`, `mu`)."""
    return placed(jnp.asarray(value, scalar_dtype()), like)


def zeros_like(p) -> Tensor:
    return wrap(jnp.zeros_like(p._value))


def full_like(p, value) -> Tensor:
    return wrap(jnp.full_like(p._value, value))


def step_value(state):
    """The float32 `step` state tensor, incremented, and its value as a host float (torch's `_get_value`)."""
    step = state["step"] + 1
    return step, step.astype(f64)


# --- the runner ---------------------------------------------------------------------------------------


def _to_real(x):
    return jnp.stack([x.real, x.imag], axis=-1)


def _to_complex(x, dtype):
    return jax.lax.complex(x[..., 0], x[..., 1]).astype(dtype)


def _one(update, cfg, hp, c, p, g, state):
    """One parameter's update; complex parameters are updated as their real view, like torch."""
    if not jnp.iscomplexobj(p):
        return update(cfg, hp, c, p, g, state)
    cplx = {k for k, v in state.items() if jnp.iscomplexobj(v)}
    real_state = {k: (_to_real(v) if k in cplx else v) for k, v in state.items()}
    real_p = _to_real(p)
    new_p, new_state = update(cfg, hp, c, real_p, _to_real(g), real_state)
    # state created in this update (SGD's first momentum buffer) is complex when shaped like the parameter
    back = cplx | {k for k, v in new_state.items() if k not in state and v.shape == real_p.shape}
    new_state = {k: (_to_complex(v, p.dtype if k not in state else state[k].dtype) if k in back else v)
                 for k, v in new_state.items()}
    return _to_complex(new_p, p.dtype), new_state


def _leaf(v):
    """A hyper-parameter or host-number state entry as a jit argument: a Tensor's array, else a Python float."""
    if isinstance(v, Tensor):
        return v._value
    return float(v)


def _kernel(cls, structure, donate: bool):
    """The jitted update of every parameter for one `structure` (cached): flat lists of arrays in and out.

    structure: per group (static config, hyper-parameter names, per parameter the names of its state
    arrays and of its host-number state). Parameters and state arrays are donated when `donate` (their
    buffers are reused for the results, as torch updates in place).
    """
    key = (cls, structure, donate)
    fn = _KERNELS.get(key)
    if fn is not None:
        return fn
    out_keys: list = []

    def run(p_vals, s_vals, g_vals, x_vals, hp_vals):
        new_p, new_s = [], []
        ip = is_ = ix = ih = 0
        out_keys.clear()
        for cfg, hp_names, per_param in structure:
            hp = {k: jnp.asarray(v).astype(f64) for k, v in zip(hp_names, hp_vals[ih:ih + len(hp_names)])}
            ih += len(hp_names)
            states = []
            for tensor_keys, number_keys in per_param:
                state = dict(zip(tensor_keys, s_vals[is_:is_ + len(tensor_keys)]))
                state.update(zip(number_keys, x_vals[ix:ix + len(number_keys)]))
                states.append(state)
                is_, ix = is_ + len(tensor_keys), ix + len(number_keys)
            scalars, coeffs = _group_scalars(cls, cfg, hp, states)
            for i, state in enumerate(states):
                p, g = p_vals[ip], g_vals[ip]
                ip += 1
                c = {k: v[i] for k, v in coeffs.items()}
                arrays = {k: v for k, v in state.items() if k not in scalars}
                out_p, out_s = _one(cls._update, cfg, hp, c, p, g, arrays)
                out_s = {**{k: v[i] for k, v in scalars.items()}, **out_s}
                new_p.append(out_p.astype(p.dtype))
                out_keys.append(tuple(out_s))
                tensor_keys = per_param[i][0]
                new_s.extend(v.astype(state[k].dtype) if k in tensor_keys else v for k, v in out_s.items())
        return new_p, new_s

    jitted = jax.jit(run, donate_argnums=(0, 1) if donate else ())
    fn = _KERNELS[key] = (jitted, out_keys)
    return fn


def _group_scalars(cls, cfg, hp, states):
    """`cls._scalars` over the stacked 0-dim state of every parameter of a group (one vector op, not N)."""
    names = cls._scalar_state
    if not names or not states:
        return {}, {}
    stacked = {k: jnp.stack([jnp.asarray(st[k]) for st in states]) for k in names}
    return jax.vmap(lambda sc: cls._scalars(cfg, hp, sc))(stacked)


_KERNELS: dict = {}


def _max_refs(values) -> int:
    """The largest reference count among `values` (to tell arrays that only their Tensor holds)."""
    most = 0
    for v in values:
        most = max(most, sys.getrefcount(v))
    return most


def _calibrate() -> int:
    t = wrap(np.zeros(()))  # (numpy: importing torchax must not start a JAX backend, so workers can fork from it)
    return _max_refs([t._value])


# NOTE: an array referenced only by its Tensor's storage (and the argument list) can be donated; one that is
# also held elsewhere (a deepcopy, autograd's saved values, the user) must survive the step
_OWNED_REFS = _calibrate()


class _FusedOptimizer(Optimizer):
    """An Optimizer whose step is one jitted call of the per-parameter `_update` over all groups."""

    def _hparams(self, group) -> dict:
        raise NotImplementedError

    def _static(self, group):
        return None

    def _init_state(self, p, group) -> dict:
        return {}

    def _has_state(self, group) -> bool:
        """Whether this group's parameters keep state (torch's SGD without momentum never touches it)."""
        return True

    def _check_param(self, p, group) -> None:
        """Per-parameter validation before the update (sparse/complex support errors)."""

    _scalar_state: tuple = ()

    @staticmethod
    def _scalars(cfg, hp, sc):
        """(new values of the `_scalar_state` entries, coefficients) from one parameter's 0-dim state."""
        return {}, {}

    @staticmethod
    def _update(cfg, hp, c, p, g, state):
        raise NotImplementedError

    # what torch's capturable check names, and whether it lists xla among the supported devices
    _capturable_names = "params and state_steps"
    _capturable_xla = True

    def _gather(self, group):
        """Parameters with a gradient and their state (created on first use)."""
        params = []
        for p in group["params"]:
            if p.grad is None:
                continue
            self._check_param(p, group)
            params.append(p)
            if self._has_state(group):
                state = self.state[p]
                if len(state) == 0:
                    state.update(self._init_state(p, group))
        if group.get("capturable") and params:
            self._check_capturable(params)
        return params

    def _check_capturable(self, params) -> None:
        """torch's capturable=True runs only on accelerators (its check raises on CPU tensors)."""
        devices = ["cuda", "xpu", "hpu", "privateuseone"] + (["xla"] if self._capturable_xla else [])
        if any(p.device.type not in devices for p in params):
            raise AssertionError(f"If capturable=True, {self._capturable_names} must be on supported devices: "
                                 f"{devices}.")

    def step(self, closure=None):
        """Optimizer.step: every parameter of every group in one jitted update; returns closure()'s loss."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        self._fused_step()
        return loss

    def _fused_step(self) -> None:
        structure, owners = [], []
        p_vals, s_vals, g_vals, x_vals, hp_vals = [], [], [], [], []
        views = False
        for group in self.param_groups:
            ps = self._gather(group)
            if not ps:
                continue
            hp = self._hparams(group)
            hp_vals.extend(_leaf(v) for v in hp.values())
            keep = self._has_state(group)
            per_param = []
            for p in ps:
                views = views or p._view is not None
                p_vals.append(p._value)
                g_vals.append(p.grad._value)
                state = self.state[p] if keep else {}
                tensor_keys, number_keys = [], []
                for k, v in state.items():
                    if isinstance(v, Tensor):
                        tensor_keys.append(k)
                        s_vals.append(v._value)
                        views = views or v._view is not None
                    else:
                        number_keys.append(k)
                        x_vals.append(float(v))
                per_param.append((tuple(tensor_keys), tuple(number_keys)))
            structure.append((self._static(group), tuple(hp), tuple(per_param)))
            owners.append(ps)
        if not owners:
            return
        if any(g.get("differentiable") for g in self.param_groups):
            new_p, new_s, out_keys = self._differentiable_update(structure, owners, x_vals, hp_vals)
            write = _copy_into
        else:
            donate = (not views and not isinstance(p_vals[0], jax.core.Tracer)
                      and _max_refs(p_vals) <= _OWNED_REFS and _max_refs(s_vals) <= _OWNED_REFS)
            jitted, out_keys = _kernel(type(self), tuple(structure), donate)
            new_p, new_s = jitted(p_vals, s_vals, g_vals, x_vals, hp_vals)
            write = Tensor._write
        i = j = 0
        for ps in owners:
            for p in ps:
                write(p, new_p[i])
                keys = out_keys[i]
                i += 1
                if not keys:
                    continue
                state = self.state[p]
                for k in keys:
                    t = state.get(k)
                    if isinstance(t, Tensor):
                        write(t, new_s[j])
                    else:
                        state[k] = new_s[j] if isinstance(new_s[j], Tensor) else wrap(new_s[j])
                    j += 1

    def _differentiable_update(self, structure, owners, x_vals, hp_vals):
        """differentiable=True: the same update as one autograd Function of params, grads and state.

        The results are copied into the parameters with recorded in-place copies, so a graph through the
        step (meta-learning with non-leaf parameters) gets the update's gradients, as in torch.
        """
        jitted, out_keys = _kernel(type(self), tuple(structure), False)
        params = [p for ps in owners for p in ps]
        keep = [self._has_state(g) for g in self.param_groups if any(p.grad is not None for p in g["params"])]
        states = [v for ps, k in zip(owners, keep) if k for p in ps for v in self.state[p].values()
                  if isinstance(v, Tensor)]
        grads = [p.grad for p in params]
        outs = _Update.apply(lambda p, s, g: jitted(p, s, g, x_vals, hp_vals), len(params), len(states), *params,
                             *states, *grads)
        return outs[:len(params)], outs[len(params):], out_keys


def _copy_into(t, value) -> None:
    with enable_grad():
        t.copy_(value)


class _Update(Function):
    """The optimizer update as one autograd Function; backward is the VJP of the jitted update."""

    @staticmethod
    def forward(ctx, fn, n_params, n_states, *tensors):
        arrays = [t._value for t in tensors]
        ps, ss, gs = arrays[:n_params], arrays[n_params:n_params + n_states], arrays[n_params + n_states:]
        (new_p, new_s), ctx.vjp = jax.vjp(fn, ps, ss, gs)
        ctx.sizes = (len(new_p), len(new_s))
        return tuple(wrap(a) for a in (*new_p, *new_s))

    @staticmethod
    def backward(ctx, *grads):
        n_p, n_s = ctx.sizes
        cts = [g._value for g in grads]
        dp, ds, dg = ctx.vjp((cts[:n_p], cts[n_p:n_p + n_s]))
        return (None, None, None, *(wrap(x) for x in (*dp, *ds, *dg)))
