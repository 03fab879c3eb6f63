"""Zarr (v3, or v2) and HDF5 sources, refusing storage that would read as fill values.

A Zarr chunk that is missing from the store reads as the array's fill value,
and so does every item beyond what a writer stored when the metadata claim
more; an HDF5 virtual dataset reads its missing source files as fill values
too.  Both are refused unless the user says the fill values are the data
(``allow_missing=True`` for Zarr, ``allow_external=True`` for HDF5's virtual
and external storage).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ._base import Source, _choose_key

__all__ = ["ZarrSource", "HDF5Source", "missing_chunks"]


def missing_chunks(array, folder):
    """The chunk (or shard) keys of a Zarr array in ``folder`` that have no file, in index order."""
    grid_of = array.shards or array.chunks
    grid = tuple(-(-n // c) for n, c in zip(array.shape, grid_of))
    present = set()
    for root, _, names in os.walk(folder):
        rel = os.path.relpath(root, folder)
        present.update(n if rel == "." else f"{rel}/{n}".replace(os.sep, "/") for n in names)
    return [
        key for key in (array.metadata.encode_chunk_key(index) for index in np.ndindex(*grid)) if key not in present
    ]


class ZarrSource(Source):
    """A Zarr array (v3, or v2); ``key`` for an array inside a group.

    Every chunk must be stored: a missing one (a lost file, or metadata that
    claim more items than were written) is a ValueError naming it and its
    items, unless ``allow_missing=True`` (then it reads as the fill value, as
    Zarr itself does; a writer that skips chunks equal to the fill value
    needs this).
    """

    format = "zarr"

    def __init__(self, path, key=None, allow_missing=False):
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
        self.allow_missing = bool(allow_missing)
        if not self.allow_missing and node.ndim:
            missing = missing_chunks(node, self.path if key is None else self.path / key)
            if missing:
                per = (node.shards or node.chunks)[0]
                first = int(missing[0].replace(".", "/").split("/")[-node.ndim]) * per
                raise ValueError(
                    f"{self.path}: {len(missing)} chunk(s) of the Zarr array are missing from the store "
                    f"(first: {missing[0]!r}, items from {first}); Zarr would read them as the fill value "
                    f"{node.fill_value}. Restore them, or pass allow_missing=True (--allow-missing-chunks) "
                    "if the fill value is the data"
                )

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

    def files(self):
        folder = self.path if self.key is None else self.path / self.key
        return sorted(p for p in folder.rglob("*") if p.is_file())


class HDF5Source(Source):
    """An HDF5 dataset via h5py; ``key`` names it (default: the file's only dataset).

    Virtual datasets and external storage (data in other files) are refused
    unless ``allow_external=True``: HDF5 reads a missing source file as fill
    values, silently.
    """

    format = "hdf5"

    def __init__(self, path, key=None, allow_external=False):
        import h5py

        self.path = Path(path)
        try:
            with h5py.File(self.path, "r") as f:
                names = []
                f.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
                key = _choose_key(key, names, self.path, "dataset")
                d = f[key]
                self.shape, self.dtype = tuple(d.shape), np.dtype(d.dtype)
                storage = "virtual" if d.is_virtual else "external" if d.external else None
        except OSError as e:
            raise ValueError(f"{self.path} is not a readable HDF5 file: {e}") from None
        self.key = key
        self.allow_external = bool(allow_external)
        if storage and not self.allow_external:
            raise ValueError(
                f"{self.path}[{key!r}] is an HDF5 {storage} dataset: its data live in other files, and HDF5 "
                "reads a missing one as fill values without an error; pass allow_external=True "
                "(--allow-external) if those files are all there"
            )

    def _read(self, start, stop):
        import h5py

        with h5py.File(self.path, "r") as f:
            return f[self.key][start:stop]
