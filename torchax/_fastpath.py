"""The eager fast path: a keyword-free call of a kind that ran before goes from its arguments straight to its kernel.

`_registry.dispatch` splits every call into tensors, traced scalars and a static spec to find its kernel. Eager
code repeats a few kinds of call, so `run` (`_dispatch.py`) files a kernel that returned one array under the call's
*fast key*, and the next call of that kind skips the split. The key names, per argument, what the split makes of
it (a tensor, a traced Python scalar of a type, a static value of a type), plus the default dtype: one key stands
for one kernel and one way of passing it the call's values. The keys, by number of arguments:
  1: dtype
  2: (dtype, _T) | (dtype, scalar type) | (dtype, static type, value) | (dtype, scalar type, _T)
  3: (dtype, _T, _T) | (dtype, static type, value, static type, value)
  other: (n, dtype, per argument: _T | scalar type | static type, value)

A call qualifies when it has no keywords, its first argument is a Tensor (or a traced scalar followed by a Tensor:
`1 - x`), none of its tensors needs autograd recording, no autocast policy applies, and no profiler has swapped
`_registry.dispatch` (while one has, every call goes through the swapped one, so each is seen). Anything else, and
any error, goes to `_registry.dispatch`, which gives the same result the full way.

The entry points, generated per op (`make_public`: torchax.<op> and Tensor.<op>; `make_binary`/`make_reflected`:
the operator dunders; `make_inplace`: Tensor.<op>_), each hold the fast path inline, and `dispatch` holds it for
its direct callers: on an 8x8 tensor this Python work is all the cost an op has beyond JAX's own dispatch, so a
frame or an attribute lookup shows (benchmarks/op_overhead.py).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax._src.array import ArrayImpl

from torchax import _dtype, _registry, _state

_T, _DYN = _registry._T, _registry._DYN
_DISPATCH = _registry.dispatch  # the registry's own; a profiler swaps in another
_STATIC_KEYS = frozenset({int, bool, str, type(None), float, _registry.Static})
_RERUN = _registry._RERUN  # a kernel's complaint: the full path re-runs it and raises torch's error
_default = _dtype._default  # [the default float dtype]: part of every key
_autocast = _registry._autocast
_local = _state._local
_Array = jax.Array
_new = object.__new__
Tensor: type = None  # bound by torchax._tensor (which imports this module)
_Storage: type = None


def bind(tensor_cls: type, storage_cls: type) -> None:
    global Tensor, _Storage
    Tensor, _Storage = tensor_cls, storage_cls


def wrap(value):
    """A new non-view Tensor holding the JAX array `value` (as `_tensor.wrap`)."""
    st = _new(_Storage)
    st.value = value
    st.version = 0
    t = _new(Tensor)
    t._storage = st
    return t


# A Python scalar operand costs a jitted kernel ~1.5 µs per call to turn into a device array; the fast path passes
# a cached one instead: weak-typed like jit's own conversion, so the kernel traces and computes exactly the same.
# Only where the process has one JAX device (an uncommitted array is then always where the tensor is; with several,
# JAX would copy it to the tensor's device every call). Not for 0.0 (-0.0 == 0.0 as a key) or NaN (never equal).
_SCALAR_ARRAYS: dict = {}  # (type, value) -> jax array
_ONE_DEVICE: list = []  # [whether the process has a single JAX device], filled on first use


def scalar_array(v):
    """A cached device array standing for the Python int or float `v`, or `v` itself where none may stand for it."""
    t = type(v)
    if not (t is float and v and v == v or t is int and -(2 ** 62) <= v < 2 ** 62):
        return v
    if not _ONE_DEVICE:
        _ONE_DEVICE.append(jax.default_backend() == "cpu" and jax.device_count() == 1)
    if not _ONE_DEVICE[0]:
        return v
    with jax.ensure_compile_time_eval():  # (a concrete array even while a compile traces)
        a = jnp.asarray(v)
    if type(a) is not ArrayImpl or not a.weak_type:
        return v
    if len(_SCALAR_ARRAYS) >= 1024:
        _SCALAR_ARRAYS.clear()
    _SCALAR_ARRAYS[(t, v)] = a
    return a


def fast_args(opdef, args: tuple):
    """(fast key, kernel arguments) of a keyword-free call, else (None, None). `dispatch` and the entry points below
    compute the forms of one and two arguments inline; this gives the same keys."""
    n = len(args)
    if not n:
        return None, None
    grad = _local.grad_enabled
    a = args[0]
    if n == 2 and not isinstance(a, Tensor):  # 1 - x
        b = args[1]
        ta = type(a)
        if ta in _DYN and 0 in opdef.dyn_pos and isinstance(b, Tensor) and not (b._requires_grad and grad):
            s = _SCALAR_ARRAYS.get((ta, a))
            return (_default[0], ta, _T), (b._value, scalar_array(a) if s is None else s)
        return None, None
    if not isinstance(a, Tensor) or a._requires_grad and grad:
        return None, None
    # NOTE: `t._storage.value if t._view is None else t._value` is `t._value` without the property's frame
    av = a._storage.value if a._view is None else a._value
    if n == 1:
        return _default[0], (av,)
    if n == 2:
        b = args[1]
        tb = type(b)
        if tb is Tensor or isinstance(b, Tensor):
            if b._requires_grad and grad:
                return None, None
            return (_default[0], _T), (av, b._storage.value if b._view is None else b._value)
        if tb in _DYN and 1 in opdef.dyn_pos:
            s = _SCALAR_ARRAYS.get((tb, b))
            return (_default[0], tb), (av, scalar_array(b) if s is None else s)
        if tb in _STATIC_KEYS:
            return (_default[0], tb, b), (av,)
        return None, None
    if n == 3:
        b, c = args[1], args[2]
        tb, tc = type(b), type(c)
        if (tb is Tensor or isinstance(b, Tensor)) and (tc is Tensor or isinstance(c, Tensor)):  # where(c, x, y)
            if (b._requires_grad or c._requires_grad) and grad:
                return None, None
            return (_default[0], _T, _T), (av, b._storage.value if b._view is None else b._value,
                                           c._storage.value if c._view is None else c._value)
        if tb in _STATIC_KEYS and tc in _STATIC_KEYS and not opdef.dyn_pos:  # softmax(x, dim, None)
            return (_default[0], tb, b, tc, c), (av,)
    key: list = [n, _default[0]]  # (n first: never equal to one of the forms above)
    tvals: list = []
    dvals: list = []
    needs_grad = False
    dyn_pos = opdef.dyn_pos
    for i, a in enumerate(args):
        t = type(a)
        if t is Tensor or isinstance(a, Tensor):
            needs_grad = needs_grad or a._requires_grad
            key.append(_T)
            tvals.append(a._value)
        elif i in dyn_pos and t in _DYN:
            key.append(t)
            dvals.append(a)
        elif t in _STATIC_KEYS:
            key += (t, a)
        else:
            return None, None
    if needs_grad and grad:
        return None, None
    return tuple(key), (*tvals, *dvals)


def make_public(opdef):
    """torchax.<op> / Tensor.<op>: the fast path for one, two or three arguments inline, else `dispatch`."""
    takes_out, exact = opdef.out, opdef.out_exact
    dyn0, dyn1 = 0 in opdef.dyn_pos, 1 in opdef.dyn_pos
    write_out = _registry._write_out

    def fn(*args, **kwargs):
        if kwargs:
            out = kwargs.pop("out", None) if takes_out else None
            result = _registry.dispatch(opdef, args, kwargs)
            return result if out is None else write_out(out, result, exact)
        fast = opdef.fast
        if fast is not None and _registry.dispatch is _DISPATCH and (_autocast[0] is None or opdef.autocast is None):
            n = len(args)
            out = None
            if n == 1:  # exp(x), x.relu(), -x: the hottest calls
                a = args[0]
                if isinstance(a, Tensor) and not (a._requires_grad and _local.grad_enabled):
                    k = fast.get(_default[0])
                    if k is not None:
                        try:
                            out = k(a._storage.value if a._view is None else a._value)
                        except _RERUN:
                            out = None
            elif n == 2:
                a, b = args
                if isinstance(a, Tensor):
                    if not (a._requires_grad and _local.grad_enabled):
                        av = a._storage.value if a._view is None else a._value
                        tb = type(b)
                        if tb is Tensor or isinstance(b, Tensor):
                            if not (b._requires_grad and _local.grad_enabled):
                                k = fast.get((_default[0], _T))
                                if k is not None:
                                    try:
                                        out = k(av, b._storage.value if b._view is None else b._value)
                                    except _RERUN:
                                        out = None
                        elif tb in _DYN and dyn1:
                            k = fast.get((_default[0], tb))
                            if k is not None:
                                s = _SCALAR_ARRAYS.get((tb, b))
                                try:
                                    out = k(av, scalar_array(b) if s is None else s)
                                except _RERUN:
                                    out = None
                        elif tb in _STATIC_KEYS:
                            k = fast.get((_default[0], tb, b))
                            if k is not None:
                                try:
                                    out = k(av)
                                except _RERUN:
                                    out = None
                elif type(a) in _DYN and dyn0 and isinstance(b, Tensor) and not (b._requires_grad
                                                                                 and _local.grad_enabled):
                    k = fast.get((_default[0], type(a), _T))
                    if k is not None:
                        s = _SCALAR_ARRAYS.get((type(a), a))
                        try:
                            out = k(b._storage.value if b._view is None else b._value,
                                    scalar_array(a) if s is None else s)
                        except _RERUN:
                            out = None
            elif n == 3 and isinstance(args[2], Tensor) and isinstance(args[1], Tensor) and isinstance(args[0], Tensor):
                a, b, c = args  # where(condition, x, y)
                if not ((a._requires_grad or b._requires_grad or c._requires_grad) and _local.grad_enabled):
                    k = fast.get((_default[0], _T, _T))
                    if k is not None:
                        try:
                            out = k(a._storage.value if a._view is None else a._value,
                                    b._storage.value if b._view is None else b._value,
                                    c._storage.value if c._view is None else c._value)
                        except _RERUN:
                            out = None
            else:
                key, vals = fast_args(opdef, args)
                if vals is not None:
                    k = fast.get(key)
                    if k is not None:
                        try:
                            out = k(*vals)
                        except _RERUN:
                            out = None
            if type(out) is ArrayImpl or out is not None and isinstance(out, _Array):  # (else: several outputs)
                st = _new(_Storage)
                st.value = out
                st.version = 0
                t = _new(Tensor)
                t._storage = st
                return t
        return _registry.dispatch(opdef, args, kwargs)

    fn.__name__ = fn.__qualname__ = opdef.name
    fn.__doc__ = opdef.impl.__doc__
    fn.__wrapped__ = opdef.impl
    fn._opdef = opdef
    return fn


def make_binary(opdef, slow, no_bool: bool = False):
    """A binary dunder (`x + y`) running `opdef`'s kernel on (self, other), else `slow(self, other)`.

    `no_bool`: only where no operand is a bool tensor or a Python bool (sub: its `slow` composite raises torch's
    error for those, and the `_sub` kernel's key does not tell them apart)."""
    dyn1 = 1 in opdef.dyn_pos

    def method(self, other):
        fast = opdef.fast
        if (fast is not None and _registry.dispatch is _DISPATCH and (_autocast[0] is None or opdef.autocast is None)
                and not (self._requires_grad and _local.grad_enabled)):
            to = type(other)
            out = None
            if to is Tensor or isinstance(other, Tensor):
                if not (other._requires_grad and _local.grad_enabled):
                    k = fast.get((_default[0], _T))
                    if k is not None:
                        a = self._storage.value if self._view is None else self._value
                        b = other._storage.value if other._view is None else other._value
                        if not no_bool or a.aval.dtype.kind != "b" and b.aval.dtype.kind != "b":
                            try:
                                out = k(a, b)
                            except _RERUN:
                                out = None
            elif to in _DYN and dyn1 and not (no_bool and to is bool):
                k = fast.get((_default[0], to))
                if k is not None:
                    a = self._storage.value if self._view is None else self._value
                    if not no_bool or a.aval.dtype.kind != "b":
                        s = _SCALAR_ARRAYS.get((to, other))
                        try:
                            out = k(a, scalar_array(other) if s is None else s)
                        except _RERUN:
                            out = None
            if type(out) is ArrayImpl or out is not None and isinstance(out, _Array):
                st = _new(_Storage)
                st.value = out
                st.version = 0
                t = _new(Tensor)
                t._storage = st
                return t
        return slow(self, other)

    return method


def make_reflected(opdef, slow, no_bool: bool = False):
    """A reflected dunder (`1 - x`: other is a Python scalar) running `opdef`'s kernel, else `slow(self, other)`."""
    if 0 not in opdef.dyn_pos:
        return slow

    def method(self, other):
        fast = opdef.fast
        to = type(other)
        if (fast is not None and to in _DYN and _registry.dispatch is _DISPATCH
                and (_autocast[0] is None or opdef.autocast is None)
                and not (self._requires_grad and _local.grad_enabled) and not (no_bool and to is bool)):
            k = fast.get((_default[0], to, _T))
            if k is not None:
                a = self._storage.value if self._view is None else self._value
                if not no_bool or a.aval.dtype.kind != "b":
                    s = _SCALAR_ARRAYS.get((to, other))
                    try:
                        out = k(a, scalar_array(other) if s is None else s)
                    except _RERUN:
                        out = None
                    if type(out) is ArrayImpl or out is not None and isinstance(out, _Array):
                        return wrap(out)
        return slow(self, other)

    return method


def make_inplace(opdef, slow):
    """Tensor.<op>_(other): the kernel's result written into a non-view tensor's storage, else `slow`.

    What `Tensor._inplace` does in that case: the result must have the tensor's shape and dtype (else `slow` casts
    or raises torch's error), nothing needs recording (no tensor requires grad, or grad mode is off), and a non-view
    tensor has no aliases to check."""

    def method(self, *args, **kwargs):
        fast = opdef.fast
        if (fast is not None and not kwargs and len(args) == 1 and self._view is None
                and _registry.dispatch is _DISPATCH and (_autocast[0] is None or opdef.autocast is None)):
            other = args[0]
            key, vals = fast_args(opdef, (self, other))
            if vals is not None:
                k = fast.get(key)
                if k is not None:
                    try:
                        out = k(*vals)
                    except _RERUN:
                        out = None
                    if type(out) is ArrayImpl or out is not None and isinstance(out, _Array):
                        st = self._storage
                        new, old = out.aval, st.value.aval
                        if new.shape == old.shape and new.dtype == old.dtype:
                            st.value = out
                            st.version += 1
                            return self
        return slow(self, *args, **kwargs)

    return method
