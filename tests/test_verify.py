"""scatterx verify: the report's files exist, parse, and hold exactly the numbers of scatterx.theory."""

import argparse
import base64
import json
import re

import numpy as np
import pytest

import frames
import scatterx as sx
from scatterx import theory as th
from scatterx.verify import VerifyOptions, register_cli, run_verify
from scatterx.verify.verdicts import IDS

pytest.importorskip("matplotlib")

SECTIONS = [
    "admissibility",
    "nonexpansive",
    "nonexpansive_not_admissible",
    "translation",
    "deformation",
    "cartoon",
    "lipschitz",
    "energy",
    "energy_twin",
    "parseval_identity",
    "energy_decay",
    "energy_decay_bound",
]


def small_net():
    return sx.Network(
        [sx.Module(frames.morlet(J=2, L=4), sx.Modulus(), sx.Subsample(2))] * 2, shape=(16, 16)
    ).admissible()


def json_round(d):
    return json.loads(json.dumps(d))


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    net = small_net()
    opt = VerifyOptions.quick()
    record = run_verify(net.to_dict(), out_dir=out, progress=False, options=opt)
    return out, net, opt, record


def test_report_files_exist_and_parse(report):
    out, net, opt, record = report
    assert json.loads((out / "results.json").read_text()) == record
    assert record["network"] == net.to_dict() and set(SECTIONS) <= set(record)
    md = (out / "report.md").read_text()
    images = re.findall(r"!\[[^]]*\]\(([^)]+\.png)\)", md)
    assert len(images) == 5
    for name in images:
        assert (out / name).read_bytes()[:4] == b"\x89PNG"
    page = (out / "report.html").read_text()
    embedded = re.findall(r"src='data:image/png;base64,([^']+)'", page)
    assert len(embedded) == 5 and all(base64.b64decode(e)[:4] == b"\x89PNG" for e in embedded)
    assert "src='http" not in page and 'src="http' not in page  # self-contained
    for v in record["verdicts"]:
        assert v["statement"].replace("|", "\\|") in md and v["holds"] in (True, False, None)


def test_report_numbers_equal_the_function_results(report):
    _, net, opt, r = report
    x = th.default_inputs(net.shape, seed=opt.seed)[0]
    s, budget = opt.seed, opt.path_budget
    expect = {
        "admissibility": th.admissibility(net),
        "nonexpansive": th.nonexpansiveness(
            net, x, n_random=opt.n_random, adversarial_steps=opt.adversarial_steps, seed=s
        ),
        "translation": th.translation_invariance(net, x, opt.shifts, seed=s),
        "deformation": th.deformation_sensitivity(
            net, x, R=opt.R, n_signals=opt.n_signals, tau_fractions=opt.tau_fractions, omega_sups=opt.omega_sups, seed=s
        ),
        "cartoon": th.cartoon_sensitivity(
            net, n_signals=opt.cartoon_signals, points=opt.cartoon_points, seed=s, like=x
        ),
        "lipschitz": th.lipschitz_sensitivity(
            net, n_signals=opt.lipschitz_signals, tau_fractions=opt.tau_fractions, seed=s, like=x
        ),
        "energy": th.energy_propagation(net, x),
        "energy_decay": th.energy_decay(
            net, x, depth=opt.decay_depth, eps=opt.eps, n_signals=opt.decay_signals, seed=s, budget=budget
        ),
    }
    for name, result in expect.items():
        assert r[name] == json_round(result.to_dict()), name
    loud = th.nonexpansiveness(
        th.scaled(net, opt.loud_scale), x, n_random=opt.n_random, adversarial_steps=opt.loud_adversarial_steps, seed=s
    )
    assert r["nonexpansive_not_admissible"]["ratios"] == json_round(loud.ratios)
    twin = th.energy_propagation(th.parseval_twin(net), x)
    assert r["parseval_identity"]["residual"] == json_round(twin.to_dict())["residual"]
    companion = th.energy_propagation(th.companion_twin(net), x)
    assert r["energy_twin"]["balance"] == json_round(companion.to_dict())["balance"]


def test_verdicts_of_an_admissible_network_hold_with_stable_ids(report):
    _, _, _, r = report
    verdicts = {v["id"]: v for v in r["verdicts"]}
    assert list(verdicts) == list(IDS)
    for v in verdicts.values():
        if v["holds"] is None:  # n/a: no margin, and the reason
            assert v["margin"] is None and v["text"].startswith("n/a: "), v
        else:
            assert v["holds"] is True and v["margin"] >= 0, v
    assert verdicts["nonexpansive_detects"]["holds"] and r["nonexpansive_not_admissible"]["worst"] > 1
    assert max(r["parseval_identity"]["residual"]) <= 1e-10
    assert verdicts["energy_decay"]["holds"] is None and "not analytic" in verdicts["energy_decay"]["text"]


