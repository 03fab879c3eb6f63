"""frames.morlet(J, ndim=3): Gaussian-envelope Morlet wavelets along L directions of the half-sphere."""

import itertools
import json
import math
import time

import numpy as np
import pytest
from conftest import assert_nonexpansive_and_shift_covariant

import frames
import scatterx as sx
from frames.morlet import directions_3d, morlet, slant_3d


def brute_force(shape, J, L, images=3):
    """The docstring's sums over m ∈ {−3 … 3}³, written out with no image selection (frequency only)."""
    w = np.stack(np.meshgrid(*[2 * np.pi * np.fft.fftfreq(n) for n in shape], indexing="ij"))
    s = slant_3d(L)

    def G(sigma, e, centre, slant):
        total = 0.0
        for m in itertools.product(range(-images, images + 1), repeat=3):
            v = w + 2 * np.pi * np.array(m)[:, None, None, None] - centre[:, None, None, None]
            along = np.tensordot(e, v, axes=1)
            total = total + np.exp(-(sigma**2) / 2 * (along**2 + (np.sum(v * v, axis=0) - along**2) / slant**2))
        return total

    filters = []
    for j in range(J):
        sigma, xi = 0.8 * 2**j, 0.75 * np.pi / 2**j
        for e in directions_3d(L):
            gabor, envelope = G(sigma, e, xi * e, s), G(sigma, e, 0 * e, s)
            filters.append(gabor - gabor[0, 0, 0] / envelope[0, 0, 0] * envelope)
    e0 = np.array([1.0, 0, 0])
    return G(0.8 * 2 ** (J - 1), e0, 0 * e0, 1.0), np.stack(filters)


def circular_convolution(f, g):
    """(f * g)[x] = Σ_y g[y] f[x − y] on the torus, by explicit shifts (no FFT)."""
    out = np.zeros(f.shape, complex)
    for y in np.ndindex(*g.shape):
        out += g[y] * np.roll(f, y, axis=(0, 1, 2))
    return out


# -- the filters -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "shape, J, L", [((10, 12, 9), 2, 6), ((16, 16, 16), 3, 6), ((8, 8, 8), 3, 16), ((12, 7, 11), 1, 3)]
)
def test_filters_are_the_documented_periodised_gaussians(shape, J, L):
    # the bank picks space or frequency sums per filter and drops terms below e^{−40}; both must agree
    lowpass, filters = brute_force(shape, J, L)
    bank = morlet(J, L=L, ndim=3).render(shape)
    assert bank.filters.shape == (J * L, *shape)
    np.testing.assert_allclose(bank.filters, filters, rtol=0, atol=1e-14)
    np.testing.assert_allclose(bank.lowpass, lowpass, rtol=0, atol=1e-14)


def test_axis_aligned_isotropic_filters_are_separable():
    # L = 3: e_l are the coordinate axes and s = 1, so each periodised Gaussian is a product of 1-D sums
    shape, J = (16, 12, 10), 2
    bank = morlet(J, L=3, ndim=3).render(shape)
    w = [2 * np.pi * np.fft.fftfreq(n) for n in shape]

    def per(sigma, wi, c):
        return sum(np.exp(-(sigma**2) / 2 * (wi + 2 * np.pi * m - c) ** 2) for m in range(-6, 7))

    for k, meta in enumerate(bank.meta):
        sigma, xi, axis = 0.8 * 2 ** meta["j"], meta["xi"], int(np.argmax(meta["direction"]))
        factors = [per(sigma, wi, xi if i == axis else 0.0) for i, wi in enumerate(w)]
        envelope = [per(sigma, wi, 0.0) for wi in w]
        gabor = np.einsum("i,j,k->ijk", *factors)
        env = np.einsum("i,j,k->ijk", *envelope)
        np.testing.assert_allclose(bank.filters[k], gabor - gabor[0, 0, 0] / env[0, 0, 0] * env, atol=1e-14)


@pytest.mark.parametrize("shape", [(16, 16, 16), (15, 20, 9), (32, 32, 32)])
def test_band_pass_filters_have_zero_mean(shape):
    bank = morlet(3, ndim=3).render(shape)
    assert np.abs(bank.filters[:, 0, 0, 0]).max() < 1e-15
    assert bank.lowpass[0, 0, 0] == pytest.approx(1.0, abs=1e-12)  # ĝ_cont(0) = 1: no aliasing at this σ


