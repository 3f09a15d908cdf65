"""Classify synthetic MNIST-shaped digits with a small CNN (conv, batch norm, max pool, dropout) and SGD + momentum.

    python examples/cnn_classifier.py --epochs 2
    torchax run examples/cnn_classifier.py --epochs 2
"""

import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def synthetic_mnist(n, prototypes, noise):
    """n noisy, randomly shifted copies of ten random class prototypes: (n, 1, 28, 28) images and int64 labels."""
    labels = torch.randint(0, 10, (n,))
    shifts = torch.randint(-2, 3, (n,))
    images = torch.stack([prototypes[c].roll(int(s), dims=2) for c, s in zip(labels, shifts)])
    return images + noise * torch.randn(n, 1, 28, 28), labels


class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, kernel_size=3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(nn.Flatten(), nn.Dropout(0.25), nn.Linear(16 * 7 * 7, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


def evaluate(model, images, labels):
    model.eval()
    with torch.no_grad():
        logits = model(images)
    return F.cross_entropy(logits, labels).item(), (logits.argmax(1) == labels).float().mean().item()


def main(epochs, batch_size=64):
    torch.manual_seed(0)
    prototypes = torch.randn(10, 1, 28, 28)
    train_x, train_y = synthetic_mnist(1024, prototypes, noise=2.0)
    test_x, test_y = synthetic_mnist(256, prototypes, noise=2.0)
    loader = DataLoader(TensorDataset(train_x, train_y), batch_size=batch_size, shuffle=True, drop_last=True)

    model = ConvNet()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    for epoch in range(1, epochs + 1):
        model.train()
        losses = []
        for images, labels in loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(images), labels)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        test_loss, test_acc = evaluate(model, test_x, test_y)
        print(f"epoch {epoch}  first batch loss {losses[0]:.5f}  mean train loss {sum(losses) / len(losses):.5f}  "
              f"test loss {test_loss:.5f}  test acc {test_acc:.4f}")
    bn = model.features[1]
    print(f"bn1 running mean {bn.running_mean[:3].tolist()}  num_batches_tracked {bn.num_batches_tracked.item()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2)
    main(parser.parse_args().epochs)
