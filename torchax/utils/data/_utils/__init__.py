"""torch.utils.data._utils: collation, fetchers and the worker loop shared by the DataLoader iterators."""

from __future__ import annotations

import atexit
import sys
import traceback

IS_WINDOWS = sys.platform == "win32"

# How often (seconds) a blocked queue read wakes up to check that the other side is still alive.
MP_STATUS_CHECK_INTERVAL = 5.0

python_exit_status = False  # set at interpreter exit: iterators then skip their worker shutdown


def _set_python_exit_flag() -> None:
    global python_exit_status
    python_exit_status = True


atexit.register(_set_python_exit_flag)


class KeyErrorMessage(str):
    """A str that is its own repr, so a re-raised KeyError shows its traceback text readably."""

    __slots__ = ()

    def __repr__(self):
        return self


class ExceptionWrapper:
    """torch._utils.ExceptionWrapper: an exception and its formatted traceback, carried across processes."""

    def __init__(self, exc_info=None, where="in background"):
        if exc_info is None:
            exc_info = sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))  # text only: tracebacks do not pickle
        self.where = where

    def reraise(self):
        """Raise the wrapped exception type here, its message naming where it came from plus the traceback."""
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = KeyErrorMessage(msg)
        elif getattr(self.exc_type, "message", None):
            raise self.exc_type(message=msg)
        try:
            exception = self.exc_type(msg)
        except Exception:  # an exception class that does not take one message argument
            raise RuntimeError(msg) from None
        try:
            raise exception
        finally:  # no cycle exception -> traceback -> this frame -> exception: the DataLoader iterator the
            del exception  # traceback holds is then freed at once, not by a later gc pass (see _shutdown_workers)


from torchax.utils.data._utils import collate, fetch, worker  # noqa: E402,F401
