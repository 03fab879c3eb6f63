"""The report as text: blocks built from the typed results, written as Markdown and as self-contained HTML."""

from __future__ import annotations

import base64
import html
import json

import numpy as np

from .verdicts import fmt, verdict_word

__all__ = ["write", "blocks", "markdown", "page"]


def write(out, report, figures):
    """``results.json``, the figures, ``report.md`` and ``report.html`` into the folder ``out``."""
    (out / "results.json").write_text(json.dumps(report.record, indent=1, ensure_ascii=False))
    for name, (_, png) in figures.items():
        (out / f"{name}.png").write_bytes(png)
    b = blocks(report, figures)
    (out / "report.md").write_text(markdown(b))
    (out / "report.html").write_text(page(b, figures))


def _network_lines(summary):
    s = summary
    lines = [
        f"{s['ndim']}-D grid {tuple(s['shape'])}, depth N = {s['depth']}, paths per layer {s['paths']}"
        + (f", pruning: {s['prune']}" if s["prune"] else "")
    ]
    for n, m in enumerate(s["modules"]):
        lines.append(
            f"layer {n}: {m['frame']} ({m['filters']} filters), {m['nonlinearity']}, {m['pooling']} (S = {m['S']})"
        )
    return lines


def blocks(report, figures):
    """The report as blocks.

    ('h', level, text), ('p', text), ('ul', items), ('table', head, rows), ('fig', name, caption).
    """
    s = report.sections
    B = [("h", 1, "scatterx verify report")]
    B.append(("ul", _network_lines(report.summary)))
    inp = report.inputs
    B.append(
        (
            "p",
            f"Inputs: {inp['count']} signals ({inp['source']}): {', '.join(inp['names'])}. "
            f"Total time {report.timing['seconds']['total']:.1f} s.",
        )
    )
    B.append(("h", 2, "Verdicts"))
    B.append(
        (
            "table",
            ["id", "statement", "verdict", "margin", "detail"],
            [[v.id, v.statement, verdict_word(v.holds), fmt(v.margin), v.text] for v in report.verdicts],
        )
    )
    B.append(
        (
            "p",
            "A margin is the slack of the statement, the rounding tolerance of the precision credited "
            "(≥ 0 exactly when it holds; negative: violated by that much): 1 + tolerance − measured/bound for an "
            "inequality, tolerance − error for an equality. n/a: the statement's conditions do not hold (the "
            "reason is given); it is never a violation. Admissibility and translation covariance are premises of "
            "other statements; where one fails, those are still judged and say so.",
        )
    )
    B += _admissibility_blocks(s, figures)
    B += _nonexpansive_blocks(s, figures)
    B += _translation_blocks(s, figures)
    B += _deformation_blocks(s, figures)
    B += _energy_blocks(s, figures)
    B.append(("h", 2, "Timing"))
    t = report.timing
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


def _admissibility_blocks(s, figures):
    rows = [
        [
            r.layer,
            r.kind,
            f"{r.A:.4g}",
            f"{r.B:.6g}",
            f"{r.L:g}",
            f"{r.R:.4g}",
            r.S,
            f"{r.value:.6g}",
            "yes" if r.admissible else "NO",
            "yes" if r.real_input else "no",
        ]
        for r in s.admissibility.rows
    ]
    return [
        ("h", 2, "1. Admissibility"),
        (
            "p",
            "A_n, B_n: min and max of the Littlewood–Paley sum |χ̂|² + Σ|ĝ_λ|² on layer n's grid "
            "(symmetrised where the layer's input is real); L_n, R_n: Lipschitz constants of the "
            "non-linearity and the pooling; the last row is the output atom of layer N.",
        ),
        ("table", ["n", "kind", "A", "B", "L", "R", "S", "max(B, BL²R²)", "admissible", "real input"], rows),
        ("fig", "admissibility", figures["admissibility"][0]),
    ]


def _nonexpansive_blocks(s, figures):
    ne, loud = s.nonexpansive, s.nonexpansive_not_admissible
    steps = len(ne.adversarial_history) - 1 if ne.adversarial_history else 0
    kinds = list(dict.fromkeys(list(ne.ratios) + list(loud.result.ratios)))
    rows = [
        [
            k,
            fmt(max(ne.ratios[k]) if k in ne.ratios else None, ".6g"),
            fmt(max(loud.result.ratios[k]) if k in loud.result.ratios else None, ".4g"),
        ]
        for k in kinds
    ]
    return [
        ("h", 2, "2. Non-expansiveness"),
        (
            "p",
            "Worst ratio |||Φ(f) − Φ(h)||| / ‖f − h‖ per kind of pair (scatterx.theory.nonexpansiveness); "
            f"the adversarial pairs come from {steps} steps of gradient ascent on the ratio through the torch "
            f"path. The twin with frames × {loud.scale:g} is not admissible and must be able to exceed 1.",
        ),
        ("table", ["pairs", "network: worst ratio", f"frames × {loud.scale:g}: worst ratio"], rows),
        ("fig", "nonexpansive", figures["nonexpansive"][0]),
    ]


