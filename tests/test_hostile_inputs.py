"""Extraction as a careless or hostile user drives it: nothing lost, nothing faked, nothing hung.

Each test is one case of ``docs/extract.md``'s guarantees table: outputs are
sacred, complete means correct, inputs are read without surprises.  Faults are
injected for real where the kernel can do it (a file-size limit, a full
tmpfs, a killed process, a held lock, a corrupted store).
"""

import errno
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import tiny_extraction_network

zarr = pytest.importorskip("zarr")
pytest.importorskip("dask.array")

from scatterx.extract import extract, main  # noqa: E402
from scatterx.io import (  # noqa: E402
    InputError,
    NpySource,
    OutputInUseError,
    OutputLock,
    open_features,
    open_source,
    sink_for,
)

ROOT = Path(__file__).resolve().parents[1]
CHUNK = 16


@pytest.fixture(scope="module")
def net():
    return tiny_extraction_network()


@pytest.fixture(scope="module")
def x():
    return np.random.default_rng(11).random((70, 8, 8))


@pytest.fixture
def npy(tmp_path, x):
    np.save(tmp_path / "x.npy", x)
    return tmp_path / "x.npy"


def expected(net, x, chunk=CHUNK):
    return np.concatenate([net(x[i : i + chunk]) for i in range(0, len(x), chunk)])


def read(path):
    feats, meta = open_features(path)
    return np.asarray(feats[:]), meta


def run(*args, **kw):
    return extract(*args, chunk=kw.pop("chunk", CHUNK), progress=False, **kw)


# ================================================================== outputs are sacred
@pytest.mark.parametrize("overwrite", [False, True])
def test_output_that_is_the_input_is_refused_and_the_input_kept(tmp_path, net, npy, overwrite):
    before = npy.read_bytes()
    with pytest.raises(ValueError, match="is the input .*refused"):
        run(npy, net, npy, overwrite=overwrite)
    assert npy.read_bytes() == before


def test_zarr_input_as_its_own_output_is_refused(tmp_path, net, x):
    zarr.create_array(str(tmp_path / "x.zarr"), data=x, chunks=(10, 8, 8))
    with pytest.raises(ValueError, match="is the input"):
        run(tmp_path / "x.zarr", net, tmp_path / "x.zarr", overwrite=True)
    np.testing.assert_array_equal(open_source(tmp_path / "x.zarr")[0:70], x)


def test_output_inside_or_around_the_input_is_refused(tmp_path, net, x, npy):
    zarr.create_array(str(tmp_path / "x.zarr"), data=x, chunks=(10, 8, 8))
    with pytest.raises(ValueError, match="lies inside the input"):
        run(tmp_path / "x.zarr", net, tmp_path / "x.zarr" / "features.zarr")
    with pytest.raises(ValueError, match="contains the input"):
        run(npy, net, tmp_path, overwrite=True)
    os.link(npy, tmp_path / "alias.npy")  # another name of the same file
    with pytest.raises(ValueError, match="is the input"):
        run(npy, net, tmp_path / "alias.npy", overwrite=True)
    np.testing.assert_array_equal(np.load(npy), x)


def test_overwrite_refuses_a_zarr_group_and_foreign_arrays(tmp_path, net, npy):
    g = zarr.open_group(str(tmp_path / "g.zarr"), mode="w")
    g.create_array("keep", data=np.arange(5.0))
    with pytest.raises(FileExistsError, match="is a Zarr group, not an array: not deleting it"):
        run(npy, net, tmp_path / "g.zarr", overwrite=True)
    zarr.create_array(str(tmp_path / "a.zarr"), data=np.ones((3, 3)))
    with pytest.raises(FileExistsError, match="scatterx did not write"):
        run(npy, net, tmp_path / "a.zarr", overwrite=True)
    np.testing.assert_array_equal(zarr.open_group(str(tmp_path / "g.zarr"))["keep"][:], np.arange(5.0))
    np.testing.assert_array_equal(zarr.open_array(str(tmp_path / "a.zarr"))[:], np.ones((3, 3)))


def test_overwrite_keeps_an_output_holding_a_users_file(tmp_path, net, npy):
    run(npy, net, tmp_path / "o.zarr")
    (tmp_path / "o.zarr" / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match=r"holds files scatterx did not write \(notes.txt\)"):
        run(npy, net, tmp_path / "o.zarr", overwrite=True)
    assert (tmp_path / "o.zarr" / "notes.txt").read_text() == "mine" and read(tmp_path / "o.zarr")[1]["complete"]


