"""Shared fixtures.  Kymatio 0.3.0 is the reference; on SciPy >= 1.17 its
import fails because ``scipy.special.sph_harm`` was removed (kymatio issue
1068): restore it from ``sph_harm_y`` (note the swapped argument order)."""
import numpy as np
import pytest
import scipy.special

if not hasattr(scipy.special, "sph_harm"):
    scipy.special.sph_harm = lambda m, n, theta, phi: scipy.special.sph_harm_y(n, m, phi, theta)

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
