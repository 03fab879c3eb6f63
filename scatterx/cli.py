"""The ``scatterx`` command line.

scatterx frames FAMILY [-p NAME=VALUE ...] --shape 128 128 --out DIR
    Render a frame family and write its figures (|ĝ| in the frequency
    plane, the Littlewood–Paley sum with its bounds, the filters in
    space) and ``FAMILY_bounds.json`` (A, B, filter count, render time).
    ``--arrays FILE.npz`` gives ``from_filters`` its kernels.
scatterx verify CONFIG.json --out DIR       (scatterx.verify: the theory's checks, a report)
scatterx compare CONFIGS|--preset … --dataset NAME --out DIR   (scatterx.compare)
scatterx extract IN OUT --config net.json [--cluster local:W]   (scatterx.extract)

Every command raises on an error and :func:`main` reports it: one line on
stderr, ``scatterx COMMAND: message``, and exit status 1 (2 for a usage
error, 130 for Ctrl-C); ``--debug`` (before or after the command) shows the
traceback instead.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

import numpy as np

__all__ = ["main"]


def _parse_param(text):
    """``NAME=VALUE`` with VALUE read as JSON when it parses (3, 0.5, true, [1,2]), else a string."""
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"parameter must look like NAME=VALUE, got {text!r}")
    name, value = text.split("=", 1)
    try:
        value = json.loads(value)
    except json.JSONDecodeError:
        pass
    return name.strip(), tuple(value) if isinstance(value, list) else value


def _frames_command(args):
    import frames

    from .plots import plot_filters, plot_filters_space, plot_littlewood_paley

    family = args.family
    if family not in frames.FAMILIES:
        raise ValueError(f"unknown family {family!r}; known: {', '.join(sorted(frames.FAMILIES))}")
    params = dict(args.param or [])
    if args.arrays:
        with np.load(args.arrays, allow_pickle=False) as data:
            missing = {"lowpass", "filters"} - set(data.files)
            if missing:
                raise ValueError(f"{args.arrays} lacks the arrays {sorted(missing)}")
            params.update(lowpass=data["lowpass"], filters=data["filters"])
    if args.tight:
        params["tight"] = True
    frame = frames.from_dict({"family": family, **params})
    t0 = time.perf_counter()
    bank = frame.render(tuple(args.shape), np.dtype(args.dtype))
    seconds = time.perf_counter() - t0
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = args.name or family
    A, B = bank.bounds()
    As, Bs = bank.bounds(symmetric=True)
    record = {
        "frame": frame.to_dict(),
        "shape": list(bank.shape),
        "filters": len(bank),
        "A": A,
        "B": B,
        "A_real_input": As,
        "B_real_input": Bs,
        "render_s": seconds,
        "real_in_space": bank.is_real,
    }
    files = [
        plot_filters(bank, out / f"{stem}_filters.png"),
        plot_littlewood_paley(bank, out / f"{stem}_lp.png"),
        plot_filters_space(bank, out / f"{stem}_space.png"),
    ]
    (out / f"{stem}_bounds.json").write_text(json.dumps(record, indent=2))
    print(
        f"{frame!r} on {bank.shape}: {len(bank)} filters, A = {A:.6g}, B = {B:.6g} "
        f"(real input: A = {As:.6g}, B = {Bs:.6g}), rendered in {seconds * 1e3:.1f} ms"
    )
    for f in files + [out / f"{stem}_bounds.json"]:
        print(f"  wrote {f}")
    return 0


def build_parser():
    p = argparse.ArgumentParser(prog="scatterx", description="Generic scattering networks.")
    p.add_argument("--debug", action="store_true", help="on an error, show the full traceback")
    sub = p.add_subparsers(dest="command", required=True)
    fr = sub.add_parser("frames", help="plot a frame family's filters and Littlewood–Paley sum")
    fr.add_argument("family", help="frame family (morlet, gabor, pywavelet, shearlet, curvelet, ridgelet, …)")
    fr.add_argument(
        "-p",
        "--param",
        action="append",
        type=_parse_param,
        metavar="NAME=VALUE",
        help="a family parameter, e.g. -p J=3 -p L=8 -p name=db4 (repeatable)",
    )
    fr.add_argument("--shape", type=int, nargs="+", default=[128, 128], help="grid, e.g. --shape 128 128")
    fr.add_argument("--dtype", choices=["float32", "float64"], default="float64")
    fr.add_argument("--tight", action="store_true", help="normalise to a Parseval frame (LP ≡ 1)")
    fr.add_argument(
        "--arrays",
        help="from_filters: an .npz with arrays 'lowpass' and 'filters' "
        "(kernels in space, or responses with -p domain=frequency)",
    )
    fr.add_argument("--name", help="file-name stem (default: the family)")
    fr.add_argument("--out", required=True, help="output folder")
    fr.set_defaults(run=_frames_command)
    from . import compare, extract, verify

    for module in (verify, compare, extract):
        module.register_cli(sub)
    for command in sub.choices.values():  # `scatterx extract … --debug` as well as `scatterx --debug extract …`
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return p


def error_line(command, error):
    """One line for a failed command: ``scatterx COMMAND: message`` (+ the error's notes, ``;``-joined).

    Errors a user can fix (bad values, files, configs, missing extras) print
    their message; any other exception type is named, with the hint to rerun
    with ``--debug``.
    """
    text = error if isinstance(error, str) else str(error)
    if isinstance(error, KeyError) and error.args:
        text = f"missing key {error.args[0]!r}"
    if isinstance(error, BaseException):
        if not isinstance(error, USER_ERRORS):
            text = f"{type(error).__name__}: {text} (an unexpected error: rerun with --debug for the traceback)"
        text = "; ".join([text] + [str(n) for n in getattr(error, "__notes__", ())])
    text = " ".join(text.split())  # one line, whatever the message held
    prefix = f"scatterx {command}: "
    return text if text.startswith(prefix) else prefix + text


# The errors a command reports as its message alone (the caller's input, files, configs, extras).
USER_ERRORS = (ValueError, TypeError, OSError, ImportError, KeyError, RuntimeError, MemoryError, RecursionError)


def main(argv=None):
    """Run a ``scatterx`` command; a failure is ONE line on stderr and exit status 1 (2 for usage errors).

    Every subcommand (frames, verify, compare, extract) raises; this is the
    one place that turns an error into that line (``error_line``).  With
    ``--debug`` the exception propagates with its traceback.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    args.command_line = shlex.join(["scatterx"] + argv)  # recorded in reports: the command that reruns it
    if args.debug:
        return args.run(args)
    try:
        return args.run(args)
    except SystemExit as e:
        if isinstance(e.code, str):  # a command's own message: one line too
            print(error_line(args.command, e.code), file=sys.stderr)
            return 1
        raise
    except KeyboardInterrupt:
        print(f"scatterx {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as e:
        print(error_line(args.command, e), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
