"""scatterx against Kymatio 0.3.0, in the same process, interleaved.

For each case and backend: warm-up, then ``--reps`` rounds of (Kymatio,
scatterx) timed back to back; reports the median of the pairwise ratios
t_kymatio / t_scatterx (> 1: scatterx is faster), the min–max of each, and
the agreement of the outputs (max relative error; a ratio only counts when
it is ≤ 1e-4 in float32).  Also, per case:

* the FFT floor: every FFT call that scatterx makes (library function,
  shape, dtype, arguments, calling thread) is recorded during one transform
  and replayed alone on arrays of the same shapes, each thread's calls in
  its own thread as in the transform; ``total / FFT-only`` compares the
  median transform with the median replay;
* peak extra memory of each library: in a fresh subprocess per library
  (glibc told to return freed blocks at once, ``MALLOC_MMAP_THRESHOLD_``),
  the peak resident size during a warm transform minus the size before it
  (``VmHWM`` reset through ``/proc/self/clear_refs``); on CUDA,
  ``torch.cuda.max_memory_allocated`` over the allocation before;
* filter building: Kymatio's constructor (plus ``.to(device)``); scatterx's
  constructor plus the first call on one item minus a warm call on one item
  (scatterx renders and caches the responses of each level on first use).

Writes JSON (machine, versions, date) and a Markdown table.

    python benchmarks/vs_kymatio.py --out benchmarks/results [--cases a b] [--device cuda]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import gc
import json
import os
import statistics
import subprocess
import sys
import threading
import time

import _record
import numpy as np
import scipy.fft
import torch

import scatterx as sx
from scatterx.kymatio import allow_kymatio_import

allow_kymatio_import()  # Kymatio 0.3.0 on SciPy >= 1.17

import kymatio  # noqa: E402
import kymatio.numpy  # noqa: E402
import kymatio.torch  # noqa: E402

CASES = {  # name: (kind, J, shape, L or Q, batch)
    "a": ("2d", 2, (32, 32), 8, 256),
    "b": ("2d", 3, (28, 28), 8, 256),
    "c": ("2d", 4, (128, 128), 8, 16),
    "d": ("1d", 6, (8192,), 8, 32),
    "e": ("2d", 3, (256, 256), 8, 64),
}


MAX_MEMORY = None  # scatterx's max_memory (bytes) for every case; --max-memory


def build(case, backend, device):
    kind, J, shape, LQ, batch = CASES[case]
    if kind == "2d":
        ky = (kymatio.numpy.Scattering2D if backend == "numpy" else kymatio.torch.Scattering2D)(J, shape, L=LQ)
        ours = sx.Scattering2D(J, shape, L=LQ, max_memory=MAX_MEMORY)
    else:
        ky = (kymatio.numpy.Scattering1D if backend == "numpy" else kymatio.torch.Scattering1D)(J, shape[0], Q=LQ)
        ours = sx.Scattering1D(J, shape[0], Q=LQ, max_memory=MAX_MEMORY)
    if backend == "torch":
        ky = ky.to(device)
    x = np.random.default_rng(0).standard_normal((batch,) + shape).astype(np.float32)
    if backend == "torch":
        x = torch.from_numpy(x).to(device)
    return ky, ours, x


def timed(fn, x, sync):
    t0 = time.perf_counter()
    out = fn(x)
    sync()
    return time.perf_counter() - t0, out


class _Recorder:
    """Stands in for ``scipy.fft`` / ``torch.fft`` in scatterx's Backend: logs each call, then makes it."""

    def __init__(self, module, log):
        self._module, self._log = module, log

    def __getattr__(self, name):
        fn = getattr(self._module, name)

        def call(a, *args, **kwargs):
            self._log.append((threading.get_ident(), name, a, args, kwargs))
            return fn(a, *args, **kwargs)

        return call


