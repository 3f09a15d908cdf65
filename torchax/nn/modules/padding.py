"""torch.nn modules: ZeroPad/ConstantPad/ReflectionPad/ReplicationPad/CircularPad."""

from __future__ import annotations

from torchax.nn import functional as F
from torchax.nn.modules.module import Module

__all__ = ["CircularPad1d", "CircularPad2d", "CircularPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
           "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
           "ReplicationPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d"]


def _ntuple(n: int, x) -> tuple:
    """torch.nn.modules.utils._ntuple(n)(x): an iterable as a tuple, anything else repeated n times."""
    return tuple(x) if isinstance(x, (list, tuple)) or hasattr(x, "__iter__") and not isinstance(x, str) else (x,) * n


class _PadNd(Module):
    """A padding module over `_n` spatial dims: `padding` is an int or 2 * `_n` ints (last dim first)."""

    __constants__ = ["padding"]
    _n = 0
    _mode = "constant"

    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _ntuple(2 * self._n, padding)

    def forward(self, input):
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _CircularPadNd(_PadNd):
    """torch.nn.modules.padding._CircularPadNd: checks the input rank first."""

    _mode = "circular"

    def _check_input_dim(self, input) -> None:
        n = self._n
        if input.dim() != n + 1 and input.dim() != n + 2:
            raise ValueError(f"expected {n + 1}D or {n + 2}D input (got {input.dim()}D input)")

    def forward(self, input):
        self._check_input_dim(input)
        return F.pad(input, self.padding, "circular")


class CircularPad1d(_CircularPadNd):
    """torch.nn.CircularPad1d."""

    _n = 1


class CircularPad2d(_CircularPadNd):
    """torch.nn.CircularPad2d."""

    _n = 2


class CircularPad3d(_CircularPadNd):
    """torch.nn.CircularPad3d."""

    _n = 3


class _ConstantPadNd(Module):
    """torch.nn.modules.padding._ConstantPadNd."""

    __constants__ = ["padding", "value"]
    _n = 0

    def __init__(self, padding, value: float) -> None:
        super().__init__()
        self.value = value
        self.padding = _ntuple(2 * self._n, padding)

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """torch.nn.ConstantPad1d."""

    _n = 1


class ConstantPad2d(_ConstantPadNd):
    """torch.nn.ConstantPad2d."""

    _n = 2


class ConstantPad3d(_ConstantPadNd):
    """torch.nn.ConstantPad3d."""

    _n = 3


class ReflectionPad1d(_PadNd):
    """torch.nn.ReflectionPad1d."""

    _n, _mode = 1, "reflect"


class ReflectionPad2d(_PadNd):
    """torch.nn.ReflectionPad2d."""

    _n, _mode = 2, "reflect"


class ReflectionPad3d(_PadNd):
    """torch.nn.ReflectionPad3d."""

    _n, _mode = 3, "reflect"


class ReplicationPad1d(_PadNd):
    """torch.nn.ReplicationPad1d."""

    _n, _mode = 1, "replicate"


class ReplicationPad2d(_PadNd):
    """torch.nn.ReplicationPad2d."""

    _n, _mode = 2, "replicate"


class ReplicationPad3d(_PadNd):
    """torch.nn.ReplicationPad3d."""

    _n, _mode = 3, "replicate"


class ZeroPad1d(ConstantPad1d):
    """torch.nn.ZeroPad1d."""

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """torch.nn.ZeroPad2d."""

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """torch.nn.ZeroPad3d."""

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"
