"""``scatterx verify``: the theory's statements checked on one network, written as a report.

    scatterx verify CONFIG.json --out DIR [--inputs file.npy] [--quiet] [--seed 0] [--strict]

CONFIG.json is a network description (``Network.to_dict()``).  The report
runs every function of :mod:`scatterx.theory` on the network and writes

* ``DIR/report.md`` with the figures beside it (``DIR/*.png``),
* ``DIR/report.html``, self-contained (figures embedded as base64 PNG),
* ``DIR/results.json``, every number of the report: each section is the
  ``to_dict()`` of the corresponding :mod:`scatterx.theory` result, so the
  file and the functions agree exactly,

with a verdict line per statement (holds / violated, with its margin).

Inputs default to :func:`scatterx.theory.default_inputs` (a smooth
band-limited signal, a cartoon and a natural image, each of unit RMS); the
deformation, cartoon and energy-decay sections add their own synthetic
signals (documented in each function).  ``python -m scatterx.verify --examples
DIR`` writes the worked examples of ``docs/verify``: the demo network and one
network per registered frame family.
"""

from __future__ import annotations

import argparse
import base64
import html
import io
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import frames as _frames
from frames._json import jsonable

from . import theory as th
from ._environment import environment
from .network import Module, Network, as_network
from .operators import Modulus, Subsample

__all__ = [
    "VerifyOptions",
    "run_verify",
    "register_cli",
    "demo_network",
    "family_frame",
    "example_kernels",
    "example_networks",
    "write_examples",
]

FORMAT_VERSION = 1
# Figures: small PNGs (quantised to a palette when Pillow is there) so reports stay light.
DPI = 80
PALETTE = 64


@dataclass(frozen=True)
class VerifyOptions:
    """Sizes of the checks; each maps to the :mod:`scatterx.theory` argument of the same meaning.

    ``quick()`` gives a smaller set for tests and previews.
    """

    seed: int = 0
    n_random: int = 4  # nonexpansiveness(n_random)
    adversarial_steps: int = 20  # nonexpansiveness(adversarial_steps)
    loud_scale: float = 3.0  # the non-admissible twin: frames × loud_scale
    loud_adversarial_steps: int = 5
    shifts: tuple | None = None  # translation_invariance(shifts)
    R: float = 1 / 8  # deformation_sensitivity(R), cycles/sample
    n_signals: int = 3
    tau_fractions: tuple = (0.1, 0.25, 0.5, 1.0)
    omega_sups: tuple = (0.0, 0.02, 0.05)
    cartoon_signals: int = 2
    cartoon_points: int = 7
    decay_depth: int | None = None  # energy_decay(depth); None: N + 3, within the grid and budget
    decay_signals: int = 2
    eps: float = 0.01

    @classmethod
    def quick(cls, **changes):
        base = dict(
            n_random=2,
            adversarial_steps=3,
            loud_adversarial_steps=1,
            n_signals=1,
            tau_fractions=(0.25, 1.0),
            omega_sups=(0.0, 0.05),
            cartoon_signals=1,
            cartoon_points=3,
            decay_signals=1,
        )
        base.update(changes)
        return cls(**base)


# ------------------------------------------------------------------ running
def _parseval(net, x):
    """The energy identity on the Parseval twin, trimmed to a depth that fits th.PATH_BUDGET."""
    try:
        twin = th.parseval_twin(net)
    except ValueError as e:
        return {"applies": False, "reason": f"no Parseval version of these frames: {e}"}
    while twin.depth > 1 and th._largest_intermediate(twin) > th.PATH_BUDGET:
        twin = twin.replace(modules=twin.modules[:-1])
    result = th.energy_propagation(twin, x)
    return {"applies": True, "twin_depth": twin.depth, "twin": twin.to_dict(), **result.to_dict()}


def _parseval_decay(net, x, opt):
    """energy_decay on the Parseval twin (the decay theorem's setting: no pooling), as deep as th.PATH_BUDGET allows."""
    try:
        twin = th.parseval_twin(net)
    except ValueError as e:
        return {"applies": False, "reason": f"no Parseval version of these frames: {e}"}
    twin = twin.replace(modules=twin.modules[:1])
    result = th.energy_decay(
        twin, x, depth=opt.decay_depth or 6, eps=opt.eps, n_signals=opt.decay_signals, seed=opt.seed
    )
    return {"applies": True, **result.to_dict()}


