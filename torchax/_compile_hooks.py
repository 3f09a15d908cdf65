"""The few hooks compiled tracing needs from the rest of torchax (kept free of imports, so optim can use them)."""

from __future__ import annotations

import functools
import threading

_tls = threading.local()  # .trace: the _Trace being recorded in this thread, if any


def is_compiling() -> bool:
    """torch.compiler.is_compiling: True while a compiled function is being traced."""
    return getattr(_tls, "trace", None) is not None


class _Trace:
    """What one trace records besides the JAX program."""

    def __init__(self):
        self.steps = 0  # optimizer steps traced so far
        self.backwards = 0  # backward passes traced so far
        self.host = []  # (run before the program?, function, args, kwargs) for deferred host calls
        self.finish = []  # callables run with this trace once the function returned (before the plan is made)


def host_call(method):
    """Mark a method as host-side state logic (LRScheduler.step): inside a compiled trace it is not traced
    but recorded, and runs outside the program on every call (before it when the function calls it before
    any optimizer step, else after), so its Python state advances exactly as in eager execution."""

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        trace = getattr(_tls, "trace", None)
        if trace is None:
            return method(*args, **kwargs)
        trace.host.append((trace.steps == 0, method, args, kwargs))
        return None

    return wrapper


def note_optimizer_step() -> None:
    """Called by Optimizer.step: orders deferred host calls relative to the traced update."""
    trace = getattr(_tls, "trace", None)
    if trace is not None:
        trace.steps += 1


def note_backward() -> None:
    """Called by the autograd engine: a traced function that ran backward returns detached results."""
    trace = getattr(_tls, "trace", None)
    if trace is not None:
        trace.backwards += 1


def at_trace_end(fn) -> None:
    """Run `fn(trace)` when the function being traced has returned (DDP decides then which host calls it needs)."""
    trace = getattr(_tls, "trace", None)
    if trace is not None:
        trace.finish.append(fn)