def _translation_blocks(s, figures):
    tr = s.translation
    head = ["n"] + ["t = (" + ", ".join(f"{v:g}" for v in t) + ")" for t in tr.shifts]
    rows = []
    for n in range(len(tr.P)):
        cells = [n]
        for j in range(len(tr.shifts)):
            if tr.applies[n, j]:
                cells.append(f"{tr.measured[n, j]:.3g} / {tr.bound[n, j]:.3g}")
            else:
                cells.append(f"{tr.measured[n, j]:.3g} / {tr.aliasing_bound[n, j]:.3g} (alias)")
        rows.append(cells)
    energy_rows = [
        [n] + [fmt(tr.energy_ratio[n, j]) if tr.applies[n, j] else "—" for j in range(len(tr.shifts))]
        for n in range(len(tr.P))
    ]
    return [
        ("h", 2, "3. Translation covariance and invariance (Theorem 1)"),
        (
            "p",
            "K_n = max |χ̂_n(ν)|·|ν| with ν in cycles per sample of layer n's grid, so that the bound "
            "is 2π|t|K_n/P_n with t in input samples (equivalently |t|·K_n^in, K_n^in = 2πK_n/P_n in "
            "radians per input sample). Theorem 1 applies where t ∈ P_n ℤ^d (exact covariance on the "
            "torus) and at layer 0 for every t (sub-pixel shifts by Fourier phase). The proof gives the sharper "
            "2π|t|K_n/P_n √W_n(f), which needs covariance only. Off the lattice the sub-sampling takes other "
            "samples; there the aliasing bound min_p ‖T_t f − T_p f‖ + 2π|p|K_n/P_n √W_n(f), p ∈ P_n ℤ^d, "
            "holds for an admissible network (docs/theory.md).",
        ),
        (
            "table",
            ["n", "P_n", "K_n (cycles/layer-n sample)", "K_n^in (rad/input sample)"],
            [[n, f"{tr.P[n]:g}", f"{tr.K[n]:.4g}", f"{tr.K_input[n]:.4g}"] for n in range(len(tr.P))],
        ),
        (
            "p",
            "Measured / bound, relative to ‖f‖ (worst input): Theorem 1's bound on the lattice, the aliasing "
            "bound off it (alias).",
        ),
        ("table", head, rows),
        ("p", "The √W_n form: worst measured / (2π|t|K_n/P_n √W_n(f)) on the lattice."),
        ("table", head, energy_rows),
        ("fig", "invariance", figures["invariance"][0]),
    ]


def _deformation_blocks(s, figures):
    de, ca, li = s.deformation, s.cartoon, s.lipschitz
    rows = [
        [
            f"{d.tau_sup:.3g}",
            f"{d.jacobian_sup:.3g}",
            f"{d.omega_sup:g}",
            f"{np.max(fc / de.norms):.4g}",
            f"{np.max(sc / de.norms):.4g}",
            f"{np.max(b / de.norms):.4g}",
        ]
        for d, fc, sc, b in zip(de.deformations, de.feature_change, de.signal_change, de.bound)
    ]
    modulation = (
        "the real part cos 2πω of the modulation (the network takes real input; cos is 1 − O(ω²), so the "
        "ω term of the bound, first order, is far from what a real network sees)"
        if de.modulation == "cos"
        else "the modulation e^{2πiω} (complex input)"
    )
    return [
        ("h", 2, "4. Deformation sensitivity: band-limited (Theorem 2), cartoon and Lipschitz functions"),
        (
            "p",
            f"Band-limited signals (|ν| ≤ R = {de.R:.4g} cycles/sample: random ones and the inputs projected), "
            "deformed by smooth τ with ‖Dτ‖∞ ≤ 1/(2d) by band-limited interpolation, with "
            f"{modulation}. The bound (e^{{2πR‖τ‖∞}} − 1 + 2π‖ω‖∞)‖f‖ is derived step by step from the proof in "
            f"docs/theory.md; it is ≤ C(R‖τ‖∞ + ‖ω‖∞)‖f‖ with the explicit C = {de.C_bound:.4g} over this "
            f"sweep. Worst measured/bound {de.ratio:.3g}; the smallest C that fits every pair is {de.C:.4g} "
            f"(signal class {de.C_signal:.4g}); decoupling margin {fmt(de.decoupling_margin)}.",
        ),
        (
            "table",
            ["‖τ‖∞ (samples)", "‖Dτ‖∞ ≤", "‖ω‖∞ (cycles)", "max |||ΔΦ|||/‖f‖", "max ‖Ff − f‖/‖f‖", "max bound/‖f‖"],
            rows,
        ),
        (
            "p",
            f"Cartoon functions (a smooth part plus the indicator of a smooth domain), the jump area-sampled: each "
            f"sample holds the fraction of its cell inside the deformed domain, from {ca.refine}^d points deformed "
            f"exactly (the smooth part is sampled at x − τ(x)), so the boundary's motion counts down to "
            f"1/{ca.refine} sample; ‖τ‖∞ from {ca.tau_sups.min():.3g} to {ca.tau_sups.max():.3g} samples. "
            f"Bound √|G| L₁‖τ‖∞ + (T(‖τ‖∞ + √d/(2r)))^{{1/2}} (T: the measure of the neighbourhood of "
            f"the boundary): worst measured/bound {ca.ratio:.3g}, signal change/bound {ca.signal_ratio:.3g}; "
            f"empirical C·K = {ca.CK:.4g} in C·K‖τ‖∞^{{1/2}}‖f‖. Lipschitz functions (cones, Lipschitz "
            f"constant K exactly), sampled exactly: bound √|G| K‖τ‖∞, worst measured/bound {li.ratio:.3g}, "
            f"signal change/bound {li.signal_ratio:.3g}.",
        ),
        ("fig", "deformation", figures["deformation"][0]),
    ]


