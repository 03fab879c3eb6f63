"""``scatterx verify CONFIG.json --out DIR``: the command line of the report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..network import Network
from .options import VerifyOptions
from .run import run_verify
from .verdicts import verdict_word

__all__ = ["register_cli"]


def register_cli(subparsers):
    """Add ``verify CONFIG.json --out DIR [--inputs file.npy] [--quiet] [--quick]`` to an argparse subparsers object."""
    p = subparsers.add_parser(
        "verify",
        help="check the theory's statements on a network and write a report",
        description="Run scatterx.theory's checks (admissibility, non-expansiveness, translation, deformation of "
        "band-limited, cartoon and Lipschitz signals, energy) on the network of CONFIG.json (Network.to_dict()) and "
        "write DIR/report.md, DIR/report.html and DIR/results.json, with a verdict per statement: holds, violated, "
        "or n/a with the reason.",
    )
    p.add_argument("config", help="network description: the JSON of Network.to_dict()")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument(
        "--inputs",
        help="signals as .npy, shape (B, *shape) or (*shape) (loaded with allow_pickle=False); "
        "default: scatterx.theory.default_inputs",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar, no summary")
    p.add_argument("--seed", type=int, default=0, help="seed of the synthetic signals (default 0)")
    p.add_argument("--quick", action="store_true", help="smaller checks (VerifyOptions.quick()): a preview")
    p.add_argument("--strict", action="store_true", help="exit with status 1 when a statement is violated")
    p.set_defaults(run=_verify_command)
    return p


def _verify_command(args):
    try:
        config = json.loads(Path(args.config).read_text())
        net = Network.from_dict(config)
    except (OSError, ValueError, TypeError, KeyError) as e:
        raise SystemExit(f"scatterx verify: cannot read the network {args.config}: {e}") from None
    inputs = None
    if args.inputs:
        try:
            inputs = np.load(args.inputs, allow_pickle=False)
        except (OSError, ValueError) as e:
            raise SystemExit(f"scatterx verify: cannot read --inputs {args.inputs}: {e}") from None
        if tuple(inputs.shape[-net.ndim :]) != tuple(net.shape):
            raise SystemExit(
                f"scatterx verify: --inputs has shape {inputs.shape}; the network's grid is "
                f"{tuple(net.shape)}, so give (B, {', '.join(map(str, net.shape))})"
            )
        inputs = inputs.reshape((-1,) + tuple(net.shape))
    options = VerifyOptions.quick(seed=args.seed) if args.quick else VerifyOptions(seed=args.seed)
    record = run_verify(net, inputs, args.out, progress=not args.quiet, options=options)
    violated = [v for v in record["verdicts"] if v["holds"] is False]
    if not args.quiet:
        for v in record["verdicts"]:
            print(f"[{verdict_word(v['holds']):>8}] {v['statement']}: {v['text']}")
        print(
            f"wrote {Path(args.out) / 'report.md'}, report.html, results.json "
            f"in {record['timing']['seconds']['total']:.1f} s"
        )
    return 1 if (args.strict and violated) else 0
