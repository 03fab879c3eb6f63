"""The report of a comparison: the Markdown table, ``results.md``, ``results.json`` and the figures.

Figures are drawn with ``scatterx._figures`` (one style, no pyplot, no
backend selected).  Each configuration keeps one colour in every figure
(:func:`series_styles`); its ``+ log`` row has the same colour with a
hollow marker.
"""

from __future__ import annotations

import json
import math

from .._figures import COLORS, figure, save

__all__ = ["table", "write_report", "write_figures", "series_styles"]

SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
# Marker of a configuration's colour cycle: the first 10 configurations are circles, the next squares, ...
MARKERS = ("o", "s", "^", "D", "v", "P")


def _fmt(v, spec):
    return "—" if v is None or (isinstance(v, float) and not math.isfinite(v)) else format(v, spec)


def _layers(first, rows, key):
    """'Φ⁰ / Φ¹ / Φ²' for the layers of ``key`` in the first row that has it, from layer ``first`` on."""
    n = next((len(r[key]) for r in rows if r.get(key) is not None), 3)
    return " / ".join(f"Φ{str(k).translate(SUPERSCRIPTS)}" for k in range(first, n))


def _series(r, key, first):
    v = r.get(key)
    return None if v is None else " / ".join(_fmt(x, ".3f" if key == "invariance" else ".3g") for x in v[first:])


def table(rows, param="C"):
    """The Markdown table of ``rows`` (as returned by :func:`~scatterx.compare.compare`).

    Columns that no row fills are left out (the theory columns of a run with
    ``n_theory=0`` or of Kymatio frontends only).  ``param``: the
    classifier's hyper-parameter.
    """
    columns = [
        ("configuration", lambda r: r["name"]),
        ("test accuracy", lambda r: f"{r['accuracy']:.4f}"),
        ("features", lambda r: str(r["n_features"])),
        ("extraction (s)", lambda r: _fmt(r.get("extract_s"), ".2f")),
        ("images/s", lambda r: _fmt(r.get("images_per_s"), ".0f")),
        (f"classifier {param}", lambda r: _fmt(r.get(param), "g")),
        ("max(B, BL²R²)", lambda r: _fmt(r.get("admissibility"), ".3f")),
        (f"invariance {_layers(1, rows, 'invariance')} (shift)", lambda r: _series(r, "invariance", 1)),
        ("deformation ratio", lambda r: _fmt(r.get("deformation_ratio"), ".3f")),
        ("Thm 2 constant", lambda r: _fmt(r.get("deformation_C"), ".3g")),
        (f"energy {_layers(0, rows, 'energy')}", lambda r: _series(r, "energy", 0)),
    ]
    cells = [[cell(r) for _, cell in columns] for r in rows]
    keep = [i for i in range(len(columns)) if i < 3 or any(c[i] not in (None, "—") for c in cells)]
    lines = ["| " + " | ".join(columns[i][0] for i in keep) + " |", "|" + "---|" * len(keep)]
    lines += ["| " + " | ".join(c[i] or "—" for i in keep) + " |" for c in cells]
    return "\n".join(lines)


def _set_up_paragraph(setup, param):
    search = setup["search"][param]
    chosen = (
        f"{param} = {search[0]:g} (fixed)"
        if len(search) == 1
        else f"{param} chosen among {search} on a {setup['val_fraction']:.0%} stratified validation split of the "
        "training set"
        + (
            f" (of a stratified subset of {setup['search_max']} items)"
            if setup["search_max"] and setup["search_max"] < setup["n_train"]
            else ""
        )
        + ", then refitted on all of it"
    )
    return (
        f"{setup['n_train']} training / {setup['n_test']} test items; standardised features"
        + (
            f" (rows '+ log': sign(f) log(1 + |f|/ε), ε = {setup['log_eps']} × mean |training feature|, "
            "before standardisation)"
            if "log" in setup["features"]
            else ""
        )
        + (f", projected on their first {setup['pca']} principal components" if setup["pca"] else "")
        + f"; {setup['classifier']} with {chosen}"
        + (f"; learning curve at fractions {setup['curve']}" if setup["curve"] else "")
        + f"; BLAS threads {setup['fit_threads']}. Backend {setup['backend']} ({setup['device']}), batches of "
        f"{setup['batch']}."
    )


def _columns_paragraph(rows, setup):
    shift = next((r["shift"] for r in rows if "shift" in r), None)
    text = (
        "extraction (s), images/s: feature extraction of the training and test sets together, filters rendered "
        "beforehand. max(B, BL²R²): the worst layer of the admissibility table of the network as compared "
        "(after `.admissible()` rescaled its frames, where a preset did)."
    )
    if shift is not None:
        text += (
            " Invariance: median over test images of |||Φ^n(T_t f) − Φ^n(f)||| / |||Φ^n(f)||| for the shift "
            f"t = {shift} samples. Deformation ratio: median |||Φ(F_τ f) − Φ(f)||| / ‖F_τ f − f‖ (≤ 1, "
            "non-expansiveness); Thm 2 constant: Theorem 2's empirical constant C, images projected to "
            f"|ν| ≤ 1/8 ({setup['n_theory']} test images). Energy: mean |||Φ^n f|||² / ‖f‖²."
        )
    return text + " — : not measured (not a scatterx Network: the pixels or a Kymatio frontend)."


