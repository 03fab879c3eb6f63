"""scatterx.theory: the statements of docs/theory.md hold on every family, non-linearity, pooling and depth."""

import functools
import json
import math

import numpy as np
import pytest
from conftest import requires_torch, torch

import frames
import scatterx as sx
from scatterx import theory as th
from scatterx.verify import family_frame

MODULUS, SUBSAMPLE_2 = sx.Modulus(), sx.Subsample(2)

NONLINEARITIES = [sx.Modulus(), sx.ReLU(), sx.Tanh(), sx.Sigmoid()]
POOLINGS = [sx.Subsample(2), sx.Average(2), sx.MaxPool(2)]
GRIDS = {1: [(64,), (128,)], 2: [(16, 16), (32, 32), (64, 64)]}  # small first; deep networks need more
BUDGET = 1 << 19  # complex elements of the largest (paths × filters × grid) product: keeps the grid fast


def candidate_frames(family, ndim):
    """The family's default frame, then J = 2 and J = 1 (small grids)."""
    yield family_frame(family, ndim)
    for J in (2, 1):
        yield family_frame(family, ndim, J=J)


def small_network(family, ndim, M, P, depth, **kw):
    """The first candidate frame that fits the smallest grid within BUDGET; None when none does."""
    for shape in GRIDS[ndim]:
        for frame in candidate_frames(family, ndim):
            if frame is None:
                continue
            try:
                net = sx.Network([sx.Module(frame, M, P)] * depth, shape=shape, **kw)
            except ValueError:
                continue
            if th.largest_intermediate(net) <= BUDGET:
                return net.admissible()
    return None


def network_or_skip(family, ndim, M, P, depth):
    net = small_network(family, ndim, M, P, depth)
    if net is None:
        pytest.skip(
            f"family {family!r} has no {ndim}-D frame for a depth-{depth} network on {GRIDS[ndim]} "
            f"within {BUDGET} elements"
        )
    return net


def morlet_net(M=MODULUS, P=SUBSAMPLE_2, depth=2, shape=(16, 16), J=2, L=4):
    frame = frames.morlet(J=J, L=L) if len(shape) == 2 else frames.morlet(J=J, Q=1)
    return sx.Network([sx.Module(frame, M, P)] * depth, shape=shape).admissible()


@functools.cache
def inputs_for(shape):
    x = th.default_inputs(shape)[0]
    x.setflags(write=False)
    return x


def lattice_shifts(net):
    P = math.prod(m.pooling.factor for m in net.modules)
    return [(P,) + (0,) * (net.ndim - 1), (-2 * P,) * net.ndim, (0.5,) + (0,) * (net.ndim - 1)]


# Every family meets every non-linearity, every pooling and every depth (the full product), and
# on a covering of that grid — each (family, d) pair with a d-D frame runs 4 of the 36 (M, P, depth)
# combinations and every combination runs at least once — the Lipschitz-class bound too.
COMBINATIONS = [(M, P, depth) for M in NONLINEARITIES for P in POOLINGS for depth in (1, 2, 3)]
PAIRS = [(f, d) for d in (1, 2) for f in sorted(frames.FAMILIES) if family_frame(f, d) is not None]
COVERING = [
    (f, d, *COMBINATIONS[(7 * (4 * i + k)) % len(COMBINATIONS)]) for i, (f, d) in enumerate(PAIRS) for k in range(4)
]


def case_id(v):
    return v.name if hasattr(v, "name") else str(v)


