"""torch.distributed.elastic.multiprocessing.errors: `record` writes a failing rank's traceback for the launcher."""

from __future__ import annotations

import functools
import json
import os
import time
import traceback

__all__ = ["ChildFailedError", "ProcessFailure", "record"]


def write_error(exc: BaseException) -> None:
    """Write `exc` and its traceback to $TORCHELASTIC_ERROR_FILE (torchelastic's JSON layout), if set."""
    path = os.environ.get("TORCHELASTIC_ERROR_FILE")
    if not path or os.path.exists(path):  # the innermost record wins, as in torch
        return
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    message = {"message": f"{type(exc).__name__}: {exc}",
               "extraInfo": {"py_callstack": text, "timestamp": str(int(time.time()))}}
    with open(path, "w") as f:
        json.dump({"message": message}, f)


def record(fn=None, error_handler=None):
    """torch.distributed.elastic.multiprocessing.errors.record: decorate a rank's main function so that an
    uncaught exception's traceback reaches the launcher's failure summary."""
    if fn is None:
        return functools.partial(record, error_handler=error_handler)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except SystemExit as e:
            if e.code not in (None, 0):
                write_error(e)
            raise
        except BaseException as e:
            write_error(e)
            raise

    return wrapper


class ProcessFailure:
    """One failed rank: its rank, local rank, exit code, pid and recorded traceback (if any)."""

    def __init__(self, rank, local_rank, exitcode, pid, error_file):
        self.rank, self.local_rank, self.exitcode = rank, local_rank, exitcode
        self.pid, self.error_file = pid, error_file
        self.timestamp = int(time.time())
        self.message = "<N/A>"
        if error_file and os.path.exists(error_file):
            with open(error_file) as f:
                data = json.load(f)["message"]
            self.message = data["extraInfo"]["py_callstack"] if isinstance(data, dict) else str(data)
        elif exitcode < 0:
            import signal

            self.message = f"Signal {-exitcode} ({signal.Signals(-exitcode).name}) received by PID {pid}"

    def signal_name(self) -> str:
        import signal

        return signal.Signals(-self.exitcode).name if self.exitcode < 0 else "<N/A>"


class ChildFailedError(Exception):
    """torch.distributed.elastic.multiprocessing.errors.ChildFailedError: the launcher's failure report."""

    def __init__(self, name: str, failures: dict):
        self.name, self.failures = name, failures
        super().__init__(self.format_msg())

    def format_msg(self) -> str:
        import socket

        bar = "=" * 60
        first = next(iter(self.failures.values()))  # insertion order = order observed
        others = [f for f in self.failures.values() if f is not first]

        def block(i, f):
            return (f"[{i}]:\n  time      : {time.strftime('%Y-%m-%d_%H:%M:%S', time.localtime(f.timestamp))}\n"
                    f"  host      : {socket.gethostname()}\n  rank      : {f.rank} (local_rank: {f.local_rank})\n"
                    f"  exitcode  : {f.exitcode} (pid: {f.pid})\n  error_file: {f.error_file or '<N/A>'}\n"
                    f"  traceback : {f.message}")

        other_text = "\n".join(block(i + 1, f) for i, f in enumerate(others)) or "  <NO_OTHER_FAILURES>"
        return (f"\n{bar}\n{self.name} FAILED\n{'-' * 60}\nFailures:\n{other_text}\n{'-' * 60}\n"
                f"Root Cause (first observed failure):\n{block(0, first)}\n{bar}")
