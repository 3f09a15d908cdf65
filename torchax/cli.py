"""The `torchax` command: `torchax run SCRIPT [ARGS...]` runs an unchanged PyTorch script on torchax."""

from __future__ import annotations

import os
import runpy
import sys

USAGE = """\
usage: torchax run SCRIPT [ARGS...]
       torchax --version

Run SCRIPT as __main__ with `import torch` (and `import torchvision`) resolving to torchax.
`python -m torchax SCRIPT [ARGS...]` does the same.
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
    from torchax._alias import alias_torch

    alias_torch()
    sys.argv = [script, *args]
    # NOTE: like `python script.py`: the script's own directory comes first so its sibling modules import.
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    try:
        runpy.run_path(script, run_name="__main__")
    except (SystemExit, KeyboardInterrupt):
        raise
    except BaseException as e:  # noqa: B036 - reported like the interpreter would, then exit 1
        tb = e.__traceback__ = _user_frames(e.__traceback__, script)
        sys.excepthook(type(e), e, tb)
        return 1
    return 0


def _user_frames(tb, script: str):
    """Drop the leading frames of this module and runpy, so the traceback starts at the script as with python."""
    path = os.path.abspath(script)
    while tb is not None:
        if os.path.abspath(tb.tb_frame.f_code.co_filename) == path:
            return tb
        tb = tb.tb_next
    return None  # raised while compiling the script (SyntaxError): python shows no frames either
