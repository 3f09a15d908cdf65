"""Learning-rate scheduling (linear warm-up, then cosine decay, plus ReduceLROnPlateau) with early stopping on the
validation loss, restoring the best weights at the end.

    python examples/lr_schedule_early_stopping.py --epochs 40
    torchax run examples/lr_schedule_early_stopping.py --epochs 40
"""

import argparse
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim.lr_scheduler import CosineAnnealingLR, LinearLR, ReduceLROnPlateau, SequentialLR


def make_data(n):
    """A noisy polynomial regression problem: few samples, so the model overfits after a while."""
    x = torch.rand(n, 1) * 4 - 2
    return x, x ** 3 - 2 * x + 0.5 * torch.randn(n, 1)


def main(epochs, patience=5, min_delta=1e-3):
    torch.manual_seed(0)
    train_x, train_y = make_data(48)
    val_x, val_y = make_data(200)
    model = nn.Sequential(nn.Linear(1, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.03)
    warmup = LinearLR(optimizer, start_factor=0.1, total_iters=5)
    cosine = CosineAnnealingLR(optimizer, T_max=max(1, epochs - 5), eta_min=1e-4)
    schedule = SequentialLR(optimizer, [warmup, cosine], milestones=[5])
    plateau = ReduceLROnPlateau(optimizer, mode="min", factor=0.5, patience=2)

    best, best_epoch, best_state, waited = float("inf"), 0, None, 0
    for epoch in range(1, epochs + 1):
        model.train()
        for i in range(0, len(train_x), 16):
            loss = F.mse_loss(model(train_x[i:i + 16]), train_y[i:i + 16])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            train_loss = F.mse_loss(model(train_x), train_y).item()
            val_loss = F.mse_loss(model(val_x), val_y).item()
        lr = optimizer.param_groups[0]["lr"]
        print(f"epoch {epoch:2d}  lr {lr:.6f}  train loss {train_loss:.5f}  val loss {val_loss:.5f}")
        schedule.step()
        plateau.step(val_loss)
        if val_loss < best - min_delta:
            best, best_epoch, best_state, waited = val_loss, epoch, copy.deepcopy(model.state_dict()), 0
        else:
            waited += 1
            if waited >= patience:
                print(f"early stopping at epoch {epoch}: no improvement for {patience} epochs")
                break
    model.load_state_dict(best_state)
    with torch.no_grad():
        restored = F.mse_loss(model(val_x), val_y).item()
    print(f"best epoch {best_epoch}  best val loss {best:.5f}  restored val loss {restored:.5f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=40)
    main(parser.parse_args().epochs)
