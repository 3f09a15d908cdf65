"""Per-op eager overhead on small tensors: torch eager vs raw jax.numpy eager vs torchax eager.

    python -m benchmarks.op_overhead            # or: python benchmarks/op_overhead.py
    python -m benchmarks.op_overhead --ops add,matmul,index --number 500 --repeats 21

Each op runs on 8x8 float32 inputs, so the time is almost all dispatch overhead. The three libraries
are timed in one process and interleaved (every repeat times each library once, in turn), after a
warm-up that also compiles torchax's and JAX's kernels; the table shows the fastest repeat's
microseconds per call (the minimum: on a shared machine, what other processes add is noise on top;
`--timer cpu` counts this process's CPU time instead of wall time, which leaves out the time other processes
hold the cores: the steadier choice on a busy machine).
jax.numpy runs with `jax_enable_x64` on, as it does under torchax. Before timing, the three results
of each op are compared, so a row never times a wrong answer.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import os
import platform
import time

import jax
import jax.numpy as jnp
import numpy as np
import torch

import torchax  # NOTE: importing torchax turns on jax_enable_x64 for the jnp runs too, as torchax users run

# name -> (what is timed, the torch-API expression run with T=torch and T=torchax, the jax.numpy equivalent);
# inputs x, y: 8x8 float32, m: 8x8 bool.
CASES = {
    "add": ("x + y", lambda T, x, y, m: x + y, lambda x, y, m: x + y),
    "mul": ("x * y", lambda T, x, y, m: x * y, lambda x, y, m: x * y),
    "add_scalar": ("x + 1.5", lambda T, x, y, m: x + 1.5, lambda x, y, m: x + 1.5),
    "add_": ("x.add_(y)", lambda T, x, y, m: x.add_(y), lambda x, y, m: x + y),
    "matmul": ("x @ y", lambda T, x, y, m: x @ y, lambda x, y, m: x @ y),
    "sum": ("x.sum()", lambda T, x, y, m: x.sum(), lambda x, y, m: jnp.sum(x)),
    "sum_dim": ("x.sum(0)", lambda T, x, y, m: x.sum(0), lambda x, y, m: jnp.sum(x, 0)),
    "mean": ("x.mean()", lambda T, x, y, m: x.mean(), lambda x, y, m: jnp.mean(x)),
    "exp": ("T.exp(x)", lambda T, x, y, m: T.exp(x), lambda x, y, m: jnp.exp(x)),
    "index": ("x[0]", lambda T, x, y, m: x[0], lambda x, y, m: x[0]),
    "slice": ("x[:, 2:5]", lambda T, x, y, m: x[:, 2:5], lambda x, y, m: x[:, 2:5]),
    "view": ("x.view(64)", lambda T, x, y, m: x.view(64), lambda x, y, m: x.reshape(64)),
    "t": ("x.t()", lambda T, x, y, m: x.t(), lambda x, y, m: x.T),
    "clamp_min": ("x.clamp_min(0)", lambda T, x, y, m: x.clamp_min(0), lambda x, y, m: jnp.maximum(x, 0)),
    "cat": ("T.cat([x, y])", lambda T, x, y, m: T.cat([x, y]), lambda x, y, m: jnp.concatenate([x, y])),
    "where": ("T.where(m, x, y)", lambda T, x, y, m: T.where(m, x, y), lambda x, y, m: jnp.where(m, x, y)),
    "sub": ("x - y", lambda T, x, y, m: x - y, lambda x, y, m: x - y),
    "div": ("x / y", lambda T, x, y, m: x / y, lambda x, y, m: x / y),
    "exp_method": ("x.exp()", lambda T, x, y, m: x.exp(), lambda x, y, m: jnp.exp(x)),
    "neg": ("-x", lambda T, x, y, m: -x, lambda x, y, m: -x),
    "mul_scalar": ("x * 2", lambda T, x, y, m: x * 2, lambda x, y, m: x * 2),
    "rsub_scalar": ("1 - x", lambda T, x, y, m: 1 - x, lambda x, y, m: 1 - x),
    "pow_scalar": ("x ** 2", lambda T, x, y, m: x ** 2, lambda x, y, m: x ** 2),
    "gt_scalar": ("x > 0", lambda T, x, y, m: x > 0, lambda x, y, m: x > 0),
    "mean_dim": ("x.mean(1)", lambda T, x, y, m: x.mean(1), lambda x, y, m: jnp.mean(x, 1)),
    "sum_keepdim": ("x.sum(1, keepdim=True)", lambda T, x, y, m: x.sum(1, keepdim=True),
                    lambda x, y, m: jnp.sum(x, 1, keepdims=True)),
    "amax_dim": ("x.amax(1)", lambda T, x, y, m: x.amax(1), lambda x, y, m: jnp.max(x, 1)),
    "relu": ("F.relu(x)", lambda T, x, y, m: T.nn.functional.relu(x), lambda x, y, m: jax.nn.relu(x)),
    "softmax": ("x.softmax(-1)", lambda T, x, y, m: x.softmax(-1), lambda x, y, m: jax.nn.softmax(x, -1)),
    "linear": ("F.linear(x, y)", lambda T, x, y, m: T.nn.functional.linear(x, y), lambda x, y, m: x @ y.T),
}
LIBS = ("torch", "jnp", "torchax")


def _inputs(lib: str):
    rng = np.random.default_rng(0)
    arrays = rng.standard_normal((8, 8)).astype(np.float32), rng.standard_normal((8, 8)).astype(np.float32)
    arrays += (rng.random((8, 8)) < 0.5,)
    convert = {"torch": torch.tensor, "jnp": jnp.asarray, "torchax": torchax.tensor}[lib]
    return tuple(convert(a) for a in arrays)


def _call(name: str, lib: str):
    """A zero-argument callable running op `name` in `lib` on fresh inputs (in-place ops keep updating them)."""
    _, generic, raw = CASES[name]
    x, y, m = _inputs(lib)
    if lib == "jnp":
        return lambda: raw(x, y, m)
    if lib == "torch":
        return lambda: generic(torch, x, y, m)
    # NOTE: torchax views are computed when read; reading `_value` makes the view op do its work, as torch's and
    # jnp's do.
    return lambda: generic(torchax, x, y, m)._value


def _to_numpy(out) -> np.ndarray:
    if isinstance(out, torch.Tensor):
        return out.numpy()
    return np.asarray(out)


def _check(name: str) -> str | None:
    """None if all three libraries give torch's result for `name`, else why not."""
    try:
        results = {lib: _to_numpy(_call(name, lib)()) for lib in LIBS}
    except Exception as e:  # noqa: BLE001 - an op torchax lacks is reported in its row, not fatal
        return f"{type(e).__name__}: {str(e).splitlines()[0][:60]}"
    for lib in ("jnp", "torchax"):
        if results[lib].shape != results["torch"].shape or not np.allclose(results[lib], results["torch"], 1e-5, 1e-5):
            return f"{lib} result differs from torch"
    return None


