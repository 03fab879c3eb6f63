"""The command line: `scatterx frames` writes figures and the bounds it states."""

import json
from pathlib import Path

import numpy as np
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
def test_frames_command_bad_input(argv, message, tmp_path, capsys):
    assert main(argv + ["--out", str(tmp_path)]) == 1
    assert_one_line(capsys.readouterr().err, "frames", message)


def assert_one_line(err, command, message):
    """stderr holds exactly one line, ``scatterx COMMAND: …message…``, and no traceback."""
    import re

    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"scatterx {command}: ") and re.search(message, lines[0]), lines[0]
    assert "Traceback" not in err


def test_frames_command_takes_user_kernels(tmp_path, capsys):
    import numpy as np

    box, sobel = np.ones((3, 3)) / 9, np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]]) / 8
    np.savez(tmp_path / "k.npz", lowpass=box, filters=sobel[None])
    main(["frames", "from_filters", "--arrays", str(tmp_path / "k.npz"), "--shape", "16", "16", "--out", str(tmp_path)])
    record = json.loads((tmp_path / "from_filters_bounds.json").read_text())
    assert (record["A"], record["B"]) == pytest.approx(frames.from_filters(box, sobel[None]).render((16, 16)).bounds())
    np.savez(tmp_path / "bad.npz", lowpass=box)
    capsys.readouterr()
    assert main(["frames", "from_filters", "--arrays", str(tmp_path / "bad.npz"), "--out", str(tmp_path)]) == 1
    assert_one_line(capsys.readouterr().err, "frames", r"lacks the arrays \['filters'\]")


NET = str(Path(__file__).resolve().parents[1] / "docs" / "configs" / "morlet_J2_L8.json")


def NPY(folder, nan=False):
    """An .npy of 3 items on the grid of NET (one NaN with ``nan``)."""
    x = np.random.default_rng(0).random((3, 28, 28))
    if nan:
        x[1, 2, 2] = np.nan
    np.save(folder / "x.npy", x)
    return str(folder / "x.npy")


def huge_j():
    config = json.loads(Path(NET).read_text())
    config["modules"][0]["frame"]["J"] = 10**9
    return config


def write(path, text):
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    "command, argv, message",
    [
        ("verify", lambda d: [write(d / "n.json", "{not json"), "--out", str(d / "v")], "n.json: .*line 1 column 2"),
        (
            "verify",
            lambda d: (
                [write(d / "n.json", '{"shape": [8], "modules": [{"frame": {"family": "morlet"}}]}')]
                + ["--out", str(d / "v")]
            ),
            "nonlinearity",
        ),
        (
            "compare",
            lambda d: [write(d / "n.json", "[1, 2]"), "--dataset", "digits", "--out", str(d / "c")],
            "n.json",
        ),
        ("extract", lambda d: [str(d / "nope.npy"), str(d / "o.zarr"), "--config", NET], "nope.npy does not exist"),
        ("frames", lambda d: ["morlet", "-p", "J=1000000000000000000", "--out", str(d)], "J must be at most 62"),
        ("frames", lambda d: ["shearlet", "-p", "shear_levels=[1000000000]", "--out", str(d)], "at most 62"),
        (
            "extract",
            lambda d: [NPY(d), str(d / "o.zarr"), "--config", write(d / "n.json", json.dumps(huge_j()))],
            "J must be at most 62",
        ),
        ("extract", lambda d: [NPY(d), NPY(d), "--config", NET, "--overwrite"], "is the input .*refused"),
        (
            "verify",
            lambda d: [NET, "--inputs", NPY(d, nan=True), "--out", str(d / "v"), "--quiet"],
            "NaN or Inf",
        ),
        ("frames", lambda d: ["morlet", "-p", "feature_gird=2", "--out", str(d)], "feature_gird"),
    ],
)
def test_every_command_reports_an_error_as_one_line(command, argv, message, tmp_path, capsys):
    args = argv(tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.glob("*.npy")}
    assert main([command] + args) == 1
    assert_one_line(capsys.readouterr().err, command, message)
    assert all(p.read_bytes() == data for p, data in before.items())  # no input touched


def test_debug_shows_the_traceback(tmp_path):
    with pytest.raises(ValueError, match="unknown family 'nope'"):
        main(["--debug", "frames", "nope", "--out", str(tmp_path)])
    with pytest.raises(ValueError, match="unknown family 'nope'"):
        main(["frames", "nope", "--out", str(tmp_path), "--debug"])
