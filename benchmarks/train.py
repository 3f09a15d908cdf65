"""Whole training steps: torch eager, torch.compile, torchax eager, torchax compiled and hand-written JAX + optax.

Models (one fixed batch each, Adam lr=1e-3, every variant starts from the same weights):
  mlp   784-256-256-10, ReLU, cross-entropy, batch 128
  cnn   MNIST-shaped 1x28x28: Conv2d(1,32,3)/ReLU/Conv2d(32,64,3)/ReLU/MaxPool2d(2)/Linear(9216,128)/ReLU/
        Linear(128,10), batch 64 (the pytorch/examples MNIST net without dropout)
  gpt   4 pre-LN blocks, d_model 128, 4 heads, context 64, vocab 65, causal F.scaled_dot_product_attention,
        GELU MLP 4x, batch 16, next-token cross-entropy
  lstm  Embedding(65,128) / LSTM(128, hidden 128, 1 layer, batch_first) / Linear(128,65), seq 32, batch 32
The torch and torchax variants run the SAME model and step code (`build(T, ...)`, `make_step(T, ...)`) with the
module handle T = torch or torchax; the JAX variant is plain jax.numpy/lax with `jax.jit` (parameters and optimizer
state donated) and `optax.adam`.

Timing: every variant's first call is timed on its own (compile time for the compiled variants), then two more
warm-up calls; then `--rounds` rounds interleave the variants, each running `--warmup` untimed steps and then
its timed steps: `--steps`, or more so that the fastest variant's block lasts `--block-ms` (a 1 ms step timed in
blocks of 10 measures whatever the machine did in those 10 ms). Each step is timed to completion (`.item()` on
torch's loss; `jax.block_until_ready` on the loss and the updated parameters for torchax and JAX). The table
gives the median step time per variant and the ratios, all measured side by side in one run.
Run: python -m benchmarks.train [--models mlp,cnn,gpt,lstm] [--steps 10] [--block-ms 100] [--warmup 10] [--rounds 5]
     [--out DIR] [--no-torch-compile]
Writes DIR/train.json and DIR/train.png (a bar chart drawn with pillow).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time

import numpy as np

from benchmarks import _train_jax, _train_plot

MODELS = ("mlp", "cnn", "gpt", "lstm")
VARIANTS = ("torch eager", "torch.compile", "torchax eager", "torchax compiled", "jax")
LR = 1e-3
GPT_CFG = dict(vocab=65, d=128, heads=4, layers=4, ctx=64, batch=16)
LSTM_CFG = dict(vocab=65, hidden=128, seq=32, batch=32)


# --- the models and the step, written once against T = torch or torchax -----------------------------------------


def build(T, name: str):
    """The model `name` in library T (weights are overwritten from the shared arrays afterwards)."""
    nn, F = T.nn, T.nn.functional
    if name == "mlp":
        return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
    if name == "cnn":
        return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Linear(128, 10))
    if name == "lstm":
        class CharLSTM(nn.Module):
            def __init__(self, vocab, hidden):
                super().__init__()
                self.emb = nn.Embedding(vocab, hidden)
                self.rnn = nn.LSTM(hidden, hidden, batch_first=True)
                self.head = nn.Linear(hidden, vocab)

            def forward(self, idx):
                return self.head(self.rnn(self.emb(idx))[0])

        return CharLSTM(LSTM_CFG["vocab"], LSTM_CFG["hidden"])

    class Block(nn.Module):
        def __init__(self, d, heads):
            super().__init__()
            self.heads = heads
            self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
            self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
            self.fc, self.out = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

        def forward(self, x):
            B, L, D = x.shape
            q, k, v = self.qkv(self.ln1(x)).split(D, dim=2)
            q, k, v = (t.view(B, L, self.heads, D // self.heads).transpose(1, 2) for t in (q, k, v))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + self.proj(y.transpose(1, 2).reshape(B, L, D))
            return x + self.out(F.gelu(self.fc(self.ln2(x))))

    class GPT(nn.Module):
        def __init__(self, vocab, d, heads, layers, ctx, **_):
            super().__init__()
            self.tok, self.pos = nn.Embedding(vocab, d), nn.Embedding(ctx, d)
            self.blocks = nn.ModuleList([Block(d, heads) for _ in range(layers)])
            self.ln, self.head = nn.LayerNorm(d), nn.Linear(d, vocab)

        def forward(self, idx):
            x = self.tok(idx) + self.pos(T.arange(idx.shape[1]))
            for b in self.blocks:
                x = b(x)
            return self.head(self.ln(x))

    return GPT(**GPT_CFG)


def make_step(T, model, opt):
    """One training step: zero_grad, forward, loss, backward, optimizer step; returns the loss."""
    F = T.nn.functional

    def step(x, y):
        opt.zero_grad()
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        loss.backward()
        opt.step()
        return loss

    return step


def batch(name: str, rng):
    """The model's fixed input batch and integer targets (numpy)."""
    if name == "mlp":
        return rng.standard_normal((128, 784)).astype(np.float32), rng.integers(0, 10, 128)
    if name == "cnn":
        return rng.standard_normal((64, 1, 28, 28)).astype(np.float32), rng.integers(0, 10, 64)
    cfg = GPT_CFG if name == "gpt" else LSTM_CFG
    n, length = cfg["batch"], cfg["ctx"] if name == "gpt" else cfg["seq"]
    tokens = rng.integers(0, cfg["vocab"], (n, length + 1))
    return tokens[:, :-1], tokens[:, 1:]


