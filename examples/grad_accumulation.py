"""Gradient accumulation over micro-batches with gradient-norm clipping.

Each optimizer step sees a batch of 64 split into 4 micro-batches of 16; the script checks that the accumulated
gradient equals the full-batch gradient, clips it with clip_grad_norm_ (printing the norm before clipping), and
trains a small regression MLP with SGD.

    python examples/grad_accumulation.py --steps 60
    torchax run examples/grad_accumulation.py --steps 60
"""

import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F


def main(steps, batch_size=64, micro_batches=4, max_norm=1.0, log_every=10):
    torch.manual_seed(0)
    w_true = torch.randn(10, 1)
    model = nn.Sequential(nn.Linear(10, 64), nn.GELU(), nn.Linear(64, 64), nn.GELU(), nn.Linear(64, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True)

    # the accumulated gradient of mean losses (each divided by the micro-batch count) is the full-batch gradient
    x = torch.randn(batch_size, 10)
    y = x @ w_true
    F.mse_loss(model(x), y).backward()
    full = [p.grad.clone() for p in model.parameters()]
    optimizer.zero_grad()
    for xs, ys in zip(x.chunk(micro_batches), y.chunk(micro_batches)):
        (F.mse_loss(model(xs), ys) / micro_batches).backward()
    err = max((p.grad - g).abs().max().item() for p, g in zip(model.parameters(), full))
    print(f"accumulated gradient matches full batch: {err < 1e-5}")
    optimizer.zero_grad()

    clipped = 0
    for step in range(1, steps + 1):
        x = torch.randn(batch_size, 10)
        y = x @ w_true + 0.1 * torch.randn(batch_size, 1)
        total = 0.0
        for xs, ys in zip(x.chunk(micro_batches), y.chunk(micro_batches)):
            loss = F.mse_loss(model(xs), ys) / micro_batches
            loss.backward()
            total += loss.item()
        norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        clipped += int(norm > max_norm)
        after = torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in model.parameters()]))
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if step % log_every == 0 or step == 1:
            print(f"step {step:3d}  loss {total:.6f}  grad norm {norm.item():.6f}  after clipping {after.item():.6f}")
    print(f"steps clipped: {clipped} of {steps}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60)
    main(parser.parse_args().steps)