def cli(argv):
    parser = argparse.ArgumentParser(prog="scatterx")
    register_cli(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.run(args)


def test_cli_verify_with_an_inputs_file(tmp_path, capsys):
    net = sx.Network([sx.Module(frames.morlet(J=2, Q=1), sx.ReLU(), sx.MaxPool(2))] * 2, shape=(64,)).admissible()
    config = tmp_path / "net.json"
    config.write_text(json.dumps(net.to_dict()))
    x = np.random.default_rng(0).standard_normal((2, 64))
    np.save(tmp_path / "x.npy", x)
    argv = ["verify", str(config), "--out", str(tmp_path / "out"), "--inputs", str(tmp_path / "x.npy"), "--quick"]
    assert cli(argv) == 0
    printed = capsys.readouterr().out
    assert "[   holds] Non-expansiveness" in printed and "report.md" in printed
    record = json.loads((tmp_path / "out" / "results.json").read_text())
    assert record["inputs"]["count"] == 2 and record["inputs"]["source"] == "given"
    assert record["energy"]["norm2"] == pytest.approx(np.sum(x**2, axis=1).tolist(), rel=1e-12)
    assert cli(["verify", str(config), "--out", str(tmp_path / "q"), "--quiet", "--quick"]) == 0
    assert capsys.readouterr().out == ""


def test_a_non_admissible_network_is_reported_violated_and_strict_exits_1(tmp_path):
    config = tmp_path / "loud.json"
    config.write_text(json.dumps(th.scaled(small_net(), 3.0).to_dict()))
    assert cli(["verify", str(config), "--out", str(tmp_path / "o"), "--quiet", "--strict", "--quick"]) == 1
    r = json.loads((tmp_path / "o" / "results.json").read_text())
    verdicts = {v["id"]: v for v in r["verdicts"]}
    assert verdicts["admissibility"]["holds"] is False and verdicts["admissibility"]["margin"] == pytest.approx(-8)
    assert verdicts["nonexpansive"]["holds"] is False and r["nonexpansive"]["worst"] > 1
    assert "not admissible" in verdicts["nonexpansive"]["text"]
    assert "VIOLATED" in (tmp_path / "o" / "report.md").read_text()
    assert "class='VIOLATED'" in (tmp_path / "o" / "report.html").read_text()


def test_the_issues_crash_cases_are_verified_without_error(tmp_path, capsys):
    # Both crashed with "tight() needs a frame": analytic filters (Morlet 1-D) and a one-sided Gabor frame
    # (real_input=True) have no Parseval twin by tight=True; real inputs need the symmetrised normalisation.
    nets = {
        "mixed": sx.Network(
            [
                sx.Module(frames.shearlet(J=2), sx.Modulus(), sx.Average(2)),
                sx.Module(frames.gabor(n_freqs=(4, 4), real_input=True), sx.Tanh(), sx.MaxPool(2)),
            ],
            shape=(48, 48),
        ).admissible(),
        "morlet_1d": sx.Network(
            [sx.Module(frames.morlet(J=4, Q=2), sx.Modulus(), sx.Subsample(2))] * 2, shape=(256,)
        ).admissible(),
    }
    for name, net in nets.items():
        config = tmp_path / f"{name}.json"
        config.write_text(json.dumps(net.to_dict()))
        argv = ["verify", str(config), "--out", str(tmp_path / name), "--quiet", "--strict", "--quick", "--seed", "2"]
        assert cli(argv) == 0, name
        verdicts = {v["id"]: v for v in json.loads((tmp_path / name / "results.json").read_text())["verdicts"]}
        assert verdicts["energy_identity"]["holds"] is True, verdicts["energy_identity"]


def test_cli_bad_input_is_named(tmp_path):
    config = tmp_path / "net.json"
    config.write_text(json.dumps(small_net().to_dict()))
    np.save(tmp_path / "bad.npy", np.zeros((2, 8, 8)))
    with pytest.raises(SystemExit, match=r"--inputs has shape \(2, 8, 8\)"):
        cli(["verify", str(config), "--out", str(tmp_path / "o"), "--inputs", str(tmp_path / "bad.npy")])
    with pytest.raises(SystemExit, match="cannot read the network"):
        cli(["verify", str(tmp_path / "missing.json"), "--out", str(tmp_path / "o")])
