"""The band-limited directional families (shearlet, curvelet, ridgelet) and their shared windows."""

import collections
import json
import math

import numpy as np
import pytest
from conftest import DTYPES, assert_nonexpansive_and_shift_covariant

import frames
import scatterx as sx
from frames import _windows as win
from frames.curvelet import Curvelet, curvelet
from frames.ridgelet import Ridgelet, ridgelet
from frames.shearlet import Shearlet, shearlet

FACTORIES = {"shearlet": shearlet, "curvelet": curvelet, "ridgelet": ridgelet}
GRIDS = [(16, 16), (15, 15), (16, 22), (17, 24), (33, 20)]


def families():
    return pytest.mark.parametrize("make", list(FACTORIES.values()), ids=list(FACTORIES))


def spatial(bank):
    return [np.fft.ifft2(h) for h in [bank.lowpass, *bank.filters]]


def circular_convolutions(f, kernels):
    """f * g on the torus for every kernel g, by explicit shifts (no FFT): (len(kernels), *f.shape)."""
    shifts = np.stack([np.roll(f, m, axis=(0, 1)).ravel() for m in np.ndindex(*f.shape)])
    return (np.stack([g.ravel() for g in kernels]) @ shifts).reshape((len(kernels),) + f.shape)


def per_scale(bank):
    counts = collections.Counter(m["j"] for m in bank.meta)
    return [counts[j] for j in sorted(counts, reverse=True)]  # coarsest first


# -- the shared windows -------------------------------------------------------------------
@pytest.mark.parametrize("order", [0, 1, 3, 5])
def test_meyer_nu_is_a_symmetric_step(order):
    x = np.linspace(-0.5, 1.5, 2001)
    nu = win.meyer_nu(x, order)
    assert np.all(nu[x <= 0] == 0) and np.all(nu[x >= 1] == 1)
    assert np.max(np.abs(nu + win.meyer_nu(1 - x, order) - 1)) < 1e-15
    assert np.all(np.diff(nu) >= 0)


def test_meyer_nu_of_order_3_is_the_classical_polynomial():
    x = np.linspace(0, 1, 101)
    np.testing.assert_allclose(win.meyer_nu(x), x**4 * (35 - 84 * x + 70 * x**2 - 20 * x**3), atol=1e-14)


def test_radial_partition_squares_sum_to_one():
    r = np.linspace(0, 1, 5001)
    low, bands = win.radial_partition(r, 4)
    assert np.max(np.abs(low**2 + np.sum(bands**2, axis=0) - 1)) < 1e-15
    assert np.all(bands[:, 0] == 0) and low[0] == 1
    c = win.RADIAL_EDGE
    for j in range(1, 4):  # W_j lives on [c 2^-j-1, 2c 2^-j] and peaks at c 2^-j
        assert np.all(bands[j][(r <= c / 2 ** (j + 1)) | (r >= 2 * c / 2**j)] == 0)
        assert bands[j][np.argmin(np.abs(r - c / 2**j))] == pytest.approx(1, abs=1e-6)
    assert np.all(low[r >= 2 * c / 2**4] == 0)


@pytest.mark.parametrize("periodic", [True, False])
@pytest.mark.parametrize("m", [2, 3, 8])
def test_angular_partition_squares_sum_to_one(m, periodic):
    t = np.linspace(0, m if periodic else m - 1, 3001)
    windows = win.partition(t, m, periodic)
    assert windows.shape == (m, t.size)
    assert np.max(np.abs(np.sum(windows**2, axis=0) - 1)) < 1e-15
    np.testing.assert_allclose(windows[1], win.bump(t - 1), atol=1e-15)


