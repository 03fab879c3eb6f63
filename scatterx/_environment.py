"""The record of the machine and software a result was measured on (benchmarks, reports, comparisons)."""

from __future__ import annotations

import datetime
import importlib.metadata
import os
import platform
import sys

__all__ = ["environment", "describe_machine", "cpu_model"]

# Distributions whose versions every record names when installed.
PACKAGES = ("scatterx", "numpy", "scipy", "PyWavelets", "torch", "kymatio", "scikit-learn", "dask", "zarr")
# CPU flags that decide which FFT and BLAS kernels run.
FLAGS = ("avx", "avx2", "fma", "avx512f", "avx512_bf16", "amx_tile", "asimd", "sve")


def _cpuinfo():
    try:
        with open("/proc/cpuinfo") as f:
            return f.read()
    except OSError:
        return ""


def cpu_model():
    """The CPU model name (``/proc/cpuinfo``; ``platform.processor()`` elsewhere) and its kernel-relevant flags."""
    text = _cpuinfo()
    model, flags = "", set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip().lower()
        if key in ("model name", "cpu model") and not model:
            model = value.strip()
        elif key in ("flags", "features") and not flags:
            flags = set(value.split())
    return model or platform.processor() or platform.machine(), [f for f in FLAGS if f in flags]


def _cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count()


def environment(**extra):
    """Date (UTC), CPU model and flags, cores, load, OS, Python and package versions, plus ``extra``."""
    model, flags = cpu_model()
    versions = {}
    for dist in PACKAGES:
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            pass
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = None
    record = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "cpu": model,
        "cpu_flags": flags,
        "cores": _cores(),
        "cpu_count": os.cpu_count(),
        "load_average_1min": load,
        "system": f"{platform.system()} {platform.machine()}",
        "python": platform.python_version(),
        "versions": versions,
    }
    torch = sys.modules.get("torch")  # described when in use; never imported for the record
    if torch is not None:
        record["torch_threads"] = torch.get_num_threads()
        if torch.cuda.is_available():
            record["gpu"] = torch.cuda.get_device_name(0)
    record.update(extra)
    return record


def describe_machine(record=None):
    """One line for a table header: CPU model [flags], cores, OS, Python, the main versions."""
    r = environment() if record is None else record
    flags = f" [{' '.join(r['cpu_flags'])}]" if r.get("cpu_flags") else ""
    v = r.get("versions", {})
    libs = ", ".join(f"{k} {v[k]}" for k in ("numpy", "scipy", "torch", "kymatio") if k in v)
    gpu = f", {r['gpu']}" if r.get("gpu") else ""
    return f"{r['cpu']}{flags}, {r['cores']} cores{gpu}, {r['system']}, Python {r['python']}, {libs}"
