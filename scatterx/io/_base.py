"""The :class:`Source` contract (an array read range by range), retries, and an array in memory."""

from __future__ import annotations

import hashlib
import os
import threading
import time
import zlib
from pathlib import Path

import numpy as np

__all__ = ["Source", "ArraySource", "InputError", "RETRY_BACKOFF", "fingerprint_files"]

# Bytes read at a time when hashing an input, and the hash of a fingerprint.
HASH_BLOCK = 1 << 20
HASH = "blake2b"

# Seconds before the k-th retry of a transient I/O error: RETRY_BACKOFF · 2^k.
RETRY_BACKOFF = 0.05


class InputError(ValueError):
    """Bad data in the input (an item that does not decode, or holds NaN/Inf): resuming cannot fix it."""


def _retrying(retries, fn, *args):
    """``fn(*args)``, retried ``retries`` times on OSError (a transient I/O failure)."""
    for attempt in range(retries + 1):
        try:
            return fn(*args)
        except OSError:
            if attempt == retries:
                raise
            time.sleep(RETRY_BACKOFF * 2**attempt)


class Source:
    """An array (n_items, *grid) read range by range.

    Subclasses set ``path``, ``format``, ``shape`` and ``dtype`` and implement
    ``_read(start, stop)``.  A Source pickles as its description (no open
    handle travels), and ``source[i:j, ...]`` is what ``dask.array.from_array``
    calls.  ``retries`` transient I/O errors are retried per read.
    """

    format = ""
    retries = 0

    @property
    def ndim(self):
        return len(self.shape)

    def __len__(self):
        return self.shape[0]

    def read(self, start, stop):
        """Items ``start:stop`` as a NumPy array; errors name the file and the items."""
        try:
            return _retrying(self.retries, self._read, start, stop)
        except (OSError, ValueError, EOFError, zlib.error, KeyError) as e:
            raise InputError(f"{self.format} input {self.path}: cannot read items {start}:{stop}: {e}") from e

    def __getitem__(self, index):
        index = index if isinstance(index, tuple) else (index,)
        first = index[0] if index else slice(None)
        if not isinstance(first, slice) or first.step not in (None, 1):
            raise TypeError("a Source is read by contiguous ranges of items (source[i:j])")
        start, stop, _ = first.indices(self.shape[0])
        return self.read(start, max(start, stop))[(slice(None),) + index[1:]]

    def describe(self):
        return {
            "format": self.format,
            "path": str(self.path),
            "shape": list(self.shape),
            "dtype": np.dtype(self.dtype).name,
        }

    def files(self):
        """The files whose bytes make the items: the file itself, or every file under a folder (sorted)."""
        path = Path(self.path)
        if path.is_dir():
            return sorted(p for p in path.rglob("*") if p.is_file())
        return [path]

    def fingerprint(self):
        """Identity of the input: resolved path, size, latest mtime and a content hash of :meth:`files`.

        Stored with an extraction's output and compared on resume, so that
        rows of another input are never mixed in.
        """
        return fingerprint_files(Path(self.path), self.files())

    def __repr__(self):
        return f"{type(self).__name__}({str(self.path)!r}, shape={self.shape}, dtype={np.dtype(self.dtype).name})"


class ArraySource(Source):
    """An array already in memory (it travels in a Dask graph as it is)."""

    format = "array"

    def __init__(self, array):
        if isinstance(array, np.ma.MaskedArray):
            if np.ma.getmaskarray(array).any():
                raise ValueError(
                    f"the input is a masked array with {int(np.ma.getmaskarray(array).sum())} masked entries; "
                    "a scattering transform cannot honour a mask (its filters mix neighbouring samples): "
                    "fill them first (x.filled(0.0))"
                )
            array = np.ma.getdata(array)
        if isinstance(array, np.ndarray) and type(array) is not np.ndarray:  # np.matrix and other subclasses
            array = np.asarray(array)
        if getattr(getattr(array, "device", None), "type", None) == "meta":
            raise ValueError("the input is a torch tensor on the 'meta' device: it has a shape but no values")
        self.array = array
        self.path = "<memory>"
        self.shape = tuple(array.shape)
        self.dtype = np.dtype(array.dtype)

    def _read(self, start, stop):
        return np.asarray(self.array[start:stop])

    def fingerprint(self):
        h = hashlib.new(HASH)
        item = max(1, int(np.prod(self.shape[1:])) * self.dtype.itemsize)
        step = max(1, HASH_BLOCK // item)
        for i in range(0, self.shape[0], step):  # block by block: never a copy of the whole array
            h.update(np.ascontiguousarray(self._read(i, i + step)).view(np.uint8))
        return {"path": "<memory>", "size": self.shape[0] * item, "mtime_ns": 0, HASH: h.hexdigest()}


def fingerprint_files(root, files):
    """{path (resolved), size, mtime_ns (latest), blake2b} of ``files``: their relative names and bytes, hashed."""
    h = hashlib.new(HASH)
    size, mtime = 0, 0
    root = root.resolve()
    for f in files:
        st = f.stat()
        size, mtime = size + st.st_size, max(mtime, st.st_mtime_ns)
        rel = str(f.resolve().relative_to(root)) if f.resolve() != root else ""
        h.update(rel.encode() + b"\0" + str(st.st_size).encode() + b"\0")
        with open(f, "rb") as stream:
            for block in iter(lambda s=stream: s.read(HASH_BLOCK), b""):
                h.update(block)
    return {"path": str(root), "size": size, "mtime_ns": mtime, HASH: h.hexdigest()}


class StreamCache:
    """Decompressing streams kept open per process, one per (file, member, stamp), positioned where the last read ended.

    Chunks are read in increasing order by each process, so a compressed
    input is decompressed about once per process, never held whole in
    memory; a read before the current position re-opens the stream.
    """

    def __init__(self, opener, size=4):
        self.opener, self.size = opener, size
        self.streams = {}
        self.lock = threading.Lock()

    def read(self, key, offset, nbytes):
        """``nbytes`` bytes at ``offset`` of the decompressed stream ``opener(*key)``; EOFError when short."""
        with self.lock:
            stream = self.streams.pop(key, None)
            if stream is None or stream.tell() > offset:
                if stream is not None:
                    stream.close()
                stream = self.opener(*key)
            while len(self.streams) >= self.size:
                self.streams.pop(next(iter(self.streams))).close()
            self.streams[key] = stream
            skip = offset - stream.tell()
            while skip > 0:
                got = len(stream.read(min(skip, HASH_BLOCK)))
                if not got:
                    raise EOFError(f"the decompressed data end {skip} bytes before offset {offset}")
                skip -= got
            data = stream.read(nbytes)
        if len(data) < nbytes:
            raise EOFError(f"the decompressed data end at {offset + len(data)} bytes, before {offset + nbytes}")
        return data


def _stamp(path):
    st = os.stat(path)
    return st.st_mtime_ns, st.st_size


def _choose_key(key, names, path, what):
    if key is not None:
        if key not in names:
            raise ValueError(f"{path} has no {what} {key!r}; it holds {sorted(names)}")
        return key
    if len(names) == 1:
        return names[0]
    for preferred in ("x", "X", "images", "data"):
        if preferred in names:
            return preferred
    raise ValueError(f"{path} holds {len(names)} {what}s {sorted(names)}; name one with key=…")
