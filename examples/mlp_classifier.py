"""Classify synthetic MNIST-shaped digits (1x28x28, 10 classes) with a two-layer MLP, Adam and a DataLoader.

    python examples/mlp_classifier.py --epochs 3
    torchax run examples/mlp_classifier.py --epochs 3
"""

import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def synthetic_mnist(n, prototypes, noise=1.0):
    """n noisy copies of ten random class prototypes, shaped like MNIST batches: (n, 1, 28, 28) images, int64 labels."""
    labels = torch.randint(0, 10, (n,))
    images = prototypes[labels] + noise * torch.randn(n, 1, 28, 28)
    return images, labels


class MLP(nn.Module):
    def __init__(self, hidden=128):
        super().__init__()
        self.fc1 = nn.Linear(28 * 28, hidden)
        self.fc2 = nn.Linear(hidden, 10)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


def evaluate(model, images, labels):
    model.eval()
    with torch.no_grad():
        logits = model(images)
        loss = F.cross_entropy(logits, labels).item()
        accuracy = (logits.argmax(dim=1) == labels).float().mean().item()
    return loss, accuracy


def main(epochs, batch_size=64):
    torch.manual_seed(0)
    prototypes = torch.randn(10, 1, 28, 28)
    train_x, train_y = synthetic_mnist(2048, prototypes, noise=8.0)
    test_x, test_y = synthetic_mnist(512, prototypes, noise=8.0)
    loader = DataLoader(TensorDataset(train_x, train_y), batch_size=batch_size, shuffle=True)

    model = MLP()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    print(f"parameters: {sum(p.numel() for p in model.parameters())}")
    for epoch in range(1, epochs + 1):
        model.train()
        total, correct, seen = 0.0, 0, 0
        for images, labels in loader:
            optimizer.zero_grad()
            logits = model(images)
            loss = F.cross_entropy(logits, labels)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(labels)
            correct += (logits.argmax(1) == labels).sum().item()
            seen += len(labels)
        test_loss, test_acc = evaluate(model, test_x, test_y)
        print(f"epoch {epoch}  train loss {total / seen:.5f}  train acc {correct / seen:.4f}  "
              f"test loss {test_loss:.5f}  test acc {test_acc:.4f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    main(parser.parse_args().epochs)