TIMERS = {"wall": time.perf_counter, "cpu": time.process_time}


def _time(fn, number: int, timer=time.perf_counter) -> float:
    """Seconds per call of `fn`, over `number` back-to-back calls, including waiting for the last result."""
    gc.disable()
    try:
        start = timer()
        for _ in range(number):
            out = fn()
        if not isinstance(out, torch.Tensor):  # JAX dispatches asynchronously
            jax.block_until_ready(out)
        return (timer() - start) / number
    finally:
        gc.enable()


def measure(name: str, number: int, repeats: int, warmup: int = 20, timer=time.perf_counter) -> dict[str, float]:
    """Microseconds per call of op `name` in each library: the fastest of `repeats` timings, taken interleaved."""
    fns = {lib: _call(name, lib) for lib in LIBS}
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    samples = {lib: [] for lib in LIBS}
    for _ in range(repeats):
        for lib, fn in fns.items():
            samples[lib].append(_time(fn, number, timer))
    return {lib: min(s) * 1e6 for lib, s in samples.items()}


def _header() -> str:
    return (f"{datetime.date.today().isoformat()}, {platform.processor() or platform.machine()}, "
            f"{os.cpu_count()} cores, python {platform.python_version()}, torch {torch.__version__}, "
            f"jax {jax.__version__} ({jax.default_backend()}), torchax {torchax.__version__}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", default=",".join(CASES), help="comma-separated op names (default: all)")
    parser.add_argument("--number", type=int, default=200, help="calls per timing (default 200)")
    parser.add_argument("--repeats", type=int, default=15, help="timings per library, fastest taken (default 15)")
    parser.add_argument("--timer", choices=sorted(TIMERS), default="wall",
                        help="wall: elapsed time (default); cpu: this process's CPU time (steadier on a busy machine)")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.ops.split(",")]
    unknown = [n for n in names if n not in CASES]
    if unknown:
        parser.error(f"unknown ops {unknown}; known: {list(CASES)}")
    print(_header() + f", {args.timer} time")
    print()
    print("| op | torch µs | jnp µs | torchax µs | torchax/jnp | torchax/torch |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in names:
        problem = _check(name)
        if problem:
            print(f"| `{CASES[name][0]}` | | | | n/a: {problem} | |", flush=True)
            continue
        t = measure(name, args.number, args.repeats, timer=TIMERS[args.timer])
        print(f"| `{CASES[name][0]}` | {t['torch']:.1f} | {t['jnp']:.1f} | {t['torchax']:.1f} | "
              f"{t['torchax'] / t['jnp']:.2f}x | {t['torchax'] / t['torch']:.1f}x |", flush=True)


if __name__ == "__main__":
    main()
