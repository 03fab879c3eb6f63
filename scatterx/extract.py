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

* a read or a write that fails with an OSError (a transient I/O error) is
  retried ``retries`` times in place, on every scheduler; other errors are
  not retried (bad data fails the same way again);
* a worker process that dies is replaced by its nanny and its chunks run
  again elsewhere (Dask's ``distributed.scheduler.allowed-failures`` deaths
  per task, 3 by default);
* a chunk is marked done (``scatterx.io`` markers) only after its features
  are checked finite and all its rows are written, so ``resume=True`` after
  a kill, a crash or an error skips exactly the chunks that are complete
  and recomputes the others;
* an item that does not decode, holds NaN/Inf, or whose features overflow
  (float32 beyond ~1e36): ``scatterx.io.InputError`` naming the item's index
  and the cause; the output stays incomplete, and resuming is not advised
  (it would fail the same way);
* a corrupted or truncated input, an input whose items do not match the
  network's grid, a network configuration from a newer scatterx, a resume
  onto an output written with another configuration: a ValueError before
  any work, or (a chunk that fails to decode) when the chunk is read;
* a write error (full disk, read-only folder): an OSError naming the chunk;
  chunks written before stay marked done, the output stays ``complete:
  false`` until a resumed run finishes it.  Every error raised during the run
  carries a note saying how many chunks are done.

Outputs are sacred (``scatterx.io.guard``, ``scatterx.io.lock``): an output
that is, contains or lies inside the input is refused; ``overwrite`` deletes
only an output scatterx wrote (its metadata) and only the entries it wrote;
one run at a time holds an output's lock; ``resume`` checks the input's
fingerprint (resolved path, size, content hash) against the one stored.
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

from frames._checks import check_bytes, positive_int

