"""The :class:`Source` contract (an array read range by range), retries, and an array in memory."""

from __future__ import annotations

import os
import time
import zlib

import numpy as np

__all__ = ["Source", "ArraySource", "RETRY_BACKOFF"]

# Seconds before the k-th retry of a transient I/O error: RETRY_BACKOFF · 2^k.
RETRY_BACKOFF = 0.05


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
            raise ValueError(f"{self.format} input {self.path}: cannot read items {start}:{stop}: {e}") from e

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

    def __repr__(self):
        return f"{type(self).__name__}({str(self.path)!r}, shape={self.shape}, dtype={np.dtype(self.dtype).name})"


class ArraySource(Source):
    """An array already in memory (it travels in a Dask graph as it is)."""

    format = "array"

    def __init__(self, array):
        self.array = array
        self.path = "<memory>"
        self.shape = tuple(array.shape)
        self.dtype = np.dtype(array.dtype)

    def _read(self, start, stop):
        return np.asarray(self.array[start:stop])


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
