"""All ops, by theme. Importing this package registers every op; `install` puts them on Tensor."""

import numpy as np

from torchax import _fastpath, _registry
from torchax._ops import creation, indexing, linalg, pointwise, pointwise_unary, comparison, reduction, shape, sorting, views, gather, random, view_copies, numeric, native_norms  # noqa: F401
from torchax._tensor import Tensor

# (name, forward dunder, reflected dunder, in-place dunder): reflected ops swap the operands.
_DUNDERS = (
    ("add", "__add__", "__radd__", "__iadd__"),
    ("sub", "__sub__", "__rsub__", "__isub__"),
    ("mul", "__mul__", "__rmul__", "__imul__"),
    ("div", "__truediv__", "__rtruediv__", "__itruediv__"),
    ("floor_divide", "__floordiv__", "__rfloordiv__", "__ifloordiv__"),
    ("remainder", "__mod__", "__rmod__", "__imod__"),
    ("pow", "__pow__", "__rpow__", "__ipow__"),
    ("matmul", "__matmul__", "__rmatmul__", None),  # torch has no __imatmul__: `a @= b` rebinds a
    ("bitwise_and", "__and__", "__rand__", "__iand__"),
    ("bitwise_or", "__or__", "__ror__", "__ior__"),
    ("bitwise_xor", "__xor__", "__rxor__", "__ixor__"),
    ("bitwise_left_shift", "__lshift__", "__rlshift__", "__ilshift__"),
    ("bitwise_right_shift", "__rshift__", "__rrshift__", "__irshift__"),
    ("eq", "__eq__", None, None),
    ("ne", "__ne__", None, None),
    ("lt", "__lt__", None, None),
    ("le", "__le__", None, None),
    ("gt", "__gt__", None, None),
    ("ge", "__ge__", None, None),
)
_UNARY_DUNDERS = (("neg", "__neg__"), ("positive", "__pos__"), ("abs", "__abs__"), ("bitwise_not", "__invert__"))
# Composite dunders whose fast path (see _fastpath.py) runs an op's kernel directly when no operand is bool:
# torch.sub is a bool check (torch refuses bool operands), then the `_sub` op.
_BOOL_FREE = {"sub": "_sub"}


def _inplace(fn, name):
    def method(self, *args, **kwargs):
        return self._inplace(fn(self, *args, **kwargs))

    opdef = getattr(fn, "_opdef", None)
    if opdef is not None:
        method = _fastpath.make_inplace(opdef, method)
    method.__name__ = method.__qualname__ = name
    return method


def _fast_op(name, fn):
    """(the op whose kernel the dunders of `name` may run directly, whether they must see no bool operand)."""
    if name in _BOOL_FREE and _BOOL_FREE[name] in _registry.OPS:
        return _registry.OPS[_BOOL_FREE[name]], True
    return getattr(fn, "_opdef", None), False


def _binary(fn, name=None):
    """A binary dunder: an operand torch cannot take gives NotImplemented (so `t == None` is False)."""

    opdef = getattr(fn, "_opdef", None)
    call = fn if opdef is None else (lambda a, b: _registry.dispatch(opdef, (a, b), {}))  # one frame less

    def method(self, other):
        if isinstance(other, np.ndarray):  # torch takes an ndarray operand on the right as a tensor
            from torchax._ops.creation import from_numpy

            other = from_numpy(other)
        try:
            return call(self, other)
        except TypeError:
            return NotImplemented

    fast, no_bool = _fast_op(name, fn)
    return method if fast is None else _fastpath.make_binary(fast, method, no_bool)


def _reflected(fn, name=None):
    def method(self, other):
        if isinstance(other, np.ndarray):  # ...but not on the left: `ndarray * tensor` is a TypeError
            return NotImplemented
        try:
            return fn(other, self)
        except TypeError:
            return NotImplemented

    fast, no_bool = _fast_op(name, fn)
    return method if fast is None else _fastpath.make_reflected(fast, method, no_bool)


def _invert(self):
    if self.is_floating_point() or self.is_complex():
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return public_functions()["bitwise_not"](self)


def _dunder_inplace(name):
    def method(self, other):
        return getattr(self, name + "_")(other)

    return method


def install(cls=Tensor) -> None:
    """Install every op as a Tensor method (and in-place variant) unless Tensor defines it by hand."""
    for name, (fn, method, _) in _registry.COMPOSITES.items():  # first: a composite `<op>_` wins
        if method and name not in cls.__dict__:
            setattr(cls, name, fn)
    for name, opdef in _registry.OPS.items():
        if name.startswith("_"):
            continue
        if opdef.method and name not in cls.__dict__:
            setattr(cls, name, opdef.fn)
        if opdef.inplace and name + "_" not in cls.__dict__:
            setattr(cls, name + "_", _inplace(opdef.fn, name + "_"))
    funcs = public_functions()
    for name, fwd, rev, inp in _DUNDERS:
        fn = funcs.get(name)
        if fn is None:  # NOTE: temporary while op modules fill in
            continue
        setattr(cls, fwd, _binary(fn, name))
        if rev:
            setattr(cls, rev, _reflected(fn, name))
        if inp:
            setattr(cls, inp, _dunder_inplace(name))
    for name, dunder in _UNARY_DUNDERS:
        if name in funcs:
            setattr(cls, dunder, funcs[name])
    cls.__invert__ = _invert


def public_functions() -> dict:
    """Every torch-level function: registered ops and composites meant as `torchax.<name>`."""
    out = {n: o.fn for n, o in _registry.OPS.items() if not n.startswith("_")}
    out.update({n: fn for n, (fn, _, function) in _registry.COMPOSITES.items() if function})
    return out
