"""Data sets for comparing networks: NumPy arrays with a train/test split and a description.

    data = load("fashion-mnist", train=10_000)
    data.x_train.shape, data.y_train.shape     # (10000, 28, 28) float32 in [0, 1], (10000,) int64
    print(data.description)

Every loader returns a :class:`Dataset`; nothing is downloaded.

* ``fashion-mnist`` — Zalando's Fashion-MNIST (Xiao et al. 2017), 60,000 +
  10,000 images of 28×28, 10 classes, read from a folder of the four
  standard IDX files (raw or ``.gz``) with their headers checked
  (``scatterx.io.read_idx``: magic 2051 / 2049, sizes, byte counts).  The
  folder is ``path=`` (``--data-path`` of ``scatterx compare``), else
  ``$SCATTERX_FASHION_MNIST``, else the first of
  :data:`FASHION_MNIST_FOLDERS` that holds the files: the cache that
  ``make data`` fills (Debian's ``dataset-fashion-mnist`` unpacked with
  ``apt-get download`` + ``dpkg -x``) and the package's system location.
* ``digits`` — scikit-learn's bundled 1,797 handwritten digits (8×8, 10
  classes), each centred on a 16×16 zero grid (a margin so that a digit does
  not wrap around the periodic grid of a network), split 75 / 25 % stratified.
* ``mnist1d`` — MNIST-1D (Greydanus 2020), 4,000 + 1,000 signals of length
  40, 10 classes, generated offline by ``mnist1d.data.make_dataset`` with its
  default arguments (never its download path).
* ``textures`` — four of scikit-image's bundled images (brick, grass,
  gravel, the moon's surface) cut into non-overlapping 32×32 patches, one
  class per image; the patches of each image's left half are the training
  set and those of its right half the test set, so no pixel is in both.

Images are float32 (``dtype=``), scaled to [0, 1] (digits, Fashion-MNIST,
textures) or as the generator gives them (MNIST-1D); labels are int64.
``train=N`` / ``test=N`` keep a random subset (``seed``) of that many
items, stratified by class.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ._optional import require

__all__ = [
    "Dataset",
    "load",
    "load_fashion_mnist",
    "load_digits",
    "load_mnist1d",
    "load_textures",
    "DATASETS",
    "FASHION_MNIST_FOLDERS",
    "FASHION_MNIST_FILES",
    "FASHION_MNIST_CLASSES",
]

FASHION_MNIST_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
_DEB_PATH = Path("usr/share/datasets/fashion-mnist")
_CACHE = Path("~/.cache/scatterx/fashion-mnist").expanduser()
#: Searched in this order when no ``path`` is given (after $SCATTERX_FASHION_MNIST).
FASHION_MNIST_FOLDERS = (_CACHE / _DEB_PATH, _CACHE, Path("/") / _DEB_PATH)

TEXTURE_IMAGES = ("brick", "grass", "gravel", "moon")


@dataclass(frozen=True)
class Dataset:
    """A classification data set with a fixed train/test split.

    Attributes
    ----------
    name : str
    x_train, x_test : ndarray (n, *shape), float
    y_train, y_test : ndarray (n,), int64 class indices
    classes : tuple of str, the class names (index = label)
    description : str, one paragraph: origin, sizes, preprocessing, split
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: tuple
    description: str
    source: str = field(default="")

    @property
    def shape(self):
        """The grid of one item."""
        return tuple(self.x_train.shape[1:])

    def subset(self, train=None, test=None, seed=0):
        """The same data set with ``train`` / ``test`` items kept (stratified, seeded); None keeps all."""
        rng = np.random.default_rng(seed)
        xtr, ytr = _stratified(self.x_train, self.y_train, train, rng, "train")
        xte, yte = _stratified(self.x_test, self.y_test, test, rng, "test")
        if (len(ytr), len(yte)) == (len(self.y_train), len(self.y_test)):
            return self
        desc = (
            self.description + f" Subset used: {len(ytr)} training and {len(yte)} test items "
            f"(stratified random, seed {seed})."
        )
        return replace(self, x_train=xtr, y_train=ytr, x_test=xte, y_test=yte, description=desc)


def _stratified(x, y, n, rng, what):
    if n is None or n >= len(y):
        if n is not None and n > len(y):
            raise ValueError(f"{what}={n} items asked for, but the set holds only {len(y)}")
        return x, y
    if n < 1:
        raise ValueError(f"{what} must be a positive number of items, got {n}")
    classes, counts = np.unique(y, return_counts=True)
    # Largest-remainder allocation, so the subset's class proportions follow the set's.
    quota = counts * n / len(y)
    take = np.floor(quota).astype(int)
    take[np.argsort(-(quota - take), kind="stable")[: n - take.sum()]] += 1
    keep = np.concatenate([rng.permutation(np.flatnonzero(y == c))[:k] for c, k in zip(classes, take)])
    keep = np.sort(keep)
    return x[keep], y[keep]