def test_a_users_folder_named_like_the_markers_is_never_removed(tmp_path, net, npy):
    (tmp_path / "o.npy.done").mkdir()
    (tmp_path / "o.npy.done" / "thesis.tex").write_text("years of work")
    with pytest.raises(FileExistsError, match="exists; pass resume=True"):
        run(npy, net, tmp_path / "o.npy")
    with pytest.raises(FileExistsError, match="has no scatterx metadata file o.npy.json: not deleting it"):
        run(npy, net, tmp_path / "o.npy", overwrite=True)
    assert (tmp_path / "o.npy.done" / "thesis.tex").read_text() == "years of work"


def test_overwrite_replaces_scatterx_own_output(tmp_path, net, x, npy):
    run(npy, net, tmp_path / "o.npy", chunk=8)
    run(npy, net, tmp_path / "o.npy", overwrite=True)
    feats, meta = read(tmp_path / "o.npy")
    np.testing.assert_array_equal(feats, expected(net, x))
    assert meta["chunk"] == CHUNK


def test_resume_with_another_input_of_the_same_shape_is_refused(tmp_path, net, x, npy):
    run(npy, net, tmp_path / "o.zarr")
    meta = read(tmp_path / "o.zarr")[1]
    assert meta["source"]["fingerprint"]["path"] == str(npy.resolve()) and meta["source"]["fingerprint"]["size"] > 0
    np.save(tmp_path / "other.npy", x[::-1])
    with pytest.raises(ValueError, match="cannot resume .*another resolved path"):
        run(tmp_path / "other.npy", net, tmp_path / "o.zarr", resume=True)
    np.save(npy, x * 0.5)  # the same path, other content
    with pytest.raises(ValueError, match="cannot resume .*another content hash.*mix two inputs"):
        run(npy, net, tmp_path / "o.zarr", resume=True)


HELD_RUN = """
import os, sys, time
from scatterx.io import NpySource
from scatterx.extract import extract

READS = []


class Held(NpySource):  # reads one chunk, then waits (a minute at most) for the test's release file

    def _read(self, start, stop):
        deadline = time.monotonic() + 60
        while READS and not os.path.exists(sys.argv[4]) and time.monotonic() < deadline:
            time.sleep(0.01)
        READS.append(start)
        return super()._read(start, stop)

extract(Held(sys.argv[1]), sys.argv[2], sys.argv[3], chunk=8, overwrite=True, progress=False)
"""


def start_held_run(tmp_path, net, npy, out):
    """A run in another process that writes one chunk of ``out``, then waits for ``tmp_path / "release"``."""
    (tmp_path / "net.json").write_text(json.dumps(net.to_dict()))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p])}
    cmd = [sys.executable, "-c", HELD_RUN, str(npy), str(tmp_path / "net.json"), str(out), str(tmp_path / "release")]
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not first_marker(out) and time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read().decode()
        time.sleep(0.01)
    return proc


def first_marker(out):
    """Whether a chunk of ``out`` is marked done: a marker file, not only its folder.

    The folder is made just before the first marker is moved into it; a run
    killed in between has no chunk done (a CI run met that: the resumed run
    then rewrote all 9 chunks, and skipped none).
    """
    markers = out / "scatterx_done"
    return markers.is_dir() and any(p.name.isdigit() for p in markers.iterdir())


def test_a_second_run_on_the_same_output_is_refused_naming_the_holder(tmp_path, net, x, npy):
    out = tmp_path / "o.zarr"
    proc = start_held_run(tmp_path, net, npy, out)
    for overwrite in (False, True):
        with pytest.raises(OutputInUseError, match=rf"being written by another run: process {proc.pid} on "):
            run(npy, net, out, overwrite=overwrite)
    (tmp_path / "release").touch()
    assert proc.wait(timeout=120) == 0, proc.stderr.read().decode()
    np.testing.assert_array_equal(read(out)[0], expected(net, x, 8))  # the holder's features, whole


def test_the_lock_dies_with_its_holder(tmp_path, net, x, npy):
    out = tmp_path / "o.zarr"
    proc = start_held_run(tmp_path, net, npy, out)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert run(npy, net, out, resume=True, chunk=8).skipped >= 1  # no stale lock after SIGKILL
    np.testing.assert_array_equal(read(out)[0], expected(net, x, 8))


def test_lock_is_exclusive_in_one_process_too(tmp_path, net, npy):
    sink = sink_for(tmp_path / "o.npy")
    with OutputLock(sink.lock_path(), sink.path):
        with pytest.raises(OutputInUseError, match=f"process {os.getpid()} on"):
            run(npy, net, tmp_path / "o.npy")
    assert not sink.lock_path().exists()
    run(npy, net, tmp_path / "o.npy")