@pytest.mark.parametrize("depth", [1, 2, 3])
@pytest.mark.parametrize("P", POOLINGS, ids=case_id)
@pytest.mark.parametrize("M", NONLINEARITIES, ids=case_id)
@pytest.mark.parametrize("ndim", [1, 2])
@pytest.mark.parametrize("family", sorted(frames.FAMILIES))
def test_statements_hold_for_every_family_nonlinearity_pooling_and_depth(family, ndim, M, P, depth):
    net = network_or_skip(family, ndim, M, P, depth)
    x = inputs_for(net.shape)[2:]  # the natural image (the synthetic signals come from the functions)
    assert th.admissibility(net).admissible
    ne = th.nonexpansiveness(net, x, n_random=1, adversarial_steps=0)
    assert ne.holds, ne.ratios
    tr = th.translation_invariance(net, x, lattice_shifts(net))
    assert tr.covariance_holds, tr.covariance_error
    assert tr.holds and tr.energy_holds, (tr.measured, tr.bound, tr.energy_ratio)
    assert tr.aliasing_holds in (True, None), tr.aliasing_ratio
    en = th.energy_propagation(net, x)
    assert en.inequality_holds and en.monotone, (en.balance, en.propagated)
    assert en.lower_holds in (True, None), (en.lower, en.balance)
    de = th.deformation_sensitivity(net, None, n_signals=1, tau_fractions=(1.0,), omega_sups=(0.0, 0.05))
    assert de.holds and de.decoupling_holds, (de.ratio, de.decoupling_margin)


@pytest.mark.parametrize("family, ndim, M, P, depth", COVERING, ids=case_id)
def test_lipschitz_bound_holds_on_a_covering_of_families_nonlinearities_poolings_and_depths(family, ndim, M, P, depth):
    net = network_or_skip(family, ndim, M, P, depth)
    assert th.lipschitz_sensitivity(net, n_signals=1, tau_fractions=(1.0,)).holds


def test_the_covering_meets_every_combination_and_family():
    assert {(M.name, P.name, d) for _, _, M, P, d in COVERING} == {(M.name, P.name, d) for M, P, d in COMBINATIONS}
    assert {family for family, *_ in COVERING} == set(frames.FAMILIES) and len(PAIRS) * 4 >= len(COMBINATIONS)


@pytest.mark.parametrize("ndim", [1, 2])
@pytest.mark.parametrize("family", sorted(frames.FAMILIES))
def test_parseval_energy_identity_to_1e_10(family, ndim, rng):
    shape = GRIDS[ndim][0]
    twin = None
    for frame in filter(None, candidate_frames(family, ndim)):
        try:
            twin = th.parseval_twin(sx.Network([sx.Module(frame)] * 2, shape=shape))
            break
        except ValueError:
            continue
    if twin is None:
        pytest.skip(f"{family} has no {ndim}-D frame that fits {shape} and can be made Parseval")
    x = rng.standard_normal((2,) + shape)
    en = th.energy_propagation(twin, x)
    assert en.identity_applies and en.reason == ""
    assert en.residual.max() <= 1e-10
    assert en.identity_holds and en.identity_margin >= 0


def test_analytic_filters_get_a_parseval_twin_for_real_inputs(rng):
    # 1-D Morlet wavelets are analytic: their plain LP sum vanishes for ν < 0, so tight=True fails, but real
    # inputs see only the symmetrised sum, which the twin normalises to 1 (the crash case).
    net = sx.Network([sx.Module(frames.morlet(J=4, Q=2), sx.Modulus(), sx.Subsample(2))] * 2, shape=(256,))
    with pytest.raises(ValueError, match="needs a frame"):
        net.modules[0].frame.render((256,)).tight()
    twin = th.parseval_twin(net)
    en = th.energy_propagation(twin, rng.standard_normal((2, 256)))
    assert en.identity_holds and en.residual.max() <= 1e-12
    with pytest.raises(ValueError, match="no Parseval version"):
        th.parseval_twin(net.replace(real_input=False))  # complex inputs see the plain sum, which vanishes


def test_identity_is_not_claimed_outside_its_assumptions():
    net = morlet_net()
    en = th.energy_propagation(net)
    assert not en.identity_applies and en.identity_holds is None
    assert "not Parseval" in en.reason
    relu = th.parseval_twin(net)
    relu = sx.Network([sx.Module(m.frame, sx.ReLU()) for m in relu.modules], shape=relu.shape)
    assert "relu" in th.energy_propagation(relu).reason


