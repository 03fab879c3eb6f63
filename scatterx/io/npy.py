""".npy (memory-mapped) and .npz (``allow_pickle=False``) sources."""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np

from ._base import Source, StreamCache, _choose_key, _stamp

__all__ = ["NpySource", "NpzSource"]


def _npy_data_layout(f, what):
    """(dtype, shape, fortran, data offset) of the .npy stream at f's position."""
    try:
        version = np.lib.format.read_magic(f)
        read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran, dtype = read(f)
    except (ValueError, OSError, EOFError, SyntaxError) as e:
        raise ValueError(f"{what} is not a valid .npy stream (header: {e})") from None
    if dtype.hasobject:
        raise ValueError(
            f"{what} holds Python objects (dtype {dtype}); refused: reading it would need pickle (allow_pickle=False)"
        )
    return dtype, tuple(shape), fortran, f.tell()


class NpySource(Source):
    """A ``.npy`` file, memory-mapped: items are read by the OS as they are touched."""

    format = "npy"

    def __init__(self, path):
        self.path = Path(path)
        with open(self.path, "rb") as f:
            self.dtype, self.shape, self._fortran, self._offset = _npy_data_layout(f, str(self.path))
        need = self._offset + int(np.prod(self.shape)) * self.dtype.itemsize
        have = self.path.stat().st_size
        if have < need:
            raise ValueError(
                f"{self.path} is truncated: its header says {self.shape} {self.dtype} "
                f"({need} bytes with the header) but the file holds {have} bytes"
            )
        if self._fortran and len(self.shape) > 1:
            raise ValueError(
                f"{self.path} is stored in Fortran order; items are not contiguous "
                "(save it with np.save(np.ascontiguousarray(x)))"
            )

    def _read(self, start, stop):
        m = np.memmap(self.path, dtype=self.dtype, mode="r", offset=self._offset, shape=self.shape)
        return np.array(m[start:stop])


class NpzSource(Source):
    """One member of a ``.npz`` (``allow_pickle=False``, always)."""

    format = "npz"

    def __init__(self, path, key=None):
        self.path = Path(path)
        try:
            with zipfile.ZipFile(self.path) as z:
                names = [n[:-4] for n in z.namelist() if n.endswith(".npy")]
                key = _choose_key(key, names, self.path, "array")
                info = z.getinfo(key + ".npy")
        except zipfile.BadZipFile as e:
            raise ValueError(f"{self.path} is not a readable .npz (zip) file: {e}") from None
        self.key = key
        self._stored = info.compress_type == zipfile.ZIP_STORED
        if self._stored:
            with open(self.path, "rb") as f:
                f.seek(info.header_offset)
                local = f.read(30)
                if len(local) < 30 or local[:4] != b"PK\x03\x04":
                    raise ValueError(f"{self.path}: member {key!r} has a corrupted zip header")
                name_len, extra_len = struct.unpack("<HH", local[26:30])
                start = info.header_offset + 30 + name_len + extra_len
                f.seek(start)
                self.dtype, self.shape, fortran, self._offset = _npy_data_layout(f, f"{self.path}[{key!r}]")
            data = int(np.prod(self.shape)) * self.dtype.itemsize
            if info.file_size < self._offset - start + data or self.path.stat().st_size < self._offset + data:
                raise ValueError(f"{self.path}[{key!r}] is truncated: its header says {self.shape} {self.dtype}")
        else:
            # Compressed: the header is read from the start of the stream; items are decompressed on demand.
            try:
                with zipfile.ZipFile(self.path) as z, z.open(info) as f:
                    self.dtype, self.shape, fortran, self._offset = _npy_data_layout(f, f"{self.path}[{key!r}]")
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as e:
                raise ValueError(f"{self.path}[{key!r}] is truncated or corrupted: {e}") from None
            data = int(np.prod(self.shape)) * self.dtype.itemsize
            if info.file_size != self._offset + data:
                raise ValueError(
                    f"{self.path}[{key!r}] is truncated or corrupted: its header says {self.shape} {self.dtype} "
                    f"({self._offset + data} bytes) but the zip directory gives {info.file_size} bytes"
                )
        if fortran and len(self.shape) > 1:
            raise ValueError(f"{self.path}[{key!r}] is stored in Fortran order; save a C-contiguous array")

    def _read(self, start, stop):
        if self._stored:
            m = np.memmap(self.path, dtype=self.dtype, mode="r", offset=self._offset, shape=self.shape)
            return np.array(m[start:stop])
        item = int(np.prod(self.shape[1:])) * self.dtype.itemsize
        key = (str(self.path), self.key + ".npy", *_stamp(self.path))
        data = _MEMBERS.read(key, self._offset + start * item, (stop - start) * item)
        return np.frombuffer(data, self.dtype).reshape((stop - start,) + self.shape[1:]).copy()


def _open_member(path, member, mtime_ns, size):
    """The decompressing stream of one .npz member (the zip's file stays open while the stream is)."""
    with zipfile.ZipFile(path) as z:
        return z.open(member)


_MEMBERS = StreamCache(_open_member)
