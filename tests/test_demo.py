"""``make demo``: the ``demo`` preset run through ``scatterx.compare``, its report and its figures."""

import json
import subprocess
import sys

import numpy as np
import pytest

import frames
import scatterx as sx
from scatterx.compare import CompareOptions, Pixels, preset
from scatterx.demo import DEMO_C, demo_options, main

pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")

PNG = b"\x89PNG\r\n\x1a\n"


def test_demo_preset_is_pixels_three_networks_and_the_kymatio_layout():
    configs = preset("demo", (16, 16))
    assert [c.name for c in configs] == [
        "pixels",
        "modulus + sub-sampling 2",
        "ReLU + sub-sampling 2",
        "modulus + max pooling 2",
        "Kymatio layout: Scattering2D(J=2, L=8)",
    ]
    assert isinstance(configs[0].extractor, Pixels)
    x = np.arange(2 * 16 * 16, dtype=float).reshape(2, 16, 16)
    assert configs[0].extractor(x) is x  # the pixels themselves
    expected = [(sx.Modulus, sx.Subsample), (sx.ReLU, sx.Subsample), (sx.Modulus, sx.MaxPool)]
    for c, (M, P) in zip(configs[1:4], expected):
        net = c.extractor
        assert net.depth == 2 and net.prune == "frequency-decreasing" and net.feature_grid == (4, 4)
        assert [(type(m.nonlinearity), type(m.pooling), m.pooling.factor) for m in net.modules] == [(M, P, 2)] * 2
        # The Morlet J=2 L=8 bank, rescaled by .admissible(): the same frame up to its scale.
        assert {k: v for k, v in net.modules[0].frame.to_dict().items() if k != "scale"} == {
            k: v for k, v in frames.morlet(J=2, L=8).to_dict().items() if k != "scale"
        }
        assert max(b.value for b in net.bounds()) == pytest.approx(1.0, rel=1e-12)
    kymatio = configs[4].extractor
    assert (type(kymatio).__name__, kymatio.J, kymatio.L, kymatio.shape) == ("Scattering2D", 2, 8, (16, 16))
    with pytest.raises(ValueError, match="2-D"):
        preset("demo", (40,))


def test_demo_options_fix_the_classifier_and_skip_the_curve():
    options = demo_options()
    assert isinstance(options, CompareOptions)
    assert (options.classifier, options.search_values, options.curve, options.n_theory) == ("logreg", (DEMO_C,), (), 0)
    assert demo_options(seed=3).seed == 3


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    assert main(["--out", str(out), "--quiet"]) == 0
    return out


def test_demo_writes_the_table_and_the_figures(demo_run, capsys):
    out = demo_run
    saved = json.loads((out / "results.json").read_text())
    rows = {r["name"]: r for r in saved["rows"]}
    assert list(rows) == [c.name for c in preset("demo", (16, 16))]
    assert saved["setup"]["command"] == f"python -m scatterx.demo --out {out} --quiet"
    assert saved["setup"]["n_train"] + saved["setup"]["n_test"] == 1797
    for r in rows.values():
        assert r["accuracy"] > 0.9 and r["C"] == DEMO_C and r["validation"] == {}  # chance is 0.1
        assert r["extract_s"] >= 0 and r["curve"] == [[saved["setup"]["n_train"], r["accuracy"]]]
    assert rows["pixels"]["n_features"] == 256 and "admissibility" not in rows["pixels"]
    assert rows["modulus + sub-sampling 2"]["admissibility"] == pytest.approx(1.0, rel=1e-9)
    assert rows["Kymatio layout: Scattering2D(J=2, L=8)"]["n_features"] == 81 * 4 * 4
    text = (out / "results.md").read_text()
    header = next(line for line in text.splitlines() if line.startswith("| configuration"))
    assert header == (
        "| configuration | test accuracy | features | extraction (s) | images/s | classifier C | max(B, BL²R²) |"
    )
    for name in ("accuracy_vs_cost", "morlet_filters", "morlet_littlewood_paley", "morlet_J3_64_littlewood_paley"):
        assert (out / f"{name}.png").read_bytes()[:8] == PNG and f"]({name}.png)" in text


def test_demo_report_says_which_frame_bound_is_before_rescaling(demo_run):
    text = (demo_run / "results.md").read_text()
    _, B = frames.morlet(J=2, L=8).render((16, 16)).bounds(symmetric=True)
    _, B3 = frames.morlet(J=3, L=8).render((64, 64)).bounds(symmetric=True)
    assert f"before any rescaling: B = {B:.6g} for J=2 on the 16×16 grid" in text
    assert f"B = {B3:.4g} for J=3 on 64×64" in text and "after `.admissible()`" in text


def test_figures_only_writes_the_four_filter_figures(tmp_path, capsys):
    assert main(["--figures-only", "--out", str(tmp_path)]) == 0
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == [
        "morlet_J3_64_filters.png",
        "morlet_J3_64_littlewood_paley.png",
        "morlet_filters.png",
        "morlet_littlewood_paley.png",
    ]


def test_without_scikit_learn_the_demo_names_the_extra_in_one_line(tmp_path):
    # A fresh interpreter where `import sklearn` fails, as in an environment without the extra.
    code = (
        f"import sys; sys.modules['sklearn'] = None\nfrom scatterx.demo import main; main(['--out', {str(tmp_path)!r}])"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode != 0
    assert r.stderr.strip().splitlines() == [
        "python -m scatterx.demo: the demo (its classifier) needs scikit-learn, which is not installed: "
        "pip install 'scatterx[sklearn]' (or 'scatterx[all]')"
    ]
