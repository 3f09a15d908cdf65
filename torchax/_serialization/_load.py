"""torch.load's two formats: the zip archive (records read in place, or mapped with mmap) and the legacy stream."""

from __future__ import annotations

import io
import pickle
import struct
import sys

import numpy as np

from torchax._serialization import _names, _rebuild, _weights_only, _zip
from torchax._serialization._save import MAGIC_NUMBER, PROTOCOL_VERSION

_ALIGN = 64  # CPU tensors alias the read buffer only when it is 64-byte aligned


def _aligned_empty(n: int) -> np.ndarray:
    buf = np.empty(n + _ALIGN, np.uint8)
    start = (-buf.ctypes.data) % _ALIGN
    return buf[start:start + n]


def _read_exact(fp, offset: int | None, n: int, name: str, what: str) -> np.ndarray:
    """`n` bytes from `fp` (at `offset`, or where it stands) into a fresh aligned buffer."""
    out = _aligned_empty(n)
    if offset is not None:
        fp.seek(offset)
    mv, got = memoryview(out), 0
    readinto = getattr(fp, "readinto", None)
    while got < n:
        if readinto is not None:
            k = readinto(mv[got:])
        else:
            chunk = fp.read(n - got)
            k = len(chunk)
            mv[got:got + k] = chunk
        if not k:
            raise RuntimeError(f"{name}: unexpected end of file reading {what}: expected {n - got} more bytes (the "
                               "file is truncated or corrupted)")
        got += k
    return out


def _storage_type(obj, name: str) -> _rebuild.StorageType:
    if isinstance(obj, _rebuild.StorageType):
        return obj
    if isinstance(obj, _names.Unsupported):
        obj()
    raise pickle.UnpicklingError(f"{name}: corrupted checkpoint: {obj!r} is not a storage type")


def _full_unpickler(pickle_module, persistent_load):
    """pickle_module.Unpickler that maps torch's names to torchax and turns storage ids into storages."""

    class Unpickler(pickle_module.Unpickler):
        def find_class(self, module, name):
            if module == "torch.tensor":  # renamed in torch 1.8
                module = "torch._tensor"
            obj = _names.resolve(module, name)
            if obj is not None:
                return obj
            if isinstance(name, str) and "Storage" in name:
                st = _names.storage_type(name)
                if st is not None:
                    return st
            return super().find_class(module, name)

    Unpickler.persistent_load = lambda self, pid: persistent_load(pid)
    return Unpickler


def _unpickle(fp, weights_only: bool, pickle_module, persistent_load, args: dict):
    if weights_only:
        return _weights_only.Unpickler(fp, encoding=args.get("encoding", "bytes"),
                                       persistent_load=persistent_load).load()
    return _full_unpickler(pickle_module, persistent_load)(fp, **args).load()


def load_zip(reader: _zip.ZipReader, map_location, weights_only, pickle_module, args, mm=None):
    """Unpickle data.pkl; each storage id reads its record (in place, or a slice of the mapped file)."""
    name = reader.name
    swap = False
    if reader.has_record("byteorder"):
        order = reader.read("byteorder")
        if order not in (b"little", b"big"):
            raise ValueError("Unknown endianness type: " + order.decode(errors="replace"))
        swap = order.decode() != sys.byteorder
    restore = _rebuild.restorer(map_location)
    storages: dict = {}

    def persistent_load(pid):
        if not isinstance(pid, tuple) or len(pid) != 5 or _ascii(pid[0]) != "storage":
            raise pickle.UnpicklingError(f"{name}: corrupted checkpoint: unknown persistent id {pid!r}")
        kind, key, location, numel = pid[1:]
        st = storages.get(key)
        if st is not None:
            return st
        dtype = _storage_type(kind, name).dtype
        if type(numel) is not int or numel < 0:
            raise RuntimeError(f"{name}: corrupted checkpoint: storage size {numel!r}")
        nbytes = numel * dtype.itemsize
        offset, size = reader.locate(f"data/{key}")
        if size != nbytes:
            raise RuntimeError(f"{name}: record data/{key} holds {size} bytes but the pickle expects {nbytes} (the "
                               "file is corrupted)")
        raw = _rebuild.UntypedStorage(nbytes, _record_reader(reader.fp, offset, nbytes, name, key, mm))
        storages[key] = st = _rebuild.TypedStorage(restore(raw, _ascii(location)), dtype, swap=swap)
        return st

    data = reader.read("data.pkl")
    return _unpickle(io.BytesIO(data), weights_only, pickle_module, persistent_load, args)