def record_ffts(ours, x):
    """The FFT calls of one transform: {thread: [(function, input array, args, kwargs)]}."""
    from scatterx import _backend

    log, init = [], _backend.Backend.__init__

    def recording_init(self, *a, **k):
        init(self, *a, **k)
        self._fft = _Recorder(self._fft, log)

    _backend.Backend.__init__ = recording_init
    try:
        ours(x)
    finally:
        _backend.Backend.__init__ = init
    calls = {}
    for thread, name, a, args, kwargs in log:  # fresh inputs of the same shape, dtype and layout
        a = a.clone() if isinstance(a, torch.Tensor) else np.array(a, copy=True)
        calls.setdefault(thread, []).append((name, a, args, kwargs))
    return calls


def replay(calls, module, sync):
    """Seconds to make the recorded calls alone, one thread per recorded thread."""

    def run(batch):
        for name, a, args, kwargs in batch:
            getattr(module, name)(a, *args, **kwargs)

    t0 = time.perf_counter()
    if len(calls) == 1:
        run(next(iter(calls.values())))
    else:
        with concurrent.futures.ThreadPoolExecutor(len(calls)) as pool:
            list(pool.map(run, calls.values()))
    sync()
    return time.perf_counter() - t0


def build_times(case, backend, device, sync):
    """Seconds to build the filters: (Kymatio, scatterx); see the module docstring."""
    import kymatio.numpy
    import kymatio.torch

    kind, J, shape, LQ, _ = CASES[case]
    lib = kymatio.numpy if backend == "numpy" else kymatio.torch
    t0 = time.perf_counter()
    ky = lib.Scattering2D(J, shape, L=LQ) if kind == "2d" else lib.Scattering1D(J, shape[0], Q=LQ)
    if backend == "torch":
        ky.to(device)
    sync()
    t_ky = time.perf_counter() - t0
    one = np.random.default_rng(1).standard_normal((1,) + shape).astype(np.float32)
    if backend == "torch":
        one = torch.from_numpy(one).to(device)
    t0 = time.perf_counter()
    ours = sx.Scattering2D(J, shape, L=LQ) if kind == "2d" else sx.Scattering1D(J, shape[0], Q=LQ)
    ours(one)
    sync()
    first = time.perf_counter() - t0
    warm = min(timed(ours, one, sync)[0] for _ in range(3))
    return t_ky, first - warm


def _rss_kib(field):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))


def _memory_child(case, backend, device, lib):
    """In a fresh process: peak extra bytes of one warm transform by ``lib`` (printed as JSON)."""
    ky, ours, x = build(case, backend, device)
    fn = ky if lib == "kymatio" else ours
    fn(x)
    gc.collect()
    if device == "cuda":
        torch.cuda.synchronize()
        before = torch.cuda.memory_allocated()
        torch.cuda.reset_peak_memory_stats()
        fn(x)
        torch.cuda.synchronize()
        extra = torch.cuda.max_memory_allocated() - before
    else:
        before = _rss_kib("VmRSS")
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # resets VmHWM to the current RSS
        fn(x)
        extra = (_rss_kib("VmHWM") - before) * 1024
    print(json.dumps({"extra_bytes": extra}))


def peak_memory(case, backend, device, lib):
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="65536", MALLOC_TRIM_THRESHOLD_="0")
    limit = [] if MAX_MEMORY is None else ["--max-memory", str(MAX_MEMORY)]
    out = subprocess.run(
        [sys.executable, __file__, "--_memory", case, backend, device, lib] + limit,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])["extra_bytes"]


