"""``make demo``: scattering features for classification on scikit-learn's digits.

The data set is bundled with scikit-learn (1,797 images of 8×8 pixels, 10
classes), so nothing is downloaded.  Each image is centred on a 16×16 zero
grid (the network's grid is a torus; the margin keeps a digit from wrapping
onto itself).  Several networks that differ in one choice each (non-linearity,
pooling, filter scaling) are compared with Kymatio's Scattering2D layout: the
same split, a standardised logistic regression, test accuracy, feature count
and extraction time.  Writes ``results.md``, ``results.json`` and the figures
of the Morlet bank (filters in Fourier and the Littlewood–Paley sum).

    python -m scatterx.demo --out demo-output
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np

import frames
import scatterx as sx
from scatterx._batches import in_batches
from scatterx.plots import plot_filters, plot_littlewood_paley

GRID = (16, 16)


def load_digits_on_grid():
    from sklearn.datasets import load_digits

    d = load_digits()
    x = np.zeros((len(d.images),) + GRID)
    x[:, 4:12, 4:12] = d.images / 16.0
    return x, d.target


def networks():
    """The compared feature extractors: name → callable on a batch (B, 16, 16)."""
    morlet = frames.morlet(J=2, L=8)
    two = lambda M, P: sx.Network(
        [sx.Module(morlet, M, P)] * 2, shape=GRID, prune="frequency-decreasing", feature_grid=4
    ).admissible()
    return {
        "modulus + sub-sampling 2": two(sx.Modulus(), sx.Subsample(2)),
        "ReLU + sub-sampling 2": two(sx.ReLU(), sx.Subsample(2)),
        "modulus + max pooling 2": two(sx.Modulus(), sx.MaxPool(2)),
        "Kymatio layout: Scattering2D(J=2, L=8)": sx.Scattering2D(J=2, shape=GRID, L=8),
    }


def classify(train_x, train_y, test_x, test_y, seed=0):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    clf = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=3000, random_state=seed))
    clf.fit(train_x, train_y)
    return float(clf.score(test_x, test_y))


def write_figures(out):
    bank = frames.morlet(J=2, L=8).render(GRID)
    paths = [
        plot_filters(bank, out / "morlet_filters.png"),
        plot_littlewood_paley(bank, out / "morlet_littlewood_paley.png"),
    ]
    bank32 = frames.morlet(J=3, L=8).render((64, 64))
    paths += [
        plot_filters(bank32, out / "morlet_J3_64_filters.png"),
        plot_littlewood_paley(bank32, out / "morlet_J3_64_littlewood_paley.png"),
    ]
    return paths


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default="demo-output", help="folder for results and figures")
    p.add_argument("--figures-only", action="store_true", help="only write the filter figures")
    p.add_argument("--seed", type=int, default=0, help="seed of the train/test split")
    args = p.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    figures = write_figures(out)
    if args.figures_only:
        print("\n".join(map(str, figures)))
        return 0

    from sklearn.model_selection import train_test_split

    x, y = load_digits_on_grid()
    tr, te = train_test_split(np.arange(len(x)), test_size=0.25, stratify=y, random_state=args.seed)
    rows = [
        {
            "extractor": "pixels",
            "accuracy": classify(x[tr].reshape(len(tr), -1), y[tr], x[te].reshape(len(te), -1), y[te], args.seed),
            "n_features": int(np.prod(GRID)),
            "extract_s": 0.0,
            "max_B": None,
        }
    ]
    for name, transform in networks().items():
        in_batches(transform, x[:8], progress=False)  # warm-up: filters rendered and cached
        t0 = time.perf_counter()
        feats = in_batches(transform, x, desc=name)
        seconds = time.perf_counter() - t0
        bounds = transform.bounds() if isinstance(transform, sx.Network) else None
        rows.append(
            {
                "extractor": name,
                "accuracy": classify(feats[tr], y[tr], feats[te], y[te], args.seed),
                "n_features": int(feats.shape[1]),
                "extract_s": seconds,
                "max_B": None if bounds is None else max(b.value for b in bounds),
            }
        )
    table = [
        "| extractor | test accuracy | features | extraction (s, 1797 images) | max(B, BL²R²) |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        adm = "—" if r["max_B"] is None else f"{r['max_B']:.3f}"
        table.append(f"| {r['extractor']} | {r['accuracy']:.4f} | {r['n_features']} | {r['extract_s']:.2f} | {adm} |")
    header = (
        f"scikit-learn digits on a 16×16 grid, {len(tr)} train / {len(te)} test images, "
        f"standardised logistic regression (C=0.1); {platform.machine()}, Python "
        f"{platform.python_version()}, NumPy {np.__version__}, scatterx {sx.__version__}"
    )
    text = header + "\n\n" + "\n".join(table) + "\n"
    (out / "results.md").write_text(text)
    (out / "results.json").write_text(json.dumps({"setup": header, "rows": rows}, indent=2))
    print(text)
    print("figures: " + ", ".join(str(f) for f in figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
