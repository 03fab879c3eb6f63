"""The record of the machine and software a result was measured on (benchmarks, reports, comparisons)."""

from __future__ import annotations

import datetime
import importlib.metadata
import os
import platform
import sys
from pathlib import Path

__all__ = ["environment", "describe_machine", "cpu_model", "cpu_identity", "cpu_caches"]

# Distributions whose versions every record names when installed.
PACKAGES = ("scatterx", "numpy", "scipy", "PyWavelets", "torch", "kymatio", "scikit-learn", "dask", "zarr")
# CPU flags that decide which FFT and BLAS kernels run.
FLAGS = ("avx", "avx2", "fma", "avx512f", "avx512_bf16", "amx_tile", "asimd", "sve")
# /proc/cpuinfo keys that tell two CPUs of one model name apart (x86; ARM), in the order written.
IDENTITY = (("cpu family", "family"), ("model", "model"), ("stepping", "stepping"), ("cpu part", "part"))
# Where Linux describes the caches of the first CPU.
CACHE_DIR = "/sys/devices/system/cpu/cpu0/cache"


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


def cpu_identity():
    """What tells CPUs of one model name apart: "family 6 model 207 stepping 2" (x86), "part 0xd0c" (ARM), or "".

    Virtual machines often report only a generic name ("Intel(R) Xeon(R)
    Processor"), and hide some flags; the family and model numbers still
    name the generation.
    """
    labels, found = dict(IDENTITY), {}
    for line in _cpuinfo().splitlines():
        if not line.strip():
            break  # the first CPU's block only
        key, _, value = line.partition(":")
        label = labels.get(key.strip().lower())
        if label is not None and label not in found:
            found[label] = value.strip()
    return " ".join(f"{label} {found[label]}" for _, label in IDENTITY if label in found)


def cpu_caches(directory=None):
    """The first CPU's caches in KiB, {"L1d": 48, "L1i": 32, "L2": 2048, "L3": 266240}; {} where Linux does not tell.

    The sizes are per instance (an L2 per core, an L3 per socket), as
    ``/sys/devices/system/cpu/cpu0/cache/index*/`` gives them.
    """
    units = {"K": 1, "M": 1024, "G": 1024 * 1024}  # a size without a unit is in bytes
    caches = {}
    for entry in sorted(Path(CACHE_DIR if directory is None else directory).glob("index*")):
        try:
            level, kind, size = ((entry / name).read_text().strip() for name in ("level", "type", "size"))
        except OSError:
            continue
        number, unit = (size[:-1], size[-1]) if size[-1:] in units else (size, None)
        if not (level.isdigit() and number.isdigit()):
            continue
        suffix = {"Data": "d", "Instruction": "i"}.get(kind, "")
        caches[f"L{level}{suffix}"] = int(number) * units[unit] if unit else int(number) // 1024
    return caches


def _size(kib):
    return f"{kib // 1024} MiB" if kib % 1024 == 0 else f"{kib} KiB"


def _cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count()


def environment(**extra):
    """Date (UTC), CPU model, identity, caches and flags, cores, load, OS, Python and versions, plus ``extra``."""
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
        "cpu_identity": cpu_identity(),
        "cpu_caches_kib": cpu_caches(),
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
    """One line for a table header: CPU model (identity; L2, L3) [flags], cores, OS, Python, the main versions."""
    r = environment() if record is None else record
    caches = r.get("cpu_caches_kib") or {}
    detail = "; ".join(
        part
        for part in (r.get("cpu_identity"), ", ".join(f"{k} {_size(caches[k])}" for k in ("L2", "L3") if k in caches))
        if part
    )
    detail = f" ({detail})" if detail else ""
    flags = f" [{' '.join(r['cpu_flags'])}]" if r.get("cpu_flags") else ""
    v = r.get("versions", {})
    libs = ", ".join(f"{k} {v[k]}" for k in ("numpy", "scipy", "torch", "kymatio") if k in v)
    gpu = f", {r['gpu']}" if r.get("gpu") else ""
    return f"{r['cpu']}{detail}{flags}, {r['cores']} cores{gpu}, {r['system']}, Python {r['python']}, {libs}"
