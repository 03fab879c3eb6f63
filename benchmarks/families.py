"""Time 2-layer networks of every frame family with comparable filter counts.

Each network: the family's frame with about 24 filters on a 64×64 grid,
modulus, Subsample(2), depth 2, frequency-decreasing paths off (so the work
depends only on the filter count), batch 64, float32, NumPy and torch.
Reports seconds per batch and the cost per filter relative to Morlet, so
that the engine is seen not to favour one family.

    python benchmarks/families.py --out benchmarks/results
"""

from __future__ import annotations

import argparse
import statistics
import time

import _record
import numpy as np
import torch

import frames
import scatterx as sx

SHAPE, BATCH = (64, 64), 64


def configurations():
    """Family → frame with a filter count near 24 on 64×64 (stated per row)."""
    candidates = {
        "morlet": lambda: frames.morlet(J=3, L=8),
        "gabor": lambda: frames.from_dict({"family": "gabor"}),
        "pywavelet db4": lambda: frames.pywavelet("db4", J=3),
        "shearlet": lambda: frames.shearlet(J=3),
        "curvelet": lambda: frames.curvelet(J=3, angles=8),
        "ridgelet": lambda: frames.ridgelet(J=3, angles=8),
    }
    return {name: make for name, make in candidates.items() if name.split()[0] in frames.FAMILIES}


def time_network(net, x, reps):
    net(x)
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        net(x)
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default="benchmarks/results")
    p.add_argument("--reps", type=int, default=5)
    args = p.parse_args(argv)
    x = np.random.default_rng(0).standard_normal((BATCH,) + SHAPE).astype(np.float32)
    rows = []
    for name, make in configurations().items():
        frame = make()
        net = sx.Network([sx.Module(frame, sx.Modulus(), sx.Subsample(2))] * 2, shape=SHAPE)
        K = len(net.bank(0))
        row = {"family": name, "frame": frame.to_dict(), "filters": K, "paths": [len(net.paths(n)) for n in range(3)]}
        for lib, inp in (("numpy", x), ("torch", torch.from_numpy(x))):
            row[f"{lib}_s"] = time_network(net, inp, args.reps)
        rows.append(row)
    base = next((r for r in rows if r["family"] == "morlet"), rows[0])
    for r in rows:  # cost per second-layer path, relative to Morlet
        for lib in ("numpy", "torch"):
            r[f"{lib}_per_path_vs_morlet"] = (r[f"{lib}_s"] / r["paths"][2]) / (base[f"{lib}_s"] / base["paths"][2])
    meta = _record.machine(
        torch_threads=torch.get_num_threads(),
        torch=torch.__version__,
        scatterx=sx.__version__,
        shape=SHAPE,
        batch=BATCH,
    )
    lines = [
        f"2-layer networks (modulus, Subsample(2)), {SHAPE} grid, batch {BATCH}, float32; {_record.header(meta)}",
        "",
        "| family | filters | paths (layer 2) | NumPy (s) | torch (s) | cost per path vs Morlet (NumPy / torch) |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['family']} | {r['filters']} | {r['paths'][2]} | {r['numpy_s']:.3f} | {r['torch_s']:.3f} "
            f"| {r['numpy_per_path_vs_morlet']:.2f} / {r['torch_per_path_vs_morlet']:.2f} |"
        )
    _record.write(args.out, "families", meta, rows, lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
