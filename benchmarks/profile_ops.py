"""Where scatterx's time goes: the share of each stage of the core, per benchmark case and backend.

Runs each case of ``vs_kymatio.py`` (float32) ``--reps`` times after a
warm-up, single-threaded (one torch thread, one NumPy chunk at a time, one
FFT worker, one BLAS thread) so that the stages add up, and times the stages of the core
(``scatterx._core``) with wrappers (synchronising the device on CUDA):

* forward DFT: the DFTs of each level's maps (``Backend.fft``: fftn,
  rfftn, fftn_of_real);
* inverse DFT: ifftn, irfftn;
* filter products: the periodised products of the spectra with the
  filters and the low-pass (the alias terms), less the stages below that
  run inside, block by block (each stage's time excludes the wrapped
  stages it calls);
* separable low-pass: the two matrix products that replace the last
  layer's DFTs where χ factors over the axes;
* non-linearity (the modulus) and pooling;
* joins and the rest: everything else (writing each block's children into
  its output, the final layout of the features, chunking, Python);
* products formed: the entries of the periodised products that the alias
  terms form (the support of the responses, see
  ``LayerPlan.responses``) over all entries of the dense products, on one
  item;
* ns per entry: the filter products' time over the entries they formed in
  the transform, beside a plain complex multiply-add of the same dtype on
  contiguous arrays (8 filters on a 1 MiB block, broadcast like the core's
  terms: ``out += a * b`` in NumPy, ``addcmul_`` in torch), fastest of 15;
* DFTs + products / DFTs: what total / FFT-only would be if everything but
  the DFTs and the filter products took no time.

Writes JSON and a Markdown table.

    python benchmarks/profile_ops.py --out benchmarks/results [--cases a b c d] [--device cuda] [--stem NAME]
"""

from __future__ import annotations

import argparse
import collections
import functools
import math
import sys
import threading
import time

import _record
import numpy as np
import threadpoolctl
import torch
import vs_kymatio

from scatterx import _backend, _core, operators

STAGES = [
    "forward DFT",
    "inverse DFT",
    "filter products",
    "separable low-pass",
    "non-linearity",
    "pooling",
    "joins and the rest",
]


def _instrument(sync):
    """Wrap the core's stages; returns the accumulator {stage: seconds} and a function that undoes the wrapping.

    A stage's time excludes that of the wrapped stages it calls (the
    products' function runs the inverse DFTs, M, P and, for the last
    layer's children, the separable low-pass of its blocks).
    """
    spent = collections.defaultdict(float)
    undo = []
    nested = threading.local()

    def wrap(owner, name, stage):
        original = owner.__dict__[name]

        @functools.wraps(original)
        def timed(*args, **kwargs):
            stack = nested.__dict__.setdefault("stack", [])
            sync()
            t0 = time.perf_counter()
            stack.append(0.0)
            out = original(*args, **kwargs)
            sync()
            dt = time.perf_counter() - t0
            spent[stage] += dt - stack.pop()
            if stack:
                stack[-1] += dt
            return out

        setattr(owner, name, timed)
        undo.append(lambda: setattr(owner, name, original))

    for fft in (_backend.SciPyFFT, _backend.TorchFFT):
        for name in ("fftn", "rfftn", "fftn_of_real"):
            wrap(fft, name, "forward DFT")
        for name in ("ifftn", "irfftn"):
            wrap(fft, name, "inverse DFT")
    wrap(_core, "_filter_inverse", "filter products")
    wrap(_core, "_separable_filter", "separable low-pass")
    for cls in (operators.Modulus, operators.ReLU, operators.Nonlinearity):
        if "__call__" in cls.__dict__:
            wrap(cls, "__call__", "non-linearity")
    for cls in (operators.Subsample, operators.Average, operators.MaxPool):
        wrap(cls, "__call__", "pooling")
    return spent, lambda: [u() for u in reversed(undo)]


def plain_product_ns(backend, device, sync, rounds=15):
    """ns per entry of a contiguous complex64 multiply-add, 8 filters × a 1 MiB block (the core's broadcast)."""
    n, K = (1 << 20) // 8, 8
    rng = np.random.default_rng(0)
    a = (rng.standard_normal((1, n)) + 1j * rng.standard_normal((1, n))).astype(np.complex64)
    b = (rng.standard_normal((K, n)) + 1j * rng.standard_normal((K, n))).astype(np.complex64)
    out = np.zeros((K, n), np.complex64)
    if backend == "torch":
        a, b, out = (torch.from_numpy(v).to(device) for v in (a, b, out))
        step = lambda: out.addcmul_(a, b)  # noqa: E731
    else:
        step = lambda: out.__iadd__(a * b)  # noqa: E731
    best = float("inf")
    for _ in range(rounds):
        sync()
        t0 = time.perf_counter()
        step()
        sync()
        best = min(best, time.perf_counter() - t0)
    return best / (K * n) * 1e9


