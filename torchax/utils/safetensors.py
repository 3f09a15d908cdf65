"""safetensors for torchax state_dicts: the API of `safetensors.torch`, the format implemented here (no dependency).

Format (huggingface/safetensors): an 8-byte little-endian header length N, N bytes of JSON
`{"__metadata__": {str: str}, name: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...}` padded
with spaces to a multiple of 8, then the tensors' bytes back to back (C order, little endian). Writing orders the
tensors by descending dtype alignment, then name, as the reference writer does; reading checks the header (size,
JSON object, known dtypes, offsets that tile the data exactly) before touching the data, as the reference does.
"""

from __future__ import annotations

import json
import math
import os
import struct

import numpy as np

from torchax import _dtype

__all__ = ["save", "save_file", "load", "load_file", "safe_open", "save_model", "load_model", "SafetensorError"]

_MAX_HEADER = 100_000_000
# the reference's dtype enum, in its order (the writer sorts by it); None: no torchax dtype
_ORDER = ("BOOL", "F4", "F6_E2M3", "F6_E3M2", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "I16", "U16", "F16", "BF16",
          "I32", "U32", "F32", "C64", "F64", "I64", "U64")
_TO_DTYPE = {"BOOL": _dtype.bool, "U8": _dtype.uint8, "I8": _dtype.int8, "I16": _dtype.int16, "U16": _dtype.uint16,
             "F16": _dtype.float16, "BF16": _dtype.bfloat16, "I32": _dtype.int32, "U32": _dtype.uint32,
             "F32": _dtype.float32, "C64": _dtype.complex64, "F64": _dtype.float64, "I64": _dtype.int64,
             "U64": _dtype.uint64}
_TO_NAME = {d: n for n, d in _TO_DTYPE.items()}


class SafetensorError(Exception):
    """safetensors' error for invalid files and arguments."""


# --- writing ----------------------------------------------------------------------------------------------------


def _check(tensors) -> list:
    """safetensors.torch's checks: a dict of tensors, no two sharing memory, all contiguous."""
    from torchax._tensor import Tensor

    if not isinstance(tensors, dict):
        raise ValueError(f"Expected a dict of [str, torch.Tensor] but received {type(tensors)}")
    for k, v in tensors.items():
        if not isinstance(v, Tensor):
            raise ValueError(f"Key `{k}` is invalid, expected torch.Tensor but received {type(v)}")
    by_cell: dict[int, list] = {}
    for k, v in tensors.items():
        by_cell.setdefault(id(v._storage), []).append(k)
    failing = []
    for names in by_cell.values():
        spans = sorted((_span(tensors[n]), n) for n in names if tensors[n].numel())
        shared = {n for (a, b), n in spans for (c, d), m in spans if n != m and a < d and c < b}
        if shared:
            failing.append(shared)
    if failing:
        raise RuntimeError(f"Some tensors share memory, this will lead to duplicate memory on disk and potential "
                           f"differences when loading them again: {failing}.\nA potential way to correctly save your "
                           "model is to use `save_model`.\nMore information at "
                           "https://huggingface.co/docs/safetensors/torch_shared_tensors")
    for k, v in tensors.items():
        if not v.is_contiguous():
            raise ValueError(f"You are trying to save a non contiguous tensor: `{k}` which is not allowed. It either "
                             "means you are trying to save tensors which are reference of each other in which case "
                             "it's recommended to save only the full tensors, and reslice at load time, or simply "
                             "call `.contiguous()` on your tensor to pack it before saving.")
        if v.dtype not in _TO_NAME:
            raise ValueError(f"safetensors has no dtype for {v.dtype} (key `{k}`)")
    return sorted(tensors, key=lambda k: (-_ORDER.index(_TO_NAME[tensors[k].dtype]), k))


def _span(t) -> tuple[int, int]:
    shape, strides, offset = t._strided()
    return offset, offset + sum((n - 1) * s for n, s in zip(shape, strides)) + 1


