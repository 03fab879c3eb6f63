"""IDX files (the MNIST layout), raw or gzipped."""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

from ._base import Source, StreamCache, _stamp

__all__ = ["IdxSource", "read_idx", "IDX_IMAGES", "IDX_LABELS"]

IDX_IMAGES, IDX_LABELS = 2051, 2049
# IDX type codes (byte 2 of the magic) → element type (big-endian).
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path, expect=None):
    """An IDX file (MNIST layout), raw or ``.gz``, as a NumPy array, header checked.

    ``expect``: the required magic (2051 images, 2049 labels), or None for
    either.  Raises ValueError when the magic, a size or the byte count is
    wrong (a truncated file says so).  A ``.gz`` is decompressed as a stream
    into the array (never held twice).
    """
    path = Path(path)
    dtype, shape, offset = _idx_header(path, expect)
    if _is_gzip(path):
        n = int(np.prod(shape)) * dtype.itemsize
        try:
            with gzip.open(path, "rb") as f:
                f.seek(offset)
                a = np.frombuffer(f.read(n), dtype=dtype)
        except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as e:
            raise ValueError(f"{path} is a truncated or corrupted gzip file: {e}") from None
        if a.size * dtype.itemsize < n:
            raise ValueError(f"{path} is a truncated or corrupted gzip file: its data end before {n} bytes")
        a = a.reshape(shape)
    else:
        a = np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape)
    return a.astype(dtype.newbyteorder("="))


def _is_gzip(path):
    with open(path, "rb") as f:
        return f.read(2) == b"\x1f\x8b"


def _gzip_head(path, nbytes):
    """The first ``nbytes`` decompressed bytes of a gzip file (fewer when it is shorter)."""
    try:
        with gzip.open(path, "rb") as f:
            return f.read(nbytes)
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as e:
        raise ValueError(f"{path} is a truncated or corrupted gzip file: {e}") from None


def _gzip_size(path):
    """The decompressed size of a gzip file modulo 2^32, from its trailer (ISIZE, RFC 1952), without decompressing."""
    with open(path, "rb") as f:
        f.seek(0, 2)
        if f.tell() < 18:  # a 10-byte header and an 8-byte trailer at least
            raise ValueError(f"{path} is a truncated or corrupted gzip file: {f.tell()} bytes")
        f.seek(-4, 2)
        return struct.unpack("<I", f.read(4))[0]


def _idx_header(path, expect):
    """(dtype, shape, data offset) of an IDX file; checks magic, sizes and the byte count.

    A ``.gz`` is not decompressed: the header comes from the start of the
    stream and the byte count from the gzip trailer (exact below 4 GiB,
    modulo 2^32 above).
    """
    gz = _is_gzip(path)
    if gz:
        head = _gzip_head(path, 4)
        total = _gzip_size(path)
    else:
        with open(path, "rb") as f:
            head = f.read(4)
        total = path.stat().st_size
    if len(head) < 4:
        raise ValueError(f"{path} is not an IDX file: {total} bytes, shorter than the 4-byte magic")
    magic = struct.unpack(">I", head)[0]
    kind, ndim = head[2], head[3]
    if head[:2] != b"\0\0" or kind not in _IDX_TYPES or ndim == 0:
        raise ValueError(
            f"{path} is not an IDX file: magic {magic} (expected {IDX_IMAGES} for images or {IDX_LABELS} for labels)"
        )
    if expect is not None and magic != expect:
        what = {IDX_IMAGES: "images", IDX_LABELS: "labels"}
        raise ValueError(
            f"{path} has IDX magic {magic} ({what.get(magic, 'another layout')}), "
            f"expected {expect} ({what.get(expect)})"
        )
    offset = 4 + 4 * ndim
    if gz:
        dims_bytes = _gzip_head(path, offset)[4:]
    else:
        with open(path, "rb") as f:
            f.seek(4)
            dims_bytes = f.read(4 * ndim)
    if len(dims_bytes) < 4 * ndim:
        raise ValueError(f"{path} is truncated: the IDX header needs {offset} bytes, the file has {total}")
    shape = struct.unpack(f">{ndim}I", dims_bytes)
    if any(s == 0 for s in shape):
        raise ValueError(f"{path}: IDX header gives a zero size {shape}")
    dtype = np.dtype(_IDX_TYPES[kind])
    need = offset + int(np.prod(shape)) * dtype.itemsize
    have = need - need % 2**32 + total if gz else total  # the trailer gives the size modulo 2^32
    where = " (from the gzip trailer, which a truncated or corrupted gzip file also garbles)" if gz else ""
    if have < need:
        raise ValueError(
            f"{path} is truncated: its IDX header says {shape} of {dtype.name} "
            f"({need} bytes with the header) but it holds {have} bytes{where}"
        )
    if have > need:
        raise ValueError(
            f"{path} is corrupted: its IDX header says {shape} of {dtype.name} "
            f"({need} bytes) but it holds {have} bytes{where}"
        )
    return dtype, tuple(shape), offset


class IdxSource(Source):
    """IDX images (magic 2051: n × rows × cols unsigned bytes), raw or ``.gz`` (decompressed as a stream)."""

    format = "idx"

    def __init__(self, path):
        self.path = Path(path)
        self._stored, self.shape, self._offset = _idx_header(self.path, IDX_IMAGES)
        self.dtype = self._stored.newbyteorder("=")
        self._gz = _is_gzip(self.path)

    def _read(self, start, stop):
        if self._gz:
            item = int(np.prod(self.shape[1:])) * self._stored.itemsize
            key = (str(self.path), *_stamp(self.path))
            try:
                raw = _STREAMS.read(key, self._offset + start * item, (stop - start) * item)
            except (gzip.BadGzipFile, zlib.error, EOFError) as e:
                raise ValueError(f"a truncated or corrupted gzip file ({e})") from None
            part = np.frombuffer(raw, self._stored)
            return part.reshape((stop - start,) + self.shape[1:]).astype(self.dtype)
        m = np.memmap(self.path, dtype=self._stored, mode="r", offset=self._offset, shape=self.shape)
        return m[start:stop].astype(self.dtype)


def _open_gzip(path, mtime_ns, size):
    return gzip.open(path, "rb")


_STREAMS = StreamCache(_open_gzip)
