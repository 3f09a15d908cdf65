"""torch.nn.utils.stateless.functional_call: call a module with some parameters/buffers swapped out."""

from __future__ import annotations

import contextlib
import warnings

__all__ = ["functional_call"]


def _swap(module, name: str, value):
    """Put `value` at dotted `name` (in _parameters/_buffers when registered there); return what was there."""
    prefix, _, attr = name.rpartition(".")
    mod = module.get_submodule(prefix)
    for registry in (mod._parameters, mod._buffers):
        if attr in registry:
            old = registry[attr]
            registry[attr] = value
            return old
    old = getattr(mod, attr, None)
    setattr(mod, attr, value)
    return old


def _untie(module, values: dict) -> dict:
    """Give every name tied to a given name (the same tensor) the given value."""
    named = dict(module.named_parameters(remove_duplicate=False))
    named.update(module.named_buffers(remove_duplicate=False))
    groups: dict = {}
    for name, t in named.items():
        groups.setdefault(id(t), set()).add(name)
    out = dict(values)
    for name in values:
        tied = next((g for g in groups.values() if name in g), {name})
        given = [values[n] for n in tied if n in values]
        if len(given) > 1 and len({id(v) for v in given}) != 1:
            raise ValueError(f"functional_call got multiple values for keys {sorted(tied)}, which are tied. Consider "
                             "using tie_weights=False")
        for n in tied:
            out[n] = values[name]
    return out


@contextlib.contextmanager
def _reparametrize_module(module, parameters_and_buffers, tie_weights=False, strict=False):
    values = _untie(module, parameters_and_buffers) if tie_weights else parameters_and_buffers
    if strict:
        known = {n for n, _ in module.named_parameters(remove_duplicate=False)}
        known |= {n for n, _ in module.named_buffers(remove_duplicate=False)}
        unexpected = sorted(set(values) - known)
        missing = sorted(known - set(values))
        errors = []
        if unexpected:
            errors.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
        if missing:
            errors.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
        if errors:
            raise RuntimeError("Error(s) in reparametrizing for {}:\n\t{}".format(module._get_name(),
                                                                                  "\n\t".join(errors)))
    originals = {}
    try:
        for name, value in values.items():
            originals[name] = _swap(module, name, value)
        yield
    finally:
        for name, value in originals.items():
            _swap(module, name, value)


def functional_call(module, parameters_and_buffers, args=None, kwargs=None, *, tie_weights=True, strict=False):
    """torch.nn.utils.stateless.functional_call (deprecated; torch.func.functional_call is the same)."""
    warnings.warn("`torch.nn.utils.stateless.functional_call` is deprecated as of PyTorch 2.0 and will be removed in a "
                  "future version of PyTorch. Please use `torch.func.functional_call` instead which is a drop-in "
                  "replacement.", FutureWarning, stacklevel=2)
    return _functional_call(module, parameters_and_buffers, args, kwargs, tie_weights=tie_weights, strict=strict)


def _functional_call(module, parameters_and_buffers, args=None, kwargs=None, *, tie_weights=True, strict=False):
    kwargs = {} if kwargs is None else kwargs
    args = () if args is None else args if isinstance(args, tuple) else (args,)
    with _reparametrize_module(module, parameters_and_buffers, tie_weights=tie_weights, strict=strict):
        return module(*args, **kwargs)