def _header(tensors, order, metadata) -> bytes:
    head: dict = {}
    if metadata is not None:
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise SafetensorError("metadata must be a dict of str to str")
        head["__metadata__"] = metadata
    start = 0
    for k in order:
        t = tensors[k]
        n = t.numel() * t.element_size()
        head[k] = {"dtype": _TO_NAME[t.dtype], "shape": list(t.shape), "data_offsets": [start, start + n]}
        start += n
    text = json.dumps(head, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * ((-len(text)) % 8)
    return struct.pack("<Q", len(text)) + text


def _bytes(t) -> memoryview:
    a = np.ascontiguousarray(np.asarray(t.detach()._value)).reshape(-1)
    if not np.little_endian:
        a = a.byteswap()
    return memoryview(a.view(np.uint8))


def save(tensors: dict, metadata: dict | None = None) -> bytes:
    """safetensors.torch.save: the file's bytes."""
    order = _check(tensors)
    return _header(tensors, order, metadata) + b"".join(bytes(_bytes(tensors[k])) for k in order)


def save_file(tensors: dict, filename, metadata: dict | None = None) -> None:
    """safetensors.torch.save_file: written atomically (a temporary file renamed into place)."""
    from torchax._serialization._save import atomic_file

    order = _check(tensors)
    with atomic_file(os.fspath(filename)) as f:
        f.write(_header(tensors, order, metadata))
        for k in order:
            f.write(_bytes(tensors[k]))


# --- reading ----------------------------------------------------------------------------------------------------


def _parse(head_len: bytes, read_header, total: int):
    """(metadata, {name: (dtype, shape, begin, end)}, data start) after validating the header."""
    if len(head_len) < 8:
        raise SafetensorError("Error while deserializing header: HeaderTooSmall")
    (n,) = struct.unpack("<Q", head_len)
    if n > _MAX_HEADER:
        raise SafetensorError("Error while deserializing header: HeaderTooLarge")
    if 8 + n > total:
        raise SafetensorError("Error while deserializing header: InvalidHeaderLength")
    raw = read_header(n)
    try:
        head = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise SafetensorError("Error while deserializing header: InvalidHeaderDeserialization") from None
    if not isinstance(head, dict):
        raise SafetensorError("Error while deserializing header: InvalidHeaderDeserialization")
    metadata = head.pop("__metadata__", None)
    if metadata is not None and not (isinstance(metadata, dict) and all(isinstance(v, str) for v in
                                                                        metadata.values())):
        raise SafetensorError("Error while deserializing header: InvalidHeaderDeserialization")
    infos = {}
    for name, info in head.items():
        try:
            dt, shape, (begin, end) = info["dtype"], info["shape"], info["data_offsets"]
            ok = (isinstance(shape, list) and all(type(s) is int and s >= 0 for s in shape) and type(begin) is int
                  and type(end) is int)
        except (KeyError, TypeError, ValueError):
            ok = False
        if not ok:
            raise SafetensorError(f"Error while deserializing header: InvalidHeaderDeserialization ({name!r})")
        if dt not in _TO_DTYPE:
            raise SafetensorError(f"torchax cannot load safetensors dtype {dt!r} (tensor {name!r})")
        infos[name] = (_TO_DTYPE[dt], tuple(shape), begin, end)
    pos = 0
    for name, (d, shape, begin, end) in sorted(infos.items(), key=lambda kv: (kv[1][2], kv[1][3])):
        if begin != pos or end < begin:
            raise SafetensorError(f"Error while deserializing header: InvalidOffset({name!r})")
        if end - begin != math.prod(shape) * d.itemsize:
            raise SafetensorError("Error while deserializing header: TensorInvalidInfo")
        pos = end
    if 8 + n + pos != total:
        raise SafetensorError("Error while deserializing header: MetadataIncompleteBuffer")
    return metadata, infos, 8 + n


def _tensor(host: np.ndarray, d, shape, device):
    import jax

    from torchax import _device
    from torchax._tensor import wrap

    arr = host.view(d.np).reshape(shape)
    if not np.little_endian:  # the file is little endian
        arr = arr.byteswap()
    return wrap(jax.device_put(arr, _device.to_jax(_as_device(device)), may_alias=True))


def _as_device(device):
    from torchax import _device

    if isinstance(device, int):
        return _device.device("cuda", device)
    return _device.device(device)


class safe_open:  # noqa: N801 - safetensors' name
    """safetensors.safe_open: read the header now, tensors one by one on `get_tensor`."""

    def __init__(self, filename, framework: str = "pt", device="cpu"):
        from torchax._serialization._load import _read_exact

        self._read_exact = _read_exact
        self.name = os.fspath(filename)
        self.device = device
        self._f = open(self.name, "rb")  # noqa: SIM115 - closed by __exit__/close
        try:
            total = os.fstat(self._f.fileno()).st_size
            self._meta, self._infos, self._start = _parse(self._f.read(8), self._f.read, total)
        except BaseException:
            self._f.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        self._f.close()

    def keys(self) -> list[str]:
        return sorted(self._infos)

    def offset_keys(self) -> list[str]:
        return [k for k, _ in sorted(self._infos.items(), key=lambda kv: kv[1][2])]

    def metadata(self) -> dict | None:
        return self._meta

    def get_tensor(self, name: str):
        if name not in self._infos:
            raise SafetensorError(f"File does not contain tensor {name}")
        d, shape, begin, end = self._infos[name]
        host = self._read_exact(self._f, self._start + begin, end - begin, self.name, f"tensor {name!r}")
        return _tensor(host, d, shape, self.device)


def load_file(filename, device="cpu") -> dict:
    """safetensors.torch.load_file: {name: tensor}, names sorted as the reference returns them."""
    with safe_open(filename, framework="pt", device=device) as f:
        return {k: f.get_tensor(k) for k in f.keys()}


def load(data: bytes) -> dict:
    """safetensors.torch.load: tensors from the bytes of a file."""
    buf = memoryview(data)
    metadata, infos, start = _parse(bytes(buf[:8]), lambda n: bytes(buf[8:8 + n]), len(buf))
    out = {}
    for k in sorted(infos):
        d, shape, begin, end = infos[k]
        host = np.frombuffer(buf[start + begin:start + end], np.uint8).copy()
        out[k] = _tensor(host, d, shape, "cpu")
    return out


def save_model(model, filename, metadata: dict | None = None, force_contiguous: bool = False) -> None:
    """safetensors.torch.save_model: a module's state_dict, tensors shared between names saved once."""
    state = model.state_dict()
    seen: dict = {}
    tensors = {}
    for k, v in state.items():
        key = (id(v._storage), v.storage_offset(), tuple(v.shape), v.stride())
        if key in seen:
            continue
        seen[key] = k
        tensors[k] = v.contiguous() if force_contiguous else v
    save_file(tensors, filename, metadata)


def load_model(model, filename, strict: bool = True, device="cpu"):
    """safetensors.torch.load_model: load into `model`; names a shared tensor dropped at save are filled back."""
    state = load_file(filename, device=device)
    own = model.state_dict()
    for k, v in own.items():
        if k not in state:
            for k2, v2 in own.items():
                if k2 in state and v2._storage is v._storage and v2.shape == v.shape:
                    state[k] = state[k2]
                    break
    return model.load_state_dict(state, strict=strict)
