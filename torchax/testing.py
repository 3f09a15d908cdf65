"""torch.testing: `assert_close`, `make_tensor` and the deprecated `assert_allclose`, with torch's rules and messages.

`assert_close` compares (nested sequences / mappings of) tensors, Python scalars, booleans and None like torch's:
the same default tolerances per dtype, the same attribute checks (shape, layout, stride, device, dtype) and the
same `AssertionError` texts. `torch.testing.FileCheck` (a TorchScript IR tool) is not provided.
"""

from __future__ import annotations

import cmath
import collections.abc
import contextlib
import functools
import math
import warnings
from typing import Any

import numpy as np

import torchax

__all__ = ["assert_allclose", "assert_close", "make_tensor"]

# {dtype: (rtol, atol)}, torch's defaults; any other dtype compares exactly
_DTYPE_PRECISIONS = {
    torchax.float16: (0.001, 1e-5),
    torchax.bfloat16: (0.016, 1e-5),
    torchax.float32: (1.3e-6, 1e-5),
    torchax.float64: (1e-7, 1e-7),
    torchax.complex64: (1.3e-6, 1e-5),
    torchax.complex128: (1e-7, 1e-7),
}
_NUMBER_DTYPES = {int: torchax.int64, float: torchax.float64, complex: torchax.complex128}


class _ErrorMeta(Exception):
    """A comparison failure: the exception type and message to raise, and where in the inputs it happened."""

    def __init__(self, type, msg, *, id=()):
        super().__init__(msg)
        self.type, self.msg, self.id = type, msg, id

    def to_error(self, msg=None) -> Exception:
        if not isinstance(msg, str):
            generated = self.msg
            if self.id:
                generated += f"\n\nThe failure occurred for item {''.join(str([item]) for item in self.id)}"
            msg = msg(generated) if callable(msg) else generated
        return self.type(msg)


class _Unsupported(Exception):
    """This pair type does not handle these inputs: try the next one."""


def _tolerances(*dtypes, rtol, atol, id=(), precisions=None):
    if (rtol is None) ^ (atol is None):
        raise _ErrorMeta(ValueError, f"Both 'rtol' and 'atol' must be either specified or omitted, "
                                     f"but got no {'rtol' if rtol is None else 'atol'}.", id=id)
    if rtol is not None:
        return rtol, atol
    rtols, atols = zip(*[(precisions or _DTYPE_PRECISIONS).get(d, (0.0, 0.0)) for d in dtypes])
    return max(rtols), max(atols)


# --- messages -------------------------------------------------------------------------------------------------------

def _mismatch_msg(identifier, extra, abs_diff, abs_idx, atol, rel_diff, rel_idx, rtol) -> str:
    equality = rtol == 0 and atol == 0

    def diff_msg(kind, diff, idx, tol):
        if idx is None:
            msg = f"{kind.title()} difference: {diff}"
        else:
            msg = f"Greatest {kind} difference: {diff} at index {idx}"
        return msg + ("" if equality else f" (up to {tol} allowed)") + "\n"

    if identifier is None:
        identifier = "Scalars" if abs_idx is None else "Tensor-likes"
    msg = f"{identifier} are not {'equal' if equality else 'close'}!\n\n{extra.strip()}\n"
    msg += diff_msg("absolute", abs_diff, abs_idx, atol) + diff_msg("relative", rel_diff, rel_idx, rtol)
    return msg.strip()


def _scalar_mismatch_msg(actual, expected, *, rtol, atol, identifier=None) -> str:
    abs_diff = abs(actual - expected)
    rel_diff = float("inf") if expected == 0 else abs_diff / abs(expected)
    return _mismatch_msg(identifier or "Scalars", f"Expected {expected} but got {actual}.", abs_diff, None, atol,
                         rel_diff, None, rtol)


def _unravel(flat_index: int, shape) -> tuple:
    index = []
    for size in reversed(shape):
        flat_index, mod = divmod(flat_index, size)
        index.append(mod)
    return tuple(reversed(index))


