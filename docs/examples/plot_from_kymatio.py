"""
Switching from Kymatio in one line
==================================

``from kymatio.torch import Scattering2D`` becomes ``from scatterx.torch import
Scattering2D``; nothing else in a script changes. The frontend is a
``torch.nn.Module`` (filters as buffers, ``.to(device)``, ``state_dict()``,
``nn.Sequential``) and returns Kymatio 0.3.0's numbers in Kymatio's layout.

When Kymatio 0.3.0 itself is installed, this example runs both and prints
their largest difference.
"""

# %%
import numpy as np
import torch

from scatterx.torch import Scattering2D  # was: from kymatio.torch import Scattering2D

x = torch.from_numpy(np.random.default_rng(0).standard_normal((8, 32, 32)).astype(np.float32))
S = Scattering2D(J=2, shape=(32, 32), L=8)
Sx = S(x)
print(isinstance(S, torch.nn.Module), Sx.shape, Sx.dtype)  # 1 + JL + L²J(J−1)/2 = 81 channels on an 8 × 8 grid

# %%
# A classifier on top, as with Kymatio.
model = torch.nn.Sequential(S, torch.nn.Flatten(), torch.nn.Linear(81 * 8 * 8, 10))
print(model(x).shape)

# %%
# float64 works without converting the module (Kymatio's torch frontend asks for ``.double()``).
print(S(x.double()).dtype)

# %%
# The same numbers as Kymatio 0.3.0. On SciPy ≥ 1.17, Kymatio 0.3.0 needs one
# compatibility step before its import (``scipy.special.sph_harm`` was removed):
# :func:`scatterx.kymatio.allow_kymatio_import` applies it.
try:
    from scatterx.kymatio import allow_kymatio_import

    allow_kymatio_import()
    import kymatio.torch
except ImportError:
    print("Kymatio is not installed: comparison skipped")
else:
    ref = kymatio.torch.Scattering2D(J=2, shape=(32, 32), L=8)(x)
    print(f"max |scatterx − Kymatio| / max |Kymatio| = {float((Sx - ref).abs().max() / ref.abs().max()):.1e}")

# %%
# The first-order channels of one image (j = 0 and j = 1, 8 orientations each).
import matplotlib.pyplot as plt

fig, axes = plt.subplots(2, 8, figsize=(10, 2.8))
for k, ax in enumerate(axes.flat):
    ax.imshow(Sx[0, 1 + k].numpy(), cmap="magma")
    ax.set_title(f"j={k // 8}, θ={k % 8}", fontsize=8)
    ax.axis("off")
plt.show()
