"""frames.gabor: a Weyl–Heisenberg frame on a lattice that tiles the frequency torus."""

import json
import math
import time

import numpy as np
import pytest
from conftest import assert_nonexpansive_and_shift_covariant

import frames
import scatterx as sx
from frames.gabor import Gabor, gabor

SHAPES = [(128, 128), (33, 20), (16, 9), (4096,), (17,), (64,), (9, 12, 10)]


def circular_convolution(f, g):
    """(f * g)[x] = Σ_y g[y] f[x − y] on the torus, by explicit shifts (no FFT)."""
    out = np.zeros(f.shape, complex)
    for y in np.ndindex(*g.shape):
        out += g[y] * np.roll(f, y, axis=tuple(range(f.ndim)))
    return out


def plane_wave_energy_ratios(bank):
    """‖f*χ‖² + Σ‖f*g‖² over ‖f‖² for every plane wave f = e^{2πi⟨k,x⟩/N}, computed in space."""
    spatial = [np.fft.ifftn(h) for h in [bank.lowpass, *bank.filters]]
    x = np.indices(bank.shape)
    ratios = np.zeros(bank.shape)
    for k in np.ndindex(*bank.shape):
        f = np.exp(2j * np.pi * sum(ki * xi / n for ki, xi, n in zip(k, x, bank.shape)))
        ratios[k] = sum(np.sum(np.abs(circular_convolution(f, g)) ** 2) for g in spatial) / f.size
    return ratios


def theta(u, sigma):
    """θ(u) = 1 + 2 Σ_k e^{−π²σ²k²} cos(2πku): Σ_m of the squared unit-energy Gaussian, by Poisson."""
    return 1 + 2 * sum(math.exp(-((math.pi * sigma * k) ** 2)) * math.cos(2 * math.pi * k * u) for k in range(1, 30))


def meyer(u, beta):
    """The Meyer bump written out again, from the docstring's formula."""
    out = np.zeros_like(u)
    a = np.abs(u)
    out[a <= (1 - beta) / 2] = 1.0
    mid = (a > (1 - beta) / 2) & (a < (1 + beta) / 2)
    x = (a[mid] - (1 - beta) / 2) / beta
    out[mid] = np.cos(np.pi / 2 * x**4 * (35 - 84 * x + 70 * x**2 - 20 * x**3))
    return out


# -- the Littlewood–Paley statements ---------------------------------------------------------------
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("overlap", [1.0, 0.5, 0.1])
def test_meyer_window_gives_a_parseval_frame_on_every_grid(shape, overlap):
    n = min(5, min(shape)) if len(shape) == 3 else min(8, min(shape))
    bank = gabor(n, overlap=overlap, ndim=len(shape)).render(shape)
    assert np.max(np.abs(1 - bank.littlewood_paley())) < 1e-10
    assert bank.bounds() == pytest.approx((1.0, 1.0), abs=1e-10)


@pytest.mark.parametrize("n_freqs", [(2,), (3,), (7,), (16,), (4, 6), (5, 5), (3, 4, 2)])
def test_parseval_for_every_lattice(n_freqs):
    shape = tuple(max(12, 2 * n + 1) for n in n_freqs)
    lp = gabor(n_freqs).render(shape).littlewood_paley()
    assert np.max(np.abs(1 - lp)) < 1e-10


@pytest.mark.parametrize("shape", [(128, 128), (31, 40), (4096,), (25,)])
def test_real_input_bank_is_parseval_for_real_signals(shape, rng):
    f = gabor(ndim=len(shape), real_input=True)
    bank = f.render(shape)
    full = gabor(ndim=len(shape)).render(shape)
    assert np.max(np.abs(1 - bank.littlewood_paley(symmetric=True))) < 1e-10
    lp = bank.littlewood_paley()
    assert lp.min() >= -1e-15 and lp.max() <= 2 + 1e-10
    # one of each pair ±ν_m, plus the self-conjugate points (all coordinates 0 or ½)
    n = f.params["n_freqs"]
    self_conjugate = math.prod(1 + (k % 2 == 0) for k in n)
    assert len(full) - len(bank) == (math.prod(n) - self_conjugate) // 2
    # the energy of a real signal is kept: Parseval on the real line
    x = rng.standard_normal(shape)
    xh = np.fft.fftn(x)
    energy = sum(np.sum(np.abs(np.fft.ifftn(xh * h)) ** 2) for h in [bank.lowpass, *bank.filters])
    assert energy == pytest.approx(np.sum(x**2), rel=1e-12)