# ================================================================== complete means correct
@pytest.mark.filterwarnings("ignore:.*encountered in:RuntimeWarning")  # NumPy's own overflow warning comes first
def test_float32_overflow_names_the_item_and_is_never_written(tmp_path, net, x):
    big = x.astype(np.float32)
    big[37] *= np.float32(1e38)  # finite in float32 (max 3.4e38), but its Fourier sums are not
    np.save(tmp_path / "big.npy", big)
    out = tmp_path / "o.zarr"
    with pytest.raises(InputError, match=r"item 37 are not finite: float32 overflow .*float64") as info:
        run(tmp_path / "big.npy", net, out)
    notes = "".join(info.value.__notes__)
    assert "resume" not in notes and "fix the input" in notes
    assert 37 // CHUNK not in sink_for(out).done_chunks() and not sink_for(out).metadata()["complete"]
    run(tmp_path / "big.npy", net, out, dtype="float64", overwrite=True)  # float64 holds them: a correct result
    np.testing.assert_allclose(read(out)[0], expected(net, big.astype(np.float64)), rtol=1e-12)


def test_nan_item_is_named_by_its_index_in_the_input(tmp_path, net, x):
    bad = x.copy()
    bad[52, 1, 2] = np.nan
    np.save(tmp_path / "bad.npy", bad)
    with pytest.raises(InputError, match="item 52 of the input holds NaN or Inf") as info:
        run(tmp_path / "bad.npy", net, tmp_path / "o.zarr")
    assert "resume" not in "".join(info.value.__notes__)
    assert 52 // CHUNK not in sink_for(tmp_path / "o.zarr").done_chunks()


def test_huge_scale_in_a_config_is_refused_before_any_output(tmp_path, net, npy):
    config = net.to_dict()
    config["modules"][0]["frame"]["scale"] = 1e308
    with pytest.raises(ValueError, match=r"scale must lie in \[1e-150, 1e\+150\]"):
        run(npy, config, tmp_path / "o.zarr")
    assert not (tmp_path / "o.zarr").exists()


