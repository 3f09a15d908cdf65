"""torchax.cuda: answers from JAX's GPU backend (`cuda` devices are JAX GPU devices)."""

from __future__ import annotations

from torchax import _device


def is_available() -> bool:
    """torch.cuda.is_available."""
    return bool(_device.jax_devices("gpu"))


def device_count() -> int:
    """torch.cuda.device_count."""
    return len(_device.jax_devices("gpu"))


_current = [0]


def _require():
    if not is_available():
        raise AssertionError("Torch not compiled with CUDA enabled")


def current_device() -> int:
    """torch.cuda.current_device."""
    _require()
    return _current[0]


def set_device(device) -> None:
    """torch.cuda.set_device."""
    d = _device.device(device) if not isinstance(device, int) else _device.device("cuda", device)
    _device.to_jax(d)
    _current[0] = d.index or 0


def get_device_name(device=None) -> str:
    """torch.cuda.get_device_name."""
    _require()
    return _device.to_jax(_device.device("cuda", _index(device))).device_kind


def get_device_capability(device=None) -> tuple[int, int]:
    """torch.cuda.get_device_capability."""
    _require()
    cc = getattr(_device.to_jax(_device.device("cuda", _index(device))), "compute_capability", "0.0")
    major, minor = str(cc).split(".")[:2]
    return int(major), int(minor)


def _index(device) -> int:
    if device is None:
        return _current[0]
    if isinstance(device, int):
        return device
    return _device.device(device).index or 0


def synchronize(device=None) -> None:
    """torch.cuda.synchronize: waits for all pending JAX work."""
    import jax

    jax.effects_barrier()


def empty_cache() -> None:
    """torch.cuda.empty_cache (XLA manages its own memory pool)."""


def is_initialized() -> bool:
    return is_available()


# --- random number generators (torch.cuda.manual_seed & co.): one torchax Generator per device --------------

def _generators(all_devices: bool):
    from torchax import _generator

    if not is_available():
        return []
    idx = range(device_count()) if all_devices else [_current[0]]
    return [_generator.for_device(f"cuda:{i}") for i in idx]


def manual_seed(seed) -> None:
    """torch.cuda.manual_seed: seed the current device's generator (lazily, if no device is there yet)."""
    from torchax import _generator

    seed = int(seed)
    _generator._pending_seeds.setdefault("cuda", seed)
    for g in _generators(False):
        g.manual_seed(seed)


def manual_seed_all(seed) -> None:
    """torch.cuda.manual_seed_all."""
    from torchax import _generator

    seed = int(seed)
    _generator._pending_seeds["cuda"] = seed
    for g in _generators(True):
        g.manual_seed(seed)


def seed() -> None:
    """torch.cuda.seed: a fresh OS-entropy seed for the current device."""
    for g in _generators(False):
        g.seed()


def seed_all() -> None:
    """torch.cuda.seed_all."""
    gens = _generators(True)
    if gens:
        s = gens[0].seed()
        for g in gens[1:]:
            g.manual_seed(s)


def initial_seed() -> int:
    """torch.cuda.initial_seed."""
    _require()
    return _generators(False)[0].initial_seed()


def get_rng_state(device="cuda"):
    """torch.cuda.get_rng_state."""
    from torchax import _generator

    _require()
    return _generator.for_device(device).get_state()


def get_rng_state_all() -> list:
    """torch.cuda.get_rng_state_all."""
    return [g.get_state() for g in _generators(True)]


def set_rng_state(new_state, device="cuda") -> None:
    """torch.cuda.set_rng_state."""
    from torchax import _generator

    _require()
    _generator.for_device(device).set_state(new_state)


def set_rng_state_all(new_states) -> None:
    """torch.cuda.set_rng_state_all."""
    for g, s in zip(_generators(True), new_states):
        g.set_state(s)


class device:
    """torch.cuda.device(idx): a context manager that makes `idx` the current CUDA device."""

    def __init__(self, device):
        self.idx = device if isinstance(device, int) or device is None else (_device.device(device).index or 0)
        self.prev_idx = -1

    def __enter__(self):
        if self.idx is not None and self.idx >= 0:
            self.prev_idx = _current[0]
            set_device(self.idx)
        return self

    def __exit__(self, *exc):
        if self.prev_idx >= 0:
            _current[0] = self.prev_idx
        return False
