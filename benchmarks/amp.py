"""Mixed precision: a small GPT training step in float32 vs under autocast(bfloat16), eager and compiled, one run.

Model: 4 pre-norm transformer blocks, d=128, 4 heads, context 64, batch 16, vocab 256; AdamW; cross-entropy.
Each variant is timed in interleaved rounds (median of each round's mean); the ratio float32 / autocast is printed.
Run: python benchmarks/amp.py [--rounds 5] [--steps 5] [--device cpu|cuda] [--torch]
(--torch adds torch eager as a reference when torch is installed.)
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

VOCAB, D, HEADS, LAYERS, CTX, BATCH = 256, 128, 4, 4, 64, 16


def build(T, device):
    nn, F = T.nn, T.nn.functional

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(D), nn.LayerNorm(D)
            self.qkv, self.proj = nn.Linear(D, 3 * D), nn.Linear(D, D)
            self.fc, self.out = nn.Linear(D, 4 * D), nn.Linear(4 * D, D)

        def forward(self, x):
            b, t, _ = x.shape
            q, k, v = self.qkv(self.ln1(x)).split(D, dim=-1)
            q, k, v = (z.view(b, t, HEADS, D // HEADS).transpose(1, 2) for z in (q, k, v))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + self.proj(y.transpose(1, 2).reshape(b, t, D))
            return x + self.out(F.gelu(self.fc(self.ln2(x))))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok, self.pos = nn.Embedding(VOCAB, D), nn.Embedding(CTX, D)
            self.blocks = nn.ModuleList(Block() for _ in range(LAYERS))
            self.ln, self.head = nn.LayerNorm(D), nn.Linear(D, VOCAB)

        def forward(self, idx):
            x = self.tok(idx) + self.pos(T.arange(idx.shape[1], device=idx.device))
            for blk in self.blocks:
                x = blk(x)
            return self.head(self.ln(x))

    T.manual_seed(0)
    T.set_default_device(device)
    model = GPT()
    with T.no_grad():  # NOTE: rebuilt from host data: some torchax Parameters ignore the default device
        for p in model.parameters():
            if p.device.type != T.device(device).type:
                p.data = T.tensor(p.detach().numpy(), device=device)
    return model


def make_step(T, device, amp: bool, compiled: bool):
    model = build(T, device)
    opt = T.optim.AdamW(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(0)
    idx = T.tensor(rng.integers(0, VOCAB, (BATCH, CTX))).to(device)
    tgt = T.tensor(rng.integers(0, VOCAB, (BATCH, CTX))).to(device)
    dev_type = T.device(device).type

    def step():
        opt.zero_grad()
        with T.autocast(dev_type, dtype=T.bfloat16, enabled=amp):
            logits = model(idx)
            loss = T.nn.functional.cross_entropy(logits.view(-1, VOCAB), tgt.view(-1))
        loss.backward()
        opt.step()
        return loss

    if compiled:
        step = T.compile(step)
    return lambda: step().item()  # one host read per step, the same for every variant


def timeit(fn, steps):
    t0 = time.perf_counter()
    for _ in range(steps):
        fn()
    return (time.perf_counter() - t0) / steps


def main():
    import torchax

    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--device", default="cuda" if torchax.cuda.is_available() else "cpu")
    ap.add_argument("--torch", action="store_true")
    args = ap.parse_args()

    variants = {"torchax eager fp32": make_step(torchax, args.device, False, False),
                "torchax eager autocast(bf16)": make_step(torchax, args.device, True, False)}
    try:
        variants["torchax compiled fp32"] = make_step(torchax, args.device, False, True)
        variants["torchax compiled autocast(bf16)"] = make_step(torchax, args.device, True, True)
    except (ImportError, AttributeError):
        pass
    if args.torch:
        import torch

        variants["torch eager fp32"] = make_step(torch, args.device, False, False)
        variants["torch eager autocast(bf16)"] = make_step(torch, args.device, True, False)
    for fn in variants.values():  # warm up: compile every kernel / program
        fn()
        fn()
    times = {k: [] for k in variants}
    for _ in range(args.rounds):
        for name, fn in variants.items():
            times[name].append(timeit(fn, args.steps))
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"GPT step ({LAYERS} layers, d={D}, ctx {CTX}, batch {BATCH}) on {args.device}: median ms per step")
    for name, t in med.items():
        print(f"  {name:34s} {t * 1e3:9.2f}")
    for kind in ("torchax eager", "torchax compiled", "torch eager"):
        a, b = med.get(f"{kind} fp32"), med.get(f"{kind} autocast(bf16)")
        if a and b:
            print(f"  {kind}: fp32 / autocast(bf16) = {a / b:.2f}x")


if __name__ == "__main__":
    main()
