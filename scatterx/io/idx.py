"""IDX files (the MNIST layout), raw or gzipped."""

from __future__ import annotations

import functools
import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

from ._base import Source, _stamp

__all__ = ["IdxSource", "read_idx", "IDX_IMAGES", "IDX_LABELS"]

IDX_IMAGES, IDX_LABELS = 2051, 2049
# IDX type codes (byte 2 of the magic) → element type (big-endian).
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path, expect=None):
    """An IDX file (MNIST layout), raw or ``.gz``, as a NumPy array, header checked.

    ``expect``: the required magic (2051 images, 2049 labels), or None for
    either.  Raises ValueError when the magic, a size or the byte count is
    wrong (a truncated file says so).
    """
    path = Path(path)
    dtype, shape, offset = _idx_header(path, expect)
    if _is_gzip(path):
        a = _gunzipped_idx(str(path), *_stamp(path))[offset:].view(dtype).reshape(shape)
    else:
        a = np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape)
    return a.astype(dtype.newbyteorder("="))


def _is_gzip(path):
    with open(path, "rb") as f:
        return f.read(2) == b"\x1f\x8b"


@functools.lru_cache(maxsize=2)
def _gunzipped_idx(path, mtime_ns, size):
    """The decompressed bytes of a gzipped IDX file, once per process."""
    try:
        with gzip.open(path, "rb") as f:
            return np.frombuffer(f.read(), dtype=np.uint8)
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as e:
        raise ValueError(f"{path} is a truncated or corrupted gzip file: {e}") from None


def _idx_header(path, expect):
    """(dtype, shape, data offset) of an IDX file; checks magic, sizes and the byte count."""
    gz = _is_gzip(path)
    if gz:
        data = _gunzipped_idx(str(path), *_stamp(path))
        head, total = bytes(data[:4]), len(data)
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
        dims_bytes = bytes(data[4:offset])
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
    if total < need:
        raise ValueError(
            f"{path} is truncated: its IDX header says {shape} of {dtype.name} "
            f"({need} bytes with the header) but it holds {total} bytes"
        )
    if total > need:
        raise ValueError(
            f"{path} is corrupted: its IDX header says {shape} of {dtype.name} "
            f"({need} bytes) but it holds {total} bytes"
        )
    return dtype, tuple(shape), offset


class IdxSource(Source):
    """IDX images (magic 2051: n × rows × cols unsigned bytes), raw or ``.gz``."""

    format = "idx"

    def __init__(self, path):
        self.path = Path(path)
        self._stored, self.shape, self._offset = _idx_header(self.path, IDX_IMAGES)
        self.dtype = self._stored.newbyteorder("=")
        self._gz = _is_gzip(self.path)

    def _read(self, start, stop):
        if self._gz:
            item = int(np.prod(self.shape[1:])) * self._stored.itemsize
            raw = _gunzipped_idx(str(self.path), *_stamp(self.path))
            part = raw[self._offset + start * item : self._offset + stop * item].view(self._stored)
            return part.reshape((stop - start,) + self.shape[1:]).astype(self.dtype)
        m = np.memmap(self.path, dtype=self._stored, mode="r", offset=self._offset, shape=self.shape)
        return m[start:stop].astype(self.dtype)