def _energy_blocks(s, figures):
    en, twin, pi, ed, dec = s.energy, s.energy_twin, s.parseval_identity, s.energy_decay, s.energy_decay_bound
    rows = [
        [n, f"{np.mean(f / en.norm2):.4g}", f"{np.mean(w / en.norm2):.4g}"]
        for n, (f, w) in enumerate(zip(en.feature, en.propagated))
    ]
    if en.lower_reason:
        lower = (
            f"The lower bound A_Ω‖f‖² does not apply to the network itself ({en.lower_reason}); on its no-pooling "
            f"twin (the same frames, the modulus, depth {twin.twin.depth}) A_Ω = {twin.result.lower:.4g} and the "
            f"smallest balance is {np.min(twin.result.balance):.4g}."
        )
    else:
        lower = f"A_Ω = ∏ min(1, A_n) = {en.lower:.4g}; the smallest balance is {np.min(en.balance):.4g}."
    ident = (
        f"The identity applies to this network: largest residual {np.max(en.residual):.3g}."
        if en.identity_applies
        else f"The exact identity does not apply to this network ({en.reason})."
    )
    if pi.applies:
        ident += (
            f" On its Parseval twin (the same families made Parseval for their inputs, the modulus, no pooling, "
            f"depth {pi.twin.depth}) the largest relative residual of ‖f‖² = Σ_{{n<N}} |||Φⁿ f|||² + W_N f "
            f"is {np.max(pi.result.residual):.3g}."
        )
    else:
        ident += f" Parseval twin: {pi.reason}."
    decay_rows = [
        [
            k,
            fmt(ed.rate[k], ".4g"),
            fmt(ed.intercept[k], ".3g"),
            fmt(ed.depth_propagated[k], "d"),
            fmt(ed.depth_propagated_extrapolated[k], "d"),
            fmt(ed.depth_features[k], "d"),
            f"{ed.kept[k]:.4f}",
        ]
        for k in ed.kinds
    ]
    c = dec.conditions
    if dec.holds is None:
        guaranteed = (
            f"The companion paper's decay bound is not checked: on the no-pooling twin, {c.reason}. Its measured "
            f"W_n (depth {dec.depth}) is drawn dashed."
        )
    else:
        guaranteed = (
            f"The companion paper's conditions hold on the no-pooling twin (analytic filters, high-pass radius "
            f"δ = {c.high_pass_radius:.4g} cycles/sample): the guaranteed W_n (dotted) against the measured one "
            f"(dashed), depth {dec.depth}, worst measured/guaranteed {dec.ratio:.3g}."
        )
    return [
        ("h", 2, "5. Energy"),
        ("table", ["n", "mean |||Φⁿ f|||²/‖f‖²", "mean W_n f/‖f‖²"], rows),
        (
            "p",
            "Balance (Σ_{n<N} |||Φⁿ f|||² + W_N f)/‖f‖²: at most 1 for an admissible network, at least "
            f"A_Ω = ∏ min(1, A_n) with the modulus and no pooling (Wiatowski, Grohs & Bölcskei). {lower} {ident}",
        ),
        (
            "p",
            f"Decay of W_n on a copy of depth {ed.depth} (the last module repeated; scatterx.theory.deepen), "
            f"ε = {ed.eps:g}; with the network's pooling, sub-sampling by S also discards energy (an ℓ² "
            "contraction: no S^{d/2} factor), so W_n decays faster than the frames alone explain:",
        ),
        (
            "table",
            [
                "inputs",
                "rate ρ (W_n ≈ a ρⁿ)",
                "a",
                "N: W_N ≤ ε‖f‖²",
                "extrapolated",
                "N: features keep 1 − ε",
                f"kept by depth {ed.depth}",
            ],
            decay_rows,
        ),
        ("p", guaranteed),
        ("fig", "energy", figures["energy"][0]),
    ]


def markdown(blocks):
    """The blocks as Markdown (figures referenced as ``<name>.png`` beside the file)."""
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


def page(blocks, figures):
    """The blocks as one self-contained HTML page (figures embedded as base64 PNG)."""
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
