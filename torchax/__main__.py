"""`python -m torchax SCRIPT [ARGS...]`: the same as `torchax run SCRIPT [ARGS...]`."""

import sys

from torchax.cli import main

if __name__ == "__main__":
    args = sys.argv[1:]
    # NOTE: `python -m torchax train.py` mirrors `python train.py`; the subcommand form is accepted too.
    if args and args[0] not in ("run", "-h", "--help", "--version"):
        args = ["run", *args]
    sys.exit(main(args))
