"""
Extracting the features of a data set with Dask
===============================================

:func:`scatterx.extract.extract` reads an input chunk by chunk (``.npy``,
``.npz``, Zarr, HDF5, IDX, image folders), computes the features of each
chunk in a Dask task — in this process, in threads, in local worker
processes or on a cluster — and writes them to a Zarr array or ``.npy``
file. A chunk is marked done only once its features are written and checked
finite, so an interrupted run resumes where it stopped (``resume=True``),
and the output is the same bits as ``net(x)`` in memory.
The command line does the same: ``scatterx extract images.npy feats.zarr
--config net.json --cluster local:2``.
"""

# %%
import json
import tempfile
from pathlib import Path

import numpy as np

import frames
import scatterx as sx
from scatterx.extract import extract
from scatterx.io import open_features

work = Path(tempfile.mkdtemp(prefix="scatterx-extract-"))
images = np.random.default_rng(0).standard_normal((2000, 28, 28)).astype(np.float32)
np.save(work / "images.npy", images)

net = sx.Network(
    [
        sx.Module(frames.morlet(J=2, L=8), sx.Modulus()),
        sx.Module(frames.morlet(J=2, L=8), sx.Modulus(), sx.Subsample(2)),
    ],
    shape=(28, 28),
    prune="frequency-decreasing",
    feature_grid=7,
).admissible()
(work / "net.json").write_text(json.dumps(net.to_dict()))  # the configuration the CLI takes

# %%
# Two threads of Dask's threaded scheduler, chunks of 250 images.
summary = extract(
    work / "images.npy", work / "net.json", work / "features.zarr", chunk=250, scheduler="threads:2", progress=False
)
print(summary)

# %%
# The output: the features, their names, the configuration and the input's fingerprint.
features, metadata = open_features(work / "features.zarr")
print(features.shape, features.dtype, sorted(metadata))
print(metadata["feature_names"][:3])
print("same bits as net(x) in memory:", np.array_equal(np.asarray(features[:250]), net(images[:250])))

# %%
# Running again onto the same output is refused (nothing is overwritten)…
try:
    extract(work / "images.npy", net, work / "features.zarr")
except Exception as e:
    print(type(e).__name__, ":", e)

# %%
# …and ``resume=True`` skips the chunks that are complete.
print(extract(work / "images.npy", net, work / "features.zarr", chunk=250, resume=True, progress=False))

# %%
# One image and four of its first-layer feature maps, read back from the Zarr output (7 × 7 grid).
import matplotlib.pyplot as plt

names = metadata["feature_names"]
fig, axes = plt.subplots(1, 5, figsize=(10, 2.4))
axes[0].imshow(images[0], cmap="gray")
axes[0].set_title("input", fontsize=8)
for ax, path in zip(axes[1:], ("L1[0]", "L1[2]", "L1[4]", "L1[6]")):
    columns = [i for i, name in enumerate(names) if name.startswith(path + "(")]
    ax.imshow(np.asarray(features[0, columns[0] : columns[-1] + 1]).reshape(7, 7), cmap="magma")
    ax.set_title(path, fontsize=8)
for ax in axes:
    ax.axis("off")
plt.show()
