"""Batches cut into chunks, run one per core in worker threads, through the compute core.

How large a chunk is (a model of one item's working set, :func:`item_bytes`,
against :data:`CHUNK_BYTES` or the user's ``max_memory``), how many run at
once, the worker threads that run them (kept from one call to the next),
and the join of their results.  The arithmetic of one chunk is
:func:`scatterx._core.propagate_batch`.
"""

from __future__ import annotations

import concurrent.futures
import math
import os
import threading

from ._backend import Backend
from ._core import layer_columns, propagate_batch, write_columns

__all__ = ["CHUNK_BYTES", "item_bytes", "chunking", "chunk_pool", "propagate"]


# Working set of one batch chunk (see item_bytes), the measurements behind these
# sizes in docs/performance.md.  NumPy ("cpu"): one chunk per core, cache-sized,
# where one huge product is slower than several small ones.  torch: one chunk at
# a time over its intra-op threads (see chunking): on a CPU in 1-D ("cpu-torch")
# what two NumPy chunks hold, the children of 1-D maps being held whole; on a 2-D
# or 3-D grid ("cpu-torch-grid") 256 MiB of model, where the core holds far less
# (22 MiB on cases a and b of the benchmark, 256 items); large on a GPU.
CHUNK_BYTES = {"cpu": 32 << 20, "cpu-torch": 64 << 20, "cpu-torch-grid": 256 << 20, "cuda": 1 << 30}


def item_bytes(plans, grid, ndim, be, itemsize):
    """A bound on the working set of one item: twice its spectra plus its children's maps at the busiest layer.

    Walks the plans' blocks without arrays (same pruning and decimations as
    :func:`~scatterx._core.propagate_batch`); ``itemsize`` is that of the
    complex dtype.  This is what a whole layer at once would hold, with a
    transient copy of each array; the core, depth first and cache-blocked,
    holds less (docs/performance.md gives measured peaks), so chunks sized
    by it stay within ``max_memory``.
    """
    size = lambda level: math.prod(grid) // level**ndim
    groups = {1: [()]}
    peak = 0
    for n, plan in enumerate(plans):
        spectra = sum(len(paths) * size(level) for level, paths in groups.items())
        children = {}
        if n < len(plans) - 1:
            for level, paths in groups.items():
                for dec, _, _, new_paths in plan.blocks_at(level, paths, be):
                    children.setdefault(level * dec * plan.pooling.factor, []).extend(new_paths)
        peak = max(peak, spectra + sum(len(ps) * size(lvl) for lvl, ps in children.items()))
        groups = children
    return 2 * peak * itemsize


