"""torchax.vision.datasets reading tiny files written in the real on-disk formats, FakeData against torch's seeded
streams, utils.make_grid/save_image against torchvision's formulas in torch, and a vision pipeline through a
DataLoader against the same pipeline computed with torch."""

import os
import pickle
import warnings

import numpy as np
import pytest
import torch
from PIL import Image

import torchax
from torchax.utils.data import DataLoader
from torchax.vision import datasets, transforms, utils


def _idx(path, arr):
    """Write `arr` as an idx file (big-endian header: 0, 0, type code, ndim; then the sizes; then the data)."""
    code = {np.uint8: 8, np.int32: 12}[arr.dtype.type]
    with open(path, "wb") as f:
        f.write(bytes([0, 0, code, arr.ndim]))
        for s in arr.shape:
            f.write(int(s).to_bytes(4, "big"))
        f.write(arr.astype(arr.dtype.newbyteorder(">")).tobytes())


def _mnist_root(tmp_path, name="MNIST", n=5):
    raw = tmp_path / name / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    arrays = {}
    for split, count in (("train", n), ("t10k", 3)):
        images = rng.integers(0, 256, (count, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, (count,), dtype=np.uint8)
        _idx(raw / f"{split}-images-idx3-ubyte", images)
        _idx(raw / f"{split}-labels-idx1-ubyte", labels)
        arrays[split] = (images, labels)
    return str(tmp_path), arrays


@pytest.mark.parametrize("cls", ["MNIST", "FashionMNIST"])
def test_mnist_formats(tmp_path, cls):
    root, arrays = _mnist_root(tmp_path, cls)
    ds = getattr(datasets, cls)(root, train=True, download=True)  # files present: nothing is downloaded
    images, labels = arrays["train"]
    assert len(ds) == 5 and ds.data.dtype == torchax.uint8 and ds.targets.dtype == torchax.int64
    np.testing.assert_array_equal(ds.data.numpy(), images)
    np.testing.assert_array_equal(ds.targets.numpy(), labels)
    img, target = ds[3]
    assert isinstance(img, Image.Image) and img.mode == "L" and type(target) is int and target == labels[3]
    np.testing.assert_array_equal(np.asarray(img), images[3])
    test = getattr(datasets, cls)(root, train=False, transform=transforms.ToTensor(), target_transform=lambda y: -y)
    x, y = test[1]
    np.testing.assert_array_equal(x.numpy(), arrays["t10k"][0][1][None] / np.float32(255))
    assert y == -arrays["t10k"][1][1] and len(test) == 3
    assert repr(test).splitlines()[:4] == [f"Dataset {cls}", "    Number of datapoints: 3",
                                           f"    Root location: {root}", "    Split: Test"]
    assert ds.class_to_idx[ds.classes[2]] == 2 and len(ds.classes) == 10
    ds.targets = ds.targets + 1  # reassigned attributes are what __getitem__ reads
    assert ds[3][1] == labels[3] + 1
    with pytest.warns(UserWarning, match="train_labels has been renamed targets"):
        assert ds.train_labels is ds.targets


def test_mnist_missing_files_says_where(tmp_path):
    with pytest.raises(RuntimeError, match="Dataset not found. You can use download=True to download it") as info:
        datasets.MNIST(str(tmp_path))
    assert os.path.join(str(tmp_path), "MNIST", "raw") in str(info.value)
    assert "train-images-idx3-ubyte" in str(info.value)


def _cifar_root(tmp_path, hundred=False):
    folder = tmp_path / ("cifar-100-python" if hundred else "cifar-10-batches-py")
    folder.mkdir()
    rng = np.random.default_rng(1)
    batches = {}
    names = ["train", "test"] if hundred else [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    key = "fine_labels" if hundred else "labels"
    for i, name in enumerate(names):
        data = rng.integers(0, 256, (2, 3072), dtype=np.uint8)
        labels = [int(v) for v in rng.integers(0, 10, 2)]
        with open(folder / name, "wb") as f:
            pickle.dump({"data": data, key: labels, "batch_label": name}, f, protocol=2 if i % 2 else 4)
        batches[name] = (data, labels)
    meta = {"fine_label_names" if hundred else "label_names": [f"c{i}" for i in range(100 if hundred else 10)]}
    with open(folder / ("meta" if hundred else "batches.meta"), "wb") as f:
        pickle.dump(meta, f)
    return str(tmp_path), batches


@pytest.mark.parametrize("hundred", [False, True])
def test_cifar_formats(tmp_path, hundred):
    root, batches = _cifar_root(tmp_path, hundred)
    cls = datasets.CIFAR100 if hundred else datasets.CIFAR10
    train = cls(root, train=True)
    names = ["train"] if hundred else [f"data_batch_{i}" for i in range(1, 6)]
    data = np.vstack([batches[n][0] for n in names]).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    targets = [t for n in names for t in batches[n][1]]
    assert train.data.shape == data.shape and train.targets == targets and len(train) == len(targets)
    img, target = train[1]
    assert img.mode == "RGB" and target == targets[1]
    np.testing.assert_array_equal(np.asarray(img), data[1])
    test = cls(root, train=False, transform=transforms.PILToTensor())
    x, _ = test[0]
    test_name = "test" if hundred else "test_batch"
    np.testing.assert_array_equal(x.numpy(), batches[test_name][0][0].reshape(3, 32, 32))
    assert train.classes[3] == "c3" and train.class_to_idx["c3"] == 3


def test_cifar_refuses_code_in_pickles(tmp_path):
    root, _ = _cifar_root(tmp_path)

    class Evil:
        def __reduce__(self):
            return (os.system, ("echo hacked",))

    with open(os.path.join(root, "cifar-10-batches-py", "data_batch_1"), "wb") as f:
        pickle.dump({"data": Evil(), "labels": []}, f)
    with pytest.raises(pickle.UnpicklingError, match="posix.system is not allowed"):
        datasets.CIFAR10(root)


def test_cifar_missing(tmp_path):
    with pytest.raises(RuntimeError, match="Dataset not found or corrupted. You can use download=True"):
        datasets.CIFAR10(str(tmp_path))


def _image_tree(tmp_path):
    rng = np.random.default_rng(2)
    files = {"cat": ["b.png", "a.jpg", "notes.txt"], "dog": ["c.bmp", "sub/d.png"], "empty_is_not_here": []}
    for cls, names in files.items():
        for name in names:
            p = tmp_path / cls / name
            p.parent.mkdir(parents=True, exist_ok=True)
            if name.endswith(".txt"):
                p.write_text("not an image")
            else:
                mode = "L" if name.startswith("c") else "RGB"
                arr = rng.integers(0, 256, (6, 5) if mode == "L" else (6, 5, 3), dtype=np.uint8)
                Image.fromarray(arr).save(p)
    (tmp_path / "empty_is_not_here").mkdir(exist_ok=True)
    return tmp_path


def _read_text(path):
    with open(path) as f:
        return f.read()


def test_image_folder(tmp_path):
    root = _image_tree(tmp_path)
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes empty_is_not_here"):
        datasets.ImageFolder(str(root))
    ds = datasets.ImageFolder(str(root), allow_empty=True, transform=transforms.ToTensor())
    assert ds.classes == ["cat", "dog", "empty_is_not_here"]
    assert [(os.path.relpath(p, root), t) for p, t in ds.samples] == [
        ("cat/a.jpg", 0), ("cat/b.png", 0), ("dog/c.bmp", 1), ("dog/sub/d.png", 1)]
    assert ds.targets == [0, 0, 1, 1] and ds.imgs is ds.samples and len(ds) == 4
    x, y = ds[2]  # a grayscale file comes back RGB
    gray = np.asarray(Image.open(root / "dog" / "c.bmp"))
    np.testing.assert_array_equal(x.numpy(), np.stack([gray] * 3) / np.float32(255))
    npy = datasets.DatasetFolder(str(root), loader=_read_text, extensions=".txt", allow_empty=True)
    assert len(npy) == 1 and npy[0] == ("not an image", 0)
    with pytest.raises(ValueError, match="Both extensions and is_valid_file cannot be None or not None"):
        datasets.DatasetFolder(str(root), loader=open)
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder"):
        datasets.ImageFolder(str(root / "cat"))


def test_fake_data_matches_torch_streams():
    torchax.manual_seed(11)
    torch.manual_seed(11)
    fd = datasets.FakeData(size=3, image_size=(3, 5, 4), num_classes=7, random_offset=2)
    for i in range(3):
        img, target = fd[i]
        g = torch.Generator().manual_seed(i + 2)
        ref = torch.randn(3, 5, 4, generator=g)
        ref_target = torch.randint(0, 7, size=(1,), dtype=torch.long, generator=g)[0].item()
        assert target == ref_target and img.size == (4, 5) and img.mode == "RGB"
        np.testing.assert_array_equal(np.asarray(img), ref.mul(255).byte().permute(1, 2, 0).numpy())
    np.testing.assert_array_equal(torchax.rand(3).numpy(), torch.rand(3).numpy())  # the caller's stream is intact
    with pytest.raises(IndexError, match="FakeData index out of range"):
        fd[3]


def _make_grid_ref(t, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False, pad_value=0.0):
    """torchvision.utils.make_grid, in torch."""
    import math

    if isinstance(t, list):
        t = torch.stack(t, dim=0)
    if t.dim() == 2:
        t = t.unsqueeze(0)
    if t.dim() == 3:
        if t.size(0) == 1:
            t = torch.cat((t, t, t), 0)
        t = t.unsqueeze(0)
    if t.dim() == 4 and t.size(1) == 1:
        t = torch.cat((t, t, t), 1)
    if normalize:
        t = t.clone()

        def norm(img, low, high):
            img.clamp_(min=low, max=high)
            img.sub_(low).div_(max(high - low, 1e-5))

        for part in (t if scale_each else [t]):
            norm(part, *(value_range or (float(part.min()), float(part.max()))))
    if t.size(0) == 1:
        return t.squeeze(0)
    nmaps = t.size(0)
    xmaps = min(nrow, nmaps)
    ymaps = int(math.ceil(float(nmaps) / xmaps))
    height, width = int(t.size(2) + padding), int(t.size(3) + padding)
    grid = t.new_full((t.size(1), height * ymaps + padding, width * xmaps + padding), pad_value)
    k = 0
    for y in range(ymaps):
        for x in range(xmaps):
            if k >= nmaps:
                break
            grid.narrow(1, y * height + padding, height - padding).narrow(2, x * width + padding,
                                                                          width - padding).copy_(t[k])
            k += 1
    return grid


@pytest.mark.parametrize("shape,kw", [((5, 3, 4, 3), {}), ((5, 1, 4, 3), dict(nrow=2, padding=1, pad_value=0.5)),
                                      ((3, 4, 3), {}), ((4, 3), dict(normalize=True)),
                                      ((4, 3, 4, 3), dict(normalize=True, scale_each=True)),
                                      ((2, 3, 4, 3), dict(normalize=True, value_range=(0.2, 0.8)))])
def test_make_grid(shape, kw):
    a = np.random.default_rng(3).random(shape, dtype=np.float32) * 2 - 0.5
    out = utils.make_grid(torchax.tensor(a), **kw)
    ref = _make_grid_ref(torch.tensor(a), **kw)
    assert out.dtype == torchax.float32 and tuple(out.shape) == tuple(ref.shape)
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1.3e-6, atol=1e-6)


def test_make_grid_list_and_errors():
    parts = [np.random.default_rng(i).random((3, 2, 2), dtype=np.float32) for i in range(3)]
    out = utils.make_grid([torchax.tensor(p) for p in parts], nrow=3)
    np.testing.assert_array_equal(out.numpy(), _make_grid_ref([torch.tensor(p) for p in parts], nrow=3).numpy())
    with pytest.raises(TypeError, match="tensor or list of tensors expected"):
        utils.make_grid([1, 2])


def test_save_image(tmp_path):
    a = np.random.default_rng(4).random((4, 3, 5, 5), dtype=np.float32)
    path = tmp_path / "grid.png"
    utils.save_image(torchax.tensor(a), str(path), nrow=2)
    ref = _make_grid_ref(torch.tensor(a), nrow=2).mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0)
    np.testing.assert_array_equal(np.asarray(Image.open(path)), ref.to(torch.uint8).numpy())


