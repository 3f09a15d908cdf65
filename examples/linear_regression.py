"""Fit y = 3x + 2 from noisy samples with plain tensors, autograd and a hand-written SGD step.

Runs unchanged under PyTorch and under torchax, printing the same numbers:
    python examples/linear_regression.py
    torchax run examples/linear_regression.py
"""

import numpy as np
import torch


def make_data(n=64, seed=0):
    """Noisy samples of y = 3x + 2, from numpy so that both libraries see the same data."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=n)
    y = 3.0 * x + 2.0 + 0.1 * rng.standard_normal(n)
    return torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)


def main(steps=200, lr=0.1, log_every=20):
    x, y = make_data()
    w = torch.zeros(1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    for step in range(1, steps + 1):
        loss = ((x * w + b - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
            w.grad.zero_()
            b.grad.zero_()
        if step % log_every == 0:
            print(f"step {step:4d}  loss {loss.item():.6f}")
    print(w)
    print(b)


if __name__ == "__main__":
    main()
