"""torch.compile and torch.compiler: the public entry points over torchax._compile's CompiledFunction."""

from __future__ import annotations

import functools
import inspect

from torchax._compile import _ALL, CACHE_SIZE_LIMIT, CompiledFunction, Unsupported, _GraphBreak
from torchax._compile_hooks import _tls, is_compiling
from torchax._compile_state import _is_module
from torchax.nn.modules.module import Module as _Module

__all__ = ["compile", "reset", "disable", "is_compiling", "is_dynamo_compiling", "stats", "Unsupported",
           "CACHE_SIZE_LIMIT"]


class OptimizedModule(_Module):
    """torch._dynamo.eval_frame.OptimizedModule: wraps a module (`_orig_mod`) whose calls run compiled.

    Attribute reads fall through to the wrapped module; its state_dict keys carry the `_orig_mod.` prefix,
    as torch's do.
    """

    def __init__(self, mod, compiled: CompiledFunction):
        super().__init__()
        self._orig_mod = mod
        self.__dict__["_compiled"] = compiled
        self.__dict__["forward"] = compiled

    def __call__(self, *args, **kwargs):
        return self.__dict__["_compiled"](*args, **kwargs)

    def __getattr__(self, name):
        if name == "_orig_mod":
            return self._modules["_orig_mod"]
        return getattr(self._modules["_orig_mod"], name)

    def _get_name(self) -> str:
        return "OptimizedModule"


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor", mode=None, options=None,  # noqa: A001
            disable=False):
    """torch.compile: `fn` or `module` traced into one XLA program per input signature (see module docs).

    As a decorator with or without arguments. A Module compiles to an OptimizedModule wrapper whose calls
    run compiled; `backend`, `mode` and `options` are accepted for compatibility (XLA is the only backend).
    """
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be specified at the same time.")
    if model is None:
        return functools.partial(compile, fullgraph=fullgraph, dynamic=dynamic, backend=backend, mode=mode,
                                 options=options, disable=disable)
    if not callable(model):
        raise RuntimeError("torch.compile: model must be callable")
    if _is_module(model):
        return OptimizedModule(model, CompiledFunction(model._call_impl, fullgraph, dynamic, mode, backend,
                                                       options, disable))
    return CompiledFunction(model, fullgraph, dynamic, mode, backend, options, disable)


def reset() -> None:
    """torch.compiler.reset / torch._dynamo.reset: forget every compiled program."""
    for r in _ALL:
        f = r()
        if f is not None:
            f._cache.clear()
            f._fast = None


def stats() -> dict:
    """Totals over every live compiled function: calls, compiles, graph_breaks, eager_calls."""
    total: dict = {}
    for r in _ALL:
        f = r()
        if f is not None:
            for k, v in f.stats.items():
                total[k] = total.get(k, 0) + v
    return total


def disable(fn=None, recursive=True):
    """torch.compiler.disable: run `fn` eagerly even when called from compiled code (as a graph break)."""
    if fn is None:
        return functools.partial(disable, recursive=recursive)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if getattr(_tls, "trace", None) is not None:
            raise _GraphBreak("torch.compiler.disable", _where(fn))
        return fn(*args, **kwargs)

    return wrapper


def _where(fn) -> str:
    try:
        return f"{inspect.getsourcefile(fn)}:{inspect.getsourcelines(fn)[1]}"
    except (OSError, TypeError):
        return "?"


def is_dynamo_compiling() -> bool:
    """torch.compiler.is_dynamo_compiling: True while a compiled function is being traced."""
    return is_compiling()