def run_verify(network, inputs=None, out_dir=None, progress=True, *, options=None, input_names=None):
    """Run every check of :mod:`scatterx.theory` on ``network`` and write the report to ``out_dir``.

    Parameters
    ----------
    network : Network, dict (``Network.to_dict()``) or path to that JSON
    inputs : array (B, *shape) or (*shape), NumPy or torch, optional
        Default: :func:`scatterx.theory.default_inputs`.
    out_dir : str or Path
        Created if needed; receives ``report.md``, ``report.html``,
        ``results.json`` and the figures.
    progress : bool
        Show a progress bar (tqdm, on stderr) over the sections.
    options : VerifyOptions, optional
    input_names : list of str, optional
        Names of the inputs in the report.

    Returns
    -------
    dict
        The content of ``results.json``.
    """
    if out_dir is None:
        raise TypeError("run_verify needs out_dir, the folder the report is written to")
    from tqdm.auto import tqdm

    net = as_network(network)
    opt = options or VerifyOptions()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if inputs is None:
        x, names = th.default_inputs(net.shape, seed=opt.seed)
        source = "default (scatterx.theory.default_inputs)"
    else:
        x = inputs[None] if tuple(inputs.shape) == tuple(net.shape) else inputs
        names = list(input_names) if input_names else [f"input {i}" for i in range(len(x))]
        source = "given"
    s = opt.seed
    sections = [
        ("admissibility", lambda: th.admissibility(net)),
        (
            "nonexpansive",
            lambda: th.nonexpansiveness(net, x, n_random=opt.n_random, adversarial_steps=opt.adversarial_steps, seed=s),
        ),
        ("nonexpansive_not_admissible", lambda: _loud(net, x, opt)),
        ("translation", lambda: th.translation_invariance(net, x, opt.shifts, seed=s)),
        (
            "deformation",
            lambda: th.deformation_sensitivity(
                net,
                x,
                R=opt.R,
                n_signals=opt.n_signals,
                tau_fractions=opt.tau_fractions,
                omega_sups=opt.omega_sups,
                seed=s,
            ),
        ),
        (
            "cartoon",
            lambda: th.cartoon_sensitivity(
                net, n_signals=opt.cartoon_signals, points=opt.cartoon_points, seed=s, like=x
            ),
        ),
        ("energy", lambda: th.energy_propagation(net, x)),
        ("parseval_identity", lambda: _parseval(net, x)),
        (
            "energy_decay",
            lambda: th.energy_decay(net, x, depth=opt.decay_depth, eps=opt.eps, n_signals=opt.decay_signals, seed=s),
        ),
        ("energy_decay_parseval", lambda: _parseval_decay(net, x, opt)),
    ]
    results, timing = {}, {}
    t_start, cpu_start = time.perf_counter(), time.process_time()
    bar = tqdm(
        total=len(sections) + 2, desc="scatterx verify", unit="step", disable=not progress, file=sys.stderr, leave=False
    )
    for name, run in sections:
        bar.set_postfix_str(name)
        t0 = time.perf_counter()
        value = run()
        timing[name] = time.perf_counter() - t0
        results[name] = value if isinstance(value, dict) else value.to_dict()
        bar.update()
    results = json.loads(json.dumps(results))  # exactly what results.json holds
    record = {
        "scatterx_verify": FORMAT_VERSION,
        "network": net.to_dict(),
        "summary": _summary(net),
        "inputs": {"source": source, "names": names, "count": int(len(x)), "shape": list(net.shape)},
        "options": jsonable(opt),
        **results,
    }
    record["verdicts"] = _verdicts(record)
    bar.set_postfix_str("figures")
    t0 = time.perf_counter()
    figures = _figures(record)
    timing["figures"] = time.perf_counter() - t0
    bar.update()
    bar.set_postfix_str("write")
    timing["total"] = time.perf_counter() - t_start
    record["timing"] = {
        "seconds": timing,
        "cpu_seconds": time.process_time() - cpu_start,
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "environment": environment(),
    }
    _write(out, record, figures)
    bar.update()
    bar.close()
    return record


def _loud(net, x, opt):
    loud = th.scaled(net, opt.loud_scale)
    result = th.nonexpansiveness(
        loud, x, n_random=opt.n_random, adversarial_steps=opt.loud_adversarial_steps, seed=opt.seed
    )
    return {"scale": opt.loud_scale, "admissibility_worst": th.admissibility(loud).worst, **result.to_dict()}


def _summary(net):
    paths = []
    for n in range(net.depth + 1):
        try:
            paths.append(len(net.paths(n)))
        except MemoryError:
            paths.append(None)
    return {
        "depth": net.depth,
        "ndim": net.ndim,
        "shape": list(net.shape),
        "grids": [list(g) for g in net.grids],
        "paths": paths,
        "prune": net.prune,
        "modules": [
            {
                "frame": repr(m.frame),
                "filters": len(net.bank(n)),
                "nonlinearity": m.nonlinearity.name,
                "pooling": m.pooling.name,
                "S": m.pooling.factor,
            }
            for n, m in enumerate(net.modules)
        ],
    }


def _verdict(statement, holds, margin, text):
    return {"statement": statement, "holds": holds, "margin": margin, "text": text}


def _verdicts(r):
    adm = r["admissibility"]
    assumed = "" if adm["admissible"] else " — the network is not admissible, so the theorem does not promise it"
    ne, loud, tr = r["nonexpansive"], r["nonexpansive_not_admissible"], r["translation"]
    de, ca, en, pi, ed = r["deformation"], r["cartoon"], r["energy"], r["parseval_identity"], r["energy_decay"]
    out = [
        _verdict(
            "Admissibility: max(B_n, B_n L_n² R_n²) ≤ 1 for every layer",
            adm["admissible"],
            adm["margin"],
            f"worst layer value {adm['worst']:.6g}",
        ),
        _verdict(
            "Non-expansiveness: |||Φ(f) − Φ(h)||| ≤ ‖f − h‖",
            ne["holds"],
            ne["margin"],
            f"worst ratio {ne['worst']:.6g} ({ne['worst_kind']} pairs){assumed}",
        ),
        _verdict(
            f"The check can fail: frames × {loud['scale']:g} (not admissible) give a ratio > 1",
            loud["worst"] > 1,
            loud["worst"] - 1,
            f"worst ratio {loud['worst']:.4g} (max(B, BL²R²) = {loud['admissibility_worst']:.4g})",
        ),
        _verdict(
            "Translation covariance: Φ^n(T_t f) = T_{t/P_n} Φ^n(f) for t ∈ P_n ℤ^d",
            tr["covariance_holds"],
            tr["tolerance"] - _nanmax(tr["covariance_error"]),
            f"largest relative error {_nanmax(tr['covariance_error']):.3g} (tolerance {tr['tolerance']:g})",
        ),
        _verdict(
            "Translation invariance (Thm 1): |||Φ^n(T_t f) − Φ^n(f)||| ≤ 2π|t|K_n/P_n ‖f‖",
            tr["holds"],
            tr["margin"],
            f"smallest slack 1 − measured/bound = {_fmt(tr['margin'])} where the theorem applies; "
            f"elsewhere (sub-sampling phase, not covered) worst measured/bound = {_fmt(tr['off_theorem_worst'])}"
            f"{assumed}",
        ),
        _verdict(
            "Deformation (Thm 2) decoupling: |||Φ(F f) − Φ(f)||| ≤ ‖F f − f‖",
            de["decoupling_holds"],
            de["decoupling_margin"],
            f"empirical C = {de['C']:.4g} in |||Φ(Ff) − Φ(f)||| ≤ C(R‖τ‖∞ + ‖ω‖∞)‖f‖ "
            f"(signal class: {de['C_signal']:.4g}), R = {de['R']:.4g} cycles/sample{assumed}",
        ),
        _verdict(
            "Cartoon functions: |||Φ(F_τ f) − Φ(f)||| ≤ C K ‖τ‖∞^{1/2}: fitted exponent ≥ 1/2",
            ca["holds"],
            ca["margin"],
            f"fitted exponent {ca['exponent']:.3f} (signal change: {ca['signal_exponent']:.3f}), "
            f"empirical C·K = {ca['CK']:.4g}; margin = exponent − 1/2, tolerated down to −{th.EXPONENT_SLACK}",
        ),
        _verdict(
            "Energy: Σ_{n<N} |||Φ^n f|||² + W_N f ≤ ‖f‖², W_n non-increasing",
            en["inequality_holds"] and en["monotone"],
            1 - max(en["balance"]),
            f"largest (Σ_{{n<N}} |||Φ^n f|||² + W_N f)/‖f‖² = {max(en['balance']):.6g}{assumed}",
        ),
    ]
    if pi.get("applies"):
        res = max(pi["residual"])
        out.append(
            _verdict(
                "Energy identity (Parseval frames, modulus, no pooling): ‖f‖² = Σ_{n<N} |||Φ^n f|||² + W_N f",
                pi["identity_holds"],
                1e-10 - res,
                f"on the Parseval twin (tight frames, modulus, no pooling, depth {pi['twin_depth']}): "
                f"largest relative residual {res:.3g}",
            )
        )
    else:
        out.append(
            _verdict(
                "Energy identity (Parseval frames, modulus, no pooling)", None, None, f"not checked: {pi['reason']}"
            )
        )
    rates = ", ".join(f"{k} ρ = {_fmt(v)}" for k, v in ed["rate"].items())
    tw = r["energy_decay_parseval"]
    twin = (
        (
            "; Parseval twin (no pooling), depth "
            + str(tw["depth"])
            + ": "
            + ", ".join(f"{k} ρ = {_fmt(v)}" for k, v in tw["rate"].items())
        )
        if tw.get("applies")
        else ""
    )
    out.append(
        _verdict("Energy decay: W_n/‖f‖² ≈ a ρ^n (informative)", None, None, f"depth {ed['depth']}: {rates}{twin}")
    )
    return out


