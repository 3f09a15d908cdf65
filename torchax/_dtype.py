"""torch dtypes (`torch.float32`, ...), their JAX counterparts, and torch's type promotion."""

from __future__ import annotations

import builtins

import jax.numpy as jnp
import ml_dtypes
import numpy as np


class dtype:
    """torchax implementation of `torch.dtype`: one singleton object per scalar type."""

    __slots__ = ("name", "np", "itemsize", "is_floating_point", "is_complex", "is_signed", "_kind", "_rank")

    def __init__(self, name: str, np_dtype, kind: str, rank: int):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.itemsize = self.np.itemsize
        self.is_floating_point = kind == "f"
        self.is_complex = kind == "c"
        self.is_signed = kind in "ifc"
        self._kind = kind  # b(ool) < u(int8) / i(nt) < f(loat) < c(omplex)
        self._rank = rank

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self):  # dtypes pickle as references to the module-level singletons
        return (_lookup, (self.name,))

    def to_real(self) -> dtype:
        return {complex64: float32, complex128: float64}.get(self, self)

    def to_complex(self) -> dtype:
        return {float16: complex64, bfloat16: complex64, float32: complex64, float64: complex128}.get(self, self)


float16 = dtype("float16", np.float16, "f", 1)
bfloat16 = dtype("bfloat16", ml_dtypes.bfloat16, "f", 1)
float32 = dtype("float32", np.float32, "f", 2)
float64 = dtype("float64", np.float64, "f", 3)
complex64 = dtype("complex64", np.complex64, "c", 2)
complex128 = dtype("complex128", np.complex128, "c", 3)
bool = dtype("bool", np.bool_, "b", 0)  # noqa: A001 - torch.bool
uint8 = dtype("uint8", np.uint8, "u", 0)
uint16 = dtype("uint16", np.uint16, "u", 1)
uint32 = dtype("uint32", np.uint32, "u", 2)
uint64 = dtype("uint64", np.uint64, "u", 3)
int8 = dtype("int8", np.int8, "i", 0)
int16 = dtype("int16", np.int16, "i", 1)
int32 = dtype("int32", np.int32, "i", 2)
int64 = dtype("int64", np.int64, "i", 3)

ALL = (float16, bfloat16, float32, float64, complex64, complex128, bool,
       uint8, uint16, uint32, uint64, int8, int16, int32, int64)
_BY_NAME = {d.name: d for d in ALL}
_BY_NP = {d.np: d for d in ALL}
ALIASES = {"half": float16, "float": float32, "double": float64, "cfloat": complex64, "cdouble": complex128,
           "short": int16, "int": int32, "long": int64, "chalf": complex64}


def _lookup(name: str) -> dtype:
    return _BY_NAME.get(name) or ALIASES[name]


def from_jax(d) -> dtype:
    """The torch dtype of a numpy/JAX dtype."""
    try:  # a numpy dtype (what every JAX array carries) is its own key: no np.dtype() call on the hot path
        return _BY_NP[d]
    except (KeyError, TypeError):  # (a hit is always right: a key equal to `d` is np.dtype(d))
        pass
    try:
        return _BY_NP[np.dtype(d)]
    except KeyError:
        raise TypeError(f"Got unsupported ScalarType {d}") from None


def to_jax(d) -> np.dtype:
    return as_dtype(d).np


def as_dtype(d) -> dtype:
    """Accept a torch dtype, a numpy/JAX dtype, a Python type (float/int/bool/complex) or None."""
    if isinstance(d, dtype):
        return d
    if d is float:  # torch maps the Python types to the 64-bit dtypes, whatever the default dtype
        return float64
    if d is int:
        return int64
    if d is builtins.bool:
        return bool
    if d is complex:
        return complex128
    legacy = getattr(d, "_legacy_dtype", None)  # torch.FloatTensor and friends
    if legacy is not None:
        return legacy
    return from_jax(d)


# --- default dtype -----------------------------------------------------------------------------

_default = [float32]


def get_default_dtype() -> dtype:
    """torch.get_default_dtype."""
    return _default[0]


def set_default_dtype(d) -> None:
    """torch.set_default_dtype: only float32/float64 (and half types) are accepted, as in torch."""
    d = as_dtype(d)
    if d not in (float16, bfloat16, float32, float64):
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default[0] = d


# --- promotion ---------------------------------------------------------------------------------

_INT_ORDER = (uint8, int8, int16, int32, int64)


