"""scatterx.io: every input format reads back what was written; every bad file is a clear ValueError."""

import gzip
import json
import struct

import numpy as np
import pytest

from scatterx.io import IMAGE_SUFFIXES, NpySink, ZarrSink, open_features, open_source, read_idx, sink_for


@pytest.fixture
def x(rng):
    return rng.standard_normal((10, 6, 5)).astype(np.float32)


def write_idx(path, a, magic=2051, gz=False):
    head = struct.pack(">I", magic) + struct.pack(f">{a.ndim}I", *a.shape)
    data = head + np.ascontiguousarray(a, dtype=np.uint8).tobytes()
    with (gzip.open if gz else open)(path, "wb") as f:
        f.write(data)
    return path


# ------------------------------------------------------------------ round trips
def test_npy_is_memory_mapped_and_reads_any_range(tmp_path, x):
    np.save(tmp_path / "x.npy", x)
    src = open_source(tmp_path / "x.npy")
    assert (src.format, src.shape, src.dtype) == ("npy", x.shape, np.float32)
    np.testing.assert_array_equal(src[3:7], x[3:7])
    np.testing.assert_array_equal(src[8:20], x[8:])
    np.testing.assert_array_equal(src[2:4, 1:3], x[2:4, 1:3])


@pytest.mark.parametrize("save", [np.savez, np.savez_compressed], ids=["stored", "compressed"])
def test_npz_round_trip_with_and_without_key(tmp_path, x, save):
    save(tmp_path / "one.npz", images=x)
    np.testing.assert_array_equal(open_source(tmp_path / "one.npz")[0:10], x)
    save(tmp_path / "two.npz", a=x, b=x[:3] * 2)
    np.testing.assert_array_equal(open_source(tmp_path / "two.npz", key="b")[0:3], x[:3] * 2)
    with pytest.raises(ValueError, match=r"holds 2 arrays \['a', 'b'\]; name one with key"):
        open_source(tmp_path / "two.npz")
    with pytest.raises(ValueError, match="has no array 'c'"):
        open_source(tmp_path / "two.npz", key="c")


def test_zarr_v3_array_and_group(tmp_path, x):
    zarr = pytest.importorskip("zarr")
    zarr.create_array(str(tmp_path / "a.zarr"), data=x, chunks=(3, 6, 5))
    src = open_source(tmp_path / "a.zarr")
    assert src.format == "zarr" and src.shape == x.shape
    np.testing.assert_array_equal(src[2:9], x[2:9])
    g = zarr.open_group(str(tmp_path / "g.zarr"), mode="w")
    g.create_array("images", data=x, chunks=(4, 6, 5))
    g.create_array("labels", data=np.arange(10), chunks=(10,))
    np.testing.assert_array_equal(open_source(tmp_path / "g.zarr", key="images")[0:10], x)
    np.testing.assert_array_equal(open_source(tmp_path / "g.zarr")[0:10], x)  # 'images' is preferred


def test_hdf5_dataset_by_key_or_the_only_one(tmp_path, x):
    h5py = pytest.importorskip("h5py")
    with h5py.File(tmp_path / "one.h5", "w") as f:
        f["grp/data"] = x
    np.testing.assert_array_equal(open_source(tmp_path / "one.h5")[1:4], x[1:4])
    with h5py.File(tmp_path / "two.h5", "w") as f:
        f["a"], f["b"] = x, x + 1
    np.testing.assert_array_equal(open_source(tmp_path / "two.h5", key="b")[0:2], x[:2] + 1)
    with pytest.raises(ValueError, match="holds 2 datasets"):
        open_source(tmp_path / "two.h5")


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
def test_idx_images_and_labels(tmp_path, rng, gz):
    imgs = rng.integers(0, 256, (7, 4, 3), dtype=np.uint8)
    path = write_idx(tmp_path / "i-idx3-ubyte", imgs, gz=gz)
    src = open_source(path)
    assert (src.format, src.shape, src.dtype) == ("idx", (7, 4, 3), np.uint8)
    np.testing.assert_array_equal(src[2:6], imgs[2:6])
    labels = write_idx(tmp_path / "l-idx1-ubyte", np.arange(7, dtype=np.uint8), magic=2049, gz=gz)
    np.testing.assert_array_equal(read_idx(labels, expect=2049), np.arange(7))


