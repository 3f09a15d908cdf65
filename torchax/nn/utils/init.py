"""torch.nn.utils.init.skip_init: build a module without running its initialisation."""

from __future__ import annotations

import inspect

__all__ = ["skip_init"]


def skip_init(module_cls, *args, **kwargs):
    """torch.nn.utils.skip_init: the module's tensors are left uninitialised (zeros here) and no RNG is consumed."""
    import torchax
    from torchax.nn.modules.module import Module

    if not issubclass(module_cls, Module):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    final_device = kwargs.pop("device", "cpu")
    # NOTE: torch builds on the meta device; here the module is built normally and the RNG state restored
    state = torchax.get_rng_state()
    try:
        module = module_cls(*args, **kwargs)
    finally:
        torchax.set_rng_state(state)
    return module.to_empty(device=final_device)
