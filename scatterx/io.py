"""Reading batches of signals from files, and writing features chunk by chunk.

Readers
-------
:func:`open_source` gives a :class:`Source`: a file-backed array of shape
(n_items, *grid) that reads any range of items on demand, so that a Dask
task reads only its own chunk and nothing but the path travels in the graph.
Formats, found from the file's first bytes (then its suffix):

========================  ==============================================================
``.npy``                  memory-mapped (``np.load(mmap_mode="r")``); nothing is loaded.
``.npz``                  ``allow_pickle=False``, always.  A member stored uncompressed
                          (``np.savez``) is memory-mapped inside the zip; a compressed one
                          (``np.savez_compressed``) is read whole, once per process.
Zarr (v3, or v2)          a directory holding ``zarr.json`` (or ``.zarray``); ``key`` names
                          the array inside a group.
HDF5                      via h5py; ``key`` names the dataset (default: the only one).
IDX (MNIST layout)        Fashion-MNIST's ``*-idx3-ubyte`` files, raw or ``.gz``; the header
                          is checked (magic 2051 for images, 2049 for labels, every size
                          positive, the byte count exact).  A ``.gz`` is decompressed once
                          per process.
a folder of images        PNG, JPEG and any other format Pillow reads; see below.
========================  ==============================================================

**Image folders.**  The files of the folder (not its sub-folders; names
starting with a dot skipped) with a suffix in :data:`IMAGE_SUFFIXES`, in
sorted order of their names, one item each:

* grey levels: 8-bit images of any mode (RGB, RGBA, palette, CMYK …) are
  converted by Pillow's ``convert("L")`` (ITU-R 601-2 luma,
  L = 0.299 R + 0.587 G + 0.114 B; an alpha channel is dropped) and divided
  by 255; 16- and 32-bit integer images (modes ``I;16``, ``I``) are divided
  by 65535; float images (mode ``F``) are kept as they are;
* size: the grid is ``shape`` (the network's) or else the first image's
  size; an image of another size is resized to the grid with bilinear
  interpolation, aspect ratio not kept (``resize=False`` refuses it instead);
* values: float32.

Any item-level error (a truncated or corrupted file, a chunk that does not
decode) is a ValueError naming the file and the items.

Writers
-------
:class:`ZarrSink` (a Zarr v3 array chunked along the batch axis) and
:class:`NpySink` (one ``.npy`` plus a ``.json`` sidecar) store the features,
the network configuration, the scatterx version and the feature names.  A
chunk is *marked done* (a marker file, written atomically after the chunk's
data) only once all its rows are written, so a run killed at any instant
leaves no half-written chunk marked done; ``complete`` in the metadata turns
true only when every chunk is.  :func:`open_features` reads an output back.
"""

from __future__ import annotations

import abc
import functools
import gzip
import json
import os
import shutil
import struct
import time
import zipfile
import zlib
from pathlib import Path

import numpy as np

__all__ = ["Source", "open_source", "read_idx", "IMAGE_SUFFIXES", "ZarrSink", "NpySink", "sink_for", "open_features"]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
IDX_IMAGES, IDX_LABELS = 2051, 2049
# IDX type codes (byte 2 of the magic) → element type (big-endian).
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
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


# ============================================================== sources
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
            member = _npz_member(self.path, key, *_stamp(self.path))
            self.dtype, self.shape, fortran = member.dtype, member.shape, False
        if fortran and len(self.shape) > 1:
            raise ValueError(f"{self.path}[{key!r}] is stored in Fortran order; save a C-contiguous array")

    def _read(self, start, stop):
        if self._stored:
            m = np.memmap(self.path, dtype=self.dtype, mode="r", offset=self._offset, shape=self.shape)
            return np.array(m[start:stop])
        return np.array(_npz_member(self.path, self.key, *_stamp(self.path))[start:stop])


def _stamp(path):
    st = os.stat(path)
    return st.st_mtime_ns, st.st_size


@functools.lru_cache(maxsize=2)
def _npz_member(path, key, mtime_ns, size):
    """A compressed .npz member, decompressed once per process (keyed by the file's stamp)."""
    try:
        with np.load(path, allow_pickle=False) as z:
            return z[key]
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as e:
        raise ValueError(f"{path}[{key!r}] is truncated or corrupted: {e}") from None
    except ValueError as e:  # e.g. an object array, refused without pickle
        raise ValueError(f"{path}[{key!r}]: {e}") from None


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


