"""Tensor printing: a numpy re-implementation of PyTorch's `torch._tensor_str`.

`format_tensor` produces exactly the text that `repr(t)` gives in torch for a strided CPU tensor, including
summarization (`...`), line wrapping, the choice between fixed, integer-valued (`1.`) and scientific notation,
complex numbers and the `dtype=` / `device=` / `requires_grad=` / `grad_fn=` suffixes.

All number formatting goes through Python's `format` of a Python float/int, as torch's does (torch formats
`tensor.item()` / `tensor.tolist()` values), so floats of every width are first widened exactly to float64.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from typing import Any

import numpy as np

__all__ = [
    "PrintOptions",
    "format_str",
    "format_tensor",
    "get_printoptions",
    "options",
    "printoptions",
    "set_printoptions",
]


@dataclasses.dataclass
class PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


options = PrintOptions()

_PROFILES = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """Same semantics as `torch.set_printoptions`: a profile first, then explicit overrides."""
    if profile in _PROFILES:  # like torch, an unknown profile is ignored
        for key, value in _PROFILES[profile].items():
            setattr(options, key, value)
    for key, value in {
        "precision": precision,
        "threshold": threshold,
        "edgeitems": edgeitems,
        "linewidth": linewidth,
    }.items():
        if value is not None:
            setattr(options, key, value)
    # torch assigns sci_mode unconditionally, so omitting it resets it to automatic.
    options.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    return dataclasses.asdict(options)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Temporarily change the print options (arguments as for `set_printoptions`)."""
    saved = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**saved)


# ----------------------------------------------------------------------------------------------------------
# Element formatting
# ----------------------------------------------------------------------------------------------------------


class _Formatter:
    """Decides one common width and notation for all elements of a (real) tensor, from its shown values."""

    def __init__(self, values: np.ndarray, floating: bool):
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        if not floating:
            # Bool/int elements print as str(); distinct values are enough to know the widest.
            self.max_width = max([1] + [len(str(v)) for v in np.unique(values).tolist()])
            return
        shown = values[np.isfinite(values) & (values != 0)]
        if shown.size == 0:
            return  # nothing finite and nonzero: defaults (integer mode, width 1)
        magnitudes = np.abs(shown)
        lo, hi = float(magnitudes.min()), float(magnitudes.max())
        self.int_mode = bool(np.all(shown == np.ceil(shown)))
        sci = options.sci_mode
        self.sci_mode = (hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4) if sci is None else sci
        p = options.precision
        if self.sci_mode:
            widths = (len(f"{v:.{p}e}") for v in np.unique(shown).tolist())
        elif self.int_mode:
            # the trailing "." marking a float is not part of the formatted digits
            widths = (len(f"{v:.0f}") + 1 for v in np.unique(shown).tolist())
        else:
            widths = (len(f"{v:.{p}f}") for v in np.unique(shown).tolist())
        self.max_width = max(self.max_width, *widths)

    def format(self, value) -> str:
        if not self.floating:
            text = f"{value}"
        elif self.sci_mode:
            text = f"{value:{self.max_width}.{options.precision}e}"
        elif self.int_mode:
            text = f"{value:.0f}"
            if math.isfinite(value):
                text += "."
        else:
            text = f"{value:.{options.precision}f}"
        return text.rjust(self.max_width)


class _ElementPrinter:
    """Formats one element: a real formatter, plus an imaginary-part formatter for complex tensors."""

    def __init__(self, real: _Formatter, imag: _Formatter | None = None):
        self.real, self.imag = real, imag

    def width(self) -> int:
        # the ", " separator, and for complex the imaginary part with its "j"
        return self.real.max_width + 2 + (self.imag.max_width + 1 if self.imag else 0)

    def __call__(self, value) -> str:
        if self.imag is None:
            return self.real.format(value)
        re_text = self.real.format(value.real)
        im_text = (self.imag.format(value.imag) + "j").lstrip()
        # a sign (including that of -0.0) already joins the two parts
        return re_text + im_text if im_text[0] in "+-" else re_text + "+" + im_text


# ----------------------------------------------------------------------------------------------------------
# Layout
# ----------------------------------------------------------------------------------------------------------


def _summarized(values: np.ndarray) -> np.ndarray:
    """The elements that a summarized print shows (torch's `get_summarized_data`), used to pick the format."""
    edge = options.edgeitems
    if values.ndim == 1:
        # torch slices `[:edge]` and `[-edge:]`; with edge == 0 the latter is the whole vector
        if values.shape[0] > 2 * edge and edge:
            return np.concatenate([values[:edge], values[-edge:]])
        return values
    if values.ndim == 0:
        return values
    if not edge:
        return values[:0]
    keep = [np.r_[0:edge, n - edge : n] if n > 2 * edge else np.arange(n) for n in values.shape]
    return values[np.ix_(*keep)]