def test_shift_by_pooling_product_is_exact(rng):
    net = morlet_net(sx.ReLU(), sx.MaxPool(2))
    x = rng.standard_normal((2, 16, 16))
    tr = th.translation_invariance(net, x, [(4, 0), (8, -4), (1, 0)])
    lattice = np.isfinite(tr.covariance_error)
    assert lattice[:, :2].all() and not lattice[1:, 2].any()  # (1, 0) is on layer 0's lattice only
    assert np.nanmax(tr.covariance_error) <= 1e-13
    assert tr.applies[0].all()


def test_invariance_bound_units_are_attained_by_the_extremal_frequency():
    # Layer 0, f = cos 2π⟨ν*, x⟩ with ν* the argmax of |χ̂(ν)||ν|: the ratio measured/bound → 1 as t → 0,
    # which pins the 2π and the units (ν in cycles per sample, t in samples).
    net = morlet_net()
    K, K_input, P = th.lowpass_K(net)
    np.testing.assert_allclose(K_input, 2 * np.pi * K / P)
    nu = th.frequencies(net.shape)
    weight = np.abs(net.bank(0).lowpass) * np.sqrt(np.sum(nu**2, axis=0))
    star = nu[(slice(None),) + np.unravel_index(weight.argmax(), weight.shape)]
    x = np.cos(2 * np.pi * np.tensordot(star, np.indices(net.shape), axes=1))[None]
    t = 0.01 * star / np.linalg.norm(star)
    tr = th.translation_invariance(net, x, [t])
    assert tr.bound[0, 0] == pytest.approx(np.linalg.norm(t) * K_input[0])
    assert tr.measured[0, 0] / tr.bound[0, 0] == pytest.approx(1, abs=1e-4)


def test_non_admissible_network_is_reported_as_such_and_its_ratio_exceeds_one():
    net = morlet_net()
    loud = th.scaled(net, 3.0)
    table = th.admissibility(loud)
    assert not table.admissible and table.worst == pytest.approx(9) and table.margin < 0
    assert [r.admissible for r in table.rows] == [False] * 3
    ne = th.nonexpansiveness(loud, n_random=2, adversarial_steps=0)
    assert not ne.admissible and not ne.holds and ne.worst > 1 and ne.margin < 0


@requires_torch
def test_adversarial_pairs_push_the_ratio_towards_but_not_past_one():
    net = morlet_net()
    ne = th.nonexpansiveness(net, n_random=2, adversarial_steps=8)
    start = max(max(v) for k, v in ne.ratios.items() if k != "adversarial")
    assert start <= max(ne.ratios["adversarial"]) <= 1 + 1e-9
    assert list(ne.adversarial_history) == sorted(ne.adversarial_history) and len(ne.adversarial_history) == 9


@requires_torch
def test_numpy_and_torch_inputs_give_the_same_numbers():
    net = morlet_net()
    x = th.default_inputs(net.shape)[0]
    xt = torch.tensor(x)
    pairs = [
        (th.translation_invariance(net, x).measured, th.translation_invariance(net, xt).measured),
        (th.energy_propagation(net, x).feature, th.energy_propagation(net, xt).feature),
        (
            th.deformation_sensitivity(net, x, n_signals=0, tau_fractions=(1.0,)).feature_change,
            th.deformation_sensitivity(net, xt, n_signals=0, tau_fractions=(1.0,)).feature_change,
        ),
    ]
    for a, b in pairs:
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-14)
    ne = th.nonexpansiveness(net, xt.float(), n_random=1, adversarial_steps=0)
    assert ne.tolerance == 1e-4 and ne.holds


def test_band_limited_interpolation_of_a_constant_displacement_is_the_fourier_shift():
    x = th.bandlimited((32, 24), 0.2, 2, seed=3)
    t = np.array([0.3, -1.7])
    D = th.Deformation(
        np.broadcast_to(t[:, None, None], (2, 32, 24)).copy(), np.zeros((32, 24)), float(np.linalg.norm(t)), 0.0, 0.0
    )
    np.testing.assert_allclose(th.deform(x, D), th.shift(x, t), atol=1e-12)
    np.testing.assert_allclose(th.shift(x, (2, -3)), np.roll(x, (2, -3), axis=(1, 2)))


