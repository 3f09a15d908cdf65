"""Recording timed events while a profiler collects.

Nothing here runs while no profiler collects. The first collector to start swaps `_registry.dispatch` (through
which every registered op and Tensor method/dunder passes) and the composite functions on `torchax` / `Tensor`
for timing wrappers; the last one to stop puts the originals back. Each wrapped call becomes an `aten::<name>`
event; its result is waited for (`block_until_ready`) so the time covers the computation, not just JAX's
asynchronous dispatch.
"""

from __future__ import annotations

import functools
import itertools
import os
import threading
import time
import traceback

import jax

from torchax import _registry
from torchax.profiler._events import FunctionEvent

_TORCHAX_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_ids = itertools.count()
_lock = threading.Lock()
_collectors: list[Collector] = []  # the collectors now recording, outermost first
_local = threading.local()  # .stack: the open events of this thread
_saved: list = []  # (owner, name, original) put back when the last collector stops


class Collector:
    """One profiler's recording: its events in start order and what to record with them."""

    def __init__(self, record_shapes=False, with_stack=False):
        self.record_shapes = record_shapes
        self.with_stack = with_stack
        self.events: list[FunctionEvent] = []

    def start(self) -> None:
        with _lock:
            if not _collectors:
                _install()
            _collectors.append(self)

    def stop(self) -> None:
        with _lock:
            if self in _collectors:
                _collectors.remove(self)
            if not _collectors:
                _uninstall()


def active() -> bool:
    return bool(_collectors)


def _now_us() -> float:
    return time.perf_counter_ns() / 1000.0


def _shapes(args) -> list:
    from torchax._tensor import Tensor

    return [list(a.shape) if isinstance(a, Tensor) else [] for a in args]


def _user_stack() -> list[str]:
    frames = traceback.extract_stack()[:-3]
    return [f"{f.filename}({f.lineno}): {f.name}" for f in reversed(frames)
            if not f.filename.startswith(_TORCHAX_DIR)]


def begin(name: str, args=(), user=False) -> FunctionEvent | None:
    """Open an event named `name` (None if no collector records)."""
    cols = _collectors
    if not cols:
        return None
    shapes = _shapes(args) if any(c.record_shapes for c in cols) else None
    stack = _user_stack() if any(c.with_stack for c in cols) and not user else None
    evt = FunctionEvent(next(_ids), name, threading.get_ident(), _now_us(), input_shapes=shapes, stack=stack,
                        is_user_annotation=user)
    st = getattr(_local, "stack", None)
    if st is None:
        st = _local.stack = []
    if st:
        evt.cpu_parent = st[-1]
        st[-1].append_cpu_child(evt)
    st.append(evt)
    for c in cols:
        c.events.append(evt)
    return evt


def end(evt: FunctionEvent | None) -> None:
    if evt is None:
        return
    evt.end_us = _now_us()
    st = _local.stack
    while st:  # (an event left open by an exception inside it closes with it)
        if st.pop() is evt:
            break


def _block(out) -> None:
    from torchax._tensor import Tensor

    vals = out if isinstance(out, (tuple, list)) else (out,)
    for v in vals:
        if isinstance(v, Tensor):
            x = v._value
            if isinstance(x, jax.Array) and not isinstance(x, jax.core.Tracer):
                x.block_until_ready()


def _timed(name: str, fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        evt = begin(name, args)
        try:
            out = fn(*args, **kwargs)
            if evt is not None:
                _block(out)
            return out
        finally:
            end(evt)

    return wrapper


def _matmul_kernel(args):
    """The aten kernel torch's matmul / linear run inside (mm, bmm, mv, dot, addmm): recorded as a child event."""
    from torchax._tensor import Tensor

    a, b = (args + (None, None))[:2]
    if not (isinstance(a, Tensor) and isinstance(b, Tensor)):
        return None
    return {(2, 2): "aten::mm", (3, 3): "aten::bmm", (2, 1): "aten::mv", (1, 1): "aten::dot"}.get((a.ndim, b.ndim))


def _linear_kernel(args):
    from torchax._tensor import Tensor

    a = args[0] if args else None
    has_bias = len(args) > 2 and isinstance(args[2], Tensor)
    return "aten::addmm" if isinstance(a, Tensor) and a.ndim == 2 and has_bias else None


_KERNELS = {"matmul": _matmul_kernel, "linear": _linear_kernel}


def _install() -> None:
    import torchax
    from torchax._tensor import Tensor

    orig = _registry.dispatch

    def dispatch(opdef, args, kwargs):
        name = opdef.name
        if name[0] == "_" and name.lstrip("_") in _registry.COMPOSITES:  # (`sum` runs `_sum`: one event, as torch)
            return orig(opdef, args, kwargs)
        evt = begin("aten::" + name, args)
        kernel = _KERNELS.get(opdef.name)
        inner = begin(kernel(args), args) if kernel is not None and kernel(args) else None
        try:
            out = orig(opdef, args, kwargs)
            if evt is not None:
                _block(out)
            return out
        finally:
            end(inner)
            end(evt)

    _saved.append((_registry, "dispatch", orig))
    _registry.dispatch = dispatch
    for name, (fn, method, function) in _registry.COMPOSITES.items():
        wrapped = _timed("aten::" + name, fn)
        if function and getattr(torchax, name, None) is fn:
            _saved.append((torchax, name, fn))
            setattr(torchax, name, wrapped)
        if method and Tensor.__dict__.get(name) is fn:
            _saved.append((Tensor, name, fn))
            setattr(Tensor, name, wrapped)


def _uninstall() -> None:
    while _saved:
        owner, name, fn = _saved.pop()
        setattr(owner, name, fn)


class record_function:
    """torch.profiler.record_function(name, args=None): a user-named region in the profile (context manager or
    decorator); free when no profiler runs."""

    def __init__(self, name: str, args: str | None = None):
        self.name = name
        self.args = args
        self._evt = None

    def __enter__(self):
        self._evt = begin(self.name, user=True)
        return self

    def __exit__(self, *exc):
        end(self._evt)
        self._evt = None
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with record_function(self.name, self.args):
                return fn(*args, **kwargs)

        return wrapper
