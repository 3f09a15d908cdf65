"""TorchScript annotations and queries that torch users sprinkle in eager code: no-ops with torch's behaviour."""

from __future__ import annotations

import contextlib
import warnings
from typing import Final as Final  # noqa: F401 - torch.jit.Final is typing.Final

__all__ = ["is_scripting", "ignore", "unused", "export", "Final", "annotate", "interface", "script_method",
           "script_if_tracing", "freeze", "optimize_for_inference", "optimized_execution", "fork", "wait",
           "Attribute", "isinstance", "Error", "TracerWarning", "ScriptWarning"]

Error = RuntimeError


def deprecated(api: str, instead: str = "`torch.compile` or `torch.export`") -> None:
    """torch 2.13's DeprecationWarning for a TorchScript API (same text)."""
    warnings.warn(f"`torch.jit.{api}` is deprecated. Please switch to {instead}.", DeprecationWarning, stacklevel=3)
_builtin_isinstance = isinstance


class TracerWarning(Warning):
    """torch.jit.TracerWarning."""


class ScriptWarning(Warning):
    """torch.jit.ScriptWarning."""


def is_scripting() -> bool:
    """torch.jit.is_scripting: False (torchax runs scripted code as Python)."""
    return False


def ignore(drop=False, **kwargs):
    """torch.jit.ignore: leave a function as Python (it always is here); usable with or without arguments."""
    if callable(drop):
        return drop
    return lambda fn: fn


def unused(fn):
    """torch.jit.unused: no-op decorator."""
    return fn


def export(fn):
    """torch.jit.export: no-op decorator (every method stays callable)."""
    return fn


def script_method(fn):
    """torch.jit.script_method: no-op decorator."""
    deprecated("script_method")
    return fn


def interface(obj):
    """torch.jit.interface: the class itself."""
    return obj


def script_if_tracing(fn):
    """torch.jit.script_if_tracing: the function itself."""
    return fn


def annotate(the_type, the_value):
    """torch.jit.annotate: the value."""
    return the_value


def isinstance(obj, target_type) -> bool:  # noqa: A001 - torch.jit.isinstance
    """torch.jit.isinstance for plain classes (typing generics are checked on their origin only)."""
    import typing

    origin = typing.get_origin(target_type) or target_type
    return _builtin_isinstance(obj, origin)


class Attribute:
    """torch.jit.Attribute(value, type): the value."""

    def __new__(cls, value, type=None):  # noqa: A002 - torch's parameter name
        return value


def freeze(mod, preserved_attrs=None, optimize_numerics=True):
    """torch.jit.freeze: the module itself (its program already holds no Python)."""
    warnings.warn("`torch.jit.freeze` is deprecated. Please use `torch.compile` instead.", DeprecationWarning,
                  stacklevel=2)
    if mod.training:
        raise RuntimeError("Freezing is currently only implemented for modules in eval mode. Please call .eval() on "
                           "your module before freezing.")
    return mod


def optimize_for_inference(mod, other_methods=None):
    """torch.jit.optimize_for_inference: the module in eval mode."""
    return mod.eval()


@contextlib.contextmanager
def optimized_execution(should_optimize):
    """torch.jit.optimized_execution: no-op context manager."""
    yield


class _Future:
    def __init__(self, value):
        self._value = value

    def wait(self):
        return self._value


def fork(func, *args, **kwargs):
    """torch.jit.fork: runs `func` now; `wait` returns its result."""
    return _Future(func(*args, **kwargs))


def wait(future):
    """torch.jit.wait."""
    return future.wait()
