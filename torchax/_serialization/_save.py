"""torch.save's two formats over torchax objects, and the atomic write of a path."""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import struct
import sys

from torchax._serialization import _names, _pickler, _zip

MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001
_SERIALIZATION_ID = f"{secrets.randbits(64):020d}{secrets.randbits(64):020d}"  # one per process, as torch


def archive_name(path: str | None) -> str:
    """torch's name of the archive's top folder: the file's name without its last extension, else 'archive'."""
    if path is None:
        return "archive"
    base = os.path.basename(path)
    stem, _ = os.path.splitext(base)
    return stem or base


def write_zip(obj, fp, name: str | None, protocol: int, disable_byteorder: bool) -> None:
    """The zip format: data.pkl, format and alignment markers, byteorder, one record per storage, version, id."""
    data, storages = _pickler.dumps(obj, protocol)
    w = _zip.ZipWriter(fp, archive_name(name))
    try:
        w.write_record("data.pkl", data)
        w.write_record(".format_version", b"1")
        w.write_record(".storage_alignment", str(_zip.ALIGNMENT).encode())
        if not disable_byteorder:
            w.write_record("byteorder", sys.byteorder.encode())
        for key, cell in storages.items():
            w.write_record(f"data/{key}", _pickler.host_bytes(cell))
        w.write_record("version", b"3\n")
        w.write_record(".data/serialization_id", _SERIALIZATION_ID.encode())
        w.close()
    finally:
        w.shutdown()


def write_legacy(obj, fp, protocol: int) -> None:
    """The pre-1.6 format: magic, protocol, sys info, the pickle, the sorted storage keys, then each storage."""
    import pickle

    sys_info = {"protocol_version": PROTOCOL_VERSION, "little_endian": sys.byteorder == "little",
                "type_sizes": {"short": 2, "int": 4, "long": 4}}
    data, storages = _pickler.dumps(obj, protocol, legacy=True)
    for header in (MAGIC_NUMBER, PROTOCOL_VERSION, sys_info):
        pickle.dump(header, fp, protocol=protocol)
    fp.write(data)
    keys = sorted(storages)
    pickle.dump(keys, fp, protocol=protocol)
    for key in keys:
        cell = storages[key]
        value = cell.value  # the count is in the storage's elements: bytes for the untyped ones (uint16/32/64)
        untyped = _pickler.dtype_of(value) in _names.V3_DTYPES
        fp.write(struct.pack("<q", value.size * value.dtype.itemsize if untyped else value.size))
        fp.write(_pickler.host_bytes(cell))


@contextlib.contextmanager
def atomic_file(path: str):
    """A new file beside `path` (`<path>.tmp-XXXX`) that takes the place of `path` only once fully written.

    On any exception (KeyboardInterrupt included) the temporary file is removed and `path` is untouched. At every
    moment `path` names either the old or the new complete file; the old file is never truncated or rewritten (an
    open reader keeps reading it whole), only swapped out and unlinked once the new one is complete.
    """
    if os.path.islink(path):  # write through the link, as opening the path would
        path = os.path.realpath(path)
    parent = os.path.dirname(path) or "."
    if not os.path.isdir(parent):
        raise RuntimeError(f"Parent directory {parent} does not exist.")
    if os.path.isdir(path):
        raise RuntimeError(f"cannot save to {path}: open file failed with strerror: Is a directory")
    _release_cache(path)
    for _ in range(100):
        tmp = f"{path}.tmp-{secrets.token_hex(4)}"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
            break
        except FileExistsError:
            continue
    else:
        raise RuntimeError(f"cannot create a temporary file beside {path}")
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
        _move_into_place(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _release_cache(path: str) -> None:
    """Drop the old file's pages from the page cache (its bytes on disk stay as they are).

    NOTE: torch truncates the old file first, which frees its cached pages before the new ones are written; keeping
    the old file intact until the new one is complete otherwise made the kernel reclaim memory inside our writes
    (benchmarks/save_load.py save_overwrite: 1.6-2.3x torch's time and CPU time before this).
    """
    advise = getattr(os, "posix_fadvise", None)
    if advise is None:
        return
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO must not block us here
    except OSError:  # no old file (or not readable): nothing to release
        return
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            advise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    except OSError:
        pass
    finally:
        os.close(fd)


def _move_into_place(tmp: str, path: str) -> None:
    """Make `path` name the complete file `tmp`; an existing file at `path` is swapped out, then removed."""
    try:
        mode = os.stat(path).st_mode
    except OSError:  # nothing there yet: a plain rename
        os.replace(tmp, path)
        return
    with contextlib.suppress(OSError):  # an existing file keeps its permissions
        os.chmod(tmp, stat.S_IMODE(mode))
    if _exchange(tmp, path):  # `tmp` now names the old file
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        return
    os.replace(tmp, path)


_RENAME_EXCHANGE = 2
_renameat2 = None


def _exchange(a: str, b: str) -> bool:
    """Atomically swap the names `a` and `b` (Linux renameat2 RENAME_EXCHANGE); False where that is unavailable.

    NOTE: why not `os.replace`: on ext4, renaming over an existing file also starts the write-back of the whole
    new file inside the rename (the `auto_da_alloc` heuristic), which torch's truncate-and-write does not pay
    (save_overwrite: ~1.2-1.6x torch with a rename, ~0.9x with the exchange). Neither torch nor torchax fsyncs: the
    switch is atomic against a process failing or being killed, and against a power cut in the seconds after a
    save the new file is as durable as torch's.
    """
    global _renameat2
    if _renameat2 is None:
        _renameat2 = False
        if sys.platform.startswith("linux"):
            import ctypes

            with contextlib.suppress(OSError, AttributeError):
                fn = ctypes.CDLL(None, use_errno=True).renameat2
                fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
                fn.restype = ctypes.c_int
                _renameat2 = fn
    if not _renameat2:
        return False
    at_fdcwd = -100
    return _renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE) == 0
