"""Band-limited curvelets: Meyer radial windows × angular windows, parabolic scaling, Parseval."""

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
    orientation,
    partition,
    radial_partition,
)

__all__ = ["Curvelet", "curvelet"]


def check_angles(family, angles):
    """``angles`` as an int, a positive multiple of 4, or ValueError."""
    if isinstance(angles, bool) or not isinstance(angles, numbers.Integral) or angles < 4 or angles % 4:
        raise ValueError(
            f"{family}: angles must be a positive multiple of 4 (wedges over the full circle "
            f"at the coarsest band-pass scale), got {angles!r}"
        )
    return int(angles)


def check_wedges(family, angles, exponents, shape):
    """Raise ValueError when a scale would have more wedge filters (angles/2 · 2^e) than the grid has points."""
    check_count(family, "the filters of the finest scale (angles/2 · 2^e)", angles // 2, shape, exponent=max(exponents))


def render_wedges(shape, J, angles, exponents):
    """Polar wedge frame: W_j(|ξ|)·V(φ(ξ)/Δ_j − l), Δ_j = π/(angles/2·2^e_j), e_j = exponents[j].

    ``exponents`` are indexed like j (0 = finest).  Returns (lowpass, filters, meta)
    as :meth:`frames.Frame._render` does; shared by :class:`Curvelet` and
    :class:`frames.ridgelet.Ridgelet`.
    """
    xi0, xi1 = frequency_grid(shape)
    lowpass, bands = radial_partition(np.hypot(xi0, xi1), J)
    phi = orientation(xi0, xi1)
    counts = [angles // 2 * 2**e for e in exponents]  # orientations over [0, π): wedges θ, θ + π paired
    out = np.empty((1 + sum(counts),) + tuple(shape))
    out[0] = lowpass
    meta, windows, i = [], {}, 1
    for j, m in enumerate(counts):
        if m not in windows:
            windows[m] = partition(phi * (m / np.pi), m, periodic=True)
        for l in sorted(range(m), key=lambda l: fold_angle(l * math.pi / m)):
            np.multiply(bands[j], windows[m][l], out=out[i])
            meta.append(
                {
                    "j": j,
                    "scale": float(j),
                    "xi": 2 * math.pi * RADIAL_EDGE / 2**j,
                    "angles": 2 * m,
                    "wedge": l,
                    "angle": fold_angle(l * math.pi / m),
                }
            )
            i += 1
    fold_nyquist(out)
    return out[0], out[1:], meta


@register
class Curvelet(Frame):
    r"""Band-limited curvelets (Meyer radial × angular windows, parabolic scaling): a Parseval frame.

    In frequency (ξ = (ξ_0, ξ_1) in cycles/sample, ξ_0 along rows), with the
    Meyer radial windows W_low, W_j of :func:`frames._windows.radial_partition`
    (W_j peaks at |ξ| = 2^−j/3; j = 0 the finest, reaching to the grid's
    corners), the orientation φ(ξ) ∈ [0, π) (ξ ∥ ±(cos φ, sin φ) in (row,
    column)) and the bump V(t) = cos(π/2·ν(|t|)) on [−1, 1]:

    * scale j (s = J − 1 − j counts from the coarsest band-pass, s = 0) has
      a_j = ``angles``·2^⌈s/2⌉ wedges over the full circle, i.e. m_j = a_j/2
      orientations of width Δ_j = π/m_j: the count doubles every other scale,
      from ``angles`` at the coarsest (CurveLab's rule, parabolic scaling:
      angular width ∝ 2^{−s/2});
    * ĝ_{j,l}(ξ) = W_j(|ξ|) · V(φ(ξ)/Δ_j − l), l = 0 … m_j − 1, the
      difference φ/Δ_j − l taken mod m_j: one real filter covers the wedge at
      angle lΔ_j and the opposite one at lΔ_j + π;
    * low-pass χ̂(ξ) = W_low(|ξ|) = 1 for |ξ| ≤ 2^−J/3, 0 beyond 2^−J·2/3.

    Defaults J = 3, angles = 8: 4, 8, 8 filters, coarsest first (20 in all).
    ``angles`` must be a positive multiple of 4: even so that opposite wedges
    pair into real filters, and a multiple of 4 so that the wedge set is the
    same after a quarter turn or a transposition of the grid (the axes and
    the diagonals are wedge centres).

    **Littlewood–Paley sum.**  Σ_l V(t − l)² = 1 (periodically) and
    W_low² + Σ_j W_j² = 1, hence LP(ξ) = |χ̂|² + Σ|ĝ|² = 1 at every grid
    point (to rounding, < 1e−14): a Parseval frame without ``tight``, which
    then changes nothing but rounding.  Every response is real, non-negative
    and exactly even (φ is computed the same at ξ and −ξ), so the filters are
    real and even in space and real input stays real; on an even axis the
    Nyquist sample gets the root mean square of its two aliases ±½
    (:func:`frames._windows.fold_nyquist`), which keeps LP = 1.  Band-pass
    filters vanish at ξ = 0.

    Windows are polar (true angles, equispaced), as in the continuous curvelet
    transform of Candès & Donoho, not CurveLab's Cartesian coronae and
    equispaced slopes; for those see :class:`frames.shearlet.Shearlet`.

    Parameters
    ----------
    J : int, default 3
        Number of band-pass scales.  The grid must satisfy 2^(J+1) ≤ min(shape).
    angles : int, default 8
        Wedges over the full circle at the coarsest band-pass scale, a positive
        multiple of 4 (angles/2 filters there).
    scale, tight
        See :class:`frames.Frame`.

    Notes
    -----
    ``meta`` per filter: ``{'j' (0 = finest), 'scale' (= j), 'xi' (peak radius,
    rad/sample, 2π/3·2^−j), 'angles' (a_j), 'wedge' (l), 'angle'}``; ``angle``
    = lΔ_j folded to [−π/2, π/2).  Filters are ordered by j, then by angle.
    """

    family = "curvelet"
    ndim = 2

    def __init__(self, J=3, *, angles=8, scale=1.0, tight=False):
        J = positive_int(J, "J", maximum=MAX_SCALES, what="number of scales", context="curvelet")
        super().__init__(scale=scale, tight=tight, J=J, angles=check_angles("curvelet", angles))

    def check_shape(self, shape):
        shape = as_shape(shape, 2)
        check_scales("curvelet", self.params["J"], shape, margin=MEYER_MARGIN)
        check_wedges("curvelet", self.params["angles"], self._exponents(), shape)
        return shape

    def _exponents(self):
        J = self.params["J"]
        return [(J - j) // 2 for j in range(J)]

    def n_filters(self, shape):
        return sum(self.params["angles"] // 2 << e for e in self._exponents())

    def _render(self, shape):
        return render_wedges(shape, self.params["J"], self.params["angles"], self._exponents())


def curvelet(J=3, *, angles=8, scale=1.0, tight=False):
    """Band-limited curvelets (Parseval); see :class:`Curvelet` for the formulas.

    ``curvelet()`` gives J = 3 scales with 4, 8, 8 filters (coarse to fine).
    """
    return Curvelet(J, angles=angles, scale=scale, tight=tight)
