"""Every check can fail: a network or an input built to violate each statement gets the verdict "violated";
a statement whose conditions fail is n/a, never violated (docs/verify.md, verdicts)."""

import numpy as np
import pytest

import frames
import scatterx as sx
from scatterx import theory as th
from scatterx.verify import VerifyOptions
from scatterx.verify.sections import Sections, run_sections
from scatterx.verify.verdicts import IDS, verdicts


def verdicts_of(net, x=None, **options):
    """{id: Verdict} of every statement on ``net`` (the checks of ``scatterx verify --quick``)."""
    x = th.default_inputs(net.shape)[0] if x is None else x
    opt = VerifyOptions.quick(**options)
    found = verdicts(Sections(**{name: run() for name, run in run_sections(net, x, opt)}))
    assert [v.id for v in found] == list(IDS)
    return {v.id: v for v in found}


def morlet_net(shape=(16, 16), **kw):
    frame = frames.morlet(J=2, L=4) if len(shape) == 2 else frames.morlet(J=3, Q=1)
    return sx.Network([sx.Module(frame, sx.Modulus(), sx.Subsample(2))] * 2, shape=shape, **kw).admissible()


class HalfLineModulus(sx.Modulus):
    """|z| on the first half of the last axis, 0 on the second: Lipschitz 1, admissible, not translation covariant."""

    def __call__(self, z):
        a = abs(z)
        keep = np.arange(a.shape[-1]) < a.shape[-1] // 2
        return a * (a.new_tensor(keep) if hasattr(a, "new_tensor") else keep)  # NumPy or torch (the ascent)


class HalfModulus(sx.Modulus):
    """|z|/2: non-expansive, but it does not keep norms as the energy identity's modulus must."""

    def __call__(self, z):
        return 0.5 * abs(z)


class DoubleModulus(sx.Modulus):
    """2|z| declared as the modulus (Lipschitz constant 1): energy grows at every layer."""

    def __call__(self, z):
        return 2 * abs(z)


def analytic_bank(N=63, dc=False):
    """A 1-D frame of analytic filters (ν > 0 only) on N points, Parseval for real inputs, high-pass radius 1/32.

    Hat functions of |ν| on the nodes 1/32, 1/16, 1/8, 1/4, 1/2 sum to 1 with the low-pass; each band-pass
    response is √(2 hat) on ν > 0, so the symmetrised Littlewood–Paley sum is 1.  ``dc``: one more filter,
    √(2 χ̂²) on ν ≥ 0, which passes frequency 0 (it fails the high-pass condition).
    """
    nu = np.fft.fftfreq(N)
    a = np.abs(nu)
    nodes = [1 / 32, 1 / 16, 1 / 8, 1 / 4, 1 / 2]
    chi2 = np.clip((nodes[1] - a) / (nodes[1] - nodes[0]), 0, 1)
    hats = []
    for k in range(1, len(nodes)):
        up = np.clip((a - nodes[k - 1]) / (nodes[k] - nodes[k - 1]), 0, 1)
        down = np.clip((nodes[k + 1] - a) / (nodes[k + 1] - nodes[k]), 0, 1) if k + 1 < len(nodes) else 1.0
        hats.append(np.minimum(up, down))
    filters = [np.sqrt(2 * h) * (nu > 0) for h in hats]
    if dc:
        filters.append(np.sqrt(2 * chi2) * (nu >= 0))
    return frames.from_filters(np.sqrt(chi2), np.stack(filters), domain="frequency")


@pytest.fixture(scope="module")
def admissible_verdicts():
    return verdicts_of(morlet_net())


@pytest.fixture(scope="module")
def scaled_verdicts():
    return verdicts_of(th.scaled(morlet_net(), 20.0))


def test_on_an_admissible_network_no_statement_is_violated(admissible_verdicts):
    for v in admissible_verdicts.values():
        assert v.holds is not False, v
        assert (v.holds is None) == (v.margin is None) and (v.margin is None or v.margin >= 0), v
    assert admissible_verdicts["energy_decay"].holds is None and "analytic" in admissible_verdicts["energy_decay"].text


@pytest.mark.parametrize(
    "statement",
    [
        "admissibility",
        "nonexpansive",
        "translation_invariance",
        "translation_aliasing",
        "deformation_bandlimited",
        "deformation_cartoon",
        "deformation_lipschitz",
        "energy_bounds",
    ],
)
def test_frames_scaled_by_20_violate_what_rests_on_admissibility(scaled_verdicts, statement):
    v = scaled_verdicts[statement]
    assert v.holds is False and v.margin < 0, v
    assert statement == "admissibility" or "not admissible" in v.text


def test_the_non_expansiveness_check_detects_and_fails_to_detect():
    found = verdicts_of(morlet_net(), loud_scale=1.001)
    assert found["nonexpansive_detects"].holds is False and found["nonexpansive_detects"].margin < 0
    assert verdicts_of(morlet_net(), loud_scale=1.0)["nonexpansive_detects"].holds is None  # cannot expand: n/a


def test_a_position_dependent_nonlinearity_violates_covariance_and_the_energy_form_of_theorem_1():
    net = sx.Network([sx.Module(frames.morlet(J=3, Q=1), HalfLineModulus(), sx.NoPooling())] * 2, shape=(128,))
    net = net.admissible()
    assert th.admissibility(net).admissible
    found = verdicts_of(net, shifts=((1,), (2,), (4,)))
    assert found["translation_covariance"].holds is False
    assert found["translation_invariance_energy"].holds is False and found["translation_invariance_energy"].margin < 0
    assert "not translation covariant" in found["translation_invariance_energy"].text


