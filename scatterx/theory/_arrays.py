"""Array helpers shared by the checks: energies, safe ratios, grid frequencies and positions, precision."""

from __future__ import annotations

import math

import numpy as np

from .._tolerances import inequality_rtol

__all__ = ["energy", "divide", "ratio", "frequencies", "positions", "unit_rms", "numpy_of", "like", "tolerance"]


def energy(a):
    """Σ |a|² over every axis but the first (paths and grid, or the grid): shape (B,)."""
    return np.sum(np.abs(a) ** 2, axis=tuple(range(1, a.ndim)))


def divide(a, b):
    """a/b elementwise (broadcast), 0 where b = 0: a zero signal or a zero change gives no information."""
    a, b = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
    return np.divide(a, b, out=np.zeros(a.shape), where=b > 0)


def ratio(num, den):
    """√(num/den), 0 where den = 0."""
    return np.sqrt(divide(num, den))


def frequencies(shape):
    """ν on the DFT grid ``shape`` in cycles per sample (NumPy's ``fftfreq``), shape (d, *shape)."""
    return np.stack(np.meshgrid(*[np.fft.fftfreq(n) for n in shape], indexing="ij"))


def positions(shape):
    """Grid positions in samples, shape (prod(shape), d)."""
    grid = np.meshgrid(*[np.arange(n, dtype=np.float64) for n in shape], indexing="ij")
    return np.stack(grid, axis=-1).reshape(-1, len(shape))


def unit_rms(x):
    """Each signal of the batch divided by its RMS (zero signals unchanged)."""
    rms = np.sqrt(energy(x) / math.prod(x.shape[1:]))
    return x / np.where(rms > 0, rms, 1.0).reshape((-1,) + (1,) * (x.ndim - 1))


def numpy_of(a):
    """A NumPy view of a NumPy array or a torch tensor (detached, on the CPU)."""
    if hasattr(a, "detach"):
        return a.detach().cpu().numpy()
    return np.asarray(a)


def like(a, ref):
    """NumPy ``a`` in ``ref``'s library, device and precision (complex stays complex)."""
    real = np.dtype(numpy_of(ref[:0]).real.dtype)
    dtype = np.result_type(real, np.complex64) if np.iscomplexobj(a) else real
    a = np.ascontiguousarray(np.asarray(a).astype(dtype, copy=False))
    if hasattr(ref, "detach"):
        import torch

        return torch.from_numpy(a).to(ref.device)
    return a


def tolerance(ref):
    """The relative slack of a "≤" statement on features in ``ref``'s precision (``scatterx._tolerances``)."""
    return inequality_rtol(numpy_of(ref[:0]).real.dtype)