def _tensor_mismatch_msg(actual, expected, matches, *, rtol, atol) -> str:
    n = matches.numel()
    mismatches = n - int(torchax.sum(matches))
    extra = f"Mismatched elements: {mismatches} / {n} ({mismatches / n:.1%})"
    a, e, m = actual.flatten(), expected.flatten(), matches.flatten()
    if not a.dtype.is_floating_point and not a.dtype.is_complex:
        a, e = a.to(torchax.int64), e.to(torchax.int64)
    abs_diff = torchax.abs(a - e)
    abs_diff[m] = 0  # only mismatches count
    max_abs, abs_idx = torchax.max(abs_diff, 0)
    rel_diff = abs_diff / torchax.abs(e)
    rel_diff[m] = 0
    max_rel, rel_idx = torchax.max(rel_diff, 0)
    return _mismatch_msg("Tensor-likes", extra, max_abs.item(), _unravel(int(abs_idx), matches.shape), atol,
                         max_rel.item(), _unravel(int(rel_idx), matches.shape), rtol)


# --- pairs: each returns a compare() closure, or raises _Unsupported ------------------------------------------------

def _none_pair(actual, expected, id, opts):
    if not (actual is None or expected is None):
        raise _Unsupported

    def compare():
        if not (actual is None and expected is None):
            raise _ErrorMeta(AssertionError, f"None mismatch: {actual} is not {expected}", id=id)
    return compare


def _boolean_pair(actual, expected, id, opts):
    if not all(isinstance(x, (bool, np.bool_)) for x in (actual, expected)):
        raise _Unsupported
    actual, expected = bool(actual), bool(expected)

    def compare():
        if actual is not expected:
            raise _ErrorMeta(AssertionError, f"Booleans mismatch: {actual} is not {expected}", id=id)
    return compare


def _number_pair(actual, expected, id, opts):
    if not all(isinstance(x, (int, float, complex, np.number)) for x in (actual, expected)):
        raise _Unsupported
    actual, expected = (x.item() if isinstance(x, np.number) else x for x in (actual, expected))
    rtol, atol = _tolerances(*[_NUMBER_DTYPES[type(x)] for x in (actual, expected)], rtol=opts["rtol"],
                             atol=opts["atol"], id=id)

    def compare():
        if opts["check_dtype"] and type(actual) is not type(expected):
            raise _ErrorMeta(AssertionError, f"The (d)types do not match: {type(actual)} != {type(expected)}.", id=id)
        if actual == expected or (opts["equal_nan"] and cmath.isnan(actual) and cmath.isnan(expected)):
            return
        abs_diff = abs(actual - expected)
        if cmath.isfinite(abs_diff) and abs_diff <= atol + rtol * abs(expected):
            return
        raise _ErrorMeta(AssertionError, _scalar_mismatch_msg(actual, expected, rtol=rtol, atol=atol), id=id)
    return compare


def _as_tensor(x):
    if isinstance(x, torchax.Tensor):
        return x
    try:
        return torchax.as_tensor(x)
    except Exception:
        raise _Unsupported from None


def _tensor_pair(actual, expected, id, opts):
    if not (isinstance(actual, type(expected)) or isinstance(expected, type(actual))):
        raise _Unsupported
    if not opts["allow_subclasses"] and type(actual) is not type(expected):
        raise _Unsupported
    actual, expected = _as_tensor(actual), _as_tensor(expected)
    rtol, atol = _tolerances(actual.dtype, expected.dtype, rtol=opts["rtol"], atol=opts["atol"], id=id)

    def compare():
        _compare_attributes(actual, expected, id, opts)
        a, e = _equalize(actual, expected)
        matches = torchax.isclose(a, e, rtol=rtol, atol=atol, equal_nan=opts["equal_nan"])
        if torchax.all(matches):
            return
        if a.shape == ():
            msg = _scalar_mismatch_msg(a.item(), e.item(), rtol=rtol, atol=atol)
        else:
            msg = _tensor_mismatch_msg(a, e, matches, rtol=rtol, atol=atol)
        raise _ErrorMeta(AssertionError, msg, id=id)
    return compare


def _compare_attributes(actual, expected, id, opts):
    def mismatch(name, a, e):
        raise _ErrorMeta(AssertionError, f"The values for attribute '{name}' do not match: {a} != {e}.", id=id)

    if actual.shape != expected.shape:
        mismatch("shape", actual.shape, expected.shape)
    if actual.layout != expected.layout:
        if opts["check_layout"]:
            mismatch("layout", actual.layout, expected.layout)
    elif opts["check_stride"] and actual.stride() != expected.stride():
        mismatch("stride()", actual.stride(), expected.stride())
    if opts["check_device"] and actual.device != expected.device:
        mismatch("device", actual.device, expected.device)
    if opts["check_dtype"] and actual.dtype != expected.dtype:
        mismatch("dtype", actual.dtype, expected.dtype)


