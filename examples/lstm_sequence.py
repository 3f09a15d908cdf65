"""Forecast noisy sine waves one step ahead with a two-layer LSTM, then roll the model out on its own predictions.

    python examples/lstm_sequence.py --steps 150
    torchax run examples/lstm_sequence.py --steps 150
"""

import argparse
import math

import torch
import torch.nn as nn


def sine_batch(batch, length, noise=0.05):
    """Sine waves with random phase and frequency: inputs (batch, length, 1) and next-step targets of the same shape."""
    phase = torch.rand(batch, 1) * 2 * math.pi
    freq = 0.1 + 0.2 * torch.rand(batch, 1)
    t = torch.arange(length + 1, dtype=torch.float32)
    wave = torch.sin(phase + freq * t) + noise * torch.randn(batch, length + 1)
    return wave[:, :-1].unsqueeze(-1), wave[:, 1:].unsqueeze(-1)


class Forecaster(nn.Module):
    def __init__(self, hidden=32, layers=2):
        super().__init__()
        self.lstm = nn.LSTM(input_size=1, hidden_size=hidden, num_layers=layers, batch_first=True, dropout=0.1)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x, state=None):
        out, state = self.lstm(x, state)
        return self.head(out), state


@torch.no_grad()
def rollout(model, context, horizon):
    """Feed `context`, then feed back each prediction for `horizon` steps."""
    model.eval()
    pred, state = model(context)
    value, outputs = pred[:, -1:], []
    for _ in range(horizon):
        outputs.append(value)
        value, state = model(value, state)
    return torch.cat(outputs, dim=1)


def main(steps, log_every=25):
    torch.manual_seed(0)
    model = Forecaster()
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
    loss_fn = nn.MSELoss()
    for step in range(1, steps + 1):
        model.train()
        x, y = sine_batch(32, 40)
        pred, _ = model(x)
        loss = loss_fn(pred, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % log_every == 0 or step == 1:
            print(f"step {step:4d}  mse {loss.item():.6f}")

    x, y = sine_batch(8, 60, noise=0.0)
    forecast = rollout(model, x[:, :40], 20)
    print(f"20-step rollout mse {nn.functional.mse_loss(forecast, y[:, 39:59]).item():.6f}")
    print(f"first forecast values {[round(v, 4) for v in forecast[0, :5, 0].tolist()]}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=150)
    main(parser.parse_args().steps)
