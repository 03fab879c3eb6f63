"""PyWavelets' discrete wavelets as undecimated (à-trous) frames on the DFT grid.

Filtering with the bank reproduces ``pywt.swt`` / ``swt2`` / ``swtn`` with
``norm=True, trim_approx=True`` up to a circular shift that depends only on
the filter length (see :class:`PyWavelet`, Notes).
"""

from __future__ import annotations

import difflib
import itertools
import math
import warnings

import numpy as np
import pywt

from ._checks import MAX_SCALES, _short, as_shape, check_scales, positive_int
from ._frame import Frame, register, separable

__all__ = ["PyWavelet", "pywavelet", "swt_shift"]


def _discrete_names():
    return pywt.wavelist(kind="discrete")


def _is_continuous(name):
    try:
        with warnings.catch_warnings():  # 'cmor', 'shan', … without parameters warn
            warnings.simplefilter("ignore")
            pywt.ContinuousWavelet(name)
    except ValueError:
        return False
    return True


def _as_wavelet_name(name):
    """The name of a built-in discrete PyWavelets wavelet, from a name or a ``pywt.Wavelet``."""
    if isinstance(name, pywt.Wavelet):
        name = name.name
    if isinstance(name, pywt.ContinuousWavelet) or (isinstance(name, str) and _is_continuous(name)):
        cname = name if isinstance(name, str) else name.name
        raise ValueError(
            f"pywavelet: name={cname!r} is a continuous wavelet; an à-trous frame needs a discrete "
            f"wavelet's filters (pywt.wavelist(kind='discrete'), e.g. 'db4'), or use frames.morlet"
        )
    if not isinstance(name, str):
        raise ValueError(f"pywavelet: name must be a wavelet name (str) or a pywt.Wavelet, got {name!r}")
    names = _discrete_names()
    if name not in names:
        close = difflib.get_close_matches(name.lower()[:64], names, n=6)  # names are short: a long one matches none
        hint = (
            f"close matches: {', '.join(close)}"
            if close
            else "no close match; pywt.wavelist(kind='discrete') lists them"
        )
        raise ValueError(f"pywavelet: unknown discrete wavelet name={_short(name)}; {hint}")
    return name


def _dilated_response(h, n, k):
    """H(2^k ω) = 2^{-1/2} Σ_m h[m] e^{−i 2^k ω m} on the n-point grid ω = 2πl/n (exact: taps wrap mod n)."""
    taps = (np.arange(len(h)) * pow(2, k, n)) % n
    return np.fft.fft(np.bincount(taps, weights=h, minlength=n)) / math.sqrt(2.0)


def _axis_responses(wavelet, n, J):
    """Per level j = 1 … J on one axis: (A_j, D_j) with A_j = ∏_{k<j} H(2^k ω), D_j = G(2^{j−1}ω) A_{j−1}."""
    approx = np.ones(n, np.complex128)
    levels = []
    for k in range(J):
        detail = _dilated_response(wavelet.dec_hi, n, k) * approx
        approx = _dilated_response(wavelet.dec_lo, n, k) * approx
        levels.append((approx, detail))
    return levels


def swt_shift(name, j):
    """Circular shift between the bank and ``pywt.swt`` at level j (1 = finest).

    With F the length of the wavelet's decomposition filters (even for every
    discrete PyWavelets wavelet), ``pywt.swt(..., norm=True)`` gives, at level j,
    ``d_j[n] = (x * ψ_j)[n + F(2^j − 1)/2]`` on the torus, i.e.
    ``d_j = np.roll(ifft(fft(x)·Ψ̂_j), −swt_shift(name, j))``, along every axis
    (the same holds for the approximation at level J with χ̂).
    """
    F = pywt.Wavelet(_as_wavelet_name(name)).dec_len
    return F * (2**j - 1) // 2


