"""torch.serialization: `save`/`load` in PyTorch's own checkpoint format, weights-only loading by default.

Files move both ways between torch and torchax: `torch.load(weights_only=True)` reads what `torchax.save` writes
and `torchax.load` reads what `torch.save` writes (zip format, and the legacy stream for loading and saving).
Differences from torch: saving to a path is atomic (a temporary file beside it, swapped in once complete); loading
places CPU tensors in the buffers the records were read into (no second copy), or maps them with `mmap=True`;
the legacy tar format (torch < 0.4) and quantized/sparse/nested/8-bit-float tensors are not supported; errors
about a corrupt file name the file.
"""

from __future__ import annotations

import os
import pickle
import re
import warnings

import numpy as np

from torchax._serialization import _load, _save, _weights_only, _zip
from torchax._serialization._rebuild import UntypedStorage as UntypedStorage
from torchax._serialization._weights_only import (
    add_safe_globals as add_safe_globals,
    clear_safe_globals as clear_safe_globals,
    get_safe_globals as get_safe_globals,
)

__all__ = ["save", "load", "add_safe_globals", "safe_globals", "get_safe_globals", "clear_safe_globals",
           "get_unsafe_globals_in_checkpoint", "DEFAULT_PROTOCOL", "UntypedStorage"]

DEFAULT_PROTOCOL = 2
UNSAFE_MESSAGE = (
    "In PyTorch 2.6, we changed the default value of the `weights_only` argument in `torch.load` from `False` to "
    "`True`. Re-running `torch.load` with `weights_only` set to `False` will likely succeed, but it can result in "
    "arbitrary code execution. Do it only if you got the file from a trusted source."
)
_DOCS_MESSAGE = (
    "\n\nCheck the documentation of torch.load to learn more about types accepted by default with weights_only "
    "https://pytorch.org/docs/stable/generated/torch.load.html."
)
_TRUE = ("1", "y", "yes", "true")


class safe_globals(_weights_only._safe_globals):  # noqa: N801 - torch's name
    """torch.serialization.safe_globals: a context manager that allow-lists globals for weights-only loads."""


def _is_path(f) -> bool:
    return isinstance(f, (str, os.PathLike))


def _file_name(f) -> str:
    if _is_path(f):
        return os.fspath(f)
    name = getattr(f, "name", None)
    return name if isinstance(name, str) else f"<{type(f).__name__}>"


# --- save ---------------------------------------------------------------------------------------------------------


def save(obj, f, pickle_module=pickle, pickle_protocol=DEFAULT_PROTOCOL, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False) -> None:
    """torch.save: write `obj` to a path, `pathlib.Path` or writable binary file, in torch's zip format.

    A path is written atomically: to `<path>.tmp-XXXX` in the same folder, renamed over `path` once complete; on
    any failure the temporary file is removed and an existing file at `path` is left as it was.
    """
    if not _is_path(f) and not hasattr(f, "write"):
        raise AttributeError("expected 'f' to be string, path, or a file-like object with a 'write' attribute")
    if pickle_module is not pickle:
        raise NotImplementedError("torchax.save writes with the standard `pickle` module only")
    if _use_new_zipfile_serialization:
        def write(fp, name):
            _save.write_zip(obj, fp, name, pickle_protocol, _disable_byteorder_record)
    else:
        def write(fp, name):
            _save.write_legacy(obj, fp, pickle_protocol)
    if _is_path(f):
        path = os.fspath(f)
        with _save.atomic_file(path) as fp:
            write(fp, path)
        return
    if not callable(getattr(f, "write", None)):
        raise TypeError(f"Buffer of {str(type(f)).strip('<>')} has no callable attribute 'write'")
    write(f, None)
    flush = getattr(f, "flush", None)
    if callable(flush):
        flush()


# --- load ---------------------------------------------------------------------------------------------------------


