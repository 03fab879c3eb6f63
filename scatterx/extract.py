"""Data-set-scale feature extraction with Dask: one core, all cores, or a cluster.

    summary = extract("train-images-idx3-ubyte.gz", "net.json", "features.zarr",
                      scheduler="local:2", resume=True)

The input is read chunk by chunk along the batch axis (``scatterx.io``), each
chunk goes through ``net(x)`` in a task of ``dask.array.map_blocks``, which
writes it to its own chunk of the output and then marks it done.
Only the network's configuration (JSON) travels in the task graph; every
worker process rebuilds the network once and keeps it, so its filters are
rendered once per process, never shipped.

Schedulers (``scheduler=``):

* ``None`` or ``"synchronous"``: this process, one chunk at a time, the FFTs
  on all cores;
* ``"threads"`` / ``"threads:W"``: Dask's threaded scheduler, W threads
  (default: the cores), one FFT thread each;
* ``"local:W"``: a ``distributed.LocalCluster`` of W worker processes (one
  task at a time each), started and closed here;
* ``"tcp://HOST:PORT"`` (any scheduler address): an existing cluster;
* a ``distributed.Client``: used as it is, not closed.

Threads: a worker process computes with ``cores // (task slots on its
host)`` threads (``scatterx._backend.WORKERS``: the core's chunk threads and
SciPy's FFT workers; the BLAS; ``torch.set_num_threads``), so that
workers × threads ≤ cores; ``threads=`` overrides it.

Same numbers everywhere: a chunk's features depend only on its items (no
state crosses chunks, no reduction over the batch), so every scheduler, any
number of workers, retried tasks, replaced workers and resumed runs give the
same bits for the same ``chunk``.  With the default ``chunk`` (a multiple of
the core's own batch) they are also the bits of ``net(x)`` on the whole
array; with another ``chunk`` they agree with it to rounding (SciPy's FFT
takes other vectorised code paths for other batch sizes).

Faults:

* a task that raises is retried ``retries`` times (under a client by Dask;
  otherwise transient I/O errors, OSError, are retried in place);
* a worker process that dies is replaced by its nanny and its chunks run
  again elsewhere (Dask's ``distributed.scheduler.allowed-failures`` deaths
  per task, 3 by default);
* a chunk is marked done (``scatterx.io`` markers) only after all its rows
  are written, so ``resume=True`` after a kill, a crash or an error skips
  exactly the chunks that are complete and recomputes the others;
* a corrupted or truncated input, an input whose items do not match the
  network's grid, a network configuration from a newer scatterx, a resume
  onto an output written with another configuration: a ValueError before
  any work, or (a chunk that fails to decode) when the chunk is read;
* a write error (full disk, read-only folder): an OSError naming the chunk;
  chunks written before stay marked done, the output stays ``complete:
  false`` until a resumed run finishes it.  Every error raised here carries a
  note saying how many chunks are done.
"""

from __future__ import annotations

import bisect
import copy
import functools
import json
import sys
import time
from dataclasses import dataclass

import numpy as np

from ._batches import apply
from ._cluster import compute, configure_worker, parse_scheduler, running
from ._optional import require
from .io import open_source, sink_for
from .network import as_network

__all__ = ["extract", "features", "as_network", "Summary", "register_cli", "main"]

# Target bytes of one output chunk (float features of `chunk` items).
DEFAULT_CHUNK_BYTES = 32 << 20


@dataclass
class Summary:
    """What a run did: ``items`` computed now of ``total`` in ``seconds``."""

    path: str
    total: int
    items: int
    chunks: int
    written: int
    skipped: int
    seconds: float
    startup_seconds: float
    scheduler: str

    @property
    def items_per_s(self):
        return self.items / self.seconds if self.seconds > 0 else float("nan")

    def __str__(self):
        skipped = f", {self.skipped} chunks already done" if self.skipped else ""
        return (
            f"{self.items} items ({self.written} chunks{skipped}) in {self.seconds:.1f} s, "
            f"{self.items_per_s:.0f} items/s, {self.scheduler} → {self.path}"
        )


# ============================================================== network and threads
def _config_json(net):
    return json.dumps(net.to_dict(), sort_keys=True)


@functools.lru_cache(maxsize=4)
def _network(config_json):
    """The network of a configuration, built once per process: filters render once."""
    from .network import Network

    return Network.from_dict(json.loads(config_json))


# ============================================================== the blocks
def _features_block(x, config_json, backend, device, dtype, worker_threads=None):
    """Features (n, n_features) of one chunk (n, *grid), on this process's cached network."""
    if worker_threads is not None:
        configure_worker(*worker_threads, backend)
    net = _network(config_json)
    return apply(net, np.asarray(x).astype(dtype, copy=False), backend=backend, device=device).astype(dtype, copy=False)