def test_deformations_respect_the_jacobian_condition_of_theorem_2():
    shape = (32, 32)
    tmax = th.max_tau_sup(shape)
    D = th.smooth_deformation(shape, tmax, 0.05)
    assert D.jacobian_sup == pytest.approx(1 / 4)
    assert D.tau_sup == pytest.approx(np.sqrt(np.sum(D.tau**2, axis=0)).max())
    assert np.abs(D.omega).max() == pytest.approx(0.05)
    # the grid sup of ‖Dτ‖₂ (finite differences of the band-limited field) is below the rigorous bound
    grads = np.stack([np.stack(np.gradient(D.tau[i], axis=(0, 1))) for i in range(2)])
    assert np.linalg.norm(grads.reshape(4, -1), axis=0).max() <= D.jacobian_sup
    with pytest.raises(ValueError, match=r"1/\(2d\)"):
        th.smooth_deformation(shape, 1.5 * tmax)


def test_deformation_is_judged_against_the_explicit_bound_of_theorem_2():
    net = morlet_net()
    x = th.default_inputs(net.shape)[0]
    de = th.deformation_sensitivity(net, x, n_signals=2, tau_fractions=(0.5, 1.0), omega_sups=(0.0, 0.05))
    assert de.feature_change.shape == (len(de.deformations), 5) and de.signal_names[-1] == "input 2 (projected)"
    assert de.holds and de.decoupling_holds and 0 <= de.decoupling_margin <= 1
    assert 0 < de.C <= de.C_signal <= de.C_bound <= 2 * np.pi * (np.e - 1)
    np.testing.assert_allclose(de.C, np.max(de.feature_change / de.scale))
    # the bound is (e^{2πR‖τ‖∞} − 1 + 2π‖ω‖∞)‖f‖; the signal change stays below it (the class's own bound)
    taus = np.array([D.tau_sup for D in de.deformations])
    omegas = np.array([D.omega_sup for D in de.deformations])
    np.testing.assert_allclose(de.bound, (np.expm1(2 * np.pi * de.R * taus) + 2 * np.pi * omegas)[:, None] * de.norms)
    assert np.all(de.signal_change <= de.bound) and de.ratio <= de.signal_ratio <= 1
    assert de.modulation == "cos" and 2 * np.pi * de.R * taus.max() <= 1 + 1e-12


def test_the_bandlimited_bound_is_attained_by_a_translation_as_tau_vanishes():
    # A constant τ = t is a translation; for f = cos 2πRx, ‖T_t f − f‖/‖f‖ → 2πR|t|, the bound's first order:
    # the constant 2π of the derivation (docs/theory.md) cannot be improved.
    R, t = 4 / 64, 1e-3
    f = np.cos(2 * np.pi * R * np.arange(64))[None]
    D = th.Deformation(np.full((1, 64), t), np.zeros(64), t, 0.0, 0.0)
    change = np.linalg.norm(th.deform(f, D) - f) / np.linalg.norm(f)
    bound = th.bandlimited_bound(R, t, 0.0)
    assert change <= bound and change / bound == pytest.approx(1, rel=1e-2)


def test_cartoons_are_area_sampled_and_judged_against_their_bound():
    net = morlet_net(shape=(32, 32))
    ca = th.cartoon_sensitivity(net, n_signals=1, points=3, refine=4)
    assert ca.refine == 4 and ca.tau_sups.min() >= 1 / 4 - 1e-12  # the sweep starts at the resolution 1/r
    assert ca.holds and ca.decoupling_holds and ca.signal_ratio <= 1
    # the jump is the fraction of each cell inside D: values strictly between 0 and 1 along the boundary
    c = th.Cartoon((32, 32), seed=101)
    samples, _ = c.area_sample(4)
    points = np.stack(np.meshgrid(np.arange(32.0), np.arange(32.0), indexing="ij"), -1).reshape(-1, 2)
    jump = samples - c.smooth(points).reshape(32, 32)
    assert np.all((jump >= -1e-12) & (jump <= 1 + 1e-12)) and np.any((jump > 0.1) & (jump < 0.9))
    # 2-D: the measure of the ρ-neighbourhood of the boundary is bounded by 2ρL + πρ², L its length;
    # L of r₀(1 + 0.15 cos 3θ) lies between 2π r₀ (the circle) and 2π r₀ (1 + 0.15·3)
    L = (c.boundary_tube(1.0) - np.pi) / 2
    assert 2 * np.pi * c.r0 < L < 2 * np.pi * c.r0 * 1.45


