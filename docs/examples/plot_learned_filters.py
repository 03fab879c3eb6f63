"""
Learned filters that stay admissible
====================================

:class:`scatterx.torch.ScatteringModule` wraps a network as a
``torch.nn.Module``. With ``learnable=True`` its filters become parameters
(kernels in space); after every optimiser step
:meth:`~scatterx.torch.ScatteringModule.project_` rescales any layer whose
max(B_n, B_n L_n² R_n²) went above 1, so the trained network is still
non-expansive: |||Φ(f) − Φ(h)||| ≤ ‖f − h‖.

Here a two-layer network starts from Morlet filters and is trained, with a
linear read-out, on scikit-learn's digits for a few epochs.
"""

# %%
import numpy as np
import torch

import frames
import scatterx as sx
from scatterx import datasets
from scatterx.torch import ScatteringModule

torch.manual_seed(0)
data = datasets.load("digits", seed=0)
morlet = frames.morlet(J=2, L=4)
net = sx.Network(
    [sx.Module(morlet, sx.Modulus()), sx.Module(morlet, sx.Modulus(), sx.Subsample(2))],
    shape=data.shape,
    feature_grid=4,
).admissible()
phi = ScatteringModule(net, learnable=True)
model = torch.nn.Sequential(phi, torch.nn.LayerNorm(net.n_features), torch.nn.Linear(net.n_features, 10))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
phi.enforce_admissibility(optimizer)  # project_() after every step
print("admissibility before training:", [round(v, 6) for v in phi.admissibility()])
with torch.no_grad():
    before = phi.responses(0)[1].abs().numpy().copy()  # |ĝ_λ| of layer 0, from the learned kernels

# %%
# Train for a few epochs on mini-batches.
x_train = torch.from_numpy(data.x_train)
y_train = torch.from_numpy(data.y_train)
for epoch in range(5):
    for i in torch.randperm(len(x_train)).split(64):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x_train[i]), y_train[i])
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        accuracy = (model(torch.from_numpy(data.x_test)).argmax(1).numpy() == data.y_test).mean()
    print(f"epoch {epoch}: loss {loss.item():.3f}, test accuracy {accuracy:.3f}")

# %%
# The trained filters still satisfy max(B_n, B_n L_n² R_n²) ≤ 1 …
values = phi.admissibility()
print("admissibility after training:", [round(v, 6) for v in values])
assert max(values) <= 1 + 1e-9

# %%
# … so the learned feature map is non-expansive on any pair of inputs.
f, h = torch.from_numpy(np.random.default_rng(1).standard_normal((2, 1) + data.shape))
with torch.no_grad():
    lhs = sum(float((a - b).abs().pow(2).sum()) for a, b in zip(phi.layers(f), phi.layers(h)))
print(f"|||Φ(f) − Φ(h)|||² = {lhs:.4f} ≤ ‖f − h‖² = {float((f - h).pow(2).sum()):.4f}")

# %%
# The first layer's filters, ``|ĝ_λ(ν)|``, before and after training (zero frequency at the centre).
import matplotlib.pyplot as plt

with torch.no_grad():
    after = phi.responses(0)[1].abs().numpy()
fig, axes = plt.subplots(2, 4, figsize=(8, 4.2))
for k in range(4):
    for row, (name, bank) in enumerate((("before", before), ("after", after))):
        axes[row, k].imshow(np.fft.fftshift(bank[k]), cmap="viridis")
        axes[row, k].set_title(f"{name}, filter {k}", fontsize=8)
        axes[row, k].axis("off")
plt.show()