def chunking(x, plans, ndim, be, max_memory=None):
    """(items per batch chunk, chunks run at once).

    NumPy on a CPU: one chunk per core runs at once (or per
    ``scatterx._backend.WORKERS``: a Dask worker sets it to its share of the
    cores).  torch: one chunk at a time, in the caller's thread, its kernels
    using torch's intra-op threads (the caller's ``torch.set_num_threads``)
    on a CPU.  Chunk threads with torch made many small kernel calls each,
    and every call handed the interpreter lock over (1 250 voluntary context
    switches per transform of case c); one chunk at a time, as large as the
    two threads' chunks together or larger, measured faster on every case
    (docs/performance.md).
    Default: a working set (:func:`item_bytes`) of about
    :data:`CHUNK_BYTES` per chunk; with ``max_memory`` (bytes), the chunks
    running at once stay within it together.
    """
    cuda = "cuda" in be.device_name
    threads = 1 if be.is_torch else be.workers if be.workers > 0 else os.cpu_count() or 1
    itemsize = 16 if x.dtype in (be.xp.float64, be.xp.complex128) else 8
    per_item = item_bytes(plans, tuple(x.shape[1:]), ndim, be, itemsize)
    if max_memory is None:
        device = "cuda" if cuda else "cpu" if not be.is_torch else "cpu-torch-grid" if ndim >= 2 else "cpu-torch"
        return max(1, CHUNK_BYTES[device] // per_item), threads
    if per_item > max_memory:
        raise ValueError(
            f"max_memory={max_memory} bytes is below the working set of one item of grid "
            f"{tuple(x.shape[1:])} in this network ({per_item} bytes); expected max_memory >= "
            f"{per_item}"
        )
    threads = min(threads, max_memory // per_item)
    return max_memory // (per_item * threads), threads


_POOLS: dict[int, concurrent.futures.ThreadPoolExecutor] = {}
_POOLS_LOCK = threading.Lock()


def chunk_pool(threads):
    """The worker threads that run chunks, ``threads`` of them, kept from one call to the next.

    Threads made afresh for every call cost page faults: the memory a
    thread's allocator arena held is handed back to the system with the
    thread and mapped in again by the next ones (docs/performance.md counts
    them).  Calls from several threads share the workers; a forked child
    makes its own.
    """
    with _POOLS_LOCK:
        pool = _POOLS.get(threads)
        if pool is None:
            pool = _POOLS[threads] = concurrent.futures.ThreadPoolExecutor(threads, thread_name_prefix="scatterx-chunk")
        return pool


def _forget_pools():
    global _POOLS_LOCK
    _POOLS.clear()  # the parent's worker threads do not exist in a forked child
    _POOLS_LOCK = threading.Lock()


os.register_at_fork(after_in_child=_forget_pools)


def propagate(
    x, plans, ndim, *, real_input=True, propagated=None, max_memory=None, crop=None, pad=None, assembled=None
):
    """Run the network described by ``plans`` on ``x``, in batch chunks; see :func:`~scatterx._core.propagate_batch`.

    NumPy on a CPU: chunks run in one thread per core (NumPy's and SciPy's
    kernels release the GIL; each chunk's SciPy FFTs then use one thread):
    the element-wise work, single-threaded in NumPy, is spread over the
    cores too, and the BLAS inside a chunk uses one thread
    (:meth:`Backend.one_thread_per_chunk`).  torch: one chunk at a time in
    the caller's thread, over torch's own threads (:func:`chunking`).
    ``max_memory``
    (bytes) bounds the modelled working set (:func:`item_bytes`) of the
    chunks running at once; chunks change the result only by rounding (a
    batched matrix product of another row count may round differently).

    ``pad(x)``: the padding of the signal (the Kymatio frontends' reflect
    padding), applied to each chunk in its thread: the padded batch is
    never held whole.  ``crop(array, level)``: the part of a group's
    features to keep (a view; the Kymatio frontends drop the padding),
    taken in the chunk's thread.
    Each chunk's features are copied into the joined output as soon as the
    chunk is done, in order, and then let go: what is held at once is the
    output and the chunks in flight (docs/performance.md).

    ``assembled``: None returns per layer the core's groups
    ``[(paths, level, array (paths, B, *grid))]``; ``"layers"`` returns
    per layer ``(paths, array (B, P, *grid))``, paths in lexicographic
    order (:func:`~scatterx._core.assemble`; ``([], None)`` for a layer
    without paths); ``"one"`` returns ``(layers, whole)``, the layers' arrays
    being consecutive columns of one array ``whole`` (B, C, *grid).  Each
    chunk's features are then copied straight into the user's layout: the
    features are held once, not twice.
    """
    be = Backend(x)

    def cropped(layers):
        return layers if crop is None else [[(p, level, crop(a, level)) for p, level, a in layer] for layer in layers]

    padded = (lambda x: x) if pad is None else pad
    chunk, threads = chunking(padded(x[:1]), plans, ndim, be, max_memory)
    if x.shape[0] <= chunk:
        layers = cropped(propagate_batch(padded(x), plans, ndim, real_input=real_input, propagated=propagated))
        if assembled is None:
            return layers
        outputs = _Outputs(layers, x.shape[0], be, assembled)
        outputs.write(layers, slice(None))
        return outputs.result()
    xp = be.xp
    # As many chunks as that size needs, rounded up to a multiple of the threads, of equal sizes:
    # no thread is left with a short last chunk while another works.
    count = -(-x.shape[0] // chunk)
    count = -(-count // threads) * threads if count > threads else count
    chunk = -(-x.shape[0] // count)
    starts = range(0, x.shape[0], chunk)
    energies = [[] if propagated is not None else None for _ in starts]

    def run(i):
        return cropped(
            propagate_batch(
                padded(x[starts[i] : starts[i] + chunk]),
                plans,
                ndim,
                real_input=real_input,
                propagated=energies[i],
                workers=None if be.is_torch else 1,
                batch=chunk,
            )
        )

    outputs = []

    def join(i, part):
        """Chunk ``i``'s features into their rows of the output (made at the first chunk, of its groups)."""
        if not outputs:
            outputs.append(_Outputs(part, x.shape[0], be, assembled))
        outputs[0].write(part, slice(starts[i], starts[i] + chunk))

    threads = min(len(starts), threads)
    if threads > 1:
        with be.one_thread_per_chunk():
            futures = [chunk_pool(threads).submit(run, i) for i in range(len(starts))]
            try:
                for i, f in enumerate(futures):
                    join(i, f.result())
                    futures[i] = None  # its features are in the output now
            except BaseException:  # an error or an interrupt: the chunks not started yet are not run
                for f in futures:
                    if f is not None:
                        f.cancel()
                raise
    else:
        for i in range(len(starts)):
            join(i, run(i))
    if propagated is not None:
        propagated.extend(xp.concat([w[n] for w in energies], axis=0) for n in range(len(energies[0])))
    return outputs[0].result()


class _Outputs:
    """The arrays that chunks are copied into, made from the first chunk's groups.

    ``mode`` (``propagate``'s ``assembled``): None, each group's own array
    (paths, B, *grid), the core's layout; ``"layers"``, per layer the
    user's (B, P, *grid); ``"one"``, one (B, C, *grid) for all layers.
    Every chunk of a batch has the same groups
    (:func:`~scatterx._core.propagate_batch`'s ``batch``); in the user's
    layout each group's columns are its paths' ranks in lexicographic order
    within the layer (:func:`~scatterx._core.layer_columns`), the layers one
    after the other when they share one array.
    """

    def __init__(self, layers, n, be, mode):
        xp = be.xp
        self.be, self.mode = be, mode
        if mode is None:
            self.arrays = [
                [
                    (paths, level, xp.empty((a.shape[0], n) + tuple(a.shape[2:]), dtype=a.dtype, device=be.device))
                    for paths, level, a in groups
                ]
                for groups in layers
            ]
            return
        one = mode == "one"
        layers = [[g for g in groups if g[0]] for groups in layers]  # only the first chunk's: not held
        column, self.paths, self.columns = 0, [], []
        for groups in layers:
            paths, columns = layer_columns(groups, column if one else 0) if groups else ([], [])
            self.paths.append(paths)
            self.columns.append(columns)
            column += len(paths) if one else 0
        arrays = [a for groups in layers for _, _, a in groups]
        if one:
            grids = {tuple(a.shape[2:]) for a in arrays}
            if len(grids) > 1:
                raise ValueError(f"the layers end on different grids {sorted(grids)}: they cannot share one array")
            dtype = xp.result_type(*(a.dtype for a in arrays))
            self.arrays = [xp.empty((n, column) + grids.pop(), dtype=dtype, device=be.device)] * len(layers)
        else:
            self.arrays = [
                xp.empty(
                    (n, len(paths)) + tuple(groups[0][2].shape[2:]),
                    dtype=xp.result_type(*(a.dtype for _, _, a in groups)),
                    device=be.device,
                )
                if groups
                else None
                for paths, groups in zip(self.paths, layers)
            ]

    def write(self, layers, rows):
        """One chunk's groups (the core's layout) into the rows ``rows`` (items) of the arrays."""
        if self.mode is None:
            for groups, dests in zip(layers, self.arrays):
                for (_, _, a), (_, _, dest) in zip(groups, dests):
                    dest[:, rows] = a
            return
        for groups, columns, out in zip(layers, self.columns, self.arrays):
            groups = [g for g in groups if g[0]]
            if groups:
                write_columns(out, groups, columns, self.be, rows)

    def result(self):
        if self.mode is None:
            return self.arrays
        if self.mode == "layers":
            return list(zip(self.paths, self.arrays))
        whole, layers, column = self.arrays[0] if self.arrays else None, [], 0
        for paths in self.paths:
            layers.append((paths, whole[:, column : column + len(paths)]))
            column += len(paths)
        return layers, whole