def _wo_message(message: str) -> str:
    """torch's wording around a weights-only refusal."""
    if re.search(r"GLOBAL (\S+) was not an allowed global by default.", message):
        return ("Weights only load failed. This file can still be loaded, to do so you have two options, "
                "\033[1mdo those steps only if you trust the source of the checkpoint\033[0m. "
                f"\n\t(1) {UNSAFE_MESSAGE}\n\t(2) Alternatively, to load with `weights_only=True` please check the "
                "recommended steps in the following error message.\n\tWeightsUnpickler error: " + message
                + _DOCS_MESSAGE)
    if re.search(r"(\S+) must be (\S+) to load", message):
        return f"Weights only load failed. {message}\n {UNSAFE_MESSAGE}\n"
    out = f"Weights only load failed. {UNSAFE_MESSAGE}\n"
    if not re.search(r"whose module (\S+) is blocked", message):
        out += ("Please file an issue with the following so that we can make `weights_only=True` compatible with "
                "your use case: WeightsUnpickler error: ")
    return out + "\n\n" + message + _DOCS_MESSAGE


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, **pickle_load_args):
    """torch.load: read a checkpoint torch or torchax saved (zip or legacy format); weights-only by default.

    `map_location` is None, a device (str or torchax.device), a dict of location tags, or a callable
    `(storage, location) -> storage or None`. `mmap=True` maps the file: CPU tensors read their bytes from it on
    use. A path ending in `.safetensors` is read with `torchax.utils.safetensors.load_file`.
    """
    not_set = weights_only is None
    if not_set:
        weights_only = pickle_module is None
    force_on = os.getenv("TORCH_FORCE_WEIGHTS_ONLY_LOAD", "0").lower() in _TRUE
    force_off = os.getenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "0").lower() in _TRUE
    if force_on and force_off:
        raise RuntimeError("Only one of `TORCH_FORCE_WEIGHTS_ONLY_LOAD` or `TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD` should "
                           "be set, but both were set.")
    if force_on:
        weights_only = True
    elif force_off and not_set:
        warnings.warn("Environment variable TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD detected, since the`weights_only` "
                      "argument was not explicitly passed to `torch.load`, forcing weights_only=False.",
                      UserWarning, stacklevel=2)
        weights_only = False
    if weights_only:
        if pickle_module is not None:
            raise RuntimeError("Can not safely load weights when explicit pickle_module is specified")
    elif pickle_module is None:
        pickle_module = pickle
    if pickle_load_args and weights_only:
        warnings.warn("pickle_load_args only works if `weights_only=False`.", stacklevel=2)
    pickle_load_args.setdefault("encoding", "utf-8")
    if _is_path(f) and os.fspath(f).endswith(".safetensors"):
        return _load_safetensors(os.fspath(f), map_location)
    name = _file_name(f)
    if _is_path(f):
        with open(f, "rb") as fp:
            return _load_file(fp, f, name, map_location, pickle_module, weights_only, mmap, pickle_load_args)
    _check_seekable(f)
    return _load_file(f, f, name, map_location, pickle_module, weights_only, mmap, pickle_load_args)


def _check_seekable(f) -> None:
    try:
        f.seek(f.tell())
    except (OSError, AttributeError) as e:
        if "seek" in str(e) or "tell" in str(e):
            raise type(e)(str(e) + ". You can only torch.load from a file that is seekable. Please pre-load the data "
                          "into a buffer like io.BytesIO and try to load from it instead.") from None
        raise


def _load_file(fp, f, name, map_location, pickle_module, weights_only, mmap, args):
    start = fp.tell()
    magic = fp.read(4)
    fp.seek(start)
    if not magic:
        raise EOFError(f"Ran out of input: {name} is empty")
    try:
        if magic == b"PK\x03\x04":
            reader = _zip.ZipReader(fp, name)
            if reader.has_record("constants.pkl"):
                raise RuntimeError(f"{name} is a TorchScript archive, which torchax cannot load")
            mm = None
            if mmap:
                if not _is_path(f):
                    raise ValueError("f must be a file path in order to use the mmap argument")
                mm = np.memmap(os.fspath(f), dtype=np.uint8, mode="c")  # private: writes never reach the file
            return _load.load_zip(reader, map_location, weights_only, pickle_module, args, mm)
        if mmap:
            f_name = f"{f}, " if isinstance(f, str) else ""
            raise RuntimeError("mmap can only be used with files saved with "
                               f"`torch.save({f_name}_use_new_zipfile_serialization=True), please torch.save your "
                               "checkpoint with this option in order to use mmap.")
        if _is_tar(fp):
            raise RuntimeError(f"{name} is in the legacy tar format of torch < 0.4, which torchax cannot load")
        return _load.load_legacy(fp, name, map_location, weights_only, pickle_module, args)
    except pickle.UnpicklingError as e:
        if weights_only:
            raise pickle.UnpicklingError(_wo_message(str(e)) + f"\n\nWhile loading: {name}") from None
        raise pickle.UnpicklingError(f"{name}: {e}") from None
    except RuntimeError as e:
        if type(e) is RuntimeError and name not in str(e):
            raise RuntimeError(f"{e} (while loading {name})") from None
        raise
    except EOFError as e:
        raise EOFError(f"Ran out of input: {name} is truncated{f' ({e})' if str(e) else ''}") from None


def _is_tar(fp) -> bool:
    start = fp.tell()
    block = fp.read(512)
    fp.seek(start)
    return len(block) == 512 and block[257:262] == b"ustar"


def _load_safetensors(path: str, map_location):
    from torchax.utils import safetensors

    device = "cpu"
    if map_location is not None:
        if isinstance(map_location, dict):
            raise RuntimeError("Loading safetensors file with dict map_location is not supported. Use a device "
                               "string or torch.device instead.")
        if callable(map_location):
            raise RuntimeError("Loading safetensors file with callable map_location is not supported. Use a device "
                               "string or torch.device instead.")
        device = str(map_location)
    return safetensors.load_file(path, device=device)


def get_unsafe_globals_in_checkpoint(f) -> list[str]:
    """torch.serialization.get_unsafe_globals_in_checkpoint: globals in the checkpoint not on the allow-list."""
    from torchax._serialization import _names

    name = _file_name(f)
    if _is_path(f):
        with open(f, "rb") as fp:
            data = _zip.ZipReader(fp, name).read("data.pkl")
    else:
        data = _zip.ZipReader(f, name).read("data.pkl")
    found = _weights_only.globals_in_pickle(data)
    safe = set(_names.torch_globals()) | set(_weights_only.user_globals())
    return sorted(found - safe)
