"""The machine record that every benchmark table and report names (``scatterx._environment``).

Two CPUs can share a model name ("Intel(R) Xeon(R) Processor" in a virtual
machine) and differ in speed by a factor of two: the record must tell them
apart by family/model numbers and cache sizes.  Expected values are
hand-written from the fake /proc/cpuinfo and sysfs trees below.
"""

from __future__ import annotations

import pytest

from scatterx import _environment

X86 = """processor\t: 0
vendor_id\t: GenuineIntel
cpu family\t: 6
model\t\t: 207
model name\t: Intel(R) Xeon(R) Processor
stepping\t: 2
flags\t\t: fpu sse avx avx2 fma avx512f avx512bw

processor\t: 1
vendor_id\t: GenuineIntel
cpu family\t: 6
model\t\t: 143
model name\t: Intel(R) Xeon(R) Processor
stepping\t: 8
flags\t\t: fpu sse avx avx2 fma avx512f avx512_bf16 amx_tile
"""

ARM = """processor\t: 0
BogoMIPS\t: 243.75
Features\t: fp asimd evtstrm sve
CPU implementer\t: 0x41
CPU part\t: 0xd0c
"""


def test_identity_and_model_of_the_first_cpu(monkeypatch):
    monkeypatch.setattr(_environment, "_cpuinfo", lambda: X86)
    assert _environment.cpu_identity() == "family 6 model 207 stepping 2"
    assert _environment.cpu_model() == ("Intel(R) Xeon(R) Processor", ["avx", "avx2", "fma", "avx512f"])


def test_identity_on_arm_and_where_nothing_is_known(monkeypatch):
    monkeypatch.setattr(_environment, "_cpuinfo", lambda: ARM)
    assert _environment.cpu_identity() == "part 0xd0c"
    assert _environment.cpu_model()[1] == ["asimd", "sve"]
    monkeypatch.setattr(_environment, "_cpuinfo", lambda: "")
    assert _environment.cpu_identity() == ""


def _cache(root, index, level, kind, size):
    d = root / f"index{index}"
    d.mkdir()
    for name, value in (("level", level), ("type", kind), ("size", size)):
        if value is not None:
            (d / name).write_text(f"{value}\n")


def test_cache_sizes_in_kib(tmp_path):
    _cache(tmp_path, 0, 1, "Data", "48K")
    _cache(tmp_path, 1, 1, "Instruction", "32K")
    _cache(tmp_path, 2, 2, "Unified", "2048K")
    _cache(tmp_path, 3, 3, "Unified", "260M")
    assert _environment.cpu_caches(tmp_path) == {"L1d": 48, "L1i": 32, "L2": 2048, "L3": 266240}


def test_cache_entries_that_cannot_be_read_are_left_out(tmp_path):
    _cache(tmp_path, 0, 2, "Unified", "1048576")  # bytes, no unit: 1 MiB
    _cache(tmp_path, 1, 3, "Unified", None)  # no size file
    _cache(tmp_path, 2, 1, "Data", "lots")  # not a size
    assert _environment.cpu_caches(tmp_path) == {"L2": 1024}
    assert _environment.cpu_caches(tmp_path / "missing") == {}


RECORD = {
    "cpu": "Intel(R) Xeon(R) Processor",
    "cpu_flags": ["avx", "avx2", "fma", "avx512f"],
    "cores": 2,
    "system": "Linux x86_64",
    "python": "3.11.7",
    "versions": {"numpy": "2.4.6", "torch": "2.13.0+cpu"},
}


def test_table_header_names_identity_and_caches():
    caches = {"L1d": 48, "L2": 2048, "L3": 266240}
    record = dict(RECORD, cpu_identity="family 6 model 207 stepping 2", cpu_caches_kib=caches)
    assert _environment.describe_machine(record) == (
        "Intel(R) Xeon(R) Processor (family 6 model 207 stepping 2; L2 2 MiB, L3 260 MiB) [avx avx2 fma avx512f], "
        "2 cores, Linux x86_64, Python 3.11.7, numpy 2.4.6, torch 2.13.0+cpu"
    )
    odd = dict(RECORD, cpu_identity="", cpu_caches_kib={"L2": 1280})
    assert _environment.describe_machine(odd).startswith("Intel(R) Xeon(R) Processor (L2 1280 KiB) [avx")


def test_records_written_before_the_identity_still_describe():
    # the committed benchmark JSONs of earlier runs have neither field
    assert _environment.describe_machine(RECORD) == (
        "Intel(R) Xeon(R) Processor [avx avx2 fma avx512f], 2 cores, Linux x86_64, Python 3.11.7, "
        "numpy 2.4.6, torch 2.13.0+cpu"
    )


@pytest.mark.parametrize("key", ["cpu_identity", "cpu_caches_kib"])
def test_environment_holds_the_new_fields(key):
    record = _environment.environment()
    assert key in record
    assert isinstance(record[key], str if key == "cpu_identity" else dict)
