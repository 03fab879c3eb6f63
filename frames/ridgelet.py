"""Band-limited ridgelet-type frames: the α → 0 end of the α-curvelet family, Parseval."""

from __future__ import annotations

import math
import numbers

from ._checks import MAX_SCALES, as_shape, check_scales, positive_int
from ._frame import Frame, register
from ._windows import MEYER_MARGIN
from .curvelet import check_angles, check_wedges, render_wedges

__all__ = ["Ridgelet", "ridgelet"]

# s·(1 − α) is an integer for the usual α (0, ½, 1) but may round above it (s = 3, α = ⅓).
EXPONENT_SLACK = 1e-9


def _check_alpha(alpha):
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not 0.0 <= float(alpha) <= 1.0:
        raise ValueError(
            f"ridgelet: alpha must be a number in [0, 1] (0: ridgelets, ½: curvelets, 1: wavelets), got {alpha!r}"
        )
    return float(alpha)


@register
class Ridgelet(Frame):
    r"""Band-limited ridgelet-type frame: α-curvelets with α = 0 (default), Parseval.

    The α-scaling family (α-molecules, Grohs, Keiper, Kutyniok & Schäfer): at
    frequency radius R a window is R wide radially and R^α wide across, so a
    scale at radius ∝ 2^s holds ∝ 2^{s(1−α)} directions.  α = 1 gives
    wavelets (a fixed number of orientations), α = ½ curvelets (parabolic
    scaling) and α = 0 ridgelets: the angular resolution doubles at every
    scale, so the spacing of the windows across, measured at each band's
    peak radius R_j = 2^−j/3, is the same at every scale (R_j·Δ_j =
    2^{1−J}·2π/(3·angles) cycles/sample), and in space the atoms are ridges,
    long along one direction and oscillating across it.

    Construction: the polar windows of :class:`frames.curvelet.Curvelet` with
    the same Meyer radial windows W_j and bump V, and another direction count:

    * scale j (s = J − 1 − j counts from the coarsest band-pass, s = 0) has
      a_j = ``angles``·2^⌈s(1−α)⌉ wedges over the full circle, m_j = a_j/2
      real filters of width Δ_j = π/m_j;
    * ĝ_{j,l}(ξ) = W_j(|ξ|) · V(φ(ξ)/Δ_j − l), l = 0 … m_j − 1 (mod m_j),
      φ(ξ) ∈ [0, π) the orientation of ξ; χ̂(ξ) = W_low(|ξ|).

    Why this construction: it reuses the curvelet windows unchanged, so the
    family is one recipe with α as its only new knob (``ridgelet(alpha=0.5)``
    renders exactly ``curvelet()``'s bank), and the directions stay
    equispaced in angle at every scale.  Digital ridgelets through the Radon
    transform (a 1-D wavelet along each projection) are not band-limited
    window products and have no exact LP sum on the DFT grid; this is the
    band-limited frame with the same scaling.

    Defaults J = 3, angles = 8, alpha = 0: 4, 8, 16 filters, coarsest first
    (28 in all); the finest scale of J scales has angles·2^(J−2) filters.

    **Littlewood–Paley sum.**  As for curvelets, LP(ξ) = 1 at every grid point
    (to rounding, < 1e−14): a Parseval frame without ``tight``.  Responses are
    real, non-negative and even (real filters in space; Nyquist samples of
    even axes are folded as in :func:`frames._windows.fold_nyquist`), and
    band-pass filters vanish at ξ = 0.

    Parameters
    ----------
    J : int, default 3
        Number of band-pass scales.  The grid must satisfy 2^(J+1) ≤ min(shape).
    angles : int, default 8
        Wedges over the full circle at the coarsest band-pass scale, a positive
        multiple of 4 (see :class:`frames.curvelet.Curvelet`).
    alpha : float in [0, 1], default 0
        The α of the α-scaling: directions grow like 2^{s(1−α)}.
    scale, tight
        See :class:`frames.Frame`.

    Notes
    -----
    ``meta`` per filter as for :class:`frames.curvelet.Curvelet`: ``{'j',
    'scale' (= j), 'xi', 'angles' (a_j), 'wedge', 'angle'}``.
    """

    family = "ridgelet"
    ndim = 2

    def __init__(self, J=3, *, angles=8, alpha=0.0, scale=1.0, tight=False):
        J = positive_int(J, "J", maximum=MAX_SCALES, what="number of scales", context="ridgelet")
        super().__init__(
            scale=scale, tight=tight, J=J, angles=check_angles("ridgelet", angles), alpha=_check_alpha(alpha)
        )

    def check_shape(self, shape):
        shape = as_shape(shape, 2)
        check_scales("ridgelet", self.params["J"], shape, margin=MEYER_MARGIN)
        check_wedges("ridgelet", self.params["angles"], self._exponents(), shape)
        return shape

    def _exponents(self):
        J, alpha = self.params["J"], self.params["alpha"]
        return [math.ceil((J - 1 - j) * (1.0 - alpha) - EXPONENT_SLACK) for j in range(J)]

    def n_filters(self, shape):
        return sum(self.params["angles"] // 2 << e for e in self._exponents())

    def _render(self, shape):
        return render_wedges(shape, self.params["J"], self.params["angles"], self._exponents())


def ridgelet(J=3, *, angles=8, alpha=0.0, scale=1.0, tight=False):
    """Band-limited ridgelet-type frame (Parseval); see :class:`Ridgelet` for the formulas.

    ``ridgelet()`` gives J = 3 scales with 4, 8, 16 filters (coarse to fine).
    """
    return Ridgelet(J, angles=angles, alpha=alpha, scale=scale, tight=tight)
