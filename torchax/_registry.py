"""The op registry: each op is declared once as a pure JAX function; everything else is generated.

`@op(...)` turns `impl(*arrays_and_python_values) -> array(s)` into the torch-level function. The
dispatcher is the only code that knows about Tensors, type promotion, views and the tape:

* arguments are split into tensors, *dynamic* Python scalars (operands, index starts) and a static
  hashable spec; one `jax.jit` kernel is cached per (op, spec), so a new scalar value or a new index
  never recompiles, and jit's own cache handles shapes and dtypes;
* torch's type promotion runs inside the kernel at trace time (it only needs dtypes and ranks), so it
  costs nothing per call;
* a view op records the step (kernel, dynamic args) that derives its result from its input, so the
  result aliases the input's storage (see `_tensor.py`).
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax._src.array import ArrayImpl

from torchax import _dtype, _state

_SCALARS = (int, float, complex, np.number, np.bool_)


@dataclass(eq=False)
class OpDef:
    name: str
    impl: Callable[..., Any]
    method: bool = True  # install as Tensor.<name>
    inplace: bool = False  # install Tensor.<name>_
    promote: tuple = ()  # parameter names that take part in torch type promotion
    to_float: bool = False  # integer/bool promotion results compute in the default float dtype
    dynamic: tuple = ()  # parameter names whose Python scalars are traced, not static
    view: bool = False  # the (single) result aliases the first argument
    jit: bool = True  # False: data-dependent output shapes, run on concrete arrays
    differentiable: bool = True
    out: bool = True  # accepts out=
    out_exact: bool = False  # out= must already have the result's dtype (matmul family), no casting
    result: Any = None  # a structseq class for named multi-output results (max(dim) -> values, indices)
    grad_name: str | None = None  # torch's grad_fn name when it is not <Name>Backward0
    autocast: str | None = None  # torch's autocast policy for this op ("lower", "fp32", "promote"), set by torchax.amp
    fn: Callable[..., Any] = field(init=False, repr=False)
    params: tuple = field(init=False, repr=False)
    dyn_pos: frozenset = field(init=False, repr=False)
    dyn_names: frozenset = field(init=False, repr=False)
    positional: tuple = field(init=False, repr=False)  # names that may be given by position
    required: tuple = field(init=False, repr=False)  # names without a default
    none_defaults: frozenset = field(init=False, repr=False)  # keywords whose default is None (dropped if None)
    # fast-path key (see `fast_args`) -> kernel, for keyword-free calls that return one array; None: never
    fast: dict | None = field(init=False, repr=False, default_factory=dict)


OPS: dict[str, OpDef] = {}
_KERNELS: dict = {}  # key -> jitted kernel
RAW: dict = {}  # key -> the kernel's un-jitted function (autograd takes its VJP)
_T = object()  # marks a tensor slot in a spec


def op(name: str | None = None, **flags) -> Callable[[Callable], Callable]:
    """Register a pure-JAX implementation and return the torch-level function."""

    def register(impl):
        opdef = OpDef(name or impl.__name__.rstrip("_"), impl, **flags)
        if opdef.name in OPS:
            raise ValueError(f"op {opdef.name!r} is registered twice")
        sig = inspect.signature(impl).parameters
        opdef.params = tuple(sig)
        opdef.positional = tuple(n for n, p in sig.items() if p.kind is p.POSITIONAL_OR_KEYWORD)
        opdef.required = tuple(n for n, p in sig.items() if p.default is p.empty and p.kind is not p.VAR_POSITIONAL)
        opdef.none_defaults = frozenset(n for n, p in sig.items() if p.default is None)
        dyn = set(opdef.promote) | set(opdef.dynamic)
        opdef.dyn_pos = frozenset(i for i, p in enumerate(opdef.params) if p in dyn)
        opdef.dyn_names = frozenset(dyn)
        if opdef.view:
            opdef.fast = None  # a view's result is filed with its input's storage, never by the fast path
        opdef.fn = _fastpath.make_public(opdef)  # the fast path inline, else `dispatch`
        OPS[opdef.name] = opdef
        return opdef.fn

    return register


# --- splitting arguments ------------------------------------------------------------------------


class Static(tuple):
    """A tuple argument known to hold no tensors: used as its own static spec, never walked per call."""

    __slots__ = ()


_FLOAT, _BOOL = object(), object()  # tags: 1, 1.0 and True are equal as keys, but not as arguments


def _static(a):
    """A hashable stand-in for a static argument."""
    if type(a) is Static or type(a) is int:
        return a
    if type(a) is float:
        return (_FLOAT, a)
    if type(a) is bool:
        return (_BOOL, a)
    if isinstance(a, slice):
        return (slice, a.start, a.stop, a.step)
    if isinstance(a, list):
        return (list, *map(_static, a))
    if isinstance(a, tuple) and type(a) is not tuple:  # torch.Size and other tuple subclasses
        return tuple(map(_static, a))
    if isinstance(a, (np.integer, np.floating, np.bool_)):
        return a.item()
    if isinstance(a, np.ndarray):
        return (np.ndarray, a.dtype.str, a.shape, a.tobytes())
    return a


def _unstatic(s):
    if isinstance(s, tuple) and s:
        if s[0] is _FLOAT or s[0] is _BOOL:
            return s[1]
        if s[0] is slice:
            return slice(*s[1:])
        if s[0] is list:
            return [_unstatic(x) for x in s[1:]]
        if s[0] is np.ndarray:
            return np.frombuffer(s[3], dtype=s[1]).reshape(s[2])
        return tuple(_unstatic(x) for x in s)
    return s


class _Dyn:
    """Spec entry for a traced Python scalar; remembers its Python type for promotion."""

    __slots__ = ("kind",)

    def __init__(self, kind):
        self.kind = kind

    def __eq__(self, other):
        return type(other) is _Dyn and other.kind is self.kind

    def __hash__(self):
        return hash(self.kind)


_DYN = {t: _Dyn(t) for t in (bool, int, float, complex)}


def _split(a, dynamic: bool, tensors: list, dyn: list, Tensor):
    if type(a) is Static:
        return a
    if isinstance(a, Tensor):
        tensors.append(a)
        return _T
    if type(a) in (list, tuple):
        return (type(a), *(_split(x, dynamic, tensors, dyn, Tensor) for x in a))
    if dynamic:
        if isinstance(a, _SCALARS) and not isinstance(a, np.ndarray):
            if isinstance(a, (np.number, np.bool_)):
                a = a.item()
            dyn.append(a)
            return _DYN[type(a)]
        if a is not None:  # an operand must be a Tensor or a number (torch refuses ndarrays, strings...)
            raise TorchTypeError(f"expected Tensor or Number as an operand, but got {type(a).__name__}")
    return _static(a)


def _fill(spec, tvals, dvals):
    if spec is _T:
        return next(tvals)
    if type(spec) is _Dyn:
        return next(dvals)
    if type(spec) is tuple and spec and spec[0] in (list, tuple):
        return spec[0](_fill(s, tvals, dvals) for s in spec[1:])
    return _unstatic(spec)


def fill_args(arg_spec, kw_spec, tvals, dvals):
    """Rebuild (args, kwargs) from a spec and the tensor values and dynamic scalars it stands for."""
    tvals, dvals = iter(tvals), iter(dvals)
    args = [_fill(s, tvals, dvals) for s in arg_spec]
    return args, {k: _fill(s, tvals, dvals) for k, s in kw_spec}


# --- the kernel: promotion + impl, traced once per spec ------------------------------------------


def _promote(opdef, bound: dict, specs: dict):
    """Cast the promoted operands in `bound` to torch's result type (runs at trace time)."""
    tensors, scalars = [], []
    for p in opdef.promote:
        v, s = bound.get(p), specs.get(p)
        if v is None:
            continue
        if type(s) is _Dyn:  # scalars in promoted positions are always traced
            scalars.append(s.kind(0))
        elif isinstance(v, (list, tuple)):
            tensors.extend((_dtype.from_jax(x.dtype), x.ndim) for x in v)
        else:
            tensors.append((_dtype.from_jax(v.dtype), v.ndim))
    if len(tensors) > 1:
        broadcast_shapes(*(bound[p].shape for p in opdef.promote if hasattr(bound.get(p), "shape")))
    rt = _dtype.result_type(tensors, scalars)
    if opdef.to_float and not (rt.is_floating_point or rt.is_complex):
        rt = _dtype.get_default_dtype()
    jt = _dtype.JNP[rt]
    for p in opdef.promote:  # NOTE: values already of the result dtype stay the same tracer (saved-tensor checks)
        v = bound.get(p)
        if isinstance(v, (list, tuple)):
            bound[p] = type(v)(_cast(x, jt) for x in v)
        elif v is not None:
            bound[p] = _cast(v, jt) if hasattr(v, "shape") else jnp.asarray(v, jt)


