"""torch.version: the torch release torchax implements, marked as torchax's build."""

from __future__ import annotations

import operator
import re

__all__ = ["TorchVersion", "__version__"]

_PEP440 = re.compile(r"v?(\d+(?:\.\d+)*)(?:(a|b|rc)(\d+))?(?:\.post(\d+))?(?:\.dev(\d+))?(?:\+([\w.]+))?$")
_PRE = {"a": 0, "b": 1, "rc": 2}


def _key(v) -> tuple:
    """A sort key for a PEP 440 version (release, pre, post, dev, local), as packaging.version orders them."""
    if isinstance(v, (tuple, list)):
        v = ".".join(str(x) for x in v)
    m = _PEP440.match(str(v).strip().lower())
    if m is None:
        raise ValueError(f"Invalid version: '{v}'")
    rel, pre, pre_n, post, dev, local = m.groups()
    release = tuple(int(x) for x in rel.split("."))
    while len(release) > 1 and release[-1] == 0:  # 2.13 == 2.13.0
        release = release[:-1]
    pre_k = (_PRE[pre], int(pre_n)) if pre else ((-1, 0) if dev and post is None else (3, 0))
    local_k = tuple((0, int(p)) if p.isdigit() else (-1, p) for p in re.split(r"[._-]", local)) if local else ()
    return release, pre_k, int(post) if post else -1, int(dev) if dev else float("inf"), local_k


class TorchVersion(str):
    """torch.torch_version.TorchVersion: a version string that compares as a version (with strings or tuples)."""

    def _cmp(self, other, op):
        try:
            return op(_key(self), _key(other))
        except ValueError:
            return NotImplemented if not isinstance(other, str) else op(str(self), other)

    def __lt__(self, other):
        return self._cmp(other, operator.lt)

    def __le__(self, other):
        return self._cmp(other, operator.le)

    def __gt__(self, other):
        return self._cmp(other, operator.gt)

    def __ge__(self, other):
        return self._cmp(other, operator.ge)

    def __eq__(self, other):
        return self._cmp(other, operator.eq)

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = str.__hash__


torchax = "0.1.0"
# torch-like, so version checks in scripts behave as on torch 2.13
__version__ = TorchVersion(f"2.13.0+torchax.{torchax}")
cuda = None  # torch's CPU-build answers: torchax does not link CUDA itself
hip = None
git_version = "unknown"
debug = False
