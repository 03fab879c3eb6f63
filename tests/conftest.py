"""Shared fixtures.  Kymatio 0.3.0 is the reference; on SciPy >= 1.17 its
import needs scatterx's one compatibility step (``scipy.special.sph_harm``
was removed), taken here before any test imports Kymatio."""

import numpy as np
import pytest

from scatterx.kymatio import allow_kymatio_import

allow_kymatio_import()

try:
    import torch
except ImportError:  # the torch extra is optional
    torch = None


@pytest.fixture
def rng():
    return np.random.default_rng(20181127)


requires_torch = pytest.mark.skipif(torch is None, reason="torch not installed")

DTYPES = [np.float32, np.float64]
# Relative tolerance per precision: a few hundred ulps of the working precision,
# the error of a chain of O(log N)-deep FFTs and products.
RTOL = {np.float32: 1e-4, np.float64: 1e-10}


def energy(maps):
    """Σ_n |||maps[n]|||² per item (NumPy arrays (items, paths, *grid))."""
    return sum(np.sum(np.abs(m) ** 2, axis=tuple(range(1, m.ndim))) for m in maps)


def assert_nonexpansive_and_shift_covariant(net, f, h, shifts):
    """For a network that sub-samples by 2 per layer, on items f, h (items, *grid):

    |||Φ(f) − Φ(h)||| ≤ ‖f − h‖ per item (to 1e-12, rounding), and for every
    shift t (multiples of 2^depth) Φ^n(T_t f) = T_{t/2^n} Φ^n(f) exactly (to
    1e-12 of the largest map entry: FFT rounding).
    """
    axes = tuple(range(1, f.ndim))
    diff = [a - b for a, b in zip(net.layers(f), net.layers(h))]
    ratio = np.sqrt(energy(diff) / np.sum(np.abs(f - h) ** 2, axis=axes))
    assert ratio.max() <= 1 + 1e-12, ratio
    maps = net.layers(f)
    for t in shifts:
        shifted = net.layers(np.roll(f, t, axis=axes))
        for n, (a, b) in enumerate(zip(maps, shifted)):
            np.testing.assert_allclose(
                b, np.roll(a, tuple(s // 2**n for s in t), axis=tuple(range(-len(t), 0))), atol=1e-12 * np.abs(a).max()
            )


def tiny_extraction_network():
    """The small network the extraction tests run: 8 × 8 items, two layers, 2 × 2 feature grid."""
    import frames
    import scatterx as sx

    return sx.Network(
        [sx.Module(frames.morlet(J=1, L=4), sx.Modulus(), sx.Subsample(2))] * 2, shape=(8, 8), feature_grid=2
    ).admissible()
