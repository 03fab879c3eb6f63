"""``run_verify``: every check on one network, the verdicts, the figures and the written report."""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from frames._json import jsonable

from .. import theory as th
from .._environment import environment
from ..network import as_network
from . import render
from .figures import figures as draw_figures
from .options import VerifyOptions
from .sections import Sections, run_sections
from .verdicts import verdicts

__all__ = ["FORMAT_VERSION", "Report", "run_verify", "build_report"]

FORMAT_VERSION = 1


@dataclass
class Report:
    """What a report is made of: the typed results, their verdicts, and ``record`` (the content of results.json)."""

    summary: dict
    inputs: dict
    sections: Sections
    verdicts: list
    timing: dict
    record: dict


def run_verify(network, inputs=None, out_dir=None, progress=True, *, options=None, input_names=None):
    """Run every check of :mod:`scatterx.theory` on ``network`` and write the report to ``out_dir``.

    The content of ``results.json``; :func:`build_report` gives the typed
    :class:`Report` it comes from.  Arguments as there.
    """
    return build_report(network, inputs, out_dir, progress, options=options, input_names=input_names).record


def build_report(network, inputs=None, out_dir=None, progress=True, *, options=None, input_names=None):
    """Run every check of :mod:`scatterx.theory` on ``network``, write the report to ``out_dir``, return it typed.

    Parameters
    ----------
    network : Network, dict (``Network.to_dict()``) or path to that JSON
    inputs : array (B, *shape) or (*shape), NumPy or torch, optional
        Default: :func:`scatterx.theory.default_inputs`.
    out_dir : str or Path
        Created if needed; receives ``report.md``, ``report.html``,
        ``results.json`` and the figures.
    progress : bool
        Show a progress bar (tqdm, on stderr) over the sections.
    options : VerifyOptions, optional
    input_names : list of str, optional
        Names of the inputs in the report.

    Returns
    -------
    Report
        The typed results, their verdicts, and ``record`` (the content of ``results.json``).
    """
    if out_dir is None:
        raise TypeError("run_verify needs out_dir, the folder the report is written to")
    from tqdm.auto import tqdm

    net = as_network(network)
    opt = options or VerifyOptions()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if inputs is None:
        x, names = th.default_inputs(net.shape, seed=opt.seed)
        source = "default (scatterx.theory.default_inputs)"
    else:
        x = inputs[None] if tuple(inputs.shape) == tuple(net.shape) else inputs
        names = list(input_names) if input_names else [f"input {i}" for i in range(len(x))]
        source = "given"
    sections = run_sections(net, x, opt)
    results, timing = {}, {}
    t_start, cpu_start = time.perf_counter(), time.process_time()
    bar = tqdm(
        total=len(sections) + 2, desc="scatterx verify", unit="step", disable=not progress, file=sys.stderr, leave=False
    )
    for name, run in sections:
        bar.set_postfix_str(name)
        t0 = time.perf_counter()
        results[name] = run()
        timing[name] = time.perf_counter() - t0
        bar.update()
    typed = Sections(**results)
    summary = _summary(net)
    inputs_record = {"source": source, "names": names, "count": int(len(x)), "shape": list(net.shape)}
    found = verdicts(typed)
    bar.set_postfix_str("figures")
    t0 = time.perf_counter()
    figs = draw_figures(typed)
    timing["figures"] = time.perf_counter() - t0
    bar.update()
    bar.set_postfix_str("write")
    timing["total"] = time.perf_counter() - t_start
    timing_record = {
        "seconds": timing,
        "cpu_seconds": time.process_time() - cpu_start,
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "environment": environment(),
    }
    record = {
        "scatterx_verify": FORMAT_VERSION,
        "network": net.to_dict(),
        "summary": summary,
        "inputs": inputs_record,
        "options": jsonable(opt),
        **typed.to_dict(),
        "verdicts": [v.to_dict() for v in found],
        "timing": timing_record,
    }
    record = json.loads(json.dumps(record))  # exactly what results.json holds
    report = Report(summary, inputs_record, typed, found, timing_record, record)
    render.write(out, report, figs)
    bar.update()
    bar.close()
    return report


def _summary(net):
    paths = []
    for n in range(net.depth + 1):
        try:
            paths.append(len(net.paths(n)))
        except MemoryError:
            paths.append(None)
    return {
        "depth": net.depth,
        "ndim": net.ndim,
        "shape": list(net.shape),
        "grids": [list(g) for g in net.grids],
        "paths": paths,
        "prune": net.prune,
        "modules": [
            {
                "frame": repr(m.frame),
                "filters": len(net.bank(n)),
                "nonlinearity": m.nonlinearity.name,
                "pooling": m.pooling.name,
                "S": m.pooling.factor,
            }
            for n, m in enumerate(net.modules)
        ],
    }