# ------------------------------------------------------------------ Fashion-MNIST
def _find_file(folder, stem):
    for name in (stem, stem + ".gz"):
        if (folder / name).is_file():
            return folder / name
    return None


def _fashion_folder(path):
    if path is not None:
        folders, told = [Path(path).expanduser()], True
    elif os.environ.get("SCATTERX_FASHION_MNIST"):
        folders, told = [Path(os.environ["SCATTERX_FASHION_MNIST"]).expanduser()], True
    else:
        folders, told = list(FASHION_MNIST_FOLDERS), False
    for folder in folders:
        if all(_find_file(folder, s) for s in FASHION_MNIST_FILES.values()):
            return folder
    if told:
        missing = [s for s in FASHION_MNIST_FILES.values() if not _find_file(folders[0], s)]
        raise FileNotFoundError(f"Fashion-MNIST folder {folders[0]} lacks {', '.join(missing)} (raw or .gz)")
    raise FileNotFoundError(
        "Fashion-MNIST not found in "
        + ", ".join(map(str, folders))
        + ". Run `make data` (apt-get download dataset-fashion-mnist + dpkg -x into "
        f"{_CACHE}), or name the folder holding the four IDX files: path= in Python, --data-path on the "
        "command line (scatterx compare), or $SCATTERX_FASHION_MNIST."
    )


def load_fashion_mnist(path=None, *, dtype=np.float32):
    """Fashion-MNIST's training and test images (28×28, values in [0, 1]; 60,000 + 10,000 in the standard files).

    Raises FileNotFoundError (saying to run ``make data``) when no folder holds
    the four files, and ValueError when a file is truncated, has a wrong magic
    (2051 images, 2049 labels), or images and labels disagree in count, grid
    or label range.
    """
    from .io import read_idx

    folder = _fashion_folder(path)
    arrays = {}
    for key, stem in FASHION_MNIST_FILES.items():
        f = _find_file(folder, stem)
        arrays[key] = read_idx(f, expect=2051 if key.startswith("x") else 2049)
        if key.startswith("x") and (arrays[key].ndim != 3 or arrays[key].shape[1:] != (28, 28)):
            raise ValueError(f"{f}: Fashion-MNIST images are 28×28, got items of shape {arrays[key].shape[1:]}")
        if key.startswith("y") and arrays[key].ndim != 1:
            raise ValueError(f"{f}: a label file holds one number per item, got shape {arrays[key].shape}")
    for part in ("train", "test"):
        nx, ny = len(arrays[f"x_{part}"]), len(arrays[f"y_{part}"])
        if nx != ny:
            raise ValueError(f"Fashion-MNIST {part}: {nx} images but {ny} labels in {folder}")
        y = arrays[f"y_{part}"]
        if y.min() < 0 or y.max() > 9:
            raise ValueError(f"Fashion-MNIST {part} labels must be 0…9, got {int(y.min())}…{int(y.max())}")
    scale = np.asarray(1 / 255, dtype=dtype)
    return Dataset(
        "fashion-mnist",
        arrays["x_train"].astype(dtype) * scale,
        arrays["y_train"].astype(np.int64),
        arrays["x_test"].astype(dtype) * scale,
        arrays["y_test"].astype(np.int64),
        FASHION_MNIST_CLASSES,
        "Fashion-MNIST (Xiao et al. 2017): 28×28 grey-level images of 10 kinds of clothing, "
        f"{len(arrays['y_train']):,} / {len(arrays['y_test']):,} train / test split"
        + (
            ""
            if (len(arrays["y_train"]), len(arrays["y_test"])) == (60_000, 10_000)
            else " (not the standard 60,000 / 10,000)"
        )
        + ", pixels scaled to [0, 1].",
        str(folder),
    )


