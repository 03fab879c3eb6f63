"""Writers of features, chunk by chunk, with crash-safe done markers; reading an output back.

An output is *scatterx's own* when its metadata hold the keys every scatterx
output carries (``scatterx_version``, ``network``, ``feature_names``,
``complete``) and its folder holds nothing but what scatterx writes there;
``remove`` (``--overwrite``) deletes only such an output, and only the
entries it wrote.
"""

from __future__ import annotations

import abc
import json
import os
import shutil
import time
from pathlib import Path

import numpy as np

from ._base import _retrying
from .npy import _npy_data_layout

__all__ = ["ZarrSink", "NpySink", "sink_for", "open_features", "OWN_KEYS"]

# The metadata keys that mark an output as written by scatterx.
OWN_KEYS = ("scatterx_version", "network", "feature_names", "complete")
DONE_FOLDER = "scatterx_done"


class _Sink(abc.ABC):
    """Where features go: created on the client, written chunk by chunk by the workers.

    Layout contract: rows ``i·chunk … min((i+1)·chunk, n)`` form chunk i;
    ``write`` stores them, then drops the marker ``done/<i>``.
    """

    def __init__(self, path):
        self.path = Path(path)

    def lock_path(self):
        """The lock file of a run writing this output (``scatterx.io.lock``), beside it."""
        return self.path.with_name(self.path.name + ".lock")

    @abc.abstractmethod
    def paths(self):
        """Every path this output occupies (the lock aside)."""

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

    def _own_markers(self):
        """Whether the markers folder, if any, holds only scatterx's markers (``<i>`` and ``.<i>.<pid>.tmp``)."""
        d = self._done_dir()
        return not d.exists() or (
            d.is_dir()
            and all(p.name.isdigit() or (p.name.startswith(".") and p.name.endswith(".tmp")) for p in d.iterdir())
        )

    def write(self, index, start, data, retries=0):
        """Store rows ``start:start+len(data)`` (chunk ``index``), then mark the chunk done."""
        try:
            _retrying(retries, self._write_rows, start, data)
            _retrying(retries, self._mark, index, len(data))  # the marker too can meet a full disk
        except OSError as e:
            raise OSError(
                e.errno,
                f"writing chunk {index} (rows {start}:{start + len(data)}) of {self.path} failed: {e.strerror or e}",
            ) from e

    # -- ownership -----------------------------------------------------
    def exists(self):
        return any(p.exists() for p in self.paths())

    @abc.abstractmethod
    def not_ours(self):
        """Why this existing output was not written by scatterx (a sentence), or None when it was."""

    def remove(self):
        """Delete the output (``--overwrite``): only scatterx's own, only the entries it wrote."""
        reason = self.not_ours()
        if reason:
            raise FileExistsError(f"{self.path} exists and {reason}: not deleting it")
        self._remove()

    @abc.abstractmethod
    def _remove(self):
        """Delete the entries scatterx wrote."""


def _has_own_keys(meta):
    return isinstance(meta, dict) and all(k in meta for k in OWN_KEYS)


class ZarrSink(_Sink):
    """A Zarr v3 array (n_items, n_features), one Zarr chunk per extraction chunk.

    Metadata (the array's attributes): ``scatterx_version``, ``network`` (the
    configuration, ``Network.to_dict()``), ``feature_names``, ``chunk``,
    ``source`` (with the input's fingerprint), ``complete``.  Done markers
    live in ``<path>/scatterx_done/``.
    """

    format = "zarr"
    ENTRIES = ("zarr.json", "c", DONE_FOLDER)

    def paths(self):
        return [self.path]

    def _done_dir(self):
        return self.path / DONE_FOLDER

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

    def not_ours(self):
        if not self.path.is_dir():
            return "is not a folder (a Zarr array is one)"
        try:
            node = json.loads((self.path / "zarr.json").read_text())
        except (OSError, ValueError):
            return "is not a Zarr array (no readable zarr.json)"
        if not isinstance(node, dict) or node.get("node_type") != "array":
            return f"is a Zarr {node.get('node_type', 'node') if isinstance(node, dict) else 'node'}, not an array"
        if not _has_own_keys(node.get("attributes")):
            return "is a Zarr array that scatterx did not write (its attributes lack " + ", ".join(OWN_KEYS) + ")"
        others = sorted(p.name for p in self.path.iterdir() if p.name not in self.ENTRIES)
        if others or not self._own_markers():
            return f"holds files scatterx did not write ({', '.join(others[:5]) or DONE_FOLDER + '/…'})"
        return None

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

    def _remove(self):
        for name in ("c", DONE_FOLDER):
            shutil.rmtree(self.path / name, ignore_errors=True)
        (self.path / "zarr.json").unlink(missing_ok=True)
        self.path.rmdir()


