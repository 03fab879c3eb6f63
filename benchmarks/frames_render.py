"""Every family's default frame: filters per scale, frame bounds on 128×128,
and the time to render a 256×256 bank (cache cleared before each render).

    python benchmarks/frames_render.py --out benchmarks/results
"""

from __future__ import annotations

import argparse
import collections
import statistics
import time
from pathlib import Path

import _record
import numpy as np

import frames
from frames._frame import _render_cached

EXAMPLES = {  # name → frame; every registered family at its defaults, plus notable variants
    "morlet": frames.morlet(J=3, L=8),
    "gabor": frames.gabor(),
    "gabor (gaussian window)": frames.gabor(window="gaussian"),
    "pywavelet haar": frames.pywavelet("haar", J=3),
    "pywavelet db4": frames.pywavelet("db4", J=3),
    "pywavelet bior2.2": frames.pywavelet("bior2.2", J=3),
    "shearlet": frames.shearlet(),
    "curvelet": frames.curvelet(),
    "ridgelet": frames.ridgelet(),
}


USER_FILTERS = Path(__file__).resolve().parents[1] / "docs" / "figures" / "frames" / "user_filters.npz"


def user_filters():
    """Hand-designed 3×3 kernels (box low-pass; Sobel x, y; Laplacian), as in docs/frames.md."""
    with np.load(USER_FILTERS, allow_pickle=False) as data:
        return frames.from_filters(data["lowpass"], data["filters"], domain="space")


def render_seconds(frame, shape, reps=3):
    ts = []
    for _ in range(reps):
        _render_cached.cache_clear()
        t0 = time.perf_counter()
        frame.render(shape)
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default="benchmarks/results")
    args = p.parse_args(argv)
    rows = []
    for name, frame in {**EXAMPLES, "from_filters (3×3 box, Sobel, Laplacian)": user_filters()}.items():
        bank = frame.render((128, 128))
        per_scale = collections.Counter(m["scale"] for m in bank.meta)
        A, B = bank.bounds()
        As, Bs = bank.bounds(symmetric=True)
        rows.append(
            {
                "frame": name,
                "filters": len(bank),
                "per_scale": [per_scale[s] for s in sorted(per_scale)],
                "A": A,
                "B": B,
                "A_real": As,
                "B_real": Bs,
                "render_256_s": render_seconds(frame, (256, 256)),
            }
        )
    meta = _record.machine()
    lines = [
        f"Default frames on 128×128 (bounds) and 256×256 (render time); {_record.header(meta)}",
        "",
        "| frame | filters | filters per scale (fine → coarse) | A | B | A (real input) | B (real input) "
        "| render 256² (s) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['frame']} | {r['filters']} | {', '.join(map(str, r['per_scale']))} | {r['A']:.4g} | "
            f"{r['B']:.4g} | {r['A_real']:.4g} | {r['B_real']:.4g} | {r['render_256_s']:.3f} |"
        )
    _record.write(args.out, "frames_render", meta, rows, lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
