"""Deformation sensitivity on three signal classes, each judged against an explicit bound.

Band-limited functions (Theorem 2), cartoon functions and Lipschitz
functions.  Every check follows the proof's two steps (``docs/theory.md``,
deformations): the decoupling |||Φ(F f) − Φ(f)||| ≤ ‖F f − f‖ (non-expansiveness
of an admissible network), then a bound of ‖F f − f‖ that holds for every
member f of the class on the grid, derived there with its constant.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._validate import check_input
from ._arrays import energy, frequencies, tolerance
from ._common import Result, changes, prepare
from .signals import bandlimited, cartoons, lipschitz_functions, project_bandlimited, refinement
from .transforms import deform, max_tau_sup, smooth_deformation

__all__ = [
    "DeformationBound",
    "DeformationSensitivity",
    "bandlimited_bound",
    "deformation_sensitivity",
    "CartoonSensitivity",
    "cartoon_sensitivity",
    "LipschitzSensitivity",
    "lipschitz_sensitivity",
]

# A test signal counts as band-limited to R when this fraction of its energy, at most, lies beyond R
# (the synthesis leaves rounding only, ~1e-32).
BAND_LEAK = 1e-20


@dataclass(frozen=True)
class DeformationBound(Result):
    """|||Φ(F f) − Φ(f)||| against an explicit bound, one row per deformation, one column per signal.

    Attributes
    ----------
    feature_change : (M, B) |||Φ(F f) − Φ(f)|||.
    signal_change : (M, B) ‖F f − f‖.
    norms : (B,) ‖f‖.
    bound : (M, B) the class's bound of ‖F f − f‖, hence (decoupling) of the feature change.
    tolerance : the relative rounding slack of the precision the network ran in.
    reason : why the statement does not apply ("" when it does).
    Derived: ``ratio`` = max feature_change/bound; ``holds`` (None when it does
    not apply) and ``margin`` = 1 + tolerance − ratio (≥ 0 exactly when it
    holds); ``signal_ratio`` = max signal_change/bound (how close the class's
    own bound is); ``decoupling_holds`` and ``decoupling_margin``
    (min of 1 + tolerance − feature_change/signal_change), the proof's first step.
    """

    feature_change: np.ndarray
    signal_change: np.ndarray
    norms: np.ndarray
    bound: np.ndarray
    tolerance: float
    reason: str
    _derived = ("ratio", "holds", "margin", "signal_ratio", "decoupling_holds", "decoupling_margin")

    @property
    def ratio(self):
        return float(np.max(self.feature_change / self.bound))

    @property
    def signal_ratio(self):
        return float(np.max(self.signal_change / self.bound))

    @property
    def margin(self):
        return float(1 + self.tolerance - self.ratio)

    @property
    def holds(self):
        return None if self.reason else self.margin >= 0

    @property
    def decoupling_margin(self):
        ok = self.signal_change > 0
        if not ok.any():
            return float("nan")
        return float(np.min(1 + self.tolerance - self.feature_change[ok] / self.signal_change[ok]))

    @property
    def decoupling_holds(self):
        m = self.decoupling_margin
        return bool(m >= 0) if np.isfinite(m) else True


def bandlimited_bound(R, tau_sup, omega_sup):
    """e^{2πR‖τ‖∞} − 1 + 2π‖ω‖∞: ‖F_{τ,ω} f − f‖ ≤ this × ‖f‖ for f band-limited to |ν| ≤ R on the grid.

    Derived in ``docs/theory.md`` (Theorem 2, the explicit constant): the
    Taylor series of the trigonometric interpolant, each derivative bounded
    by Bernstein's inequality on the grid.  Any τ, any ω; ≤ C (R‖τ‖∞ + ‖ω‖∞)
    with C = 2π max(1, (e^a − 1)/a) for 2πR‖τ‖∞ ≤ a.
    """
    return np.expm1(2 * np.pi * R * np.asarray(tau_sup)) + 2 * np.pi * np.asarray(omega_sup)


@dataclass(frozen=True)
class DeformationSensitivity(DeformationBound):
    """Theorem 2 judged: |||Φ(F_{τ,ω} f) − Φ(f)||| ≤ (e^{2πR‖τ‖∞} − 1 + 2π‖ω‖∞)‖f‖ for f band-limited to R.

    Besides those of :class:`DeformationBound`:

    Attributes
    ----------
    R : band limit of the test signals (cycles per input sample).
    deformations : the :class:`~scatterx.theory.Deformation` records.
    signal_names : (B,) names of the test signals.
    modulation : ``"cos"`` (a real-input network sees cos 2πω(x): second order in ω) or ``"exp"`` (complex input).
    C : max feature_change / ((R‖τ‖∞ + ‖ω‖∞)‖f‖), the empirical constant.
    C_signal : the same for ‖F f − f‖ (the signal class's, C ≤ C_signal).
    C_bound : the explicit constant 2π max(1, (e^a − 1)/a), a = 2πR max‖τ‖∞.
    """

    R: float = 0.0
    deformations: tuple = ()
    signal_names: tuple = ()
    modulation: str = "cos"
    C: float = 0.0
    C_signal: float = 0.0
    C_bound: float = 0.0
    _derived = DeformationBound._derived + ("scale",)

    @property
    def scale(self):
        """(R‖τ‖_∞ + ‖ω‖_∞)‖f‖, shape (M, B)."""
        s = np.array([self.R * D.tau_sup + D.omega_sup for D in self.deformations])
        return s[:, None] * self.norms[None, :]


def _band_leak(f, R):
    """The largest fraction of a signal's energy at |ν| > R."""
    axes = tuple(range(1, f.ndim))
    power = np.abs(np.fft.fftn(f, axes=axes)) ** 2
    outside = np.sqrt(np.sum(frequencies(f.shape[1:]) ** 2, axis=0)) > R * (1 + 1e-12)
    return float(np.max(np.sum(power * outside, axis=axes) / np.maximum(np.sum(power, axis=axes), 1e-300)))


def deformation_sensitivity(
    net, inputs=None, *, R=1 / 8, n_signals=3, tau_fractions=(0.1, 0.25, 0.5, 1.0), omega_sups=(0.0, 0.02, 0.05), seed=0
):
    """Theorem 2 with its explicit constant: |||Φ(F_{τ,ω} f) − Φ(f)||| ≤ (e^{2πR‖τ‖∞} − 1 + 2π‖ω‖∞)‖f‖.

    For f band-limited to |ν| ≤ R (cycles/sample) and an admissible network
    (``docs/theory.md``, Theorem 2: the bound is ≤ C(R‖τ‖∞ + ‖ω‖∞)‖f‖ with the
    explicit C reported as ``C_bound``).  Also reported: the smallest C that
    fits every pair (``C``) and the decoupling.

    Test signals: ``n_signals`` random band-limited signals
    (:func:`~scatterx.theory.bandlimited`, radius R) and the inputs projected onto the ball
    |ν| ≤ R (:func:`~scatterx.theory.project_bandlimited`), all of unit RMS; their
    spectra are checked (``BAND_LEAK``).  Deformations:
    :func:`~scatterx.theory.smooth_deformation` with ‖τ‖_∞ = each fraction of
    the smaller of :func:`~scatterx.theory.max_tau_sup` (so ‖Dτ‖_∞ ≤ 1/(2d),
    the theorem's condition) and 1/(2πR) (so 2πR‖τ‖∞ ≤ 1 and C ≤ 2π(e − 1),
    the range where the bound is first order), and ‖τ‖_∞ = 0, times each
    ‖ω‖_∞ in ``omega_sups`` (the pair
    τ = 0, ω = 0 left out), applied by :func:`~scatterx.theory.deform`
    (band-limited interpolation; a real-input network gets the modulation's
    real part, a complex-input one e^{2πiω}).

    Parameters
    ----------
    net : Network
    inputs : array (B, *net.shape), NumPy or torch, optional
        ``None`` uses only the synthetic band-limited signals.
    R : float, cycles per input sample (0 < R ≤ √d/2).
    n_signals : int
    tau_fractions : fractions of the largest ‖τ‖_∞ swept (above).
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
    tau_max = min(max_tau_sup(net.shape, seed=seed), 1 / (2 * np.pi * R))
    taus = [0.0] + [float(a) * tau_max for a in tau_fractions]
    defs = [smooth_deformation(net.shape, t, w, seed=seed) for t in taus for w in omega_sups if t or w]
    moved = np.concatenate([deform(f, D, real=real) for D in defs])
    feat, sig = changes(net, f, moved, ref)
    norms = np.sqrt(energy(f))
    tau_sups = np.array([D.tau_sup for D in defs])
    omegas = np.array([D.omega_sup for D in defs])
    scale = (R * tau_sups + omegas)[:, None] * norms[None, :]
    bound = bandlimited_bound(R, tau_sups, omegas)[:, None] * norms[None, :]
    a = 2 * np.pi * R * float(tau_sups.max())
    leak = _band_leak(f, R)
    reason = "" if leak <= BAND_LEAK else f"the test signals are not band-limited to R = {R:g} (leak {leak:.2g})"
    return DeformationSensitivity(
        feature_change=feat,
        signal_change=sig,
        norms=norms,
        bound=bound,
        tolerance=tolerance(ref),
        reason=reason,
        R=float(R),
        deformations=tuple(defs),
        signal_names=tuple(names),
        modulation="cos" if real else "exp",
        C=float(np.max(feat / np.where(scale > 0, scale, np.inf))),
        C_signal=float(np.max(sig / np.where(scale > 0, scale, np.inf))),
        C_bound=2 * np.pi * max(1.0, math.expm1(a) / a if a > 0 else 1.0),
    )


def _sweep(shape, tau_sups, points, floor, seed):
    """‖τ‖∞ values: ``tau_sups``, or ``points`` geometric steps from max(τ_max/20, floor) to τ_max."""
    if tau_sups is not None:
        return np.asarray(tau_sups, dtype=np.float64)
    tau_max = max_tau_sup(shape, seed=seed)
    return np.unique(np.geomspace(min(tau_max, max(tau_max / 20, floor)), tau_max, points))


def _reference(net, f, like):
    if not net.real_input:
        f = f.astype(np.complex128)
    ref = f if like is None else check_input(like, net.shape, "like", allow_complex=not net.real_input)[0]
    return f, ref


@dataclass(frozen=True)
class CartoonSensitivity(DeformationBound):
    """Cartoon functions, area-sampled, against ‖F_τ f − f‖ ≤ √|G| L₁ ‖τ‖∞ + (T(‖τ‖∞ + √d/(2r)))^{1/2}.

    Besides those of :class:`DeformationBound`:

    Attributes
    ----------
    tau_sups : (M,) ‖τ‖∞ over the refined points (samples).
    jacobian_sups : (M,) the rigorous bound of ‖Dτ‖∞ (≤ 1/(2d)).
    refine : r, points per axis and cell of the area sampling.
    CK : max feature_change / (‖f‖ ‖τ‖∞^{1/2}), the empirical C·K of the ‖τ‖∞^{1/2} law.
    """

    tau_sups: np.ndarray = None
    jacobian_sups: np.ndarray = None
    refine: int = 1
    CK: float = 0.0


def cartoon_sensitivity(net, *, n_signals=2, tau_sups=None, points=5, refine=None, seed=0, like=None):
    """Cartoon functions: |||Φ(F_τ f) − Φ(f)||| judged against an explicit bound of ‖F_τ f − f‖.

    Each :class:`~scatterx.theory.Cartoon` f = f₁ + 1_D is sampled with its
    jump *area-sampled* (:meth:`~scatterx.theory.Cartoon.area_sample`): sample
    x holds f₁(x − τ(x)) plus the fraction of its cell inside D after the
    deformation, from ``refine``^d points y each mapped exactly to y − τ(y).
    Area sampling keeps the indicator's change proportional to the area the
    boundary sweeps, down to 1/r samples, as in the continuous class (point
    samples switch one at a time).  The bound, derived in ``docs/theory.md``
    (cartoon functions), is √|G| L₁ ‖τ‖∞ + (T(‖τ‖∞ + √d/(2r)))^{1/2} with L₁
    the Lipschitz constant of f₁ and T(ρ) the measure of the ρ-neighbourhood
    of ∂D (:meth:`~scatterx.theory.Cartoon.boundary_tube`): the ‖τ‖∞^{1/2}
    law of Grohs et al. with its constant.

    ‖τ‖∞ sweeps ``points`` geometric steps from max(τ_max/20, 1/r) to
    τ_max = :func:`~scatterx.theory.max_tau_sup` (or ``tau_sups``), samples
    that the area sampling resolves; no modulation.

    Parameters
    ----------
    net : Network
    n_signals, points, seed : int
    tau_sups : sequence of float, optional
    refine : int, optional
        Points per axis and cell (default :func:`~scatterx.theory.refinement`
        of the grid and τ_max).
    like : array, optional
        The network runs in this array's library, device and precision
        (default: NumPy float64).

    Returns
    -------
    CartoonSensitivity
    """
    r = refinement(net.shape, max_tau_sup(net.shape, seed=seed)) if refine is None else int(refine)
    shapes = cartoons(net.shape, n_signals, seed=seed + 101)
    taus = _sweep(net.shape, tau_sups, points, 1 / r, seed)
    defs = [smooth_deformation(net.shape, t, seed=seed) for t in taus]
    f, ref = _reference(net, np.stack([c.area_sample(r)[0] for c in shapes]), like)
    moved, sups = [], np.zeros((len(defs), len(shapes)))
    for i, D in enumerate(defs):
        for j, c in enumerate(shapes):
            g, sups[i, j] = c.area_sample(r, D)
            moved.append(g)
    feat, sig = changes(net, f, np.stack(moved).astype(f.dtype), ref)
    half_diagonal = math.sqrt(net.ndim) / (2 * r)
    bound = np.array(
        [
            [
                math.sqrt(math.prod(net.shape)) * c.smooth_lipschitz * t + math.sqrt(c.boundary_tube(t + half_diagonal))
                for c, t in zip(shapes, row)
            ]
            for row in sups
        ]
    )
    norms = np.sqrt(energy(f))
    tau_used = sups.max(axis=1)
    return CartoonSensitivity(
        feature_change=feat,
        signal_change=sig,
        norms=norms,
        bound=bound,
        tolerance=tolerance(ref),
        reason="",
        tau_sups=tau_used,
        jacobian_sups=np.array([D.jacobian_sup for D in defs]),
        refine=r,
        CK=float(np.max(feat / norms[None, :] / np.sqrt(tau_used)[:, None])),
    )


@dataclass(frozen=True)
class LipschitzSensitivity(DeformationBound):
    """Lipschitz functions against ‖F_τ f − f‖ ≤ √|G| K ‖τ‖∞ (K the Lipschitz constant, value per sample).

    Besides those of :class:`DeformationBound`:

    Attributes
    ----------
    tau_sups : (M,) ‖τ‖∞ over the grid points (samples).
    jacobian_sups : (M,) the rigorous bound of ‖Dτ‖∞ (≤ 1/(2d)).
    K : (B,) the Lipschitz constants of the test signals.
    """

    tau_sups: np.ndarray = None
    jacobian_sups: np.ndarray = None
    K: np.ndarray = None


def lipschitz_sensitivity(net, *, n_signals=2, tau_fractions=(0.1, 0.25, 0.5, 1.0), seed=0, like=None):
    """Lipschitz functions (the theory's third class): |||Φ(F_τ f) − Φ(f)||| ≤ √|G| K ‖τ‖∞.

    Each :class:`~scatterx.theory.LipschitzFunction` is K-Lipschitz on the
    torus and defined everywhere, so F_τ f is evaluated exactly at the grid
    points and |F_τ f(x) − f(x)| ≤ K|τ(x)|; summing over the |G| grid points
    gives the bound (``docs/theory.md``, Lipschitz functions), linear in
    ‖τ‖∞, and the decoupling carries it to the features.  ‖τ‖∞ = each
    fraction of :func:`~scatterx.theory.max_tau_sup`; no modulation.

    Returns
    -------
    LipschitzSensitivity
    """
    functions = lipschitz_functions(net.shape, n_signals, seed=seed + 202)
    tau_max = max_tau_sup(net.shape, seed=seed)
    defs = [smooth_deformation(net.shape, float(a) * tau_max, seed=seed) for a in tau_fractions]
    f, ref = _reference(net, np.stack([g.sample() for g in functions]), like)
    moved = np.stack([g.sample(D) for D in defs for g in functions]).astype(f.dtype)
    feat, sig = changes(net, f, moved, ref)
    K = np.array([g.K for g in functions])
    taus = np.array([D.tau_sup for D in defs])
    return LipschitzSensitivity(
        feature_change=feat,
        signal_change=sig,
        norms=np.sqrt(energy(f)),
        bound=math.sqrt(math.prod(net.shape)) * taus[:, None] * K[None, :],
        tolerance=tolerance(ref),
        reason="",
        tau_sups=taus,
        jacobian_sups=np.array([D.jacobian_sup for D in defs]),
        K=K,
    )
