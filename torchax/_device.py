"""torch.device and its mapping onto JAX devices (cpu -> JAX CPU, cuda -> JAX GPUs, tpu -> JAX TPUs)."""

from __future__ import annotations

import functools

import jax

_JAX_PLATFORM = {"cpu": "cpu", "cuda": "gpu", "tpu": "tpu"}
_TYPES = ("cpu", "cuda", "tpu", "meta", "mps", "xla", "xpu")


class device:
    """torchax implementation of `torch.device`: `device('cuda:1')`, `device('cuda', 1)`, `device(0)`."""

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):  # noqa: A002 - torch's argument name
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        elif isinstance(type, int):  # a bare ordinal means the accelerator
            if not jax_devices("gpu") and not jax_devices("tpu"):
                raise RuntimeError("Cannot access accelerator device when none is available.")
            type, index = ("cuda" if jax_devices("gpu") else "tpu"), type
        elif isinstance(type, str):
            name, sep, idx = type.partition(":")
            if sep:
                if index is not None:
                    raise RuntimeError("type (string) must not include an index because index was passed "
                                       f"explicitly: {type}")
                if not idx.isdigit() or (len(idx) > 1 and idx[0] == "0"):
                    raise RuntimeError(f"Invalid device string: '{type}'")
                index = int(idx)
            type = name
        else:
            raise TypeError(f"device() received an invalid combination of arguments - got ({type.__class__.__name__})")
        if type not in _TYPES:
            raise RuntimeError(f"Expected one of cpu, cuda, tpu, meta device type at start of device string: {type}")
        if index is not None and index < 0:
            raise RuntimeError(f"Device index must not be negative, got {index}")
        self.type, self.index = type, index

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):  # as in torch, a device never equals a string
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))

    def __enter__(self):  # `with torch.device('cuda'):` sets the default device for creation ops
        from torchax import _state
        self._prev = _state.default_device()
        _state.set_default_device(self)
        return self

    def __exit__(self, *exc):
        from torchax import _state
        _state.set_default_device(self._prev)


CPU = device("cpu")


@functools.cache
def jax_devices(platform: str) -> tuple:
    """This process's devices of a platform (in a multi-process job, `cuda:0` is the local GPU)."""
    try:
        return tuple(jax.local_devices(backend=platform))
    except RuntimeError:  # JAX raises when a backend is absent
        return ()


def to_jax(d: device | str | int | None):
    """The JAX device for a torch device; raises torch's error when it does not exist."""
    d = CPU if d is None else d if isinstance(d, device) else device(d)
    if d.type not in _JAX_PLATFORM:
        raise RuntimeError(f"torchax has no {d.type} backend; use 'cpu', 'cuda' or 'tpu'")
    devs = jax_devices(_JAX_PLATFORM[d.type])
    if not devs:
        if d.type == "cuda":
            raise AssertionError("Torch not compiled with CUDA enabled")
        raise RuntimeError(f"no {d.type} device is available")
    index = d.index or 0
    if index >= len(devs):
        raise RuntimeError(f"{d.type} error: invalid device ordinal {index} (there are {len(devs)} {d.type} devices)")
    return devs[index]


@functools.cache
def from_jax(jd) -> device:
    """The torch device of a JAX device."""
    if jd.platform == "cpu":
        return CPU
    kind = {"gpu": "cuda", "cuda": "cuda", "rocm": "cuda", "tpu": "tpu"}.get(jd.platform, jd.platform)
    return device(kind, jax_devices(_JAX_PLATFORM.get(kind, jd.platform)).index(jd))