def _cast(x, jt):
    if x.dtype == jt:
        return x
    if x.dtype == jnp.bool_:  # NOTE: via uint8, else XLA may turn float(mask) * y into select(mask, y, 0)
        x = x.astype(jnp.uint8)
    return x.astype(jt)


def _build_kernel(opdef: OpDef, arg_spec: tuple, kw_spec: tuple):
    params = opdef.params
    impl = opdef.impl

    def pure(tvals, dvals):
        args, kwargs = fill_args(arg_spec, kw_spec, tvals, dvals)
        if opdef.promote:
            bound = dict(zip(params, args))
            specs = dict(zip(params, arg_spec))
            bound.update(kwargs)
            specs.update(kw_spec)
            _promote(opdef, bound, specs)
            args = [bound[p] for p in params[: len(args)]]
            kwargs = {k: bound[k] for k in kwargs}
        return impl(*args, **kwargs)

    return pure


def kernel(opdef: OpDef, arg_spec: tuple, kw_spec: tuple):
    key = (opdef, arg_spec, kw_spec, _dtype._default[0])
    k = _KERNELS.get(key)
    if k is None:
        pure = RAW[key] = _build_kernel(opdef, arg_spec, kw_spec)
        n = _count_tensors(arg_spec) + _count_tensors([s for _, s in kw_spec])

        def flat(*vals):  # NOTE: flat positional arrays make the jit call ~1 µs cheaper than two lists
            return pure(vals[:n], vals[n:])

        k = _KERNELS[key] = jax.jit(flat) if opdef.jit else flat
    return k, key


