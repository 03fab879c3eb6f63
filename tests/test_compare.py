import json

import numpy as np
import pytest
from conftest import requires_torch

import frames
import scatterx as sx
from scatterx.compare import CLASSIFIERS, CompareOptions, compare, configurations, main, preset


def small(frame):
    return sx.Network(
        [sx.Module(frame, sx.Modulus()), sx.Module(frame, sx.Modulus(), sx.Subsample(2))],
        shape=(16, 16),
        prune="frequency-decreasing",
        feature_grid=4,
    ).admissible()


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("compare")
    config = out / "db4.json"
    config.write_text(json.dumps(small(frames.pywavelet("db4", J=2)).to_dict()))
    rows = compare(
        [("haar", small(frames.pywavelet("haar", J=2))), str(config)],
        "digits",
        out,
        CompareOptions(curve=(0.25,), n_theory=2, progress=False, command="pytest"),
    )
    return out, rows


def test_compare_on_digits_writes_table_json_and_figures(digits_run):
    out, rows = digits_run
    for name in ("results.md", "results.json", "accuracy_vs_cost.png", "learning_curve.png", "invariance_vs_depth.png"):
        assert (out / name).stat().st_size > 0
    saved = json.loads((out / "results.json").read_text())
    assert saved["setup"]["complete"] and saved["setup"]["command"] == "pytest"
    assert [r["name"] for r in saved["rows"]] == ["haar", "db4"]
    text = (out / "results.md").read_text()
    assert "| haar |" in text and "| db4 |" in text and "Command: `pytest`" in text


def test_accuracy_is_far_above_chance(digits_run):
    _, rows = digits_run
    for r in rows:
        assert r["accuracy"] > 0.8  # chance is 0.1
        assert r["C"] in CLASSIFIERS["logreg"][1] and set(r["validation"]) == {"0.001", "0.01", "0.1", "1.0"}
        assert tuple(r["curve"][-1]) == (1347, r["accuracy"])  # the full training set closes the curve


def test_rows_carry_cost_bounds_invariance_deformation_and_energy(digits_run):
    _, rows = digits_run
    for r in rows:
        assert r["n_features"] == small(frames.pywavelet("haar", J=2)).n_features
        assert r["images_per_s"] > 0
        assert r["admissibility"] == pytest.approx(1.0)
        assert len(r["invariance"]) == len(r["energy"]) == 3
        assert 0 < r["deformation_ratio"] <= 1 and r["decoupling_holds"]
        assert sum(r["energy"]) <= 1 + 1e-9  # admissible: energy does not grow
        assert sx.Network.from_dict(r["config"]) == small(frames.pywavelet(r["name"], J=2))


def test_families_preset_is_one_architecture_per_family():
    configs = preset("families", (28, 28))
    assert [c.family for c in configs] == [
        "morlet",
        "gabor",
        "pywavelet haar",
        "pywavelet db4",
        "pywavelet bior2.2",
        "shearlet",
        "curvelet",
        "ridgelet",
    ]
    for c in configs:
        net = c.extractor
        assert net.depth == 2 and net.prune == "frequency-decreasing" and net.feature_grid == (7, 7)
        assert [type(m.nonlinearity) for m in net.modules] == [sx.Modulus, sx.Modulus]
        assert [m.pooling.factor for m in net.modules] == [1, 2]
        net.check()
    assert [c.family for c in preset("families", (40,))][:2] == ["morlet", "gabor"]


def test_icml2016_preset_is_the_16_cell_grid_of_the_paper():
    configs = preset("icml2016", (28, 28))
    assert len(configs) == 16
    cells = {
        (
            type(c.extractor.modules[0].nonlinearity).__name__,
            type(c.extractor.modules[0].pooling).__name__,
            c.extractor.modules[0].pooling.factor,
        )
        for c in configs
    }
    assert cells == {
        (M, P, S)
        for M in ("Modulus", "ReLU", "Tanh", "Sigmoid")
        for P, S in (("NoPooling", 1), ("Subsample", 2), ("MaxPool", 2), ("Average", 2))
    }
    for c in configs:
        net = c.extractor
        assert net.depth == 2 and net.prune == "frequency-decreasing"
        for m in net.modules:
            frame = m.frame.to_dict()
            assert (frame["family"], frame["name"], frame["J"]) == ("pywavelet", "haar", 3)
        assert len(net.bank(0)) == 9  # 3 scales × 3 directions
        assert net.modules[1].pooling.factor == 1  # pooling only between layers 1 and 2
        assert type(net.modules[1].nonlinearity) is type(net.modules[0].nonlinearity)
        net.check()


def test_kymatio_preset_is_the_baseline_rows():
    configs = preset("kymatio", (28, 28))
    assert [(type(c.extractor).__name__, c.extractor.J, c.extractor.L) for c in configs] == [
        ("Scattering2D", 2, 8),
        ("Scattering2D", 3, 8),
    ]