def test_filters_peak_at_their_centre_frequency():
    bank = morlet(3, ndim=3).render((32, 32, 32))
    for f, meta in zip(bank.filters, bank.meta):
        peak = np.array(np.unravel_index(np.argmax(f), f.shape))
        omega = 2 * np.pi * np.fft.fftfreq(32)[peak]
        # the zero-mean correction pulls the peak slightly outwards; within a grid step of ξ_j e_l
        assert np.linalg.norm(omega - meta["xi"] * np.array(meta["direction"])) < 2 * np.pi / 32 * 1.5


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(16, 16, 16), (17, 10, 8), (9, 9, 9)])
def test_render_dtype_and_grids(shape, dtype):
    bank = morlet(2, ndim=3).render(shape, dtype)
    assert bank.filters.dtype == dtype and bank.lowpass.dtype == dtype  # real responses
    ref = morlet(2, ndim=3).render(shape)
    np.testing.assert_allclose(bank.filters, ref.filters, atol=1e-6 if dtype == np.float32 else 0)
    assert bank.lowpass_is_real and not bank.is_real  # analytic-like wavelets: complex in space


def test_render_is_fast():
    t = time.perf_counter()
    morlet(3, ndim=3).render((32, 32, 32))
    morlet(5, L=10, ndim=3).render((32, 32, 32))
    assert time.perf_counter() - t < 1.0


# -- directions ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "L, cosines",
    [
        (3, {0.0}),
        (4, {1 / 3}),
        (6, {1 / math.sqrt(5)}),
        (10, {math.sqrt(5) / 3, 1 / 3, 1 / math.sqrt(5)}),
        (15, {0.0, 0.5, (1 + math.sqrt(5)) / 4, (math.sqrt(5) - 1) / 4}),
    ],
)
def test_polyhedral_direction_sets_are_regular(L, cosines):
    e = directions_3d(L)
    assert e.shape == (L, 3)
    np.testing.assert_allclose(np.linalg.norm(e, axis=1), 1, atol=1e-15)
    c = np.abs(e @ e.T)[np.triu_indices(L, 1)]
    assert all(min(abs(x - y) for y in cosines) < 1e-12 for x in c), sorted(set(np.round(c, 6)))
    assert len({tuple(np.round(v, 9)) for v in np.concatenate([e, -e])}) == 2 * L  # no axis twice


@pytest.mark.parametrize("L", [1, 2, 5, 7, 8, 12, 16, 24, 40])
def test_fibonacci_directions_are_quasi_uniform(L):
    e = directions_3d(L)
    np.testing.assert_allclose(np.linalg.norm(e, axis=1), 1, atol=1e-15)
    assert np.all(e[:, 0] > 0)  # on the half-sphere
    if L > 1:
        c = np.abs(e @ e.T)[np.triu_indices(L, 1)]
        nearest = math.degrees(math.acos(c.max()))
        ideal = math.degrees(math.sqrt(2 * math.pi / L))  # side of a square holding 2π/L steradians
        assert nearest > 0.5 * ideal


def test_every_direction_is_in_the_positive_half_space():
    for L in (3, 4, 6, 10, 15, 7):
        for v in directions_3d(L):
            assert v[np.flatnonzero(np.abs(v) > 1e-12)[0]] > 0


def test_slant_follows_the_2d_rule():
    assert slant_3d(6) == 1.0 and slant_3d(10) == 1.0
    assert slant_3d(16) == pytest.approx(4 / math.pi * math.sqrt(2 * math.pi / 16))
    assert 4 / math.pi * (math.pi / 8) == 0.5  # the 2-D rule s = 4/L at L = 8, for comparison


# -- the Littlewood–Paley statement ----------------------------------------------------------------
@pytest.mark.parametrize("J", [1, 2, 3, 4])
def test_lp_sum_as_documented(J):
    bank = morlet(J, ndim=3).render((32, 32, 32))
    A, B = bank.bounds()
    As, Bs = bank.bounds(symmetric=True)
    assert 9e-4 <= A and B <= 1.51
    assert As == pytest.approx(1.87e-3, rel=0.01) and Bs == pytest.approx(1.0, abs=1e-4)
    lp = bank.littlewood_paley(symmetric=True)
    assert np.unravel_index(np.argmin(lp), lp.shape) == (16, 16, 16)  # the Nyquist corner (π, π, π)
    w = 2 * np.pi * np.fft.fftfreq(32)
    ball = w[:, None, None] ** 2 + w[None, :, None] ** 2 + w[None, None, :] ** 2 <= np.pi**2
    assert lp[ball].min() > 0.16
    wide = morlet(J, L=10, ndim=3).render((32, 32, 32))
    assert wide.bounds(symmetric=True)[0] == pytest.approx(0.0101, rel=0.01)
    assert wide.bounds(symmetric=True)[1] <= 1.17 and wide.littlewood_paley(symmetric=True)[ball].min() > 0.27