class ImageFolderSource(Source):
    """A folder of images, one item each (policy in the module docstring)."""

    format = "images"

    def __init__(self, path, shape=None, resize=True):
        self.path = Path(path)
        self.files = sorted(
            p.name
            for p in self.path.iterdir()
            if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in IMAGE_SUFFIXES
        )
        if not self.files:
            raise ValueError(f"{self.path} holds no image files (suffixes {', '.join(IMAGE_SUFFIXES)})")
        if shape is None:
            shape = self._load(self.files[0], None).shape
        shape = tuple(int(s) for s in shape)
        if len(shape) != 2:
            raise ValueError(f"an image folder gives 2-D items; the grid {shape} is {len(shape)}-D")
        self.grid = shape
        self.resize = bool(resize)
        self.shape = (len(self.files),) + shape
        self.dtype = np.dtype(np.float32)

    def _load(self, name, grid):
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(self.path / name) as im:
                im.load()
                if grid is not None and im.size != (grid[1], grid[0]):
                    if not self.resize:
                        raise ValueError(
                            f"is {im.size[1]}×{im.size[0]}, not the grid {grid[0]}×{grid[1]} (resize=False)"
                        )
                    im = im.resize((grid[1], grid[0]), Image.Resampling.BILINEAR)
                if im.mode in ("I;16", "I;16B", "I;16L", "I"):
                    return np.asarray(im, dtype=np.float32) / 65535.0
                if im.mode == "F":
                    return np.asarray(im, dtype=np.float32)
                return np.asarray(im.convert("L"), dtype=np.float32) / 255.0
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as e:
            raise ValueError(f"image {self.path / name}: {e}") from None

    def _read(self, start, stop):
        out = np.empty((stop - start,) + self.grid, np.float32)
        for i, name in enumerate(self.files[start:stop]):
            out[i] = self._load(name, self.grid)
        return out

    def describe(self):
        return {**super().describe(), "files": len(self.files), "resize": self.resize}


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


