"""The one in-memory extraction loop: a transform applied to a NumPy batch, on NumPy or torch, in batches.

``scatterx.demo`` and ``scatterx.compare`` run it over whole data sets;
``scatterx.extract`` runs :func:`apply` on each Dask chunk.
"""

from __future__ import annotations

import sys

import numpy as np

__all__ = ["apply", "in_batches"]


def apply(transform, x, *, backend="numpy", device="cpu"):
    """``transform(x)`` as a NumPy array (len(x), n_features), computed with NumPy or with torch on ``device``.

    ``transform``: a Network, a Kymatio-compatible frontend or any callable
    on a batch of the library chosen by ``backend``.
    """
    if backend == "torch":
        import torch

        y = transform(torch.from_numpy(np.ascontiguousarray(x)).to(device)).cpu().numpy()
    elif backend == "numpy":
        y = transform(x)
    else:
        raise ValueError(f"backend must be 'numpy' or 'torch', got {backend!r}")
    return np.asarray(y).reshape(len(x), -1)


def in_batches(transform, x, *, batch=256, backend="numpy", device="cpu", desc=None, progress=True):
    """:func:`apply` over ``x`` (n, *grid) in batches of ``batch`` items, with a progress bar on stderr."""
    from tqdm.auto import tqdm

    starts = range(0, len(x), batch)
    bar = tqdm(starts, desc=desc, unit="batch", leave=False, file=sys.stderr, disable=not progress)
    return np.concatenate([apply(transform, x[i : i + batch], backend=backend, device=device) for i in bar])
