"""torch.distributed.launch (deprecated in torch, kept for old scripts): torchaxrun that, unless --use-env is
given, passes `--local-rank=N` to the script as torch's launcher does."""

from __future__ import annotations

import sys
import warnings

from torchax.distributed.elastic.multiprocessing.errors import ChildFailedError
from torchax.distributed.run import get_args_parser, run

__all__ = ["main", "parse_args"]


def parse_args(args=None):
    parser = get_args_parser()
    parser.add_argument("--use-env", "--use_env", default=False, action="store_true",
                        help="read the local rank from LOCAL_RANK instead of passing --local-rank")
    return parser.parse_args(args)


def main(args=None) -> None:
    warnings.warn("The module torch.distributed.launch is deprecated\nand will be removed in future. "
                  "Use torchrun.\nNote that --use-env is set by default in torchrun.\n", FutureWarning, stacklevel=2)
    parsed = parse_args(args)
    try:
        run(parsed, with_local_rank_arg=not parsed.use_env)
    except ChildFailedError as e:
        print(f"{type(e).__module__}.ChildFailedError: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
