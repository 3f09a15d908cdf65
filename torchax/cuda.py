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
