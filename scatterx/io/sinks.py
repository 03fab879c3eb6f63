"""Writers of features, chunk by chunk, with crash-safe done markers; reading an output back."""

from __future__ import annotations

import abc
import json
import os
import shutil
import time
from pathlib import Path

import numpy as np

from ._base import _retrying
from .npy import NpySource, _npy_data_layout

__all__ = ["ZarrSink", "NpySink", "sink_for", "open_features"]


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