def _count_tensors(entries) -> int:
    """How many tensor slots a spec holds (lists and tuples of arguments are `(type, *entries)`)."""
    n = 0
    for e in entries:
        if e is _T:
            n += 1
        elif type(e) is tuple and e and e[0] in (list, tuple):
            n += _count_tensors(e[1:])
    return n


# --- dispatch -----------------------------------------------------------------------------------

_hooks: dict[str, Callable] = {}  # "run": installed by _dispatch
# torchax.amp sets this to its argument-casting function while any thread has an autocast region open
_autocast: list = [None]
Tensor: type = None  # set by torchax._tensor (the registry knows Tensors only as a type to recognise)
wrap: Callable = None  # set by torchax._tensor: a new Tensor around a JAX array


_default = _dtype._default  # [the default float dtype]
_new = object.__new__
_RERUN = (TypeError, ValueError, IndexError)  # a kernel's complaint on the fast path: the full path re-runs it


def dispatch(opdef: OpDef, args: tuple, kwargs: dict):
    """Split the arguments, find (or build) the kernel and run it. This is the eager hot path."""
    if _autocast[0] is not None and opdef.autocast is not None:
        args, kwargs = _autocast[0](opdef, args, kwargs)
    fkey = out = None
    fast = opdef.fast
    if fast is not None and not kwargs:  # a keyword-free call of a kind that ran before (see _fastpath.py)
        n = len(args)
        if n == 1:  # x.sum(): inline, as x.sum(0) below (the other forms: `fast_args`)
            a = args[0]
            if isinstance(a, Tensor) and not (a._requires_grad and _state._local.grad_enabled):
                fkey = _default[0]
                k = fast.get(fkey)
                if k is not None:
                    try:  # (an error here re-runs below, where it becomes torch's)
                        out = k(a._storage.value if a._view is None else a._value)  # (a._value, minus a frame)
                    except _RERUN:
                        pass
        elif n == 2 and isinstance(args[0], Tensor):
            a, b = args
            if not (a._requires_grad and _state._local.grad_enabled):
                tb = type(b)
                if tb is Tensor or isinstance(b, Tensor):
                    if not (b._requires_grad and _state._local.grad_enabled):
                        fkey = (_default[0], _T)
                        k = fast.get(fkey)
                        if k is not None:
                            try:
                                out = k(a._storage.value if a._view is None else a._value,
                                        b._storage.value if b._view is None else b._value)
                            except _RERUN:
                                pass
                elif tb in _DYN and 1 in opdef.dyn_pos:
                    fkey = (_default[0], tb)
                    k = fast.get(fkey)
                    if k is not None:
                        s = _fastpath._SCALAR_ARRAYS.get((tb, b))
                        try:
                            out = k(a._storage.value if a._view is None else a._value,
                                    _fastpath.scalar_array(b) if s is None else s)
                        except _RERUN:
                            pass
                elif tb in _fastpath._STATIC_KEYS:
                    fkey = (_default[0], tb, b)
                    k = fast.get(fkey)
                    if k is not None:
                        try:
                            out = k(a._storage.value if a._view is None else a._value)
                        except _RERUN:
                            pass
        else:
            fkey, vals = _fastpath.fast_args(opdef, args)
            if vals is not None:
                k = fast.get(fkey)
                if k is not None:
                    try:
                        out = k(*vals)
                    except _RERUN:
                        pass
        if type(out) is ArrayImpl or out is not None and isinstance(out, jax.Array):  # (else: several outputs)
            st = _new(_fastpath._Storage)  # (wrap(out), minus a frame)
            st.value = out
            st.version = 0
            t = _new(Tensor)
            t._storage = st
            return t
    tensors: list = []
    dyn: list = []
    spec: list = []
    dyn_pos = opdef.dyn_pos
    for i, a in enumerate(args):
        if isinstance(a, Tensor):
            tensors.append(a)
            spec.append(_T)
        elif i in dyn_pos and type(a) in _DYN:
            dyn.append(a)
            spec.append(_DYN[type(a)])
        elif a is None or type(a) is int or type(a) is str:  # the common static arguments, as they are
            spec.append(a)
        elif type(a) is bool:
            spec.append((_BOOL, a))
        else:
            spec.append(_split(a, i in dyn_pos, tensors, dyn, Tensor))
    if kwargs and any(v is None and k in opdef.none_defaults for k, v in kwargs.items()):
        kwargs = {k: v for k, v in kwargs.items() if v is not None or k not in opdef.none_defaults}
    if kwargs:
        kwargs = _bind(opdef, args, kwargs, spec, tensors, dyn)
        dynk = opdef.dyn_names
        kw_spec = tuple((k, _split(v, k in dynk, tensors, dyn, Tensor)) for k, v in kwargs.items())
    else:
        kw_spec = ()
        if len(args) < len(opdef.required):
            _bind(opdef, args, {}, spec, tensors, dyn)
    key = (opdef, tuple(spec), kw_spec, _dtype._default[0])
    try:
        k = _KERNELS.get(key)
        if k is None:
            k = kernel(opdef, key[1], kw_spec)[0]
        return _hooks["run"](opdef, k, key, tensors, [t._value for t in tensors], dyn, fkey)
    except TorchError:
        raise
    except (TypeError, ValueError, IndexError) as e:  # JAX's complaints become torch's error types
        raise _translate(opdef, e) from None


