"""torch.multiprocessing: Python's multiprocessing plus `spawn`/`start_processes` (JAX cannot run in a forked
child, so processes are started with the spawn method by default)."""

from __future__ import annotations

import multiprocessing
from multiprocessing import *  # noqa: F401,F403 - torch.multiprocessing re-exports the standard module

from torchax.multiprocessing.spawn import (
    ProcessContext as ProcessContext,
    ProcessExitedException as ProcessExitedException,
    ProcessRaisedException as ProcessRaisedException,
    spawn as spawn,
    start_processes as start_processes,
)

__all__ = list(multiprocessing.__all__) + ["ProcessContext", "ProcessExitedException", "ProcessRaisedException",
                                           "get_all_sharing_strategies", "get_sharing_strategy",
                                           "set_sharing_strategy", "spawn", "start_processes"]

_SHARING = "file_system"


def get_all_sharing_strategies() -> set:
    """torch.multiprocessing.get_all_sharing_strategies (tensors are pickled by value under torchax)."""
    return {"file_system"}


def get_sharing_strategy() -> str:
    return _SHARING


def set_sharing_strategy(new_strategy: str) -> None:
    if new_strategy not in get_all_sharing_strategies():
        raise AssertionError(f"unknown sharing strategy {new_strategy!r}")
