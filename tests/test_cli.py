"""The command line: `scatterx frames` writes figures and the bounds it states."""

import json

import pytest

import frames
from scatterx.cli import main

pytest.importorskip("matplotlib")


def test_frames_command_writes_figures_and_bounds(tmp_path, capsys):
    assert main(["frames", "morlet", "-p", "J=2", "-p", "L=4", "--shape", "32", "24", "--out", str(tmp_path)]) == 0
    record = json.loads((tmp_path / "morlet_bounds.json").read_text())
    bank = frames.morlet(J=2, L=4).render((32, 24))
    assert (record["A"], record["B"]) == pytest.approx(bank.bounds(), rel=1e-12)
    assert (record["A_real_input"], record["B_real_input"]) == pytest.approx(bank.bounds(symmetric=True), rel=1e-12)
    assert record["filters"] == 8 and frames.from_dict(record["frame"]) == frames.morlet(J=2, L=4)
    for kind in ("filters", "lp", "space"):
        assert (tmp_path / f"morlet_{kind}.png").read_bytes()[:4] == b"\x89PNG"
    assert "8 filters" in capsys.readouterr().out


def test_frames_command_tight_and_1d(tmp_path):
    main(["frames", "morlet", "-p", "J=3", "-p", "L=4", "--tight", "--shape", "32", "32", "--out", str(tmp_path)])
    record = json.loads((tmp_path / "morlet_bounds.json").read_text())
    assert record["A"] == pytest.approx(1, abs=1e-12) and record["B"] == pytest.approx(1, abs=1e-12)
    main(["frames", "morlet", "-p", "J=4", "-p", "Q=2", "--shape", "512", "--name", "m1", "--out", str(tmp_path)])
    assert json.loads((tmp_path / "m1_bounds.json").read_text())["shape"] == [512]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["frames", "nope"], "unknown family 'nope'"),
        (["frames", "morlet", "-p", "J=9"], "largest allowed J is 7"),
    ],
)
def test_frames_command_bad_input(argv, message, tmp_path):
    with pytest.raises(SystemExit, match=message):
        main(argv + ["--out", str(tmp_path)])


def test_frames_command_takes_user_kernels(tmp_path):
    import numpy as np

    box, sobel = np.ones((3, 3)) / 9, np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]]) / 8
    np.savez(tmp_path / "k.npz", lowpass=box, filters=sobel[None])
    main(["frames", "from_filters", "--arrays", str(tmp_path / "k.npz"), "--shape", "16", "16", "--out", str(tmp_path)])
    record = json.loads((tmp_path / "from_filters_bounds.json").read_text())
    assert (record["A"], record["B"]) == pytest.approx(frames.from_filters(box, sobel[None]).render((16, 16)).bounds())
    np.savez(tmp_path / "bad.npz", lowpass=box)
    with pytest.raises(SystemExit, match=r"lacks the arrays \['filters'\]"):
        main(["frames", "from_filters", "--arrays", str(tmp_path / "bad.npz"), "--out", str(tmp_path)])
