"""scatterx.extract: the same features on one core, on threads and on a Dask cluster, through faults."""

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import tiny_extraction_network

import frames
import scatterx as sx

da = pytest.importorskip("dask.array")
zarr = pytest.importorskip("zarr")

from scatterx.extract import extract, features, main  # noqa: E402
from scatterx.io import NpySource, ZarrSink, open_features  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CHUNK = 16


@pytest.fixture(scope="module")
def net():
    return tiny_extraction_network()


@pytest.fixture(scope="module")
def x():
    return np.random.default_rng(7).random((70, 8, 8))


def chunked(net, x, chunk=CHUNK):
    """The in-memory path, chunk by chunk: what every scheduler must reproduce bit for bit."""
    return np.concatenate([net(x[i : i + chunk]) for i in range(0, len(x), chunk)])


def read(path):
    feats, meta = open_features(path)
    return np.asarray(feats[:]), meta


@pytest.fixture
def npy(tmp_path, x):
    np.save(tmp_path / "x.npy", x)
    return tmp_path / "x.npy"


def write_input(fmt, tmp_path, x):
    """x written in format ``fmt``; returns (path, the array as that format stores it)."""
    if fmt == "npy":
        np.save(tmp_path / "x.npy", x)
        return tmp_path / "x.npy", x
    if fmt == "npz":
        np.savez_compressed(tmp_path / "x.npz", x=x)
        return tmp_path / "x.npz", x
    if fmt == "zarr":
        zarr.create_array(str(tmp_path / "x.zarr"), data=x, chunks=(10, 8, 8))
        return tmp_path / "x.zarr", x
    if fmt == "hdf5":
        h5py = pytest.importorskip("h5py")
        with h5py.File(tmp_path / "x.h5", "w") as f:
            f["x"] = x
        return tmp_path / "x.h5", x
    q = np.round(x * 255).astype(np.uint8)
    if fmt == "idx":
        from test_io import write_idx

        return write_idx(tmp_path / "x-idx3-ubyte.gz", q, gz=True), q
    from PIL import Image

    (tmp_path / "imgs").mkdir()
    for i, im in enumerate(q):
        Image.fromarray(im).save(tmp_path / "imgs" / f"{i:03d}.png")
    return tmp_path / "imgs", q.astype(np.float32) / 255


# ------------------------------------------------------------------ same numbers
@pytest.mark.parametrize("fmt", ["npy", "npz", "zarr", "hdf5", "idx", "images"])
def test_every_input_format_gives_the_in_memory_features(fmt, tmp_path, net, x):
    path, stored = write_input(fmt, tmp_path, x)
    summary = extract(path, net, tmp_path / "out.zarr", chunk=CHUNK, progress=False)
    feats, meta = read(tmp_path / "out.zarr")
    np.testing.assert_array_equal(feats, chunked(net, stored.astype(feats.dtype)))
    assert summary.items == summary.total == 70 and summary.written == 5 and summary.skipped == 0
    assert meta["feature_names"] == net.get_feature_names() and meta["network"] == net.to_dict()
    assert meta["scatterx_version"] == sx.__version__ and meta["complete"] is True
    assert tuple(meta["chunks"]) == (CHUNK, net.n_features) and meta["source"]["format"] == fmt


def test_threads_and_npy_output_give_the_same_bits(tmp_path, net, x, npy):
    extract(npy, net, tmp_path / "a.zarr", chunk=CHUNK, progress=False)
    extract(npy, net, tmp_path / "b.npy", chunk=CHUNK, scheduler="threads:2", progress=False)
    a, _ = read(tmp_path / "a.zarr")
    b, meta = read(tmp_path / "b.npy")
    np.testing.assert_array_equal(a, b)
    assert meta["complete"] and json.loads((tmp_path / "b.npy.json").read_text())["chunk"] == CHUNK


def test_default_chunk_gives_the_bits_of_the_whole_array(tmp_path, net, x, npy):
    extract(npy, net, tmp_path / "a.zarr", progress=False)
    feats, _ = read(tmp_path / "a.zarr")
    np.testing.assert_array_equal(feats, net(x))
    # another chunking agrees to rounding
    extract(npy, net, tmp_path / "b.zarr", chunk=7, progress=False)
    np.testing.assert_allclose(read(tmp_path / "b.zarr")[0], net(x), rtol=1e-12, atol=1e-14)


