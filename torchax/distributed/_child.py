"""The entry point of a rank started by torchaxrun: `python -m torchax.distributed._child [-m] target args...`.

It aliases `torch` to torchax (as `torchax run` does), runs the script or module as `__main__`, and records an
uncaught exception's traceback in $TORCHELASTIC_ERROR_FILE for the launcher's failure summary.
"""

from __future__ import annotations

import os
import runpy
import sys
import traceback


def main(argv: list[str]) -> int:
    module = argv[0] == "-m"
    target, args = (argv[1], argv[2:]) if module else (argv[0], argv[1:])
    from torchax._alias import alias_torch
    from torchax.distributed.elastic.multiprocessing.errors import write_error

    alias_torch()
    sys.argv = [target, *args]
    try:
        if module:
            runpy.run_module(target, run_name="__main__", alter_sys=True)
        else:
            sys.path.insert(0, os.path.dirname(os.path.abspath(target)))  # as `python script.py` does
            runpy.run_path(target, run_name="__main__")
    except SystemExit as e:
        if e.code not in (None, 0):
            write_error(e)
            _leave(e.code if isinstance(e.code, int) else 1)
        raise
    except BaseException as e:  # noqa: BLE001 - every failure is reported to the launcher
        write_error(e)
        traceback.print_exc()
        _leave(1)
        return 1
    return 0


def _leave(code: int) -> None:
    """A failed rank that joined a JAX job exits at once (see torchax.distributed._runtime.exit_now)."""
    runtime = sys.modules.get("torchax.distributed._runtime")
    if runtime is not None and runtime.WORLD.jax_initialized:
        runtime.exit_now(code)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
