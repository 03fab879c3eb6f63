""":func:`open_source`: a :class:`~scatterx.io.Source` for a path (format sniffed) or an array."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ._base import ArraySource, Source
from .containers import HDF5Source, ZarrSource
from .idx import IdxSource
from .images import ImageFolderSource
from .npy import NpySource, NpzSource

__all__ = ["open_source"]


def _sniff(path):
    """The format of ``path`` from its first bytes, then its suffix."""
    if path.is_dir():
        if (path / "zarr.json").exists() or (path / ".zarray").exists() or (path / ".zgroup").exists():
            return "zarr"
        return "images"
    with open(path, "rb") as f:
        head = f.read(8)
    if head[:6] == b"\x93NUMPY":
        return "npy"
    if head[:4] == b"PK\x03\x04" or path.suffix == ".npz":
        return "npz"
    if head == b"\x89HDF\r\n\x1a\n":
        return "hdf5"
    if head[:2] == b"\x1f\x8b" or (len(head) >= 4 and head[:2] == b"\0\0"):
        return "idx"
    suffix = path.suffix.lower()
    for fmt, suffixes in (("npy", (".npy",)), ("hdf5", (".h5", ".hdf5", ".hdf")), ("zarr", (".zarr",))):
        if suffix in suffixes:
            return fmt
    raise ValueError(f"cannot tell the format of {path} (not .npy, .npz, Zarr, HDF5, IDX or a folder of images)")


def open_source(source, *, key=None, shape=None, format=None, resize=True, allow_missing=False, allow_external=False):
    """A :class:`Source` for a path (format sniffed) or an in-memory array.

    Parameters
    ----------
    source : str, Path, ndarray or Source
    key : str, optional
        The array / dataset inside an ``.npz``, a Zarr group or an HDF5 file.
    shape : tuple, optional
        The grid of an image folder (default: the first image's size).
    format : {"npy", "npz", "zarr", "hdf5", "idx", "images"}, optional
        Skip sniffing.
    resize : bool
        Image folders: resize images of another size (else refuse them).
    allow_missing : bool
        Zarr: read chunks missing from the store as the fill value (refused by default).
    allow_external : bool
        HDF5: read virtual datasets and external storage (refused by default).

    Raises ValueError for an input that is not an array of items (a scalar),
    and for the refusals of each format (``scatterx.io``'s docstring).
    """
    src = _open(source, key, shape, format, resize, allow_missing, allow_external)
    if len(src.shape) == 0:
        raise ValueError(f"{src.format} input {src.path} holds a scalar; the input must be items (n_items, *grid)")
    return src


def _open(source, key, shape, format, resize, allow_missing, allow_external):
    if isinstance(source, Source):
        return source
    if not isinstance(source, (str, os.PathLike)):
        return ArraySource(source if hasattr(source, "shape") and hasattr(source, "dtype") else np.asarray(source))
    path = Path(source).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"input {path} does not exist")
    fmt = format or _sniff(path)
    if fmt == "npy":
        return NpySource(path)
    if fmt == "npz":
        return NpzSource(path, key)
    if fmt == "zarr":
        return ZarrSource(path, key, allow_missing)
    if fmt == "hdf5":
        return HDF5Source(path, key, allow_external)
    if fmt == "idx":
        return IdxSource(path)
    if fmt == "images":
        return ImageFolderSource(path, shape, resize)
    raise ValueError(f"unknown input format {fmt!r}")
