"""Figures are real PNG files for 1-D and 2-D banks."""

import pytest

import frames

plots = pytest.importorskip("scatterx.plots")
pytest.importorskip("matplotlib")

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("frame, shape", [(frames.morlet(J=3, Q=2), (256,)), (frames.morlet(J=2, L=4), (32, 24))])
def test_figures_are_png(frame, shape, tmp_path):
    bank = frame.render(shape)
    for fn in (plots.plot_filters, plots.plot_littlewood_paley):
        path = fn(bank, tmp_path / f"{fn.__name__}.png")
        assert path.read_bytes()[:8] == PNG and path.stat().st_size > 2000
