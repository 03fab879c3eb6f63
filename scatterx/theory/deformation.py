"""Theorem 2 (deformation sensitivity) on band-limited signals, and the cartoon-function rate."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import check_input
from ._arrays import divide, energy, tolerance
from ._common import Result, changes, prepare
from .signals import bandlimited, cartoons, project_bandlimited
from .transforms import deform, max_tau_sup, smooth_deformation

__all__ = [
    "EXPONENT_SLACK",
    "DeformationSensitivity",
    "deformation_sensitivity",
    "CartoonSensitivity",
    "cartoon_sensitivity",
]

# Fitted cartoon exponents this far below the theorem's ½ count as a violation.
EXPONENT_SLACK = 0.1


@dataclass(frozen=True)
class DeformationSensitivity(Result):
    """Theorem 2 measured: one row per deformation, one column per test signal.

    Attributes
    ----------
    R : band limit of the test signals (cycles per input sample).
    deformations : the :class:`~scatterx.theory.Deformation` records (``tau_sup``,
        ``jacobian_sup``, ``omega_sup``).
    feature_change : (M, B) |||Φ(Ff) − Φ(f)|||.
    signal_change : (M, B) ‖Ff − f‖.
    norms : (B,) ‖f‖.
    C : max feature_change / ((R‖τ‖_∞ + ‖ω‖_∞)‖f‖), the empirical constant
        of Theorem 2 for this network.
    C_signal : the same for ‖Ff − f‖ (the constant of the signal class;
        C ≤ C_signal by the decoupling).
    decoupling_holds : |||Φ(Ff) − Φ(f)||| ≤ ‖Ff − f‖ (1 + tolerance) for every pair.
    decoupling_margin : min of 1 + tolerance − feature_change / signal_change (≥ 0 exactly when it holds).
    """

    R: float
    deformations: tuple
    feature_change: np.ndarray
    signal_change: np.ndarray
    norms: np.ndarray
    signal_names: tuple
    C: float
    C_signal: float
    tolerance: float
    _derived = ("decoupling_holds", "decoupling_margin", "scale")

    @property
    def scale(self):
        """(R‖τ‖_∞ + ‖ω‖_∞)‖f‖, shape (M, B)."""
        s = np.array([self.R * D.tau_sup + D.omega_sup for D in self.deformations])
        return s[:, None] * self.norms[None, :]

    @property
    def decoupling_holds(self):
        return bool(np.all(self.feature_change <= self.signal_change * (1 + self.tolerance) + 1e-300))

    @property
    def decoupling_margin(self):
        ok = self.signal_change > 0
        if not ok.any():
            return float("nan")
        return float(np.min(1 + self.tolerance - self.feature_change[ok] / self.signal_change[ok]))


def deformation_sensitivity(
    net, inputs=None, *, R=1 / 8, n_signals=3, tau_fractions=(0.1, 0.25, 0.5, 1.0), omega_sups=(0.0, 0.02, 0.05), seed=0
):
    """Theorem 2: |||Φ(F_{τ,ω} f) − Φ(f)||| ≤ C (R‖τ‖_∞ + ‖ω‖_∞) ‖f‖ for f band-limited to |ν| ≤ R.

    The function measures the smallest C that fits every (deformation,
    signal) pair, and checks the inequality the proof rests on, the
    decoupling |||Φ(Ff) − Φ(f)||| ≤ ‖Ff − f‖ (non-expansiveness).

    Test signals: ``n_signals`` random band-limited signals
    (:func:`~scatterx.theory.bandlimited`, radius R) and the inputs projected onto the ball
    |ν| ≤ R (:func:`~scatterx.theory.project_bandlimited`), all of unit RMS.  Deformations:
    :func:`~scatterx.theory.smooth_deformation` with ‖τ‖_∞ = each fraction of
    :func:`~scatterx.theory.max_tau_sup` (so ‖Dτ‖_∞ ≤ 1/(2d)) and ‖τ‖_∞ = 0, times each
    ‖ω‖_∞ in ``omega_sups`` (the pair τ = 0, ω = 0 left out), applied by
    :func:`~scatterx.theory.deform` (band-limited interpolation; for real networks the
    modulation's real part).

    Parameters
    ----------
    net : Network
    inputs : array (B, *net.shape), NumPy or torch, optional
        ``None`` uses only the synthetic band-limited signals.
    R : float, cycles per input sample (0 < R ≤ √d/2).
    n_signals : int
    tau_fractions : fractions of the largest admissible ‖τ‖_∞.
    omega_sups : modulation amplitudes, cycles.
    seed : int

    Returns
    -------
    DeformationSensitivity
    """
    real = net.real_input
    signals = [bandlimited(net.shape, R, n_signals, seed=seed + 11, real=real)] if n_signals else []
    names = [f"band-limited #{i}" for i in range(n_signals)]
    if inputs is not None:
        x, ref = prepare(net, inputs)
        signals.append(project_bandlimited(x, R))
        names += [f"input {i} (projected)" for i in range(len(x))]
    else:
        ref = signals[0] if signals else None
    if not signals:
        raise ValueError("deformation_sensitivity needs n_signals > 0 or inputs")
    f = np.concatenate(signals)
    tau_max = max_tau_sup(net.shape, seed=seed)
    taus = [0.0] + [float(a) * tau_max for a in tau_fractions]
    defs = [smooth_deformation(net.shape, t, w, seed=seed) for t in taus for w in omega_sups if t or w]
    moved = np.concatenate([deform(f, D, real=real) for D in defs])
    feat, sig = changes(net, f, moved, ref)
    norms = np.sqrt(energy(f))
    scale = np.array([R * D.tau_sup + D.omega_sup for D in defs])[:, None] * norms[None, :]
    return DeformationSensitivity(
        R=float(R),
        deformations=tuple(defs),
        feature_change=feat,
        signal_change=sig,
        norms=norms,
        signal_names=tuple(names),
        C=float(np.max(divide(feat, scale))),
        C_signal=float(np.max(divide(sig, scale))),
        tolerance=tolerance(ref),
    )


@dataclass(frozen=True)
class CartoonSensitivity(Result):
    """Cartoon functions: |||Φ(F_τ f) − Φ(f)||| over a sweep of ‖τ‖_∞, with a fitted power law.

    Attributes
    ----------
    tau_sups : (M,) ‖τ‖_∞ in samples (‖Dτ‖_∞ ≤ 1/(2d) throughout).
    feature_change, signal_change : (M, B) |||Φ(F_τ f) − Φ(f)|||, ‖F_τ f − f‖.
    norms : (B,) ‖f‖.
    exponent, intercept : least-squares fit of log(mean_b feature_change/‖f‖)
        = intercept + exponent · log ‖τ‖_∞.  Grohs et al. (2016) bound the
        change by C K ‖τ‖_∞^{1/2}: an exponent ≥ ½ decays at least as fast.
    signal_exponent : the same fit for ‖F_τ f − f‖ (½ for the sampled indicator).
    CK : max feature_change / (‖f‖ ‖τ‖_∞^{1/2}), the empirical C·K.
    holds : margin ≥ 0: exponent ≥ ½ − EXPONENT_SLACK and the decoupling holds.
    margin : the smaller of exponent − (½ − EXPONENT_SLACK) and the decoupling's
        min of 1 + tolerance − feature_change/signal_change.
    """

    tau_sups: np.ndarray
    feature_change: np.ndarray
    signal_change: np.ndarray
    norms: np.ndarray
    exponent: float
    intercept: float
    signal_exponent: float
    CK: float
    tolerance: float
    _derived = ("holds", "margin", "decoupling_holds")

    @property
    def decoupling_holds(self):
        return bool(np.all(self.feature_change <= self.signal_change * (1 + self.tolerance) + 1e-300))

    @property
    def holds(self):
        return bool(self.margin >= 0)

    @property
    def margin(self):
        ok = self.signal_change > 0
        decoupling = np.min(1 + self.tolerance - self.feature_change[ok] / self.signal_change[ok]) if ok.any() else 1.0
        return float(min(self.exponent - (0.5 - EXPONENT_SLACK), decoupling))


def cartoon_sensitivity(net, *, n_signals=2, tau_sups=None, points=7, seed=0, like=None):
    """Deformation sensitivity on cartoon functions: the fitted exponent of ‖τ‖_∞.

    Each :class:`~scatterx.theory.Cartoon` is sampled at x − τ(x) exactly (it is defined
    everywhere), for τ = :func:`~scatterx.theory.smooth_deformation` with ‖τ‖_∞ swept
    geometrically over ``points`` values from 1/20 of :func:`~scatterx.theory.max_tau_sup`
    to it (or ``tau_sups``).  No modulation.

    Parameters
    ----------
    net : Network
    n_signals, points, seed : int
    tau_sups : sequence of float, optional
    like : array, optional
        The network runs in this array's library, device and precision
        (default: NumPy float64).

    Returns
    -------
    CartoonSensitivity
    """
    tau_max = max_tau_sup(net.shape, seed=seed)
    taus = np.geomspace(tau_max / 20, tau_max, points) if tau_sups is None else np.asarray(tau_sups, float)
    shapes = cartoons(net.shape, n_signals, seed=seed + 101)
    f = np.stack([c.sample() for c in shapes])
    if not net.real_input:
        f = f.astype(np.complex128)
    ref = f if like is None else check_input(like, net.shape, "like", allow_complex=not net.real_input)[0]
    defs = [smooth_deformation(net.shape, t, seed=seed) for t in taus]
    moved = np.stack([c.sample(D) for D in defs for c in shapes]).astype(f.dtype)
    feat, sig = changes(net, f, moved, ref)
    norms = np.sqrt(energy(f))
    exponent, intercept = _powerlaw(taus, feat / norms)
    sig_exponent, _ = _powerlaw(taus, sig / norms)
    return CartoonSensitivity(
        tau_sups=taus,
        feature_change=feat,
        signal_change=sig,
        norms=norms,
        exponent=exponent,
        intercept=intercept,
        signal_exponent=sig_exponent,
        CK=float(np.max(feat / norms[None, :] / np.sqrt(taus)[:, None])),
        tolerance=tolerance(ref),
    )


def _powerlaw(t, y):
    """Fit log(geometric mean over columns of y) = b + a log t; (a, b).  Zero rows are left out."""
    g = np.exp(np.mean(np.log(np.maximum(y, 1e-300)), axis=1))
    ok = g > 1e-200
    if ok.sum() < 2:
        return float("nan"), float("nan")
    a, b = np.polyfit(np.log(t[ok]), np.log(g[ok]), 1)
    return float(a), float(b)
