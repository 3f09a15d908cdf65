"""The dispatcher's Tensor side: running a kernel, wrapping its outputs, views, and in-place autograd.

`_registry.dispatch` splits arguments and finds the kernel; `run` (installed as its hook) decides
between the plain kernel and the autograd recording, and wraps JAX outputs as Tensors — as views
of the input's storage for view ops.
"""

from __future__ import annotations

import jax
from jax._src.array import ArrayImpl

from torchax import _registry, _state, _views
from torchax._tensor import Tensor, _new, wrap


def rebase(t: Tensor, result: Tensor, base, old_base) -> None:
    """Autograd after an in-place op: `t` now carries `result`'s history (through its base if a view)."""
    from torchax.autograd import _graph

    if base is None:
        t.grad_fn, t._out_idx, t._requires_grad = result.grad_fn, result._out_idx, result._requires_grad
        return
    chain = t._view
    new_base, _ = _graph.custom("torch::autograd::CopySlices", _views.scatter_fn(chain), [base, result],
                                values=[old_base, result._value.astype(old_base.dtype)])
    base.grad_fn, base._out_idx, base._requires_grad = new_base.grad_fn, 0, True
    t._requires_grad = True
    _graph.view_grad_fn(t)  # AsStridedBackward0 of the base


def _view_of(src: Tensor, key, dyn, index, value) -> Tensor:
    t = _new(Tensor, src._storage, (src._view or ()) + ((key, dyn, index),))
    t._cache, t._cache_v = value, src._storage.version
    t._base = src if src._base is None else src._base
    return t


def run(opdef, kernel, key, tensors, tvals, dyn, fkey=None):
    """Run a kernel and wrap its outputs (views alias their input's storage); record it for autograd.

    `fkey`: the call's fast-path key (see `_fastpath.py`); a plain one-array result files the kernel under it."""
    if opdef.differentiable and _state._local.grad_enabled:
        for t in tensors:
            if t._requires_grad:
                from torchax.autograd import _graph

                return _graph.record(opdef, key, tensors, tvals, dyn,
                                     lambda out: _wrap_outputs(opdef, key, tensors, dyn, out))
    out = kernel(*tvals, *dyn)
    if type(out) is ArrayImpl or isinstance(out, jax.Array):
        if opdef.view:
            return _view_of(tensors[0], key, dyn, None, out)
        if fkey is not None and opdef.fast is not None:
            opdef.fast[fkey] = kernel
        return wrap(out)
    if fkey is not None:
        opdef.fast = None  # an op with several outputs (or a view) takes the full path every time
    return _wrap_outputs(opdef, key, tensors, dyn, out)


def _wrap_any(v):
    return wrap(v) if isinstance(v, jax.Array) else v


def _wrap_outputs(opdef, key, tensors, dyn, out):
    if opdef.view:
        src = tensors[0]
        if isinstance(out, (tuple, list)):
            return tuple(_view_of(src, key, dyn, i, o) for i, o in enumerate(out))
        return _view_of(src, key, dyn, None, out)
    if isinstance(out, (tuple, list)):
        out = tuple(_wrap_any(o) for o in out)
        return opdef.result(*out) if opdef.result else out
    return _wrap_any(out)


_registry._hooks["run"] = run