def _edge_split(n: int, summarize: bool) -> tuple[range, range] | None:
    """Indices before and after the "..." of a summarized dimension, or None when the dimension is shown whole."""
    edge = options.edgeitems
    if summarize and n > 2 * edge:
        return range(edge), range(n - edge, n)
    return None


def _vector_str(values: np.ndarray, indent: int, summarize: bool, fmt: _ElementPrinter) -> str:
    per_line = max(1, math.floor((options.linewidth - indent) / fmt.width()))
    split = _edge_split(values.shape[0], summarize)
    if summarize and not options.edgeitems:
        data = ["..."]
    elif split is not None:
        head, tail = split
        data = [fmt(v) for v in values[head.start : head.stop].tolist()] + [" ..."]
        data += [fmt(v) for v in values[tail.start : tail.stop].tolist()]
    else:
        data = [fmt(v) for v in values.tolist()]
    lines = [", ".join(data[i : i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(values: np.ndarray, indent: int, summarize: bool, fmt: _ElementPrinter) -> str:
    if values.ndim == 0:
        return fmt(values.item())
    if values.ndim == 1:
        return _vector_str(values, indent, summarize, fmt)
    split = _edge_split(values.shape[0], summarize)
    if split is None:
        parts = [_nested_str(row, indent + 1, summarize, fmt) for row in values]
    else:
        head, tail = split
        parts = [_nested_str(values[i], indent + 1, summarize, fmt) for i in head]
        parts += ["..."] + [_nested_str(values[i], indent + 1, summarize, fmt) for i in tail]
    # sub-tensors of higher rank are separated by more blank lines
    return "[" + ("," + "\n" * (values.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _body_str(values: np.ndarray, indent: int, kind: str) -> str:
    """The bracketed contents (torch's `_tensor_str`) of a non-empty tensor; kind is "f", "c" or "i"."""
    summarize = values.size > options.threshold

    def pick(part):
        return _summarized(part) if summarize else part

    if kind == "c":
        fmt = _ElementPrinter(_Formatter(pick(values.real), True), _Formatter(pick(values.imag), True))
    else:
        fmt = _ElementPrinter(_Formatter(pick(values), kind == "f"))
    return _nested_str(values, indent, summarize, fmt)


def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    # torch's measure of the last line (it counts 2 more than its length when there is no newline)
    last_len = len(text) - text.rfind("\n") + 1
    pieces = [text]
    for suffix in suffixes:
        if last_len + len(suffix) + 2 > options.linewidth:
            pieces.append(",\n" + " " * indent + suffix)
            last_len = indent + len(suffix)
        else:
            pieces.append(", " + suffix)
            last_len += len(suffix) + 2
    return "".join(pieces) + ")"


def _kind(dtype_name: str) -> str:
    if dtype_name.startswith("complex"):
        return "c"
    if dtype_name.startswith(("float", "bfloat")):
        return "f"
    return "i"  # integers and bool


def _widen(array: np.ndarray, kind: str) -> np.ndarray:
    # float16/bfloat16/float32 widen exactly, and Python formats float64 as torch formats `.item()`
    if kind == "f":
        return np.asarray(array).astype(np.float64)
    if kind == "c":
        return np.asarray(array).astype(np.complex128)
    return np.asarray(array)


def format_tensor(
    array: np.ndarray,
    *,
    dtype_name: str,
    default_float: str = "float32",
    device: str = "cpu",
    requires_grad: bool = False,
    grad_fn: str | None = None,
    is_parameter: bool = False,
    prefix: str = "tensor(",
) -> str:
    """`repr` of a tensor holding `array`, as torch prints it (see `torch._tensor_str._str_intern`)."""
    kind = _kind(dtype_name)
    values = _widen(array, kind)
    indent = len(prefix)
    suffixes = []
    if device.split(":")[0] != "cpu":
        suffixes.append(f"device='{device}'")
    shape = "size=" + str(tuple(values.shape))
    dtype_suffix = "dtype=torch." + dtype_name
    if values.size == 0:
        body = "[]"
        if values.ndim != 1:
            suffixes.append(shape)
        # with no elements to infer from, anything but the default float dtype is spelled out
        if dtype_name != default_float:
            suffixes.append(dtype_suffix)
    else:
        if not options.edgeitems:
            suffixes.append(shape)
        default_complex = "complex128" if default_float == "float64" else "complex64"
        if dtype_name not in (default_float, default_complex, "int64", "bool"):
            suffixes.append(dtype_suffix)
        body = _body_str(values, indent, kind)
    if grad_fn is not None:
        suffixes.append(f"grad_fn=<{grad_fn}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")
    text = _add_suffixes(prefix + body, suffixes, indent)
    return "Parameter containing:\n" + text if is_parameter else text


# torch's str(tensor) is its repr
format_str = format_tensor