def initial_weights(name: str) -> dict:
    """Seeded torchax initialisation as numpy arrays keyed by state_dict name (shared by every variant)."""
    import torchax

    torchax.manual_seed(0)
    return {k: v.numpy().copy() for k, v in build(torchax, name).state_dict().items()}


# --- the variants ---------------------------------------------------------------------------------------------------


class Variant:
    """A callable step plus what makes its results ready and what it computed."""

    def __init__(self, run, sync, loss_value):
        self.run, self.sync, self.loss_value = run, sync, loss_value

    def __call__(self):
        out = self.run()
        self.sync(out)
        return out


def lib_variant(T, name, weights, x, y, compiled: bool) -> Variant:
    """torch or torchax, eager or compiled (torch.compile / torchax.compile of the whole step)."""
    model = build(T, name)
    model.load_state_dict({k: T.tensor(v) for k, v in weights.items()})
    opt = T.optim.Adam(model.parameters(), lr=LR)
    step = make_step(T, model, opt)
    if compiled:
        step = T.compile(step)
    tx, ty = T.tensor(x), T.tensor(y)
    if T.__name__ == "torch":
        return Variant(lambda: step(tx, ty), lambda loss: loss.item(), lambda loss: loss.item())
    import jax

    from torchax import interop

    params = list(model.parameters())

    def sync(loss):  # eager torchax dispatches asynchronously: wait for the loss and the updated parameters
        jax.block_until_ready([interop.array(loss)] + [interop.array(p) for p in params])

    return Variant(lambda: step(tx, ty), sync, lambda loss: float(interop.array(loss)))


def jax_variant(name, weights, x, y) -> Variant:
    import jax

    step, state = _train_jax.make(name, weights, LR)
    xs, ys = jax.numpy.asarray(x), jax.numpy.asarray(y)
    holder = {"s": state}

    def run():
        holder["s"], loss = step(holder["s"], xs, ys)
        return loss

    return Variant(run, lambda loss: jax.block_until_ready((holder["s"], loss)), float)


def make_variants(name: str, wanted, weights, x, y) -> dict:
    import torchax

    made = {}
    for v in wanted:
        if v == "jax":
            made[v] = jax_variant(name, weights, x, y)
        else:
            T = torchax if v.startswith("torchax") else __import__("torch")
            made[v] = lib_variant(T, name, weights, x, y, compiled=v != "torchax eager" and v != "torch eager")
    return made


# --- timing -------------------------------------------------------------------------------------------------------


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def _warm(fn, steps: int) -> None:
    """Untimed steps before a timed block: the block before it belonged to another library.

    NOTE: that library's worker threads may still be spinning, and a machine that idled even 50 ms runs the next
    steps slower (measured on a 2-vCPU VM: an MLP step took ~1.7x its steady time for ~30 steps after a 50 ms
    sleep). Every variant runs the same number of untimed steps, so each is timed warm and all train alike.
    """
    for _ in range(steps):
        fn()


def run_model(name: str, wanted, steps: int, rounds: int, warmup: int, block_ms: float = 0.0) -> dict:
    rng = np.random.default_rng(0)
    x, y = batch(name, rng)
    weights = initial_weights(name)
    variants = make_variants(name, wanted, weights, x, y)
    res = {v: {"times_ms": []} for v in variants}
    for v, fn in list(variants.items()):
        try:
            first, loss = _timed(fn)
        except Exception as e:  # noqa: BLE001  (inductor needs a working C++ toolchain: report, go on without it)
            if v != "torch.compile":
                raise
            print(f"{name}: torch.compile failed, skipped ({type(e).__name__}: {str(e)[:200]})", file=sys.stderr)
            del variants[v], res[v]
            continue
        res[v]["first_call_s"] = first
        res[v]["first_loss"] = fn.loss_value(loss)
        fn()
        res[v]["probe_ms"] = _timed(fn)[0] * 1e3
    # NOTE: one step count for every variant, so that all of them train alike (the last-loss row stays comparable)
    fastest = min(r.pop("probe_ms") for r in res.values())
    steps = max(steps, min(500, math.ceil(block_ms / max(fastest, 1e-3))))
    for _ in range(rounds):
        for v, fn in variants.items():
            _warm(fn, warmup)
            for _ in range(steps):
                res[v]["times_ms"].append(_timed(fn)[0] * 1e3)
    for v, fn in variants.items():
        ts = res[v]["times_ms"]
        res[v].update(median_ms=statistics.median(ts), min_ms=min(ts),
                      iqr_ms=[float(np.percentile(ts, 25)), float(np.percentile(ts, 75))],
                      last_loss=fn.loss_value(fn.run()))
    return res


