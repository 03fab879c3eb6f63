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
    "invariance": "Translation invariance vs depth: measured |||Φ^n(T_t f) − Φ^n(f)|||/‖f‖ (solid; "
    "filled where the theorem applies) and the bound 2π|t|K_n/P_n (dashed)",
    "deformation": "Deformation sensitivity: band-limited signals against (R‖τ‖∞ + ‖ω‖∞) with the "
    "empirical C (left); cartoon functions against ‖τ‖∞ with the fitted exponent (right)",
    "energy": "Energy per layer (left) and propagated energy W_n on a deeper copy with its exponential fit (right)",
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
    fig, ax = figure(figsize=(6.4, 3.4))
    cmap = colormaps["viridis"]
    T = tr.measured.shape[1]
    for j, t in enumerate(tr.shifts):
        c = cmap(j / max(T - 1, 1))
        y = np.maximum(tr.measured[:, j], 1e-17)
        label = "t = (" + ", ".join(f"{v:g}" for v in t) + ")"
        ax.plot(n, y, "-", color=c, lw=1.2, label=label)
        on, off = tr.applies[:, j], ~tr.applies[:, j]
        ax.scatter(n[on], y[on], color=c, s=22, zorder=3)
        ax.scatter(n[off], y[off], facecolors="none", edgecolors=[c], s=22, zorder=3)
        ax.plot(n, tr.bound[:, j], "--", color=c, lw=0.9)
    ax.set_yscale("log")
    ax.set_xticks(n)
    ax.set_xlabel("layer n")
    ax.set_ylabel("|||Φⁿ(T_t f) − Φⁿ(f)||| / ‖f‖")
    ax.legend(fontsize=7, ncol=2)
    return fig


def _deformation(s):
    de, ca = s.deformation, s.cartoon
    fig, (a, b) = figure(1, 2, figsize=(9.0, 3.4))
    x = np.array([de.R * d.tau_sup + d.omega_sup for d in de.deformations])
    feat = de.feature_change / de.norms
    sig = de.signal_change / de.norms
    omegas = np.array([d.omega_sup for d in de.deformations])
    X = np.repeat(x[:, None], feat.shape[1], axis=1)
    sc = a.scatter(
        X,
        feat,
        c=np.repeat(omegas[:, None], feat.shape[1], axis=1),
        cmap="plasma",
        s=14,
        label="|||Φ(Ff) − Φ(f)|||/‖f‖",
    )
    a.scatter(X, sig, marker="x", color="0.6", s=12, label="‖Ff − f‖/‖f‖")
    xs = np.array([x.min(), x.max()])
    a.plot(xs, de.C * xs, "k--", lw=1, label=f"C = {de.C:.3g}")
    a.set_xscale("log")
    a.set_yscale("log")
    _plain_log_ticks(a)
    a.set_xlabel("R‖τ‖∞ + ‖ω‖∞")
    a.set_ylabel("relative change")
    a.legend(fontsize=7)
    fig.colorbar(sc, ax=a, label="‖ω‖∞ (cycles)")
    taus = ca.tau_sups
    cf = ca.feature_change / ca.norms
    cs = ca.signal_change / ca.norms
    for k in range(cf.shape[1]):
        b.loglog(taus, cf[:, k], "o", color=color(0), ms=3)
        b.loglog(taus, cs[:, k], "x", color="0.6", ms=4)
    if np.isfinite(ca.exponent):
        fit = np.exp(ca.intercept) * taus**ca.exponent
        b.loglog(taus, fit, "-", color=color(0), label=f"fit: exponent {ca.exponent:.2f}")
        ref = np.exp(ca.intercept) * taus[-1] ** ca.exponent * (taus / taus[-1]) ** 0.5
        b.loglog(taus, ref, ":", color="k", label="slope 1/2 (bound's rate)")
    _plain_log_ticks(b)
    b.set_xlabel("‖τ‖∞ (samples)")
    b.set_ylabel("relative change")
    b.legend(fontsize=7)
    return fig


def _plain_log_ticks(ax):
    from matplotlib.ticker import NullFormatter

    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_minor_formatter(NullFormatter())


def _energy(s):
    en, ed, tw = s.energy, s.energy_decay, s.energy_decay_parseval
    fig, (a, b) = figure(1, 2, figsize=(9.0, 3.3))
    feat = np.mean(en.feature / en.norm2, axis=1)
    prop = np.mean(en.propagated / en.norm2, axis=1)
    n = np.arange(len(feat))
    a.bar(n - 0.2, np.maximum(feat, 1e-17), 0.4, color=color(0), label="|||Φⁿ f|||²/‖f‖²")
    a.bar(n + 0.2, np.maximum(prop, 1e-17), 0.4, color=color(1), label="W_n f/‖f‖²")
    a.set_yscale("log")
    a.set_xticks(n)
    a.set_xlabel("layer n")
    a.legend(fontsize=7)
    for i, (k, W) in enumerate(ed.propagated.items()):
        W = np.maximum(np.asarray(W, float), 1e-300)
        nn = np.arange(len(W))
        b.semilogy(nn, W, "o-", ms=4, color=color(i), label=f"{k}: ρ = {fmt(ed.rate[k])}")
        b.semilogy(nn, ed.intercept[k] * ed.rate[k] ** nn, ":", color=color(i))
    depth = ed.depth
    if tw.applies:
        twin = tw.result
        depth = max(depth, twin.depth)
        for k in ("smooth", "rough"):
            W = np.maximum(np.asarray(twin.propagated[k], float), 1e-300)
            shade = "0.45" if k == "smooth" else "0.7"
            label = f"Parseval twin, {k}: ρ = {fmt(twin.rate[k])}"
            b.semilogy(np.arange(len(W)), W, "s--", ms=3, lw=0.8, color=shade, label=label)
    b.set_xlabel("layer n (deeper copy: last module repeated)")
    b.set_ylabel("W_n/‖f‖²")
    b.set_xticks(np.arange(depth + 1))
    b.legend(fontsize=7)
    return fig
