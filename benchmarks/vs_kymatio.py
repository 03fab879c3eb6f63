"""scatterx against Kymatio 0.3.0, in the same process, interleaved.

For each case and backend, in a fresh process (what an earlier case left in
the allocator's heap changes the page faults, and so the times, of a later
one: a case measured alone or in the full run is the same experiment),
after a warm-up, ``--reps`` rounds of (Kymatio, scatterx, FFT-only
replay), each timed back to back (wall clock and process CPU time).
Reported:

* **speed-up**: the median of the pairwise ratios t_Kymatio / t_scatterx of
  the rounds (> 1: scatterx is faster); also the ratio of the median CPU
  times (less sensitive to other jobs on the machine, which slow whichever
  library runs at the time);
* **agreement**: max |scatterx − Kymatio| / max |Kymatio| (a ratio counts only
  when it is ≤ 1e-4 in float32); where Kymatio's output is of another dtype
  than scatterx's (its NumPy 1-D frontend computes a float32 signal in
  float64), the case says so, since its time is then that of float64;
* **FFT-only**: every DFT that scatterx makes during one transform (the
  transform object, its arguments, the calling thread) is recorded and
  replayed alone on fresh C-ordered arrays of the same shapes and dtypes,
  each thread's calls in its own thread as in the transform; ``total /
  FFT-only`` is the median transform over the median replay: the share of
  everything that is not a DFT;
* **ceiling**: the median of the pairwise ratios t_Kymatio / t_FFT-only of
  the rounds: the speed-up scatterx would have if its transform took its
  DFTs alone (where both libraries make the same DFTs, as on the 1-D case,
  no arrangement of the rest can exceed it); a speed-up target of r needs
  total / FFT-only at most ceiling / r;
* **layout tax**: for each distinct recorded call (transform, shape, dtype,
  strides, arguments), the time of the call on the array scatterx passed
  over that on a fresh C-ordered copy (interleaved, which goes first
  alternating, the fastest of 11 rounds of about 4 milliseconds each; a
  call above 1.2 is measured again with 33 rounds, and that figure kept);
  the worst is in the table, flagged when above 1.2, and all are in the
  JSON (a retested call with its first figure), with whether the array was
  already C-ordered and its offset from a 64-byte boundary (a C-ordered
  array's "tax" measures timing noise or alignment, not layout);
* **peak extra memory**: in a fresh process per library (glibc told to
  map every block of 64 KiB or more on its own and return it when freed,
  ``MALLOC_MMAP_THRESHOLD_``), after a warm-up call and ``malloc_trim(0)``
  (the free memory glibc still holds goes back to the system: without it,
  what the warm-up left free but resident is reused without counting),
  the peak resident size during a warm transform minus the size before it
  (``VmHWM`` reset through ``/proc/self/clear_refs``); on CUDA,
  ``torch.cuda.max_memory_allocated`` over the allocation before.  With
  NumPy the peak of the bytes allocated during a second warm transform
  (``tracemalloc``, which NumPy reports to) is recorded beside it;
* **filters**: Kymatio's constructor (plus ``.to(device)``); scatterx's
  constructor plus its first call on one item minus a warm call on one item
  (scatterx renders and caches the responses of each level on first use),
  with the banks rendered anew (frames keeps each rendered bank for the
  frames equal to it, and the case's own network has just made them);
* **page faults per call** and the **system CPU time** of each library's
  timed calls (medians over the rounds; every round's wall, CPU and system
  seconds and faults in the JSON): fresh memory mapped in by the kernel, a
  cost of allocation that varies with the machine and with what the other
  library left in the allocator's heap (glibc hands large freed blocks back
  to the system, and the next call maps them in again).

The header of the table names the machine (CPU model, family/model
numbers, L2 and L3, flags, cores, versions) and the 1-minute load before
and after each case; a case is marked *noisy* when the load exceeded the
cores plus one (other jobs competed for the cores) or scatterx's times
spread by more than 25 % of their median.  Writes JSON and Markdown.

    python benchmarks/vs_kymatio.py --out benchmarks/results [--cases a b] [--device cuda]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import ctypes
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
import tracemalloc
from typing import NamedTuple

import _record
import numpy as np
import torch

import scatterx as sx
from frames._frame import _render_cached
from scatterx import _backend
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
TAX_FLAG = 1.2  # a layout tax above this is flagged
SPREAD_FLAG = 0.25  # (max − min) / median of scatterx's times above this marks a noisy case

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


class Timing(NamedTuple):
    wall: float  # seconds
    cpu: float  # process CPU seconds, user and system
    sys: float  # process CPU seconds in the kernel (page faults among them)
    faults: int  # minor page faults: fresh memory the kernel maps in
    out: object


def timed(fn, x, sync):
    """One call of ``fn``, as a :class:`Timing`; the process's counters, so one library at a time."""
    r0, t0, c0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter(), time.process_time()
    out = fn(x)
    sync()
    wall, cpu, r1 = time.perf_counter() - t0, time.process_time() - c0, resource.getrusage(resource.RUSAGE_SELF)
    return Timing(wall, cpu, r1.ru_stime - r0.ru_stime, r1.ru_minflt - r0.ru_minflt, out)


