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
                          (``np.savez_compressed``) is decompressed as a stream, never whole.
Zarr (v3, or v2)          a directory holding ``zarr.json`` (or ``.zarray``); ``key`` names
                          the array inside a group.
HDF5                      via h5py; ``key`` names the dataset (default: the only one).
IDX (MNIST layout)        Fashion-MNIST's ``*-idx3-ubyte`` files, raw or ``.gz``; the header
                          is checked (magic 2051 for images, 2049 for labels, every size
                          positive, the byte count exact: a ``.gz``'s from its trailer).
                          A ``.gz`` is decompressed as a stream, never whole.
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
decode) is an :class:`InputError` (a ValueError) naming the file and the
items.  Storage that would read as fill values is refused: a Zarr chunk
missing from the store (``allow_missing=True`` to accept it), HDF5 virtual
or external datasets (``allow_external=True``); so are scalars, masked
arrays with masked entries and images over Pillow's ``MAX_IMAGE_PIXELS``.
Every :class:`Source` has a ``fingerprint()`` (resolved path, size, latest
mtime, BLAKE2b hash of its bytes).

Writers
-------
:class:`ZarrSink` (a Zarr v3 array chunked along the batch axis) and
:class:`NpySink` (one ``.npy`` plus a ``.json`` sidecar) store the features,
the network configuration, the scatterx version and the feature names.  A
chunk is *marked done* (a marker file, written atomically after the chunk's
data) only once all its rows are written, so a run killed at any instant
leaves no half-written chunk marked done; ``complete`` in the metadata turns
true only when every chunk is.  :func:`open_features` reads an output back.
``remove`` (``--overwrite``) deletes only an output scatterx wrote, and only
its entries; :class:`OutputLock` keeps a second run off an output.

Modules: ``_base`` (the :class:`Source` contract, retries, an array in
memory), ``npy`` (``.npy``, ``.npz``), ``containers`` (Zarr, HDF5), ``idx``,
``images``, ``sources`` (:func:`open_source`, format sniffing), ``sinks``
(the writers, :func:`open_features`), ``lock`` (one run per output),
``guard`` (outputs apart from inputs, overwrite and resume rules, disk space).
"""

from ._base import RETRY_BACKOFF, ArraySource, InputError, Source
from .containers import HDF5Source, ZarrSource
from .idx import IDX_IMAGES, IDX_LABELS, IdxSource, read_idx
from .images import IMAGE_SUFFIXES, ImageFolderSource
from .lock import OutputInUseError, OutputLock
from .npy import NpySource, NpzSource
from .sinks import NpySink, ZarrSink, open_features, sink_for
from .sources import open_source

__all__ = [
    "Source",
    "open_source",
    "read_idx",
    "IMAGE_SUFFIXES",
    "ZarrSink",
    "NpySink",
    "sink_for",
    "open_features",
    "ArraySource",
    "NpySource",
    "NpzSource",
    "ZarrSource",
    "HDF5Source",
    "IdxSource",
    "ImageFolderSource",
    "IDX_IMAGES",
    "IDX_LABELS",
    "RETRY_BACKOFF",
    "InputError",
    "OutputLock",
    "OutputInUseError",
]
