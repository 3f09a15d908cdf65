"""The zip container of torch's checkpoints, written record by record as torch's writer (miniz) lays it out.

Layout facts (from archives torch 2.13 writes): every record is stored (no compression) under `<archive>/`, its
local header carries sizes and CRC of 0 with a data descriptor after the payload (flag bits 3 and 11), and an
extra field `FB<len>ZZZ..` pads the header so the payload starts on a 64-byte boundary; records of 0 bytes have no
descriptor. Entries, offsets or sizes past 4 GiB get zip64 extra fields, and the archive always ends with a zip64
end-of-central-directory record, its locator and the classic end record. Writing needs only `write`, so any
writable file object works; reading goes through `zipfile` for the directory and reads payloads in place.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor

ALIGNMENT = 64
_U32 = 0xFFFFFFFF  # the "see the zip64 field" sentinels
_U16 = 0xFFFF
_ZIP64_AT = _U32  # sizes and offsets from here on are written as zip64 fields (tests lower it)
_FLAGS_DESCRIPTOR = 0x0808  # data descriptor follows + names are UTF-8
_FLAGS_EMPTY = 0x0800
_CRC_THREAD_MIN = 1 << 20  # CRCs of larger payloads run on a worker while the bytes are written


def _zip64_extra(size: int | None, offset: int | None) -> bytes:
    """The zip64 extra field: (uncompressed, compressed) size and/or header offset, for the ones past 4 GiB."""
    fields = ([size, size] if size is not None else []) + ([offset] if offset is not None else [])
    return struct.pack(f"<HH{len(fields)}Q", 1, 8 * len(fields), *fields) if fields else b""


class ZipWriter:
    """Write torch's record layout to `fp` (only `write` is used); `close()` writes the central directory."""

    def __init__(self, fp, archive_name: str):
        self.fp = fp
        self.prefix = archive_name + "/"
        self.pos = 0
        self.entries: list[tuple] = []
        self._pool = None

    def _write(self, data) -> None:
        n = self.fp.write(data)
        self.pos += len(data) if n is None else n
        if n is not None and n != len(data):  # a raw (unbuffered) file may write less than asked
            mv = memoryview(data)[n:]
            while len(mv):
                k = self.fp.write(mv)
                self.pos += k
                mv = mv[k:]

    def write_record(self, name: str, data) -> None:
        """Append one stored record; `data` is bytes or a C-contiguous byte memoryview."""
        data = memoryview(data).cast("B") if not isinstance(data, bytes) else data
        size = len(data)
        fname = (self.prefix + name).encode("utf-8")
        offset = self.pos
        big_size, big_offset = size >= _ZIP64_AT, offset >= _ZIP64_AT
        zip64 = _zip64_extra(size if big_size else None, offset if big_offset else None)
        start = offset + 30 + len(fname) + len(zip64) + 4
        pad = (-start) % ALIGNMENT
        extra = zip64 + b"FB" + struct.pack("<H", pad) + b"Z" * pad
        flags = _FLAGS_DESCRIPTOR if size else _FLAGS_EMPTY
        self._write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 0, flags, 0, 0, 0, 0, 0, 0, len(fname), len(extra)))
        self._write(fname + extra)
        crc = 0
        if size:
            if size >= _CRC_THREAD_MIN:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(1)
                job = self._pool.submit(zlib.crc32, data)
                self._write(data)
                crc = job.result()
            else:
                self._write(data)
                crc = zlib.crc32(data)
            if zip64:
                self._write(struct.pack("<IIQQ", 0x08074B50, crc, size, size))
            else:
                self._write(struct.pack("<IIII", 0x08074B50, crc, size, size))
        self.entries.append((fname, crc, size, offset, flags))

    def shutdown(self) -> None:
        """Stop the CRC worker (also after a failed write)."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def close(self) -> None:
        """Write the central directory and the (zip64 and classic) end records."""
        self.shutdown()
        cd_start = self.pos
        for fname, crc, size, offset, flags in self.entries:
            big_size, big_offset = size >= _ZIP64_AT, offset >= _ZIP64_AT
            extra = _zip64_extra(size if big_size else None, offset if big_offset else None)
            size32, offset32 = (_U32 if big_size else size), (_U32 if big_offset else offset)
            self._write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0, 0, flags, 0, 0, 0, crc, size32, size32,
                                    len(fname), len(extra), 0, 0, 0, 0, offset32))
            self._write(fname + extra)
        cd_size, n = self.pos - cd_start, len(self.entries)
        eocd64 = self.pos
        self._write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 0x031E, 45, 0, 0, n, n, cd_size, cd_start))
        self._write(struct.pack("<IIQI", 0x07064B50, 0, eocd64, 1))
        n16 = _U16 if n >= _U16 else n
        self._write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n16, n16, _U32 if cd_size >= _ZIP64_AT else cd_size,
                                _U32 if cd_start >= _ZIP64_AT else cd_start, 0))


class ZipReader:
    """The records of a checkpoint archive: small ones read through `zipfile`, payloads located for direct reads."""

    def __init__(self, fp, name: str):
        self.fp, self.name = fp, name
        try:
            self.zf = zipfile.ZipFile(fp)
            names = self.zf.namelist()
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, struct.error) as e:
            raise RuntimeError(f"{name}: not a readable checkpoint archive, the file is truncated or corrupted "
                               f"({e})") from None
        if not names:
            raise RuntimeError(f"{name}: the checkpoint archive is empty")
        self.prefix = names[0].split("/", 1)[0] + "/"

    def has_record(self, name: str) -> bool:
        try:
            self.zf.getinfo(self.prefix + name)
        except KeyError:
            return False
        return True

    def _info(self, name: str) -> zipfile.ZipInfo:
        try:
            return self.zf.getinfo(self.prefix + name)
        except KeyError:
            raise RuntimeError(f"{self.name}: the checkpoint has no record '{self.prefix}{name}' (the file is "
                               "truncated or corrupted)") from None

    def read(self, name: str) -> bytes:
        """A small record, CRC-checked."""
        info = self._info(name)
        try:
            return self.zf.read(info)
        except (zipfile.BadZipFile, EOFError, OSError, zlib.error, NotImplementedError, struct.error) as e:
            raise RuntimeError(f"{self.name}: cannot read record '{info.filename}' ({e})") from None

    def locate(self, name: str) -> tuple[int, int]:
        """(offset of the payload in the file, its size) of a stored record."""
        info = self._info(name)
        if info.compress_type != zipfile.ZIP_STORED:
            raise RuntimeError(f"{self.name}: record '{info.filename}' is compressed; checkpoints store records "
                               "uncompressed")
        self.fp.seek(info.header_offset)
        head = self.fp.read(30)
        if len(head) != 30 or head[:4] != b"PK\x03\x04":
            raise RuntimeError(f"{self.name}: bad local header for record '{info.filename}' (the file is "
                               "truncated or corrupted)")
        n, m = struct.unpack("<HH", head[26:30])
        return info.header_offset + 30 + n + m, info.file_size
