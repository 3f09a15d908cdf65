"""torchvision.datasets.MNIST and FashionMNIST, read from the idx files (`<root>/<Class>/raw/`)."""

from __future__ import annotations

import os
import warnings
from urllib.error import URLError

import numpy as np

from torchax.vision.datasets.utils import check_integrity, download_and_extract_archive, download_failed
from torchax.vision.datasets.vision import VisionDataset

# the idx type codes: dtype, all stored big-endian
_SN3_TYPES = {8: np.uint8, 9: np.int8, 11: np.dtype(">i2"), 12: np.dtype(">i4"), 13: np.dtype(">f4"),
              14: np.dtype(">f8")}


def read_sn3_pascalvincent_tensor(path: str, strict: bool = True):
    """An idx ("SN3 pascalvincent") file as a Tensor of its dtype and shape."""
    from torchax._ops.creation import from_numpy

    with open(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    nd, ty = magic % 256, magic // 256
    if not 1 <= nd <= 3 or ty not in _SN3_TYPES:
        raise ValueError(f"{path} is not an idx file (magic number {magic})")
    s = [int.from_bytes(data[4 * (i + 1):4 * (i + 2)], "big") for i in range(nd)]
    dt = np.dtype(_SN3_TYPES[ty])
    parsed = np.frombuffer(data, dtype=dt, offset=4 * (nd + 1))
    if strict and parsed.shape[0] != np.prod(s):
        raise ValueError(f"{path}: {parsed.shape[0]} values for shape {s}")
    return from_numpy(parsed[:int(np.prod(s))].astype(dt.newbyteorder("=")).reshape(s))


def read_label_file(path: str):
    x = read_sn3_pascalvincent_tensor(path, strict=False)
    if str(x.dtype) != "torch.uint8":
        raise TypeError(f"x should be of dtype torch.uint8 instead of {x.dtype}")
    if x.ndim != 1:
        raise ValueError(f"x should have 1 dimension instead of {x.ndim}")
    return x.long()


def read_image_file(path: str):
    x = read_sn3_pascalvincent_tensor(path, strict=False)
    if str(x.dtype) != "torch.uint8":
        raise TypeError(f"x should be of dtype torch.uint8 instead of {x.dtype}")
    if x.ndim != 3:
        raise ValueError(f"x should have 3 dimension instead of {x.ndim}")
    return x


def _host(t, cache: dict, key: str) -> np.ndarray:
    """A numpy view of Tensor `t` for per-sample reads, refreshed when the attribute is reassigned or written."""
    value = t._value
    hit = cache.get(key)
    if hit is None or hit[0] is not value:
        hit = cache[key] = (value, np.asarray(value))
    return hit[1]


class MNIST(VisionDataset):
    """torchvision.datasets.MNIST: 28x28 grayscale digits; samples are (PIL image, int)."""

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    resources = [("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
                 ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
                 ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
                 ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c")]
    training_file = "training.pt"
    test_file = "test.pt"
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven",
               "8 - eight", "9 - nine"]

    @property
    def train_labels(self):
        warnings.warn("train_labels has been renamed targets", stacklevel=2)
        return self.targets

    @property
    def test_labels(self):
        warnings.warn("test_labels has been renamed targets", stacklevel=2)
        return self.targets

    @property
    def train_data(self):
        warnings.warn("train_data has been renamed data", stacklevel=2)
        return self.data

    @property
    def test_data(self):
        warnings.warn("test_data has been renamed data", stacklevel=2)
        return self.data

    def __init__(self, root, train: bool = True, transform=None, target_transform=None, download: bool = False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        if not self._check_exists():
            names = ", ".join(os.path.splitext(name)[0] for name, _ in self.resources)
            raise RuntimeError(f"Dataset not found. You can use download=True to download it, or put the files "
                               f"{names} in {self.raw_folder}")
        self.data, self.targets = self._load_data()
        self._host_cache = {}

    def _load_data(self):
        prefix = "train" if self.train else "t10k"
        data = read_image_file(os.path.join(self.raw_folder, f"{prefix}-images-idx3-ubyte"))
        targets = read_label_file(os.path.join(self.raw_folder, f"{prefix}-labels-idx1-ubyte"))
        return data, targets

    def __getitem__(self, index: int):
        from PIL import Image

        cache = self.__dict__.setdefault("_host_cache", {})
        img = _host(self.data, cache, "data")[index]
        target = int(_host(self.targets, cache, "targets")[index])
        img = Image.fromarray(np.ascontiguousarray(img))  # a PIL image, as every torchvision dataset returns
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return len(self.data)

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_host_cache", None)  # views of this process's arrays
        return state

    @property
    def raw_folder(self) -> str:
        return os.path.join(self.root, self.__class__.__name__, "raw")

    @property
    def processed_folder(self) -> str:
        return os.path.join(self.root, self.__class__.__name__, "processed")

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {_class: i for i, _class in enumerate(self.classes)}

    def _check_exists(self) -> bool:
        return all(check_integrity(os.path.join(self.raw_folder, os.path.splitext(os.path.basename(url))[0]))
                   for url, _ in self.resources)

    def download(self) -> None:
        """Fetch the four .gz files (trying each mirror) and unpack them into raw_folder."""
        if self._check_exists():
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        for filename, md5 in self.resources:
            errors = []
            for mirror in self.mirrors:
                try:
                    download_and_extract_archive(f"{mirror}{filename}", download_root=self.raw_folder,
                                                 filename=filename, md5=md5)
                    break
                except (URLError, OSError, RuntimeError) as error:
                    errors.append(error)
            else:
                raise download_failed(self.__class__.__name__, self.raw_folder,
                                      [os.path.splitext(f)[0] for f, _ in self.resources], errors[-1])

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train is True else 'Test'}"


class FashionMNIST(MNIST):
    """torchvision.datasets.FashionMNIST: Zalando's 28x28 clothing images, in MNIST's format."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
                 ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
                 ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
                 ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310")]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]

