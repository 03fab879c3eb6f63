"""Where an extraction runs: the scheduler, threads per task, the workers' allocator, and the run itself.

``scatterx.extract`` describes the schedulers (``scheduler=``) and the thread
rule (workers × threads ≤ cores); this module implements them.
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import logging
import os
import sys

import numpy as np

__all__ = ["cores", "parse_scheduler", "running", "compute", "configure_worker"]


def cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _set_threads(n, backend):
    """n threads for the core (its chunks and SciPy's FFTs), the BLAS and torch; returns the old values."""
    from threadpoolctl import threadpool_limits

    from . import _backend

    previous = (_backend.WORKERS, threadpool_limits(n), None)
    _backend.WORKERS = n
    if backend == "torch":
        import torch

        previous = previous[:2] + (torch.get_num_threads(),)
        torch.set_num_threads(n)
    return previous


def _restore_threads(previous):
    from . import _backend

    _backend.WORKERS = previous[0]
    previous[1].restore_original_limits()
    if previous[2] is not None:
        import torch

        torch.set_num_threads(previous[2])


_PROCESS_THREADS = {}
# glibc mallopt parameters, and the values a worker gets: blocks up to 32 MiB (glibc's largest
# mmap threshold) come from the heap, and up to 128 MiB may stay free on top of it.
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
WORKER_MMAP_THRESHOLD, WORKER_TRIM_THRESHOLD = 32 << 20, 128 << 20


def _reuse_freed_memory():
    """Let glibc reuse freed large blocks in a Dask worker instead of mapping fresh pages each time.

    Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536, which also
    freezes glibc's mmap threshold at 128 KiB: every temporary array of the
    core is then a new mapping whose pages the kernel must zero.  Measured
    here: 2.3× the wall time per chunk and 15× the page faults, the zeroing
    shared by all workers of a machine (memory bandwidth), so throughput
    hardly grew with workers.  No-op where glibc is not the C library.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(M_MMAP_THRESHOLD, WORKER_MMAP_THRESHOLD)
        libc.mallopt(M_TRIM_THRESHOLD, WORKER_TRIM_THRESHOLD)
    except (OSError, AttributeError):
        pass


def configure_worker(threads, slots, backend):
    """In a distributed worker: threads = cores // task slots on this host (once per process)."""
    if not _PROCESS_THREADS:
        _reuse_freed_memory()
    if threads is None:
        from distributed import get_worker

        worker = get_worker()
        host = worker.address.rsplit(":", 1)[0]
        threads = max(1, cores() // max(1, slots.get(host, worker.state.nthreads)))
    if _PROCESS_THREADS.get(backend) != threads:
        _set_threads(threads, backend)
        _PROCESS_THREADS[backend] = threads


def parse_scheduler(scheduler):
    """(kind, argument): ('sync', None) | ('threads', W) | ('local', W) | ('address', str) | ('client', Client)."""
    if scheduler is None or scheduler in ("synchronous", "sync", "single-threaded"):
        return "sync", None
    if isinstance(scheduler, str):
        if scheduler == "threads":
            return "threads", cores()
        for kind in ("threads", "local"):
            if scheduler.startswith(kind + ":"):
                w = scheduler.split(":", 1)[1]
                if not w.isdigit() or int(w) < 1:
                    raise ValueError(f"scheduler {scheduler!r}: the worker count must be a positive int ({kind}:W)")
                return kind, int(w)
        if "://" in scheduler or ":" in scheduler:
            return "address", scheduler
        raise ValueError(
            f"scheduler must be 'synchronous', 'threads[:W]', 'local:W', a scheduler address "
            f"(tcp://HOST:PORT) or a distributed.Client, got {scheduler!r}"
        )
    from distributed import Client

    if isinstance(scheduler, Client):
        return "client", scheduler
    raise TypeError(f"scheduler must be a string or a distributed.Client, got {type(scheduler).__name__}")


def _local_progress(bar, name):
    from dask.callbacks import Callback

    class _Bar(Callback):
        def _posttask(self, key, result, dsk, state, worker_id):
            if isinstance(key, tuple) and key[0] == name:
                bar.update(int(result[0]))

    return _Bar()


@contextlib.contextmanager
def running(kind, arg, threads, backend):
    """(client or None, the workers' thread setting); starts and closes what it opened."""
    if kind in ("sync", "threads"):
        previous = _set_threads(threads or max(1, cores() // (arg if kind == "threads" else 1)), backend)
        try:
            yield None, None
        finally:
            _restore_threads(previous)
        return
    from distributed import Client, LocalCluster

    with contextlib.ExitStack() as stack:
        if kind == "local":
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=arg,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",
                    # A failed task is reported once, by extract, not also as a worker's "Compute Failed" dump.
                    silence_logs=logging.CRITICAL,
                )
            )
            client = stack.enter_context(Client(cluster))
        elif kind == "address":
            client = stack.enter_context(Client(arg))
        else:
            client = arg
        slots = collections.Counter()  # concurrent tasks per host
        for w in client.scheduler_info(n_workers=-1)["workers"].values():
            slots[w["host"]] += w["nthreads"]
        yield client, (threads, dict(slots))


def compute(written, client, kind, arg, progress, total):
    """Run the graph with a progress bar; the rows written per chunk.

    Tasks are not retried by Dask: transient I/O errors are retried inside
    the task, and a data error would fail the same way again.  A task whose
    worker dies is rerun elsewhere (``distributed.scheduler.allowed-failures``).
    """
    import dask
    from tqdm.auto import tqdm

    bar = tqdm(total=total, unit="item", desc="scatterx extract", disable=not progress, file=sys.stderr)
    if client is not None:
        # One future per chunk, so that the same bar (stderr) follows a cluster as the local schedulers.
        from distributed import as_completed

        futures = client.compute(list(written.to_delayed().ravel()))
        try:
            with bar:
                for future in as_completed(futures):
                    bar.update(int(future.result()[0]))
            return np.concatenate([future.result() for future in futures])
        except BaseException:
            client.cancel(futures)
            raise
    with bar, _local_progress(bar, written.name):
        (counts,) = dask.compute(
            written, scheduler="sync" if kind == "sync" else "threads", num_workers=arg if kind == "threads" else None
        )
    return counts