def _extract_block(
    x, config_json, backend, device, dtype, worker_threads, sink, chunk_of_block, chunk, retries, block_id=None
):
    """Features of one chunk, written and marked done by the task that computed them: (rows,)."""
    y = _features_block(x, config_json, backend, device, dtype, worker_threads)
    i = chunk_of_block[block_id[0]]
    sink.write(i, i * chunk, y, retries)
    return np.array([len(y)], dtype=np.int64)


def _out_dtype(in_dtype, dtype):
    if dtype is not None:
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise TypeError(f"dtype must be float32 or float64, got {dtype}")
        return dtype
    # The library's policy: float32 stays float32, everything else is float64.
    return np.dtype(np.float32) if np.dtype(in_dtype) in (np.float32, np.complex64) else np.dtype(np.float64)


def features(x, net, *, backend="numpy", device="cpu", dtype=None, worker_threads=None):
    """Lazy features of a Dask array: ``x`` (n, *grid) → (n, n_features), chunk by chunk.

    ``dask.array.map_blocks`` over the batch chunks of ``x`` (the grid axes are
    merged into one chunk), with an explicit ``meta``, so Dask never calls
    the function to guess its output.  Only ``net``'s JSON configuration is
    in the graph.
    """
    net = as_network(net)
    if x.ndim != 1 + net.ndim or tuple(x.shape[1:]) != net.shape:
        raise ValueError(
            f"x must have shape (n, {', '.join(map(str, net.shape))}) for this network, got {tuple(x.shape)}"
        )
    if any(len(c) > 1 for c in x.chunks[1:]):
        x = x.rechunk({axis: -1 for axis in range(1, x.ndim)})
    dtype = _out_dtype(x.dtype, dtype)
    return x.map_blocks(
        _features_block,
        _config_json(net),
        backend,
        device,
        dtype.name,
        worker_threads,
        name="scatterx-features",
        dtype=dtype,
        meta=np.empty((0, 0), dtype),
        chunks=(x.chunks[0], (net.n_features,)),
        drop_axis=tuple(range(2, x.ndim)),
    )


class _Chunks:
    """The chunks still to do of a Source, end to end: Dask's blocks are exactly those chunks."""

    def __init__(self, source, starts, sizes):
        self.source, self.starts, self.sizes = source, list(starts), list(sizes)
        self.offsets = np.concatenate([[0], np.cumsum(self.sizes)]).tolist()
        self.shape = (self.offsets[-1],) + tuple(source.shape[1:])
        self.dtype = source.dtype
        self.ndim = len(self.shape)

    def __getitem__(self, index):
        first, rest = index[0], index[1:]
        start, stop, _ = first.indices(self.shape[0])
        parts = []
        while start < stop:
            j = bisect.bisect_right(self.offsets, start) - 1
            end = min(stop, self.offsets[j + 1])
            a = self.starts[j] + start - self.offsets[j]
            parts.append(self.source.read(a, a + end - start))
            start = end
        out = parts[0] if len(parts) == 1 else np.concatenate(parts)
        return out[(slice(None),) + tuple(rest)]


