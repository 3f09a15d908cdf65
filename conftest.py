"""Suite-wide pytest hooks.

The suite runs on two xdist workers with `--dist loadfile` (a file stays on one worker). Files that take minutes
(subprocess runs of scripts and of several ranks, the OpInfo tier) are collected first, so that they start at once
and the many short files fill in around them: collected last, one of them would leave the other worker idle at
the end.

Most of the suite's time is XLA compiling small kernels, and the two workers and every process a test starts (the
seed scripts, the examples, distributed ranks) compile many of the same ones. One JAX compilation cache for the
run, in a fresh temporary directory, lets each kernel compile once: the same executables, found by JAX's own keys.
"""

import os
import shutil
import tempfile

_CACHE = {"JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0", "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "-1"}

HEAVY = ("conformance/test_seed_examples.py", "conformance/test_example_scripts.py",
         "tests/test_distributed_multiprocess.py", "conformance/test_opinfo.py", "conformance/test_opinfo_odd.py",
         "tests/test_dataloader_workers.py", "tests/test_run_traceback.py")


def pytest_collection_modifyitems(config, items):
    rank = {path: i for i, path in enumerate(HEAVY)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(HEAVY)))  # stable: the rest keep order


def pytest_configure(config):
    if "JAX_COMPILATION_CACHE_DIR" not in os.environ and not hasattr(config, "workerinput"):
        # the controller (or a run without xdist) makes the directory; workers and subprocesses inherit it
        os.environ["JAX_COMPILATION_CACHE_DIR"] = tempfile.mkdtemp(prefix="jax-cache-")
        config._jax_cache_made = True
    path = os.environ.get("JAX_COMPILATION_CACHE_DIR")
    if not path:
        return
    for k, v in _CACHE.items():
        os.environ.setdefault(k, v)
    import jax  # (already imported by a conftest: the environment alone would come too late for this process)

    jax.config.update("jax_compilation_cache_dir", path)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)


def pytest_unconfigure(config):
    if getattr(config, "_jax_cache_made", False):
        shutil.rmtree(os.environ.pop("JAX_COMPILATION_CACHE_DIR"), ignore_errors=True)
