"""Find torchax's counterpart of an OpInfo's torch callable, and convert sample inputs torch -> torchax."""

from __future__ import annotations

import functools
import types

import numpy as np
import torch
import torch.nn.functional as F

import torchax

# torch namespaces an OpInfo's callable may come from, and the torchax path of each
NAMESPACES = (
    ("torch", lambda: torch, lambda: torchax),
    ("torch.nn.functional", lambda: F, lambda: torchax.nn.functional),
    ("torch.linalg", lambda: torch.linalg, lambda: torchax.linalg),
    ("torch.special", lambda: torch.special, lambda: getattr(torchax, "special", None)),
    ("torch.fft", lambda: torch.fft, lambda: getattr(torchax, "fft", None)),
    ("Tensor", lambda: torch.Tensor, lambda: torchax.Tensor),
)


class Missing(Exception):
    """torchax has no counterpart of this torch callable."""


@functools.cache
def _reverse_map() -> dict[int, tuple[str, str]]:
    """id(torch callable) -> (namespace, name); the first namespace listed wins."""
    out = {}
    for ns, get_torch, _ in NAMESPACES:
        mod = get_torch()
        for name in sorted(dir(mod), key=lambda n: n.startswith("_")):  # public names first
            try:
                obj = getattr(mod, name)
            except Exception:  # noqa: BLE001 - deprecated attributes may raise
                continue
            if callable(obj) and not isinstance(obj, type):
                out.setdefault(id(obj), (ns, name))
    return out


def _torchax_ns(ns: str):
    for name, _, get in NAMESPACES:
        if name == ns:
            return get()
    raise KeyError(ns)


def torch_path(fn) -> str | None:
    """'torch.add', 'Tensor.add_', ... for a callable found in a torch namespace."""
    hit = _reverse_map().get(id(fn))
    return None if hit is None else f"{hit[0]}.{hit[1]}"


def by_path(path: str):
    """The torchax object at a dotted torch path ('nn.functional.relu', 'signal.windows.hann', 'Tensor.add')."""
    obj = torchax.Tensor if path.startswith("Tensor.") else torchax
    for part in path.split(".")[1 if path.startswith("Tensor.") else 0:]:
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise Missing(f"torchax has no {path}") from None
    return obj


def counterpart(fn, opname: str):
    """The torchax callable standing for torch's `fn` (an OpInfo's op/method/in-place variant)."""
    hit = _reverse_map().get(id(fn))
    if hit is not None:
        ns, name = hit
        mod = _torchax_ns(ns)
        target = None if mod is None else getattr(mod, name, None)
        if target is None:
            path = name if ns == "Tensor" else f"{ns}.{name}"
            raise Missing(f"torchax has no {path}" if ns != "Tensor" else f"torchax has no Tensor.{name}")
        return target
    if isinstance(fn, functools.partial):
        inner = counterpart(fn.func, opname)
        return functools.partial(inner, *convert(fn.args), **convert(fn.keywords))
    if isinstance(fn, types.FunctionType) and fn.__module__.startswith("torch.testing"):
        return _rebind(fn)  # a lambda of the OpInfo database: run its body against torchax
    if isinstance(fn, types.FunctionType) and fn.__module__.startswith(("torch.masked", "torch.signal")):
        return by_path(opname)
    raise Missing(f"torchax has no {opname} ({getattr(fn, '__module__', '?')}.{getattr(fn, '__name__', '?')})")


def _map_value(v):
    """A global or closure value of an OpInfo lambda, as torchax sees it."""
    if v is torch:
        return torchax
    if v is F:
        return torchax.nn.functional
    if isinstance(v, types.ModuleType) and v.__name__.startswith("torch."):
        try:
            return by_path(v.__name__[len("torch."):])
        except Missing:
            return v
    if isinstance(v, torch.dtype):
        return convert(v)
    if getattr(v, "__name__", None) == "wrapper_set_seed":
        return _wrapper_set_seed
    if callable(v) and not isinstance(v, type):
        hit = _reverse_map().get(id(v))
        if hit is not None:
            mod = _torchax_ns(hit[0])
            return getattr(mod, hit[1], None) if mod is not None else None
        if isinstance(v, types.FunctionType) and v.__module__.startswith("torch.testing"):
            return _rebind(v)
        if isinstance(v, functools.partial):
            return functools.partial(_map_value(v.func), *convert(v.args), **convert(v.keywords))
    return v


