"""
Comparing frame families on a data set
======================================

:func:`scatterx.compare.compare` runs several feature extractors on the same
split and writes one table: accuracy of a standardised linear classifier
(its C chosen on a validation split), feature count, extraction cost, the
admissibility value max(B, BL²R²), translation invariance and deformation
stability measured through ``scatterx.theory``, and the energy per layer.

Here: two-layer networks (modulus; no pooling, then sub-sampling by 2) of
four frame families against Kymatio's layout, on 600 training images of
scikit-learn's digits. ``scatterx compare families kymatio --dataset
fashion-mnist`` is the same run at full scale (``docs/results.md``).
"""

# %%
import tempfile
from pathlib import Path

import matplotlib.image as mpimg
import matplotlib.pyplot as plt

import frames
import scatterx as sx
from scatterx.compare import CompareOptions, compare

shape = (16, 16)


def two_layer(frame):
    return sx.Network(
        [sx.Module(frame, sx.Modulus()), sx.Module(frame, sx.Modulus(), sx.Subsample(2))],
        shape=shape,
        feature_grid=4,
    ).admissible()


configs = [
    ("morlet J=2 L=8", two_layer(frames.morlet(J=2, L=8))),
    ("shearlet J=2", two_layer(frames.shearlet(J=2))),
    ("pywavelet db2 J=2", two_layer(frames.pywavelet("db2", J=2))),
    ("gabor 4×4", two_layer(frames.gabor((4, 4)))),
    ("kymatio J=2", sx.Scattering2D(J=2, shape=shape, L=8)),
]
out = Path(tempfile.mkdtemp(prefix="scatterx-compare-"))
rows = compare(configs, "digits", out, CompareOptions(train=600, n_theory=4, curve=(), progress=False))

# %%
# The report's table (``results.md``) …
table = next(block for block in (out / "results.md").read_text().split("\n\n") if block.startswith("| configuration"))
print(table)

# %%
# … and one of its figures: accuracy against extraction cost.
fig, ax = plt.subplots(figsize=(7, 5))
ax.imshow(mpimg.imread(out / "accuracy_vs_cost.png"))
ax.axis("off")
plt.show()
