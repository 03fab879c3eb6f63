"""``scatterx compare`` (and ``python -m scatterx.compare``): the command line of :func:`~scatterx.compare.compare`."""

from __future__ import annotations

import sys
from pathlib import Path

from .options import CompareOptions
from .presets import PRESETS
from .report import table
from .runner import compare
from .selection import CLASSIFIERS, FEATURE_TRANSFORMS, LOG_EPS

__all__ = ["register_cli", "main"]


def register_cli(subparsers):
    """Add ``compare`` to the ``scatterx`` command's sub-parsers."""
    p = subparsers.add_parser(
        "compare",
        help="compare networks (filter families, non-linearities, pooling) on a data set",
        description="Features, classifier, invariance, stability, energy and cost of each configuration on "
        "a data set; writes OUT/results.md, OUT/results.json and figures.",
    )
    p.add_argument(
        "configs",
        nargs="*",
        metavar="CONFIG",
        help=f"network JSON files (Network.to_dict()) or preset names ({', '.join(PRESETS)})",
    )
    p.add_argument("--preset", action="append", choices=PRESETS, help="add a preset's configurations (repeatable)")
    p.add_argument("--dataset", required=True, help="fashion-mnist, digits, mnist1d or textures")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--train", type=int, help="training items (stratified random subset; default all)")
    p.add_argument("--test", type=int, help="test items (default all)")
    p.add_argument("--classifier", choices=list(CLASSIFIERS), default="logreg")
    p.add_argument("--backend", choices=["numpy", "torch"], default="numpy")
    p.add_argument("--device", default="cpu", help="torch device (backend torch)")
    p.add_argument("--batch", type=int, default=256, help="items per extraction batch (default 256)")
    p.add_argument(
        "--curve",
        type=float,
        nargs="*",
        default=[0.125, 0.25, 0.5],
        help="training-set fractions of the learning curve (default 0.125 0.25 0.5)",
    )
    p.add_argument(
        "--search-max",
        type=int,
        help="choose the classifier's C on a stratified subset of this many training items "
        "(default: the whole training set)",
    )
    p.add_argument(
        "--fit-threads",
        type=int,
        default=1,
        help="BLAS threads of the classifier (default 1: more thrash on a small shared machine)",
    )
    p.add_argument(
        "--features",
        nargs="+",
        choices=FEATURE_TRANSFORMS,
        default=["raw"],
        help="feature transforms, each fitted on the same extraction (default raw; log: "
        f"sign(f) log(1 + |f|/ε), ε = {LOG_EPS} × mean |f|)",
    )
    p.add_argument(
        "--pca",
        type=int,
        metavar="N",
        help="project the standardised features on N principal components before the classifier",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--data-path",
        help="Fashion-MNIST folder (default: the `make data` cache, then /usr/share/datasets/fashion-mnist)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(run=_compare_command)
    return p


def _compare_command(args):
    configs = list(args.configs) + list(args.preset or [])
    if not configs:
        raise SystemExit("scatterx compare: give configuration files or --preset NAME")
    options = CompareOptions(
        train=args.train,
        test=args.test,
        classifier=args.classifier,
        backend=args.backend,
        device=args.device,
        batch=args.batch,
        seed=args.seed,
        curve=tuple(args.curve),
        search_max=args.search_max,
        fit_threads=args.fit_threads,
        features=tuple(args.features),
        pca=args.pca,
        progress=not args.quiet,
        data_path=args.data_path,
        command=getattr(args, "command_line", None),
    )
    rows = compare(configs, args.dataset, args.out, options)
    print(table(rows, options.parameter))
    print(f"wrote {Path(args.out) / 'results.md'}, results.json and figures")
    return 0


def main(argv=None):
    """``python -m scatterx.compare CONFIG [CONFIG …] --dataset NAME --out DIR``: the ``scatterx compare`` command."""
    from ..cli import main as cli_main

    return cli_main(["compare"] + list(sys.argv[1:] if argv is None else argv))