class _Recorder:
    """Stands in for a Backend's ``fft`` (``_backend.SciPyFFT`` / ``TorchFFT``): logs each call, then makes it."""

    def __init__(self, fft, log):
        self._fft, self._log = fft, log

    def __getattr__(self, name):
        fn = getattr(self._fft, name)

        def call(a, *args):
            self._log.append((threading.get_ident(), self._fft, name, a, args))
            return fn(a, *args)

        return call


def record_ffts(ours, x):
    """The DFT calls of one transform: [(thread, transform object, name, the array passed, args)]."""
    log, init = [], _backend.Backend.__init__

    def recording_init(self, *a, **k):
        init(self, *a, **k)
        self.fft = _Recorder(self.fft, log)

    _backend.Backend.__init__ = recording_init
    try:
        ours(x)
    finally:
        _backend.Backend.__init__ = init
    return log


def _fresh(a):
    """A C-ordered copy of ``a``."""
    return a.clone(memory_format=torch.contiguous_format) if isinstance(a, torch.Tensor) else np.array(a, order="C")


def _address(a):
    return a.data_ptr() if isinstance(a, torch.Tensor) else a.ctypes.data


def _strides(a):
    return tuple(a.stride()) if isinstance(a, torch.Tensor) else tuple(s // a.itemsize for s in a.strides)


def replay(calls, sync):
    """Seconds to make the recorded calls alone, one thread per recorded thread."""

    def run(batch):
        for fft, name, a, args in batch:
            getattr(fft, name)(a, *args)

    t0 = time.perf_counter()
    if len(calls) == 1:
        run(next(iter(calls.values())))
    else:
        with concurrent.futures.ThreadPoolExecutor(len(calls)) as pool:
            list(pool.map(run, calls.values()))
    sync()
    return time.perf_counter() - t0


def _fastest(call, a, fresh, args, repeat, rounds, sync):
    """The fastest of ``rounds`` on ``a`` and on ``fresh``, interleaved, which one goes first alternating."""
    given, contiguous = [], []
    for r in range(rounds):
        pairs = ((a, given), (fresh, contiguous))
        for arr, times in pairs if r % 2 == 0 else pairs[::-1]:
            t0 = time.perf_counter()
            for _ in range(repeat):
                call(arr, *args)
            sync()
            times.append((time.perf_counter() - t0) / repeat)
    return min(given), min(contiguous)


def layout_taxes(log, sync, rounds=11):
    """Per distinct call: the fastest of ``rounds`` on the array scatterx passed, and on a fresh C-ordered copy.

    Interleaved, the order alternating from round to round; each round
    repeats a call until it has run for about 4 milliseconds (a single
    short call is below the timer's noise); the minimum, not the median:
    other jobs only ever add time.  A call whose tax comes out above
    :data:`TAX_FLAG` is measured again with three times the rounds, and
    the second figure is the one kept (the first is recorded beside it): on
    a shared machine a burst of other work can land on one side of every
    round of a call of a few tens of microseconds.
    """
    distinct = {}
    for _, fft, name, a, args in log:
        key = (name, tuple(a.shape), str(a.dtype), _strides(a), repr(args))
        distinct.setdefault(key, (fft, name, a, args))
    rows = []
    for (name, shape, dtype, strides, _), (fft, _, a, args) in distinct.items():
        fresh = _fresh(a)
        call = getattr(fft, name)
        if name == "ifftn":  # out of place here: repeated in place, one array would shrink into subnormals
            args = args[:1]
        t0 = time.perf_counter()
        call(a, *args), call(fresh, *args)
        sync()
        repeat = max(1, int(8e-3 / max(time.perf_counter() - t0, 1e-9)))
        g, c = _fastest(call, a, fresh, args, repeat, rounds, sync)
        retest = {}
        if g / c > TAX_FLAG:
            retest = {"first_tax": g / c}
            g, c = _fastest(call, a, fresh, args, repeat, 3 * rounds, sync)
        rows.append(
            {"call": name, "shape": shape, "dtype": dtype, "strides": strides, "given_s": g, "contiguous_s": c}
            | {"tax": g / c, "c_ordered": strides == _strides(fresh)}
            | retest
            | {"offset_in_64_bytes": _address(a) % 64, "fresh_offset_in_64_bytes": _address(fresh) % 64}
        )
    return rows


def build_times(case, backend, device, sync):
    """Seconds to build the filters: (Kymatio, scatterx); see the module docstring."""
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
    _render_cached.cache_clear()  # the rendered banks are shared by equal frames: the case's own network made them
    t0 = time.perf_counter()
    ours = sx.Scattering2D(J, shape, L=LQ) if kind == "2d" else sx.Scattering1D(J, shape[0], Q=LQ)
    ours(one)
    sync()
    first = time.perf_counter() - t0
    warm = min(timed(ours, one, sync).wall for _ in range(3))
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
    trimmed, traced = None, None
    if device == "cuda":
        torch.cuda.synchronize()
        before = torch.cuda.memory_allocated()
        torch.cuda.reset_peak_memory_stats()
        fn(x)
        torch.cuda.synchronize()
        extra = torch.cuda.max_memory_allocated() - before
    else:
        trimmed = _malloc_trim()
        before = _rss_kib("VmRSS")
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # resets VmHWM to the current RSS
        fn(x)
        extra = (_rss_kib("VmHWM") - before) * 1024
        if backend == "numpy":
            tracemalloc.start()
            fn(x)
            traced = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    print(json.dumps({"extra_bytes": extra, "trimmed": trimmed, "traced_bytes": traced}))


def _malloc_trim():
    """Hand the free memory glibc holds back to the system (``malloc_trim(0)``); False where there is no glibc."""
    try:
        return bool(ctypes.CDLL("libc.so.6").malloc_trim(0) >= 0)
    except (OSError, AttributeError):
        return False


def _child(args, env=None):
    """What a fresh process of this script running ``args`` prints last, as JSON."""
    limit = [] if MAX_MEMORY is None else ["--max-memory", str(MAX_MEMORY)]
    out = subprocess.run(
        [sys.executable, __file__] + args + limit, env=env, stdout=subprocess.PIPE, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def peak_memory(case, backend, device, lib):
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="65536", MALLOC_TRIM_THRESHOLD_="0")
    return _child(["--_memory", case, backend, device, lib], env)


def _summary(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def run_case(case, backend, device, reps):
    load_before = _record.load()
    ky, ours, x = build(case, backend, device)
    sync = (lambda: torch.cuda.synchronize()) if device == "cuda" else (lambda: None)
    ref, mine = timed(ky, x, sync).out, timed(ours, x, sync).out
    to_np = lambda a: a.detach().cpu().numpy() if isinstance(a, torch.Tensor) else np.asarray(a)  # noqa: E731
    ref, mine = to_np(ref), to_np(mine)
    err = float(np.max(np.abs(ref - mine)) / np.max(np.abs(ref)))
    log = record_ffts(ours, x)
    taxes = layout_taxes(log, sync)
    calls = {}
    for thread, fft, name, a, args in log:  # fresh C-ordered inputs of the same shapes and dtypes
        calls.setdefault(thread, []).append((fft, name, _fresh(a), args))
    n_calls, n_threads = len(log), len(calls)
    # The recorded arrays are not held through the rounds: hundreds of MiB of them (c) change how the
    # allocator places, and maps in afresh, the memory both libraries use (docs/performance.md).
    del log
    replay(calls, sync)
    rounds = {"kymatio": [], "scatterx": []}
    tf = []
    for _ in range(reps):
        rounds["kymatio"].append(timed(ky, x, sync)._replace(out=None))
        rounds["scatterx"].append(timed(ours, x, sync)._replace(out=None))
        tf.append(replay(calls, sync))
    tk, ck = [t.wall for t in rounds["kymatio"]], [t.cpu for t in rounds["kymatio"]]
    ts, cs = [t.wall for t in rounds["scatterx"]], [t.cpu for t in rounds["scatterx"]]
    del calls
    build_ky, build_ours = build_times(case, backend, device, sync)
    load_after = _record.load()
    cores = os.cpu_count() or 1
    loads = [v for v in (load_before, load_after) if v is not None]
    spread = (max(ts) - min(ts)) / statistics.median(ts)
    noisy = [f"load {max(loads):.1f} > {cores} cores + 1"] if loads and max(loads) > cores + 1 else []
    noisy += [f"scatterx times spread {spread:.0%}"] if spread > SPREAD_FLAG else []
    worst = max(taxes, key=lambda r: r["tax"])
    memory = {lib: peak_memory(case, backend, device, lib) for lib in ("kymatio", "scatterx")}
    return {
        "case": case,
        "backend": backend,
        "device": device,
        "config": CASES[case],
        "kymatio_s": _summary(tk),
        "scatterx_s": _summary(ts),
        "kymatio_cpu_s": _summary(ck),
        "scatterx_cpu_s": _summary(cs),
        "fft_only_s": _summary(tf) | {"calls": n_calls, "distinct_calls": len(taxes), "threads": n_threads},
        "total_over_fft": statistics.median(ts) / statistics.median(tf),
        "ratio_median": statistics.median(a / b for a, b in zip(tk, ts)),
        "ceiling": statistics.median(a / b for a, b in zip(tk, tf)),
        "ratio_cpu": statistics.median(ck) / statistics.median(cs),
        "max_rel_error": err,
        "output_dtype": {"kymatio": str(ref.dtype), "scatterx": str(mine.dtype)},
        "counts": err <= 1e-4,
        "layout_tax": {
            "worst": worst["tax"],
            "worst_call": worst,
            "flagged": [r for r in taxes if r["tax"] > TAX_FLAG],
        },
        "layout_taxes": taxes,
        "peak_extra_bytes": {lib: m["extra_bytes"] for lib, m in memory.items()},
        "peak_traced_bytes": {lib: m["traced_bytes"] for lib, m in memory.items()},
        "malloc_trimmed": all(m["trimmed"] for m in memory.values()) if device != "cuda" else None,
        "build_s": {"kymatio": build_ky, "scatterx": build_ours},
        "page_faults_per_transform": {lib: statistics.median(t.faults for t in r) for lib, r in rounds.items()},
        "system_cpu_s": {lib: _summary([t.sys for t in r]) for lib, r in rounds.items()},
        "rounds": {lib: [{k: v for k, v in t._asdict().items() if k != "out"} for t in r] for lib, r in rounds.items()},
        "load_1min": {"before": load_before, "after": load_after},
        "noisy": noisy,
    }


def table(rows, meta):
    lines = [
        f"scatterx {sx.__version__} vs Kymatio {kymatio.__version__}, float32, {meta['device']}, "
        f"torch threads {meta.get('torch_threads')}"
        + ("" if MAX_MEMORY is None else f", scatterx max_memory={MAX_MEMORY} bytes"),
        "",
        f"Machine: {_record.header(meta)}",
        "",
        "| case | backend | Kymatio (s) | scatterx (s) | speed-up (pairs) | speed-up (CPU time) | max rel. error "
        "| FFT-only (s) | total / FFT-only | ceiling: Kymatio / FFT-only | worst layout tax "
        "| peak extra MiB Kymatio / scatterx | page faults per call Kymatio / scatterx (system CPU s) "
        "| filters s Kymatio / scatterx | 1-min load before / after |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        mem, tax, load = r["peak_extra_bytes"], r["layout_tax"]["worst"], r["load_1min"]
        faults, sys_s = r["page_faults_per_transform"], r["system_cpu_s"]
        flag = " **(> 1.2)**" if tax > TAX_FLAG else ""
        noisy = f" (noisy: {'; '.join(r['noisy'])})" if r["noisy"] else ""
        fmt = lambda v: "–" if v is None else f"{v:.2f}"  # noqa: E731
        dtypes = r["output_dtype"]
        wider = f" (Kymatio computes in {dtypes['kymatio']})" if dtypes["kymatio"] != dtypes["scatterx"] else ""
        lines.append(
            f"| {r['case']} {r['config'][0]} J={r['config'][1]} {tuple(r['config'][2])} batch {r['config'][4]}{wider} "
            f"| {r['backend']} | {r['kymatio_s']['median']:.4f} | {r['scatterx_s']['median']:.4f} "
            f"| {r['ratio_median']:.2f}× | {r['ratio_cpu']:.2f}× | {r['max_rel_error']:.1e} "
            f"| {r['fft_only_s']['median']:.4f} | {r['total_over_fft']:.2f} | {r['ceiling']:.2f}× | {tax:.2f}{flag} "
            f"| {mem['kymatio'] / 2**20:.1f} / {mem['scatterx'] / 2**20:.1f} "
            f"| {faults['kymatio']:.0f} / {faults['scatterx']:.0f} "
            f"({sys_s['kymatio']['median']:.3f} / {sys_s['scatterx']['median']:.3f}) "
            f"| {r['build_s']['kymatio']:.3f} / {r['build_s']['scatterx']:.3f} "
            f"| {fmt(load['before'])} / {fmt(load['after'])}{noisy} |"
        )
    return lines


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default="benchmarks/results")
    p.add_argument("--cases", nargs="*", default=["a", "b", "c", "d"], choices=sorted(CASES))
    p.add_argument("--backends", nargs="*", default=["numpy", "torch"], choices=["numpy", "torch"])
    p.add_argument("--device", default="cpu", choices=_record.DEVICES)
    p.add_argument("--reps", type=_record.at_least_one, default=7, help="timed rounds per case (at least 1)")
    p.add_argument("--max-memory", type=int, help="scatterx's max_memory in bytes (default: its cache-sized chunks)")
    p.add_argument("--stem", help="output file name (default vs_kymatio_DEVICE)")
    p.add_argument("--_memory", nargs=4, help=argparse.SUPPRESS)  # internal: CASE BACKEND DEVICE LIB
    p.add_argument("--_case", nargs=3, help=argparse.SUPPRESS)  # internal: CASE BACKEND DEVICE, with --reps
    args = p.parse_args(argv)
    global MAX_MEMORY
    MAX_MEMORY = args.max_memory
    if args._memory:
        _memory_child(*args._memory)
        return 0
    if args._case:
        print(json.dumps(run_case(*args._case, args.reps)))
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
        # Each case in a fresh process: what one case leaves in the allocator's heap changes the
        # page faults, and so the times, of the next (docs/performance.md).
        rows.append(_child(["--_case", case, backend, args.device, "--reps", str(args.reps)]))
    meta = _record.machine(
        device=torch.cuda.get_device_name() if args.device == "cuda" else "cpu",
        scatterx_max_memory=MAX_MEMORY,
        reps=args.reps,
        command=" ".join([os.path.basename(sys.executable), "benchmarks/vs_kymatio.py"] + (argv or sys.argv[1:])),
    )
    _record.write(args.out, args.stem or f"vs_kymatio_{args.device}", meta, rows, table(rows, meta))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