def test_a_modulus_that_loses_energy_violates_the_identity_and_the_lower_energy_bound():
    net = sx.Network([sx.Module(frames.shearlet(J=2), HalfModulus(), sx.NoPooling())] * 2, shape=(16, 16))
    table = th.admissibility(net)
    assert table.admissible and all(abs(r.A - 1) < 1e-9 and abs(r.B - 1) < 1e-9 for r in table.rows[:-1])
    found = verdicts_of(net)
    assert found["energy_identity"].holds is False and "network itself" in found["energy_identity"].text
    assert found["energy_bounds"].holds is False and found["energy_bounds"].margin < 0


def test_the_decay_guarantee_holds_on_analytic_high_pass_filters_and_fails_without_them():
    net = sx.Network([sx.Module(analytic_bank(), sx.Modulus(), sx.NoPooling())] * 2, shape=(63,)).admissible()
    conditions = th.filter_conditions(net)
    assert conditions.reason == "" and conditions.high_pass_radius == pytest.approx(2 / 63)
    x = th.white_noise((63,), 3, seed=4)
    assert verdicts_of(net, x)["energy_decay"].holds is True
    decay = th.energy_decay_bound(net, x, depth=4)
    assert decay.holds and decay.depth == 4 and 0 < decay.ratio <= 1
    # a filter bank that fails the high-pass condition: n/a when δ is measured, violated at a stated δ
    leaky = sx.Network([sx.Module(analytic_bank(dc=True), sx.Modulus(), sx.NoPooling())] * 2, shape=(63,))
    leaky = leaky.admissible()
    dc = 1 + 0.1 * th.bandlimited((63,), 1 / 16, 1, seed=5)
    measured = th.energy_decay_bound(leaky, dc)
    assert measured.holds is None and "frequency 0" in measured.conditions.reason
    stated = th.energy_decay_bound(leaky, dc, high_pass_radius=1 / 32)
    assert stated.conditions.high_pass_leak > 0.1 and stated.holds is False and stated.margin < 0
    # a "modulus" that doubles (declared Lipschitz 1) on the analytic bank: the verdict is violated
    double = sx.Network([sx.Module(analytic_bank(), DoubleModulus(), sx.NoPooling())] * 2, shape=(63,)).admissible()
    assert verdicts_of(double, x)["energy_decay"].holds is False


def test_statements_whose_conditions_fail_are_not_applicable():
    # no pooling and integer shifts: no shift is off the sub-sampling lattice; ReLU: neither the lower energy
    # bound nor the decay guarantee apply
    net = sx.Network([sx.Module(frames.morlet(J=2, L=4), sx.ReLU(), sx.NoPooling())] * 2, shape=(16, 16))
    found = verdicts_of(net.admissible(), shifts=((1, 0), (2, 0), (3, 3)))
    assert (
        found["translation_aliasing"].holds is None
        and "off the sub-sampling lattice" in found["translation_aliasing"].text
    )
    assert found["energy_decay"].holds is None and found["energy_decay"].margin is None
    assert found["energy_identity"].holds is True and "Parseval twin" in found["energy_identity"].text
    en = th.energy_propagation(net.admissible())
    assert en.lower_holds is None and "relu" in en.lower_reason
    # pooling breaks the lower bound itself, which is why it is a condition: the balance falls below A_Ω
    pooled = th.energy_propagation(
        sx.Network([sx.Module(frames.shearlet(J=2), sx.Modulus(), sx.Subsample(2))] * 2, shape=(32, 32))
    )
    assert pooled.lower_holds is None and pooled.lower > np.min(pooled.balance)


def test_the_issues_3d_haar_network_is_not_reported_violated_for_any_seed():
    # scatterx verify --seed 2 --strict reported the cartoon statement violated on this admissible network
    net = sx.Network(
        [sx.Module(frames.pywavelet(name="haar", J=1, ndim=3), sx.Modulus(), sx.Subsample(2))] * 2, shape=(16, 16, 16)
    ).admissible()
    for seed in (0, 2):
        ca = th.cartoon_sensitivity(net, n_signals=1, points=3, seed=seed)
        assert ca.holds and ca.margin > 0.5, (seed, ca.ratio)
        # the sweep starts at the area sampling's resolution 1/r and spans a factor of about 2 (τ_max ≈ 0.24 here)
        assert ca.tau_sups.min() >= 1 / ca.refine - 1e-12 and ca.tau_sups.max() / ca.tau_sups.min() > 1.9


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_verdict_holds_exactly_when_its_margin_is_not_negative(dtype):
    net = morlet_net()
    x = th.default_inputs(net.shape)[0].astype(dtype)
    results = [
        th.admissibility(net),
        th.nonexpansiveness(net, x, n_random=1, adversarial_steps=0),
        th.deformation_sensitivity(net, x, n_signals=1, tau_fractions=(1.0,)),
        th.lipschitz_sensitivity(net, n_signals=1, tau_fractions=(1.0,), like=x),
    ]
    assert results[1].tolerance == (1e-4 if dtype == np.float32 else 1e-9)
    for r in results:
        holds = r.admissible if isinstance(r, th.Admissibility) else r.holds
        assert holds == (r.margin >= 0)
    tr = th.translation_invariance(net, x)
    assert tr.holds == (tr.margin >= 0) and tr.energy_holds == (tr.energy_margin >= 0)
    assert tr.covariance_holds == (tr.covariance_margin >= 0)
    en = th.energy_propagation(th.parseval_twin(net), x)
    assert en.identity_tolerance == (1e-4 if dtype == np.float32 else 1e-10)
    assert en.identity_holds and en.identity_margin >= 0
