"""Make `import torch` (and `import torchvision`) resolve to torchax, for `torchax run`.

`alias_torch()` puts a finder first on `sys.meta_path`. It maps `torch` to `torchax`, `torch.X.Y` to
`torchax.X.Y` and `torchvision[.X]` to `torchax.vision[.X]`, and returns the torchax module object itself,
so both names share one module (`sys.modules["torch.linalg"] is torchax.linalg`). A torch module that
torchax does not provide raises ImportError; it is never faked.

A missing attribute of an aliased module reads as torch's error (`module 'torch' has no attribute 'x'`),
or, for an API that torch 2.13 has and torchax does not provide yet, as `NotImplementedError` naming it
(still an AttributeError too, so `hasattr(torch, name)` and `getattr(torch, name, default)` work as usual).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

# torch name prefix -> torchax name prefix
_PREFIXES = {"torch": "torchax", "torchvision": "torchax.vision"}


def _target(fullname: str) -> str | None:
    """The torchax module that stands for `fullname`, or None if `fullname` is not a torch name."""
    head, _, rest = fullname.partition(".")
    if head not in _PREFIXES:
        return None
    # NOTE: torchax's own top-level `_x` modules are its engine, not torch's private modules of the same name.
    if head == "torch" and rest.startswith("_"):
        return ""
    return _PREFIXES[head] + ("." + rest if rest else "")


def _unsupported(fullname: str) -> ModuleNotFoundError:
    return ModuleNotFoundError(f"torchax does not support '{fullname}' yet", name=fullname)


class UnsupportedAPIError(NotImplementedError, AttributeError):
    """A torch API that torchax does not provide yet; shown as NotImplementedError, caught as AttributeError too."""


# NOTE: shown as `NotImplementedError: ...` (the traceback prints builtins' classes without a module).
UnsupportedAPIError.__module__, UnsupportedAPIError.__qualname__ = "builtins", "NotImplementedError"


def missing_attribute(torch_name: str, attr: str) -> AttributeError:
    """The error for `torch_name.attr` that torchax lacks: NotImplementedError for a torch API, else torch's own."""
    from torchax._torch_api import NAMES

    if not attr.startswith("_") and attr in NAMES.get(torch_name, ()):
        e = UnsupportedAPIError(f"{torch_name}.{attr} is not supported by torchax yet "
                                "(see conformance/KNOWN_DIFFERENCES.md in the torchax repository)")
    else:
        e = AttributeError(f"module '{torch_name}' has no attribute '{attr}'")
    e.name = attr
    return e


def _report_as(module, torch_name: str) -> None:
    """Make `module`'s missing attributes raise `missing_attribute(torch_name, ...)` (wrapping its own __getattr__)."""
    own = module.__dict__.get("__getattr__")
    if getattr(own, "_torchax_alias", False):
        return

    def __getattr__(attr):
        if own is not None:
            try:
                return own(attr)
            except AttributeError:
                pass
        raise missing_attribute(torch_name, attr)

    __getattr__._torchax_alias = True
    module.__getattr__ = __getattr__


def _find(target: str):
    """The spec of torchax module `target`, or None if torchax has no such module."""
    module = sys.modules.get(target)
    if module is not None:
        return module.__spec__
    try:
        return importlib.util.find_spec(target)
    except ModuleNotFoundError as e:  # a missing torchax parent package; any other missing module is a real error
        if e.name and (target == e.name or target.startswith(e.name + ".")):
            return None
        raise


class _TorchAliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds torch module names and loads them as the corresponding torchax modules."""

    def find_spec(self, fullname, path=None, target=None):
        name = _target(fullname)
        if name is None:
            return None
        found = _find(name) if name else None
        if found is None:
            raise _unsupported(fullname)
        return importlib.util.spec_from_loader(fullname, self, is_package=found.submodule_search_locations is not None)

    def create_module(self, spec):
        module = importlib.import_module(_target(spec.name))
        _report_as(module, spec.name)
        # NOTE: the import system sets `module.__spec__` to the alias spec after this returns; keep the real one
        # so that torchax's modules still describe themselves (reload, pickling by module name, tooling).
        spec.loader_state = module.__spec__
        return module

    def exec_module(self, module):
        module.__spec__ = module.__spec__.loader_state  # already executed as torchax.*; restore its own spec


_FINDER = _TorchAliasFinder()


def alias_torch() -> None:
    """Make `import torch`, `import torch.X` and `import torchvision` load torchax (idempotent)."""
    real = sys.modules.get("torch")
    if real is not None and not real.__name__.startswith("torchax"):
        raise RuntimeError("alias_torch() must run before real torch is imported: 'torch' is already in sys.modules")
    if _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
    # NOTE: first on meta_path, or the path finder would find torchax's files under the name `torch.X` and run
    # them a second time as different modules.
    sys.meta_path.insert(0, _FINDER)
