"""What every benchmark writes: the machine it ran on, and its rows as JSON and a Markdown table."""

from __future__ import annotations

import datetime
import json
import os
import platform
from pathlib import Path

import numpy as np


def machine(**extra):
    """Date, machine, cores, load average, Python and NumPy versions, plus ``extra`` (other versions, settings)."""
    return {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": platform.machine(),
        "processor": platform.processor(),
        "cpus": os.cpu_count(),
        "load_average_1min_at_end": os.getloadavg()[0],
        "python": platform.python_version(),
        "numpy": np.__version__,
        **extra,
    }


def write(out, stem, meta, rows, lines):
    """``out/stem.json`` ({"meta", "rows"}) and ``out/stem.md`` (the table ``lines``); prints the table."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{stem}.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2))
    (out / f"{stem}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
