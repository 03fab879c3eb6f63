"""Translation covariance and Theorem 1 (vertical translation invariance), per layer and shift."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._arrays import divide, energy, frequencies, tolerance
from ._common import Result, layers, pooling_products, prepare
from .transforms import shift

__all__ = ["lowpass_K", "TranslationInvariance", "translation_invariance"]

# Absolute slack (× the relative tolerance, relative to ‖f‖) for a bound near 0 (t = 0, or χ̂_n ≈ 0 on a
# coarse grid): the rounding of a change that is zero in exact arithmetic.
_ZERO_BOUND_SLACK = 1e-3


def lowpass_K(net):
    """K_n = max_ν |χ̂_n(ν)|·|ν| of each layer's output atom, in two units.

    Returns
    -------
    K : ndarray (N + 1,)
        ν in cycles per sample of layer n's grid: the unit in which the
        bound reads 2π|t|K_n/P_n with t in input samples.
    K_input : ndarray (N + 1,)
        ω = 2πν/P_n in radians per sample of the input grid:
        K_input = 2πK/P_n, and the same bound reads |t|·K_input.
    P : ndarray (N + 1,)
        The pooling products P_n = S_1⋯S_n (P_0 = 1).
    """
    P = np.array(pooling_products(net), dtype=np.float64)
    K = []
    for n in range(net.depth + 1):
        bank = net.bank(n)
        nu = np.sqrt(np.sum(frequencies(bank.shape) ** 2, axis=0))
        K.append(float(np.max(np.abs(bank.lowpass) * nu)))
    K = np.array(K)
    return K, 2 * np.pi * K / P, P


@dataclass(frozen=True)
class TranslationInvariance(Result):
    """Per layer n (rows) and shift t (columns): measured against the Thm 1 bound.

    Attributes
    ----------
    shifts : (T, d) shifts in input samples.
    P, K, K_input : pooling products and K_n (see :func:`lowpass_K`).
    measured : (N+1, T) max over inputs of |||Φ^n(T_t f) − Φ^n(f)||| / ‖f‖.
    bound : (N+1, T) 2π|t|K_n/P_n.
    applies : (N+1, T) the discrete theorem applies: t ∈ P_n ℤ^d (exact
        covariance on the torus), or n = 0 (Φ^0 = f * χ_0 is linear and
        shift-covariant for every real t, sub-pixel ones included).
    covariance_error : (N+1, T) max over inputs of
        |||Φ^n(T_t f) − T_{t/P_n}Φ^n(f)||| / ‖f‖ where t ∈ P_n ℤ^d, NaN
        elsewhere (relative to ‖f‖, not to |||Φ^n f|||, which can be ~0:
        a band-limited f has no energy in fine-scale paths).
    holds : margin ≥ 0, i.e. measured ≤ bound (1 + tolerance) wherever the theorem applies.
    margin : 1 + tolerance − max measured/bound over those cells.
    covariance_holds : every covariance error ≤ tolerance;  covariance_margin : tolerance − the largest error.
    off_theorem_worst : max measured/bound where the theorem does not apply
        (sub-sampling phase; informative, not a violation).
    """

    shifts: np.ndarray
    P: np.ndarray
    K: np.ndarray
    K_input: np.ndarray
    measured: np.ndarray
    bound: np.ndarray
    applies: np.ndarray
    covariance_error: np.ndarray
    tolerance: float
    _derived = ("holds", "margin", "covariance_holds", "covariance_margin", "off_theorem_worst")

    def _ratio(self, where):
        """measured/bound with the absolute rounding slack (relative to ‖f‖) taken off the measurement first."""
        excess = np.maximum(self.measured - self.tolerance * _ZERO_BOUND_SLACK, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(self.bound > 0, excess / self.bound, np.where(excess > 0, np.inf, 0.0))
        return r[where]

    @property
    def holds(self):
        return bool(self.margin >= 0) if np.isfinite(self.margin) else True

    @property
    def margin(self):
        r = self._ratio(self.applies)
        return float(1 + self.tolerance - r.max()) if r.size else float("nan")

    @property
    def covariance_holds(self):
        return self.covariance_margin >= 0

    @property
    def covariance_margin(self):
        e = self.covariance_error[np.isfinite(self.covariance_error)]
        return float(self.tolerance - (e.max() if e.size else 0.0))

    @property
    def off_theorem_worst(self):
        r = self._ratio(~self.applies)
        return float(r.max()) if r.size else float("nan")


def _default_shifts(net):
    d, P = net.ndim, pooling_products(net)[-1]
    limit = min(net.shape) // 4
    mags = [m for m in (0.5, 1, 2, 4, 8, 16, 32) if m <= max(limit, 1)]
    shifts = [(m,) + (0,) * (d - 1) for m in mags]
    if d > 1 and P <= limit:
        shifts.append((P,) * d)
    return shifts


def translation_invariance(net, inputs=None, shifts=None, *, seed=0):
    r"""Theorem 1 (vertical translation invariance) and translation covariance, per layer and shift.

    Statement (Wiatowski & Bölcskei 2018, Thm 1): for an admissible network
    and K_n ≥ sup |χ̂_n(ν)|·|ν|,

        |||Φ^n(T_t f) − Φ^n(f)||| ≤ 2π |t| K_n / P_n · ‖f‖,   P_n = S_1⋯S_n.

    Derivation on the grid, and its units.  Layer n's grid has one sample
    every P_n input samples; its frequencies ν are in cycles per layer-n
    sample.  For t ∈ P_n ℤ^d (t in input samples) the network is exactly
    covariant on the torus, Φ^n(T_t f) = T_s Φ^n(f) with s = t/P_n layer-n
    samples, so for each path q, in the DFT of layer n,

        (T_s Φ^n f − Φ^n f)^(ν) = (e^{−2πi⟨ν,s⟩} − 1) χ̂_n(ν) (U[q]f)^(ν),
        |e^{−2πi⟨ν,s⟩} − 1| ≤ 2π|ν||s|  (ν the alias of smallest norm),

    whence ‖T_sΦ^n_q − Φ^n_q‖ ≤ 2π|s| K_n ‖U[q]f‖ with K_n in cycles per
    layer-n sample, and Σ_q ‖U[q]f‖² = W_n(f) ≤ ‖f‖² (admissibility) gives
    the bound with |s| = |t|/P_n.  In radians per *input* sample,
    ω = 2πν/P_n, K_input = 2πK_n/P_n and the bound is |t|·K_input: the same
    number (both are returned).  Writing 2π|t|K/P_n with K in radians per
    input sample would be off by 2π/P_n.

    Where the derivation does not hold: t ∉ P_n ℤ^d at a layer n ≥ 1.  The
    sub-sampling then takes other samples (and a sub-pixel Fourier shift does
    not commute with a pointwise non-linearity on a grid), so the discrete
    network is not covariant; the continuous theorem has no counterpart of
    this aliasing.  Those cells are measured and reported
    (``off_theorem_worst``) but not part of the verdict.  Layer 0 is covered
    for every real t, sub-pixel shifts included (T_t by Fourier phase, see
    :func:`~scatterx.theory.shift`).

    Parameters
    ----------
    net : Network
    inputs : array (B, *net.shape), NumPy or torch, optional
    shifts : sequence of d-tuples (input samples), optional
        A scalar entry means the same shift along every axis.  Default:
        0.5, 1, 2, 4, … ≤ min(shape)/4 along axis 0, and (P_N, …, P_N).
    seed : int (for the default inputs)

    Returns
    -------
    TranslationInvariance
    """
    x, ref = prepare(net, inputs, seed)
    d, B = net.ndim, len(x)
    shifts = np.array(
        _default_shifts(net)
        if shifts is None
        else [np.broadcast_to(np.atleast_1d(np.asarray(t, dtype=np.float64)), (d,)) for t in shifts],
        dtype=np.float64,
    ).reshape(-1, d)
    K, K_input, P = lowpass_K(net)
    base = layers(net, x, ref)
    moved = layers(net, np.concatenate([shift(x, t) for t in shifts]), ref)
    norms = np.sqrt(energy(x))
    T, N1 = len(shifts), net.depth + 1
    measured, cov = np.zeros((N1, T)), np.full((N1, T), np.nan)
    applies = np.zeros((N1, T), dtype=bool)
    for n in range(N1):
        for j, t in enumerate(shifts):
            a = moved[n][j * B : (j + 1) * B]
            measured[n, j] = np.max(divide(np.sqrt(energy(a - base[n])), norms))
            s = t / P[n]
            lattice = bool(np.all(s == np.round(s)))
            applies[n, j] = lattice or n == 0
            if lattice:
                rolled = np.roll(base[n], tuple(int(v) for v in s), axis=tuple(range(-d, 0)))
                cov[n, j] = float(np.max(divide(np.sqrt(energy(a - rolled)), norms)))
    bound = 2 * np.pi * np.linalg.norm(shifts, axis=1)[None, :] * (K / P)[:, None]
    return TranslationInvariance(
        shifts=shifts,
        P=P,
        K=K,
        K_input=K_input,
        measured=measured,
        bound=bound,
        applies=applies,
        covariance_error=cov,
        tolerance=tolerance(ref),
    )
