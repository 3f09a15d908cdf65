"""torchvision.datasets.CIFAR10 and CIFAR100, read from the python-pickle batches (`<root>/cifar-10-batches-py/`)."""

from __future__ import annotations

import os
from urllib.error import URLError

import numpy as np

from torchax.vision.datasets.utils import (
    check_integrity,
    download_and_extract_archive,
    download_failed,
    load_pickle,
)
from torchax.vision.datasets.vision import VisionDataset


class CIFAR10(VisionDataset):
    """torchvision.datasets.CIFAR10: 32x32 RGB images in 10 classes; samples are (PIL image, int).

    Files are checked for presence, not md5 (a re-packed or partial batch loads); downloads are md5-checked."""

    base_folder = "cifar-10-batches-py"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    filename = "cifar-10-python.tar.gz"
    tgz_md5 = "c58f30108f718f92721af3b95e74349a"
    train_list = [["data_batch_1", "c99cafc152244af753f735de768cd75f"],
                  ["data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"],
                  ["data_batch_3", "54ebc095f3ab1f0389bbae665268c751"],
                  ["data_batch_4", "634d18415352ddfa80567beed471001a"],
                  ["data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb"]]
    test_list = [["test_batch", "40351d587109b95175f43aff81a1287e"]]
    meta = {"filename": "batches.meta", "key": "label_names", "md5": "5ff9c542aee3614f3951f8cda6e48888"}

    def __init__(self, root, train: bool = True, transform=None, target_transform=None, download: bool = False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        if not self._check_integrity():
            names = ", ".join(f for f, _ in self.train_list + self.test_list + [[self.meta["filename"], None]])
            raise RuntimeError(f"Dataset not found or corrupted. You can use download=True to download it, or put "
                               f"the files {names} in {os.path.join(self.root, self.base_folder)}")
        downloaded_list = self.train_list if self.train else self.test_list
        self.data, self.targets = [], []
        for file_name, _ in downloaded_list:
            entry = load_pickle(os.path.join(self.root, self.base_folder, file_name))
            self.data.append(entry["data"])
            self.targets.extend(entry["labels"] if "labels" in entry else entry["fine_labels"])
        self.data = np.vstack(self.data).reshape(-1, 3, 32, 32).transpose((0, 2, 3, 1))  # HWC
        self._load_meta()

    def _load_meta(self) -> None:
        path = os.path.join(self.root, self.base_folder, self.meta["filename"])
        if not check_integrity(path):
            raise RuntimeError("Dataset metadata file not found or corrupted. You can use download=True to download it")
        self.classes = load_pickle(path)[self.meta["key"]]
        self.class_to_idx = {_class: i for i, _class in enumerate(self.classes)}

    def __getitem__(self, index: int):
        from PIL import Image

        img, target = self.data[index], self.targets[index]
        img = Image.fromarray(img)
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return len(self.data)

    def _check_integrity(self) -> bool:
        return all(check_integrity(os.path.join(self.root, self.base_folder, f))
                   for f, _ in self.train_list + self.test_list)

    def download(self) -> None:
        if self._check_integrity():
            return
        try:
            download_and_extract_archive(self.url, self.root, filename=self.filename, md5=self.tgz_md5)
        except (URLError, OSError, RuntimeError) as error:
            raise download_failed(self.__class__.__name__, os.path.join(self.root, self.base_folder),
                                  [f for f, _ in self.train_list + self.test_list] + [self.meta["filename"]],
                                  error) from error

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train is True else 'Test'}"


class CIFAR100(CIFAR10):
    """torchvision.datasets.CIFAR100: CIFAR10's format with 100 fine classes."""

    base_folder = "cifar-100-python"
    url = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    filename = "cifar-100-python.tar.gz"
    tgz_md5 = "eb9058c3a382ffc7106e4002c42a8d85"
    train_list = [["train", "16019d7e3df5f24257cddd939b257f8d"]]
    test_list = [["test", "f0ef6b0ae62326f3e7ffdfab6717acfc"]]
    meta = {"filename": "meta", "key": "fine_label_names", "md5": "7973b15100ade9c7d40fb424638fde48"}