def test_missing_zarr_chunk_and_inflated_metadata_are_detected(tmp_path, net, x):
    zarr.create_array(str(tmp_path / "x.zarr"), data=x, chunks=(10, 8, 8))
    (tmp_path / "x.zarr" / "c" / "4" / "0" / "0").unlink()
    with pytest.raises(ValueError, match=r"1 chunk\(s\) .* missing .*'c/4/0/0', items from 40.*fill value"):
        run(tmp_path / "x.zarr", net, tmp_path / "o.zarr")
    assert not (tmp_path / "o.zarr").exists()
    filled = x.copy()
    filled[40:50] = 0.0
    run(tmp_path / "x.zarr", net, tmp_path / "o.zarr", allow_missing=True)  # the user says: zeros are the data
    np.testing.assert_array_equal(read(tmp_path / "o.zarr")[0], expected(net, filled))
    zarr.create_array(str(tmp_path / "y.zarr"), data=x, chunks=(10, 8, 8))
    meta = json.loads((tmp_path / "y.zarr" / "zarr.json").read_text())
    meta["shape"][0] = 100  # claims 30 items more than were stored
    (tmp_path / "y.zarr" / "zarr.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match=r"3 chunk\(s\) .* missing .* items from 70"):
        open_source(tmp_path / "y.zarr")


def test_hdf5_virtual_external_and_scalar_datasets(tmp_path, x):
    h5py = pytest.importorskip("h5py")
    with h5py.File(tmp_path / "src.h5", "w") as f:
        f["x"] = x
    layout = h5py.VirtualLayout(shape=x.shape, dtype=x.dtype)
    layout[:] = h5py.VirtualSource(str(tmp_path / "src.h5"), "x", shape=x.shape)
    with h5py.File(tmp_path / "v.h5", "w") as f:
        f.create_virtual_dataset("x", layout, fillvalue=0)
    (tmp_path / "src.h5").unlink()  # the source file is gone: HDF5 would read zeros
    with pytest.raises(ValueError, match="virtual dataset.*fill values.*allow_external=True"):
        open_source(tmp_path / "v.h5")
    assert open_source(tmp_path / "v.h5", allow_external=True).shape == x.shape
    (tmp_path / "raw.bin").write_bytes(x.tobytes())
    with h5py.File(tmp_path / "e.h5", "w") as f:
        f.create_dataset("x", shape=x.shape, dtype=x.dtype, external=[(str(tmp_path / "raw.bin"), 0, x.nbytes)])
    with pytest.raises(ValueError, match="external dataset"):
        open_source(tmp_path / "e.h5")
    with h5py.File(tmp_path / "s.h5", "w") as f:
        f["x"] = 3.0
    with pytest.raises(ValueError, match="holds a scalar"):
        open_source(tmp_path / "s.h5")


def test_masked_big_endian_and_matrix_inputs(tmp_path, net, x):
    masked = np.ma.masked_array(x, mask=np.zeros(x.shape, bool))
    masked[3, 0, 0] = np.ma.masked
    with pytest.raises(ValueError, match="masked array with 1 masked entries.*filled"):
        run(masked, net, tmp_path / "m.zarr")
    run(np.ma.masked_array(x), net, tmp_path / "unmasked.zarr")  # no entry masked: its data
    np.testing.assert_array_equal(read(tmp_path / "unmasked.zarr")[0], expected(net, x))
    np.save(tmp_path / "be.npy", x.astype(">f4"))
    run(tmp_path / "be.npy", net, tmp_path / "be.zarr")
    feats, meta = read(tmp_path / "be.zarr")
    assert meta["dtype"] == "float32"
    np.testing.assert_array_equal(feats, expected(net, x.astype(np.float32)))


FILL_TO_LIMIT = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead of killing us
limit = int(sys.argv[4])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
from scatterx.extract import extract
try:
    extract(sys.argv[1], sys.argv[2], sys.argv[3], chunk=16, progress=False)
except OSError as e:
    print(e, file=sys.stderr)
    sys.exit(3)
"""


def test_npy_output_past_a_file_size_limit_is_an_oserror_naming_the_chunk(tmp_path, net, x, npy):
    (tmp_path / "net.json").write_text(json.dumps(net.to_dict()))
    out = tmp_path / "o.npy"
    row = net.n_features * 8
    limit = 128 + 2 * CHUNK * row  # the header and two chunks fit, the third does not
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-c", FILL_TO_LIMIT, str(npy), str(tmp_path / "net.json"), str(out), str(limit)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 3, proc.stderr  # an OSError, not a SIGBUS
    failed = re.search(
        rf"writing chunk (\d) \(rows \d+:\d+\) of {re.escape(str(out))} failed: File too large", proc.stderr
    )
    assert failed, proc.stderr
    done = sink_for(out).done_chunks()
    assert int(failed.group(1)) not in done and len(done) < 5  # the failed chunk is never marked done
    assert run(npy, net, out, resume=True).skipped == len(done)  # without the limit: resume finishes it
    np.testing.assert_array_equal(read(out)[0], expected(net, x))


class FillingSource(NpySource):
    """Fills the disk of ``disk`` (another writer) when chunk 1 is read: the next write meets ENOSPC."""

    def __init__(self, path, disk):
        super().__init__(path)
        self.disk = Path(disk)

    def _read(self, start, stop):
        if start == CHUNK and not (self.disk / "filler").exists():
            with open(self.disk / "filler", "wb") as f:
                try:
                    f.write(b"\0" * shutil.disk_usage(self.disk).free)
                except OSError:
                    pass
        return super()._read(start, stop)


@pytest.fixture
def tiny_disk(tmp_path):
    """A 40 KiB tmpfs (root only; skipped elsewhere), unmounted after the test."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=40k", "tmpfs", str(mnt)], capture_output=True).returncode:
        pytest.skip("mounting a tmpfs needs root")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_full_disk_is_an_oserror_naming_the_chunk_and_resume_finishes(tiny_disk, net, npy):
    x = np.load(npy)
    out = tiny_disk / "o.npy"
    # The features need 47 KiB: the output's check of free space refuses at once, nothing written.
    with pytest.raises(OSError, match="needs .* more but its disk has .* free") as info:
        run(npy, net, out)
    assert info.value.errno == errno.ENOSPC and not out.exists()
    # Another writer fills the disk during the run: ENOSPC at a chunk's write, the chunks before stay done.
    small = npy.with_name("small.npy")
    np.save(small, x[:48])
    with pytest.raises(OSError, match=r"writing chunk \d \(rows \d+:\d+\) of .*o.npy failed: No space left") as info:
        run(FillingSource(small, tiny_disk), net, out, retries=0)
    failed = int(re.search(r"writing chunk (\d)", str(info.value)).group(1))
    done = sink_for(out).done_chunks()
    assert info.value.errno == errno.ENOSPC and failed not in done and len(done) < 3
    (tiny_disk / "filler").unlink()
    subprocess.run(["mount", "-o", "remount,size=128k", str(tiny_disk)], check=True)  # the user frees space
    assert run(small, net, out, resume=True).skipped == len(done)
    np.testing.assert_array_equal(read(out)[0], expected(net, x[:48]))


