"""The report's figures, drawn from the typed results in the one style of ``scatterx._figures`` (no pyplot)."""

from __future__ import annotations

import numpy as np

from .._figures import color, figure, save
from .verdicts import fmt

__all__ = ["FIGURES", "figures"]

# name → caption, in report order.
FIGURES = {
    "admissibility": "Admissibility: max(B_n, B_n L_n² R_n²) per layer (must be ≤ 1)",
    "nonexpansive": "Non-expansiveness: |||Φ(f) − Φ(h)||| / ‖f − h‖ by kind of pair, for the network and its "
    "non-admissible twin",
    "invariance": "Translation vs depth. Left: |||Φ^n(T_t f) − Φ^n(f)|||/‖f‖ (solid; filled where t ∈ P_n ℤ^d) "
    "against Theorem 1's 2π|t|K_n/P_n (dashed) and, off the lattice, the aliasing bound (×). Right: the same "
    "change per unit of propagated energy, /√W_n, against the same 2π|t|K_n/P_n: the 1/P_n rate without the "
    "energy decay",
    "deformation": "Deformation sensitivity against the explicit bounds (lines): band-limited signals (left, "
    "against R‖τ‖∞ + ‖ω‖∞), area-sampled cartoon functions (middle) and Lipschitz functions (right), against ‖τ‖∞. "
    "Dots: |||Φ(F f) − Φ(f)|||/‖f‖; crosses: ‖F f − f‖/‖f‖",
    "energy": "Energy per layer (left); propagated energy W_n on a deeper copy and on the no-pooling twin, with "
    "the companion paper's guaranteed decay where its conditions hold (right)",
}


def figures(s):
    """name → (caption, PNG bytes) for the :class:`~scatterx.verify.sections.Sections` ``s``."""
    draw = {
        "admissibility": _admissibility,
        "nonexpansive": _nonexpansive,
        "invariance": _invariance,
        "deformation": _deformation,
        "energy": _energy,
    }
    return {name: (caption, save(draw[name](s), compact=True)) for name, caption in FIGURES.items()}


def _admissibility(s):
    rows = s.admissibility.rows
    fig, ax = figure(figsize=(4.6, 2.6))
    vals = [row.value for row in rows]
    colors = [color(2) if row.admissible else color(3) for row in rows]
    labels = [str(row.layer) for row in rows]
    ax.bar(labels, vals, color=colors, label="max(B, B L² R²)")
    ax.plot(labels, [row.A for row in rows], "k_", ms=18, mew=2, label="A (lower frame bound)")
    ax.axhline(1, color="k", lw=1, ls="--")
    ax.legend(fontsize=7, loc="lower right")
    ax.set_xlabel("layer n (N: output atom)")
    ax.set_ylabel("max(B, B L² R²)")
    ax.set_ylim(0, max(1.1, max(vals) * 1.1))
    return fig