@pytest.mark.parametrize("k", [(0, 0, 0), (1, 2, 0), (4, 4, 4), (3, 0, 5), (7, 1, 6)])
def test_lp_sum_is_the_energy_ratio_of_a_plane_wave(k):
    bank = morlet(1, ndim=3).render((8, 8, 8))
    n = np.indices((8, 8, 8))
    f = np.exp(2j * np.pi * (k[0] * n[0] + k[1] * n[1] + k[2] * n[2]) / 8)
    spatial = [np.fft.ifftn(h) for h in [bank.lowpass, *bank.filters]]
    energy = sum(np.sum(np.abs(circular_convolution(f, g)) ** 2) for g in spatial)
    assert energy / f.size == pytest.approx(bank.littlewood_paley()[k], rel=1e-12)


def test_tight_gives_a_parseval_frame():
    bank = morlet(2, ndim=3, tight=True).render((12, 16, 10))
    assert np.max(np.abs(bank.littlewood_paley() - 1)) < 1e-12


# -- meta, identity, errors ---------------------------------------------------------------------------
def test_meta():
    bank = morlet(2, L=4, ndim=3).render((16, 16, 16))
    assert [(m["j"], m["theta"]) for m in bank.meta] == [(j, t) for j in range(2) for t in range(4)]
    for m in bank.meta:
        assert m["scale"] == float(m["j"]) and m["xi"] == pytest.approx(0.75 * math.pi / 2 ** m["j"])
        assert isinstance(m["direction"], list) and len(m["direction"]) == 3
        np.testing.assert_allclose(m["direction"], directions_3d(4)[m["theta"]])


def test_defaults_and_round_trip():
    f = morlet(3, ndim=3)
    assert f.ndim == 3 and f.params == {"J": 3, "L": 6, "ndim": 3}
    assert morlet(3, L=6).ndim == 2  # L alone still means 2-D
    for g in (f, morlet(2, L=15, ndim=3, scale=0.5), morlet(2, L=7, ndim=3, tight=True)):
        again = frames.from_dict(json.loads(json.dumps(g.to_dict())))
        assert again == g and again.ndim == 3


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"J": 2, "ndim": 3, "Q": 1}, "Q and T are 1-D parameters.*ndim=3"),
        ({"J": 2, "ndim": 3, "T": 4}, "Q and T are 1-D parameters.*ndim=3"),
        ({"J": 2, "ndim": 3, "L": 0}, "L must be a positive int \\(number of directions\\), got 0"),
        ({"J": 0, "ndim": 3}, "J must be a positive int"),
        ({"J": 2, "ndim": 4}, "ndim must be 1, 2 or 3, got 4"),
    ],
)
def test_bad_parameters_raise_naming_the_argument(kwargs, match):
    with pytest.raises(ValueError, match=match):
        morlet(**kwargs)


def test_grid_too_small_for_J_raises():
    with pytest.raises(ValueError, match=r"J=4.*\(16, 12, 32\).*largest allowed J is 3"):
        morlet(4, ndim=3).render((16, 12, 32))
    with pytest.raises(ValueError, match="shape must have 3 entries"):
        morlet(2, ndim=3).render((16, 16))


# -- in a network ---------------------------------------------------------------------------------
def test_two_layer_network_is_nonexpansive_and_shift_covariant(rng):
    grid = (16, 16, 20)
    net = sx.Network([sx.Module(morlet(2, ndim=3), sx.Modulus(), sx.Subsample(2))] * 2, shape=grid).admissible()
    net.check()
    f = rng.standard_normal((3,) + grid)
    h = f + rng.standard_normal((3,) + grid) * np.array([1e-2, 1, 10])[:, None, None, None]
    assert_nonexpansive_and_shift_covariant(net, f, h, [(4, -8, 12)])