def _wrapper_set_seed(op, *args, **kwargs):
    """OpInfo's wrapper_set_seed for torchax: seed 42 for the call, then restore the generator."""
    state = torchax.get_rng_state()
    try:
        torchax.manual_seed(42)
        return op(*args, **kwargs)
    finally:
        torchax.set_rng_state(state)


def _names(code) -> set[str]:
    """Global names a code object (and the lambdas nested in it) reads."""
    out = set(code.co_names)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            out |= _names(c)
    return out


def _rebind(fn):
    """An OpInfo lambda whose globals and closure read torchax where they read torch."""
    g = {"__builtins__": fn.__globals__.get("__builtins__")}
    for k in _names(fn.__code__) & fn.__globals__.keys():
        g[k] = _map_value(fn.__globals__[k])
    closure = None
    if fn.__closure__:
        closure = tuple(types.CellType(_map_value(c.cell_contents)) for c in fn.__closure__)
    new = types.FunctionType(fn.__code__, g, fn.__name__, fn.__defaults__, closure)
    new.__kwdefaults__ = fn.__kwdefaults__
    return new


# --- values ---------------------------------------------------------------------------------------


def _dtype(d: torch.dtype):
    name = str(d).replace("torch.", "")
    if not hasattr(torchax, name):
        raise Missing(f"torchax has no dtype {name}")
    return getattr(torchax, name)


def to_numpy(t: torch.Tensor) -> np.ndarray:
    t = t.detach().resolve_conj().resolve_neg()
    if t.dtype == torch.bfloat16:
        return t.float().numpy()
    return t.numpy().copy()


def convert(x, memo=None):
    """torch values (tensors anywhere in lists/tuples/dicts, dtypes, devices, sizes) -> torchax values."""
    memo = {} if memo is None else memo
    if isinstance(x, torch.Tensor):
        if id(x) in memo:
            return memo[id(x)]
        if x.layout != torch.strided:
            raise Missing(f"torchax has no {x.layout} tensors")
        arr = to_numpy(x)
        t = torchax.tensor(arr)
        if x.dtype == torch.bfloat16:
            t = t.to(torchax.bfloat16)
        if x.requires_grad:
            t.requires_grad_(True)
        memo[id(x)] = t
        return t
    if isinstance(x, torch.dtype):
        return _dtype(x)
    if isinstance(x, torch.device):
        return torchax.device(str(x))
    if isinstance(x, torch.Size):
        return torchax.Size(x)
    if isinstance(x, torch.memory_format):
        return getattr(torchax, str(x).replace("torch.", ""), str(x))
    if isinstance(x, torch.layout):
        return getattr(torchax, str(x).replace("torch.", ""), str(x))
    if isinstance(x, torch.Generator):
        raise Missing("torch.Generator argument")
    if isinstance(x, torch.nn.Module):
        return _module(x)
    if isinstance(x, list):
        return [convert(v, memo) for v in x]
    if isinstance(x, tuple):
        return tuple(convert(v, memo) for v in x)
    if isinstance(x, dict):
        return {k: convert(v, memo) for k, v in x.items()}
    if callable(x) and not isinstance(x, type):
        return _map_value(x)
    return x


def _module(m: torch.nn.Module):
    """A parameter-free torch module argument (e.g. a distance_function) as the torchax module of that class."""
    cls = getattr(torchax.nn, type(m).__name__, None)
    if cls is None or any(True for _ in m.parameters()):
        raise Missing(f"torchax has no counterpart for the argument {type(m).__name__}")
    new = cls()
    for k, v in vars(m).items():
        if isinstance(v, (bool, int, float, str)) and not k.startswith("_"):
            setattr(new, k, v)
    return new
