"""Kymatio 0.3.0's padding and resolution rules, as plain NumPy functions.

The Kymatio-compatible frontends use these to reproduce Kymatio's output
exactly: how much the input is reflect-padded, where the signal lies after
each subsampling, and how a filter is brought to a coarser grid.  Kymatio
itself is only a test dependency; it is not imported here.

Note the two conventions for a filter on a grid 2^r times coarser: the 2-D
rule *sums* the aliases (it keeps the low band of the response unchanged),
the 1-D rule *averages* them (the DFT of the filter subsampled in time, the
response divided by 2^r).
"""

from __future__ import annotations

import warnings

import numpy as np

from frames.morlet import SIGMA0, morlet_1d

__all__ = [
    "padding_2d",
    "pad_widths_2d",
    "crop_2d",
    "periodize_1d",
    "temporal_support_1d",
    "padding_1d",
    "border_indices_1d",
]


def _check_2d_size(M, N, J):
    if 2**J > M or 2**J > N:
        raise ValueError(
            f"J={J} needs 2**J <= min(M, N), got shape ({M}, {N}); "
            f"the largest allowed J is {min(M, N).bit_length() - 1}"
        )


def padding_2d(M, N, J):
    """Padded size: M_p = (⌊(M + 2^J)/2^J⌋ + 1)·2^J, likewise N_p (2^J ≤ min(M, N))."""
    _check_2d_size(M, N, J)
    return ((M + 2**J) // 2**J + 1) * 2**J, ((N + 2**J) // 2**J + 1) * 2**J


def pad_widths_2d(M, N, J):
    """Reflect-pad widths in ``np.pad`` layout: ((⌊(M_p−M)/2⌋, ⌊(M_p−M+1)/2⌋), (same for N))."""
    Mp, Np = padding_2d(M, N, J)
    return ((Mp - M) // 2, (Mp - M + 1) // 2), ((Np - N) // 2, (Np - N + 1) // 2)


def _band_start(n, res):
    """⌊n/2^(r+1)⌋: the first index of one axis that Kymatio's crop to level 2^r zeroes."""
    return int(n * 2.0 ** (-res - 1))


def _low_band(n, res):
    """Kept indices of one axis: all but [⌊n/2^(r+1)⌋, that + ⌊n(1 − 2^−r)⌋)."""
    keep = np.ones(n, bool)
    start = _band_start(n, res)
    keep[start : start + int(n * (1 - 2.0**-res))] = False
    return keep


def crop_2d(response, res):
    """Kymatio's 2-D filter at resolution r: zero the middle band, then alias-sum.

    v[k,l] = Σ_{i,j<2^r} x[k + i m, l + j n], (m, n) = (M//2^r, N//2^r).

    Operates on the last two axes.  When 2^r divides M and N exactly one
    alias survives per output, so this is the crop of rows [0, ⌊m/2⌋) ∪
    [M − ⌈m/2⌉, M) and the same columns: the response's low band, unscaled.
    """
    x = np.asarray(response)
    M, N = x.shape[-2:]
    f = 2**res
    m, n = M // f, N // f
    if M == f * m and N == f * n:  # the crop itself: the kept rows [0, a) ∪ [M − m + a, M), in order of alias
        a, b = _band_start(M, res), _band_start(N, res)
        out = np.empty(x.shape[:-2] + (m, n), x.dtype)
        for rows_out, rows_in in ((slice(0, a), slice(0, a)), (slice(a, m), slice(M - m + a, M))):
            out[..., rows_out, :b] = x[..., rows_in, :b]
            out[..., rows_out, b:] = x[..., rows_in, N - n + b :]
        return out
    kept = np.where(_low_band(M, res)[:, None] & _low_band(N, res), x, 0)[..., : f * m, : f * n]
    return kept.reshape(*x.shape[:-2], f, m, f, n).sum(axis=(-4, -2)).astype(x.dtype, copy=False)


def periodize_1d(response, nperiods):
    """Kymatio's 1-D filter at a coarser grid: v[k] = (1/P) Σ_{i<P} h[i n + k], n = len/P, on the last axis."""
    h = np.asarray(response)
    size = h.shape[-1]
    if size % nperiods:
        raise ValueError(f"periodize_1d: length {size} is not a multiple of nperiods={nperiods}")
    return h.reshape(*h.shape[:-1], nperiods, size // nperiods).mean(axis=-2)


def temporal_support_1d(response, criterion_amplitude=1e-3):
    """Half support of the filters' impulse responses.

    1 + min{i : max over filters of Σ_{t=i}^{⌊n/2⌋−1} |h[t]| ≤ ε}, h = IDFT ĥ
    (⌊n/2⌋, with a warning, if none).
    """
    h = np.abs(np.fft.ifft(np.asarray(response), axis=-1))
    h = h.reshape(-1, h.shape[-1])
    half = h.shape[-1] // 2
    tail = np.cumsum(h[:, :half][:, ::-1], axis=1)[:, ::-1].max(axis=0)  # Σ_{t ≥ i} |h[t]|, worst filter
    small = np.flatnonzero(tail <= criterion_amplitude)
    if small.size == 0:
        warnings.warn("Signal support is too small to avoid border effects", stacklevel=2)
        return half
    return int(small[0]) + 1


def padding_1d(N, J, T=None):
    """Padded length and pad widths (N_p, left, right).

    N_p = 2^min(⌈log2(N + 2·3·support(χ̂_T))⌉, ⌊log2(3N − 2)⌋),
    left = ⌊(N_p − N)/2⌋, right = N_p − N − left.

    χ̂_T is the Gaussian low-pass of width 0.1/T on the *unpadded* N-point
    grid and support its :func:`temporal_support_1d` (ε = 10⁻³);
    ``T=None`` means 2**J.  The cap 3N − 2 keeps each pad below N, which
    reflect padding needs.
    """
    if T is None:
        T = 2**J  # not checked against N, as in Kymatio
    elif T > N:
        raise ValueError(f"T={T} (the low-pass support) cannot exceed the input length N={N}")
    min_to_pad = 3 * temporal_support_1d(morlet_1d(N, 0, SIGMA0 / T))
    j_max_support = (3 * N - 2).bit_length() - 1  # ⌊log2(3N − 2)⌋
    j_pad = min((N + 2 * min_to_pad - 1).bit_length(), j_max_support)  # ⌈log2(N + 2·min_to_pad)⌉
    N_padded = 2**j_pad
    left = (N_padded - N) // 2
    return N_padded, left, N_padded - N - left


def border_indices_1d(log2_T, J, i0, i1):
    """Signal bounds after subsampling by 2^j, j = 0 … max(log2_T, J).

    start_j = ⌈start_{j−1}/2⌉, end_j = ⌈end_{j−1}/2⌉.
    """
    ind_start, ind_end = {0: i0}, {0: i1}
    for j in range(1, max(log2_T, J) + 1):
        ind_start[j] = -(-ind_start[j - 1] // 2)
        ind_end[j] = -(-ind_end[j - 1] // 2)
    return ind_start, ind_end