def promote_types(a: dtype, b: dtype) -> dtype:
    """torch.promote_types."""
    if a is b:
        return a
    ka, kb = a._kind, b._kind
    if ka == "b":
        return b
    if kb == "b":
        return a
    if ka in "ui" and kb in "ui":
        if a._kind == "u" and a is not uint8 or b._kind == "u" and b is not uint8:
            raise RuntimeError("Promotion for uint16, uint32, uint64 types is not supported, attempted to promote "
                               f"{type_name(a)} and {type_name(b)}")
        if {a, b} == {uint8, int8}:
            return int16
        return max(a, b, key=_INT_ORDER.index)
    if ka in "ui":
        return b
    if kb in "ui":
        return a
    if ka == kb == "f":
        if {a, b} == {float16, bfloat16}:
            return float32
        return a if a._rank > b._rank else b
    # at least one complex: the complex type wide enough for both
    rank = max(a._rank, b._rank, 2)
    return complex128 if rank == 3 else complex64


def _category(d: dtype) -> int:
    return {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}[d._kind]


def result_type(tensors, scalars=()) -> dtype:
    """torch.result_type over `tensors` ((dtype, ndim) pairs) and Python `scalars`.

    Dimensioned tensors outrank zero-dim tensors, which outrank Python scalars; a lower class only
    matters when it belongs to a higher category (bool < integer < floating < complex).
    """
    dim = zero = wrapped = None
    for d, ndim in tensors:
        if ndim:
            dim = d if dim is None else promote_types(dim, d)
        else:
            zero = d if zero is None else promote_types(zero, d)
    for s in scalars:
        wrapped = scalar_dtype(s) if wrapped is None else promote_types(wrapped, scalar_dtype(s))
    return _combine(dim, _combine(zero, wrapped))


def scalar_dtype(s) -> dtype:
    """The dtype torch gives a Python scalar when it takes part in promotion."""
    if isinstance(s, builtins.bool):
        return bool
    if isinstance(s, int):
        return int64
    if isinstance(s, float):
        return get_default_dtype()
    if isinstance(s, complex):
        if get_default_dtype() is bfloat16:
            raise RuntimeError("invalid default scalar type for complex")
        return get_default_dtype().to_complex()
    raise TypeError(f"unsupported scalar type {type(s).__name__}")


def _combine(higher: dtype | None, lower: dtype | None) -> dtype | None:
    if higher is None:
        return lower
    if lower is None:
        return higher
    if _category(higher) >= _category(lower):
        return higher
    # a lower class of a higher category decides the category; a float keeps its width as complex
    return higher.to_complex() if higher._kind == "f" else lower


# --- finfo / iinfo -----------------------------------------------------------------------------


class finfo:
    """torch.finfo."""

    def __init__(self, type=None):  # noqa: A002 - torch's argument name
        d = as_dtype(type if type is not None else get_default_dtype())
        if not (d.is_floating_point or d.is_complex):
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo to handle "
                            "'torch.finfo'")
        d = d.to_real()
        info = ml_dtypes.finfo(d.np) if d is bfloat16 else np.finfo(d.np)
        self.dtype = d.name
        self.bits = d.itemsize * 8
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -int(info.precision)  # torch reports the decimal resolution exactly

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """torch.iinfo."""

    def __init__(self, type):  # noqa: A002
        d = as_dtype(type)
        if d.is_floating_point or d.is_complex:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to handle 'torch.iinfo'")
        if d is bool:
            raise TypeError("torch.bool is not supported by torch.iinfo")
        info = np.iinfo(d.np)
        self.dtype = d.name
        self.bits = d.itemsize * 8
        self.min = int(info.min)
        self.max = int(info.max)

    def __repr__(self):  # torch formats the bounds with %g
        return f"iinfo(min={float(self.min):g}, max={float(self.max):g}, dtype={self.dtype})"


JNP = {d: jnp.dtype(d.np) for d in ALL}


def can_cast(src: dtype, dst: dtype) -> builtins.bool:
    """torch.can_cast: no complex -> real, float -> integral, or non-bool -> bool."""
    return _category(src) <= _category(dst)


_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16", "int64": "Long",
               "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
               "complex64": "ComplexFloat", "complex128": "ComplexDouble", "uint16": "UInt16", "uint32": "UInt32",
               "uint64": "UInt64"}


def type_name(d: dtype) -> str:
    """torch's ScalarType name (Float, Long, ...) used in error messages."""
    return _TYPE_NAMES.get(d.name, d.name)