def _nonexpansive(s):
    fig, ax = figure(figsize=(7.5, 3.0))
    rng = np.random.default_rng(0)
    ne, loud = s.nonexpansive, s.nonexpansive_not_admissible
    kinds = list(dict.fromkeys(list(ne.ratios) + list(loud.result.ratios)))
    for label, res, c, marker, dx in (
        ("network", ne, color(0), "o", -0.15),
        (f"frames × {loud.scale:g}", loud.result, color(3), "^", 0.15),
    ):
        for i, k in enumerate(kinds):
            v = np.array(res.ratios.get(k, []))
            x = i + dx + rng.uniform(-0.05, 0.05, len(v))
            ax.scatter(x, v, s=14, color=c, marker=marker, label=label if i == 0 else None)
    ax.axhline(1, color="k", lw=1, ls="--")
    ax.set_xticks(range(len(kinds)))
    ax.set_xticklabels(kinds, rotation=20, fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("|||Φ(f)−Φ(h)||| / ‖f−h‖")
    ax.legend(fontsize=8)
    return fig


def _invariance(s):
    from matplotlib import colormaps

    tr = s.translation
    n = np.arange(tr.measured.shape[0])
    fig, (a, b) = figure(1, 2, figsize=(10.0, 3.6))
    cmap = colormaps["viridis"]
    T = tr.measured.shape[1]
    for j, t in enumerate(tr.shifts):
        c = cmap(j / max(T - 1, 1))
        label = "t = (" + ", ".join(f"{v:g}" for v in t) + ")"
        on, off = tr.applies[:, j], ~tr.applies[:, j]
        for ax, y in ((a, tr.measured[:, j]), (b, tr.measured_energy[:, j])):
            y = np.maximum(y, 1e-17)
            ax.plot(n, y, "-", color=c, lw=1.2, label=label if ax is a else None)
            ax.scatter(n[on], y[on], color=c, s=22, zorder=3)
            ax.scatter(n[off], y[off], facecolors="none", edgecolors=[c], s=22, zorder=3)
            ax.plot(n, tr.bound[:, j], "--", color=c, lw=0.9)
        alias = tr.aliasing_bound[:, j]
        a.scatter(n[off], alias[off], marker="x", color=c, s=20, zorder=3)
    for ax, ylabel in ((a, "|||Φⁿ(T_t f) − Φⁿ(f)||| / ‖f‖"), (b, "|||Φⁿ(T_t f) − Φⁿ(f)||| / √W_n(f)")):
        ax.set_yscale("log")
        ax.set_xticks(n)
        ax.set_xlabel("layer n")
        ax.set_ylabel(ylabel)
    a.legend(fontsize=6, ncol=2)
    return fig


def _sweep(ax, x, result, xlabel):
    """Dots (feature change), crosses (signal change) and the bound (line), each relative to ‖f‖, per signal."""
    feat = result.feature_change / result.norms
    sig = result.signal_change / result.norms
    bound = result.bound / result.norms
    order = np.argsort(x)
    for k in range(feat.shape[1]):
        ax.plot(x[order], bound[order, k], "-", color=color(k), lw=1, label="bound" if k == 0 else None)
        ax.scatter(x, feat[:, k], s=14, color=color(k), label="|||Φ(Ff) − Φ(f)|||/‖f‖" if k == 0 else None)
        ax.scatter(x, sig[:, k], marker="x", s=14, color=color(k), alpha=0.6, label="‖Ff − f‖/‖f‖" if k == 0 else None)
    ax.set_xscale("log")
    ax.set_yscale("log")
    _plain_log_ticks(ax)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("relative change")


def _deformation(s):
    de, ca, li = s.deformation, s.cartoon, s.lipschitz
    fig, (a, b, c) = figure(1, 3, figsize=(12.0, 3.5))
    x = np.array([de.R * d.tau_sup + d.omega_sup for d in de.deformations])
    _sweep(a, x, de, "R‖τ‖∞ + ‖ω‖∞")
    a.set_title(f"band-limited, R = {de.R:.3g}; C = {de.C_bound:.3g}", fontsize=8)
    a.legend(fontsize=6)
    _sweep(b, ca.tau_sups, ca, "‖τ‖∞ (samples)")
    b.set_title(f"cartoon (area-sampled, r = {ca.refine})", fontsize=8)
    _sweep(c, li.tau_sups, li, "‖τ‖∞ (samples)")
    c.set_title("Lipschitz", fontsize=8)
    return fig


def _plain_log_ticks(ax):
    from matplotlib.ticker import NullFormatter

    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_minor_formatter(NullFormatter())


def _energy(s):
    en, ed, dec = s.energy, s.energy_decay, s.energy_decay_bound
    fig, (a, b) = figure(1, 2, figsize=(9.5, 3.4))
    feat = np.mean(en.feature / en.norm2, axis=1)
    prop = np.mean(en.propagated / en.norm2, axis=1)
    n = np.arange(len(feat))
    a.bar(n - 0.2, np.maximum(feat, 1e-17), 0.4, color=color(0), label="|||Φⁿ f|||²/‖f‖²")
    a.bar(n + 0.2, np.maximum(prop, 1e-17), 0.4, color=color(1), label="W_n f/‖f‖²")
    a.set_yscale("log")
    a.set_xticks(n)
    a.set_xlabel("layer n")
    a.legend(fontsize=7)
    depth = ed.depth
    for i, (k, W) in enumerate(ed.propagated.items()):
        W = np.maximum(np.asarray(W, float), 1e-300)
        nn = np.arange(len(W))
        b.semilogy(nn, W, "o-", ms=4, color=color(i), label=f"{k}: ρ = {fmt(ed.rate[k])}")
    for i, k in enumerate(dec.kinds):
        W = np.maximum(np.asarray(dec.propagated[k], float), 1e-300)
        depth = max(depth, len(W) - 1)
        b.semilogy(np.arange(len(W)), W, "s--", ms=3, lw=0.8, color=color(i), alpha=0.6, label=f"{k}, no-pooling twin")
        if k in dec.bound and len(dec.bound[k]):
            bound = np.asarray(dec.bound[k], float)
            b.semilogy(np.arange(len(bound)), bound, ":", lw=1.2, color=color(i), label=f"{k}, guaranteed")
    b.set_xlabel("layer n (deeper copies: last module repeated)")
    b.set_ylabel("W_n/‖f‖²")
    b.set_xticks(np.arange(depth + 1))
    b.legend(fontsize=6)
    return fig
