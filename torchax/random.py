"""torch.random: the default CPU generator's seed and state, and fork_rng."""

from __future__ import annotations

import contextlib

from torchax import _generator
from torchax._generator import Generator, default_generator

__all__ = ["manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state", "fork_rng", "Generator",
           "default_generator"]


def manual_seed(seed) -> Generator:
    """torch.manual_seed: seed the default CPU generator (and every accelerator's); returns it."""
    seed = int(seed)
    for g in _generator._device_generators.values():
        g.manual_seed(seed)
    return default_generator.manual_seed(seed)


def seed() -> int:
    """torch.seed: seed the default generator from the OS's entropy; returns the seed."""
    s = default_generator.seed()
    for g in _generator._device_generators.values():
        g.manual_seed(s)
    return s


def initial_seed() -> int:
    """torch.initial_seed."""
    return default_generator.initial_seed()


def get_rng_state():
    """torch.get_rng_state: the default generator's state as a uint8 tensor (torch's 5056-byte layout)."""
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    """torch.set_rng_state."""
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices", device_type="cuda"):
    """torch.random.fork_rng: on exit, restore the CPU generator (and the given devices' generators)."""
    if not enabled:
        yield
        return
    gens = [default_generator]
    if devices is None:
        gens += [g for (kind, _), g in _generator._device_generators.items() if kind == device_type]
    else:
        gens += [_generator.for_device(f"{device_type}:{int(getattr(d, 'index', d) or 0)}") for d in devices]
    saved = [(g, g.clone_state()) for g in gens]
    try:
        yield
    finally:
        for g, snap in saved:
            g.restore_state(snap)