@pytest.mark.parametrize("n_freqs, shape", [(16, (4096,)), (12, (96,)), ((8, 8), (128, 128)), ((8, 12), (32, 48))])
def test_gaussian_without_correction_has_the_theta_function_bounds(n_freqs, shape):
    sigma = 0.6
    bank = gabor(n_freqs, window="gaussian", sigma=sigma, zero_mean=False, ndim=len(shape)).render(shape)
    d = len(shape)
    # LP(ν) = Π_i θ(u_i) (σ b_i ≤ 0.08: the periodic images overlap below 1e−15), extreme at u = 0 (max)
    # and u = ½ (min) on every axis: grid points here, since 2 n_i divides N_i.
    assert bank.bounds() == pytest.approx((theta(0.5, sigma) ** d, theta(0.0, sigma) ** d), rel=1e-12)
    lp = bank.littlewood_paley()
    assert np.mean(lp) == pytest.approx(1.0, rel=1e-12)  # unit-energy window: mean LP = 1


def test_gaussian_bounds_as_documented():
    assert gabor(window="gaussian", zero_mean=False, ndim=1).render((4096,)).bounds() == pytest.approx(
        (0.943, 1.057), abs=1e-3
    )
    assert gabor(window="gaussian", zero_mean=False).render((128, 128)).bounds() == pytest.approx(
        (0.889, 1.118), abs=1e-3
    )
    assert gabor(window="gaussian").render((128, 128)).bounds() == pytest.approx((0.667, 1.118), abs=1e-3)
    assert gabor(window="gaussian", ndim=1).render((4096,)).bounds() == pytest.approx((0.751, 1.057), abs=1e-3)


@pytest.mark.parametrize(
    "kwargs, shape",
    [
        ({"window": "gaussian"}, (8, 6)),
        ({"window": "gaussian", "sigma": 1.1}, (8, 6)),
        ({}, (7, 6)),
        ({"window": "gaussian", "real_input": True}, (12,)),
    ],
)
def test_bounds_are_the_plane_wave_energy_ratios(kwargs, shape):
    n = (4, 3) if len(shape) == 2 else (6,)
    bank = gabor(n, **kwargs).render(shape)
    ratios = plane_wave_energy_ratios(bank)
    np.testing.assert_allclose(ratios, bank.littlewood_paley(), rtol=1e-12)
    assert bank.bounds() == pytest.approx((ratios.min(), ratios.max()), rel=1e-12)


# -- the filters themselves -------------------------------------------------------------------------
@pytest.mark.parametrize("N, n, beta", [(64, 8, 1.0), (37, 5, 0.3), (10, 10, 0.7)])
def test_1d_filters_follow_the_formula(N, n, beta):
    bank = gabor(n, overlap=beta, ndim=1).render((N,))
    nu = np.fft.fftfreq(N)
    for k, meta in enumerate(bank.meta):
        c = meta["centre"]
        dist = np.min(np.abs(nu[:, None] - c - np.array([-1, 0, 1])[None, :]), axis=1)  # on the torus
        np.testing.assert_allclose(bank.filters[k], meyer(dist * n, beta), atol=1e-14)
    np.testing.assert_allclose(bank.lowpass, meyer(np.abs(nu) * n, beta), atol=1e-14)