def test_compressed_inputs_are_opened_without_decompressing_them(tmp_path):
    import gzip
    import tracemalloc
    import zipfile

    n, grid = 4000, (64, 64)  # 16 MiB of uint8 zeros, a few KiB compressed
    header = {"descr": "|u1", "fortran_order": False, "shape": (n,) + grid}
    with zipfile.ZipFile(tmp_path / "z.npz", "w", zipfile.ZIP_DEFLATED) as z, z.open("x.npy", "w") as f:
        np.lib.format.write_array_header_1_0(f, header)
        for _ in range(n):
            f.write(bytes(64 * 64))
    with gzip.open(tmp_path / "i-idx3-ubyte.gz", "wb", compresslevel=1) as f:
        f.write(b"\0\0\x08\x03" + np.array([n, *grid], ">u4").tobytes())
        for _ in range(n):
            f.write(bytes(64 * 64))
    for path in (tmp_path / "z.npz", tmp_path / "i-idx3-ubyte.gz"):
        tracemalloc.start()
        src = open_source(path)
        items = src[1000:1010]
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert src.shape == (n,) + grid and items.shape == (10,) + grid and not items.any()
        assert peak < n * 64 * 64 / 4, f"{path.name}: {peak} bytes held to open it and read 10 items"


def test_image_bomb_is_refused_before_decoding(tmp_path, monkeypatch):
    from PIL import Image

    Image.fromarray(np.zeros((40, 50), np.uint8)).save(tmp_path / "a.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # Pillow's own public limit, lowered for the test
    with pytest.warns(Image.DecompressionBombWarning), pytest.raises(ValueError, match=r"is 40×50 = 2000 pixels"):
        open_source(tmp_path)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 500)  # over twice the limit: Pillow itself refuses at open
    with pytest.raises(ValueError, match=r"image .*a.png: .*2000 pixels.*decompression bomb"):
        open_source(tmp_path)


def test_cuda_without_cuda_is_a_clear_error(tmp_path, net, npy):
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(ValueError, match="torch sees no CUDA device"):
        run(npy, net, tmp_path / "o.zarr", backend="torch", device="cuda")
    with pytest.raises(ValueError, match="is not a torch device"):
        run(npy, net, tmp_path / "o.zarr", backend="torch", device="gpu0")


def test_command_line_reports_a_worker_error_as_one_line(tmp_path, net, x, capfd):
    pytest.importorskip("distributed")
    bad = x.copy()
    bad[21, 0, 0] = np.inf
    np.save(tmp_path / "bad.npy", bad)
    (tmp_path / "net.json").write_text(json.dumps(net.to_dict()))
    argv = [str(tmp_path / "bad.npy"), str(tmp_path / "o.zarr"), "--config", str(tmp_path / "net.json")]
    assert main(argv + ["--chunk", "16", "--cluster", "local:1", "--quiet"]) == 1
    err = capfd.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("scatterx extract: item 21 of the input holds NaN or Inf"), err
    assert "resume" not in err[0]


def test_a_chunk_too_large_for_memory_is_refused_before_any_work(tmp_path, net):
    items = np.broadcast_to(np.zeros((1, 8, 8)), (10**9, 8, 8))  # a billion items, no memory behind them
    with pytest.raises(ValueError, match=r"1 task\(s\) of 1000000000 items .* would need about .*smaller chunk"):
        run(items, net, tmp_path / "o.zarr", chunk=10**9)
    assert not (tmp_path / "o.zarr").exists()


@pytest.mark.parametrize(
    "options, message",
    [
        ({"chunk": 0}, "chunk must be a positive int"),
        ({"chunk": 2.0}, "chunk must be a positive int"),
        ({"retries": -1}, "retries must be an int >= 0"),
        ({"threads": 0}, "threads must be a positive int"),
        ({"scheduler": "local:0"}, "local:W"),
        ({"backend": "jax"}, "backend must be 'numpy' or 'torch'"),
        ({"dtype": "float16"}, "dtype must be float32 or float64"),
    ],
)
def test_bad_run_options_are_refused_before_any_output(tmp_path, net, npy, options, message):
    with pytest.raises((ValueError, TypeError), match=message):
        extract(npy, net, tmp_path / "o.zarr", progress=False, **options)
    assert not (tmp_path / "o.zarr").exists()