def run_case(case, backend, device, reps):
    ky, ours, x = build(case, backend, device)
    sync = (lambda: torch.cuda.synchronize()) if device == "cuda" else (lambda: None)
    _, ref = timed(ky, x, sync)
    _, mine = timed(ours, x, sync)
    to_np = lambda a: a.detach().cpu().numpy() if isinstance(a, torch.Tensor) else np.asarray(a)
    ref, mine = to_np(ref), to_np(mine)
    err = float(np.max(np.abs(ref - mine)) / np.max(np.abs(ref)))
    calls = record_ffts(ours, x)
    module = torch.fft if backend == "torch" else scipy.fft
    replay(calls, module, sync)
    tk, ts, tf = [], [], []
    for _ in range(reps):
        tk.append(timed(ky, x, sync)[0])
        ts.append(timed(ours, x, sync)[0])
        tf.append(replay(calls, module, sync))
    ratios = [a / b for a, b in zip(tk, ts)]
    build_ky, build_ours = build_times(case, backend, device, sync)
    return {
        "case": case,
        "backend": backend,
        "device": device,
        "config": CASES[case],
        "kymatio_s": {"median": statistics.median(tk), "min": min(tk), "max": max(tk)},
        "scatterx_s": {"median": statistics.median(ts), "min": min(ts), "max": max(ts)},
        "fft_only_s": {
            "median": statistics.median(tf),
            "min": min(tf),
            "max": max(tf),
            "calls": sum(map(len, calls.values())),
            "threads": len(calls),
        },
        "total_over_fft": statistics.median(ts) / statistics.median(tf),
        "ratio_median": statistics.median(ratios),
        "max_rel_error": err,
        "counts": err <= 1e-4,
        "peak_extra_bytes": {
            "kymatio": peak_memory(case, backend, device, "kymatio"),
            "scatterx": peak_memory(case, backend, device, "scatterx"),
        },
        "build_s": {"kymatio": build_ky, "scatterx": build_ours},
    }


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default="benchmarks/results")
    p.add_argument("--cases", nargs="*", default=["a", "b", "c", "d"])
    p.add_argument("--backends", nargs="*", default=["numpy", "torch"])
    p.add_argument("--device", default="cpu")
    p.add_argument("--reps", type=int, default=7)
    p.add_argument("--max-memory", type=int, help="scatterx's max_memory in bytes (default: its cache-sized chunks)")
    p.add_argument("--stem", help="output file name (default vs_kymatio_DEVICE)")
    p.add_argument("--_memory", nargs=4, help=argparse.SUPPRESS)  # internal: CASE BACKEND DEVICE LIB
    args = p.parse_args(argv)
    global MAX_MEMORY
    MAX_MEMORY = args.max_memory
    if args._memory:
        _memory_child(*args._memory)
        return 0
    from tqdm.auto import tqdm

    rows = []
    jobs = [
        (c, b)
        for c in args.cases
        for b in args.backends
        if not (c == "e" and args.device != "cuda") and not (args.device == "cuda" and b == "numpy")
    ]
    for case, backend in tqdm(jobs, desc="cases", file=sys.stderr):
        rows.append(run_case(case, backend, args.device, args.reps))
    meta = _record.machine(
        torch_threads=torch.get_num_threads(),
        device=torch.cuda.get_device_name() if args.device == "cuda" else "cpu",
        scipy=scipy.__version__,
        torch=torch.__version__,
        kymatio=kymatio.__version__,
        scatterx=sx.__version__,
        scatterx_max_memory=MAX_MEMORY,
    )
    lines = [
        f"scatterx {sx.__version__} vs Kymatio {kymatio.__version__}, float32, {meta['device']}, "
        f"{meta['cpus']} CPUs, torch {meta['torch']}, {meta['date']}, 1-min load at the end "
        f"{meta['load_average_1min_at_end']:.2f}"
        + ("" if MAX_MEMORY is None else f", scatterx max_memory={MAX_MEMORY} bytes"),
        "",
        "| case | backend | Kymatio median (s) | scatterx median (s) | speed-up (median of pairs) "
        "| max rel. error | FFT-only (s) | total / FFT-only | peak extra MiB Kymatio / scatterx "
        "| filters s Kymatio / scatterx |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        mem = r["peak_extra_bytes"]
        lines.append(
            f"| {r['case']} {r['config'][0]} J={r['config'][1]} {r['config'][2]} batch {r['config'][4]} "
            f"| {r['backend']} | {r['kymatio_s']['median']:.4f} | {r['scatterx_s']['median']:.4f} "
            f"| {r['ratio_median']:.2f}× | {r['max_rel_error']:.1e} | {r['fft_only_s']['median']:.4f} "
            f"| {r['total_over_fft']:.2f} | {mem['kymatio'] / 2**20:.1f} / {mem['scatterx'] / 2**20:.1f} "
            f"| {r['build_s']['kymatio']:.3f} / {r['build_s']['scatterx']:.3f} |"
        )
    _record.write(args.out, args.stem or f"vs_kymatio_{args.device}", meta, rows, lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