def _nanmax(a):
    v = [x for x in np.ravel(np.array(a, dtype=object)) if x is not None]
    return max(v) if v else 0.0


def _fmt(v, spec=".3g"):
    return "—" if v is None else format(v, spec)


def _verdict_word(v):
    return "n/a" if v["holds"] is None else ("holds" if v["holds"] else "VIOLATED")


# ------------------------------------------------------------------ figures
def _pyplot():
    from .plots import _pyplot as p

    return p()


def _png(plt, fig):
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=DPI)
    plt.close(fig)
    data = buf.getvalue()
    try:
        from PIL import Image
    except ImportError:
        return data
    img = Image.open(io.BytesIO(data)).convert("RGB").quantize(colors=PALETTE)
    small = io.BytesIO()
    img.save(small, format="PNG", optimize=True)
    return small.getvalue() if small.tell() < len(data) else data


def _figures(r):
    """name → (caption, PNG bytes)."""
    plt = _pyplot()
    out = {}
    out["admissibility"] = (
        "Admissibility: max(B_n, B_n L_n² R_n²) per layer (must be ≤ 1)",
        _fig_admissibility(plt, r),
    )
    out["nonexpansive"] = (
        "Non-expansiveness: |||Φ(f) − Φ(h)||| / ‖f − h‖ by kind of pair, for the network and its non-admissible twin",
        _fig_nonexpansive(plt, r),
    )
    out["invariance"] = (
        "Translation invariance vs depth: measured |||Φ^n(T_t f) − Φ^n(f)|||/‖f‖ (solid; "
        "filled where the theorem applies) and the bound 2π|t|K_n/P_n (dashed)",
        _fig_invariance(plt, r),
    )
    out["deformation"] = (
        "Deformation sensitivity: band-limited signals against (R‖τ‖∞ + ‖ω‖∞) with the "
        "empirical C (left); cartoon functions against ‖τ‖∞ with the fitted exponent (right)",
        _fig_deformation(plt, r),
    )
    out["energy"] = (
        "Energy per layer (left) and propagated energy W_n on a deeper copy with its exponential fit (right)",
        _fig_energy(plt, r),
    )
    return out


def _fig_admissibility(plt, r):
    rows = r["admissibility"]["rows"]
    fig, ax = plt.subplots(figsize=(4.6, 2.6))
    vals = [row["value"] for row in rows]
    colors = ["tab:green" if row["admissible"] else "tab:red" for row in rows]
    labels = [str(row["layer"]) for row in rows]
    ax.bar(labels, vals, color=colors, label="max(B, B L² R²)")
    ax.plot(labels, [row["A"] for row in rows], "k_", ms=18, mew=2, label="A (lower frame bound)")
    ax.axhline(1, color="k", lw=1, ls="--")
    ax.legend(fontsize=7, loc="lower right")
    ax.set_xlabel("layer n (N: output atom)")
    ax.set_ylabel("max(B, B L² R²)")
    ax.set_ylim(0, max(1.1, max(vals) * 1.1))
    return _png(plt, fig)


