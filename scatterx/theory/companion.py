"""The energy results of the companion paper (Wiatowski, Grohs & Bölcskei 2018), with their conditions.

Setting: the modulus non-linearity, no pooling, no pruning; filters that
are analytic (each ĝ_λ supported in a half-space through the origin) and
high-pass (Σ_λ |ĝ_λ(ν)|² = 0 for |ν| < δ, δ > 0).  Then the propagated energy
decays with depth, W_N(f) ≤ B_Ω^N Σ_ν |f̂(ν)|² (1 − |r̂_l(ν/(N^α δ))|²)/|G|
(``docs/theory.md``, energy decay), so the feature energy tends to a value
between A_Ω‖f‖² and B_Ω‖f‖².  On a grid "= 0" is "≤ ``NUMERICAL_ZERO`` of the
largest value" (the rounding of a float64 response), and the integral is the
DFT sum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..network import Module
from ..operators import Modulus, NoPooling
from ._arrays import energy, frequencies, like, numpy_of, tolerance
from ._common import Result
from .energy import PATH_BUDGET, decay_signals, deepest

__all__ = [
    "NUMERICAL_ZERO",
    "companion_twin",
    "FilterConditions",
    "filter_conditions",
    "decay_bound",
    "EnergyDecayBound",
    "energy_decay_bound",
]

# A squared response this far below its largest value is zero on the grid (float64 responses
# computed from exact zeros round to ~1e-32; a Gaussian tail at 1e-12 is not a zero).
NUMERICAL_ZERO = 1e-12


def companion_twin(net):
    """The companion paper's setting with the network's own frames: the modulus, no pooling, no pruning.

    A layer already in that setting (a :class:`~scatterx.Modulus`, pooling
    factor 1) is kept as it is, so a network in the setting is its own twin.
    """
    modules = [
        m if isinstance(m.nonlinearity, Modulus) and m.pooling.factor == 1 else Module(m.frame, Modulus(), NoPooling())
        for m in net.modules
    ]
    return net.replace(modules=modules, prune=None)


@dataclass(frozen=True)
class FilterConditions(Result):
    """The companion paper's conditions checked on a network.

    Attributes
    ----------
    modulus, no_pooling, no_pruning : the setting.
    analytic : per layer, every filter's support (|ĝ_λ|² above NUMERICAL_ZERO
        of its peak) lies in a closed half-space ⟨ν, e_λ⟩ ≥ 0.
    analytic_leak : per layer, the largest fraction of a filter's energy
        outside the best half-space found (0 for analytic filters).
    high_pass_radius : δ in cycles per sample; measured (the smallest |ν|
        at which Σ_λ|ĝ_λ|² exceeds NUMERICAL_ZERO of its peak, the minimum
        over layers) unless ``stated``.
    stated : δ was given by the caller rather than measured.
    high_pass_leak : the largest Σ_λ|ĝ_λ(ν)|² at |ν| < δ, relative to the
        peak (≤ NUMERICAL_ZERO when the filters honour δ).
    reason : why the decay result does not apply ("" when it does).
    """

    modulus: bool
    no_pooling: bool
    no_pruning: bool
    analytic: tuple
    analytic_leak: tuple
    high_pass_radius: float
    stated: bool
    high_pass_leak: float
    reason: str


def _half_space_leak(g2, nu):
    """The fraction of |ĝ|² outside the best closed half-space ⟨ν, e⟩ ≥ 0 found, e from a small LP."""
    from scipy.optimize import linprog

    support = g2 > NUMERICAL_ZERO * g2.max()
    points = nu[:, support].T
    weights = g2[support]
    d = nu.shape[0]
    centre = weights @ points
    candidates = [centre / np.linalg.norm(centre)] if np.linalg.norm(centre) > 0 else []
    # max ⟨c, e⟩ subject to ⟨ν_i, e⟩ ≥ 0 on the support, |e_k| ≤ 1: a half-space holding the support
    res = linprog(-centre, A_ub=-points, b_ub=np.zeros(len(points)), bounds=[(-1, 1)] * d, method="highs")
    if res.status == 0 and np.linalg.norm(res.x) > 0:
        candidates.append(res.x / np.linalg.norm(res.x))
    total = float(g2.sum())
    best = 1.0
    for e in candidates:
        outside = np.tensordot(e, nu, axes=1) < 0
        best = min(best, float(g2[outside].sum()) / total)
    return best


def filter_conditions(net, *, high_pass_radius=None):
    """:class:`FilterConditions` of ``net`` (every layer's filters on its grid).

    ``high_pass_radius``: δ (cycles/sample) taken as given instead of
    measured; the result reports the leak inside it, and a stated δ does not
    make the decay result n/a (it is the caller's premise).
    """
    modulus = all(isinstance(m.nonlinearity, Modulus) for m in net.modules)
    no_pooling = all(m.pooling.factor == 1 for m in net.modules)
    analytic, leaks, radii, inside = [], [], [], 0.0
    for n in range(net.depth):
        bank = net.bank(n)
        nu = frequencies(bank.shape)
        radius = np.sqrt(np.sum(nu**2, axis=0))
        g2 = np.abs(bank.filters.astype(np.complex128)) ** 2
        leak = max((_half_space_leak(g, nu) for g in g2 if g.max() > 0), default=0.0)
        leaks.append(leak)
        analytic.append(leak <= NUMERICAL_ZERO)
        lp = g2.sum(axis=0)
        carrying = radius[lp > NUMERICAL_ZERO * lp.max()]
        radii.append(float(carrying.min()) if carrying.size else 0.5)
        if high_pass_radius is not None:
            inner = radius < high_pass_radius
            inside = max(inside, float(lp[inner].max() / lp.max()) if inner.any() else 0.0)
    delta = float(min(radii)) if high_pass_radius is None else float(high_pass_radius)
    reasons = []
    if not modulus:
        reasons.append("a non-linearity is not the modulus")
    if not no_pooling:
        reasons.append("a layer pools (the results assume no pooling)")
    if net.prune:
        reasons.append(f"paths are pruned ({net.prune})")
    if not all(analytic):
        n = analytic.index(False)
        reasons.append(f"layer {n}'s filters are not analytic ({leaks[n]:.2g} of a filter's energy in the other half)")
    if delta <= 0:
        reasons.append("the filters pass frequency 0 (no high-pass radius δ > 0)")
    return FilterConditions(
        modulus=modulus,
        no_pooling=no_pooling,
        no_pruning=not net.prune,
        analytic=tuple(analytic),
        analytic_leak=tuple(leaks),
        high_pass_radius=delta,
        stated=high_pass_radius is not None,
        high_pass_leak=inside,
        reason="; ".join(reasons),
    )


def decay_bound(x, N, delta, B_Omega):
    """B_Ω Σ_ν |x̂(ν)|² (1 − |r̂_l(ν/(N^α δ))|²)/|G| per signal of the batch x, the companion paper's bound of W_N.

    r̂_l(ω) = (1 − |ω|)_+^l with l = ⌊d/2⌋ + 2 (the smallest integer above ⌊d/2⌋ + 1),
    α = log₂ √(d/(d − ½)); ν and δ in cycles per sample.
    """
    x = np.asarray(x)
    shape = x.shape[1:]
    d = len(shape)
    alpha = math.log2(math.sqrt(d / (d - 0.5)))
    l = d // 2 + 2
    nu = np.sqrt(np.sum(frequencies(shape) ** 2, axis=0))
    r = np.clip(1 - nu / (N**alpha * delta), 0.0, None) ** l
    axes = tuple(range(1, x.ndim))
    power = np.abs(np.fft.fftn(x, axes=axes)) ** 2 / math.prod(shape)
    return B_Omega * np.sum(power * (1 - r**2), axis=axes)


@dataclass(frozen=True)
class EnergyDecayBound(Result):
    """Measured W_n against the companion paper's decay bound, n = 1 … D, by kind of input.

    Attributes
    ----------
    conditions : :class:`FilterConditions` of the network the decay was measured on.
    depth : D, the depth reached (the last module repeated, within the grid and the path budget).
    kinds : names of the input kinds.
    propagated : dict kind → (D+1,) mean over the kind's signals of W_n/‖f‖².
    bound : dict kind → (D+1,) mean of the bound/‖f‖² (empty where the conditions fail).
    ratio : max over signals and n ≥ 1 of W_n / (bound + slack) (NaN when it does not apply);
        slack = n · NUMERICAL_ZERO · B_Ω^n ‖f‖², what numerically-zero responses may pass on.
    alpha, l : the exponents of the bound.
    tolerance : relative rounding slack of the precision.
    Derived: ``holds`` (None when the conditions fail), ``margin`` = 1 + tolerance − ratio.
    """

    conditions: FilterConditions
    depth: int
    kinds: tuple
    propagated: dict
    bound: dict
    ratio: float
    alpha: float
    l: int
    tolerance: float
    _derived = ("holds", "margin")

    @property
    def margin(self):
        return float(1 + self.tolerance - self.ratio)

    @property
    def holds(self):
        if self.conditions.reason:
            return None
        return bool(self.margin >= 0)


def energy_decay_bound(
    net, inputs=None, *, depth=None, high_pass_radius=None, R_smooth=1 / 16, n_signals=2, seed=0, budget=PATH_BUDGET
):
    """W_n(f) ≤ B_Ω^n Σ_ν |f̂(ν)|²(1 − |r̂_l(ν/(n^α δ))|²)/|G| for n = 1 … D, where the companion paper's conditions hold.

    ``net`` should be in its setting (:func:`companion_twin` gives it); the
    conditions are checked (:func:`filter_conditions`) and, when one fails,
    the decay is measured but not judged (``bound`` empty, ``holds`` None,
    the reason in ``conditions.reason``).  Depths beyond the
    network's come from :func:`~scatterx.theory.deepen` (default D = N + 2,
    within the grid and ``budget``).  Inputs: ``n_signals`` band-limited
    (``smooth``, radius ``R_smooth``) and white-noise (``rough``) signals,
    and ``inputs``.  B_Ω^n = ∏_{k<n} max(1, B_k) from the layers' frame bounds
    (symmetrised where the layer's input is real).

    Returns
    -------
    EnergyDecayBound
    """
    if high_pass_radius is not None and not high_pass_radius > 0:
        raise ValueError(f"high_pass_radius must be > 0 cycles/sample (or None to measure it), got {high_pass_radius}")
    conditions = filter_conditions(net, high_pass_radius=high_pass_radius)
    d = net.ndim
    alpha, l = math.log2(math.sqrt(d / (d - 0.5))), d // 2 + 2
    kinds, ref = decay_signals(net, inputs, R_smooth, n_signals, seed)
    tol = tolerance(ref)
    judged = not conditions.reason or conditions.stated
    deep = deepest(net, net.depth + 2 if depth is None else max(int(depth), net.depth), budget)
    B = [max(1.0, b.B) for b in deep.bounds()[: deep.depth]]
    delta = conditions.high_pass_radius
    propagated, bounds, worst = {}, {}, float("nan")
    for name, x in kinds.items():
        n2 = energy(x)
        _, W = deep.energy(like(x, ref))
        W = np.stack([numpy_of(w).reshape(-1) for w in W])  # (D+1, signals)
        propagated[name] = np.mean(W / n2, axis=1)
        if not judged:
            continue
        limit = np.stack([n2] + [decay_bound(x, n, delta, math.prod(B[:n])) for n in range(1, len(W))])
        slack = np.array([n * NUMERICAL_ZERO * math.prod(B[:n]) for n in range(len(W))])[:, None] * n2[None, :]
        worst = np.nanmax([worst, float(np.max(W[1:] / (limit[1:] + slack[1:])))])
        bounds[name] = np.mean(limit / n2, axis=1)
    return EnergyDecayBound(conditions, deep.depth, tuple(kinds), propagated, bounds, float(worst), alpha, l, tol)