# ============================================================== extract
def _default_chunk(net, n_items, dtype):
    """~DEFAULT_CHUNK_BYTES of features, a multiple of the core's own batch (same bits as net(x))."""
    from ._backend import Backend
    from ._core import chunking

    c = max(1, DEFAULT_CHUNK_BYTES // (net.n_features * np.dtype(dtype).itemsize))
    probe = np.zeros((1,) + net.shape, dtype)
    batch = chunking(probe, net.plans(True), net.ndim, Backend(probe))[0]
    if c >= batch:
        c -= c % batch
    return max(1, min(c, n_items))


def _prepare_output(sink, resume, overwrite, n_chunks, attrs, shape, chunk, dtype, net):
    """Create the output, or check the one to resume; returns the chunks already done."""
    if sink.exists() and not (resume or overwrite):
        raise FileExistsError(
            f"output {sink.path} exists; pass resume=True (--resume) to finish it or "
            "overwrite=True (--overwrite) to replace it"
        )
    if sink.exists() and resume:
        meta = sink.metadata()
        stored = {
            "network": meta.get("network"),
            "shape": meta.get("shape"),
            "chunk": meta.get("chunk"),
            "dtype": meta.get("dtype"),
        }
        wanted = {"network": net.to_dict(), "shape": list(shape), "chunk": chunk, "dtype": dtype.name}
        for what in stored:
            if stored[what] != wanted[what]:
                raise ValueError(
                    f"cannot resume {sink.path}: it was written with another {what} "
                    f"({stored[what]!r:.200} ≠ {wanted[what]!r:.200}); use overwrite or another path"
                )
        return {i for i in sink.done_chunks() if i < n_chunks}
    if sink.exists():
        sink.remove()
    sink.create(shape[0], shape[1], chunk, dtype, attrs)
    return set()


def extract(
    source,
    net,
    out,
    *,
    chunk=None,
    scheduler=None,
    retries=2,
    resume=False,
    overwrite=False,
    progress=True,
    backend="numpy",
    device="cpu",
    dtype=None,
    key=None,
    threads=None,
):
    """Features of every item of ``source`` written to ``out``, chunk by chunk; returns a :class:`Summary`.

    Parameters
    ----------
    source : path, array or scatterx.io.Source
        ``.npy``, ``.npz``, Zarr, HDF5, IDX (``.gz`` or raw), a folder of
        images (see ``scatterx.io``), or an in-memory array (n, *grid).
    net : Network, dict or path
        The network, its ``to_dict()``, or the JSON file of that.
    out : path
        ``*.npy`` → a ``.npy`` (+ ``.json`` metadata); anything else → a Zarr
        v3 array (features chunked along the batch axis; attributes hold
        the configuration, the scatterx version and the feature names).
    chunk : int, optional
        Items per task and per output chunk.  Default: about 32 MiB of
        features, a multiple of the core's batch.
    scheduler : None, "synchronous", "threads[:W]", "local:W", address or Client
        See the module docstring.
    retries : int
        Retries of a failed task (transient I/O errors without a client).
    resume : bool
        Finish an existing output: chunks marked done are skipped.  Refused
        when the output was written with another configuration or chunking.
    overwrite : bool
        Replace an existing output.
    progress : bool
        A progress bar (Dask's under a client, tqdm otherwise); False is quiet.
    backend, device : "numpy" | "torch", "cpu" | "cuda"
    dtype : "float32" | "float64", optional
        Precision of the computation and of the features (default: the
        library's policy, float32 in → float32, anything else → float64).
    key : str, optional
        The array inside an ``.npz``, a Zarr group or an HDF5 file.
    threads : int, optional
        Threads per task (default: cores // concurrent tasks on the host).
    """
    from . import __version__

    dask = require("dask", "scatterx.extract")
    da = require("dask.array", "scatterx.extract")

    if backend not in ("numpy", "torch"):
        raise ValueError(f"backend must be 'numpy' or 'torch', got {backend!r}")
    if str(device) != "cpu" and backend != "torch":
        raise ValueError(f"device {device!r} needs backend='torch'")
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise ValueError(f"retries must be an int >= 0, got {retries!r}")
    kind, arg = parse_scheduler(scheduler)
    net = as_network(net)
    src = open_source(source, key=key, shape=net.shape)
    if tuple(src.shape[1:]) != net.shape:
        raise ValueError(
            f"input items have shape {tuple(src.shape[1:])} ({src.format} {src.path}, "
            f"{src.shape[0]} items) but the network config expects {net.shape}"
        )
    allowed = "biuf" if net.real_input else "biufc"
    if np.dtype(src.dtype).kind not in allowed:
        raise TypeError(
            f"input {src.path} has dtype {src.dtype}; the network takes "
            f"{'real' if net.real_input else 'real or complex'} numbers"
        )
    n_items = src.shape[0]
    sink = sink_for(out)
    if resume and sink.exists():  # unless given, chunking and precision are the output's
        meta = sink.metadata()
        chunk = meta.get("chunk") if chunk is None else chunk
        dtype = meta.get("dtype") if dtype is None else dtype
    out_dtype = _out_dtype(src.dtype, dtype)
    chunk = _default_chunk(net, n_items, out_dtype) if chunk is None else chunk
    if isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1:
        raise ValueError(f"chunk must be a positive int, got {chunk!r}")
    n_chunks = -(-n_items // chunk)
    names = net.get_feature_names()
    attrs = {
        "scatterx_version": __version__,
        "network": net.to_dict(),
        "feature_names": names,
        "chunk": chunk,
        "source": src.describe(),
        "dtype": out_dtype.name,
    }
    done = _prepare_output(sink, resume, overwrite, n_chunks, attrs, (n_items, len(names)), chunk, out_dtype, net)
    pending = [i for i in range(n_chunks) if i not in done]
    label = kind if kind in ("sync", "client") else f"{kind}:{arg}"
    if not pending:
        sink.finish()
        return Summary(str(sink.path), n_items, 0, n_chunks, 0, len(done), 0.0, 0.0, label)

    inline_retries = 0 if kind in ("local", "address", "client") else retries
    src = copy.copy(src)  # a Source given by the caller keeps its own setting
    src.retries = inline_retries
    sizes = [min(chunk, n_items - i * chunk) for i in pending]
    todo = _Chunks(src, [i * chunk for i in pending], sizes)
    token = dask.base.tokenize(str(sink.path), _config_json(net), pending, chunk, time.time())
    x = da.from_array(
        todo,
        chunks=(tuple(sizes),) + tuple((s,) for s in net.shape),
        lock=False,
        asarray=True,
        inline_array=False,
        meta=np.empty((0,) * todo.ndim, todo.dtype),
        name=f"scatterx-read-{token}",
    )

    t0 = time.perf_counter()
    try:
        with running(kind, arg, threads, backend) as (client, worker_threads):
            startup = time.perf_counter() - t0
            # One task per chunk computes and writes it: features never wait in memory for a writer.
            name = f"scatterx-extract-{token}"
            written = x.map_blocks(
                _extract_block,
                _config_json(net),
                backend,
                device,
                out_dtype.name,
                worker_threads,
                sink,
                pending,
                chunk,
                inline_retries,
                name=name,
                dtype=np.int64,
                meta=np.empty((0,), np.int64),
                drop_axis=tuple(range(1, x.ndim)),
                chunks=((1,) * len(pending),),
            )
            t1 = time.perf_counter()
            counts = compute(written, client, kind, arg, retries, progress, sum(sizes))
            seconds = time.perf_counter() - t1
    except BaseException as e:
        e.add_note(
            f"scatterx.extract: {len(sink.done_chunks())} of {n_chunks} chunks of {sink.path} are written "
            "and marked done; rerun with resume=True (--resume) to finish the others"
        )
        raise
    missing = set(range(n_chunks)) - sink.done_chunks()
    if missing:
        raise RuntimeError(
            f"scatterx.extract: chunks {sorted(missing)[:10]} of {sink.path} have no done "
            "marker after the run; rerun with resume=True"
        )
    sink.finish()
    return Summary(
        str(sink.path), n_items, int(np.sum(counts)), n_chunks, len(pending), len(done), seconds, startup, label
    )


# ============================================================== command line
def register_cli(subparsers):
    """Add ``extract`` to the ``scatterx`` command's sub-parsers."""
    p = subparsers.add_parser(
        "extract",
        help="scattering features of a data set, chunked, on one core, all cores or a Dask cluster",
        description="Features of every item of IN (.npy, .npz, Zarr, HDF5, IDX or a folder of images) "
        "written to OUT (a Zarr array, or .npy), chunk by chunk, with a progress bar.",
    )
    p.add_argument("input", metavar="IN", help="input file or folder")
    p.add_argument("output", metavar="OUT", help="output: a Zarr directory, or a file ending in .npy")
    p.add_argument("--config", required=True, help="network configuration JSON (Network.to_dict())")
    p.add_argument("--chunk", type=int, help="items per task and per output chunk (default: ~32 MiB of features)")
    p.add_argument(
        "--cluster",
        metavar="local:W|tcp://HOST:PORT",
        help="a local cluster of W worker processes, or a running Dask scheduler (default: this process)",
    )
    p.add_argument("--backend", choices=["numpy", "torch"], default="numpy")
    p.add_argument("--device", default="cpu", help="cpu or cuda (torch backend)")
    p.add_argument(
        "--dtype",
        choices=["float32", "float64"],
        help="precision (default: float32 for float32 input, float64 otherwise)",
    )
    p.add_argument("--key", help="array or dataset inside an .npz, a Zarr group or an HDF5 file")
    p.add_argument("--retries", type=int, default=2, help="retries of a failed task (default 2)")
    p.add_argument("--threads", type=int, help="threads per task (default: cores // tasks per host)")
    p.add_argument("--resume", action="store_true", help="finish an existing OUT, skipping the chunks done")
    p.add_argument("--overwrite", action="store_true", help="replace an existing OUT")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
    p.set_defaults(run=_extract_command)
    return p


def _extract_command(args):
    summary = extract(
        args.input,
        args.config,
        args.output,
        chunk=args.chunk,
        scheduler=args.cluster,
        retries=args.retries,
        resume=args.resume,
        overwrite=args.overwrite,
        progress=not args.quiet,
        backend=args.backend,
        device=args.device,
        dtype=args.dtype,
        key=args.key,
        threads=args.threads,
    )
    if not args.quiet:
        print(summary)
    return 0


def main(argv=None):
    """``python -m scatterx.extract IN OUT --config net.json …``: the ``scatterx extract`` command."""
    from .cli import main as cli_main

    return cli_main(["extract"] + list(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
