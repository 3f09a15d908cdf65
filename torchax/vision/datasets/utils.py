"""torchvision.datasets.utils: integrity checks, downloads, archive extraction, a restricted unpickler."""

from __future__ import annotations

import gzip
import hashlib
import os
import pickle
import shutil
import tarfile
import urllib.request

__all__ = ["calculate_md5", "check_md5", "check_integrity", "download_url", "extract_archive",
           "download_and_extract_archive"]


def calculate_md5(fpath: str, chunk_size: int = 1024 * 1024) -> str:
    md5 = hashlib.md5(usedforsecurity=False)
    with open(fpath, "rb") as f:
        while chunk := f.read(chunk_size):
            md5.update(chunk)
    return md5.hexdigest()


def check_md5(fpath: str, md5: str, **kwargs) -> bool:
    return md5 == calculate_md5(fpath, **kwargs)


def check_integrity(fpath: str, md5: str | None = None) -> bool:
    """The file exists (and has this md5, when one is given)."""
    if not os.path.isfile(fpath):
        return False
    return True if md5 is None else check_md5(fpath, md5)


def download_url(url: str, root: str, filename: str | None = None, md5: str | None = None, timeout: float = 30.0):
    """Download `url` into `root/filename` unless a file with that md5 is there already."""
    root = os.path.expanduser(root)
    filename = filename or os.path.basename(url)
    fpath = os.path.join(root, filename)
    os.makedirs(root, exist_ok=True)
    if check_integrity(fpath, md5):
        return
    tmp = fpath + ".part"
    with urllib.request.urlopen(urllib.request.Request(url, headers={"User-Agent": "torchax"}), timeout=timeout) as r, \
            open(tmp, "wb") as f:
        shutil.copyfileobj(r, f)
    os.replace(tmp, fpath)
    if not check_integrity(fpath, md5):
        raise RuntimeError(f"File {fpath} downloaded from {url} does not have the expected md5 {md5}.")


def extract_archive(from_path: str, to_path: str | None = None, remove_finished: bool = False) -> str:
    """Extract a .tar(.gz) archive or gunzip a .gz file; returns the destination."""
    to_path = to_path or os.path.dirname(from_path)
    if from_path.endswith((".tar.gz", ".tgz", ".tar")):
        with tarfile.open(from_path) as tar:
            if hasattr(tarfile, "data_filter"):
                tar.extractall(to_path, filter="data")  # refuses absolute paths and links out of to_path
            else:  # Pythons without extraction filters: check the member paths ourselves
                root = os.path.realpath(to_path)
                for m in tar.getmembers():
                    target = os.path.realpath(os.path.join(root, m.name))
                    if not target.startswith(root + os.sep) or m.issym() or m.islnk():
                        raise RuntimeError(f"unsafe path in archive {from_path}: {m.name}")
                tar.extractall(to_path)
    elif from_path.endswith(".gz"):
        out = os.path.join(to_path, os.path.basename(from_path)[:-3])
        with gzip.open(from_path, "rb") as src, open(out, "wb") as dst:
            shutil.copyfileobj(src, dst)
    else:
        raise RuntimeError(f"Extraction of {from_path} not supported")
    if remove_finished:
        os.remove(from_path)
    return to_path


def download_and_extract_archive(url: str, download_root: str, extract_root: str | None = None,
                                 filename: str | None = None, md5: str | None = None,
                                 remove_finished: bool = False) -> None:
    download_root = os.path.expanduser(download_root)
    extract_root = extract_root or download_root
    filename = filename or os.path.basename(url)
    download_url(url, download_root, filename, md5)
    extract_archive(os.path.join(download_root, filename), extract_root, remove_finished)


def download_failed(name: str, where: str, files, error: BaseException) -> RuntimeError:
    """The error for a download that could not happen: what to fetch by hand and where to put it."""
    return RuntimeError(f"Downloading {name} failed ({type(error).__name__}: {error}). Without a network, put the "
                        f"files {', '.join(files)} in {where} and call again with download=False.")


class _ArrayUnpickler(pickle.Unpickler):
    """Loads the dataset pickles (dicts, lists, strings, numpy arrays) and refuses any other class: a downloaded
    pickle is untrusted input."""

    _ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
                ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "scalar"),
                ("numpy._core.multiarray", "scalar"), ("_codecs", "encode"),
                ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer")}

    def find_class(self, module, name):
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a dataset file")


def load_pickle(path: str):
    with open(path, "rb") as f:
        return _ArrayUnpickler(f, encoding="latin1").load()
