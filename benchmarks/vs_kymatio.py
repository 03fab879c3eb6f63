"""scatterx against Kymatio 0.3.0, in the same process, interleaved.

For each case and backend: warm-up, then ``--reps`` rounds of (Kymatio,
scatterx) timed back to back; reports the median of the pairwise ratios
t_kymatio / t_scatterx (> 1: scatterx is faster), the min–max of each, and
the agreement of the outputs (max relative error; a ratio only counts when
it is ≤ 1e-4 in float32).  Writes JSON (machine, versions, date) and a
Markdown table.

    python benchmarks/vs_kymatio.py --out benchmarks/results [--cases a b] [--device cuda]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np

import _record
import scipy.special

if not hasattr(scipy.special, "sph_harm"):  # kymatio 0.3.0 on SciPy >= 1.17 (kymatio issue 1068)
    scipy.special.sph_harm = lambda m, n, t, p: scipy.special.sph_harm_y(n, m, p, t)

import kymatio
import kymatio.numpy
import kymatio.torch
import torch

import scatterx as sx

CASES = {  # name: (kind, J, shape, L or Q, batch)
    "a": ("2d", 2, (32, 32), 8, 256),
    "b": ("2d", 3, (28, 28), 8, 256),
    "c": ("2d", 4, (128, 128), 8, 16),
    "d": ("1d", 6, (8192,), 8, 32),
    "e": ("2d", 3, (256, 256), 8, 64),
}


def build(case, backend, device):
    kind, J, shape, LQ, batch = CASES[case]
    if kind == "2d":
        ky = (kymatio.numpy.Scattering2D if backend == "numpy" else kymatio.torch.Scattering2D)(J, shape, L=LQ)
        ours = sx.Scattering2D(J, shape, L=LQ)
    else:
        ky = (kymatio.numpy.Scattering1D if backend == "numpy" else kymatio.torch.Scattering1D)(J, shape[0], Q=LQ)
        ours = sx.Scattering1D(J, shape[0], Q=LQ)
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


def run_case(case, backend, device, reps):
    ky, ours, x = build(case, backend, device)
    sync = (lambda: torch.cuda.synchronize()) if device == "cuda" else (lambda: None)
    _, ref = timed(ky, x, sync)
    _, mine = timed(ours, x, sync)
    to_np = lambda a: a.detach().cpu().numpy() if isinstance(a, torch.Tensor) else np.asarray(a)
    ref, mine = to_np(ref), to_np(mine)
    err = float(np.max(np.abs(ref - mine)) / np.max(np.abs(ref)))
    tk, ts = [], []
    for _ in range(reps):
        tk.append(timed(ky, x, sync)[0])
        ts.append(timed(ours, x, sync)[0])
    ratios = [a / b for a, b in zip(tk, ts)]
    return {"case": case, "backend": backend, "device": device, "config": CASES[case],
            "kymatio_s": {"median": statistics.median(tk), "min": min(tk), "max": max(tk)},
            "scatterx_s": {"median": statistics.median(ts), "min": min(ts), "max": max(ts)},
            "ratio_median": statistics.median(ratios), "max_rel_error": err,
            "counts": err <= 1e-4}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default="benchmarks/results")
    p.add_argument("--cases", nargs="*", default=["a", "b", "c", "d"])
    p.add_argument("--backends", nargs="*", default=["numpy", "torch"])
    p.add_argument("--device", default="cpu")
    p.add_argument("--reps", type=int, default=7)
    args = p.parse_args(argv)
    from tqdm.auto import tqdm

    rows = []
    jobs = [(c, b) for c in args.cases for b in args.backends
            if not (c == "e" and args.device != "cuda") and not (args.device == "cuda" and b == "numpy")]
    for case, backend in tqdm(jobs, desc="cases", file=sys.stderr):
        rows.append(run_case(case, backend, args.device, args.reps))
    meta = _record.machine(torch_threads=torch.get_num_threads(),
                           device=torch.cuda.get_device_name() if args.device == "cuda" else "cpu",
                           scipy=scipy.__version__, torch=torch.__version__, kymatio=kymatio.__version__,
                           scatterx=sx.__version__)
    lines = [f"scatterx {sx.__version__} vs Kymatio {kymatio.__version__}, float32, {meta['device']}, "
             f"{meta['cpus']} CPUs, torch {meta['torch']}, {meta['date']}", "",
             "| case | backend | Kymatio median (s) | scatterx median (s) | speed-up (median of pairs) | max rel. error |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['case']} {r['config'][0]} J={r['config'][1]} {r['config'][2]} batch {r['config'][4]} "
                     f"| {r['backend']} | {r['kymatio_s']['median']:.4f} | {r['scatterx_s']['median']:.4f} "
                     f"| {r['ratio_median']:.2f}× | {r['max_rel_error']:.1e} |")
    _record.write(args.out, f"vs_kymatio_{args.device}", meta, rows, lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