def product_share(ours, x):
    """(entries formed, dense entries) of the periodised products on ``x[:1]`` (terms on the responses' support)."""
    formed, dense, original = [0], [0], _core._filter_inverse

    def counting(be, spectra, responses, dec, parents, ndim, real, finish=None):
        P, B = spectra.spectrum.shape[:2]
        maps = B * (len(range(P)[parents]) if isinstance(parents, slice) else len(parents))
        # each step adds filters target[0] on the box target[3:] of the output cell
        size = lambda target: len(range(responses.K)[target[0]]) * math.prod(b.stop - b.start for b in target[3:])  # noqa: E731
        formed[0] += maps * sum(size(target) for _, target, _, _ in responses.steps)
        dense[0] += maps * responses.K * dec**ndim * math.prod(responses.cell)
        return original(be, spectra, responses, dec, parents, ndim, real, finish)

    _core._filter_inverse = counting
    try:
        ours(x[:1])
    finally:
        _core._filter_inverse = original
    return formed[0], dense[0]


def profile_case(case, backend, device, reps):
    _, ours, x = vs_kymatio.build(case, backend, device)
    sync = (lambda: torch.cuda.synchronize()) if device == "cuda" else (lambda: None)
    ours(x)
    spent, undo = _instrument(sync)
    try:
        sync()
        t0 = time.perf_counter()
        for _ in range(reps):
            ours(x)
        sync()
        total = (time.perf_counter() - t0) / reps
    finally:
        undo()
    seconds = {k: v / reps for k, v in spent.items()}
    seconds["joins and the rest"] = total - sum(seconds.get(k, 0.0) for k in STAGES[:-1])
    formed, dense = product_share(ours, x)
    dfts = seconds.get("forward DFT", 0.0) + seconds.get("inverse DFT", 0.0)
    return {
        "case": case,
        "backend": backend,
        "device": device,
        "seconds_per_transform": total,
        "seconds": {k: seconds.get(k, 0.0) for k in STAGES},
        "share": {k: seconds.get(k, 0.0) / total for k in STAGES},
        "products_formed": formed / dense,
        "product_ns_per_entry": seconds.get("filter products", 0.0) / (formed * x.shape[0]) * 1e9,
        "plain_product_ns_per_entry": plain_product_ns(backend, device, sync),
        "dfts_and_products_over_dfts": (dfts + seconds.get("filter products", 0.0)) / dfts,
    }


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default="benchmarks/results")
    p.add_argument("--cases", nargs="*", default=["a", "b", "c", "d"], choices=sorted(vs_kymatio.CASES))
    p.add_argument("--backends", nargs="*", default=["numpy", "torch"], choices=["numpy", "torch"])
    p.add_argument("--device", default="cpu", choices=_record.DEVICES)
    p.add_argument("--reps", type=_record.at_least_one, default=5)
    p.add_argument("--stem", help="output file name (default profile_ops_DEVICE)")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    _backend.WORKERS = 1  # one NumPy chunk at a time, one FFT thread
    backends = ["torch"] if args.device == "cuda" else args.backends
    with threadpoolctl.threadpool_limits(1):  # one BLAS thread too
        rows = [
            profile_case(c, b, args.device, args.reps)
            for c in args.cases
            for b in backends
            if c != "e" or args.device == "cuda"
        ]
    meta = _record.machine(device=args.device, reps=args.reps, threads=1)
    lines = [
        f"scatterx ({args.device}, float32, one thread), share of the time of a transform by stage",
        "",
        f"Machine: {_record.header(meta)}",
        "",
        "| case | backend | s / transform | " + " | ".join(STAGES) + " | products formed "
        "| products ns / entry (plain multiply-add) | DFTs + products / DFTs |",
        "|---|---|---|" + "---|" * (len(STAGES) + 3),
    ]
    for r in rows:
        lines.append(
            f"| {r['case']} | {r['backend']} | {r['seconds_per_transform']:.4f} | "
            + " | ".join(f"{100 * r['share'][k]:.0f} %" for k in STAGES)
            + f" | {100 * r['products_formed']:.0f} % | {r['product_ns_per_entry']:.2f} "
            f"({r['plain_product_ns_per_entry']:.2f}) | {r['dfts_and_products_over_dfts']:.2f} |"
        )
    _record.write(args.out, args.stem or f"profile_ops_{args.device}", meta, rows, lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