def test_image_folder_grey_policy_and_resize(tmp_path, rng):
    from PIL import Image

    grey = rng.integers(0, 256, (6, 5), dtype=np.uint8)
    rgb = rng.integers(0, 256, (6, 5, 3), dtype=np.uint8)
    deep = rng.integers(0, 65536, (6, 5)).astype(np.uint16)
    Image.fromarray(grey).save(tmp_path / "a.png")
    Image.fromarray(rgb).save(tmp_path / "b.png")
    Image.fromarray(deep).save(tmp_path / "c.png")
    Image.fromarray(grey).resize((10, 12)).save(tmp_path / "d.PNG")
    (tmp_path / "notes.txt").write_text("not an image")
    src = open_source(tmp_path)
    assert src.format == "images" and src.shape == (4, 6, 5) and src.dtype == np.float32
    out = src[0:4]
    np.testing.assert_allclose(out[0], grey / 255.0, rtol=1e-6)
    luma = np.asarray(Image.fromarray(rgb).convert("L"), np.float32) / 255.0
    np.testing.assert_allclose(out[1], luma, rtol=1e-6)
    np.testing.assert_allclose(out[1], (rgb @ [0.299, 0.587, 0.114]) / 255.0, atol=1.5 / 255)
    np.testing.assert_allclose(out[2], deep / 65535.0, rtol=1e-6)
    assert out[3].shape == (6, 5) and 0 <= out[3].min() and out[3].max() <= 1  # resized
    with pytest.raises(ValueError, match=r"d.PNG: is 12×10, not the grid 6×5 \(resize=False\)"):
        open_source(tmp_path, resize=False)[3:4]
    assert open_source(tmp_path, shape=(3, 4))[0:4].shape == (4, 3, 4)
    assert ".png" in IMAGE_SUFFIXES and ".jpeg" in IMAGE_SUFFIXES


def test_in_memory_array_is_a_source(x):
    src = open_source(x)
    assert src.format == "array"
    np.testing.assert_array_equal(src[1:3], x[1:3])


# ------------------------------------------------------------------ bad files
def test_truncated_npy(tmp_path, x):
    np.save(tmp_path / "x.npy", x)
    data = (tmp_path / "x.npy").read_bytes()
    (tmp_path / "x.npy").write_bytes(data[:-17])
    with pytest.raises(ValueError, match=r"x.npy is truncated: its header says \(10, 6, 5\) float32"):
        open_source(tmp_path / "x.npy")
    (tmp_path / "x.npy").write_bytes(data[:20])
    with pytest.raises(ValueError, match="not a valid .npy stream"):
        open_source(tmp_path / "x.npy")


def test_object_arrays_are_refused_without_pickle(tmp_path):
    obj = np.array([{"a": 1}, None], dtype=object)
    np.save(tmp_path / "o.npy", obj, allow_pickle=True)
    with pytest.raises(ValueError, match=r"holds Python objects .*\(allow_pickle=False\)"):
        open_source(tmp_path / "o.npy")
    np.savez(tmp_path / "o.npz", x=obj)
    with pytest.raises(ValueError, match="holds Python objects"):
        open_source(tmp_path / "o.npz")
    np.savez_compressed(tmp_path / "oc.npz", x=obj)
    with pytest.raises(ValueError, match="allow_pickle=False"):
        open_source(tmp_path / "oc.npz")


