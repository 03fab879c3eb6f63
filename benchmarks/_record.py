"""What every benchmark writes: the machine it ran on, and its rows as JSON and a Markdown table.

The machine record is the library's own (``scatterx._environment``): date,
CPU model, its family/model numbers and cache sizes, the flags that pick FFT and
BLAS kernels, cores, load, versions.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from scatterx._environment import describe_machine, environment


def machine(**extra):
    """The environment record (``scatterx._environment.environment``) plus ``extra`` (settings, versions)."""
    return environment(**extra)


def header(meta):
    """One line for a table: the CPU (model, identity, caches, flags), cores, OS and versions, the date and the load."""
    load = meta.get("load_average_1min")
    return f"{describe_machine(meta)}; {meta['date']}" + ("" if load is None else f", 1-min load {load:.2f}")


# The devices a benchmark runs on: the CPU, or the current CUDA device (timings synchronise on "cuda").
DEVICES = ("cpu", "cuda")


def at_least_one(text):
    """An argparse ``type``: a count of rounds or repetitions, an int of at least 1."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
    return n


def load():
    """The 1-minute load average now (None where the OS does not tell)."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def write(out, stem, meta, rows, lines):
    """``out/stem.json`` ({"meta", "rows"}) and ``out/stem.md`` (the table ``lines``); prints the table."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{stem}.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2))
    (out / f"{stem}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
