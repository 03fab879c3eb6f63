"""Time 2-layer networks of every frame family with comparable filter counts.

Each network: the family's frame with about 24 filters on a 64×64 grid,
modulus, Subsample(2), depth 2, frequency-decreasing paths off (so the work
depends only on the filter count), batch 64, float32, NumPy and torch.
Reports seconds per batch (median of ``--reps`` rounds; in each round
every family runs twice, interleaved, the first one rotating, so that a
slower spell of a shared machine falls on all of them; the second call is
timed, the first brings the allocator and the caches back to this
network's sizes) and the cost per path relative to Morlet, so that the
engine is seen not to favour one family.

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


def time_networks(nets, x, reps):
    """Median seconds per call of each network on ``x``, the networks interleaved round by round."""
    for net in nets:
        net(x)
    times = [[] for _ in nets]
    for r in range(reps):
        for i in [(r + k) % len(nets) for k in range(len(nets))]:
            nets[i](x)  # after another network: the allocator and the caches back to this one's sizes
            t0 = time.perf_counter()
            nets[i](x)
            times[i].append(time.perf_counter() - t0)
    return [statistics.median(ts) for ts in times]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default="benchmarks/results")
    p.add_argument("--reps", type=_record.at_least_one, default=9)
    args = p.parse_args(argv)
    x = np.random.default_rng(0).standard_normal((BATCH,) + SHAPE).astype(np.float32)
    rows, nets = [], []
    for name, make in configurations().items():
        frame = make()
        net = sx.Network([sx.Module(frame, sx.Modulus(), sx.Subsample(2))] * 2, shape=SHAPE)
        K = len(net.bank(0))
        paths = [len(net.paths(n)) for n in range(3)]
        rows.append({"family": name, "frame": frame.to_dict(), "filters": K, "paths": paths})
        nets.append(net)
    for lib, inp in (("numpy", x), ("torch", torch.from_numpy(x))):
        for row, t in zip(rows, time_networks(nets, inp, args.reps)):
            row[f"{lib}_s"] = t
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
