"""Energy: per-layer energies, the exact identity for Parseval networks, and the decay of W_n with depth."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

import frames as _frames
from frames._frame import TIGHT_MIN_A

from .._tolerances import ADMISSIBILITY_RTOL, equality_rtol
from ..network import Module
from ..operators import Modulus, NoPooling
from ._arrays import divide, energy, like, numpy_of, tolerance
from ._common import Result, prepare
from .lipschitz import admissibility
from .signals import band_limit, bandlimited, white_noise

__all__ = [
    "PATH_BUDGET",
    "EnergyPropagation",
    "energy_propagation",
    "parseval_twin",
    "deepen",
    "deepest",
    "largest_intermediate",
    "EnergyDecay",
    "energy_decay",
]

# Complex elements of the largest intermediate (paths × filters × grid) that
# energy_decay lets a deeper network reach, per signal (2**23 ≈ 134 MB in complex128).
PATH_BUDGET = 2**23


@dataclass(frozen=True)
class EnergyPropagation(Result):
    """Per-layer energies of each input.

    Attributes
    ----------
    feature : (N+1, B) |||Φ^n(f)|||².
    propagated : (N+1, B) W_n(f) = Σ_{|q|=n} ‖U[q]f‖² (W_0 = ‖f‖²).
    norm2 : (B,) ‖f‖².
    identity_applies : every frame is Parseval (A_n = B_n = 1 for the
        layer's input kind), the non-linearities are the modulus, every
        pooling factor is 1 and no path is pruned: then
        ‖f‖² = Σ_{n<N} |||Φ^n f|||² + W_N f exactly.
    reason : why it does not apply ("" when it does).
    residual : (B,) |‖f‖² − Σ_{n<N} |||Φ^n f|||² − W_N f| / ‖f‖².
    lower : A_Ω = ∏_{n<N} min(1, A_n), the lower energy bound
        A_Ω‖f‖² ≤ Σ_{n<N} |||Φ^n f|||² + W_N f (Wiatowski, Grohs & Bölcskei
        2018), which holds with the modulus, no pooling and no pruning.
    lower_reason : why that bound does not apply ("" when it does).
    tolerance : relative slack of the inequalities in this precision;
        ``identity_tolerance``: the residual rounding explains (``scatterx._tolerances``).
    Derived: ``balance`` = (Σ_{n<N} |||Φ^n f|||² + W_N f)/‖f‖², ≤ 1 for
    any admissible network (the same telescoping argument as
    non-expansiveness); ``inequality_holds``, ``balance_margin``
    (1 + tolerance − max balance); ``lower_holds`` and ``lower_margin``
    (1 + tolerance − A_Ω / min balance; None/NaN where the lower bound does
    not apply); ``identity_holds`` and ``identity_margin``
    (identity_tolerance − max residual; None where the identity does not
    apply); ``monotone`` (W_{n+1} ≤ W_n, also a consequence of admissibility).
    """

    feature: np.ndarray
    propagated: np.ndarray
    norm2: np.ndarray
    identity_applies: bool
    reason: str
    residual: np.ndarray
    tolerance: float
    identity_tolerance: float
    lower: float
    lower_reason: str
    _derived = (
        "balance",
        "inequality_holds",
        "balance_margin",
        "lower_holds",
        "lower_margin",
        "identity_holds",
        "identity_margin",
        "monotone",
        "monotone_margin",
    )

    @property
    def lower_margin(self):
        if self.lower_reason:
            return float("nan")
        return float(1 + self.tolerance - self.lower / max(float(np.min(self.balance)), 1e-300))

    @property
    def lower_holds(self):
        return None if self.lower_reason else bool(self.lower_margin >= 0)

    @property
    def balance(self):
        return divide(np.sum(self.feature[:-1], axis=0) + self.propagated[-1], self.norm2)

    @property
    def balance_margin(self):
        return float(1 + self.tolerance - np.max(self.balance))

    @property
    def inequality_holds(self):
        return self.balance_margin >= 0

    @property
    def identity_margin(self):
        if not self.identity_applies:
            return None
        return float(self.identity_tolerance - np.max(self.residual))

    @property
    def identity_holds(self):
        return None if not self.identity_applies else self.identity_margin >= 0

    @property
    def monotone_margin(self):
        """min over n of 1 + tolerance − W_{n+1}/W_n (an absolute slack tolerance·1e-6·W_0 taken off first)."""
        W = self.propagated
        excess = np.maximum(W[1:] - self.tolerance * 1e-6 * W[0], 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(W[:-1] > 0, excess / W[:-1], np.where(excess > 0, np.inf, 0.0))
        return float(1 + self.tolerance - r.max()) if r.size else float("nan")

    @property
    def monotone(self):
        m = self.monotone_margin
        return bool(m >= 0) if not np.isnan(m) else True


def _identity_conditions(net):
    table = admissibility(net)
    for r in table.rows[:-1]:
        if abs(r.A - 1) > ADMISSIBILITY_RTOL or abs(r.B - 1) > ADMISSIBILITY_RTOL:
            return f"layer {r.layer}'s frame is not Parseval (A = {r.A:.4g}, B = {r.B:.4g})"
    for n, m in enumerate(net.modules):
        if not isinstance(m.nonlinearity, Modulus):
            return f"layer {n}'s non-linearity is {m.nonlinearity.name}, not the modulus"
        if m.pooling.factor != 1:
            return f"layer {n} pools by S = {m.pooling.factor}"
    if net.prune:
        return f"paths are pruned ({net.prune})"
    return ""


def _lower_conditions(net):
    for n, m in enumerate(net.modules):
        if not isinstance(m.nonlinearity, Modulus):
            return f"layer {n}'s non-linearity is {m.nonlinearity.name}, not the modulus"
        if m.pooling.factor != 1:
            return f"layer {n} pools by S = {m.pooling.factor} (sub-sampling discards energy)"
    return f"paths are pruned ({net.prune})" if net.prune else ""


def energy_propagation(net, inputs=None, *, seed=0):
    """|||Φ^n(f)|||² and W_n(f) per layer (``Network.energy``), and the energy identity where it applies.

    Statements (``docs/theory.md``, energy): for any admissible network the
    right-hand side Σ_{n<N} |||Φ^n(f)|||² + W_N(f) is ≤ ‖f‖² (``balance`` ≤ 1)
    and W_n does not increase; with the modulus, no pooling and no pruning it
    is ≥ A_Ω‖f‖², A_Ω = ∏ min(1, A_n) (each layer splits ‖U[q]f‖² into
    ‖U[q]f * χ‖² and Σ_λ ‖U[q]f * g_λ‖², between A_n and B_n times it, and
    the modulus keeps norms); with Parseval frames besides, ‖f‖² =
    Σ_{n<N} |||Φ^n(f)|||² + W_N(f) exactly (the energy identity).

    Parameters
    ----------
    net : Network
    inputs : array (B, *net.shape), NumPy or torch, optional

    Returns
    -------
    EnergyPropagation
    """
    x, ref = prepare(net, inputs, seed)
    feats, W = net.energy(like(x, ref))
    feature = np.stack([numpy_of(a).reshape(-1) for a in feats])
    propagated = np.stack([numpy_of(w).reshape(-1) for w in W])
    norm2 = energy(x)
    reason = _identity_conditions(net)
    residual = divide(np.abs(norm2 - np.sum(feature[:-1], axis=0) - propagated[-1]), norm2)
    return EnergyPropagation(
        feature=feature,
        propagated=propagated,
        norm2=norm2,
        identity_applies=not reason,
        reason=reason,
        residual=residual,
        tolerance=tolerance(ref),
        identity_tolerance=equality_rtol(numpy_of(ref[:0]).real.dtype),
        lower=math.prod(min(1.0, b.A) for b in net.bounds()[: net.depth]),
        lower_reason=_lower_conditions(net),
    )


def _parseval_frame(frame, shape, real):
    """``frame`` made Parseval on the grid ``shape`` for real (symmetrised LP) or complex inputs.

    The family's own ``tight=True`` when its LP sum has a lower bound;
    otherwise, for real inputs, every response divided by √(½(LP(ν) + LP(−ν)))
    (given as frequency responses): analytic filters leave LP(ν) = 0 on a
    half-space, where the symmetrised sum, the one that bounds real inputs,
    does not vanish.  Raises ValueError when neither sum has a lower bound.
    """
    d = frame.to_dict()
    d.update(tight=True, scale=1.0)
    plain = d.copy()
    plain.update(tight=False)
    bank = _frames.from_dict(plain).render(shape)
    A, B = bank.bounds()
    if A > TIGHT_MIN_A * B:
        return _frames.from_dict(d)
    lp = bank.littlewood_paley(symmetric=real)
    if not float(lp.min()) > TIGHT_MIN_A * float(lp.max()):
        kind = "symmetrised " if real else ""
        raise ValueError(
            f"{frame!r} has no Parseval version on the grid {shape}: its {kind}Littlewood–Paley sum vanishes "
            f"(min {float(lp.min()):.3g}, max {float(lp.max()):.3g})"
        )
    inv = 1 / np.sqrt(lp)
    return _frames.from_filters(bank.lowpass * inv, bank.filters * inv, domain="frequency")


def parseval_twin(net):
    """The network with every frame made Parseval for its layer's input, the modulus, no pooling, no pruning.

    The setting of the exact energy identity, with the network's own frame
    families: ``tight=True`` where the family's LP sum has a lower bound,
    otherwise (a real layer input, analytic filters) normalised by the
    symmetrised LP sum that real inputs see.  Every layer runs on the input
    grid, and the layers after the first see the modulus's real output.
    Raises ValueError when a frame cannot be made Parseval on the grid (its
    LP sum vanishes somewhere, ``docs/theory.md``).
    """
    modules = []
    for n, m in enumerate(net.modules):
        real = net.real_input or n > 0
        modules.append(Module(_parseval_frame(m.frame, net.shape, real), Modulus(), NoPooling()))
    return net.replace(modules=modules, prune=None)


def deepen(net, depth):
    """The network extended to ``depth`` layers by repeating its last module.

    The appended layers render the last frame on the smaller grids they
    reach; where the frame's bound there exceeds 1 (a frame rendered on a
    coarser grid can have a slightly different LP sum) that layer alone is
    scaled down to max(B, B L² R²) = 1, so a deeper copy of an admissible
    network stays admissible.  Layers 0 … N − 1 and the features Φ^0 … Φ^N
    are those of ``net``; every option is kept, the feature grid of
    ``net(x)`` where it divides the deeper grids (it plays no part in the
    energies that ``deepen`` serves).  Raises ValueError when a grid becomes
    too small for the frame or not divisible by the pooling.
    """
    if depth <= net.depth:
        return net
    modules = list(net.modules) + [net.modules[-1]] * (depth - net.depth)
    grid = net.feature_grid
    deep = net.replace(modules=modules, feature_grid=None)
    if grid is not None and all(g % f == 0 for shape in deep.grids for g, f in zip(shape, grid)):
        deep = deep.replace(feature_grid=grid)
    bounds = deep.bounds()
    for n in range(net.depth, depth):
        if not bounds[n].admissible:
            m = modules[n]
            modules[n] = Module(m.frame.scaled(1 / math.sqrt(bounds[n].value)), m.nonlinearity, m.pooling)
    return deep.replace(modules=modules)


def largest_intermediate(net):
    """Complex elements of the largest (paths × filters × grid) product that running ``net`` forms, per signal.

    The measure of a network's cost that :data:`PATH_BUDGET` bounds
    (``inf`` beyond 2²⁴ paths).
    """
    worst, paths = 0, 1
    for n in range(net.depth):
        K = len(net.bank(n))
        worst = max(worst, paths * K * math.prod(net.grids[n]))
        paths = len(net.paths(n + 1)) if net.prune else paths * K
        if paths > 1 << 24:
            return float("inf")
    return worst


@dataclass(frozen=True)
class EnergyDecay(Result):
    """W_n / ‖f‖² on a deeper copy of the network, by kind of input, with an exponential fit.

    Attributes
    ----------
    depth : the depth D reached (≥ the network's; limited by the grid and
        ``PATH_BUDGET``).
    kinds : names of the input kinds (``smooth``, ``rough``, ``inputs``).
    propagated : dict kind → (D+1,) mean over signals of W_n / ‖f‖².
    feature : dict kind → (D+1,) mean of |||Φ^n f|||² / ‖f‖².
    rate : dict kind → ρ, the fitted W_n/‖f‖² ≈ a ρ^n over n = 1 … D
        (n = 0 and 1 when D = 1); per-layer decay factor, < 1 decays.
    intercept : dict kind → a.
    depth_features : dict kind → smallest N with Σ_{n≤N} |||Φ^n f|||² ≥
        (1 − ε)‖f‖² (the features of a depth-N network keep 1 − ε of the
        energy), or None when not reached by D.
    depth_propagated : dict kind → smallest N ≤ D with W_N ≤ ε‖f‖², or None.
    depth_propagated_extrapolated : dict kind → the same, extrapolated
        from the fit a ρ^N beyond D (None when ρ ≥ 1).
    kept : dict kind → Σ_{n≤D} |||Φ^n f|||² / ‖f‖², the fraction of the
        energy in the features of the deepest network (< 1 − ε when a
        frame's lower bound A < 1 loses energy at every layer).
    eps : ε.
    """

    depth: int
    kinds: tuple
    propagated: dict
    feature: dict
    rate: dict
    intercept: dict
    depth_features: dict
    depth_propagated: dict
    depth_propagated_extrapolated: dict
    kept: dict
    eps: float


def deepest(net, target, budget=PATH_BUDGET):
    """``deepen(net, D)`` for the largest D ≤ target that the grid allows within ``budget``; else ``net``."""
    for D in range(target, net.depth, -1):
        try:
            candidate = deepen(net, D)
        except ValueError:
            continue
        if largest_intermediate(candidate) <= budget:
            return candidate
    return net


def _decay_fit(W, eps):
    """(rate, intercept, N with W_N ≤ ε or None, extrapolated N or None) of the mean curve W_n/‖f‖²."""
    D = len(W) - 1
    lo = 1 if D >= 2 else 0
    ns = np.arange(lo, D + 1)
    ok = W[lo:] > 1e-300
    if ok.sum() >= 2:
        slope, icpt = np.polyfit(ns[ok], np.log(W[lo:][ok]), 1)
        rate, a = float(np.exp(slope)), float(np.exp(icpt))
    else:
        rate, a = 0.0, float(W[lo])
    below = np.nonzero(W <= eps)[0]
    extra = None
    if below.size:
        extra = int(below[0])
    elif 0 < rate < 1 and a > 0:
        extra = int(max(D + 1, math.ceil(math.log(eps / a) / math.log(rate))))
    return rate, a, (int(below[0]) if below.size else None), extra


def decay_signals(net, inputs, R_smooth, n_signals, seed):
    """The signals whose energy decay is measured, by kind, and the reference array for their library.

    ``smooth``: ``n_signals`` band-limited signals of radius ``R_smooth``
    cycles/sample; ``rough``: white noise; ``inputs``: the user's signals
    of non-zero energy (a zero signal has no energy to decay), if any.
    """
    real = net.real_input
    kinds = {
        "smooth": bandlimited(net.shape, band_limit(net.shape, R_smooth), n_signals, seed=seed + 21, real=real),
        "rough": white_noise(net.shape, n_signals, seed=seed + 22, real=real),
    }
    ref = kinds["smooth"]
    if inputs is not None:
        x, ref = prepare(net, inputs)
        x = x[energy(x) > 0]
        if len(x):
            kinds["inputs"] = x
    return kinds, ref


def energy_decay(net, inputs=None, *, depth=None, eps=0.01, R_smooth=1 / 16, n_signals=2, seed=0, budget=PATH_BUDGET):
    """Decay of the propagated energy W_n with depth, on smooth and rough inputs: measured, not judged.

    What decay is guaranteed, and when, is the companion paper's result: with
    the modulus, no pooling, analytic and high-pass filters
    (:func:`~scatterx.theory.energy_decay_bound` checks those conditions and
    the bound; ``docs/theory.md``, energy).  Pooling makes W_n fall faster
    (sub-sampling discards energy).  Depths beyond the network's come from :func:`deepen` (the last module
    repeated): ``depth`` (default N + 3) is reduced to the largest depth that
    the grid allows and whose largest intermediate (paths × filters × grid,
    :func:`largest_intermediate`) stays within ``budget`` complex elements
    per signal; signals run one at a time.

    Input kinds: ``smooth`` (``n_signals`` band-limited signals, radius
    ``R_smooth`` cycles/sample), ``rough`` (``n_signals`` white-noise
    signals) and ``inputs`` (when given).

    Returns
    -------
    EnergyDecay
    """
    target = net.depth + 3 if depth is None else max(int(depth), net.depth)
    deep = deepest(net, target, budget)
    kinds, ref = decay_signals(net, inputs, R_smooth, n_signals, seed)
    fields = {k: {} for k in ("propagated", "feature", "rate", "intercept", "depth_features", "depth_propagated")}
    fields.update(depth_propagated_extrapolated={}, kept={})
    for name, x in kinds.items():
        W, F = [], []
        for f in x:
            feats, props = deep.energy(like(f[None], ref))
            n2 = float(energy(f[None])[0])
            W.append([float(numpy_of(w).reshape(-1)[0]) / n2 for w in props])
            F.append([float(numpy_of(a).reshape(-1)[0]) / n2 for a in feats])
        W, F = np.mean(W, axis=0), np.mean(F, axis=0)
        rate, a, below, extra = _decay_fit(W, eps)
        cum = np.cumsum(F)
        reach = np.nonzero(cum >= 1 - eps)[0]
        fields["propagated"][name], fields["feature"][name] = W, F
        fields["rate"][name], fields["intercept"][name] = rate, a
        fields["depth_features"][name] = int(reach[0]) if reach.size else None
        fields["depth_propagated"][name] = below
        fields["depth_propagated_extrapolated"][name] = extra
        fields["kept"][name] = float(cum[-1])
    return EnergyDecay(depth=deep.depth, kinds=tuple(kinds), eps=float(eps), **fields)
