"""The kernel choices of the core, measured on this machine: memory layouts, products, modulus, allocation.

Each row times two or more ways of doing one step of the core on the shapes
of the benchmark cases (``vs_kymatio.py``), interleaved, single-threaded
(one torch thread, one BLAS thread, one FFT worker: the kernels, not the
threading), and reports the fastest of ``--rounds`` rounds of each and the
ratio to the first way (the core's choice, or the reference):

* DFT layouts: an inverse DFT on C-ordered maps against the same maps laid
  out with the grid first (batch innermost: what a batched matrix product
  over coarse frequencies returns) and channels-last (paths innermost),
  torch (MKL) and SciPy (pocketfft);
* transposition: the 2-D copy that turns a grid-first array C-ordered,
  against a plain copy of the same bytes;
* periodised products: a sum of alias terms (the core) against one batched
  matrix product over coarse frequencies followed by that transposition;
  and an alias term read from a strided view against one read from a
  contiguous block;
* modulus of complex64: NumPy's absolute value on the tensor's memory (the
  core, torch CPU) against torch's ``abs`` and sqrt(re² + im²);
* matrix products of the separable low-pass: (m × n) @ (n × many) against
  (many × n) @ (n × m);
* allocation: a product into a fresh array against one into a reused array,
  with the minor page faults of each;
* with ``--compile``: ``torch.compile`` of a sum of four alias terms against
  the eager ``addcmul_`` sum (compile time reported; needs a C++ compiler).

Writes JSON and Markdown.

    python benchmarks/layouts.py --out benchmarks/results [--compile] [--stem layouts]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

import _record
import numpy as np
import scipy.fft
import threadpoolctl
import torch


def race(ways, rounds):
    """{name: fastest seconds} of the callables in ``ways``, interleaved."""
    for fn in ways.values():
        fn()
    times = {k: [] for k in ways}
    for _ in range(rounds):
        for k, fn in ways.items():
            t0 = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t0)
    return {k: min(v) for k, v in times.items()}


def faults(fn, calls=5):
    """Minor page faults per call of ``fn``."""
    fn()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(calls):
        fn()
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / calls


def dft_layout(P, B, m, rounds):
    c = torch.randn(P, B, m, m, dtype=torch.complex64)
    grid_first = torch.randn(m, m, P, B, dtype=torch.complex64).permute(2, 3, 0, 1)
    channels_last = c.contiguous(memory_format=torch.channels_last)
    cn, gn = c.numpy(), grid_first.numpy()
    t = race(
        {
            "torch C-ordered": lambda: torch.fft.ifftn(c, dim=(-2, -1)),
            "torch grid first": lambda: torch.fft.ifftn(grid_first, dim=(-2, -1)),
            "torch channels-last": lambda: torch.fft.ifftn(channels_last, dim=(-2, -1)),
            "scipy C-ordered": lambda: scipy.fft.ifftn(cn, axes=(-2, -1), workers=1),
            "scipy grid first": lambda: scipy.fft.ifftn(gn, axes=(-2, -1), workers=1),
        },
        rounds,
    )
    return {
        "step": f"inverse DFT of ({P}, {B}, {m}, {m}) complex64",
        "seconds": t,
        "ratios": {
            "torch grid first / C-ordered": t["torch grid first"] / t["torch C-ordered"],
            "torch channels-last / C-ordered": t["torch channels-last"] / t["torch C-ordered"],
            "scipy grid first / C-ordered": t["scipy grid first"] / t["scipy C-ordered"],
        },
    }


def dft_layouts(rounds):
    # case a, layer 1 and layer 0; case c, layer 1
    return [dft_layout(P, B, m, rounds) for P, B, m in ((64, 25, 20), (8, 25, 40), (64, 4, 80))]


def products(rounds):
    rows = []
    P, B, K, m, dec = 8, 25, 8, 20, 2
    n, a = m * dec, dec * dec
    X = torch.randn(P, B, n, n, dtype=torch.complex64)
    F = torch.randn(K, n, n, dtype=torch.complex64)
    blocks = [(i, j) for i in range(dec) for j in range(dec)]
    G = [F[None, :, None, None, i * m : (i + 1) * m, j * m : (j + 1) * m][0].contiguous() for i, j in blocks]
    Gm = F.reshape(K, dec, m, dec, m).permute(2, 4, 0, 1, 3).reshape(m, m, K, a).contiguous()

    def alias_terms():
        Y = None
        for (i, j), g in zip(blocks, G):
            A = X[None, :, :, i * m : (i + 1) * m, j * m : (j + 1) * m]
            Y = A * g if Y is None else Y.addcmul_(A, g)
        return Y

    def matmul_and_transpose():
        A = X.reshape(P, B, dec, m, dec, m).permute(3, 5, 2, 4, 0, 1).reshape(m, m, a, P * B)
        Y = torch.matmul(Gm, A).reshape(m * m, K * P * B)
        return Y.t().contiguous()

    t = race({"alias terms": alias_terms, "matmul + transposition": matmul_and_transpose}, rounds)
    rows.append(
        {
            "step": f"periodised product, {K} filters × ({P}, {B}) maps, {n}² → {m}² (torch)",
            "seconds": t,
            "ratios": {"matmul + transposition / alias terms": t["matmul + transposition"] / t["alias terms"]},
        }
    )
    split = X.reshape(P, B, n, dec, m).permute(0, 1, 3, 2, 4).contiguous()  # each alias block contiguous
    Y = torch.zeros(K, P, B, m, m, dtype=torch.complex64)
    strided, block = X[None, :, :, m:, m:], split[None, :, :, 1, m:, :]
    t = race(
        {
            "strided view": lambda: Y.addcmul_(strided, G[3]),
            "contiguous block": lambda: Y.addcmul_(block, G[3]),
            "copy making blocks contiguous": lambda: X.reshape(P, B, n, dec, m).permute(0, 1, 3, 2, 4).contiguous(),
        },
        rounds,
    )
    rows.append(
        {
            "step": f"one alias term, {K} filters × ({P}, {B}) maps of {m}² (torch)",
            "seconds": t,
            "ratios": {
                "contiguous block / strided view": t["contiguous block"] / t["strided view"],
                "copy / strided term": t["copy making blocks contiguous"] / t["strided view"],
            },
        }
    )
    grid_first = torch.randn(m * m, K * P * B, dtype=torch.complex64)
    t = race(
        {"plain copy": lambda: grid_first.clone(), "2-D transposition": lambda: grid_first.t().contiguous()}, rounds
    )
    rows.append(
        {
            "step": f"transposition of ({m * m}, {K * P * B}) complex64",
            "seconds": t,
            "ratios": {"transposition / plain copy": t["2-D transposition"] / t["plain copy"]},
        }
    )
    return rows


def modulus(rounds):
    z = torch.randn(6400, 400, dtype=torch.complex64)

    def squares(z):
        parts = torch.view_as_real(z)
        return parts[..., 0].square().add_(parts[..., 1].square()).sqrt_()

    t = race(
        {
            "numpy abs on the tensor's memory": lambda: torch.from_numpy(np.abs(z.numpy())),
            "torch.abs": lambda: z.abs(),
            "sqrt(re² + im²)": lambda: squares(z),
        },
        rounds,
    )
    return [
        {
            "step": "modulus of (6400, 400) complex64",
            "seconds": t,
            "ratios": {k + " / numpy": v / t["numpy abs on the tensor's memory"] for k, v in t.items()},
        }
    ]


def gemm(rounds):
    U = torch.randn(64 * 128 * 20, 20)
    C = torch.randn(10, 20)
    Un, Cn = U.numpy(), C.numpy()
    t = race(
        {
            "torch wide (m×n)@(n×many)": lambda: C @ U.t(),
            "torch tall (many×n)@(n×m)": lambda: U @ C.t(),
            "numpy wide": lambda: Cn @ Un.T,
            "numpy tall": lambda: Un @ Cn.T,
        },
        rounds,
    )
    return [
        {
            "step": "separable low-pass product, 163840 rows of 20 → 10 (float32)",
            "seconds": t,
            "ratios": {
                "torch tall / wide": t["torch tall (many×n)@(n×m)"] / t["torch wide (m×n)@(n×many)"],
                "numpy tall / wide": t["numpy tall"] / t["numpy wide"],
            },
        }
    ]


def allocation(rounds):
    a = torch.randn(320, 16384, dtype=torch.complex64)  # 42 MB: above glibc's largest mmap threshold
    b = torch.randn(320, 16384, dtype=torch.complex64)
    out = torch.empty_like(a)
    t = race({"fresh output": lambda: a * b, "reused output": lambda: torch.mul(a, b, out=out)}, rounds)
    return [
        {
            "step": "complex product of 42 MB arrays (torch)",
            "seconds": t,
            "ratios": {"fresh / reused": t["fresh output"] / t["reused output"]},
            "page_faults_per_call": {
                "fresh output": faults(lambda: a * b),
                "reused output": faults(lambda: torch.mul(a, b, out=out)),
            },
        }
    ]


def compiled(rounds):
    P, B, K, m = 8, 25, 8, 20
    X = torch.view_as_real(torch.randn(P, B, 2 * m, 2 * m, dtype=torch.complex64))
    G = torch.view_as_real(torch.randn(4, K, 1, 1, m, m, dtype=torch.complex64))
    Xc, Gc = torch.view_as_complex(X), torch.view_as_complex(G)
    corners = [
        (slice(0, m), slice(0, m)),
        (slice(0, m), slice(m, None)),
        (slice(m, None), slice(0, m)),
        (slice(m, None),) * 2,
    ]

    def real_sum(X, G):
        def times(a, b):
            re = a[..., 0] * b[..., 0] - a[..., 1] * b[..., 1]
            return torch.stack([re, a[..., 0] * b[..., 1] + a[..., 1] * b[..., 0]], -1)

        return sum(times(X[None, :, :, r, c], G[i]) for i, (r, c) in enumerate(corners))

    def eager():
        Y = None
        for i, (r, c) in enumerate(corners):
            A = Xc[None, :, :, r, c]
            Y = A * Gc[i] if Y is None else Y.addcmul_(A, Gc[i])
        return Y

    t0 = time.perf_counter()
    fused = torch.compile(real_sum)
    fused(X, G)
    compile_s = time.perf_counter() - t0
    t = race({"eager addcmul_": eager, "torch.compile": lambda: fused(X, G)}, rounds)
    return [
        {
            "step": f"sum of four alias terms, {K} filters × ({P}, {B}) maps of {m}²",
            "seconds": t,
            "ratios": {"compiled / eager": t["torch.compile"] / t["eager addcmul_"]},
            "compile_s": compile_s,
        }
    ]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default="benchmarks/results")
    p.add_argument("--rounds", type=_record.at_least_one, default=15)
    p.add_argument("--compile", action="store_true", help="also time torch.compile (tens of seconds to compile)")
    p.add_argument("--stem", default="layouts", help="output file name (default layouts)")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    load_before = _record.load()
    with threadpoolctl.threadpool_limits(1):
        rows = dft_layouts(args.rounds) + products(args.rounds) + modulus(args.rounds) + gemm(args.rounds)
        rows += allocation(args.rounds) + (compiled(args.rounds) if args.compile else [])
    meta = _record.machine(rounds=args.rounds, threads=1, load_before=load_before)
    lines = [
        "Kernel choices of the core, one thread, fastest of "
        f"{args.rounds} interleaved rounds (1-min load before {load_before:.2f})",
        "",
        f"Machine: {_record.header(meta)}",
        "",
        "| step | seconds (fastest) | ratios |",
        "|---|---|---|",
    ]
    for r in rows:
        secs = "; ".join(f"{k} {v * 1e3:.2f} ms" for k, v in r["seconds"].items())
        ratios = "; ".join(f"{k} **{v:.2f}**" for k, v in r["ratios"].items())
        extra = ""
        if "page_faults_per_call" in r:
            extra += "; page faults per call " + ", ".join(f"{k} {v:.0f}" for k, v in r["page_faults_per_call"].items())
        if "compile_s" in r:
            extra += f"; compile {r['compile_s']:.1f} s"
        lines.append(f"| {r['step']} | {secs} | {ratios}{extra} |")
    _record.write(args.out, args.stem, meta, rows, lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
