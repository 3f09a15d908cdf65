"""The only mutable global state of torchax: grad mode and the default device.

Grad mode is thread-local, as in torch. (Autocast, RNG and print options join this module as they land.)
"""

from __future__ import annotations

import threading

from torchax import _device


class _Local(threading.local):
    grad_enabled = True
    inference = False
    anomaly = False  # detect_anomaly: remember forward stacks, check backward for NaN
    anomaly_nan = True
    capturing = False  # autograd.grad / backward(inputs=) is running (reentrant checkpoints refuse it)
    rng_key = None  # [jax key] while random ops draw from a key threaded through compiled code


_local = _Local()
_default_device = [_device.CPU]


def is_grad_enabled() -> bool:
    return _local.grad_enabled


def set_grad_enabled_(mode: bool) -> None:
    _local.grad_enabled = bool(mode)


def default_device() -> _device.device:
    return _default_device[0]


def set_default_device(d) -> None:
    """torch.set_default_device."""
    _default_device[0] = _device.CPU if d is None else _device.device(d)
