"""Translation covariance and Theorem 1 (vertical translation invariance), per layer and shift."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from ._arrays import divide, energy, frequencies, like, numpy_of, tolerance
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
    """Per layer n (rows) and shift t (columns): the change |||Φ^n(T_t f) − Φ^n(f)||| against three bounds.

    Attributes
    ----------
    shifts : (T, d) shifts in input samples.
    P, K, K_input : pooling products and K_n (see :func:`lowpass_K`).
    measured : (N+1, T) max over inputs of |||Φ^n(T_t f) − Φ^n(f)||| / ‖f‖.
    bound : (N+1, T) 2π|t|K_n/P_n, Theorem 1's bound relative to ‖f‖.
    applies : (N+1, T) the discrete theorem applies: t ∈ P_n ℤ^d (exact
        covariance on the torus), or n = 0 (Φ^0 = f * χ_0 is linear and
        shift-covariant for every real t, sub-pixel ones included).
    covariance_error : (N+1, T) max over inputs of
        |||Φ^n(T_t f) − T_{t/P_n}Φ^n(f)||| / ‖f‖ where t ∈ P_n ℤ^d, NaN
        elsewhere (relative to ‖f‖, not to |||Φ^n f|||, which can be ~0:
        a band-limited f has no energy in fine-scale paths).
    measured_energy : (N+1, T) max over inputs of |||Φ^n(T_t f) − Φ^n(f)||| / √W_n(f)
        (0 where W_n(f) = 0): the change per unit of propagated energy,
        against the same 2π|t|K_n/P_n.
    energy_ratio : (N+1, T) max over inputs of the change / (2π|t|K_n/P_n √W_n(f))
        where the theorem applies, NaN elsewhere: the √W_n form of Theorem 1
        that the proof gives before W_n ≤ ‖f‖² (``docs/theory.md``), with
        pooling and energy decay separated.
    aliasing_bound : (N+1, T) max over inputs of the off-lattice bound
        min_p (‖T_t f − T_p f‖ + 2π|p|K_n/P_n √W_n(f)) / ‖f‖ over lattice
        points p ∈ P_n ℤ^d near t, where the theorem does not apply; NaN elsewhere.
    aliasing_ratio : (N+1, T) max over inputs of the change / that bound, NaN where it does not apply.
    tolerance : relative rounding slack of the precision the network ran in.

    Derived, each with ``margin`` = 1 + tolerance − the worst ratio (≥ 0 exactly when it holds):
    ``holds``/``margin`` (Theorem 1 with ‖f‖), ``energy_holds``/``energy_margin``
    (the √W_n form), ``aliasing_holds``/``aliasing_margin`` (off the lattice;
    None/NaN when no cell is off it), ``covariance_holds``/``covariance_margin``
    (tolerance − the largest error), ``off_theorem_worst`` (max measured/bound
    off the lattice: how far Theorem 1's bound alone is from the aliased change).
    """

    shifts: np.ndarray
    P: np.ndarray
    K: np.ndarray
    K_input: np.ndarray
    measured: np.ndarray
    bound: np.ndarray
    applies: np.ndarray
    covariance_error: np.ndarray
    measured_energy: np.ndarray
    energy_ratio: np.ndarray
    aliasing_bound: np.ndarray
    aliasing_ratio: np.ndarray
    tolerance: float
    _derived = (
        "holds",
        "margin",
        "energy_holds",
        "energy_margin",
        "aliasing_holds",
        "aliasing_margin",
        "covariance_holds",
        "covariance_margin",
        "off_theorem_worst",
    )

    def _ratio(self, where):
        """measured/bound with the absolute rounding slack (relative to ‖f‖) taken off the measurement first."""
        excess = np.maximum(self.measured - self.tolerance * _ZERO_BOUND_SLACK, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(self.bound > 0, excess / self.bound, np.where(excess > 0, np.inf, 0.0))
        return r[where]

    def _margin(self, ratios):
        r = np.asarray(ratios, dtype=np.float64)
        r = r[~np.isnan(r)]
        return float(1 + self.tolerance - r.max()) if r.size else float("nan")

    @property
    def margin(self):
        return self._margin(self._ratio(self.applies))

    @property
    def holds(self):
        m = self.margin
        return bool(m >= 0) if not np.isnan(m) else True

    @property
    def energy_margin(self):
        return self._margin(self.energy_ratio)

    @property
    def energy_holds(self):
        m = self.energy_margin
        return bool(m >= 0) if not np.isnan(m) else True

    @property
    def aliasing_margin(self):
        return self._margin(self.aliasing_ratio)

    @property
    def aliasing_holds(self):
        m = self.aliasing_margin
        return None if np.isnan(m) else bool(m >= 0)

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


def _lattice_points(t, P):
    """The lattice points p ∈ P ℤ^d at the corners of the lattice cell around t, and 0."""
    corners = itertools.product(*[sorted({math.floor(v / P) * P, math.ceil(v / P) * P}) for v in t])
    return [np.zeros(len(t))] + [np.array(c, dtype=np.float64) for c in corners]


def _off_lattice_bound(x, t, P, K, W):
    """Per input: min over lattice points p of ‖T_t f − T_p f‖ + 2π|p|K/P √W (admissibility, covariance)."""
    moved = shift(x, t)
    best = np.full(len(x), np.inf)
    for p in _lattice_points(t, P):
        best = np.minimum(best, np.sqrt(energy(moved - shift(x, p))) + 2 * np.pi * np.linalg.norm(p) * K / P * W)
    return best


def translation_invariance(net, inputs=None, shifts=None, *, seed=0):
    r"""Theorem 1 (vertical translation invariance), its √W_n form, the off-lattice aliasing bound and covariance.

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
    layer-n sample; summed over the paths this is the √W_n form

        |||Φ^n(T_t f) − Φ^n(f)||| ≤ 2π |t| K_n / P_n · √W_n(f),

    which needs covariance only, and W_n(f) ≤ ‖f‖² (admissibility) gives
    Theorem 1.  In radians per *input* sample, ω = 2πν/P_n,
    K_input = 2πK_n/P_n and the bound is |t|·K_input: the same number (both
    are returned).

    Off the lattice, t ∉ P_n ℤ^d at a layer n ≥ 1, the sub-sampling takes
    other samples and the discrete network is not covariant (the continuous
    theorem has no counterpart).  There, for any lattice point p,
    |||Φ^n(T_t f) − Φ^n(f)||| ≤ |||Φ^n(T_t f) − Φ^n(T_p f)||| + |||Φ^n(T_p f) − Φ^n(f)|||
    ≤ ‖T_t f − T_p f‖ + 2π|p|K_n/P_n √W_n(f) (non-expansiveness, then the
    √W_n form): the aliasing bound, minimised over p = 0 and the corners
    of the lattice cell around t.  Layer 0 is covered by Theorem 1 for every
    real t, sub-pixel shifts included (T_t by Fourier phase, see
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
    _, W = net.energy(like(x, ref))
    root_W = [np.sqrt(np.maximum(numpy_of(w).reshape(-1), 0.0)) for w in W]
    moved = layers(net, np.concatenate([shift(x, t) for t in shifts]), ref)
    norms = np.sqrt(energy(x))
    tol = tolerance(ref)
    T, N1 = len(shifts), net.depth + 1
    measured, cov, per_energy = np.zeros((N1, T)), np.full((N1, T), np.nan), np.zeros((N1, T))
    energy_ratio, alias_bound, alias_ratio = (np.full((N1, T), np.nan) for _ in range(3))
    applies = np.zeros((N1, T), dtype=bool)
    for n in range(N1):
        for j, t in enumerate(shifts):
            a = moved[n][j * B : (j + 1) * B]
            change = np.sqrt(energy(a - base[n]))
            measured[n, j] = np.max(divide(change, norms))
            per_energy[n, j] = np.max(divide(change, root_W[n]))
            s = t / P[n]
            lattice = bool(np.all(s == np.round(s)))
            applies[n, j] = lattice or n == 0
            if applies[n, j]:
                lim = 2 * np.pi * np.linalg.norm(t) * K[n] / P[n] * root_W[n]
                energy_ratio[n, j] = _excess_ratio(change, lim, norms, tol)
            else:
                limit = _off_lattice_bound(x, t, P[n], K[n], root_W[n])
                alias_bound[n, j] = np.max(divide(limit, norms))
                alias_ratio[n, j] = _excess_ratio(change, limit, norms, tol)
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
        measured_energy=per_energy,
        energy_ratio=energy_ratio,
        aliasing_bound=alias_bound,
        aliasing_ratio=alias_ratio,
        tolerance=tol,
    )


def _excess_ratio(change, limit, norms, tol):
    """max over inputs of change/limit, the absolute rounding slack (relative to ‖f‖) taken off the change."""
    tol_abs = _ZERO_BOUND_SLACK * tol * norms
    excess = np.maximum(change - tol_abs, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(limit > 0, excess / limit, np.where(excess > 0, np.inf, 0.0))
    return float(np.max(r))
