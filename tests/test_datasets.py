import gzip
import struct

import numpy as np
import pytest

from scatterx import datasets
from scatterx.datasets import FASHION_MNIST_FILES, Dataset, load, load_fashion_mnist


def write_idx(path, a, magic):
    """An IDX file as the MNIST layout has it: magic (big-endian), one count per axis, uint8 data."""
    header = struct.pack(">I", magic) + b"".join(struct.pack(">I", n) for n in a.shape)
    data = header + a.astype(np.uint8).tobytes()
    if str(path).endswith(".gz"):
        data = gzip.compress(data)
    path.write_bytes(data)
    return path


@pytest.fixture
def fashion_folder(tmp_path, rng):
    """A miniature Fashion-MNIST: 30 training and 10 test items, images gzipped, labels raw."""
    sizes = {"train": 30, "test": 10}
    for key, stem in FASHION_MNIST_FILES.items():
        n = sizes[key.split("_")[1]]
        if key.startswith("x"):
            write_idx(tmp_path / (stem + ".gz"), rng.integers(0, 256, (n, 28, 28)), 2051)
        else:
            write_idx(tmp_path / stem, np.arange(n) % 10, 2049)
    return tmp_path


def test_fashion_mnist_reads_a_folder_of_idx_files(fashion_folder):
    data = load_fashion_mnist(fashion_folder)
    assert data.x_train.shape == (30, 28, 28) and data.x_test.shape == (10, 28, 28)
    assert data.x_train.dtype == np.float32 and 0 <= data.x_train.min() and data.x_train.max() <= 1
    assert data.y_train.dtype == np.int64 and list(data.y_test) == list(range(10))
    raw = np.frombuffer(gzip.decompress((fashion_folder / "t10k-images-idx3-ubyte.gz").read_bytes())[16:], np.uint8)
    np.testing.assert_allclose(data.x_test.ravel() * 255, raw, atol=1e-4)
    assert "30 / 10" in data.description and len(data.classes) == 10


def test_fashion_mnist_refuses_a_truncated_file(fashion_folder):
    f = fashion_folder / "train-images-idx3-ubyte.gz"
    f.write_bytes(gzip.compress(gzip.decompress(f.read_bytes())[:-100]))
    with pytest.raises(ValueError, match="(?i)truncat|bytes"):
        load_fashion_mnist(fashion_folder)


def test_fashion_mnist_refuses_a_wrong_magic(fashion_folder, rng):
    write_idx(fashion_folder / "t10k-labels-idx1-ubyte", rng.integers(0, 10, (10, 28, 28)), 2051)
    with pytest.raises(ValueError, match="2049|magic"):
        load_fashion_mnist(fashion_folder)


def test_fashion_mnist_refuses_labels_that_do_not_match_the_images(fashion_folder):
    write_idx(fashion_folder / "t10k-labels-idx1-ubyte", np.arange(9) % 10, 2049)
    with pytest.raises(ValueError, match="10 images but 9 labels"):
        load_fashion_mnist(fashion_folder)


def test_missing_fashion_mnist_says_to_run_make_data(tmp_path, monkeypatch):
    monkeypatch.delenv("SCATTERX_FASHION_MNIST", raising=False)
    monkeypatch.setattr(datasets, "FASHION_MNIST_FOLDERS", (tmp_path / "nowhere",))
    with pytest.raises(FileNotFoundError, match="make data") as error:
        load("fashion-mnist")
    # Both ways of naming the folder: the Python argument and the command-line flag.
    assert "path= in Python" in str(error.value) and "--data-path on the command line" in str(error.value)
    with pytest.raises(FileNotFoundError, match="lacks"):
        load_fashion_mnist(tmp_path)


def test_environment_variable_names_the_folder(fashion_folder, monkeypatch):
    monkeypatch.setenv("SCATTERX_FASHION_MNIST", str(fashion_folder))
    assert load("fashion-mnist").source == str(fashion_folder)


def test_digits_on_a_16x16_grid_with_a_stratified_split():
    data = load("digits")
    assert data.shape == (16, 16) and len(data.y_train) + len(data.y_test) == 1797
    assert np.all(data.x_train[:, :4] == 0) and np.all(data.x_train[:, :, 12:] == 0)
    assert set(np.unique(data.y_test)) == set(range(10))


def test_subset_keeps_class_proportions_and_is_seeded():
    data = load("digits", train=200, test=50, seed=3)
    assert len(data.y_train) == 200 and len(data.y_test) == 50
    assert np.bincount(data.y_train).min() >= 19
    again = load("digits", train=200, test=50, seed=3)
    np.testing.assert_array_equal(data.x_train, again.x_train)
    with pytest.raises(ValueError, match="only"):
        load("digits", train=10_000)


def test_mnist1d_is_generated_offline():
    pytest.importorskip("mnist1d")
    data = load("mnist1d")
    assert data.shape == (40,) and len(data.y_train) == 4000 and len(data.y_test) == 1000
    assert set(np.unique(data.y_train)) == set(range(10))


def test_textures_are_labelled_patches_from_disjoint_halves():
    pytest.importorskip("skimage")
    data = load("textures")
    assert data.shape == (32, 32) and data.classes == datasets.TEXTURE_IMAGES
    assert len(data.y_train) == len(data.y_test) and np.bincount(data.y_train).tolist() == [128] * 4
    np.testing.assert_allclose(data.x_train.mean(axis=(1, 2)), 0, atol=1e-5)


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="digits"):
        load("cifar")
    assert isinstance(load("digits"), Dataset)