def test_local_cluster_of_two_processes_gives_the_same_bits(tmp_path, net, x, npy, capsys):
    pytest.importorskip("distributed")
    summary = extract(npy, net, tmp_path / "out.zarr", chunk=CHUNK, scheduler="local:2", progress=True)
    np.testing.assert_array_equal(read(tmp_path / "out.zarr")[0], chunked(net, x))
    assert summary.scheduler == "local:2" and summary.items == 70
    out, err = capsys.readouterr()
    assert out == "" and "70/70" in err  # one progress bar, on stderr, under a client as without one


def test_the_graph_carries_the_config_not_the_filters(tmp_path):
    import cloudpickle

    from scatterx.io import open_source

    big = sx.Network([sx.Module(frames.morlet(J=2, L=8), sx.Modulus())] * 2, shape=(32, 32))
    np.save(tmp_path / "x.npy", np.zeros((40, 32, 32)))
    x = da.from_array(open_source(tmp_path / "x.npy"), chunks=(CHUNK, 32, 32), meta=np.empty((0, 0, 0)))
    graph = features(x, big).__dask_graph__()
    bank_bytes = sum(big.bank(n).filters.nbytes for n in range(big.depth))
    assert len(cloudpickle.dumps(dict(graph))) < 20_000 < bank_bytes


# ------------------------------------------------------------------ faults
class DyingSource(NpySource):
    """Kills its worker process (os._exit) the first time chunk ``at`` is read."""

    def __init__(self, path, flag, at):
        super().__init__(path)
        self.flag, self.at = str(flag), at

    def _read(self, start, stop):
        if start == self.at and not os.path.exists(self.flag):
            Path(self.flag).write_text(str(os.getpid()))
            os._exit(1)
        return super()._read(start, stop)


class FlakySource(NpySource):
    """Raises OSError on the first read of every chunk (a transient failure)."""

    def __init__(self, path, folder):
        super().__init__(path)
        self.folder = str(folder)

    def _read(self, start, stop):
        flag = Path(self.folder) / f"failed-{start}"
        if not flag.exists():
            flag.write_text("")
            raise OSError(errno.EIO, "transient read error")
        return super()._read(start, stop)


def test_worker_death_is_survived_with_identical_output(tmp_path, net, x, npy):
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=50
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        pids = set(client.run(os.getpid).values())
        src = DyingSource(npy, tmp_path / "died", at=2 * CHUNK)
        summary = extract(src, net, tmp_path / "out.zarr", chunk=CHUNK, scheduler=client, progress=False)
        died = int((tmp_path / "died").read_text())
        assert died in pids  # a worker process did die mid-run …
        assert died not in set(client.run(os.getpid).values())  # … and was replaced
        by_address = extract(
            npy, net, tmp_path / "again.zarr", chunk=CHUNK, scheduler=cluster.scheduler_address, progress=False
        )  # an existing scheduler, by its tcp:// address
    np.testing.assert_array_equal(read(tmp_path / "out.zarr")[0], chunked(net, x))
    np.testing.assert_array_equal(read(tmp_path / "again.zarr")[0], chunked(net, x))
    assert summary.written == 5 and by_address.scheduler.startswith("address:tcp://")


def test_transient_read_errors_are_retried(tmp_path, net, x, npy):
    extract(FlakySource(npy, tmp_path), net, tmp_path / "out.zarr", chunk=CHUNK, retries=1, progress=False)
    np.testing.assert_array_equal(read(tmp_path / "out.zarr")[0], chunked(net, x))
    for f in tmp_path.glob("failed-*"):
        f.unlink()
    with pytest.raises(ValueError, match=r"cannot read items \d+:\d+: .*transient read error") as info:
        extract(FlakySource(npy, tmp_path), net, tmp_path / "out2.zarr", chunk=CHUNK, retries=0, progress=False)
    assert "0 of 5 chunks" in "".join(info.value.__notes__)