_ALIASES = {"axis": "dim", "keepdims": "keepdim", "x": "input"}  # numpy spellings torch also accepts


def _bind(opdef: OpDef, args: tuple, kwargs: dict, spec: list, tensors: list, dyn: list) -> dict:
    """Move keywords that could be positional into `spec` (so `f(x, 1)` and `f(x, dim=1)` share a kernel)
    and raise torch's TypeError for unknown or missing arguments."""
    kwargs = dict(kwargs)
    for alias, name in _ALIASES.items():
        if alias in kwargs and alias not in opdef.params and name in opdef.params:
            kwargs[name] = kwargs.pop(alias)
    for k in kwargs:
        if k not in opdef.params:
            raise TorchTypeError(f"{opdef.name}() got an unexpected keyword argument '{k}'")
    n = len(args)
    for p in opdef.positional[n:]:
        if p not in kwargs:
            break
        v = kwargs.pop(p)
        spec.append(_split(v, n in opdef.dyn_pos, tensors, dyn, Tensor))
        n += 1
    missing = [p for p in opdef.required[n:] if p not in kwargs]
    if missing:
        raise TorchTypeError(f"{opdef.name}() missing {len(missing)} required positional argument"
                             f"{'s' if len(missing) > 1 else ''}: " + ", ".join(f"'{m}'" for m in missing))
    return kwargs


class TorchError(Exception):
    """Marker base: errors raised deliberately with torch's type and message pass through unchanged."""


class TorchRuntimeError(TorchError, RuntimeError):
    pass


class TorchTypeError(TorchError, TypeError):
    pass


class TorchNotImplementedError(TorchError, NotImplementedError):
    pass


class TorchIndexError(TorchError, IndexError):
    pass


class TorchValueError(TorchError, ValueError):
    pass


# Shown as the builtin they extend (`RuntimeError: ...`, `type(e).__name__ == "RuntimeError"`), as torch's are.
for _cls in (TorchRuntimeError, TorchTypeError, TorchNotImplementedError, TorchIndexError, TorchValueError):
    _cls.__name__ = _cls.__qualname__ = _cls.__mro__[2].__name__
    _cls.__module__ = "builtins"


_WARNED: set = set()


def warn_once(key: str, message: str) -> None:
    """torch's TORCH_WARN_ONCE: a UserWarning the first time per process."""
    if key not in _WARNED:
        _WARNED.add(key)
        warnings.warn(message, UserWarning, stacklevel=3)


