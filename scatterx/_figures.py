"""The one figure style: every PNG of the library (filters, reports, comparisons) is made here.

Figures are ``matplotlib.figure.Figure`` objects drawn without pyplot, so
the library never selects a matplotlib backend nor touches the user's
pyplot state; they are written as PNG at one resolution with one palette.
"""

from __future__ import annotations

import io
from pathlib import Path

from ._optional import require

__all__ = ["DPI", "COLORS", "color", "figure", "save"]

DPI = 110
# matplotlib's tab10: the colour of the i-th series, the same in every figure of one report.
COLORS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
# Colours of an embedded report figure once quantised (a smaller self-contained HTML).
PALETTE = 64


def color(i):
    """The colour of series ``i`` (cycled)."""
    return COLORS[i % len(COLORS)]


def figure(nrows=1, ncols=1, **subplots):
    """(fig, axes): a new Figure and its ``subplots(nrows, ncols, **subplots)``, no pyplot involved."""
    require("matplotlib", "figures")
    from matplotlib.figure import Figure

    fig = Figure(figsize=subplots.pop("figsize", None), layout=subplots.pop("layout", None))
    return fig, fig.subplots(nrows, ncols, **subplots)


def save(fig, path=None, *, compact=False):
    """Write ``fig`` as PNG to ``path`` (returns the Path), or return the PNG bytes when ``path`` is None.

    ``compact``: quantise to :data:`PALETTE` colours when Pillow is there and
    it makes the file smaller (figures embedded in a report).
    """
    if fig.get_layout_engine() is None:
        fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    data = buf.getvalue()
    if compact:
        try:
            from PIL import Image
        except ImportError:
            pass
        else:
            small = io.BytesIO()
            Image.open(io.BytesIO(data)).convert("RGB").quantize(colors=PALETTE).save(
                small, format="PNG", optimize=True
            )
            data = min(data, small.getvalue(), key=len)
    if path is None:
        return data
    path = Path(path)
    path.write_bytes(data)
    return path
