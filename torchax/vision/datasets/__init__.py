"""torchvision.datasets: MNIST, FashionMNIST, CIFAR10, CIFAR100, ImageFolder, DatasetFolder, FakeData."""

from torchax.vision.datasets.cifar import CIFAR10, CIFAR100
from torchax.vision.datasets.fakedata import FakeData
from torchax.vision.datasets.folder import DatasetFolder, ImageFolder
from torchax.vision.datasets.mnist import MNIST, FashionMNIST
from torchax.vision.datasets.vision import VisionDataset

__all__ = ["CIFAR10", "CIFAR100", "DatasetFolder", "FakeData", "FashionMNIST", "ImageFolder", "MNIST",
           "VisionDataset"]