def ratios(r: dict) -> dict:
    def div(a, b, key="median_ms"):
        return r[a][key] / r[b][key] if a in r and b in r else None

    return {"torchax compiled / jax": div("torchax compiled", "jax"),
            "torch eager / torchax compiled": div("torch eager", "torchax compiled"),
            "torchax eager / torch eager": div("torchax eager", "torch eager"),
            "torch.compile / torchax compiled": div("torch.compile", "torchax compiled"),
            "compile: torchax compiled / jax": div("torchax compiled", "jax", "first_call_s"),
            "compile: torch.compile / jax": div("torch.compile", "jax", "first_call_s")}


# --- report -------------------------------------------------------------------------------------------------------


def _fmt(v, spec=".2f", none="-"):
    return none if v is None else format(v, spec)


def table(results: dict) -> str:
    head = f"{'model':6} " + " ".join(f"{v:>16}" for v in VARIANTS)
    lines = ["median step time, ms (first call, s)", head]
    for m, r in results.items():
        cells = []
        for v in VARIANTS:
            cells.append(f"{r[v]['median_ms']:8.2f} ({r[v]['first_call_s']:5.2f})" if v in r else f"{'-':>16}")
        lines.append(f"{m:6} " + " ".join(f"{c:>16}" for c in cells))
    keys = list(ratios({}).keys())
    lines += ["", "ratios (side by side in this run)", f"{'model':6} " + " ".join(f"{k:>33}" for k in keys)]
    for m, r in results.items():
        rr = ratios(r)
        lines.append(f"{m:6} " + " ".join(f"{_fmt(rr[k]):>33}" for k in keys))
    lines += ["", "loss after the first step / after all steps (every variant starts from the same weights)"]
    for m, r in results.items():
        lines.append(f"{m:6} " + "  ".join(f"{v}: {r[v]['first_loss']:.4f}/{r[v]['last_loss']:.4f}" for v in r))
    return "\n".join(lines)


def machine() -> dict:
    import jax

    info = {"python": platform.python_version(), "jax": jax.__version__, "backend": jax.default_backend(),
            "cpus": os.cpu_count(), "platform": platform.platform()}
    try:
        import torch

        info.update(torch=torch.__version__, torch_threads=torch.get_num_threads())
    except ImportError:
        pass
    if hasattr(os, "getloadavg"):
        info["loadavg"] = list(os.getloadavg())
    return info


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--steps", type=int, default=10, help="timed steps per variant per round")
    ap.add_argument("--block-ms", type=float, default=100.0, help="more timed steps per block, so that the fastest "
                    "variant's block lasts this long")
    ap.add_argument("--warmup", type=int, default=10, help="untimed steps before each variant's timed steps")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    ap.add_argument("--no-torch-compile", action="store_true", help="skip torch.compile (inductor compiles slowly)")
    ap.add_argument("--torch-threads", type=int, default=0, help="torch.set_num_threads (0: torch's default); 1 "
                    "avoids OpenMP spin-waits when other processes load the machine")
    args = ap.parse_args(argv)
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    if any(m not in MODELS for m in models):
        ap.error(f"--models: choose from {', '.join(MODELS)}")
    wanted = list(VARIANTS)
    try:
        import torch

        if args.torch_threads:
            torch.set_num_threads(args.torch_threads)
    except ImportError:
        print("torch is not installed: torch eager and torch.compile are skipped", file=sys.stderr)
        wanted = [v for v in wanted if not v.startswith("torch ") and v != "torch.compile"]
    if args.no_torch_compile and "torch.compile" in wanted:
        wanted.remove("torch.compile")
    import jax

    jax.block_until_ready(jax.jit(lambda a: a + 1)(1.0))  # NOTE: XLA's one-time start-up stays out of compile times
    info = machine()
    os.makedirs(args.out, exist_ok=True)
    results = {}
    for m in models:
        results[m] = run_model(m, wanted, args.steps, args.rounds, args.warmup, args.block_ms)
        print(f"{m}: done", file=sys.stderr, flush=True)
        if hasattr(os, "getloadavg"):
            info["loadavg_after"] = list(os.getloadavg())
        doc = write(args, info, results)  # after every model: a long run that is cut short keeps what it measured
    print(f"machine: {info}\n{table(results)}")
    print(f"wrote {os.path.join(args.out, 'train.json')} and {os.path.join(args.out, 'train.png')}")
    return doc


def write(args, info: dict, results: dict) -> dict:
    """DIR/train.json (every step time included) and DIR/train.png."""
    doc = {"machine": info, "steps": args.steps, "block_ms": args.block_ms, "warmup": args.warmup,
           "rounds": args.rounds, "models": {m: {"variants": r, "ratios": ratios(r)} for m, r in results.items()}}
    with open(os.path.join(args.out, "train.json"), "w") as f:
        json.dump(doc, f, indent=1)
    _train_plot.bar_chart(results, VARIANTS, os.path.join(args.out, "train.png"))
    return doc


if __name__ == "__main__":
    main()