SLOW_RUN = """
import sys, time
from scatterx.io import NpySource
from scatterx.extract import extract

class Slow(NpySource):
    def _read(self, start, stop):
        time.sleep(0.25)
        return super()._read(start, stop)

extract(Slow(sys.argv[1]), sys.argv[2], sys.argv[3], chunk=int(sys.argv[4]), progress=False)
"""


def test_resume_after_sigkill_skips_the_chunks_done(tmp_path, net, x, npy):
    (tmp_path / "net.json").write_text(json.dumps(net.to_dict()))
    out = tmp_path / "out.zarr"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p])}
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_RUN, str(npy), str(tmp_path / "net.json"), str(out), str(8)],
        env=env,
        stderr=subprocess.PIPE,
    )
    done = out / "scatterx_done"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(done.glob("[0-9]*")) if done.exists() else []) < 3:
        assert proc.poll() is None, proc.stderr.read().decode()
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    n_done = len(list(done.glob("[0-9]*")))
    assert 3 <= n_done < 9
    assert ZarrSink(out).metadata()["complete"] is False
    with pytest.raises(FileExistsError, match="pass resume=True"):
        extract(npy, tmp_path / "net.json", out, chunk=8, progress=False)
    summary = extract(npy, tmp_path / "net.json", out, resume=True, progress=False)  # chunk from the output
    assert summary.skipped == n_done and summary.written == 9 - n_done
    np.testing.assert_array_equal(read(out)[0], chunked(net, x, 8))
    again = extract(npy, net, out, resume=True, progress=False)
    assert again.written == 0 and again.skipped == 9