@register
class PyWavelet(Frame):
    r"""A discrete PyWavelets wavelet as an undecimated (à-trous) separable frame.

    With h, g the wavelet's decomposition filters (``dec_lo``, ``dec_hi``),
    scaled by 2^{−1/2} as ``pywt.swt(..., norm=True)`` does, and their DFTs
    (convolution, not correlation: the DFT of the filter, not of its reverse)

        H(ω) = 2^{−1/2} Σ_m h[m] e^{−iωm},   G(ω) = 2^{−1/2} Σ_m g[m] e^{−iωm},

    the 1-D approximation and detail responses at level j = 1 … J are

        A_j(ω) = ∏_{k=0}^{j−1} H(2^k ω),   D_j(ω) = G(2^{j−1} ω) A_{j−1}(ω),

    evaluated on the DFT grid ω = 2πl/n (radians/sample), hence periodised:
    taps of the dilated filter that reach past n wrap around.

    * ``ndim=1``: ψ̂_j = D_j, χ̂ = A_J; one filter per level.
    * ``ndim=d`` (2 or 3): for each level j and each key e ∈ {a, d}^d other
      than a…a (PyWavelets' key naming, the first letter for axis 0),
      ψ̂_{j,e}(ω) = ∏_i E_{j,e_i}(ω_i) with E_{j,a} = A_j, E_{j,d} = D_j;
      χ̂(ω) = ∏_i A_J(ω_i).  2^d − 1 filters per level: 3 in 2-D, 7 in 3-D.

    Filters are ordered by level j = 1 … J (fine to coarse), then by key in
    ``itertools.product('ad', repeat=d)`` order ('ad', 'da', 'dd' in 2-D).
    The filters are real in space, so their responses are Hermitian.

    **Littlewood–Paley sum.**  With P(ω) = |H(ω)|² + |G(ω)|², the sum
    telescopes to

        LP(ω) = 1 + Σ_{j=1}^{J} ∏_i |A_{j−1}(ω_i)|² (∏_i P(2^{j−1} ω_i) − 1).

    For an orthogonal wavelet (``pywt.Wavelet(name).orthogonal``) P ≡ 1 in
    exact arithmetic, so LP ≡ 1, a Parseval frame.  On PyWavelets' stored
    coefficients max|P − 1| is below 2e−15 for haar, db and coif (so
    max|LP − 1| < 1e−12 on any grid), but 7e−15 … 2.3e−11 for sym
    (sym4: 1.4e−12, sym20: 2.3e−11; LP then deviates by up to J·d times that),
    and 5.8e−3 for dmey, whose 62 taps truncate the Meyer filter (2-D, J = 3:
    LP ∈ [0.996, 1.024]).  For a biorthogonal wavelet (bior, rbio) P ≠ 1:
    the decomposition filters alone make a frame that is not tight, with
    (A, B) = (min, max) of LP from ``bank.bounds()``; measured on 128 × 128,
    J = 3: bior2.2 (0.789, 2.78), rbio3.3 (0.511, 4.94).

    Every ψ̂ has ψ̂(0) = G(0)·A_{j−1}(0) = 2^{−1/2} Σ_m g[m], zero up to the
    stored coefficients' rounding (≤ 3e−12), except for dmey (7.7e−4);
    χ̂(0) = H(0)^J = 1 up to rounding.

    Parameters
    ----------
    name : str or pywt.Wavelet, optional
        A discrete PyWavelets wavelet (``pywt.wavelist(kind='discrete')``).
        Default ``'haar'``.  Continuous wavelets are refused.
    J : int, optional
        Number of levels. Default 3.  The grid needs 2**J <= min(shape).
    ndim : {1, 2, 3}, optional
        Dimension of the grid. Default (None) 2.
    scale, tight
        See :class:`frames.Frame`.

    Notes
    -----
    ``meta`` per filter: ``{'j': level 1 … J (as in pywt.swt), 'scale': j − 1
    (log2 of the dilation of G; 0 for the finest level, as morlet's j = 0),
    'detail': key ('d' in 1-D)}``.

    **Grid rule.**  On the periodic DFT grid every length works; we ask
    2**J <= min(shape) so that the coarsest level still separates from the
    low-pass (on an axis whose length divides 2^{J−1} it vanishes identically).  ``pywt.swt`` asks
    more: every length divisible by 2**J; only then can the two be compared.

    **Relation to pywt.swt.**  For x of length divisible by 2**J,
    ``pywt.swt(x, name, level=J, norm=True, trim_approx=True)`` returns
    ``[a_J, d_J, …, d_1]`` (coarsest first) with
    ``d_j = np.roll(ifft(fft(x)·ψ̂_j), −F(2^j − 1)/2)``, F the filter length
    (:func:`swt_shift`); in 2-D/3-D the same shift applies along every axis
    and ``swt2``'s (cH, cV, cD) are the keys ('da', 'ad', 'dd').
    """

    family = "pywavelet"

    def __init__(self, name="haar", J=3, *, ndim=None, scale=1.0, tight=False):
        name = _as_wavelet_name(name)
        ndim = 2 if ndim is None else ndim
        J = positive_int(J, "J", maximum=MAX_SCALES, what="number of levels", context="pywavelet")
        if isinstance(ndim, bool) or ndim not in (1, 2, 3):
            raise ValueError(f"pywavelet: ndim must be 1, 2 or 3, got {ndim!r}")
        super().__init__(scale=scale, tight=tight, name=name, J=J, ndim=int(ndim))
        self.ndim = int(ndim)

    def check_shape(self, shape):
        shape = as_shape(shape, self.ndim)
        check_scales("pywavelet", self.params["J"], shape)
        return shape

    def n_filters(self, shape):
        return self.params["J"] * (2**self.ndim - 1)

    def _render(self, shape):
        J, d = self.params["J"], self.ndim
        wavelet = pywt.Wavelet(self.params["name"])
        axes = [_axis_responses(wavelet, n, J) for n in shape]  # axes[i][j-1] = (A_j, D_j) on axis i
        keys = ["".join(k) for k in itertools.product("ad", repeat=d)][1:]
        filters, meta = [], []
        for j in range(1, J + 1):
            for key in keys:
                filters.append(separable([axes[i][j - 1][key[i] == "d"] for i in range(d)]))
                meta.append({"j": j, "scale": float(j - 1), "detail": key})
        lowpass = separable([axes[i][J - 1][0] for i in range(d)])
        return lowpass, np.stack(filters), meta


def pywavelet(name="haar", J=3, *, ndim=None, scale=1.0, tight=False):
    """À-trous frame of a discrete PyWavelets wavelet; see :class:`PyWavelet` for the formulas.

    ``pywavelet("db4", J=2)`` is 2-D (3 filters per level); ``ndim=1`` or
    ``ndim=3`` give 1 or 7 per level.  Orthogonal wavelets give a Parseval
    frame (LP ≡ 1); biorthogonal ones a frame with the bounds of ``bounds()``.
    """
    return PyWavelet(name, J, ndim=ndim, scale=scale, tight=tight)