def _equalize(actual, expected):
    """Both on the CPU and in their promoted dtype, as torch compares tensors whose checks were disabled."""
    if actual.device != expected.device:
        actual, expected = actual.cpu(), expected.cpu()
    if actual.dtype != expected.dtype:
        wide = (torchax.uint16, torchax.uint32, torchax.uint64)  # compared as int64, as torch does
        a_dt = torchax.int64 if actual.dtype in wide else actual.dtype
        e_dt = torchax.int64 if expected.dtype in wide else expected.dtype
        dtype = torchax.promote_types(a_dt, e_dt)
        actual, expected = actual.to(dtype), expected.to(dtype)
    return actual, expected


_PAIRS = (_none_pair, _boolean_pair, _number_pair, _tensor_pair)


def _originate(actual, expected, id, opts) -> list:
    """The compare() closures of every leaf pair of two nested structures; structural mismatches raise now."""
    seq, mapping = collections.abc.Sequence, collections.abc.Mapping
    if isinstance(actual, seq) and isinstance(expected, seq) and not isinstance(actual, str) \
            and not isinstance(expected, str):
        if len(actual) != len(expected):
            raise _ErrorMeta(AssertionError, f"The length of the sequences mismatch: {len(actual)} != {len(expected)}",
                             id=id)
        return [c for i in range(len(actual)) for c in _originate(actual[i], expected[i], (*id, i), opts)]
    if isinstance(actual, mapping) and isinstance(expected, mapping):
        a_keys, e_keys = set(actual.keys()), set(expected.keys())
        if a_keys != e_keys:
            raise _ErrorMeta(AssertionError, f"The keys of the mappings do not match:\n"
                                             f"Missing keys in the actual mapping: {sorted(e_keys - a_keys)}\n"
                                             f"Additional keys in the actual mapping: {sorted(a_keys - e_keys)}", id=id)
        keys = a_keys
        with contextlib.suppress(Exception):
            keys = sorted(keys)
        return [c for k in keys for c in _originate(actual[k], expected[k], (*id, k), opts)]
    for pair in _PAIRS:
        try:
            return [pair(actual, expected, id, opts)]
        except _Unsupported:
            continue
    raise _ErrorMeta(TypeError, f"No comparison pair was able to handle inputs of type {type(actual)} "
                                f"and {type(expected)}.", id=id)


def assert_close(actual: Any, expected: Any, *, allow_subclasses: bool = True, rtol: float | None = None,
                 atol: float | None = None, equal_nan: bool = False, check_device: bool = True,
                 check_dtype: bool = True, check_layout: bool = True, check_stride: bool = False, msg=None):
    """torch.testing.assert_close."""
    __tracebackhide__ = True
    opts = dict(allow_subclasses=allow_subclasses, rtol=rtol, atol=atol, equal_nan=equal_nan,
                check_device=check_device, check_dtype=check_dtype, check_layout=check_layout,
                check_stride=check_stride)
    try:
        compares = _originate(actual, expected, (), opts)
    except _ErrorMeta as meta:
        raise meta.to_error() from None
    for compare in compares:
        try:
            compare()
        except _ErrorMeta as meta:
            raise meta.to_error(msg) from None


def assert_allclose(actual: Any, expected: Any, rtol: float | None = None, atol: float | None = None,
                    equal_nan: bool = True, msg: str = "") -> None:
    """torch.testing.assert_allclose (deprecated: warns and calls assert_close without the dtype check)."""
    warnings.warn("`torch.testing.assert_allclose()` is deprecated since 1.12 and will be removed in a future release. "
                  "Please use `torch.testing.assert_close()` instead. You can find detailed upgrade instructions in "
                  "https://github.com/pytorch/pytorch/issues/61844.", FutureWarning, stacklevel=2)
    if not isinstance(actual, torchax.Tensor):
        actual = torchax.tensor(actual)
    if not isinstance(expected, torchax.Tensor):
        expected = torchax.tensor(expected, dtype=actual.dtype)
    if rtol is None and atol is None:
        precisions = {torchax.float16: (1e-3, 1e-3), torchax.float32: (1e-4, 1e-5), torchax.float64: (1e-5, 1e-8)}
        rtol, atol = _tolerances(actual.dtype, expected.dtype, rtol=None, atol=None, precisions=precisions)
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan, check_device=True, check_dtype=False,
                 check_stride=False, msg=msg or None)


# --- make_tensor ----------------------------------------------------------------------------------------------------

_INTEGRAL = (torchax.uint8, torchax.int8, torchax.int16, torchax.int32, torchax.int64, torchax.uint16, torchax.uint32,
             torchax.uint64)
