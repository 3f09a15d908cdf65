"""Save a training checkpoint (model, optimizer, scheduler, RNG state) halfway, resume from it in a fresh model,
and check that the resumed run ends exactly where an uninterrupted run does.

    python examples/checkpoint_resume.py --steps 40
    torchax run examples/checkpoint_resume.py --steps 40
"""

import argparse
import os
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F


def make_model():
    return nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 1))


def make_training(model):
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=15, gamma=0.5)
    return optimizer, scheduler


def batch(step):
    """Deterministic data for a step: the same whether a run was interrupted or not."""
    g = torch.Generator().manual_seed(1000 + step)
    x = torch.randn(16, 8, generator=g)
    return x, torch.tanh(x[:, :4].sum(dim=1, keepdim=True) - x[:, 4:].sum(dim=1, keepdim=True))


def train(model, optimizer, scheduler, first, last, log):
    model.train()
    for step in range(first, last):
        x, y = batch(step)
        loss = F.mse_loss(model(x), y)  # dropout draws from the global generator: its state is checkpointed too
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        log.append(loss.item())


def main(steps):
    half = steps // 2

    torch.manual_seed(0)
    model = make_model()
    optimizer, scheduler = make_training(model)
    straight = []
    train(model, optimizer, scheduler, 0, steps, straight)
    final_straight = {k: v.clone() for k, v in model.state_dict().items()}

    torch.manual_seed(0)
    model = make_model()
    optimizer, scheduler = make_training(model)
    first_half = []
    train(model, optimizer, scheduler, 0, half, first_half)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "checkpoint.pt")
        torch.save({"step": half, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                    "scheduler": scheduler.state_dict(), "rng": torch.get_rng_state()}, path)
        print(f"saved checkpoint at step {half}: {sorted(torch.load(path).keys())}")

        torch.manual_seed(123)  # a fresh process would start from other weights and another RNG state
        model = make_model()
        optimizer, scheduler = make_training(model)
        checkpoint = torch.load(path)
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        scheduler.load_state_dict(checkpoint["scheduler"])
        torch.set_rng_state(checkpoint["rng"])
    second_half = []
    train(model, optimizer, scheduler, checkpoint["step"], steps, second_half)

    state = optimizer.state_dict()["state"][0]
    print(f"optimizer step count {float(state['step']):.0f}  lr {scheduler.get_last_lr()[0]:.6f}")
    for i in range(0, steps, max(1, steps // 8)):
        print(f"step {i:3d}  loss {straight[i]:.6f}")
    print(f"final loss {straight[-1]:.6f}")
    print(f"resumed losses equal: {first_half + second_half == straight}")
    same = all(torch.equal(final_straight[k], v) for k, v in model.state_dict().items())
    print(f"resumed weights equal: {same}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40)
    main(parser.parse_args().steps)
