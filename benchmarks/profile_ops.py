"""Where scatterx's time goes on the torch backend: operator time by kind, per benchmark case.

Runs each case of ``vs_kymatio.py`` (torch, float32) ``--reps`` times under
``torch.profiler`` after a warm-up and sums the self CPU (or CUDA) time of
the ATen operators into kinds: FFTs, batched matrix products (periodised
filter products), element-wise products (undecimated filters), modulus,
Hermitian completion of real transforms (flip, index_select, conj; its
final join is a ``cat``, counted with the copies), copies and
concatenation (layout changes around the batched products, the children of
a layer joined, that join), other.  Writes JSON
and a Markdown table.

    python benchmarks/profile_ops.py --out benchmarks/results [--cases a b c d] [--device cuda]
"""

from __future__ import annotations

import argparse
import sys

import _record
import torch
import vs_kymatio
from torch.profiler import ProfilerActivity, profile

KINDS = {  # ATen operator → kind
    "aten::_fft_c2c": "FFT",
    "aten::_fft_r2c": "FFT",
    "aten::_fft_c2r": "FFT",
    "aten::bmm": "batched products",
    "aten::mul": "element-wise products",
    "aten::sum": "element-wise products",
    "aten::pow": "modulus",
    "aten::sqrt_": "modulus",
    "aten::add_": "modulus",
    "aten::aminmax": "modulus",
    "aten::abs": "modulus",
    "aten::flip": "Hermitian completion",
    "aten::index_select": "Hermitian completion",
    "aten::conj_physical": "Hermitian completion",
    "aten::copy_": "copies and concatenation",
    "aten::cat": "copies and concatenation",
    "aten::clone": "copies and concatenation",
}
ORDER = [
    "FFT",
    "batched products",
    "element-wise products",
    "modulus",
    "Hermitian completion",
    "copies and concatenation",
    "other",
]


def profile_case(case, device, reps):
    _, ours, x = vs_kymatio.build(case, "torch", device)
    ours(x)
    cuda = device == "cuda"
    acts = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if cuda else [])
    with profile(activities=acts) as prof:
        for _ in range(reps):
            ours(x)
        if cuda:
            torch.cuda.synchronize()
    by_kind = dict.fromkeys(ORDER, 0.0)
    for e in prof.key_averages():
        t = (e.self_device_time_total if cuda else e.self_cpu_time_total) / 1e6 / reps
        by_kind[KINDS.get(e.key, "other")] += t
    total = sum(by_kind.values())
    return {
        "case": case,
        "device": device,
        "seconds_per_transform": total,
        "share": {k: v / total for k, v in by_kind.items()},
    }


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default="benchmarks/results")
    p.add_argument("--cases", nargs="*", default=["a", "b", "c", "d"])
    p.add_argument("--device", default="cpu")
    p.add_argument("--reps", type=int, default=5)
    args = p.parse_args(argv)
    rows = [profile_case(c, args.device, args.reps) for c in args.cases]
    meta = _record.machine(torch=torch.__version__, torch_threads=torch.get_num_threads(), device=args.device)
    lines = [
        f"scatterx on torch ({args.device}), share of operator time by kind; "
        f"{meta['cpus']} CPUs, torch {meta['torch']}, {meta['date']}",
        "",
        "| case | profiled s / transform | " + " | ".join(ORDER) + " |",
        "|---|---|" + "---|" * len(ORDER),
    ]
    for r in rows:
        lines.append(
            f"| {r['case']} | {r['seconds_per_transform']:.4f} | "
            + " | ".join(f"{100 * r['share'][k]:.0f} %" for k in ORDER)
            + " |"
        )
    _record.write(args.out, f"profile_ops_{args.device}", meta, rows, lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