from ._batches import apply
from ._cluster import compute, configure_worker, parse_scheduler, running
from ._optional import require
from .io import InputError, OutputLock, open_source, sink_for
from .io.guard import check_apart, check_space, prepare
from .network import NonFiniteFeaturesError, as_network

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
        rate = f"{self.items_per_s:.0f} items/s" if self.items else "nothing left to compute"
        return (
            f"{self.items} items ({self.written} chunks{skipped}) in {self.seconds:.1f} s, "
            f"{rate}, {self.scheduler} → {self.path}"
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
def _first_bad(finite):
    """Index of the first item (row of ``finite``, any shape after the first axis) with a False."""
    return int(np.argmin(finite.reshape(len(finite), -1).all(axis=1)))


def _features_block(x, config_json, backend, device, dtype, worker_threads=None, first=None, block_info=None):
    """Features (n, n_features) of one chunk (n, *grid), on this process's cached network.

    Items are checked finite before and features after: a bad one is an
    InputError naming its index in the input (``first`` + its row).
    """
    if worker_threads is not None:
        configure_worker(*worker_threads, backend)
    if first is None:
        first = block_info[0]["array-location"][0][0] if block_info else 0
    x = np.asarray(x)
    if x.dtype.kind in "fc" and not np.isfinite(x).all():
        i = _first_bad(np.isfinite(x))
        raise InputError(
            f"item {first + i} of the input holds NaN or Inf ({int(np.sum(~np.isfinite(x[i])))} values); "
            "the features of a non-finite signal are undefined: fix or drop that item"
        )
    net = _network(config_json)
    try:
        y = apply(net, x.astype(dtype, copy=False), backend=backend, device=device).astype(dtype, copy=False)
    except NonFiniteFeaturesError as e:
        raise InputError(f"the features of item {first + e.item} are not finite: {e.cause}") from None
    if not np.isfinite(y).all():  # e.g. a Kymatio frontend's output, or a cast
        raise InputError(f"the features of item {first + _first_bad(np.isfinite(y))} are not finite (overflow)")
    return y


def _extract_block(
    x, config_json, backend, device, dtype, worker_threads, sink, chunk_of_block, chunk, retries, block_id=None
):
    """Features of one chunk, checked finite, written and marked done by the task that computed them: (rows,)."""
    i = chunk_of_block[block_id[0]]
    y = _features_block(x, config_json, backend, device, dtype, worker_threads, first=i * chunk)
    sink.write(i, i * chunk, y, retries)
    return np.array([len(y)], dtype=np.int64)


def _out_dtype(in_dtype, dtype):
    if dtype is not None:
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise TypeError(f"dtype must be float32 or float64, got {dtype}")
        return dtype
    # The library's policy: float32 stays float32 (in either byte order), everything else is float64.
    native = np.dtype(in_dtype).newbyteorder("=")
    return np.dtype(np.float32) if native in (np.float32, np.complex64) else np.dtype(np.float64)


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
    from ._chunks import chunking

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
    allow_missing=False,
    allow_external=False,
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
        Retries, in place, of a read or write that fails with an OSError (a
        transient I/O error); other errors are not retried.
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
    allow_missing, allow_external : bool
        Read a Zarr input's missing chunks as its fill value, an HDF5 input's
        virtual or external storage (both refused by default: see ``scatterx.io``).

    Raises
    ------
    ValueError, TypeError
        Before any work: a bad argument or configuration, an input that does
        not match the network, an output that is, contains or lies inside
        the input, a resume onto another network, chunking, precision or
        input, a chunk too large for memory.  During the run:
        ``scatterx.io.InputError`` (a ValueError) naming the item that does
        not decode, holds NaN/Inf, or whose features overflow.
    FileExistsError
        An existing output without ``resume``/``overwrite``, or ``overwrite``
        of something scatterx did not write (nothing is deleted).
    scatterx.io.OutputInUseError
        Another run holds the output's lock (its holder is named).
    OSError
        A write error (full disk, quota, permissions), naming the chunk; the
        output's disk too small for the features, before any work.
    """
    from . import __version__

    _check_backend(backend, device, scheduler)
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise ValueError(f"retries must be an int >= 0, got {retries!r}")
    threads = None if threads is None else positive_int(threads, "threads", what="threads per task")
    kind, arg = parse_scheduler(scheduler)
    net = as_network(net)
    src = open_source(source, key=key, shape=net.shape, allow_missing=allow_missing, allow_external=allow_external)
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
    check_apart(src, sink)
    with OutputLock(sink.lock_path(), sink.path):
        if resume and sink.exists() and not sink.not_ours():  # unless given, chunking and precision are the output's
            meta = sink.metadata()
            chunk = meta.get("chunk") if chunk is None else chunk
            dtype = meta.get("dtype") if dtype is None else dtype
        out_dtype = _out_dtype(src.dtype, dtype)
        chunk = _default_chunk(net, n_items, out_dtype) if chunk is None else chunk
        if isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1:
            raise ValueError(f"chunk must be a positive int, got {chunk!r}")
        n_features = net.n_features
        _check_memory(net, src, chunk, n_features, out_dtype, kind, arg)
        n_chunks = -(-n_items // chunk)
        attrs = {
            "scatterx_version": __version__,
            "network": net.to_dict(),
            "feature_names": net.get_feature_names(),
            "chunk": chunk,
            "source": {**src.describe(), "fingerprint": src.fingerprint()},
            "dtype": out_dtype.name,
        }
        if not (resume and sink.exists()):
            check_space(sink, n_items * n_features * out_dtype.itemsize)
        shape = (n_items, n_features)
        done = prepare(
            sink, resume=resume, overwrite=overwrite, n_chunks=n_chunks, attrs=attrs, shape=shape, chunk=chunk,
            dtype=out_dtype,
        )  # fmt: skip
        return _run(
            src, net, sink, done, n_chunks, chunk, kind, arg, threads, retries, progress, backend, device, out_dtype
        )


def _check_backend(backend, device, scheduler):
    """The backend and device, checked before any work; CUDA only where this process will compute."""
    if backend not in ("numpy", "torch"):
        raise ValueError(f"backend must be 'numpy' or 'torch', got {backend!r}")
    if str(device) != "cpu" and backend != "torch":
        raise ValueError(f"device {device!r} needs backend='torch'")
    if backend != "torch":
        return
    torch = require("torch", "scatterx.extract with backend='torch'")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as e:
        raise ValueError(f"device {device!r} is not a torch device (cpu, cuda, cuda:N): {e}") from None
    remote = isinstance(scheduler, str) and "://" in scheduler or not (scheduler is None or isinstance(scheduler, str))
    if dev.type == "cuda" and not remote and not torch.cuda.is_available():
        raise ValueError(
            f"device {device!r}: torch sees no CUDA device here (torch.cuda.is_available() is False); use cpu"
        )


def _check_memory(net, src, chunk, n_features, dtype, kind, arg):
    """Refuse a chunk whose task (input, features twice, the core's working set) cannot fit in memory."""
    item_in = int(np.prod(src.shape[1:])) * max(np.dtype(src.dtype).itemsize, dtype.itemsize)
    task = min(chunk, src.shape[0]) * (item_in + 2 * n_features * dtype.itemsize) + net.item_bytes(dtype)
    tasks = arg if kind in ("threads", "local") else 1
    check_bytes(
        tasks * task,
        f"{tasks} task(s) of {chunk} items ({n_features} features each)",
        "use a smaller chunk (--chunk), fewer workers, or float32 (--dtype float32)",
    )


def _run(src, net, sink, done, n_chunks, chunk, kind, arg, threads, retries, progress, backend, device, out_dtype):
    """Compute and write the chunks not done, under the scheduler; a Summary."""
    dask = require("dask", "scatterx.extract")
    da = require("dask.array", "scatterx.extract")
    n_items = src.shape[0]
    pending = [i for i in range(n_chunks) if i not in done]
    label = kind if kind in ("sync", "client") else f"{kind}:{arg}"
    if not pending:
        sink.finish()
        return Summary(str(sink.path), n_items, 0, n_chunks, 0, len(done), 0.0, 0.0, label)

    src = copy.copy(src)  # a Source given by the caller keeps its own setting
    src.retries = retries  # transient I/O errors are retried in place, on every scheduler
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
                retries,
                name=name,
                dtype=np.int64,
                meta=np.empty((0,), np.int64),
                drop_axis=tuple(range(1, x.ndim)),
                chunks=((1,) * len(pending),),
            )
            t1 = time.perf_counter()
            counts = compute(written, client, kind, arg, progress, sum(sizes))
            seconds = time.perf_counter() - t1
    except BaseException as e:
        written_note = f"scatterx.extract: {len(sink.done_chunks())} of {n_chunks} chunks of {sink.path} are written"
        if isinstance(e, InputError):  # bad data: resuming would fail the same way
            e.add_note(f"{written_note}; the output stays incomplete: fix the input, then rerun with overwrite")
        else:
            e.add_note(f"{written_note} and marked done; rerun with resume=True (--resume) to finish the others")
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
    p.add_argument(
        "--retries", type=int, default=2, help="retries of a read or write failing with an I/O error (default 2)"
    )
    p.add_argument("--threads", type=int, help="threads per task (default: cores // tasks per host)")
    p.add_argument("--allow-missing-chunks", action="store_true", help="Zarr IN: read missing chunks as fill values")
    p.add_argument("--allow-external", action="store_true", help="HDF5 IN: read virtual and external datasets")
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
        allow_missing=args.allow_missing_chunks,
        allow_external=args.allow_external,
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