@pytest.mark.parametrize("window", ["meyer", "gaussian"])
def test_filters_are_modulations_of_one_window(window):
    # When n divides N, ν_m is a grid frequency: ĝ_m is χ̂ shifted by m N/n bins,
    # g_m(x) = e^{2πi⟨ν_m,x⟩} w(x).
    bank = gabor((4, 8), window=window, zero_mean=False if window == "gaussian" else None).render((32, 48))
    assert len(bank) == 31
    for k, meta in enumerate(bank.meta):
        m = np.unravel_index(k + 1, (4, 8))
        assert tuple(s % n for s, n in zip(meta["m"], (4, 8))) == tuple(int(a) for a in m)
        shift = (m[0] * 32 // 4, m[1] * 48 // 8)
        np.testing.assert_array_equal(bank.filters[k], np.roll(bank.lowpass, shift, axis=(0, 1)))
        x = np.indices((32, 48))
        w = np.fft.ifft2(bank.lowpass)
        g = np.exp(2j * np.pi * (meta["centre"][0] * x[0] + meta["centre"][1] * x[1])) * w
        np.testing.assert_allclose(np.fft.ifft2(bank.filters[k]), g, atol=1e-15)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"overlap": 0.2}, {"window": "gaussian"}, {"real_input": True}, {"window": "gaussian", "real_input": True}],
)
@pytest.mark.parametrize("shape", [(64, 64), (33, 50), (100,)])
def test_band_pass_filters_have_zero_mean(kwargs, shape):
    bank = gabor(ndim=len(shape), **kwargs).render(shape)
    dc = np.abs(bank.filters[(slice(None),) + (0,) * len(shape)])
    if kwargs.get("window") == "gaussian":
        assert dc.max() < 1e-15
    else:
        assert np.all(dc == 0)  # the window's support never reaches 0: exactly zero
    assert bank.lowpass[(0,) * len(shape)] > 0.9


def test_gaussian_without_correction_leaks_dc():
    bank = gabor(8, window="gaussian", zero_mean=False, ndim=1).render((64,))
    m = np.array([meta["m"] for meta in bank.meta], float)[:, None]
    expected = np.sum(np.exp(-((m - 8 * np.arange(-3, 4)) ** 2) / (2 * 0.6**2)), axis=1)  # periodised: ν ≡ ν + 1
    np.testing.assert_allclose(bank.filters[:, 0] / bank.lowpass[0], expected, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(32, 32), (31, 18), (20, 33), (255,), (256,)])
def test_render_dtype_and_grids(shape, dtype):
    for kwargs in ({}, {"window": "gaussian"}):
        bank = gabor(ndim=len(shape), **kwargs).render(shape, dtype)
        assert bank.filters.dtype == dtype and bank.lowpass.dtype == dtype  # real responses
        assert bank.filters.shape[1:] == shape and np.all(np.isfinite(bank.filters))
        ref = gabor(ndim=len(shape), **kwargs).render(shape)
        np.testing.assert_allclose(bank.filters, ref.filters, atol=1e-6 if dtype == np.float32 else 0)
    assert not bank.is_real  # complex in space: each filter sits at one frequency ν_m, not ±ν_m


def test_render_is_fast():
    for kwargs in ({}, {"window": "gaussian"}, {"real_input": True}):
        f = gabor(**kwargs)
        t = time.perf_counter()
        f.render((256, 256))
        assert time.perf_counter() - t < 1.0
    t = time.perf_counter()
    gabor(ndim=1).render((4096,))
    assert time.perf_counter() - t < 1.0


# -- meta ---------------------------------------------------------------------------------------------
def test_meta_describes_each_filter():
    bank = gabor().render((64, 64))
    assert len(bank) == 63
    for meta in bank.meta:
        c = np.array(meta["centre"])
        assert np.all(c >= -0.5) and np.all(c < 0.5)
        assert meta["centre"] == [m / 8 for m in meta["m"]]
        assert meta["radius"] == pytest.approx(np.linalg.norm(c))
        assert meta["scale"] == pytest.approx(math.log2(0.375 / meta["radius"]))
        assert meta["angle"] == pytest.approx(math.atan2(c[1], c[0]))
    # the peak of |ĝ| sits at the centre frequency
    k = np.array([np.unravel_index(np.argmax(np.abs(f)), f.shape) for f in bank.filters])
    np.testing.assert_array_equal(k, np.array([m["m"] for m in bank.meta]) % 64 * 8 % 64)


def test_scale_grows_towards_low_frequencies():
    bank = gabor(ndim=1).render((256,))
    radius = np.array([m["radius"] for m in bank.meta])
    scale = np.array([m["scale"] for m in bank.meta])
    order = np.argsort(radius)
    assert np.all(np.diff(scale[order]) <= 0)
    assert scale[radius == 0.375][0] == 0.0  # 3/8 cycles/sample, the finest Morlet's ξ_0, at scale 0
    assert [m["m"] for m in bank.meta] == [1, 2, 3, 4, 5, 6, 7, -8, -7, -6, -5, -4, -3, -2, -1]


