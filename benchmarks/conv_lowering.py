"""Which lowering for a 2-D convolution on CPU: the measurement behind torchax/nn/functional/conv.py's choice.

For each layer shape (N, C_in, H, C_out, k, padding; stride 1) it times, jitted and to completion (best of
--reps), the forward, the input gradient and the weight gradient of torchax's convolution kernel under the CPU
lowerings:
  xla      lax.conv_general_dilated and JAX's own transpose rules (XLA:CPU hands convolutions with more than 16
           feature channels to YNNPACK unless the output is larger than the input)
  tuned    the forward padded with zero rows until its output is larger than its input (Eigen), the extra rows
           dropped; the weight gradient as batch-chunk x out-channel-chunk convolutions of <= 16 features each
           (Eigen); the input gradient as xla's
and which torchax uses by default (unpadded convolutions only: there YNNPACK is ~2x slower than Eigen), and torch's
eager forward / forward+input-grad / forward+weight-grad for reference; it checks that both lowerings give the same
results. The layers are those of benchmarks/train.py's CNN and a few common others.
Run: python -m benchmarks.conv_lowering [--reps 15] [--layers 64,32,26,64,3,0;...]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

LAYERS = [(64, 1, 28, 32, 3, 0), (64, 32, 26, 64, 3, 0), (64, 32, 13, 64, 3, 0), (64, 16, 13, 32, 3, 0),
          (16, 64, 16, 64, 3, 0), (64, 32, 26, 64, 3, 1), (32, 3, 32, 64, 3, 1), (32, 64, 32, 64, 3, 1),
          (128, 64, 8, 128, 3, 1)]


def best(fn, reps: int) -> float:
    """Best wall time of `fn()` in ms (the result made ready each time)."""
    import jax

    jax.block_until_ready(fn())
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        jax.block_until_ready(fn())
        times.append(time.perf_counter() - t)
    return min(times) * 1e3


def jax_times(x, w, g, pad, lowering: str, reps: int):
    """(fwd, dx, dw) ms and (out, dx, dw) under one lowering of torchax's conv kernel."""
    import jax

    from torchax.nn.functional import conv as C

    C.cpu_weight_grad, C.cpu_forward = ("xla", "xla") if lowering == "xla" else ("always", "eigen")

    def f(a, b):
        return C.convolve("conv2d", a, b, None, 1, pad, 1, False, 0, 1, 2)

    fwd = jax.jit(f)
    dx = jax.jit(lambda a, b, c: jax.vjp(lambda a: f(a, b), a)[1](c)[0])
    dw = jax.jit(lambda a, b, c: jax.vjp(lambda b: f(a, b), b)[1](c)[0])
    times = (best(lambda: fwd(x, w), reps), best(lambda: dx(x, w, g), reps), best(lambda: dw(x, w, g), reps))
    C.cpu_weight_grad, C.cpu_forward = "chunked", "eigen"
    return times, tuple(np.asarray(a) for a in (fwd(x, w), dx(x, w, g), dw(x, w, g)))


def torch_times(x, w, g, pad, reps: int):
    import torch

    F = torch.nn.functional
    tx, tw, tg = (torch.tensor(np.asarray(a)) for a in (x, w, g))
    txg, twg = tx.clone().requires_grad_(), tw.clone().requires_grad_()

    def timed(fn):
        fn()
        times = []
        for _ in range(reps):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return min(times) * 1e3

    return (timed(lambda: F.conv2d(tx, tw, padding=pad)),
            timed(lambda: torch.autograd.grad(F.conv2d(txg, tw, padding=pad), txg, tg)),
            timed(lambda: torch.autograd.grad(F.conv2d(tx, twg, padding=pad), twg, tg)))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--layers", default=None, help="N,C,H,O,k;N,C,H,O,k;... (default: a fixed list)")
    args = ap.parse_args(argv)
    import jax
    import jax.numpy as jnp

    import torchax  # noqa: F401  (x64 and the op registry, as in real use)
    from torchax.nn.functional import conv as C

    layers = LAYERS if not args.layers else [tuple(int(v) for v in s.split(",")) for s in args.layers.split(";")]
    try:
        import torch

        torch.set_num_threads(max(1, torch.get_num_threads()))
    except ImportError:
        torch = None
    print(f"backend {jax.default_backend()}, jax {jax.__version__}; best of {args.reps}, ms")
    print(f"{'layer (N,C,H,O,k,pad)':24} {'fwd xla':>7} {'tuned':>7} {'dx':>7} {'dw xla':>7} {'tuned':>7}  default "
          f"fwd/dw   {'torch: fwd':>10} {'fwd+dx':>7} {'fwd+dw':>7}  max rel diff")
    rng = np.random.default_rng(0)
    for (n, c, h, o, k, pad) in layers:
        oh = h + 2 * pad - k + 1
        x = jnp.asarray(rng.standard_normal((n, c, h, h)).astype(np.float32))
        w = jnp.asarray((rng.standard_normal((o, c, k, k)) * 0.1).astype(np.float32))
        g = jnp.asarray(rng.standard_normal((n, o, oh, oh)).astype(np.float32))
        (fx, dxx, dwx), ref = jax_times(x, w, g, pad, "xla", args.reps)
        (ft, _, dwt), got = jax_times(x, w, g, pad, "tuned", args.reps)
        params = ((1, 1), ((pad, pad),) * 2, (1, 1), (1, 1), 1)
        plan = C._cpu_plan(x, w, params, (oh, oh)) or (0, False)
        pick = f"{'eigen' if plan[0] else 'xla'}/{'chunked' if plan[1] else 'xla'}"
        diff = max(float(np.abs(a - b).max() / np.abs(a).max()) for a, b in zip(ref, got))
        tref = torch_times(x, w, g, pad, args.reps) if torch is not None else (float("nan"),) * 3
        print(f"{str((n, c, h, o, k, pad)):24} {fx:7.2f} {ft:7.2f} {dxx:7.2f} {dwx:7.2f} {dwt:7.2f}  {pick:13}   "
              f"{tref[0]:10.2f} {tref[1]:7.2f} {tref[2]:7.2f}  {diff:.1e}", flush=True)

if __name__ == "__main__":
    main()
