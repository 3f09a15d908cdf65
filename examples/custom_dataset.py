"""A custom map-style Dataset with random augmentation, batched by a DataLoader with two worker processes.

Each sample is a noisy 2-D point on one of three spirals; `__getitem__` draws its noise from torch's generator,
which every worker seeds from the loader's base seed, so the batches are reproducible.

    python examples/custom_dataset.py --epochs 8
    torchax run examples/custom_dataset.py --epochs 8
"""

import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset, get_worker_info


class Spirals(Dataset):
    """`n` points on `classes` interleaved spirals; `noise` > 0 jitters each point every time it is read."""

    def __init__(self, n, classes=3, noise=0.0):
        self.n, self.classes, self.noise = n, classes, noise

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        label = index % self.classes
        r = (index // self.classes) / (self.n // self.classes)
        angle = 4.0 * r + 2 * math.pi * label / self.classes
        point = torch.tensor([r * math.cos(angle), r * math.sin(angle)])
        if self.noise:
            point = point + self.noise * torch.randn(2)
        return point, label


def worker_summary(worker_id):
    info = get_worker_info()
    assert info is not None and info.id == worker_id and info.num_workers == 2


def main(epochs):
    torch.manual_seed(0)
    train = DataLoader(Spirals(600, noise=0.02), batch_size=50, shuffle=True, num_workers=2,
                       worker_init_fn=worker_summary)
    test = DataLoader(Spirals(300), batch_size=100)
    model = nn.Sequential(nn.Linear(2, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 3))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)

    first_points, first_labels = next(iter(train))
    print(f"first batch: points {tuple(first_points.shape)} {first_points.dtype}, labels {first_labels[:8].tolist()}")
    print(f"first point {[round(v, 5) for v in first_points[0].tolist()]}")
    for epoch in range(1, epochs + 1):
        model.train()
        total = 0.0
        for points, labels in train:
            loss = F.cross_entropy(model(points), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
        model.eval()
        with torch.no_grad():
            correct = sum((model(p).argmax(1) == y).sum().item() for p, y in test)
        print(f"epoch {epoch}  train loss {total / len(train):.5f}  test accuracy {correct / len(test.dataset):.4f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=8)
    main(parser.parse_args().epochs)