def open_source(source, *, key=None, shape=None, format=None, resize=True):
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
    """
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
        return ZarrSource(path, key)
    if fmt == "hdf5":
        return HDF5Source(path, key)
    if fmt == "idx":
        return IdxSource(path)
    if fmt == "images":
        return ImageFolderSource(path, shape, resize)
    raise ValueError(f"unknown input format {fmt!r}")


# ============================================================== sinks
class _Sink(abc.ABC):
    """Where features go: created on the client, written chunk by chunk by the workers.

    Layout contract: rows ``i·chunk … min((i+1)·chunk, n)`` form chunk i;
    ``write`` stores them, then drops the marker ``done/<i>``.
    """

    def __init__(self, path):
        self.path = Path(path)

    # -- markers -------------------------------------------------------
    @abc.abstractmethod
    def _done_dir(self):
        """The folder of the per-chunk done markers."""

    def done_chunks(self):
        d = self._done_dir()
        if not d.is_dir():
            return set()
        return {int(p.name) for p in d.iterdir() if p.name.isdigit()}

    def _mark(self, index, rows):
        d = self._done_dir()
        d.mkdir(parents=True, exist_ok=True)
        tmp = d / f".{index}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps({"chunk": index, "rows": rows, "pid": os.getpid(), "time": time.time()}))
        os.replace(tmp, d / str(index))

    def write(self, index, start, data, retries=0):
        """Store rows ``start:start+len(data)`` (chunk ``index``), then mark the chunk done."""
        try:
            _retrying(retries, self._write_rows, start, data)
        except OSError as e:
            raise OSError(
                e.errno,
                f"writing chunk {index} (rows {start}:{start + len(data)}) of {self.path} failed: {e.strerror or e}",
            ) from e
        self._mark(index, len(data))

    @abc.abstractmethod
    def remove(self):
        """Delete the output (``--overwrite``)."""


class ZarrSink(_Sink):
    """A Zarr v3 array (n_items, n_features), one Zarr chunk per extraction chunk.

    Metadata (the array's attributes): ``scatterx_version``, ``network`` (the
    configuration, ``Network.to_dict()``), ``feature_names``, ``chunk``,
    ``source``, ``complete``.  Done markers live in ``<path>/scatterx_done/``.
    """

    format = "zarr"

    def _done_dir(self):
        return self.path / "scatterx_done"

    def exists(self):
        return self.path.is_file() or (self.path.is_dir() and any(self.path.iterdir()))

    def create(self, n_items, n_features, chunk, dtype, attrs):
        import zarr

        self.path.parent.mkdir(parents=True, exist_ok=True)
        zarr.create_array(
            str(self.path),
            shape=(n_items, n_features),
            chunks=(chunk, n_features),
            dtype=dtype,
            fill_value=0,
            zarr_format=3,
            attributes={**attrs, "complete": False},
        )

    def metadata(self):
        import zarr

        try:
            arr = zarr.open_array(str(self.path), mode="r")
        except Exception as e:
            raise ValueError(f"{self.path} is not a readable Zarr array: {e}") from None
        return {
            **dict(arr.attrs),
            "shape": list(arr.shape),
            "dtype": np.dtype(arr.dtype).name,
            "chunks": list(arr.chunks),
        }

    def _write_rows(self, start, data):
        import zarr

        zarr.open_array(str(self.path), mode="r+")[start : start + len(data)] = data

    def finish(self):
        import zarr

        zarr.open_array(str(self.path), mode="r+").attrs["complete"] = True

    def remove(self):
        """Delete the output; refused for anything that is not a Zarr array (a folder of other files)."""
        if not (self.path / "zarr.json").is_file():
            raise FileExistsError(f"{self.path} exists and is not a Zarr array: not deleting it")
        shutil.rmtree(self.path)


class NpySink(_Sink):
    """A ``.npy`` file (n_items, n_features) with its metadata in ``<path>.json``.

    The file is created at full size first (sparse where the file system
    allows); each chunk writes its rows through a memory map and flushes.
    Done markers live in ``<path>.done/``.
    """

    format = "npy"

    def _done_dir(self):
        return self.path.with_name(self.path.name + ".done")

    def _meta_path(self):
        return self.path.with_name(self.path.name + ".json")

    def exists(self):
        return self.path.exists() or self._meta_path().exists()

    def create(self, n_items, n_features, chunk, dtype, attrs):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(self._done_dir(), ignore_errors=True)
        m = np.lib.format.open_memmap(self.path, mode="w+", dtype=dtype, shape=(n_items, n_features))
        del m
        self._write_meta({**attrs, "complete": False})

    def _write_meta(self, meta):
        tmp = self._meta_path().with_name(self._meta_path().name + ".tmp")
        tmp.write_text(json.dumps(meta))
        os.replace(tmp, self._meta_path())

    def metadata(self):
        try:
            meta = json.loads(self._meta_path().read_text())
            src = NpySource(self.path)
        except (OSError, ValueError) as e:
            raise ValueError(f"{self.path} is not a complete scatterx .npy output ({e})") from None
        return {**meta, "shape": list(src.shape), "dtype": src.dtype.name, "chunks": [meta.get("chunk")]}

    def _write_rows(self, start, data):
        with open(self.path, "rb") as f:
            dtype, shape, _, offset = _npy_data_layout(f, str(self.path))
        m = np.memmap(self.path, dtype=dtype, mode="r+", offset=offset, shape=shape)
        m[start : start + len(data)] = data
        m.flush()
        del m

    def finish(self):
        self._write_meta({**json.loads(self._meta_path().read_text()), "complete": True})

    def remove(self):
        for p in (self.path, self._meta_path()):
            p.unlink(missing_ok=True)
        shutil.rmtree(self._done_dir(), ignore_errors=True)


def sink_for(path):
    """The writer for ``path``: ``.npy`` → :class:`NpySink`, anything else → :class:`ZarrSink`."""
    path = Path(path).expanduser()
    return NpySink(path) if path.suffix.lower() == ".npy" else ZarrSink(path)


def open_features(path):
    """An extraction's output: ``(features, metadata)``.

    ``features`` is a Zarr array or a read-only memory map (n_items,
    n_features); ``metadata`` holds ``network``, ``feature_names``,
    ``scatterx_version``, ``complete`` ….  Raises ValueError when the output
    is not complete (a run stopped before its end: rerun it with resume).
    """
    sink = sink_for(path)
    meta = sink.metadata()
    if not meta.get("complete"):
        done = len(sink.done_chunks())
        raise ValueError(f"{path} is not complete ({done} chunks written); finish it with resume")
    if isinstance(sink, NpySink):
        return np.load(sink.path, mmap_mode="r"), meta
    import zarr

    return zarr.open_array(str(sink.path), mode="r"), meta
