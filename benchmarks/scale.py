"""Dataset-scale extraction: throughput per worker count, and memory per worker as the data grows.

1. Throughput: ``scatterx.extract`` of an ``--items``-image array (28 × 28,
   float32, ``.npy``) to Zarr on a ``distributed.LocalCluster`` of W worker
   processes, for (W workers × T threads per task) = 1×1, 1×2, 2×1 and the
   in-process synchronous run; the cluster is started before the clock and
   the median of ``--repeats`` runs is kept.  The 1 → 2 workers speed-up
   compares 1×1 with 2×1 (one core per worker).
2. Memory: the peak resident memory of each worker process (VmHWM),
   and of this process, for data sets of ``--memory-items`` images on 2
   workers, each on a fresh cluster: extraction streams chunk by chunk, so
   the peak should not grow with the data.

The network: Morlet J=2, L=4, two layers, modulus, sub-sampling 2, features
on a 7 × 7 grid (3577 per image), float32.  Writes scale.json and scale.md.

    python benchmarks/scale.py --out benchmarks/results [--items 20000] [--memory-items 2000 20000 200000]
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import os
import platform
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import _record
import numpy as np

import frames
import scatterx as sx
from scatterx.extract import extract

SHAPE = (28, 28)
CHUNK = 1036  # 14 × the core's batch of 74 items for this network: ~14.8 MB of features per chunk


def network():
    return sx.Network(
        [sx.Module(frames.morlet(J=2, L=4), sx.Modulus(), sx.Subsample(2))] * 2, shape=SHAPE, feature_grid=7
    ).admissible()


def make_data(path, n, seed=0):
    """n float32 images written block by block (the array is never held whole)."""
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n,) + SHAPE)
    rng = np.random.default_rng(seed)
    for i in range(0, n, 10_000):
        out[i : i + 10_000] = rng.random((min(10_000, n - i),) + SHAPE, dtype=np.float32)
    out.flush()
    del out
    return path


def peak_rss_mb():
    """Peak resident memory of this process (VmHWM; ru_maxrss would carry the parent's over fork + exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak_rss():
    """Start VmHWM afresh (Linux ≥ 4.0), so that the data written before a run does not count."""
    Path("/proc/self/clear_refs").write_text("5")


def rss_mb():
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run_on_cluster(workers, threads, data, net, out, repeats, warmup=None):
    """items/s of each run, CPU seconds of the workers per 1000 items, worker RSS at start and peak."""
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=logging.ERROR
        ) as cluster,
        Client(cluster) as client,
    ):
        start_rss = client.run(rss_mb)
        if warmup is not None:  # imports and filters in every worker, off the clock
            extract(
                warmup, net, out, chunk=CHUNK // 2, scheduler=client, threads=threads, overwrite=True, progress=False
            )
        runs, cpu = [], []
        for _ in range(repeats):
            before = sum(client.run(cpu_seconds).values())
            s = extract(data, net, out, chunk=CHUNK, scheduler=client, threads=threads, overwrite=True, progress=False)
            runs.append(s.items_per_s)
            cpu.append((sum(client.run(cpu_seconds).values()) - before) / s.items * 1000)
        peak = client.run(peak_rss_mb)
    return runs, cpu, sorted(start_rss.values()), sorted(peak.values())


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default="benchmarks/results")
    p.add_argument("--items", type=int, default=20_000)
    p.add_argument("--memory-items", type=int, nargs="+", default=[2_000, 20_000, 200_000])
    p.add_argument("--repeats", type=_record.at_least_one, default=3)
    p.add_argument("--tmp", default=None, help="folder for the data and outputs (default: a temporary one)")
    args = p.parse_args(argv)
    net = network()
    tmp = Path(tempfile.mkdtemp(prefix="scatterx-scale-", dir=args.tmp))
    load_before = os.getloadavg()
    record = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": {
            "cores": len(os.sched_getaffinity(0)),
            "platform": platform.platform(),
            "processor": platform.machine(),
            "python": platform.python_version(),
        },
        "versions": {"scatterx": sx.__version__, "numpy": np.__version__},
        "network": net.to_dict(),
        "n_features": net.n_features,
        "chunk": CHUNK,
        "items": args.items,
        "load_average_before": load_before,
    }
    try:
        import dask
        import distributed
        import zarr

        record["versions"].update(dask=dask.__version__, distributed=distributed.__version__, zarr=zarr.__version__)
        data = make_data(tmp / "x.npy", args.items)
        warmup = make_data(tmp / "warmup.npy", 2 * CHUNK, seed=2)
        throughput = []
        extract(warmup, net, tmp / "sync.zarr", chunk=CHUNK, overwrite=True, progress=False)
        s, cpu = [], []
        for _ in range(args.repeats):
            before = cpu_seconds()
            summary = extract(data, net, tmp / "sync.zarr", chunk=CHUNK, overwrite=True, progress=False)
            s.append(summary.items_per_s)
            cpu.append((cpu_seconds() - before) / summary.items * 1000)
        throughput.append(
            {
                "config": "in-process (synchronous, all cores)",
                "workers": 1,
                "threads": None,
                "items_per_s": s,
                "cpu_s_per_1000_items": cpu,
            }
        )
        print(f"synchronous: {statistics.median(s):.0f} items/s", flush=True)
        for workers, threads in ((1, 1), (1, 2), (2, 1)):
            runs, cpu, _, peak = run_on_cluster(workers, threads, data, net, tmp / "out.zarr", args.repeats, warmup)
            throughput.append(
                {
                    "config": f"local:{workers}, {threads} thread(s) per task",
                    "workers": workers,
                    "threads": threads,
                    "items_per_s": runs,
                    "cpu_s_per_1000_items": cpu,
                    "worker_peak_rss_mb": peak,
                }
            )
            print(f"{workers} worker(s) × {threads} thread(s): {statistics.median(runs):.0f} items/s", flush=True)
        rate = {(t["workers"], t["threads"]): statistics.median(t["items_per_s"]) for t in throughput}
        record["throughput"] = throughput
        record["speedup_1_to_2_workers"] = rate[(2, 1)] / rate[(1, 1)]
        memory = []
        for n in args.memory_items:
            path = make_data(tmp / f"m{n}.npy", n, seed=1)
            reset_peak_rss()
            client_before = peak_rss_mb()
            t0 = time.perf_counter()
            runs, _, start, peak = run_on_cluster(2, 1, path, net, tmp / "m.zarr", 1)
            memory.append(
                {
                    "items": n,
                    "worker_rss_at_start_mb": start,
                    "worker_peak_rss_mb": peak,
                    "client_peak_rss_mb_before": client_before,
                    "client_peak_rss_mb_after": peak_rss_mb(),
                    "items_per_s": runs[0],
                    "seconds": time.perf_counter() - t0,
                    "input_mb": path.stat().st_size / 2**20,
                    "output_mb": sum(f.stat().st_size for f in (tmp / "m.zarr").rglob("*") if f.is_file()) / 2**20,
                }
            )
            print(f"{n} items: worker peak RSS {peak} MB", flush=True)
            path.unlink()
        record["memory"] = memory
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    record["load_average_after"] = os.getloadavg()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "scale.json").write_text(json.dumps(record, indent=2))
    (out / "scale.md").write_text(markdown(record))
    print(markdown(record))
    return 0