def test_unknown_preset_and_wrong_grid_are_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown preset"):
        preset("resnet", (28, 28))
    with pytest.raises(ValueError, match="grid"):
        configurations([small(frames.pywavelet("haar", J=2))], (40,))  # MNIST-1D's grid
    with pytest.raises(ValueError, match="classifier"):
        CompareOptions(classifier="knn")


def test_command_line_runs_a_config_file(tmp_path, capsys):
    config = tmp_path / "haar.json"
    config.write_text(json.dumps(small(frames.pywavelet("haar", J=2)).to_dict()))
    assert (
        main(
            [
                str(config),
                "--dataset",
                "digits",
                "--out",
                str(tmp_path / "out"),
                "--train",
                "400",
                "--test",
                "200",
                "--classifier",
                "linear-svm",
                "--search-max",
                "300",
                "--curve",
                "--quiet",
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "| haar |" in printed
    saved = json.loads((tmp_path / "out" / "results.json").read_text())
    assert saved["setup"]["n_train"] == 400 and saved["setup"]["classifier"] == "linear-svm"
    assert saved["setup"]["search_max"] == 300
    assert "subset of 300 items" in (tmp_path / "out" / "results.md").read_text()
    assert saved["setup"]["command"].startswith("scatterx compare ")
    assert main(["nothing.json", "--dataset", "digits", "--out", str(tmp_path / "x")]) == 1
    assert "neither a preset" in capsys.readouterr().err


@requires_torch
def test_torch_backend_extracts_the_numpy_features(tmp_path):
    from scatterx._batches import in_batches
    from scatterx.datasets import load

    net = small(frames.pywavelet("haar", J=2))
    x = load("digits").x_test[:40]
    # float32 on both: agreement to a few hundred ulps of the largest feature (FFT rounding).
    np.testing.assert_allclose(
        in_batches(net, x, batch=16, backend="torch", progress=False),
        in_batches(net, x, batch=16, backend="numpy", progress=False),
        rtol=1e-4,
        atol=1e-5,
    )
    options = CompareOptions(backend="torch", train=300, test=150, curve=(), n_theory=1, progress=False)
    row = compare([("haar", net)], "digits", tmp_path, options)[0]
    assert row["accuracy"] > 0.8


def test_log_transform_is_log_plus_eps_up_to_a_constant_and_signed():
    from scatterx.compare import LOG_EPS, transform_features

    rng = np.random.default_rng(0)
    f_train, f_test = rng.uniform(0, 2, (50, 7)), rng.uniform(0, 2, (5, 7))
    a, b = transform_features("log", f_train, f_test)
    eps = LOG_EPS * f_train.mean()
    # Hand-checked identity: log(1 + f/ε) = log(f + ε) − log ε.
    np.testing.assert_allclose(a, np.log(f_train + eps) - np.log(eps), rtol=1e-12)
    np.testing.assert_allclose(b, np.log(f_test + eps) - np.log(eps), rtol=1e-12)
    signed, _ = transform_features("log", -f_train, f_test)  # odd: defined for ReLU/tanh features
    np.testing.assert_allclose(signed, -a, rtol=1e-12)
    assert transform_features("raw", f_train, f_test)[0] is f_train
    with pytest.raises(ValueError, match="'raw' or 'log'"):
        transform_features("sqrt", f_train, f_test)
    with pytest.raises(ValueError, match="non-zero"):
        transform_features("log", np.zeros((3, 2)), f_test)


def test_compare_fits_each_feature_transform_on_one_extraction(tmp_path):
    rows = compare(
        [("haar", small(frames.pywavelet("haar", J=2)))],
        "digits",
        tmp_path,
        CompareOptions(curve=(), n_theory=1, features=("raw", "log"), progress=False, command="pytest"),
    )
    assert [r["name"] for r in rows] == ["haar", "haar + log"]
    assert [r["features"] for r in rows] == ["raw", "log"]
    assert rows[0]["extract_s"] == rows[1]["extract_s"] and rows[0]["invariance"] == rows[1]["invariance"]
    assert all(r["accuracy"] > 0.8 for r in rows)
    assert "rows '+ log'" in (tmp_path / "results.md").read_text()
    with pytest.raises(ValueError, match="features must hold"):
        CompareOptions(features=("cube",))


def test_pca_projects_before_the_classifier(tmp_path):
    rows = compare(
        [("haar", small(frames.pywavelet("haar", J=2)))],
        "digits",
        tmp_path,
        CompareOptions(curve=(0.5,), n_theory=1, pca=12, progress=False, command="pytest"),
    )
    assert rows[0]["accuracy"] > 0.8
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["setup"]["pca"] == 12 and "first 12 principal components" in (tmp_path / "results.md").read_text()
    with pytest.raises(ValueError, match=r"pca=100000 components for 'haar': expected at most"):
        compare(
            [("haar", small(frames.pywavelet("haar", J=2)))],
            "digits",
            tmp_path,
            CompareOptions(pca=100000, progress=False),
        )
    with pytest.raises(ValueError, match="pca must be a positive int, got 0"):
        CompareOptions(pca=0)


def test_figures_of_frontend_rows_only_raise_no_warning(tmp_path):
    import warnings

    from scatterx.compare import write_figures

    rows = [
        {
            "name": "Kymatio Scattering2D J=2 L=8",
            "family": "kymatio",
            "curve": [(100, 0.9)],
            "images_per_s": 10.0,
            "n_features": 81,
            "accuracy": 0.9,
        }
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        paths = write_figures(tmp_path, rows)
    assert all(p.stat().st_size > 0 for p in paths)


def test_curvelet_and_ridgelet_rows_agree_because_at_j2_the_banks_are_identical():
    from scatterx.compare import CURVELET_RIDGELET_NOTE

    configs = {c.family: c for c in preset("families", (28, 28))}
    curvelet, ridgelet = configs["curvelet"].extractor, configs["ridgelet"].extractor
    for n in range(curvelet.depth):  # every layer's filters and low-pass, bit for bit
        a, b = curvelet.bank(n), ridgelet.bank(n)
        assert np.array_equal(a.filters, b.filters) and np.array_equal(a.lowpass, b.lowpass)
    assert configs["ridgelet"].note == CURVELET_RIDGELET_NOTE
    # The note's other claim: at J=3 the direction counts differ (4, 8, 8 against 4, 8, 16).
    assert (len(frames.curvelet(J=3).render((32, 32))), len(frames.ridgelet(J=3).render((32, 32)))) == (20, 28)
    with pytest.raises(ValueError):
        frames.ridgelet(J=3).render((14, 14))  # the families' last-layer grid on Fashion-MNIST


def test_report_notes_the_ridgelet_row_and_every_header_is_unambiguous(tmp_path):
    from scatterx.compare import CURVELET_RIDGELET_NOTE, Config

    ridgelet = next(c for c in preset("families", (16, 16)) if c.family == "ridgelet")
    options = CompareOptions(train=200, test=100, curve=(), n_theory=1, progress=False)
    compare([Config("ridgelet J=2", ridgelet.extractor, "ridgelet", ridgelet.note)], "digits", tmp_path, options)
    text = (tmp_path / "results.md").read_text()
    assert f"Note: {CURVELET_RIDGELET_NOTE}" in text
    header = next(line for line in text.splitlines() if line.startswith("| configuration")).strip("| ").split(" | ")
    assert len(set(header)) == len(header) and "C" not in header
    assert "classifier C" in header and "Thm 2 constant" in header


def test_a_configuration_has_one_colour_in_every_figure():
    from scatterx.compare import series_styles

    rows = [
        {"name": n, "configuration": n.split(" + ")[0], "features": "log" if "+" in n else "raw"}
        for n in ["a", "a + log", "b", "b + log"] + [f"c{i}" for i in range(10)]
    ]
    styles = series_styles(rows)
    assert styles["a"]["color"] == styles["a + log"]["color"] != styles["b"]["color"]
    assert styles["a + log"]["markerfacecolor"] == "none"  # the transformed row: hollow marker, dashed line
    # Past the palette's 10 colours, the marker tells the configurations apart.
    assert len({(s["color"], s["marker"]) for n, s in styles.items() if "+" not in n}) == 12


def test_classifier_fits_show_progress_on_stderr(tmp_path, capsys):
    options = CompareOptions(train=200, test=100, curve=(0.5,), n_theory=0)
    compare([("haar", small(frames.pywavelet("haar", J=2)))], "digits", tmp_path, options)
    err = capsys.readouterr().err
    assert "haar (logreg)" in err and "fit" in err  # the bar over the 4 + 1 + 1 fits
    assert "haar: accuracy" in err


def test_without_scikit_learn_compare_names_the_extra_in_one_line(tmp_path):
    import subprocess
    import sys

    # A fresh interpreter where `import sklearn` fails, as in an environment without the extra.
    code = (
        "import sys; sys.modules['sklearn'] = None\n"
        "from scatterx.cli import main\n"
        f"raise SystemExit(main(['compare', 'kymatio', '--dataset', 'digits', '--out', {str(tmp_path)!r}]))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode != 0
    assert r.stderr.strip().splitlines() == [
        "scatterx compare: scatterx.compare (its classifiers) needs scikit-learn, which is not installed: "
        "pip install 'scatterx[sklearn]' (or 'scatterx[all]')"
    ]
