"""The `torchax` command: `torchax run SCRIPT [ARGS...]` runs an unchanged PyTorch script on torchax."""

from __future__ import annotations

import builtins
import io
import os
import sys
import types

USAGE = """\
usage: torchax run SCRIPT [ARGS...]
       torchax --version

Run SCRIPT as __main__ with `import torch` (and `import torchvision`) resolving to torchax.
`python -m torchax SCRIPT [ARGS...]` does the same. An uncaught error shows the script's frames
only; TORCHAX_TRACEBACK=full shows torchax's and JAX's frames too.
"""


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `torchax` console script; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] in (["-h"], ["--help"]):
        sys.stdout.write(USAGE)
        return 0
    if argv[:1] == ["--version"]:
        import torchax

        print(f"torchax {torchax.version.torchax} (torch {torchax.__version__.split('+')[0]} API)")
        return 0
    if len(argv) < 2 or argv[0] != "run":
        sys.stderr.write(USAGE)
        return 2
    return run(argv[1], argv[2:])


def run(script: str, args: list[str]) -> int:
    """Run `script` as `python script args...` would, with torch aliased to torchax."""
    if not os.path.isfile(script):
        sys.stderr.write(f"torchax: can't open file {os.path.abspath(script)!r}: No such file\n")
        return 2
    from torchax import _traceback
    from torchax._alias import alias_torch

    if _traceback.full():
        import jax

        jax.config.update("jax_traceback_filtering", "off")
    alias_torch()
    sys.argv = [script, *args]
    path = os.path.abspath(script)
    # NOTE: like `python script.py`: the script's own directory comes first so its sibling modules import.
    sys.path[0] = os.path.dirname(path)
    try:
        _run_main(path)
    except (SystemExit, KeyboardInterrupt):
        raise
    except BaseException as e:  # noqa: B036 - reported like the interpreter would, then exit 1
        _traceback.report(e, _user_frames(e.__traceback__, path))
        return 1
    return 0


def _run_main(path: str) -> None:
    """Execute the file at `path` as module `__main__`, as `python script.py` does.

    NOTE: not `runpy.run_path`, which sets `sys.argv[0]` to the path it is given: python keeps argv[0] as typed
    while `__file__` (and so every traceback) holds the absolute path.
    """
    with io.open_code(path) as f:
        code = compile(f.read(), path, "exec", dont_inherit=True)
    main = types.ModuleType("__main__")
    main.__dict__.update(__file__=path, __cached__=None, __loader__=None, __package__=None, __spec__=None,
                         __builtins__=builtins)
    previous = sys.modules.get("__main__")
    sys.modules["__main__"] = main
    try:
        exec(code, main.__dict__)
    finally:
        if previous is not None:
            sys.modules["__main__"] = previous


def _user_frames(tb, path: str):
    """Drop the leading frames of this module and runpy, so the traceback starts at the script as with python."""
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == path:
            return tb
        tb = tb.tb_next
    return None  # raised while compiling the script (SyntaxError): python shows no frames either