class NpySink(_Sink):
    """A ``.npy`` file (n_items, n_features) with its metadata in ``<path>.json``.

    The header is written first; each chunk writes its rows with ordinary
    writes (``os.pwrite``) at their offset and ``fsync``\\ s them before its
    marker, so a full disk or a quota is an ``OSError`` naming the chunk
    (never a SIGBUS of a memory map), and the chunks before stay done.
    The file reaches its full size when the last rows are written.  Done
    markers live in ``<path>.done/``.
    """

    format = "npy"

    def paths(self):
        return [self.path, self._meta_path(), self._done_dir()]

    def _done_dir(self):
        return self.path.with_name(self.path.name + ".done")

    def _meta_path(self):
        return self.path.with_name(self.path.name + ".json")

    def create(self, n_items, n_features, chunk, dtype, attrs):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        header = {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False}
        with open(self.path, "xb") as f:
            np.lib.format.write_array_header_2_0(f, {**header, "shape": (n_items, n_features)})
        self._write_meta({**attrs, "complete": False})

    def _write_meta(self, meta):
        tmp = self._meta_path().with_name(self._meta_path().name + ".tmp")
        tmp.write_text(json.dumps(meta))
        os.replace(tmp, self._meta_path())

    def _layout(self):
        with open(self.path, "rb") as f:
            return _npy_data_layout(f, str(self.path))

    def metadata(self):
        try:
            meta = json.loads(self._meta_path().read_text())
            dtype, shape, _, _ = self._layout()
        except (OSError, ValueError) as e:
            raise ValueError(f"{self.path} is not a scatterx .npy output ({e})") from None
        if not isinstance(meta, dict):
            raise ValueError(f"{self._meta_path()} is not a scatterx metadata file (a JSON object)")
        return {**meta, "shape": list(shape), "dtype": dtype.name, "chunks": [meta.get("chunk")]}

    def _write_rows(self, start, data):
        dtype, shape, _, offset = self._layout()
        buf = memoryview(np.ascontiguousarray(data, dtype=dtype)).cast("B")
        position = offset + start * shape[1] * dtype.itemsize
        fd = os.open(self.path, os.O_WRONLY)
        try:
            while buf:
                n = os.pwrite(fd, buf, position)
                buf, position = buf[n:], position + n
            os.fsync(fd)
        finally:
            os.close(fd)

    def finish(self):
        dtype, shape, _, offset = self._layout()
        need, have = offset + shape[0] * shape[1] * dtype.itemsize, self.path.stat().st_size
        if have != need:
            raise OSError(f"{self.path} holds {have} bytes where its {shape[0]} rows need {need}: rows are missing")
        self._write_meta({**json.loads(self._meta_path().read_text()), "complete": True})

    def not_ours(self):
        try:
            meta = json.loads(self._meta_path().read_text())
        except (OSError, ValueError):
            return f"has no scatterx metadata file {self._meta_path().name}"
        if not _has_own_keys(meta):
            return f"has a {self._meta_path().name} that scatterx did not write (it lacks " + ", ".join(OWN_KEYS) + ")"
        if self.path.exists():
            try:
                self._layout()
            except (OSError, ValueError):
                return "is not a .npy file"
        if not self._own_markers():
            return f"has a folder {self._done_dir().name} holding files scatterx did not write"
        return None

    def _remove(self):
        self.path.unlink(missing_ok=True)
        self._meta_path().unlink(missing_ok=True)
        shutil.rmtree(self._done_dir(), ignore_errors=True)  # only markers: checked by not_ours


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