def test_fold_nyquist_makes_responses_hermitian_and_keeps_squares():
    rng = np.random.default_rng(0)
    a = rng.random((3, 8, 6))
    folded = win.fold_nyquist(a.copy())
    np.testing.assert_allclose(
        np.sum(folded**2, axis=0)[4],
        0.5 * (np.sum(a**2, axis=0)[4] + np.roll(np.sum(a**2, axis=0)[4][::-1], 1)),
        rtol=1e-14,
    )
    for f in folded:
        np.testing.assert_allclose(f[4], np.roll(f[4][::-1], 1), rtol=1e-15)
        np.testing.assert_allclose(f[:, 3], np.roll(f[:, 3][::-1], 1), rtol=1e-15)


# -- Littlewood–Paley sums, as the docstrings state --------------------------------------
@families()
@pytest.mark.parametrize("shape", GRIDS)
def test_lp_sum_is_one_without_tight(make, shape):
    bank = make(J=2).render(shape)
    assert np.max(np.abs(bank.littlewood_paley() - 1)) < 1e-14
    A, B = bank.bounds()
    assert 1 - 1e-14 < A <= B < 1 + 1e-14


@families()
@pytest.mark.parametrize("shape", [(128, 128), (64, 40), (63, 65)])
def test_tight_is_parseval_and_changes_only_rounding(make, shape):
    tight = make(tight=True).render(shape)
    assert np.max(np.abs(tight.littlewood_paley() - 1)) < 1e-10
    np.testing.assert_allclose(tight.filters, make().render(shape).filters, rtol=0, atol=1e-14)


@families()
@pytest.mark.parametrize("dtype", DTYPES)
def test_renders_in_both_precisions(make, dtype):
    bank = make().render((33, 48), dtype)
    assert bank.filters.dtype == dtype and bank.lowpass.dtype == dtype
    tol = 1e-6 if dtype == np.float32 else 1e-14
    assert np.max(np.abs(bank.littlewood_paley() - 1)) < tol