def _fig_nonexpansive(plt, r):
    fig, ax = plt.subplots(figsize=(7.5, 3.0))
    rng = np.random.default_rng(0)
    ne, loud = r["nonexpansive"], r["nonexpansive_not_admissible"]
    kinds = list(dict.fromkeys(list(ne["ratios"]) + list(loud["ratios"])))
    for label, res, color, marker, dx in (
        ("network", ne, "tab:blue", "o", -0.15),
        (f"frames × {loud['scale']:g}", loud, "tab:red", "^", 0.15),
    ):
        for i, k in enumerate(kinds):
            v = np.array(res["ratios"].get(k, []))
            ax.scatter(
                i + dx + rng.uniform(-0.05, 0.05, len(v)),
                v,
                s=14,
                color=color,
                marker=marker,
                label=label if i == 0 else None,
            )
    ax.axhline(1, color="k", lw=1, ls="--")
    ax.set_xticks(range(len(kinds)))
    ax.set_xticklabels(kinds, rotation=20, fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("|||Φ(f)−Φ(h)||| / ‖f−h‖")
    ax.legend(fontsize=8)
    return _png(plt, fig)


def _fig_invariance(plt, r):
    tr = r["translation"]
    measured, bound = np.array(tr["measured"], float), np.array(tr["bound"], float)
    applies = np.array(tr["applies"], bool)
    n = np.arange(measured.shape[0])
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    cmap = plt.get_cmap("viridis")
    T = measured.shape[1]
    for j, t in enumerate(tr["shifts"]):
        c = cmap(j / max(T - 1, 1))
        y = np.maximum(measured[:, j], 1e-17)
        label = "t = (" + ", ".join(f"{v:g}" for v in t) + ")"
        ax.plot(n, y, "-", color=c, lw=1.2, label=label)
        ax.scatter(n[applies[:, j]], y[applies[:, j]], color=c, s=22, zorder=3)
        ax.scatter(n[~applies[:, j]], y[~applies[:, j]], facecolors="none", edgecolors=[c], s=22, zorder=3)
        ax.plot(n, bound[:, j], "--", color=c, lw=0.9)
    ax.set_yscale("log")
    ax.set_xticks(n)
    ax.set_xlabel("layer n")
    ax.set_ylabel("|||Φⁿ(T_t f) − Φⁿ(f)||| / ‖f‖")
    ax.legend(fontsize=7, ncol=2)
    return _png(plt, fig)


def _fig_deformation(plt, r):
    de, ca = r["deformation"], r["cartoon"]
    fig, (a, b) = plt.subplots(1, 2, figsize=(9.0, 3.4))
    norms = np.array(de["norms"], float)
    x = np.array([de["R"] * d["tau_sup"] + d["omega_sup"] for d in de["deformations"]])
    feat = np.array(de["feature_change"], float) / norms
    sig = np.array(de["signal_change"], float) / norms
    omegas = np.array([d["omega_sup"] for d in de["deformations"]])
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
    a.plot(xs, de["C"] * xs, "k--", lw=1, label=f"C = {de['C']:.3g}")
    a.set_xscale("log")
    a.set_yscale("log")
    _plain_log_ticks(a)
    a.set_xlabel("R‖τ‖∞ + ‖ω‖∞")
    a.set_ylabel("relative change")
    a.legend(fontsize=7)
    fig.colorbar(sc, ax=a, label="‖ω‖∞ (cycles)")
    taus = np.array(ca["tau_sups"], float)
    cn = np.array(ca["norms"], float)
    cf = np.array(ca["feature_change"], float) / cn
    cs = np.array(ca["signal_change"], float) / cn
    for k in range(cf.shape[1]):
        b.loglog(taus, cf[:, k], "o", color="tab:blue", ms=3)
        b.loglog(taus, cs[:, k], "x", color="0.6", ms=4)
    if ca["exponent"] is not None:
        b.loglog(
            taus,
            np.exp(ca["intercept"]) * taus ** ca["exponent"],
            "-",
            color="tab:blue",
            label=f"fit: exponent {ca['exponent']:.2f}",
        )
        ref = np.exp(ca["intercept"]) * taus[-1] ** ca["exponent"] * (taus / taus[-1]) ** 0.5
        b.loglog(taus, ref, ":", color="k", label="slope 1/2 (bound's rate)")
    _plain_log_ticks(b)
    b.set_xlabel("‖τ‖∞ (samples)")
    b.set_ylabel("relative change")
    b.legend(fontsize=7)
    return _png(plt, fig)


def _plain_log_ticks(ax):
    from matplotlib.ticker import NullFormatter

    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_minor_formatter(NullFormatter())


def _fig_energy(plt, r):
    en, ed = r["energy"], r["energy_decay"]
    fig, (a, b) = plt.subplots(1, 2, figsize=(9.0, 3.3))
    n2 = np.array(en["norm2"], float)
    feat = np.mean(np.array(en["feature"], float) / n2, axis=1)
    prop = np.mean(np.array(en["propagated"], float) / n2, axis=1)
    n = np.arange(len(feat))
    a.bar(n - 0.2, np.maximum(feat, 1e-17), 0.4, label="|||Φⁿ f|||²/‖f‖²")
    a.bar(n + 0.2, np.maximum(prop, 1e-17), 0.4, label="W_n f/‖f‖²")
    a.set_yscale("log")
    a.set_xticks(n)
    a.set_xlabel("layer n")
    a.legend(fontsize=7)
    for k, W in ed["propagated"].items():
        W = np.maximum(np.array(W, float), 1e-300)
        nn = np.arange(len(W))
        (line,) = b.semilogy(nn, W, "o-", ms=4, label=f"{k}: ρ = {_fmt(ed['rate'][k])}")
        b.semilogy(nn, ed["intercept"][k] * ed["rate"][k] ** nn, ":", color=line.get_color())
    tw = r.get("energy_decay_parseval", {})
    if tw.get("applies"):
        for k in ("smooth", "rough"):
            W = np.maximum(np.array(tw["propagated"][k], float), 1e-300)
            b.semilogy(
                np.arange(len(W)),
                W,
                "s--",
                ms=3,
                lw=0.8,
                color="0.45" if k == "smooth" else "0.7",
                label=f"Parseval twin, {k}: ρ = {_fmt(tw['rate'][k])}",
            )
    b.set_xlabel("layer n (deeper copy: last module repeated)")
    b.set_ylabel("W_n/‖f‖²")
    b.set_xticks(np.arange(max(ed["depth"], tw.get("depth", 0)) + 1))
    b.legend(fontsize=7)
    return _png(plt, fig)


# ------------------------------------------------------------------ writing
def _write(out, record, figures):
    (out / "results.json").write_text(json.dumps(record, indent=1, ensure_ascii=False))
    for name, (_, png) in figures.items():
        (out / f"{name}.png").write_bytes(png)
    blocks = _blocks(record, figures)
    (out / "report.md").write_text(_markdown(blocks))
    (out / "report.html").write_text(_html(blocks, figures))


def _network_lines(record):
    s = record["summary"]
    lines = [
        f"{s['ndim']}-D grid {tuple(s['shape'])}, depth N = {s['depth']}, paths per layer {s['paths']}"
        + (f", pruning: {s['prune']}" if s["prune"] else "")
    ]
    for n, m in enumerate(s["modules"]):
        lines.append(
            f"layer {n}: {m['frame']} ({m['filters']} filters), {m['nonlinearity']}, {m['pooling']} (S = {m['S']})"
        )
    return lines


def _blocks(r, figures):
    """The report as blocks.

    ('h', level, text), ('p', text), ('ul', items), ('table', head, rows), ('fig', name, caption).
    """
    B = [("h", 1, "scatterx verify report")]
    B.append(("ul", _network_lines(r)))
    inp = r["inputs"]
    B.append(
        (
            "p",
            f"Inputs: {inp['count']} signals ({inp['source']}): {', '.join(inp['names'])}. "
            f"Total time {r['timing']['seconds']['total']:.1f} s.",
        )
    )
    B.append(("h", 2, "Verdicts"))
    B.append(
        (
            "table",
            ["statement", "verdict", "margin", "detail"],
            [[v["statement"], _verdict_word(v), _fmt(v["margin"]), v["text"]] for v in r["verdicts"]],
        )
    )
    B.append(
        (
            "p",
            "A margin is the slack of the statement (positive: holds by that much; negative: violated "
            "by that much) in its own terms: 1 − ratio for an inequality ≤ 1, tolerance − error for an "
            "equality, exponent − 1/2 for the cartoon rate.",
        )
    )

    B.append(("h", 2, "1. Admissibility"))
    B.append(
        (
            "p",
            "A_n, B_n: min and max of the Littlewood–Paley sum |χ̂|² + Σ|ĝ_λ|² on layer n's grid "
            "(symmetrised where the layer's input is real); L_n, R_n: Lipschitz constants of the "
            "non-linearity and the pooling; the last row is the output atom of layer N.",
        )
    )
    B.append(
        (
            "table",
            ["n", "kind", "A", "B", "L", "R", "S", "max(B, BL²R²)", "admissible", "real input"],
            [
                [
                    row["layer"],
                    row["kind"],
                    f"{row['A']:.4g}",
                    f"{row['B']:.6g}",
                    f"{row['L']:g}",
                    f"{row['R']:.4g}",
                    row["S"],
                    f"{row['value']:.6g}",
                    "yes" if row["admissible"] else "NO",
                    "yes" if row["real_input"] else "no",
                ]
                for row in r["admissibility"]["rows"]
            ],
        )
    )
    B.append(("fig", "admissibility", figures["admissibility"][0]))

    ne, loud = r["nonexpansive"], r["nonexpansive_not_admissible"]
    B.append(("h", 2, "2. Non-expansiveness"))
    B.append(
        (
            "p",
            "Worst ratio |||Φ(f) − Φ(h)||| / ‖f − h‖ per kind of pair (scatterx.theory.nonexpansiveness); "
            f"the adversarial pairs come from {len(ne['adversarial_history']) - 1 if ne['adversarial_history'] else 0} "
            f"steps of gradient ascent on the ratio through the torch path. The twin with frames × "
            f"{loud['scale']:g} is not admissible and must be able to exceed 1.",
        )
    )
    kinds = list(dict.fromkeys(list(ne["ratios"]) + list(loud["ratios"])))
    B.append(
        (
            "table",
            ["pairs", "network: worst ratio", f"frames × {loud['scale']:g}: worst ratio"],
            [
                [
                    k,
                    _fmt(max(ne["ratios"][k]) if k in ne["ratios"] else None, ".6g"),
                    _fmt(max(loud["ratios"][k]) if k in loud["ratios"] else None, ".4g"),
                ]
                for k in kinds
            ],
        )
    )
    B.append(("fig", "nonexpansive", figures["nonexpansive"][0]))

    tr = r["translation"]
    B.append(("h", 2, "3. Translation covariance and invariance (Theorem 1)"))
    B.append(
        (
            "p",
            "K_n = max |χ̂_n(ν)|·|ν| with ν in cycles per sample of layer n's grid, so that the bound "
            "is 2π|t|K_n/P_n with t in input samples (equivalently |t|·K_n^in, K_n^in = 2πK_n/P_n in "
            "radians per input sample). The theorem applies where t ∈ P_n ℤ^d (exact covariance on the "
            "torus) and at layer 0 for every t (sub-pixel shifts by Fourier phase); other cells are "
            "measured but not covered (the sub-sampling phase changes).",
        )
    )
    B.append(
        (
            "table",
            ["n", "P_n", "K_n (cycles/layer-n sample)", "K_n^in (rad/input sample)"],
            [[n, f"{tr['P'][n]:g}", f"{tr['K'][n]:.4g}", f"{tr['K_input'][n]:.4g}"] for n in range(len(tr["P"]))],
        )
    )
    head = ["n"] + ["t = (" + ", ".join(f"{v:g}" for v in t) + ")" for t in tr["shifts"]]
    rows = []
    for n in range(len(tr["P"])):
        cells = [n]
        for j in range(len(tr["shifts"])):
            mark = "" if tr["applies"][n][j] else " (n/c)"
            cells.append(f"{tr['measured'][n][j]:.3g} / {tr['bound'][n][j]:.3g}{mark}")
        rows.append(cells)
    B.append(("p", "Measured / bound, relative to ‖f‖ (worst input); (n/c): not covered by the theorem."))
    B.append(("table", head, rows))
    B.append(("fig", "invariance", figures["invariance"][0]))

    de, ca = r["deformation"], r["cartoon"]
    B.append(("h", 2, "4. Deformation sensitivity (Theorem 2) and cartoon functions"))
    B.append(
        (
            "p",
            f"Band-limited signals (|ν| ≤ R = {de['R']:.4g} cycles/sample: random ones and the inputs "
            "projected), deformed by smooth τ with ‖Dτ‖∞ ≤ 1/(2d) by band-limited interpolation, "
            "and modulated (real networks: by the real part cos 2πω). Empirical constant "
            f"C = {de['C']:.4g} (signal class: {de['C_signal']:.4g}); decoupling margin "
            f"{_fmt(de['decoupling_margin'])}. Cartoon functions (smooth + indicator of a smooth domain, "
            f"deformed exactly): fitted exponent {ca['exponent']:.3f} (signal change "
            f"{ca['signal_exponent']:.3f}), C·K = {ca['CK']:.4g}.",
        )
    )
    B.append(
        (
            "table",
            ["‖τ‖∞ (samples)", "‖Dτ‖∞ ≤", "‖ω‖∞ (cycles)", "max |||ΔΦ|||/‖f‖", "max ‖Ff − f‖/‖f‖"],
            [
                [
                    f"{d['tau_sup']:.3g}",
                    f"{d['jacobian_sup']:.3g}",
                    f"{d['omega_sup']:g}",
                    f"{max(np.array(fc) / np.array(de['norms'])):.4g}",
                    f"{max(np.array(sc) / np.array(de['norms'])):.4g}",
                ]
                for d, fc, sc in zip(de["deformations"], de["feature_change"], de["signal_change"])
            ],
        )
    )
    B.append(("fig", "deformation", figures["deformation"][0]))

    en, pi, ed = r["energy"], r["parseval_identity"], r["energy_decay"]
    B.append(("h", 2, "5. Energy"))
    n2 = np.array(en["norm2"])
    B.append(
        (
            "table",
            ["n", "mean |||Φⁿ f|||²/‖f‖²", "mean W_n f/‖f‖²"],
            [
                [n, f"{np.mean(np.array(f) / n2):.4g}", f"{np.mean(np.array(w) / n2):.4g}"]
                for n, (f, w) in enumerate(zip(en["feature"], en["propagated"]))
            ],
        )
    )
    ident = (
        f"The identity applies to this network: largest residual {max(en['residual']):.3g}."
        if en["identity_applies"]
        else f"The exact identity does not apply to this network ({en['reason']})."
    )
    if pi.get("applies"):
        ident += (
            f" On its Parseval twin (the same families made tight, the modulus, no pooling, depth "
            f"{pi['twin_depth']}) the largest relative residual of ‖f‖² = Σ_{{n<N}} |||Φⁿ f|||² + W_N f "
            f"is {max(pi['residual']):.3g}."
        )
    else:
        ident += f" Parseval twin: {pi['reason']}."
    B.append(("p", ident))
    B.append(
        (
            "p",
            f"Decay of W_n on a copy of depth {ed['depth']} (the last module repeated; scatterx.theory.deepen), "
            f"ε = {ed['eps']:g}:",
        )
    )
    B.append(
        (
            "table",
            [
                "inputs",
                "rate ρ (W_n ≈ a ρⁿ)",
                "a",
                "N: W_N ≤ ε‖f‖²",
                "extrapolated",
                "N: features keep 1 − ε",
                f"kept by depth {ed['depth']}",
            ],
            [
                [
                    k,
                    _fmt(ed["rate"][k], ".4g"),
                    _fmt(ed["intercept"][k], ".3g"),
                    _fmt(ed["depth_propagated"][k], "d"),
                    _fmt(ed["depth_propagated_extrapolated"][k], "d"),
                    _fmt(ed["depth_features"][k], "d"),
                    f"{ed['kept'][k]:.4f}",
                ]
                for k in ed["kinds"]
            ],
        )
    )
    tw = r["energy_decay_parseval"]
    if tw.get("applies"):
        B.append(
            (
                "p",
                f"The same on the Parseval twin (tight frames, modulus, no pooling: the setting of the "
                f"decay results of Wiatowski, Grohs & Bölcskei), depth {tw['depth']} (no pooling keeps every "
                f"path on the full grid, so the path budget stops it early): "
                + "; ".join(f"{k} ρ = {_fmt(tw['rate'][k], '.4g')}" for k in tw["kinds"])
                + ". With the network's own pooling, sub-sampling by S also discards energy (an ℓ² "
                "contraction: no S^{d/2} factor), so its W_n decays faster than the frame alone explains.",
            )
        )
    else:
        B.append(("p", f"Parseval twin decay: {tw['reason']}."))
    B.append(("fig", "energy", figures["energy"][0]))

    B.append(("h", 2, "Timing"))
    t = r["timing"]
    load = "" if not t.get("load_average") else f" (machine load average {t['load_average'][0]:.1f})"
    B.append(
        (
            "p",
            "Wall time: "
            + ", ".join(f"{k} {v:.2f} s" for k, v in t["seconds"].items())
            + f"; CPU time {t['cpu_seconds']:.1f} s{load}; "
            + ", ".join(f"{k} {v}" for k, v in t["environment"].items())
            + ".",
        )
    )
    B.append(
        (
            "p",
            "All numbers: results.json (each section is the to_dict() of the scatterx.theory function "
            "of the same name).",
        )
    )
    return B


def _markdown(blocks):
    out = []
    for b in blocks:
        if b[0] == "h":
            out.append("#" * b[1] + " " + b[2])
        elif b[0] == "p":
            out.append(b[1])
        elif b[0] == "ul":
            out.append("\n".join(f"- {item}" for item in b[1]))
        elif b[0] == "table":
            head, rows = b[1], b[2]
            cell = lambda v: str(v).replace("|", "\\|")
            out.append(
                "\n".join(
                    ["| " + " | ".join(map(cell, head)) + " |", "|" + "---|" * len(head)]
                    + ["| " + " | ".join(map(cell, row)) + " |" for row in rows]
                )
            )
        elif b[0] == "fig":
            out.append(f"![{b[2]}]({b[1]}.png)\n\n*{b[2]}*")
    return "\n\n".join(out) + "\n"


_CSS = """body{font-family:system-ui,sans-serif;max-width:62em;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:0.8em 0;font-size:0.88em}td,th{border:1px solid #ccc;padding:0.25em 0.5em}
th{background:#f2f2f2}.holds{color:#176317;font-weight:bold}.VIOLATED{color:#b00;font-weight:bold}
figure{margin:1em 0}figcaption{font-size:0.85em;color:#555}img{max-width:100%}"""


def _html(blocks, figures):
    e = html.escape
    parts = [
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>scatterx verify</title>"
        f"<style>{_CSS}</style></head><body>"
    ]
    for b in blocks:
        if b[0] == "h":
            parts.append(f"<h{b[1]}>{e(b[2])}</h{b[1]}>")
        elif b[0] == "p":
            parts.append(f"<p>{e(b[1])}</p>")
        elif b[0] == "ul":
            parts.append("<ul>" + "".join(f"<li>{e(str(i))}</li>" for i in b[1]) + "</ul>")
        elif b[0] == "table":
            head = "".join(f"<th>{e(str(h))}</th>" for h in b[1])
            rows = "".join("<tr>" + "".join(f"<td{_cls(v)}>{e(str(v))}</td>" for v in row) + "</tr>" for row in b[2])
            parts.append(f"<table><tr>{head}</tr>{rows}</table>")
        elif b[0] == "fig":
            data = base64.b64encode(figures[b[1]][1]).decode()
            parts.append(
                f"<figure><img alt='{e(b[2])}' src='data:image/png;base64,{data}'>"
                f"<figcaption>{e(b[2])}</figcaption></figure>"
            )
    parts.append("</body></html>")
    return "\n".join(parts)


def _cls(v):
    return f" class='{v}'" if v in ("holds", "VIOLATED") else ""


# ------------------------------------------------------------------ command line
def register_cli(subparsers):
    """Add ``verify CONFIG.json --out DIR [--inputs file.npy] [--quiet]`` to an argparse subparsers object."""
    p = subparsers.add_parser(
        "verify",
        help="check the theory's statements on a network and write a report",
        description="Run scatterx.theory's checks (admissibility, non-expansiveness, translation, deformation, "
        "energy) on the network of CONFIG.json (Network.to_dict()) and write DIR/report.md, "
        "DIR/report.html and DIR/results.json.",
    )
    p.add_argument("config", help="network description: the JSON of Network.to_dict()")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument(
        "--inputs",
        help="signals as .npy, shape (B, *shape) or (*shape) (loaded with allow_pickle=False); "
        "default: scatterx.theory.default_inputs",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar, no summary")
    p.add_argument("--seed", type=int, default=0, help="seed of the synthetic signals (default 0)")
    p.add_argument("--strict", action="store_true", help="exit with status 1 when a statement is violated")
    p.set_defaults(run=_verify_command)
    return p


def _verify_command(args):
    try:
        config = json.loads(Path(args.config).read_text())
        net = Network.from_dict(config)
    except (OSError, ValueError, TypeError, KeyError) as e:
        raise SystemExit(f"scatterx verify: cannot read the network {args.config}: {e}") from None
    inputs = None
    if args.inputs:
        try:
            inputs = np.load(args.inputs, allow_pickle=False)
        except (OSError, ValueError) as e:
            raise SystemExit(f"scatterx verify: cannot read --inputs {args.inputs}: {e}") from None
        if tuple(inputs.shape[-net.ndim :]) != tuple(net.shape):
            raise SystemExit(
                f"scatterx verify: --inputs has shape {inputs.shape}; the network's grid is "
                f"{tuple(net.shape)}, so give (B, {', '.join(map(str, net.shape))})"
            )
        inputs = inputs.reshape((-1,) + tuple(net.shape))
    record = run_verify(net, inputs, args.out, progress=not args.quiet, options=VerifyOptions(seed=args.seed))
    violated = [v for v in record["verdicts"] if v["holds"] is False]
    if not args.quiet:
        for v in record["verdicts"]:
            print(f"[{_verdict_word(v):>8}] {v['statement']}: {v['text']}")
        print(
            f"wrote {Path(args.out) / 'report.md'}, report.html, results.json "
            f"in {record['timing']['seconds']['total']:.1f} s"
        )
    return 1 if (args.strict and violated) else 0


# ------------------------------------------------------------------ worked examples
def demo_network(shape=(64, 64)):
    """The demo's network (``scatterx.demo``): Morlet J=2 L=8, modulus, sub-sampling 2, depth 2, admissible."""
    morlet = _frames.morlet(J=2, L=8)
    return Network(
        [Module(morlet, Modulus(), Subsample(2))] * 2, shape=shape, prune="frequency-decreasing", feature_grid=4
    ).admissible()


def family_frame(family, ndim=2, J=None):
    """A family's frame of dimension ``ndim`` from its defaults, ``frames.from_dict({"family": family})``.

    Tried in order: the defaults, then with ``ndim``, then (for a family whose
    defaults need it, like Morlet's J) with J = 2.  With ``J`` given, only
    ``{"J": J}`` and ``{"J": J, "ndim": ndim}``.  Returns None when no such
    description gives a frame of dimension ``ndim``.
    """
    extras = ({}, {"ndim": ndim}, {"J": 2}, {"J": 2, "ndim": ndim}) if J is None else ({"J": J}, {"J": J, "ndim": ndim})
    for extra in extras + (example_kernels(ndim),):
        try:
            frame = _frames.from_dict({"family": family, **extra})
        except (TypeError, ValueError):
            continue
        if frame.ndim == ndim:
            return frame
    return None


def example_kernels(ndim):
    """Spatial kernels for a family built from given filters (``from_filters``), when it has no defaults.

    ``lowpass``: the 5-tap binomial [1, 4, 6, 4, 1]/16 in every axis; ``filters``:
    per axis its first and second differences ([−1, −2, 0, 2, 1]/8 and
    [1, 0, −2, 0, 1]/4 along the axis, binomial across), and two zero-mean
    random kernels (seed 0) standing for learned filters; all real, 5 taps per axis.
    """
    binomial = np.array([1, 4, 6, 4, 1]) / 16
    first, second = np.array([-1, -2, 0, 2, 1]) / 8, np.array([1, 0, -2, 0, 1]) / 4

    def outer(factors):
        k = factors[0]
        for f in factors[1:]:
            k = np.multiply.outer(k, f)
        return k

    filters = [outer([d if i == a else binomial for i in range(ndim)]) for a in range(ndim) for d in (first, second)]
    rng = np.random.default_rng(0)
    for _ in range(2):
        k = rng.standard_normal((5,) * ndim)
        filters.append((k - k.mean()) / (4 * np.abs(k).sum()))
    return {"lowpass": outer([binomial] * ndim), "filters": np.stack(filters), "domain": "space"}


def example_networks(shape=(64, 64)):
    """``{"demo": demo_network(shape), <family>: ...}``: per registered family, its default frame
    (:func:`family_frame`) in two layers of (modulus, sub-sampling 2), made admissible.
    Families whose default frame does not fit the grid are retried with J = 2, then left out."""
    nets = {"demo": demo_network(shape)}
    for family in sorted(_frames.FAMILIES):
        for frame in (family_frame(family, len(shape)), family_frame(family, len(shape), J=2)):
            if frame is None:
                continue
            try:
                nets[family] = Network([Module(frame, Modulus(), Subsample(2))] * 2, shape=shape).admissible()
                break
            except ValueError:
                continue
    return nets


def write_examples(root, shape=(64, 64), progress=True, options=None, figures_dir=None):
    """Reports for :func:`example_networks` into ``root/<name>/``, and ``root/README.md`` with the table
    of empirical deformation constants and energy-decay rates per family.  With ``figures_dir``, the demo's
    figures are also copied there as ``verify_<name>.png`` (docs/figures)."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    rows = []
    for name, net in example_networks(shape).items():
        r = run_verify(net, None, root / name, progress=progress, options=options)
        de, ca, ed = r["deformation"], r["cartoon"], r["energy_decay"]
        rows.append(
            {
                "name": name,
                "frame": r["summary"]["modules"][0]["frame"],
                "admissible": r["admissibility"]["admissible"],
                "C": de["C"],
                "C_signal": de["C_signal"],
                "cartoon_exponent": ca["exponent"],
                "rate_smooth": ed["rate"]["smooth"],
                "rate_rough": ed["rate"]["rough"],
                "decay_depth": ed["depth"],
                **_twin_rates(r["energy_decay_parseval"]),
                "verdicts_hold": all(v["holds"] is not False for v in r["verdicts"]),
                "seconds": r["timing"]["seconds"]["total"],
            }
        )
        if figures_dir is not None and name == "demo":
            Path(figures_dir).mkdir(parents=True, exist_ok=True)
            for fig in ("admissibility", "nonexpansive", "invariance", "deformation", "energy"):
                (Path(figures_dir) / f"verify_{fig}.png").write_bytes((root / name / f"{fig}.png").read_bytes())
    (root / "summary.json").write_text(json.dumps({"shape": list(shape), "rows": rows}, indent=1))
    lines = [
        f"# Worked examples of `scatterx verify` ({'×'.join(map(str, shape))} grid)",
        "",
        "Regenerate with `python -m scatterx.verify --examples docs/verify`. Each folder holds "
        "`report.md`, `report.html` and `results.json`.",
        "",
        "Networks: two layers of (frame, modulus, sub-sampling by 2), made admissible; `demo` is "
        "`scatterx.demo`'s (Morlet J=2, L=8, frequency-decreasing paths). C: the empirical constant of "
        "Theorem 2 (R = 1/8 cycles/sample); the signal-class constant ‖Ff − f‖/((R‖τ‖∞ + ‖ω‖∞)‖f‖) is the "
        "same for every network (same signals and deformations). ρ: fitted per-layer decay factor of "
        "W_n/‖f‖² on the network deepened by repeating its last module (depth D), and on its Parseval "
        "twin (tight frames, modulus, no pooling; depth D').",
        "",
        "| network | frame (layer 0) | all statements hold | C (Thm 2) | C signal class | cartoon exponent "
        "| ρ smooth | ρ rough | D | ρ smooth, Parseval twin | ρ rough, Parseval twin | D' | time (s) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for w in rows:
        lines.append(
            f"| [{w['name']}]({w['name']}/report.md) | `{w['frame']}` | {'yes' if w['verdicts_hold'] else 'NO'} "
            f"| {w['C']:.3f} | {w['C_signal']:.3f} | {w['cartoon_exponent']:.3f} | {w['rate_smooth']:.3g} "
            f"| {w['rate_rough']:.3g} | {w['decay_depth']} | {_fmt(w['parseval_rate_smooth'])} "
            f"| {_fmt(w['parseval_rate_rough'])} | {_fmt(w['parseval_depth'], 'd')} | {w['seconds']:.1f} |"
        )
    (root / "README.md").write_text("\n".join(lines) + "\n")
    return rows


def _twin_rates(tw):
    if not tw.get("applies"):
        return {"parseval_rate_smooth": None, "parseval_rate_rough": None, "parseval_depth": None}
    return {
        "parseval_rate_smooth": tw["rate"]["smooth"],
        "parseval_rate_rough": tw["rate"]["rough"],
        "parseval_depth": tw["depth"],
    }


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m scatterx.verify", description=__doc__.split("\n\n")[0])
    p.add_argument("--examples", metavar="DIR", required=True, help="write the worked examples into DIR")
    p.add_argument("--figures", metavar="DIR", help="also copy the demo's figures there as verify_*.png")
    p.add_argument("--shape", type=int, nargs="+", default=[64, 64])
    p.add_argument("--quiet", action="store_true")
    args = p.parse_args(argv)
    rows = write_examples(args.examples, tuple(args.shape), progress=not args.quiet, figures_dir=args.figures)
    if not args.quiet:
        print((Path(args.examples) / "README.md").read_text())
    return 0 if all(r["verdicts_hold"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
