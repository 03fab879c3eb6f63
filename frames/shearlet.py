"""Cone-adapted band-limited shearlets with Meyer-type windows (FFST-like), a Parseval frame."""

from __future__ import annotations

import math
import numbers

import numpy as np

from ._checks import MAX_SCALES, as_shape, check_count, check_scales, positive_int
from ._frame import Frame, register
from ._windows import (
    MEYER_MARGIN,
    RADIAL_EDGE,
    fold_angle,
    fold_nyquist,
    frequency_grid,
    partition,
    radial_partition,
)

__all__ = ["Shearlet", "shearlet"]


def _shear_levels(J, shear_levels):
    if shear_levels is None:
        return tuple((s + 1) // 2 for s in range(J))  # ⌈s/2⌉: parabolic scaling, α = ½
    try:
        levels = tuple(shear_levels)
    except TypeError:
        levels = None
    if (
        levels is None
        or len(levels) != J
        or any(isinstance(e, bool) or not isinstance(e, numbers.Integral) or not 0 <= e <= MAX_SCALES for e in levels)
    ):
        raise ValueError(
            f"shearlet: shear_levels must be a sequence of J={J} non-negative ints, at most {MAX_SCALES} "
            f"(coarse to fine, |k| <= 2**level), got {shear_levels!r:.200}"
        )
    return tuple(int(e) for e in levels)


def _cone_windows(xi_num, xi_den, n):
    """Shear windows V(n·s − k), k = −n … n, of the slope s = ξ_num/ξ_den clipped to [−1, 1]."""
    slope = np.divide(xi_num, xi_den, out=np.zeros(np.broadcast(xi_num, xi_den).shape), where=xi_den != 0)
    return partition(n * np.clip(slope, -1.0, 1.0) + n, 2 * n + 1, periodic=False)


def _render(shape, J, levels):
    xi0, xi1 = frequency_grid(shape)
    lowpass, bands = radial_partition(np.hypot(xi0, xi1), J)
    cone0 = np.abs(xi1) <= np.abs(xi0)  # ξ = 0 and the diagonals |ξ_0| = |ξ_1| belong to cone 0
    filters, meta = [], []
    for j in range(J):
        level = levels[J - 1 - j]
        n = 2**level
        v0 = np.where(cone0, _cone_windows(xi1, xi0, n), 0.0)  # cone 0: s = ξ_1/ξ_0, window k at v0[k + n]
        v1 = np.where(cone0, 0.0, _cone_windows(xi0, xi1, n))  # cone 1: s = ξ_0/ξ_1
        elements = []
        for k in range(-n + 1, n):
            elements.append((v0[k + n], {"cone": 0, "shear": k, "seam": False, "angle": math.atan(k / n)}))
            elements.append(
                (v1[k + n], {"cone": 1, "shear": k, "seam": False, "angle": fold_angle(math.pi / 2 - math.atan(k / n))})
            )
        for k in (-n, n):  # the seam: cone 0's shear ±n glued to cone 1's ±n along the diagonal ξ_0 = ±ξ_1
            elements.append(
                (v0[k + n] + v1[k + n], {"cone": 0, "shear": k, "seam": True, "angle": math.copysign(math.pi / 4, k)})
            )
        elements.sort(key=lambda e: e[1]["angle"])
        for window, m in elements:
            filters.append(bands[j] * window)
            meta.append({"j": j, "scale": float(j), "xi": 2 * math.pi * RADIAL_EDGE / 2**j, "shear_level": level, **m})
    out = fold_nyquist(np.stack([lowpass, *filters]))
    return out[0], out[1:], meta


@register
class Shearlet(Frame):
    r"""Cone-adapted band-limited shearlets with Meyer-type windows: a Parseval frame.

    In frequency (ξ = (ξ_0, ξ_1) in cycles/sample, ξ_0 along rows), with the
    Meyer radial windows W_low, W_j of :func:`frames._windows.radial_partition`
    (W_j peaks at |ξ| = 2^−j/3; j = 0 the finest, reaching to the grid's rim)
    and the bump V(t) = cos(π/2·ν(|t|)) on [−1, 1] (ν: Meyer's C³ polynomial):

    * cones: cone 0 = {|ξ_1| ≤ |ξ_0|} with slope s = ξ_1/ξ_0, cone 1 =
      {|ξ_0| < |ξ_1|} with slope s = ξ_0/ξ_1, s ∈ [−1, 1];
    * scale j (s_j = J − 1 − j counts from the coarsest band-pass, s_j = 0),
      shear level e = ``shear_levels[s_j]`` (default ⌈s_j/2⌉, the parabolic
      α = ½ case), n = 2^e, shears k with |k| ≤ n;
    * interior shearlets, |k| < n, one per cone:
      ĝ_{j,k,c}(ξ) = W_j(|ξ|) · V(n·s − k) · 1_{cone c}(ξ);
    * seam shearlets, k = ±n, one per diagonal: cone 0's and cone 1's windows
      V(n·s − k) glued along ξ_0 = ±ξ_1, where both equal 1; the glued window
      is as smooth there as anywhere (C³, like ν: V is flat to order 7 at 0
      and the radial factor is the same on both sides);
    * low-pass χ̂(ξ) = W_low(|ξ|) = 1 for |ξ| ≤ 2^−J/3, 0 beyond 2^−J·2/3.

    So scale j has 4n filters (2n − 1 per cone and 2 seams): 4, 8, 8 for the
    default J = 3, coarsest first.  Σ_k V(n·s − k)² = 1 on each cone and
    W_low² + Σ_j W_j² = 1, hence:

    **Littlewood–Paley sum.**  LP(ξ) = |χ̂|² + Σ|ĝ|² = 1 at every grid point
    (to rounding, < 1e−14): a Parseval frame without ``tight``, which then
    changes nothing but rounding.  Every response is real, non-negative and
    even (it depends on |ξ| and on the slope, the same at ξ and −ξ), so the
    filters are real and even in space and real input stays real.  On an
    even axis the Nyquist sample stands for ±½: its response is the root mean
    square of the two (:func:`frames._windows.fold_nyquist`), which keeps the
    filters real and LP = 1.  Band-pass filters vanish at ξ = 0.

    Differences from FFST (Häuser & Steidl): dyadic scales with ShearLab's
    ⌈s/2⌉ shear levels but starting from level 0 at the coarsest band-pass
    (ShearLab starts at 1: pass ``shear_levels=(1, 1, 2, …)``), and the radial
    variable is |ξ|, not |ξ_0| (cone 0) / |ξ_1| (cone 1): FFST's seam
    elements are only continuous where that variable switches; here they are
    smooth.

    Parameters
    ----------
    J : int, default 3
        Number of band-pass scales.  The grid must satisfy 2^(J+1) ≤ min(shape)
        (:func:`frames._windows.check_scales`).
    shear_levels : sequence of J ints ≥ 0, optional
        Shear level of each scale, coarse to fine: |k| ≤ 2^level.  Default
        ⌈s/2⌉, s = 0 … J−1.
    scale, tight
        See :class:`frames.Frame`.

    Notes
    -----
    ``meta`` per filter: ``{'j' (0 = finest), 'scale' (= j), 'xi' (peak radius,
    rad/sample, 2π/3·2^−j), 'shear_level', 'cone' (0 or 1; seams report 0),
    'shear' (k), 'seam' (bool), 'angle'}``; ``angle`` ∈ [−π/2, π/2) is the
    orientation of the window's centre, ξ ∥ (cos angle, sin angle) in (row,
    column): atan(k/n) in cone 0, π/2 − atan(k/n) (folded) in cone 1, ±π/4 for
    the seams.  Filters are ordered by j, then by angle.
    """

    family = "shearlet"
    ndim = 2

    def __init__(self, J=3, *, shear_levels=None, scale=1.0, tight=False):
        J = positive_int(J, "J", maximum=MAX_SCALES, what="number of scales", context="shearlet")
        super().__init__(scale=scale, tight=tight, J=J, shear_levels=_shear_levels(J, shear_levels))

    def check_shape(self, shape):
        shape = as_shape(shape, 2)
        check_scales("shearlet", self.params["J"], shape, margin=MEYER_MARGIN)
        for level in self.params["shear_levels"]:
            check_count("shearlet", f"the filters of shear level {level}", 4, shape, exponent=level)
        return shape

    def n_filters(self, shape):
        return sum(4 << level for level in self.params["shear_levels"])

    def _render(self, shape):
        return _render(shape, self.params["J"], self.params["shear_levels"])


def shearlet(J=3, *, shear_levels=None, scale=1.0, tight=False):
    """Cone-adapted band-limited shearlets (Parseval); see :class:`Shearlet` for the formulas.

    ``shearlet()`` gives J = 3 scales with 4, 8, 8 filters (coarse to fine).
    """
    return Shearlet(J, shear_levels=shear_levels, scale=scale, tight=tight)