_FLOATING = (torchax.float16, torchax.bfloat16, torchax.float32, torchax.float64)
_COMPLEX = (torchax.complex64, torchax.complex128)
_REAL_OF = {torchax.complex64: torchax.float32, torchax.complex128: torchax.float64}


def _low_high(dtype, low, high, lowest, highest, default_low, default_high):
    """torch's checks and clamping of make_tensor's range."""
    low = default_low if low is None else low
    high = default_high if high is None else high
    if any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
        raise ValueError(f"`low` and `high` cannot be NaN, but got low={low} and high={high}")
    if low == high and dtype in _FLOATING + _COMPLEX:
        warnings.warn("Passing `low==high` to `torch.testing.make_tensor` for floating or complex types is deprecated "
                      "since 2.1 and will be removed in 2.3. Use `torch.full(...)` instead.", FutureWarning,
                      stacklevel=4)
    elif low >= high:
        raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
    elif high < lowest or low >= highest:
        raise ValueError(f"The value interval specified by `low` and `high` is [{low}, {high}), "
                         f"but {dtype} only supports [{lowest}, {highest})")
    low, high = min(max(low, lowest), highest), min(max(high, lowest), highest)
    if dtype is torchax.bool or dtype in _INTEGRAL:
        return math.ceil(low), math.ceil(high)
    return low, high


def _uniform(shape, dtype, low, high):
    """torch's draw: one uniform_ over the tensor (halved and doubled when the range would overflow the dtype)."""
    t = torchax.empty(shape, dtype=dtype)
    if high - low >= torchax.finfo(dtype).max:
        return t.uniform_(low / 2, high / 2).mul_(2)
    return t.uniform_(low, high)


def make_tensor(*shape, dtype, device, low: float | None = None, high: float | None = None,
                requires_grad: bool = False, noncontiguous: bool = False, exclude_zero: bool = False,
                memory_format=None):
    """torch.testing.make_tensor: values uniform in [low, high) from the global generator, in torch's draw order."""
    if len(shape) == 1 and isinstance(shape[0], collections.abc.Sequence):
        shape = shape[0]
    shape = tuple(shape)
    if noncontiguous and memory_format is not None:
        raise ValueError(f"The parameters `noncontiguous` and `memory_format` are mutually exclusive, "
                         f"but got noncontiguous={noncontiguous} and memory_format={memory_format}")
    if requires_grad and (dtype is torchax.bool or dtype in _INTEGRAL):
        raise ValueError(f"`requires_grad=True` is not supported for boolean and integral dtypes, "
                         f"but got dtype={dtype}")
    noncontiguous = noncontiguous and functools.reduce(lambda x, y: x * y, shape, 1) > 1
    if noncontiguous:
        shape = (*shape[:-1], 2 * shape[-1])
    if dtype is torchax.bool:
        low, high = _low_high(dtype, low, high, 0, 2, 0, 2)
        result = torchax.randint(low, high, shape, device=device, dtype=dtype)
    elif dtype in _INTEGRAL:
        info = torchax.iinfo(dtype)
        low, high = _low_high(dtype, low, high, info.min, info.max + (dtype is not torchax.int64), -9, 10)
        result = torchax.randint(low, high, shape, device=device, dtype=dtype)
    elif dtype in _FLOATING + _COMPLEX:
        real = _REAL_OF.get(dtype, dtype)
        info = torchax.finfo(dtype)
        low, high = _low_high(dtype, low, high, info.min, info.max, -9, 9)
        if dtype in _COMPLEX:  # torch fills view_as_real(result): (re, im) pairs in memory order
            pairs = _uniform((*shape, 2), real, low, high)
            result = torchax.complex(pairs[..., 0], pairs[..., 1])
        else:
            result = _uniform(shape, dtype, low, high)
        result = result.to(device)
    else:
        raise TypeError(f"The requested dtype '{dtype}' is not supported by torch.testing.make_tensor()."
                        " To request support, file an issue at: https://github.com/pytorch/pytorch/issues")
    if noncontiguous:
        result = result[..., 1::2]
    elif memory_format is not None:
        result = result.clone(memory_format=memory_format)
    if exclude_zero:
        result[result == 0] = 1 if dtype is torchax.bool or dtype in _INTEGRAL else torchax.finfo(dtype).tiny
    if dtype in _FLOATING + _COMPLEX:
        result.requires_grad = requires_grad
    return result
