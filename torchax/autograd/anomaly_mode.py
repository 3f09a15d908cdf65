"""torch.autograd.detect_anomaly / set_detect_anomaly: name the forward op behind a NaN gradient."""

from __future__ import annotations

import warnings

from torchax import _state


class detect_anomaly:
    """torch.autograd.detect_anomaly(check_nan=True): a context manager (and decorator)."""

    def __init__(self, check_nan: bool = True):
        self.check_nan = check_nan
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime and should only be "
                      "enabled for debugging.", UserWarning, stacklevel=2)

    def __enter__(self):
        self._prev = (_state._local.anomaly, _state._local.anomaly_nan)
        _state._local.anomaly, _state._local.anomaly_nan = True, self.check_nan

    def __exit__(self, *exc):
        _state._local.anomaly, _state._local.anomaly_nan = self._prev
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self:
                return fn(*args, **kwargs)

        return wrapper


class set_detect_anomaly:
    """torch.autograd.set_detect_anomaly(mode, check_nan=True): takes effect at once; restores on exit."""

    def __init__(self, mode: bool, check_nan: bool = True):
        self._prev = (_state._local.anomaly, _state._local.anomaly_nan)
        _state._local.anomaly, _state._local.anomaly_nan = bool(mode), check_nan

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        _state._local.anomaly, _state._local.anomaly_nan = self._prev
        return False


def is_anomaly_enabled() -> bool:
    """torch.is_anomaly_enabled."""
    return _state._local.anomaly


def is_anomaly_check_nan_enabled() -> bool:
    """torch.is_anomaly_check_nan_enabled."""
    return _state._local.anomaly_nan
