"""Zarr (v3, or v2) and HDF5 sources."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._base import Source, _choose_key

__all__ = ["ZarrSource", "HDF5Source"]


class ZarrSource(Source):
    """A Zarr array (v3, or v2); ``key`` for an array inside a group."""

    format = "zarr"

    def __init__(self, path, key=None):
        import zarr

        self.path = Path(path)
        try:
            node = zarr.open(str(self.path), mode="r")
        except Exception as e:  # zarr raises several types for a broken store
            raise ValueError(f"{self.path} is not a readable Zarr store: {e}") from None
        if isinstance(node, zarr.Group):
            names = [n for n, a in node.arrays()]
            key = _choose_key(key, names, self.path, "array")
            node = node[key]
        self.key = key
        self.shape, self.dtype = tuple(node.shape), np.dtype(node.dtype)

    def _array(self):
        import zarr

        node = zarr.open(str(self.path), mode="r")
        return node if self.key is None else node[self.key]

    def _read(self, start, stop):
        try:
            return np.asarray(self._array()[start:stop])
        except (OSError, ValueError):
            raise
        except Exception as e:  # a codec error on a corrupted chunk
            raise ValueError(f"corrupted chunk ({type(e).__name__}: {e})") from e


class HDF5Source(Source):
    """An HDF5 dataset via h5py; ``key`` names it (default: the file's only dataset)."""

    format = "hdf5"

    def __init__(self, path, key=None):
        import h5py

        self.path = Path(path)
        try:
            with h5py.File(self.path, "r") as f:
                names = []
                f.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
                key = _choose_key(key, names, self.path, "dataset")
                d = f[key]
                self.shape, self.dtype = tuple(d.shape), np.dtype(d.dtype)
        except OSError as e:
            raise ValueError(f"{self.path} is not a readable HDF5 file: {e}") from None
        self.key = key

    def _read(self, start, stop):
        import h5py

        with h5py.File(self.path, "r") as f:
            return f[self.key][start:stop]
