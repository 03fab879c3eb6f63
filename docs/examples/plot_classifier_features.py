"""
Scattering features for a classifier
====================================

A two-layer Morlet scattering network turns each image into a fixed feature
vector; a linear classifier on top is a strong baseline. The architecture is
the one ``docs/results.md`` recommends for small images: the modulus after
each layer, no pooling in the first module, sub-sampling by 2 in the second,
paths that go to coarser scales only, features on a 4 × 4 grid.

The data are scikit-learn's handwritten digits (1,797 images, 8 × 8, shown
here on a 16 × 16 grid).
"""

# %%
# Build the network and make it admissible (non-expansive).
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import frames
import scatterx as sx
from scatterx import datasets

data = datasets.load("digits", seed=0)
shape = data.shape
morlet = frames.morlet(J=2, L=8)
net = sx.Network(
    [sx.Module(morlet, sx.Modulus()), sx.Module(morlet, sx.Modulus(), sx.Subsample(2))],
    shape=shape,
    prune="frequency-decreasing",
    feature_grid=4,
).admissible()
print(net)
print("features per image:", net.n_features)

# %%
# Extract the features of both splits (NumPy in, NumPy out; a torch tensor
# would give a torch tensor) and fit a standardised logistic regression.
f_train, f_test = net(data.x_train), net(data.x_test)
clf = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000))
clf.fit(f_train, data.y_train)
print(f"test accuracy: {clf.score(f_test, data.y_test):.4f} on {len(data.y_test)} images")

# %%
# Every column has a name: layer, path (filter indices) and position on the
# feature grid.
names = net.get_feature_names()
print(names[:3], "…", names[-1])
weights = np.abs(clf[-1].coef_).sum(axis=0)
layer = np.array([int(n[1]) for n in names])
share = [weights[layer == n].sum() / weights.sum() for n in range(net.depth + 1)]
for n in range(net.depth + 1):
    print(f"layer {n}: {np.sum(layer == n):5d} features, share of |weights| {share[n]:.2f}")

# %%
# Where the classifier's weight sits, layer by layer.
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(5, 3))
ax.bar([f"Φ{n}" for n in range(net.depth + 1)], share)
ax.set_ylabel("share of Σ|weights|")
ax.set_title("logistic regression on scattering features (digits)")
plt.show()