def markdown(r):
    m = r["machine"]
    lines = [
        f"# Dataset-scale extraction ({r['date']})",
        "",
        f"{m['cores']} cores, {m['platform']}, Python {m['python']}; "
        f"scatterx {r['versions']['scatterx']}, dask {r['versions'].get('dask')}, "
        f"zarr {r['versions'].get('zarr')}.  Network: Morlet J=2 L=4, 2 layers, modulus, sub-sampling 2, "
        f"{r['n_features']} features per 28×28 float32 image; chunk {r['chunk']} items; output Zarr.  "
        f"Load average (1, 5, 15 min) before: {', '.join(f'{v:.1f}' for v in r['load_average_before'])}; "
        f"after: {', '.join(f'{v:.1f}' for v in r['load_average_after'])}.",
        "",
    ]
    if "throughput" in r:
        lines += [
            f"## Throughput, {r['items']:,} images",
            "",
            "| configuration | items/s (median) | runs | CPU s per 1000 items (median) |",
            "|---|---|---|---|",
        ]
        for t in r["throughput"]:
            lines.append(
                f"| {t['config']} | {statistics.median(t['items_per_s']):.0f} | "
                f"{', '.join(f'{v:.0f}' for v in t['items_per_s'])} | "
                f"{statistics.median(t['cpu_s_per_1000_items']):.3f} |"
            )
        lines += ["", f"Speed-up from 1 to 2 workers (one thread each): **{r['speedup_1_to_2_workers']:.2f}×**.", ""]
    if "memory" in r:
        lines += [
            "## Memory per worker as the data set grows (2 workers, fresh cluster each)",
            "",
            "| images | input (MB) | output (MB) | worker RSS at start (MB) | worker peak RSS (MB) | "
            "this process's peak RSS (MB) | items/s |",
            "|---|---|---|---|---|---|---|",
        ]
        for x in r["memory"]:
            lines.append(
                f"| {x['items']:,} | {x['input_mb']:.0f} | {x['output_mb']:.0f} | "
                f"{' / '.join(f'{v:.0f}' for v in x['worker_rss_at_start_mb'])} | "
                f"{' / '.join(f'{v:.0f}' for v in x['worker_peak_rss_mb'])} | "
                f"{x['client_peak_rss_mb_after']:.0f} | {x['items_per_s']:.0f} |"
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