# ------------------------------------------------------------------ bundled sets
def load_digits(*, dtype=np.float32, seed=0):
    """scikit-learn's 1,797 digits (8×8, 17 grey levels) centred on a 16×16 zero grid; 75/25 % stratified split."""
    require("sklearn", "the digits data set")
    from sklearn.datasets import load_digits as sk_digits
    from sklearn.model_selection import train_test_split

    d = sk_digits()
    x = np.zeros((len(d.images), 16, 16), dtype=dtype)
    x[:, 4:12, 4:12] = d.images / 16.0
    y = d.target.astype(np.int64)
    tr, te = train_test_split(np.arange(len(y)), test_size=0.25, stratify=y, random_state=seed)
    return Dataset(
        "digits",
        x[tr],
        y[tr],
        x[te],
        y[te],
        tuple(str(i) for i in range(10)),
        "scikit-learn digits: 1,797 images of 8×8 pixels (values 0…16, scaled to [0, 1]) centred "
        f"on a 16×16 zero grid, 10 classes; {len(tr)} / {len(te)} stratified split (seed {seed}).",
        "sklearn.datasets.load_digits",
    )


def load_mnist1d(*, dtype=np.float32, seed=None):
    """MNIST-1D generated offline: ``make_dataset(get_dataset_args())`` (4,000 + 1,000 signals of length 40).

    ``seed`` overrides the generator's default seed (42).
    """
    require("mnist1d", "the MNIST-1D data set")
    from mnist1d.data import get_dataset_args, make_dataset

    args = get_dataset_args()
    if seed is not None:
        args.seed = seed
    d = make_dataset(args)
    x_train, x_test = np.asarray(d["x"], dtype=dtype), np.asarray(d["x_test"], dtype=dtype)
    return Dataset(
        "mnist1d",
        x_train,
        np.asarray(d["y"], dtype=np.int64),
        x_test,
        np.asarray(d["y_test"], dtype=np.int64),
        tuple(str(i) for i in range(10)),
        f"MNIST-1D (Greydanus 2020): signals of length {x_train.shape[1]}, 10 classes, "
        f"{len(x_train)} / {len(x_test)} split, generated offline by "
        f"mnist1d.data.make_dataset(get_dataset_args()) (seed {args.seed}).",
        "mnist1d.data.make_dataset",
    )


def load_textures(*, patch=32, images=TEXTURE_IMAGES, dtype=np.float32):
    """scikit-image's bundled texture images cut into ``patch``×``patch`` patches, one class per image.

    Training patches come from the left half of each image, test patches
    from the right half (spatially disjoint).  Each patch has its mean
    removed and is divided by its image's standard deviation, so that
    classes differ by texture, not by mean brightness.
    """
    require("skimage", "the textures data set")
    import skimage.data
    from skimage.color import rgb2gray

    xs = {"train": [], "test": []}
    ys = {"train": [], "test": []}
    for label, name in enumerate(images):
        img = np.asarray(getattr(skimage.data, name)(), dtype=np.float64)
        if img.ndim == 3:
            img = rgb2gray(img[..., :3])
        img = (img - img.mean()) / img.std()
        H, W = (s // patch * patch for s in img.shape)
        tiles = img[:H, :W].reshape(H // patch, patch, W // patch, patch).transpose(0, 2, 1, 3)
        half = tiles.shape[1] // 2
        for part, block in (("train", tiles[:, :half]), ("test", tiles[:, half:])):
            block = block.reshape(-1, patch, patch)
            xs[part].append(block - block.mean(axis=(1, 2), keepdims=True))
            ys[part].append(np.full(len(block), label, dtype=np.int64))
    x_train, x_test = (np.concatenate(xs[p]).astype(dtype) for p in ("train", "test"))
    return Dataset(
        "textures",
        x_train,
        np.concatenate(ys["train"]),
        x_test,
        np.concatenate(ys["test"]),
        tuple(images),
        f"Textures: scikit-image's bundled images {', '.join(images)} cut into {patch}×{patch} "
        f"patches (zero mean, unit image variance), one class per image; left halves train "
        f"({len(x_train)}), right halves test ({len(x_test)}).",
        "skimage.data",
    )


DATASETS = {
    "fashion-mnist": load_fashion_mnist,
    "digits": load_digits,
    "mnist1d": load_mnist1d,
    "textures": load_textures,
}


def load(name, *, train=None, test=None, seed=0, path=None, dtype=np.float32):
    """The data set ``name`` (one of :data:`DATASETS`), optionally a stratified subset.

    ``path``: the Fashion-MNIST folder (ignored by the bundled sets).
    """
    if isinstance(name, Dataset):
        return name.subset(train, test, seed)
    key = str(name).lower().replace("_", "-")
    key = {"fashion": "fashion-mnist", "fashionmnist": "fashion-mnist", "mnist-1d": "mnist1d"}.get(key, key)
    if key not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; known: {', '.join(DATASETS)}")
    data = load_fashion_mnist(path, dtype=dtype) if key == "fashion-mnist" else DATASETS[key](dtype=dtype)
    return data.subset(train, test, seed)