def write_report(out_dir, setup, rows):
    """Write ``results.md`` (set-up, table, notes, figures), ``results.json`` and the figures.

    Returns the figure paths (:func:`write_figures`).
    """
    param = next(iter(setup["search"]))
    figures = write_figures(out_dir, rows)
    # A configuration's note once (its raw and '+ log' rows share it), then the run's paragraphs as given.
    notes = [f"Note: {n}" for n in dict.fromkeys(r["note"] for r in rows if r.get("note"))] + list(setup["notes"])
    status = (
        "." if setup["complete"] else f" (incomplete: {len(rows)} of {setup['configurations']} configurations so far)."
    )
    text = [
        f"# {setup['dataset']}: {len(rows)} configurations, {setup['classifier']}",
        "",
        setup["description"],
        "",
        _set_up_paragraph(setup, param),
        "",
        f"Command: `{setup['command']}`",
        "",
        f"Machine: {setup['machine']}; {setup['date']}; wall time {setup['wall_s']:.0f} s" + status,
        "",
        table(rows, param),
        "",
        _columns_paragraph(rows, setup),
        "",
    ]
    for note in notes:
        text += [note, ""]
    text += [f"![{f.stem}]({f.name})" for f in figures]
    (out_dir / "results.md").write_text("\n".join(text) + "\n")
    (out_dir / "results.json").write_text(json.dumps({"setup": setup, "rows": rows}, indent=1))
    return figures


def series_styles(rows):
    """Row name → matplotlib style: one colour and marker per configuration, hollow for a transformed row."""
    configs = list(dict.fromkeys(r.get("configuration", r["name"]) for r in rows))
    styles = {}
    for r in rows:
        i = configs.index(r.get("configuration", r["name"]))
        colour = COLORS[i % len(COLORS)]
        raw = r.get("features", "raw") == "raw"
        styles[r["name"]] = {
            "color": colour,
            "marker": MARKERS[(i // len(COLORS)) % len(MARKERS)],
            "markerfacecolor": colour if raw else "none",
            "markeredgecolor": colour,
            "linestyle": "-" if raw else "--",
        }
    return styles


def _legend(ax, handles):
    if handles:
        ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)


def _handle(name, style, **changes):
    from matplotlib.lines import Line2D

    return Line2D([], [], label=name, markersize=5, **{**style, **changes})


def _accuracy_vs_cost(rows, styles):
    fig, ax = figure(figsize=(9, 4.8))
    handles = []
    # The pixels need no extraction: their accuracy is a baseline line, not a point at ~0 ms.
    for r in rows:
        style = styles[r["name"]]
        if r.get("family") == "pixels":
            ax.axhline(r["accuracy"], color=style["color"], lw=1, ls=":")
            handles.append(_handle(f"{r['name']} (no extraction)", style, marker=None, linestyle=":"))
            continue
        ax.scatter(
            1e3 / r["images_per_s"],
            r["accuracy"],
            s=15 + r["n_features"] / 40,
            marker=style["marker"],
            facecolors=style["markerfacecolor"],
            edgecolors=style["markeredgecolor"],
            alpha=0.8,
        )
        handles.append(_handle(f"{r['name']} ({r['n_features']} features)", style, linestyle="none"))
    ax.set_xscale("log")
    ax.set_xlabel("extraction time per image (ms, log scale); marker area ∝ feature count")
    ax.set_ylabel("test accuracy")
    ax.set_title("accuracy vs cost")
    _legend(ax, handles)
    return fig


def _learning_curve(rows, styles):
    fig, ax = figure(figsize=(9, 4.8))
    handles = []
    for r in rows:
        n, acc = zip(*r["curve"])
        ax.plot(n, acc, ms=4, **styles[r["name"]])
        handles.append(_handle(r["name"], styles[r["name"]]))
    ax.set_xscale("log")
    ax.set_xlabel("training items (log scale)")
    ax.set_ylabel("test accuracy")
    ax.set_title("accuracy vs training-set size")
    _legend(ax, handles)
    return fig


def _invariance_vs_depth(rows, styles):
    from matplotlib.ticker import MaxNLocator

    fig, ax = figure(figsize=(9, 4.8))
    handles = []
    for r in rows:
        if "invariance" in r:
            ax.plot(range(len(r["invariance"])), r["invariance"], ms=4, alpha=0.85, **styles[r["name"]])
            handles.append(_handle(r["name"], styles[r["name"]]))
    ax.set_xlabel("layer n")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("|||Φⁿ(T_t f) − Φⁿ(f)||| / |||Φⁿ(f)|||")
    shift = next(r["shift"] for r in rows if "shift" in r)
    ax.set_title(
        f"shift by t = {[int(v) if float(v).is_integer() else v for v in shift]} samples: lower = more invariant"
    )
    _legend(ax, handles)
    return fig


def write_figures(out_dir, rows):
    """The figures of ``rows`` in ``out_dir``; returns their paths.

    ``accuracy_vs_cost.png`` always; ``learning_curve.png`` when a row has
    at least two points on its curve; ``invariance_vs_depth.png`` when a row
    has the invariance column (a scatterx Network measured on test images).
    """
    styles = series_styles(rows)
    drawn = [("accuracy_vs_cost.png", _accuracy_vs_cost)]
    if any(len(r["curve"]) > 1 for r in rows):
        drawn.append(("learning_curve.png", _learning_curve))
    if any("invariance" in r for r in rows):
        drawn.append(("invariance_vs_depth.png", _invariance_vs_depth))
    return [save(draw(rows, styles), out_dir / name) for name, draw in drawn]
