"""Transfer learning: pretrain a small conv backbone on one task, freeze it, and train only a new head on another.

The "pretrained" weights are saved with torch.save and loaded back with torch.load, as a downloaded checkpoint
would be; the frozen backbone has requires_grad=False and stays in eval mode, and the script checks that it did
not change.

    python examples/transfer_learning.py --epochs 3
    torchax run examples/transfer_learning.py --epochs 3
"""

import argparse
import io

import torch
import torch.nn as nn
import torch.nn.functional as F


def backbone():
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(), nn.AdaptiveAvgPool2d(2),
        nn.Flatten(),
    )


def task(n, prototypes, noise=1.0):
    """Images of shape (n, 1, 16, 16): a random class prototype plus noise."""
    labels = torch.randint(0, len(prototypes), (n,))
    return prototypes[labels] + noise * torch.randn(n, 1, 16, 16), labels


def train(model, params, data, epochs, lr, batch_size=32, name=""):
    optimizer = torch.optim.SGD(params, lr=lr, momentum=0.9)
    images, labels = data
    for epoch in range(1, epochs + 1):
        total = 0.0
        for i in range(0, len(images), batch_size):
            loss = F.cross_entropy(model(images[i:i + batch_size]), labels[i:i + batch_size])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
        print(f"{name} epoch {epoch}  loss {total / (len(images) // batch_size):.5f}")


def accuracy(model, images, labels):
    model.eval()
    with torch.no_grad():
        return (model(images).argmax(1) == labels).float().mean().item()


def main(epochs):
    torch.manual_seed(0)
    # pretraining on task A (10 classes)
    pretrained = nn.Sequential(backbone(), nn.Linear(64, 10))
    train(pretrained, pretrained.parameters(), task(512, torch.randn(10, 1, 16, 16)), epochs, 0.01, name="pretrain")
    buffer = io.BytesIO()
    torch.save(pretrained[0].state_dict(), buffer)

    # fine-tuning on task B (4 classes): load the backbone, freeze it, train a new head
    features = backbone()
    features.load_state_dict(torch.load(io.BytesIO(buffer.getvalue())))
    for p in features.parameters():
        p.requires_grad = False
    model = nn.Sequential(features, nn.Linear(64, 4))
    frozen = {k: v.clone() for k, v in features.state_dict().items()}
    trainable = [p for p in model.parameters() if p.requires_grad]
    print(f"trainable parameters {sum(p.numel() for p in trainable)} of {sum(p.numel() for p in model.parameters())}")

    prototypes_b = torch.randn(4, 1, 16, 16)
    data_b, test_b = task(256, prototypes_b), task(256, prototypes_b)
    model.train()
    features.eval()  # frozen batch-norm statistics as well
    train(model, trainable, data_b, epochs, 0.01, name="finetune")
    unchanged = all(torch.equal(frozen[k], v) for k, v in features.state_dict().items())
    print(f"backbone unchanged: {unchanged}  backbone grads: {[p.grad for p in features.parameters()][:2]}")
    print(f"head weight norm {model[1].weight.norm().item():.5f}  test accuracy {accuracy(model, *test_b):.4f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    main(parser.parse_args().epochs)