def _record_reader(fp, offset: int, n: int, name: str, key, mm):
    cache: list = []

    def read() -> np.ndarray:
        if not cache:
            if mm is not None:
                if offset + n > len(mm):
                    raise RuntimeError(f"{name}: record data/{key} runs past the end of the file (truncated)")
                cache.append(mm[offset:offset + n])
            else:
                cache.append(_read_exact(fp, offset, n, name, f"record data/{key}"))
        return cache[0]

    return read


def load_legacy(fp, name: str, map_location, weights_only, pickle_module, args):
    """The pre-1.6 stream: magic, protocol, sys info, the pickle, the storage keys, then each storage's bytes."""
    if weights_only:
        def read_pickle(f):
            return _weights_only.load(f, encoding=args.get("encoding", "ASCII"))
    else:
        def read_pickle(f):
            return pickle_module.load(f, **args)
    if read_pickle(fp) != MAGIC_NUMBER:
        raise RuntimeError("Invalid magic number; corrupt file?")
    version = read_pickle(fp)
    if version != PROTOCOL_VERSION:
        raise RuntimeError(f"Invalid protocol version: {version}")
    sys_info = read_pickle(fp)
    swap = isinstance(sys_info, dict) and sys_info.get("little_endian", True) != (sys.byteorder == "little")
    restore = _rebuild.restorer(map_location)
    storages: dict = {}

    def persistent_load(pid):
        if isinstance(pid, tuple) and pid and _ascii(pid[0]) == "module":  # a pickled nn.Module class
            return pid[1]
        if not isinstance(pid, tuple) or len(pid) != 6 or _ascii(pid[0]) != "storage":
            raise pickle.UnpicklingError(f"{name}: corrupted checkpoint: unknown persistent id {pid!r}")
        kind, root_key, location, numel, view = pid[1:]
        dtype = _storage_type(kind, name).dtype
        root = storages.get(root_key)
        if root is None:
            raw = restore(_rebuild.UntypedStorage(numel * dtype.itemsize, None), _ascii(location))
            root = storages[root_key] = _rebuild.TypedStorage(raw, dtype, swap=swap)
        if view is None:
            return root
        view_key, offset, view_numel = view
        if view_key not in storages:
            storages[view_key] = _rebuild.TypedStorage(root.raw, dtype, root=root, offset=offset, numel=view_numel)
        return storages[view_key]

    result = _unpickle(fp, weights_only, pickle_module, persistent_load, args)
    keys = read_pickle(fp)
    for key in keys:
        st = storages.get(key)
        if st is None:
            raise RuntimeError(f"{name}: corrupted checkpoint: storage key {key!r} is not in the pickle")
        head = fp.read(8)
        if len(head) != 8:
            raise RuntimeError(f"{name}: unexpected EOF reading storage {key} (the file is truncated)")
        (numel,) = struct.unpack("<q", head)
        if numel != st.numel:
            raise RuntimeError(f"{name}: storage {key} holds {numel} elements, the pickle expects {st.numel}")
        data = _read_exact(fp, None, numel * st.dtype.itemsize, name, f"storage {key}")
        st.fill(lambda data=data: data)
    return result


def _ascii(s):
    return s.decode("ascii") if isinstance(s, bytes) else s
