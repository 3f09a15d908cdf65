"""Run the seed examples under torchax, many per process, and write what each printed.

    python conformance/seed_runner.py OUT.json [--claim DIR] [SCRIPT[+torchvision] ...]

Every script runs as `__main__` (as `torchax run` runs it) with `torch` aliased to torchax, in a fresh
temporary working directory, with torchax's global state reset between scripts and a per-script time
limit. One interpreter runs many scripts so that JAX starts once and compiled kernels are shared.
As in the reference run of torch (which had no torchvision), `import torchvision` fails, unless the
script is named with a `+torchvision` suffix.
With `--claim DIR`, several runners given the same list share it: each script runs in whichever runner
claims it first (an empty file in DIR), so the runners finish together.
The result file maps each script's name (with its suffix) to {"ok", "stdout", "error", "secs"}.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import io
import json
import os
import signal
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(HERE, "seed_examples")
TIMEOUT = int(os.environ.get("TORCHAX_SEED_TIMEOUT", "30"))


class _Timeout(BaseException):
    """Raised by the alarm: a BaseException, so a script's `except Exception` cannot swallow it."""


def _alarm(signum, frame):
    raise _Timeout(f"timed out after {TIMEOUT}s")


def _reset() -> None:
    """torchax's process-wide settings back to their defaults (a script may change any of them)."""
    import torchax
    from torchax import _state

    torchax.set_default_dtype(torchax.float32)
    torchax.set_default_device(None)
    torchax.set_printoptions(profile="default")
    _state._local.grad_enabled = True
    _state._local.inference = False
    _state._local.anomaly = False
    _state._local.rng_key = None
    torchax.manual_seed(0)  # a script that draws without seeding must not depend on the one before it


class _Hidden(importlib.abc.MetaPathFinder):
    """Makes a top-level package (and its submodules) unimportable, as when it is not installed."""

    def __init__(self, name: str):
        self.name = name

    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] == self.name:
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


@contextlib.contextmanager
def _without(name: str):
    """`import name` fails inside the block; modules already imported under that name come back after it."""
    loaded = {k: sys.modules.pop(k) for k in list(sys.modules) if k.partition(".")[0] == name}
    finder = _Hidden(name)
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
        for k in [k for k in sys.modules if k.partition(".")[0] == name]:
            del sys.modules[k]
        sys.modules.update(loaded)


def run_one(path: str, torchvision: bool = False) -> dict:
    import runpy

    name = os.path.basename(path)[:-3]
    out = io.StringIO()
    error = ""
    ok = True
    start = time.perf_counter()
    old_cwd, old_argv, old_path = os.getcwd(), sys.argv[:], sys.path[:]
    with tempfile.TemporaryDirectory(prefix=f"seed-{name}-") as cwd:
        os.chdir(cwd)
        sys.argv = [path]
        sys.path.insert(0, os.path.dirname(path))
        _reset()
        hidden = contextlib.nullcontext() if torchvision else _without("torchvision")
        signal.alarm(TIMEOUT)
        try:
            with contextlib.redirect_stdout(out), hidden:
                runpy.run_path(path, run_name="__main__")
        except SystemExit as e:
            ok = e.code in (None, 0)
            error = "" if ok else f"SystemExit: {e.code}"
        except BaseException as e:  # noqa: BLE001 - every failure of a script is a result, not a crash
            ok = False
            tb = traceback.extract_tb(e.__traceback__)
            where = next((f"{os.path.basename(f.filename)}:{f.lineno}" for f in reversed(tb)
                          if f.filename == path), "")
            error = f"{type(e).__name__}: {str(e)[:300]} [{where}]"
        finally:
            signal.alarm(0)
            os.chdir(old_cwd)
            sys.argv, sys.path[:] = old_argv, old_path
    return {"ok": ok, "stdout": out.getvalue(), "error": error, "secs": round(time.perf_counter() - start, 2)}


def _claim(claim_dir: str | None, key: str) -> bool:
    """Whether this runner takes `key` (always, without a claim directory)."""
    if claim_dir is None:
        return True
    try:
        os.close(os.open(os.path.join(claim_dir, key), os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


def main(argv: list[str]) -> None:
    out_file, scripts = argv[0], argv[1:]
    claim_dir = None
    if scripts[:1] == ["--claim"]:
        claim_dir, scripts = scripts[1], scripts[2:]
    import torchax

    torchax.alias_torch()
    os.environ.setdefault("MPLBACKEND", "Agg")
    signal.signal(signal.SIGALRM, _alarm)
    results = {}
    for s in scripts:
        s, plus, _ = s.partition("+torchvision")
        path = s if os.path.isabs(s) else os.path.join(SCRIPTS, s)
        key = os.path.basename(path)[:-3] + plus
        if not _claim(claim_dir, key):
            continue
        results[key] = run_one(path, torchvision=bool(plus))
        with open(out_file, "w") as f:  # written as we go: a crash of the interpreter keeps what ran
            json.dump(results, f)


if __name__ == "__main__":
    main(sys.argv[1:])