def test_lipschitz_functions_are_judged_against_their_linear_bound():
    net = morlet_net(shape=(64,))
    li = th.lipschitz_sensitivity(net, n_signals=2, tau_fractions=(0.25, 0.5, 1.0))
    assert li.holds and li.decoupling_holds and li.signal_ratio <= 1
    np.testing.assert_allclose(li.bound, np.sqrt(64) * li.tau_sups[:, None] * li.K[None, :])
    g = th.LipschitzFunction((64,), seed=3)
    x = np.linspace(0, 64, 4001)[:, None]
    slopes = np.abs(np.diff(g(x))) / np.diff(x[:, 0])
    assert slopes.max() <= g.K * (1 + 1e-9) and slopes.max() == pytest.approx(g.K, rel=1e-6)


def test_energy_decay_repeats_the_last_module_and_decays():
    net = morlet_net(depth=1, J=1)
    deep = th.deepen(net, 2)
    assert deep.depth == 2 and deep.modules[1] == net.modules[0] and deep.modules[0] == net.modules[0]
    x = th.default_inputs(net.shape)[0]
    for a, b in zip(net.layers(x), deep.layers(x)):  # Φ^0 … Φ^N unchanged
        np.testing.assert_allclose(a, b, atol=1e-14)
    ed = th.energy_decay(net, x, eps=0.05)
    assert ed.depth == 3 and set(ed.kinds) == {"smooth", "rough", "inputs"}  # 16 → 8 → 4 → 2: J=1 fits 2×2
    for k in ed.kinds:
        W = np.asarray(ed.propagated[k])
        assert W[0] == pytest.approx(1) and np.all(np.diff(W) < 0) and 0 < ed.rate[k] < 1
    with pytest.raises(ValueError):
        th.deepen(net, 6)


def test_energy_decay_stays_within_the_path_budget():
    net = morlet_net(depth=1, J=1)
    ed = th.energy_decay(net, depth=3, budget=1000, n_signals=1)
    assert ed.depth == 1


def test_results_are_json_safe():
    net = morlet_net(sx.Tanh(), sx.Average(2), shape=(64,))
    for r in (
        th.admissibility(net),
        th.translation_invariance(net),
        th.energy_propagation(net),
        th.deformation_sensitivity(net, n_signals=1, tau_fractions=(1.0,)),
        th.cartoon_sensitivity(net, points=3),
        th.lipschitz_sensitivity(net, n_signals=1, tau_fractions=(1.0,)),
        th.energy_decay_bound(th.companion_twin(net), n_signals=1),
        th.energy_decay(net, n_signals=1),
        th.nonexpansiveness(net, n_random=1, adversarial_steps=1),
    ):
        d = r.to_dict()
        assert json.loads(json.dumps(d, allow_nan=False)) == d


def test_default_inputs_are_deterministic_unit_rms_signals():
    for shape in [(64,), (32, 48)]:
        x, names = th.default_inputs(shape)
        assert x.shape == (3,) + shape and names[:2] == ["smooth", "cartoon"]
        np.testing.assert_allclose(np.mean(x**2, axis=tuple(range(1, x.ndim))), 1)
        np.testing.assert_array_equal(x, th.default_inputs(shape)[0])
    spectrum = np.abs(np.fft.fft2(th.bandlimited((32, 32), 0.1, 1)[0]))
    nu = np.sqrt(np.sum(th.frequencies((32, 32)) ** 2, axis=0))
    assert spectrum[nu > 0.1].max() < 1e-12 * spectrum.max()