@pytest.mark.parametrize("half_written", [False, True], ids=["fails-before", "fails-mid-chunk"])
def test_write_error_leaves_no_chunk_falsely_done(tmp_path, net, x, npy, monkeypatch, half_written):
    original = ZarrSink._write_rows

    def full_disk(self, start, data):
        if start == 2 * CHUNK:
            if half_written:  # the first rows reach the disk, then the disk is full
                original(self, start, np.full_like(data, -1.0)[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")
        return original(self, start, data)

    monkeypatch.setattr(ZarrSink, "_write_rows", full_disk)
    out = tmp_path / "out.zarr"
    with pytest.raises(OSError, match=r"writing chunk 2 \(rows 32:48\) of .*out.zarr failed: No space left") as info:
        extract(npy, net, out, chunk=CHUNK, retries=1, progress=False)
    assert info.value.errno == errno.ENOSPC
    done = ZarrSink(out).done_chunks()
    assert 2 not in done and f"{len(done)} of 5 chunks" in "".join(info.value.__notes__)
    assert ZarrSink(out).metadata()["complete"] is False
    with pytest.raises(ValueError, match="is not complete"):
        open_features(out)
    monkeypatch.setattr(ZarrSink, "_write_rows", original)
    summary = extract(npy, net, out, chunk=CHUNK, resume=True, progress=False)
    assert summary.skipped == len(done) and summary.written == 5 - len(done)
    np.testing.assert_array_equal(read(out)[0], chunked(net, x))


def test_corrupted_input_chunk_fails_clearly_and_keeps_the_good_chunks(tmp_path, net, x):
    zarr.create_array(str(tmp_path / "x.zarr"), data=x, chunks=(CHUNK, 8, 8))
    (tmp_path / "x.zarr" / "c" / "3" / "0" / "0").write_bytes(b"\x00garbage")
    out = tmp_path / "out.zarr"
    with pytest.raises(ValueError, match=r"x.zarr: cannot read items 48:64: corrupted chunk") as info:
        extract(tmp_path / "x.zarr", net, out, chunk=CHUNK, progress=False)
    assert "of 5 chunks" in "".join(info.value.__notes__)
    assert 3 not in ZarrSink(out).done_chunks()


def test_bad_configs_and_mismatches_are_refused_before_any_work(tmp_path, net, npy):
    newer = {**net.to_dict(), "scatterx_network": 99}
    with pytest.raises(ValueError, match="format version 99; .*upgrade scatterx"):
        extract(npy, newer, tmp_path / "o.zarr")
    other = sx.Network(net.modules, shape=(16, 16))
    with pytest.raises(ValueError, match=r"items have shape \(8, 8\) .* the network config expects \(16, 16\)"):
        extract(npy, other, tmp_path / "o.zarr")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ValueError, match="bad.json is not valid JSON"):
        extract(npy, tmp_path / "bad.json", tmp_path / "o.zarr")
    with pytest.raises(ValueError, match="needs backend='torch'"):
        extract(npy, net, tmp_path / "o.zarr", device="cuda")
    with pytest.raises(ValueError, match="local:W"):
        extract(npy, net, tmp_path / "o.zarr", scheduler="local:0")
    assert not (tmp_path / "o.zarr").exists()
    extract(npy, net, tmp_path / "o.zarr", chunk=CHUNK, progress=False)
    pruned = sx.Network(net.modules, shape=(8, 8), prune="frequency-decreasing", feature_grid=2)
    with pytest.raises(ValueError, match="cannot resume .*another network"):
        extract(npy, pruned, tmp_path / "o.zarr", chunk=CHUNK, resume=True)
    with pytest.raises(ValueError, match="cannot resume .*another chunk"):
        extract(npy, net, tmp_path / "o.zarr", chunk=8, resume=True)


def test_overwrite_never_deletes_what_is_not_an_output(tmp_path, net, npy):
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "notes.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="exists; pass resume=True"):
        extract(npy, net, tmp_path / "home", chunk=CHUNK, progress=False)
    with pytest.raises(FileExistsError, match="is not a Zarr array .*: not deleting it"):
        extract(npy, net, tmp_path / "home", chunk=CHUNK, overwrite=True, progress=False)
    assert (tmp_path / "home" / "notes.txt").read_text() == "keep me"
    (tmp_path / "empty").mkdir()
    extract(npy, net, tmp_path / "empty", chunk=CHUNK, progress=False)  # an empty folder is fine
    assert read(tmp_path / "empty")[1]["complete"]


def test_nan_in_the_input_is_an_error_naming_it(tmp_path, net, x):
    bad = x.copy()
    bad[40, 3, 3] = np.nan
    np.save(tmp_path / "bad.npy", bad)
    with pytest.raises(ValueError, match="NaN or Inf"):
        extract(tmp_path / "bad.npy", net, tmp_path / "o.zarr", chunk=CHUNK, progress=False)
    assert ZarrSink(tmp_path / "o.zarr").done_chunks() <= {0, 1, 3, 4}


# ------------------------------------------------------------------ command line
def test_command_line_extract(tmp_path, net, x, npy, capsys):
    (tmp_path / "net.json").write_text(json.dumps(net.to_dict()))
    assert (
        main(
            [
                str(npy),
                str(tmp_path / "f.npy"),
                "--config",
                str(tmp_path / "net.json"),
                "--chunk",
                str(CHUNK),
                "--dtype",
                "float32",
            ]
        )
        == 0
    )
    out = capsys.readouterr()
    assert "70 items (5 chunks) in" in out.out and "scatterx extract" in out.err  # summary, tqdm bar
    feats, meta = read(tmp_path / "f.npy")
    np.testing.assert_array_equal(feats, chunked(net, x.astype(np.float32)))
    assert feats.dtype == np.float32
    assert main([str(npy), str(tmp_path / "f.npy"), "--config", str(tmp_path / "net.json"), "--resume", "--quiet"]) == 0
    assert capsys.readouterr().out == ""
    assert main([str(npy), str(tmp_path / "f.npy"), "--config", str(tmp_path / "net.json")]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("scatterx extract: output ") and "exists; pass resume=True" in err[0]


def test_lazy_features_name_the_bad_item_by_its_index_in_the_array(net, x):
    from scatterx.io import InputError

    bad = x.copy()
    bad[45, 0, 0] = np.inf
    lazy = features(da.from_array(bad, chunks=(CHUNK, 8, 8)), net)
    with pytest.raises(InputError, match="item 45 of the input holds NaN or Inf"):
        lazy.compute(scheduler="sync")
