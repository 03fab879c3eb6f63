"""Gabor (Weyl–Heisenberg) frames: one window modulated to a regular lattice of frequencies.

The lattice is the Cartesian product, over the axes, of ``n`` equispaced
frequencies covering the whole period, ν_m = m/n cycles/sample, so that it
tiles the frequency torus; the window is separable and periodic, and the
filters are its translates in frequency (modulations in space).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ._checks import as_shape, positive_int
from ._frame import Frame, register, separable
from ._windows import fall

__all__ = ["Gabor", "gabor", "meyer_window", "gaussian_window"]

WINDOWS = ("meyer", "gaussian")
DEFAULT_N_FREQS = {1: 16, 2: 8, 3: 4}
DEFAULT_SIGMA = 0.6  # adjacent Gaussian windows cross at exp(−1/(8·0.36)) ≈ 0.71 of their peak
DEFAULT_OVERLAP = 1.0  # Meyer roll-off: the smoothest window, no flat top
# meta 'scale' = log2(NU_REF / |ν|): NU_REF = 3/8 cycles/sample is the centre frequency of the finest
# 2-D Morlet wavelet (j = 0, ξ = 3π/4 rad/sample), so scales compare across families.
NU_REF = 3.0 / 8.0
# Gaussian periodisation: images with exp(−x²/(2σ²)) < 1e-18 everywhere (|x| > 9.1 σ) add nothing.
GAUSS_REACH = 9.1


def meyer_window(u, overlap=DEFAULT_OVERLAP):
    """Meyer-type bump in units of the lattice spacing: Σ_m w(u − m)² = 1 for every real u.

    w(u) = 1 for |u| ≤ (1−β)/2,  cos(π/2 · s((|u| − (1−β)/2)/β)) for (1−β)/2 < |u| < (1+β)/2,
    0 beyond, with β = ``overlap`` ∈ (0, 1] and s Meyer's auxiliary function.
    """
    a = np.abs(np.asarray(u, dtype=np.float64))
    x = np.clip((a - 0.5 * (1.0 - overlap)) / overlap, 0.0, 1.0)
    return fall(x)  # exactly 0 on and beyond the edge, so ĝ(0) = 0 is exact


def gaussian_window(u, sigma=DEFAULT_SIGMA):
    """Gaussian in units of the lattice spacing, (σ√π)^{-1/2} exp(−u²/(2σ²)): ∫ w² du = 1."""
    u = np.asarray(u, dtype=np.float64)
    return np.exp(-u * u / (2.0 * sigma * sigma)) / math.sqrt(sigma * math.sqrt(math.pi))


def _signed(m, n):
    """Lattice index m ∈ [0, n) as the signed index of ``np.fft.fftfreq`` order."""
    return m - n if m >= (n + 1) // 2 else m


def _axis_windows(N, n, window, width):
    """W[m, k] = ŵ_per(k/N − m/n) for the n lattice indices m (fftfreq order) on an N-point axis.

    Arguments of the window are in units of the spacing 1/n; the distance to
    the centre is reduced modulo the period (n spacings) in exact integer
    arithmetic, t = (k n − m N) mod (N n), u = t/N ∈ [−n/2, n/2).
    """
    k = np.arange(N)[None, :]
    m = np.arange(n)[:, None]
    t = (k * n - m * N) % (N * n)
    u = np.where(2 * t >= N * n, t - N * n, t) / N
    if window == "meyer":
        return meyer_window(u, width)  # support (1+β)/2 ≤ 1 ≤ n/2 spacings: no images overlap
    images = math.ceil(GAUSS_REACH * width / n + 0.5)
    return sum(gaussian_window(u - p * n, width) for p in range(-images, images + 1))


def _lattice(n_freqs, real_input):
    """Band-pass lattice indices (fftfreq order, 0 excluded) and their energy weights.

    With ``real_input``, one index of each pair {m, −m} is kept with weight 2,
    the one whose signed index is lexicographically larger; indices with
    m ≡ −m (every coordinate 0 or n/2) keep weight 1.
    """
    out = []
    for m in np.ndindex(*n_freqs):
        if not any(m):
            continue
        s = tuple(_signed(a, n) for a, n in zip(m, n_freqs))
        partner = tuple(_signed((-a) % n, n) for a, n in zip(m, n_freqs))
        if not real_input or s == partner:
            out.append((m, s, 1.0))
        elif s > partner:
            out.append((m, s, 2.0))
    return out


def _as_n_freqs(n_freqs, ndim):
    """n_freqs as a tuple: a tuple or list sets ndim, an int is repeated over ndim (default 2) axes."""
    if ndim is not None and (isinstance(ndim, bool) or ndim not in (1, 2, 3)):
        raise ValueError(f"gabor: ndim must be 1, 2 or 3, got {ndim!r}")
    if isinstance(n_freqs, (list, tuple)):
        if not 1 <= len(n_freqs) <= 3 or (ndim is not None and len(n_freqs) != ndim):
            raise ValueError(f"gabor: n_freqs must have {ndim or '1, 2 or 3'} entries, got {list(n_freqs)!r}")
        return tuple(n_freqs)
    ndim = 2 if ndim is None else int(ndim)
    return (DEFAULT_N_FREQS[ndim] if n_freqs is None else n_freqs,) * ndim


@register
class Gabor(Frame):
    r"""Gabor (Weyl–Heisenberg) frame: ĝ_m(ν) = ŵ(ν − ν_m) on a lattice ν_m that tiles the torus.

    Frequencies ν in cycles/sample, each axis periodic with period 1.  Along
    axis i, n_i lattice frequencies with spacing b_i = 1/n_i cover the whole
    period: ν_m = (m_1 b_1, …, m_d b_d), m_i = 0 … n_i − 1 (the lattice
    ℤ^d·b reduced mod 1).  With u_i = (ν_i − m_i b_i)/b_i, the distance to the
    centre in spacings reduced modulo the period (n_i spacings):

    * ``window='meyer'`` (default), overlap β ∈ (0, 1]:
      ŵ(ν) = Π_i w_β(u_i), w_β(u) = 1 for |u| ≤ (1−β)/2,
      cos(π/2 · s((|u| − (1−β)/2)/β)) for (1−β)/2 < |u| < (1+β)/2, 0 beyond,
      s(x) = x⁴(35 − 84x + 70x² − 20x³) (Meyer; C³, s(x) + s(1−x) = 1);
    * ``window='gaussian'``, width σ (in spacings):
      ŵ(ν) = Π_i Σ_{p∈ℤ} (σ√π)^{−1/2} exp(−(u_i − p n_i)²/(2σ²)), periodised;
      with ``zero_mean=True`` (default) the band-pass filters are
      ĝ_m = ŵ(· − ν_m) − (ŵ(−ν_m)/ŵ(0)) ŵ, so that ĝ_m(0) = 0.

    The low-pass is the window at frequency 0, χ̂ = ŵ; the band-pass filters
    are the other n_1⋯n_d − 1 lattice points, in ``np.fft`` order of the
    lattice (filter k is lattice index ``np.unravel_index(k + 1, n_freqs)``).
    In space, g_m(x) = e^{2πi⟨ν_m, x⟩} w(x): modulations of one window w.

    With ``real_input=True`` only one of each pair ±ν_m is kept, the one whose
    signed lattice index is lexicographically larger (1-D: ν > 0; 2-D: the
    half-plane ν_1 > 0, and ν_2 > 0 on the lines ν_1 = 0 and ν_1 = −½), scaled
    by √2; self-conjugate points (ν_m ≡ −ν_m, every coordinate 0 or ½) keep
    weight 1.  For real signals |f * g_{−m}| = |f * g_m|, so this halves the
    filters and keeps the energy.

    **Littlewood–Paley sum.**

    * ``'meyer'``: LP(ν) = Π_i Σ_{m_i} w_β(u_i − m_i)² = 1 at every ν, for
      every n_i ≥ 2 and β ∈ (0, 1], on every grid: a Parseval frame
      without normalisation (A = B = 1 up to rounding, |1 − LP| < 1e−10).
      The window vanishes from (1+β) b_i/2 ≤ b_i off its centre on, so every
      band-pass filter has ĝ_m(0) = 0 exactly, and χ̂(0) = 1.  With ``real_input=True``
      the symmetrised sum ½(LP(ν) + LP(−ν)) ≡ 1 instead (Parseval for real
      signals); the plain LP sum then lies in [0, 2].
    * ``'gaussian'``, ``zero_mean=False``: by Poisson summation
      LP(ν) = Π_i θ(u_i), θ(u) = 1 + 2 Σ_{k≥1} e^{−π²σ²k²} cos(2πku), up to
      the overlap of periodic images, e^{−1/(4σ²b_i²)} (below 1e−15 for
      σ b_i ≤ 0.08).  The mean is 1, and A = θ(½)^d, B = θ(0)^d, attained
      where 2n_i divides N_i (otherwise the bounds lie inside).  For σ = 0.6:
      1-D [0.943, 1.057], 2-D [0.889, 1.118].
    * ``'gaussian'``, ``zero_mean=True``: no closed form; the correction
      removes the neighbours' share of LP near ν = 0 and lowers A.  Measured
      (``bank.bounds()``, the exact bounds of the rendered bank) for σ = 0.6:
      2-D, n = 8, on 128²: [0.667, 1.118]; 1-D, n = 16, on 4096: [0.751, 1.057].

    Parameters
    ----------
    n_freqs : int or tuple of int, optional
        Lattice points n_i ≥ 2 per axis (spacing 1/n_i cycles/sample).
        Default 16 (1-D), 8 (2-D), 4 (3-D) per axis.
    window : {'meyer', 'gaussian'}, optional
        Default 'meyer'.
    overlap : float, optional
        'meyer' only: roll-off β ∈ (0, 1], the fraction of a spacing over
        which neighbouring windows overlap.  Default 1.0.
    sigma : float, optional
        'gaussian' only: standard deviation in spacings (> 0).  Default 0.6.
    zero_mean : bool, optional
        'gaussian' only: subtract the low-pass multiple that makes ĝ_m(0) = 0.
        Default True.
    real_input : bool, optional
        Keep one of each pair ±ν_m (see above).  Default False.
    ndim : {1, 2, 3}, optional
        Inferred from a tuple ``n_freqs``; default 2.
    scale, tight
        See :class:`frames.Frame`.

    Notes
    -----
    The lattice is Cartesian, not polar (radii × orientations): only a group
    lattice gives modulations of *one* window, and only a lattice that tiles
    the torus with a separable partition-of-unity window gives LP ≡ 1 on every
    grid.  Orientation is recorded per filter instead.

    ``meta`` per filter: ``'m'`` (signed lattice index, int in 1-D, list
    otherwise), ``'centre'`` (ν_m in cycles/sample, signed, in [−½, ½)),
    ``'radius'`` |ν_m|, ``'angle'`` (2-D: atan2(ν_2, ν_1) in radians, (row,
    column) axes as in :mod:`frames.morlet`) and ``'scale'`` =
    log2((3/8)/|ν_m|).  A Gabor frame has no dilations; this scale is the
    one a dilated family would give at that centre frequency, with 3/8
    cycles/sample (the finest 2-D Morlet wavelet, ξ_0 = 3π/4 rad/sample) at 0:
    lower centre frequency = coarser, so frequency-decreasing pruning keeps
    children with lower |ν| than their parent.  Filters at the same |ν_m|
    share a scale.

    The grid must hold at least n_i samples per axis (the window's spatial
    extent is about 1/b_i = n_i samples); :meth:`check_shape` says so.
    """

    family = "gabor"

    def __init__(
        self,
        n_freqs=None,
        *,
        window="meyer",
        overlap=None,
        sigma=None,
        zero_mean=None,
        real_input=False,
        ndim=None,
        scale=1.0,
        tight=False,
    ):
        n_freqs = tuple(
            positive_int(n, "n_freqs", what="lattice points per axis", context="gabor", minimum=2)
            for n in _as_n_freqs(n_freqs, ndim)
        )
        if window not in WINDOWS:
            raise ValueError(f"gabor: window must be one of {WINDOWS}, got {window!r}")
        if not isinstance(real_input, (bool, np.bool_)):
            raise ValueError(f"gabor: real_input must be True or False, got {real_input!r}")
        params = {"n_freqs": n_freqs, "window": window}
        if window == "meyer":
            if sigma is not None or zero_mean is not None:
                raise ValueError(
                    f"gabor: sigma and zero_mean are 'gaussian' parameters, got sigma={sigma!r}, "
                    f"zero_mean={zero_mean!r} with window='meyer' (its band-pass filters are zero-mean already)"
                )
            overlap = DEFAULT_OVERLAP if overlap is None else overlap
            if isinstance(overlap, bool) or not isinstance(overlap, numbers.Real) or not 0 < overlap <= 1:
                raise ValueError(f"gabor: overlap must be a number in (0, 1], got {overlap!r}")
            params["overlap"] = float(overlap)
        else:
            if overlap is not None:
                raise ValueError(
                    f"gabor: overlap is a 'meyer' parameter, got overlap={overlap!r} with window='gaussian'"
                )
            sigma = DEFAULT_SIGMA if sigma is None else sigma
            if isinstance(sigma, bool) or not isinstance(sigma, numbers.Real) or not math.isfinite(sigma) or sigma <= 0:
                raise ValueError(f"gabor: sigma must be a positive number (in lattice spacings), got {sigma!r}")
            zero_mean = True if zero_mean is None else zero_mean
            if not isinstance(zero_mean, (bool, np.bool_)):
                raise ValueError(f"gabor: zero_mean must be True or False, got {zero_mean!r}")
            params.update(sigma=float(sigma), zero_mean=bool(zero_mean))
        super().__init__(scale=scale, tight=tight, **params, real_input=bool(real_input), ndim=len(n_freqs))
        self.ndim = len(n_freqs)

    def check_shape(self, shape):
        shape = as_shape(shape, self.ndim)
        n_freqs = self.params["n_freqs"]
        if any(N < n for N, n in zip(shape, n_freqs)):
            allowed = tuple(shape) if self.ndim > 1 else shape[0]
            raise ValueError(
                f"gabor: n_freqs={_show(n_freqs)} needs at least n_freqs samples per axis, got shape {shape}; "
                f"the largest n_freqs allowed is {allowed}"
            )
        return shape

    def n_filters(self, shape):
        return math.prod(self.params["n_freqs"]) - 1

    def _render(self, shape):
        p = self.params
        n_freqs, window = p["n_freqs"], p["window"]
        width = p["overlap"] if window == "meyer" else p["sigma"]
        axes = [_axis_windows(N, n, window, width) for N, n in zip(shape, n_freqs)]
        lowpass = separable([W[0] for W in axes])
        zero_mean = window == "gaussian" and p["zero_mean"]
        filters, meta = [], []
        for m, s, weight in _lattice(n_freqs, p["real_input"]):
            g = separable([W[a] for W, a in zip(axes, m)])
            if zero_mean:
                # ŵ(−ν_m)/ŵ(0): the DC value of ĝ_m relative to the low-pass', a product over the axes.
                g = g - math.prod(float(W[a, 0] / W[0, 0]) for W, a in zip(axes, m)) * lowpass
            filters.append(math.sqrt(weight) * g if weight != 1.0 else g)
            meta.append(_meta(s, n_freqs))
        return lowpass, np.stack(filters), meta


def _meta(s, n_freqs):
    centre = [a / n for a, n in zip(s, n_freqs)]
    radius = math.hypot(*centre)
    record = {
        "m": s[0] if len(s) == 1 else list(s),
        "centre": centre[0] if len(s) == 1 else centre,
        "radius": radius,
        "scale": math.log2(NU_REF / radius),
    }
    if len(s) == 2:
        record["angle"] = math.atan2(centre[1], centre[0])
    return record


def _show(n_freqs):
    return n_freqs[0] if len(n_freqs) == 1 else n_freqs


def gabor(
    n_freqs=None,
    *,
    window="meyer",
    overlap=None,
    sigma=None,
    zero_mean=None,
    real_input=False,
    ndim=None,
    scale=1.0,
    tight=False,
):
    """Gabor (Weyl–Heisenberg) frame; see :class:`Gabor` for the formulas and the LP sum.

    ``gabor()`` is 2-D, an 8 × 8 lattice with the Meyer window (Parseval);
    ``gabor(ndim=1)`` is 1-D with 16 lattice points; ``gabor(window='gaussian')``
    uses a Gaussian window (σ = 0.6 spacings, zero-mean band-pass filters).
    """
    return Gabor(
        n_freqs,
        window=window,
        overlap=overlap,
        sigma=sigma,
        zero_mean=zero_mean,
        real_input=real_input,
        ndim=ndim,
        scale=scale,
        tight=tight,
    )
