"""``make demo``: scattering features for classification on scikit-learn's digits.

The data set is bundled with scikit-learn (1,797 images of 8×8 pixels, 10
classes), so nothing is downloaded; each image is centred on a 16×16 zero
grid (``scatterx.datasets.load_digits``: the network's grid is a torus, the
margin keeps a digit from wrapping onto itself).  The comparison is the
``demo`` preset of ``scatterx.compare`` run through :func:`scatterx.compare.compare`
with :func:`demo_options`: the pixels, three networks that differ in one
choice each (non-linearity, pooling) and Kymatio's Scattering2D layout, on
the same split, with a standardised logistic regression (C = 0.1, fixed):
test accuracy, feature count, extraction time and the admissibility
max(B, BL²R²) after ``.admissible()``.  Writes ``results.md``,
``results.json``, ``accuracy_vs_cost.png`` and the figures of the Morlet
bank (filters in Fourier and the Littlewood–Paley sum, before rescaling).

    python -m scatterx.demo --out demo-output
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from ._optional import require

__all__ = ["demo_options", "write_figures", "main"]

GRID = (16, 16)
#: The demo's classifier: C fixed (no validation search), so that ``make demo`` stays about a minute.
DEMO_C = 0.1


def demo_options(**changes):
    """The demo's :class:`~scatterx.compare.CompareOptions`; ``changes`` override them.

    Logistic regression with C = :data:`DEMO_C` (fixed), no learning curve,
    and only the admissibility among the theory columns (``n_theory=0``).
    """
    from .compare import CompareOptions

    base = dict(classifier="logreg", search=(DEMO_C,), tol=1e-4, curve=(), n_theory=0)
    return CompareOptions(**{**base, **changes})


#: The Morlet banks drawn: (J, grid, file stem); the first is the demo networks' bank.
BANKS = ((2, GRID, "morlet"), (3, (64, 64), "morlet_J3_64"))


def write_figures(out):
    """The Morlet banks' figures (filters, Littlewood–Paley sums as rendered, before rescaling) in ``out``."""
    import frames

    from .plots import plot_filters, plot_littlewood_paley

    paths = []
    for J, shape, stem in BANKS:
        bank = frames.morlet(J=J, L=8).render(shape)
        note = f"Morlet J={J} L=8 on {shape[0]}×{shape[1]} as rendered, before any rescaling"
        paths += [
            plot_filters(bank, out / f"{stem}_filters.png"),
            plot_littlewood_paley(bank, out / f"{stem}_littlewood_paley.png", note=note),
        ]
    return paths


def _notes(figures):
    """The report's notes: which B each Littlewood–Paley figure shows, and the figures themselves."""
    import frames

    bounds = [frames.morlet(J=J, L=8).render(shape).bounds(symmetric=True)[1] for J, shape, _ in BANKS]
    return (
        "Littlewood–Paley figures: they show the Morlet banks as rendered, before any rescaling: "
        f"B = {bounds[0]:.6g} for J=2 on the 16×16 grid (the bank of the three networks; "
        f"morlet_littlewood_paley.png) and B = {bounds[1]:.4g} for J=3 on 64×64 (for comparison; "
        "morlet_J3_64_littlewood_paley.png). The table's max(B, BL²R²) is measured on the networks after "
        "`.admissible()` divided each layer's frame by the square root of that layer's max(B, BL²R²) "
        "(`Network.bounds()`), hence 1.000.",
        " ".join(f"![{f.stem}]({f.name})" for f in figures),
    )


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m scatterx.demo", description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default="demo-output", help="folder for results and figures")
    p.add_argument("--figures-only", action="store_true", help="only write the filter figures")
    p.add_argument("--seed", type=int, default=0, help="seed of the train/test split")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    args = p.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if not args.figures_only:
            require("sklearn", "the demo (its classifier)")
        figures = write_figures(out)
        if args.figures_only:
            print("\n".join(map(str, figures)))
            return 0
        from .compare import compare
        from .datasets import load_digits

        options = demo_options(
            seed=args.seed,
            progress=not args.quiet,
            notes=_notes(figures),
            command=" ".join(shlex.quote(a) for a in ["python", "-m", "scatterx.demo"] + argv),
        )
        compare(["demo"], load_digits(seed=args.seed), out, options)
    except ImportError as e:
        raise SystemExit(f"python -m scatterx.demo: {e}") from None
    report = (out / "results.md").read_text().splitlines()
    print("\n".join(line for line in report if not line.startswith("![")).strip())
    print(f"\nwrote {out / 'results.md'}, results.json and the figures " + ", ".join(str(f) for f in figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