def broadcast_shapes(*shapes) -> tuple:
    """torch's broadcasting, with torch's message when the shapes do not broadcast."""
    nd = max((len(s) for s in shapes), default=0)
    out = [1] * nd
    for s in shapes:
        for i, n in enumerate(s, nd - len(s)):
            if n != out[i]:
                if out[i] != 1 and n != 1:
                    a, b = out[i], n
                    raise TorchRuntimeError(f"The size of tensor a ({a}) must match the size of tensor b ({b}) at "
                                            f"non-singleton dimension {i}")
                out[i] = n if n != 1 else out[i]
    return tuple(out)


def check_broadcast(src, dst) -> None:
    """`src` must broadcast to exactly `dst` (what in-place ops and copy_ need)."""
    if broadcast_shapes(src, dst) != tuple(dst):
        raise TorchRuntimeError(f"output with shape {list(dst)} doesn't match the broadcast shape "
                                f"{list(broadcast_shapes(src, dst))}")


def _translate(opdef: OpDef, e: Exception) -> Exception:
    msg = str(e).split("\n")[0]
    if isinstance(e, TorchError):
        return e
    if isinstance(e, IndexError):
        return IndexError(f"{opdef.name}: {msg}")
    return RuntimeError(f"{opdef.name}(): {msg}")


_CPP_NAMES = {"float64": "double", "float32": "float", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
              "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
              "uint8": "unsigned char", "bool": "bool", "complex64": "c10::complex<float>",
              "complex128": "c10::complex<double>"}


def _check_out_dtype(out, result) -> None:
    """An `out_exact` op's out= tensor must already have the result's dtype (no casting into it)."""
    if getattr(out, "dtype", None) is not None and out.dtype != result.dtype:
        name = _CPP_NAMES.get(result.dtype.name, result.dtype.name)
        raise TorchRuntimeError(f"Expected out tensor to have dtype {name}, but got "
                                f"{_CPP_NAMES.get(out.dtype.name, out.dtype.name)} instead")


def _write_out(out, result, exact=False):
    if isinstance(result, tuple):
        if not isinstance(out, (tuple, list)) or len(out) != len(result):
            raise TypeError(f"out= must be a tuple of {len(result)} tensors")
        if exact:
            for o, r in zip(out, result):
                _check_out_dtype(o, r)
        for o, r in zip(out, result):
            o._set_from(r)
        if hasattr(result, "_fields"):  # torch names the result type <op>_out when out= is given
            return structseq(type(result).__name__ + "_out", result._fields)(*out)
        return tuple(out)
    if exact:
        _check_out_dtype(out, result)
    out._set_from(result)
    return out


# --- structseq: torch.return_types -----------------------------------------------------------------


@functools.cache
def structseq(name: str, fields: tuple[str, ...]):
    """A `torch.return_types.<name>` class: a tuple with named fields and torch's repr."""

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"torch.return_types.{name}(\n{body})"

    def __new__(cls, *values):
        if len(values) == 1 and len(fields) != 1:
            values = tuple(values[0])
        return tuple.__new__(cls, values)

    ns = {f: property(functools.partial(lambda i, self: self[i], i)) for i, f in enumerate(fields)}
    ns.update(__repr__=__repr__, __new__=__new__, _fields=fields, __slots__=(), n_fields=len(fields),
              __module__="torch.return_types",
              __reduce__=lambda self: (type(self), (tuple(self),)))
    return type(name, (tuple,), ns)


# --- composites: torch functions written in terms of other ops (no kernel of their own) ----------

COMPOSITES: dict[str, tuple[Callable, bool, bool]] = {}  # name -> (fn, is a method, is a function)


def composite(name: str | None = None, *, method: bool = True, function: bool = True):
    """Register a Python function built from other ops as `torchax.<name>` and/or `Tensor.<name>`."""

    def register(fn):
        n = name or fn.__name__
        if n in COMPOSITES or n in OPS:
            raise ValueError(f"op {n!r} is registered twice")
        fn = _accept_aliases(fn)
        COMPOSITES[n] = (fn, method, function)
        return fn

    return register


def _accept_aliases(fn):
    """`axis=`/`keepdims=` for functions with `dim`/`keepdim`, as torch accepts them."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return fn
    renames = {a: n for a, n in _ALIASES.items() if n in params and a not in params and a != "x"}
    if not renames:
        return fn

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if kwargs:
            for a, n in renames.items():
                if a in kwargs:
                    kwargs[n] = kwargs.pop(a)
        return fn(*args, **kwargs)

    return wrapper


from torchax import _fastpath  # noqa: E402 - (after this module's names: it reads them)