# -- identity, defaults, errors -------------------------------------------------------------------
def test_defaults():
    assert gabor().params == {"n_freqs": (8, 8), "window": "meyer", "overlap": 1.0, "real_input": False, "ndim": 2}
    assert gabor(ndim=1).params["n_freqs"] == (16,)
    assert gabor(ndim=3).params["n_freqs"] == (4, 4, 4)
    assert gabor(window="gaussian").params == {
        "n_freqs": (8, 8),
        "window": "gaussian",
        "sigma": 0.6,
        "zero_mean": True,
        "real_input": False,
        "ndim": 2,
    }
    assert gabor((4, 6)).ndim == 2 and gabor(5, ndim=1).params["n_freqs"] == (5,)
    assert isinstance(gabor(), Gabor) and gabor().family == "gabor"


@pytest.mark.parametrize(
    "frame",
    [
        gabor(),
        gabor(ndim=1),
        gabor((4, 6), overlap=0.25, scale=0.5),
        gabor(window="gaussian", sigma=0.8, zero_mean=False, real_input=True),
        gabor(3, ndim=3, tight=True),
    ],
)
def test_round_trips_through_json(frame):
    d = json.loads(json.dumps(frame.to_dict()))
    assert d["family"] == "gabor"
    again = frames.from_dict(d)
    assert again == frame and hash(again) == hash(frame)
    shape = (16,) * frame.ndim
    np.testing.assert_array_equal(again.render(shape).filters, frame.render(shape).filters)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_freqs": 1}, r"n_freqs must be an int >= 2.*got 1"),
        ({"n_freqs": 2.5}, r"n_freqs must be an int >= 2.*got 2.5"),
        ({"n_freqs": (4, True)}, r"n_freqs must be an int >= 2.*got True"),
        ({"n_freqs": (4, 4), "ndim": 1}, r"n_freqs must have 1 entries, got \[4, 4\]"),
        ({"n_freqs": (2, 2, 2, 2)}, r"n_freqs must have 1, 2 or 3 entries"),
        ({"ndim": 4}, r"ndim must be 1, 2 or 3, got 4"),
        ({"window": "hann"}, r"window must be one of \('meyer', 'gaussian'\), got 'hann'"),
        ({"overlap": 0}, r"overlap must be a number in \(0, 1\], got 0"),
        ({"overlap": 1.5}, r"overlap must be a number in \(0, 1\], got 1.5"),
        ({"sigma": 0.5}, r"sigma and zero_mean are 'gaussian' parameters"),
        ({"window": "gaussian", "overlap": 0.5}, r"overlap is a 'meyer' parameter"),
        ({"window": "gaussian", "sigma": -1}, r"sigma must be a positive number.*got -1"),
        ({"window": "gaussian", "sigma": float("nan")}, r"sigma must be a positive number"),
        ({"window": "gaussian", "zero_mean": 1}, r"zero_mean must be True or False, got 1"),
        ({"real_input": "yes"}, r"real_input must be True or False, got 'yes'"),
    ],
)
def test_bad_parameters_raise_naming_the_argument(kwargs, match):
    with pytest.raises(ValueError, match="gabor: " + match):
        gabor(**kwargs)


def test_grid_too_small_for_the_lattice_raises():
    with pytest.raises(ValueError, match=r"n_freqs=\(8, 8\).*got shape \(8, 6\).*largest n_freqs allowed is \(8, 6\)"):
        gabor().render((8, 6))
    with pytest.raises(ValueError, match=r"n_freqs=16 .*got shape \(12,\).*largest n_freqs allowed is 12"):
        gabor(ndim=1).render((12,))


# -- in a network ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "frame, grid",
    [
        (gabor(), (32, 32)),
        (gabor(window="gaussian", real_input=True), (32, 48)),
        (gabor(ndim=1), (64,)),
        (gabor(6, window="gaussian", ndim=1), (48,)),
    ],
    ids=["2d-meyer", "2d-gaussian-real", "1d-meyer", "1d-gaussian"],
)
def test_two_layer_network_is_nonexpansive_and_shift_covariant(frame, grid, rng):
    net = sx.Network([sx.Module(frame, sx.Modulus(), sx.Subsample(2))] * 2, shape=grid).admissible()
    net.check()
    f = rng.standard_normal((4,) + grid)
    h = f + rng.standard_normal((4,) + grid) * np.array([1e-3, 0.1, 1, 10]).reshape((4,) + (1,) * len(grid))
    assert_nonexpansive_and_shift_covariant(net, f, h, [(4, -8)[: len(grid)]])
