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


@pytest.mark.parametrize(
    "frame, expected",
    [
        (frames.shearlet(J=2), "j=0, cone 1, k=-1, -63°"),
        (frames.ridgelet(J=2), "j=0, wedge 5, -68°"),
        (frames.curvelet(J=2), "j=0, wedge 5, -68°"),
        (frames.morlet(J=2, L=4), "j=0, θ=1, 0°"),
        (frames.pywavelet("haar", J=2), "j=1, da"),
    ],
)
def test_panel_titles_name_the_scale_and_the_orientation(frame, expected):
    # The second band-pass filter of each bank; its meta['angle'] (radians) in degrees, rounded.
    meta = frame.render((32, 32)).meta[1]
    assert plots.panel_label(meta) == expected


def test_littlewood_paley_note_changes_the_title_only(tmp_path):
    bank = frames.morlet(J=2, L=4).render((32, 32))
    plain = plots.plot_littlewood_paley(bank, tmp_path / "plain.png").read_bytes()
    noted = plots.plot_littlewood_paley(bank, tmp_path / "noted.png", note="before any rescaling").read_bytes()
    titled = plots.plot_littlewood_paley(bank, tmp_path / "titled.png", title="x", note="ignored").read_bytes()
    assert noted[:8] == PNG and noted != plain  # the note is drawn
    assert titled == plots.plot_littlewood_paley(bank, tmp_path / "x.png", title="x").read_bytes()  # title wins