def test_mnist_pipeline_through_dataloader(tmp_path):
    """The usual script: MNIST -> ToTensor -> Normalize, shuffled, against the same computed with torch."""
    root, arrays = _mnist_root(tmp_path, n=7)
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    ds = datasets.MNIST(root, transform=tf)
    torchax.manual_seed(0)
    got = [(x.numpy(), y.numpy(), x.dtype, y.dtype) for x, y in DataLoader(ds, batch_size=3, shuffle=True)]
    torch.manual_seed(0)
    images, labels = arrays["train"]
    xs = (torch.from_numpy(images).float().div(255)[:, None] - 0.1307) / 0.3081
    ref = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(xs, torch.from_numpy(labels).long()),
                                      batch_size=3, shuffle=True)
    for (x, y, xd, yd), (rx, ry) in zip(got, ref, strict=True):
        assert (xd, yd) == (torchax.float32, torchax.int64)
        np.testing.assert_allclose(x, rx.numpy(), rtol=1.3e-6, atol=1e-5)
        np.testing.assert_array_equal(y, ry.numpy())


def test_image_folder_in_workers(tmp_path):
    """PIL decoding and transforms in worker processes give the one-process batches."""
    root = _image_tree(tmp_path)
    tf = transforms.Compose([transforms.Resize((4, 4)), transforms.ToTensor()])
    ds = datasets.ImageFolder(str(root), transform=tf, allow_empty=True)
    one = [(x.numpy(), y.tolist()) for x, y in DataLoader(ds, batch_size=3)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        two = [(x.numpy(), y.tolist()) for x, y in DataLoader(ds, batch_size=3, num_workers=2)]
    assert len(one) == len(two) == 2
    for (a, ya), (b, yb) in zip(one, two):
        np.testing.assert_array_equal(a, b)
        assert ya == yb
