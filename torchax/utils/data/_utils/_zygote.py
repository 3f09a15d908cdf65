"""Imported last by torchax's DataLoader fork server (after jax, numpy and torchax): reports whether this process
is still free of any JAX backend, so that the workers it forks can start their own.

A worker forked from a process whose JAX runtime exists hangs at its first computation (the runtime's threads do
not survive the fork). The verdict ("1": no backend, safe to fork; "0": not safe) goes to the file named by
$TORCHAX_DATALOADER_ZYGOTE_STATUS; `launch._preloaded_server` replaces the server when it is not "1".
"""

from __future__ import annotations

import os


def _verdict() -> bytes:
    try:
        from jax._src import xla_bridge

        return b"0" if xla_bridge._backends else b"1"
    except (ImportError, AttributeError):  # cannot tell: not safe
        return b"0"


def _restore_pythonpath() -> None:
    """The workers forked from here see the PYTHONPATH the main process had (launch.py extended it for us)."""
    saved = os.environ.pop("TORCHAX_DATALOADER_ZYGOTE_PYTHONPATH", None)
    if saved is None:
        return
    if saved:
        os.environ["PYTHONPATH"] = saved[1:]
    else:
        os.environ.pop("PYTHONPATH", None)


def _report() -> None:
    _restore_pythonpath()
    path = os.environ.pop("TORCHAX_DATALOADER_ZYGOTE_STATUS", None)
    if path:
        with open(path, "wb") as f:
            f.write(_verdict())


_report()