# -- bounds against an independent computation in space ---------------------------------
@families()
@pytest.mark.parametrize("shape", [(16, 16), (12, 15)])
def test_energy_by_explicit_circular_convolution_is_parseval(make, shape, rng):
    bank = make(J=2).render(shape)
    A, B = bank.bounds()
    kernels = spatial(bank)
    signals = [rng.standard_normal(shape), rng.standard_normal(shape) + 1j * rng.standard_normal(shape)]
    n = np.indices(shape)
    for k in [(0, 0), (1, 3), (shape[0] // 2, 2), (3, shape[1] // 2), (shape[0] // 2, shape[1] // 2), (5, -4)]:
        signals.append(np.exp(2j * np.pi * (k[0] * n[0] / shape[0] + k[1] * n[1] / shape[1])))
    for f in signals:
        ratio = np.sum(np.abs(circular_convolutions(f, kernels)) ** 2) / np.sum(np.abs(f) ** 2)
        assert A - 1e-12 <= ratio <= B + 1e-12
        assert ratio == pytest.approx(1, abs=1e-12)


# -- filters: zero mean, real and even in space -------------------------------------------
@families()
@pytest.mark.parametrize("shape", GRIDS)
def test_band_pass_filters_have_zero_mean(make, shape):
    bank = make(J=2).render(shape)
    assert np.all(bank.filters[:, 0, 0] == 0)
    assert bank.lowpass[0, 0] == 1
    assert np.max(np.abs([g.sum() for g in spatial(bank)[1:]])) < 1e-15


@families()
@pytest.mark.parametrize("shape", GRIDS)
def test_filters_are_real_and_even_in_space(make, shape):
    bank = make(J=2).render(shape)
    assert bank.is_real and np.isrealobj(bank.filters)
    for g in spatial(bank):
        assert np.max(np.abs(g.imag)) < 1e-15
        np.testing.assert_allclose(g.real, np.roll(g.real[::-1, ::-1], (1, 1), axis=(0, 1)), atol=1e-15)
    assert np.all(bank.filters >= 0)


def test_real_input_stays_real_through_every_family(rng):
    f = rng.standard_normal((16, 22))
    for make in FACTORIES.values():
        bank = make(J=2).render(f.shape)
        out = np.fft.ifft2(np.fft.fft2(f) * bank.filters)
        assert np.max(np.abs(out.imag)) < 1e-14 * np.max(np.abs(out))


# -- directions ------------------------------------------------------------------------------
def _tolerance(m):
    """Half the angular reach of a window: shearlets 1/(2n) in slope (≥ in angle), wedges π/a_j."""
    return 1 / (2 * 2 ** m["shear_level"]) if "shear_level" in m else math.pi / m["angles"]


@families()
@pytest.mark.parametrize("radius", [5, 11, 21])
def test_the_most_responsive_filter_points_along_a_plane_wave(make, radius):
    N = 64
    bank = make().render((N, N))
    n = np.indices((N, N))
    for theta in np.linspace(-np.pi / 2, np.pi / 2, 23, endpoint=False):
        k = np.round(radius * np.array([np.cos(theta), np.sin(theta)])).astype(int)
        wave = np.cos(2 * np.pi * (k[0] * n[0] + k[1] * n[1]) / N)
        energy = np.sum(np.abs(np.fft.ifft2(np.fft.fft2(wave) * bank.filters)) ** 2, axis=(1, 2))
        best = bank.meta[int(np.argmax(energy))]
        miss = (math.atan2(k[1], k[0]) - best["angle"] + np.pi / 2) % np.pi - np.pi / 2
        assert abs(miss) <= _tolerance(best) + 1e-12, (k, best)


# -- counts, meta, parameters --------------------------------------------------------------
@pytest.mark.parametrize("J", [1, 2, 3, 5])
def test_shearlet_scales_have_4_times_2_to_ceil_half_s_filters(J):
    bank = shearlet(J).render((128, 128))
    assert per_scale(bank) == [4 * 2 ** math.ceil(s / 2) for s in range(J)]
    assert per_scale(shearlet(J=4, shear_levels=(1, 1, 2, 2)).render((64, 64))) == [8, 8, 16, 16]


@pytest.mark.parametrize("angles", [4, 8, 12])
@pytest.mark.parametrize("J", [1, 2, 4])
def test_curvelet_angles_double_every_other_scale(J, angles):
    bank = curvelet(J, angles=angles).render((64, 64))
    assert per_scale(bank) == [angles // 2 * 2 ** math.ceil(s / 2) for s in range(J)]


@pytest.mark.parametrize("alpha", [0.0, 1 / 3, 0.5, 1.0])
def test_ridgelet_directions_grow_like_2_to_s_times_1_minus_alpha(alpha):
    bank = ridgelet(J=4, angles=4, alpha=alpha).render((64, 64))
    assert per_scale(bank) == [2 * 2 ** math.ceil(s * (1 - alpha) - 1e-9) for s in range(4)]
    assert per_scale(ridgelet().render((32, 32))) == [4, 8, 16]


def test_ridgelet_with_alpha_one_half_is_the_curvelet():
    a, b = ridgelet(J=3, angles=12, alpha=0.5).render((40, 48)), curvelet(J=3, angles=12).render((40, 48))
    np.testing.assert_array_equal(a.filters, b.filters)
    assert a.meta == b.meta


@families()
def test_meta_gives_scale_j_and_angle(make):
    bank = make().render((64, 64))
    for m in bank.meta:
        assert m["scale"] == float(m["j"]) and -np.pi / 2 <= m["angle"] < np.pi / 2
    assert sorted({m["j"] for m in bank.meta}) == [0, 1, 2]
    peaks = [np.max(f) for f in bank.filters]
    assert min(peaks) > 0.9  # every window reaches (nearly) its peak 1 on a 64 × 64 grid


def test_shearlet_seams_hold_the_diagonals_alone():
    # On ξ_0 = ±ξ_1 every other shearlet of the scale vanishes and the seam k = ±n carries W_j(|ξ|).
    N = 64
    bank = shearlet().render((N, N))
    _, bands = win.radial_partition(np.hypot(*np.meshgrid(np.fft.fftfreq(N), np.fft.fftfreq(N))), 3)
    d = np.arange(1, N // 2)
    for i, m in enumerate(bank.meta):
        if m["seam"]:
            assert abs(m["shear"]) == 2 ** m["shear_level"]
            rows, cols = d, (np.sign(m["shear"]) * d) % N
            np.testing.assert_allclose(bank.filters[i][rows, cols], bands[m["j"]][rows, cols], atol=1e-15)
            others = [g for g, o in zip(bank.filters, bank.meta) if o["j"] == m["j"] and o is not m]
            assert np.all(np.stack(others)[:, rows, cols] == 0)
    assert sum(m["seam"] for m in bank.meta) == 6


@families()
def test_json_round_trip(make):
    frame = make(J=2, scale=0.5, tight=True)
    again = frames.from_dict(json.loads(json.dumps(frame.to_dict())))
    assert again == frame and type(again) is type(frame)
    np.testing.assert_array_equal(again.render((16, 20)).filters, frame.render((16, 20)).filters)


def test_defaults_are_stored_explicitly():
    assert shearlet().to_dict() == {
        "family": "shearlet",
        "J": 3,
        "shear_levels": [0, 1, 1],
        "scale": 1.0,
        "tight": False,
    }
    assert curvelet().to_dict()["angles"] == 8
    assert ridgelet().to_dict()["alpha"] == 0.0
    assert isinstance(shearlet(), Shearlet) and isinstance(curvelet(), Curvelet) and isinstance(ridgelet(), Ridgelet)


@families()
@pytest.mark.parametrize("J", [0, -1, 2.0, True, "3"])
def test_bad_J_is_refused(make, J):
    with pytest.raises(ValueError, match=r"J must be a positive int .*got"):
        make(J=J)


@pytest.mark.parametrize("make", [curvelet, ridgelet])
@pytest.mark.parametrize("angles", [0, 2, 6, 10, -4, 8.0, True])
def test_angles_must_be_a_multiple_of_4(make, angles):
    with pytest.raises(ValueError, match=r"angles must be a positive multiple of 4.*got"):
        make(angles=angles)


@pytest.mark.parametrize("levels", [(0, 1), (0, 1, -1), (0, 1, 1.5), 3, (0, True, 1)])
def test_bad_shear_levels_are_refused(levels):
    with pytest.raises(ValueError, match=r"shear_levels must be a sequence of J=3 non-negative ints"):
        shearlet(J=3, shear_levels=levels)


@pytest.mark.parametrize("alpha", [-0.1, 1.5, "0", None, True])
def test_bad_alpha_is_refused(alpha):
    with pytest.raises(ValueError, match=r"alpha must be a number in \[0, 1\]"):
        ridgelet(alpha=alpha)


@families()
def test_grid_must_hold_the_coarsest_scale(make):
    make(J=3).check_shape((16, 40))
    with pytest.raises(
        ValueError,
        match=r"J=4 needs 2\*\*\(J\+1\) <= min\(shape\), got shape \(31, 40\); "
        r"the largest allowed J is 3",
    ):
        make(J=4).render((31, 40))
    with pytest.raises(ValueError, match=r"no J fits"):
        make(J=1).render((3, 8))


# -- in a network ------------------------------------------------------------------------------
@families()
def test_two_layer_network_is_nonexpansive_and_shift_covariant(make, rng):
    shape = (64, 80)
    net = sx.Network([sx.Module(make(), sx.Modulus(), sx.Subsample(2))] * 2, shape=shape).admissible()
    net.check()
    f = rng.standard_normal((4,) + shape)
    h = f + rng.standard_normal((4,) + shape) * np.array([1e-3, 0.1, 1, 10])[:, None, None]
    assert_nonexpansive_and_shift_covariant(net, f, h, [(4, -8)])
