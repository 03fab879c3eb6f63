"""The whole story once: Fashion-MNIST (60,000 images) → Zarr from the command line on a 2-worker
local cluster, one worker killed (SIGKILL) mid-run, output compared with the in-memory result.

    python benchmarks/fashion_fault_run.py --data ~/.cache/scatterx/pkg/usr/share/datasets/fashion-mnist \
        --out benchmarks/results

Runs ``scatterx extract IMAGES OUT --config net.json --cluster local:2 --dtype float32``
(as ``python -m scatterx.cli extract …``) in a subprocess, waits until a few chunks are
marked done, kills one worker process, lets the run finish, then checks that
the nanny replaced the worker, that every chunk is done and the output
complete, and compares the features with ``net(x)`` on the whole array in
this process.  Writes fashion_extract.json / .md (the command's log stays in --work).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import psutil

import frames
import scatterx as sx
from scatterx.io import open_features, read_idx

ROOT = Path(__file__).resolve().parents[1]


def network():
    return sx.Network(
        [sx.Module(frames.morlet(J=2, L=4), sx.Modulus(), sx.Subsample(2))] * 2, shape=(28, 28), feature_grid=7
    ).admissible()


def workers_of(proc):
    """The dask worker processes under ``proc`` (spawned children, not the resource tracker)."""
    found = []
    for child in psutil.Process(proc.pid).children(recursive=True):
        try:
            cmd = " ".join(child.cmdline())
        except psutil.Error:
            continue
        if "spawn_main" in cmd and "resource_tracker" not in cmd:
            found.append(child.pid)
    return sorted(found)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True, help="folder with train-images-idx3-ubyte.gz")
    p.add_argument("--out", default="benchmarks/results")
    p.add_argument("--work", default="/tmp/scatterx-fashion", help="folder for net.json and the Zarr output")
    p.add_argument("--kill-after", type=int, default=4, help="chunks done before a worker is killed")
    args = p.parse_args(argv)
    images = Path(args.data).expanduser() / "train-images-idx3-ubyte.gz"
    work, out = Path(args.work), Path(args.out)
    work.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    net = network()
    (work / "net.json").write_text(json.dumps(net.to_dict()))
    zarr_out = work / "fashion.zarr"
    shutil.rmtree(zarr_out, ignore_errors=True)  # its old done markers would be counted below
    cmd = [
        sys.executable,
        "-m",
        "scatterx.cli",
        "extract",
        str(images),
        str(zarr_out),
        "--config",
        str(work / "net.json"),
        "--cluster",
        "local:2",
        "--dtype",
        "float32",
    ]
    log = open(work / "extract.log", "w")
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}
    )
    done_dir = zarr_out / "scatterx_done"
    count = lambda: len(list(done_dir.glob("[0-9]*"))) if done_dir.exists() else 0  # noqa: E731
    while count() < args.kill_after and proc.poll() is None:
        time.sleep(0.05)
    before = workers_of(proc)
    victim = before[0]
    done_at_kill = count()
    os.kill(victim, signal.SIGKILL)
    killed_at = time.perf_counter() - t0
    print(f"killed worker {victim} of {before} with {done_at_kill} chunks done, at {killed_at:.1f} s", flush=True)
    seen = set(before)
    while proc.poll() is None:
        seen.update(workers_of(proc))
        time.sleep(0.2)
    seconds = time.perf_counter() - t0
    log.close()
    after = sorted(seen - set(before))
    text = (work / "extract.log").read_text()
    print(text[-600:])
    feats, meta = open_features(zarr_out)
    x = read_idx(images, expect=2051).astype(np.float32)
    t1 = time.perf_counter()
    ref = net(x)
    in_memory_s = time.perf_counter() - t1
    got = np.asarray(feats[:])
    record = {
        "command": " ".join(["scatterx"] + cmd[3:]),
        "returncode": proc.returncode,
        "seconds_total": seconds,
        "killed_worker": victim,
        "workers_before": before,
        "replacement_workers": after,
        "chunks_done_at_kill": done_at_kill,
        "killed_at_s": killed_at,
        "chunks": -(-len(x) // meta["chunk"]),
        "chunk": meta["chunk"],
        "complete": meta["complete"],
        "input_fingerprint": meta["source"]["fingerprint"],
        "shape": list(got.shape),
        "dtype": str(got.dtype),
        "identical_to_in_memory": bool(np.array_equal(got, ref)),
        "max_abs_difference": float(np.abs(got - ref).max()),
        "in_memory_seconds": in_memory_s,
        "summary_line": next((line for line in text.splitlines() if "items/s" in line), None),
        "progress_bar_seen": "% Completed" in text,
    }
    (out / "fashion_extract.json").write_text(json.dumps(record, indent=2))
    (out / "fashion_extract.md").write_text(
        "# Fashion-MNIST extraction with a worker killed mid-run\n\n"
        f"`{record['command']}`\n\n"
        f"- {len(x):,} images, {got.shape[1]} features each ({got.dtype}), chunk {record['chunk']} "
        f"({record['chunks']} chunks), 2 worker processes;\n"
        f"- worker {victim} killed with SIGKILL at {killed_at:.1f} s, {done_at_kill} chunks done; "
        f"replacement worker(s): {after};\n"
        f"- exit status {proc.returncode}, {seconds:.1f} s in all (cluster start included); summary: "
        f"`{record['summary_line']}`;\n"
        f"- output complete: {meta['complete']}; identical to `net(x)` in memory: "
        f"{record['identical_to_in_memory']} (max |difference| {record['max_abs_difference']:.3g}; "
        f"in-memory run {in_memory_s:.1f} s).\n"
    )
    print(json.dumps(record, indent=2))
    return 0 if record["identical_to_in_memory"] and proc.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
