"""Meyer-type smooth windows on the frequency plane, shared by the band-limited families.

The building blocks of the Parseval band-limited frames (``curvelet``,
``shearlet``, ``ridgelet``): Meyer's auxiliary function ν, a dyadic radial
partition of unity and angular (or slope) partitions of unity, all in
squares,

    W_low(r)² + Σ_{j=0}^{J−1} W_j(r)² = 1,        Σ_l V(t − l)² = 1,

so that the products W_j(|ξ|)·V(t(ξ) − l) tile the frequency plane with
Σ |·|² = 1 exactly (up to rounding).  Frequencies ξ = (ξ_0, ξ_1) are in
cycles/sample, ξ_0 along axis 0 (rows), ξ_1 along axis 1 (columns).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "ORDER",
    "RADIAL_EDGE",
    "meyer_nu",
    "rise",
    "fall",
    "bump",
    "radial_partition",
    "partition",
    "frequency_grid",
    "orientation",
    "fold_angle",
    "fold_nyquist",
    "MEYER_MARGIN",
]

ORDER = 3  # ν is C^3: ν(x) = 35x⁴ − 84x⁵ + 70x⁶ − 20x⁷ on [0, 1]
RADIAL_EDGE = 1.0 / 3  # c: the low-pass of level J is flat up to |ξ| = c·2^−J (Meyer's 1/3)
# The grid rule of the Meyer radial windows, 2^(J + 1) ≤ min(shape): the coarsest
# band-pass window lives on 2^−J/3 ≤ |ξ| ≤ 2^−J·4/3 cycles/sample, so with
# 2^(J+1) ≤ n it reaches from below the first ring of grid frequencies (|k| = 1)
# to beyond the second (|k| = 2), and the low-pass keeps the four neighbours of 0.
MEYER_MARGIN = 1


def meyer_nu(x, order=ORDER):
    """Meyer's auxiliary function ν_k, a C^k polynomial step from 0 to 1 on [0, 1].

    ν_k(x) = 0 for x ≤ 0, 1 for x ≥ 1 and in between the regularised incomplete
    beta function I_x(k+1, k+1) = x^{k+1} Σ_{i=0}^{k} C(k+i, i)(1 − x)^i, of
    degree 2k + 1 (k = 3: 35x⁴ − 84x⁵ + 70x⁶ − 20x⁷).  ν(x) + ν(1 − x) = 1
    holds to rounding: the value on x > ½ is computed as 1 − ν(1 − x).
    """
    x = np.clip(np.asarray(x, dtype=np.float64), 0.0, 1.0)
    y = np.minimum(x, 1.0 - x)
    p = sum(math.comb(order + i, i) * (1.0 - y) ** i for i in range(order + 1)) * y ** (order + 1)
    return np.where(x <= 0.5, p, 1.0 - p)


def rise(x, order=ORDER):
    """sin(π/2 · ν(x)): 0 for x ≤ 0, 1 for x ≥ 1, C^k; rise(x)² + fall(x)² = 1."""
    return np.sin(0.5 * np.pi * meyer_nu(x, order))


def fall(x, order=ORDER):
    """cos(π/2 · ν(x)): 1 for x ≤ 0, exactly 0 for x ≥ 1, C^k."""
    return np.sin(0.5 * np.pi * (1.0 - meyer_nu(x, order)))  # sin, not cos: exact 0 where ν = 1


def bump(t, order=ORDER):
    """V(t) = cos(π/2 · ν(|t|)): supported on [−1, 1], V(0) = 1, Σ_l V(t − l)² = 1 for every t.

    For t ∈ [0, 1] only V(t) and V(t − 1) are non-zero and
    V(t)² + V(t − 1)² = cos²(π/2 ν(t)) + cos²(π/2 ν(1 − t)) = 1.  V is C^k
    (ν is flat to order k at both ends).
    """
    return fall(np.abs(t), order)


def radial_partition(r, J, order=ORDER):
    """Dyadic Meyer windows in the radius r ≥ 0: (W_low, W) with W_low² + Σ_j W_j² = 1.

    With c = 1/3 (``RADIAL_EDGE``) and x_j = 2^j r / c − 1:

    * W_low(r) = fall(x_J): 1 for r ≤ c·2^−J, 0 for r ≥ 2c·2^−J;
    * W_j(r) = rise(x_{j+1}) · fall(x_j) for j = 1 … J−1, supported on
      c·2^{−j−1} ≤ r ≤ 2c·2^−j, peak 1 at r = c·2^−j;
    * W_0(r) = rise(x_1), the finest band: 0 for r ≤ c/2, 1 for r ≥ c (up to
      the grid's rim and corners).

    Adjacent windows overlap on one octave, where one rises as the other falls,
    so the sum of squares telescopes to 1.  W_j(0) = 0 for every j.

    Returns ``W_low`` (shape of r) and ``W`` (J, *r.shape), finest first.
    """
    r = np.asarray(r, dtype=np.float64)
    x = [(2.0**j / RADIAL_EDGE) * r - 1.0 for j in range(J + 1)]
    bands = np.empty((J,) + r.shape)
    for j in range(J):
        bands[j] = rise(x[j + 1], order) * (fall(x[j], order) if j else 1.0)
    return fall(x[J], order), bands


def partition(t, m, periodic, order=ORDER):
    """m windows V(t − l), l = 0 … m−1, whose squares sum to 1: shape (m, *t.shape).

    ``periodic=True``: t ∈ [0, m) is an angle-like variable taken mod m (m ≥ 2)
    and window l is V(t − l) with t − l taken mod m in [−m/2, m/2).
    ``periodic=False``: t ∈ [0, m − 1] (clipped), window l is V(t − l), and the
    squares sum to 1 on the whole interval.  Each t meets exactly two windows,
    l = ⌊t⌋ and ⌊t⌋ + 1, so only those are evaluated.
    """
    t = np.asarray(t, dtype=np.float64)
    if periodic:
        t = np.mod(t, m)
    else:
        t = np.clip(t, 0.0, m - 1.0)
    low = np.floor(t)
    frac = (t - low).ravel()
    low = low.astype(np.intp).ravel() % m
    high = low + 1
    out = np.zeros((m, t.size))
    cols = np.arange(t.size)
    out[low, cols] = bump(frac, order)
    if periodic:
        out[high % m, cols] = bump(frac - 1.0, order)
    else:
        keep = high < m  # t = m − 1 exactly: the next window would be V(−1) = 0 anyway
        out[high[keep], cols[keep]] = bump(frac[keep] - 1.0, order)
    return out.reshape((m,) + t.shape)


def frequency_grid(shape):
    """(ξ_0, ξ_1): the DFT grid in cycles/sample, NumPy fftfreq order, as (M, 1) and (1, N)."""
    M, N = shape
    return np.fft.fftfreq(M)[:, None], np.fft.fftfreq(N)[None, :]


def orientation(xi0, xi1):
    """Orientation φ ∈ [0, π) of ξ, with ξ ∥ (cos φ, sin φ) in (row, column) coordinates.

    Computed as ½·atan2(2ξ_0ξ_1, ξ_0² − ξ_1²) mod π, which is exactly the same
    number at ξ and −ξ (so windows in φ give real filters).  φ(0) = 0.
    """
    return np.mod(0.5 * np.arctan2(2.0 * xi0 * xi1, xi0 * xi0 - xi1 * xi1), np.pi)


def fold_angle(angle):
    """An orientation (angle mod π) in [−π/2, π/2), the range of ``meta['angle']``."""
    return (angle + math.pi / 2) % math.pi - math.pi / 2


def fold_nyquist(a):
    """Make non-negative responses real in space on even axes, keeping Σ|·|² unchanged.

    On an axis of even length the Nyquist sample stands for both ξ = −½ and
    ξ = +½; a window even in ξ but not mirror-symmetric takes different values
    at (−½, ξ_1) and (+½, ξ_1) = −(−½, −ξ_1).  The response there becomes the
    root mean square of the two, √(½(a(−½, ξ_1)² + a(−½, −ξ_1)²)): Hermitian on
    the grid, and any sum of squares equal to 1 stays 1.

    ``a``: float64 array (..., M, N), folded in place and returned.
    """
    for axis in (-2, -1):
        n = a.shape[axis]
        if n % 2:
            continue
        line = np.take(a, n // 2, axis=axis)  # the Nyquist row or column, (..., length of the other axis)
        mirrored = np.roll(np.flip(line, axis=-1), 1, axis=-1)
        folded = np.sqrt(0.5 * (line * line + mirrored * mirrored))
        index = [slice(None)] * a.ndim
        index[axis] = n // 2
        a[tuple(index)] = folded
    return a