@pytest.mark.parametrize("save", [np.savez, np.savez_compressed], ids=["stored", "compressed"])
def test_truncated_npz(tmp_path, x, save):
    save(tmp_path / "x.npz", x=x)
    data = (tmp_path / "x.npz").read_bytes()
    (tmp_path / "x.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="x.npz"):
        open_source(tmp_path / "x.npz")


def test_corrupted_zarr_chunk_names_the_items(tmp_path, x):
    zarr = pytest.importorskip("zarr")
    zarr.create_array(str(tmp_path / "a.zarr"), data=x, chunks=(5, 6, 5))
    chunk = next(
        p
        for p in (tmp_path / "a.zarr").rglob("*")
        if p.is_file() and p.name != "zarr.json" and p.parts[-4:-3] == ("c",)
    )
    chunk.write_bytes(b"garbage" * 3)
    src = open_source(tmp_path / "a.zarr")
    with pytest.raises(ValueError, match=r"zarr input .*a.zarr: cannot read items 0:5"):
        src[0:5]


def test_truncated_hdf5(tmp_path, x):
    h5py = pytest.importorskip("h5py")
    with h5py.File(tmp_path / "x.h5", "w") as f:
        f["x"] = x
    data = (tmp_path / "x.h5").read_bytes()
    (tmp_path / "x.h5").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="x.h5 is not a readable HDF5 file"):
        open_source(tmp_path / "x.h5")


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
def test_bad_idx_headers(tmp_path, rng, gz):
    imgs = rng.integers(0, 256, (5, 4, 4), dtype=np.uint8)
    opener = gzip.open if gz else open
    good = struct.pack(">IIII", 2051, 5, 4, 4) + imgs.tobytes()

    def check(data, message, **kw):
        p = tmp_path / "bad-idx3-ubyte"
        with opener(p, "wb") as f:
            f.write(data)
        with pytest.raises(ValueError, match=message):
            read_idx(p, **kw) if kw else open_source(p, format="idx")

    check(good[:-10], r"is truncated: its IDX header says \(5, 4, 4\) of uint8 \(96 bytes")
    check(good + b"\0" * 3, r"is corrupted: its IDX header says \(5, 4, 4\)")
    check(struct.pack(">IIII", 2052, 5, 4, 4) + imgs.tobytes(), "has IDX magic 2052")
    check(struct.pack(">I", 0x1234) + good[4:], r"not an IDX file: magic 4660 \(expected 2051")
    check(struct.pack(">IIII", 2051, 5, 0, 4), r"gives a zero size \(5, 0, 4\)")
    check(good[:10], "the IDX header needs 16 bytes")
    check(struct.pack(">II", 2049, 5) + bytes(5), r"magic 2049 \(labels\), expected 2051 \(images\)")
    check(good, r"magic 2051 \(images\), expected 2049 \(labels\)", expect=2049)


def test_truncated_gzip_idx(tmp_path, rng):
    imgs = rng.integers(0, 256, (50, 8, 8), dtype=np.uint8)
    write_idx(tmp_path / "x-idx3-ubyte.gz", imgs, gz=True)
    data = (tmp_path / "x-idx3-ubyte.gz").read_bytes()
    (tmp_path / "x-idx3-ubyte.gz").write_bytes(data[: len(data) // 2])
    # Refused at once from the gzip trailer, without decompressing the file.
    with pytest.raises(ValueError, match="truncated or corrupted gzip file"):
        open_source(tmp_path / "x-idx3-ubyte.gz")


def test_bad_images_and_folders(tmp_path):
    from PIL import Image

    Image.fromarray(np.zeros((4, 4), np.uint8)).save(tmp_path / "a.png")
    data = (tmp_path / "a.png").read_bytes()
    (tmp_path / "b.png").write_bytes(data[:30])
    src = open_source(tmp_path)
    with pytest.raises(ValueError, match=r"cannot read items 0:2: image .*b.png"):
        src[0:2]
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="holds no image files"):
        open_source(tmp_path / "empty")


def test_unknown_and_missing_inputs(tmp_path):
    (tmp_path / "x.csv").write_text("1,2,3\n")
    with pytest.raises(ValueError, match="cannot tell the format"):
        open_source(tmp_path / "x.csv")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        open_source(tmp_path / "nope.npy")


# ------------------------------------------------------------------ writers
@pytest.mark.parametrize("name", ["f.zarr", "f.npy"])
def test_sink_marks_a_chunk_done_only_after_its_rows(tmp_path, name, rng):
    if name.endswith("zarr"):
        pytest.importorskip("zarr")
    sink = sink_for(tmp_path / name)
    assert isinstance(sink, NpySink if name.endswith("npy") else ZarrSink)
    sink.create(10, 3, 4, np.dtype(np.float32), {"network": {"k": 1}, "feature_names": list("abc"), "chunk": 4})
    rows = rng.standard_normal((10, 3)).astype(np.float32)
    sink.write(0, 0, rows[:4])
    sink.write(2, 8, rows[8:])
    assert sink.done_chunks() == {0, 2}
    with pytest.raises(ValueError, match="is not complete .*2 chunks written"):
        open_features(tmp_path / name)
    sink.write(1, 4, rows[4:8])
    sink.finish()
    feats, meta = open_features(tmp_path / name)
    np.testing.assert_array_equal(np.asarray(feats[:]), rows)
    assert meta["complete"] and meta["feature_names"] == list("abc") and meta["network"] == {"k": 1}
    json.dumps(meta)
