"""frames.from_filters: user or learned filters, spatial kernels or frequency responses, on any grid."""

import json
import math

import numpy as np
import pytest
from conftest import assert_nonexpansive_and_shift_covariant, requires_torch, torch

import frames
import scatterx as sx
from frames.from_filters import FromFilters, from_filters


def padded(kernel, shape):
    """Hand-built zero-padded array: kernel sample i at position (i − n//2) mod N on every axis."""
    out = np.zeros(shape, dtype=kernel.dtype)
    for i in np.ndindex(*kernel.shape):
        out[tuple((a - n // 2) % N for a, n, N in zip(i, kernel.shape, shape))] += kernel[i]
    return out


def circular_convolution(f, g):
    """(f * g)[x] = Σ_y g[y] f[x − y] on the torus, by explicit shifts (no FFT)."""
    out = np.zeros(f.shape, complex)
    for y in np.ndindex(*g.shape):
        out += g[y] * np.roll(f, y, axis=tuple(range(f.ndim)))
    return out


def conv_bank(rng, K=8, size=5, dtype=np.float32):
    """A Conv2d-like bank: weight (K, 1, size, size) and a box low-pass, in single precision."""
    weight = rng.standard_normal((K, 1, size, size)).astype(dtype) / size
    return np.full((3, 3), 1 / 9, dtype), weight


# -- spatial kernels --------------------------------------------------------------------------------
@pytest.mark.parametrize("size", [3, 4, 5])
@pytest.mark.parametrize("shape", [(16, 16), (17, 20), (5, 9)])
def test_spatial_kernels_render_as_the_dft_of_the_zero_padded_kernels(size, shape, rng):
    lowpass, weight = conv_bank(rng, size=size)
    bank = from_filters(lowpass, weight).render(shape)
    expected = np.stack([np.fft.fft2(padded(w[0].astype(np.float64), shape)) for w in weight])
    np.testing.assert_allclose(bank.filters, expected, rtol=0, atol=1e-14)
    np.testing.assert_allclose(bank.lowpass, np.fft.fft2(padded(lowpass.astype(np.float64), shape)), atol=1e-15)
    assert bank.filters.shape == (8, *shape)


@pytest.mark.parametrize("size", [1, 2, 3, 4, 7, 8])
def test_kernel_centre_is_index_size_over_2(size):
    # a delta at index size//2 is the delta at the origin: ĝ ≡ 1; one sample further is a shift by +1.
    delta = np.zeros((size, size))
    delta[size // 2, size // 2] = 1
    bank = from_filters(delta, delta[None]).render((9, 10))
    np.testing.assert_allclose(bank.filters[0], np.ones((9, 10)), atol=1e-15)
    assert bank.is_real
    if size > size // 2 + 1:
        shifted = np.zeros((size, size))
        shifted[size // 2 + 1, size // 2] = 1  # g = δ_{(1, 0)}: ĝ[k] = e^{−2πi k_0 / 9}
        g = from_filters(delta, shifted[None]).render((9, 10)).filters[0]
        np.testing.assert_allclose(g, np.exp(-2j * np.pi * np.arange(9) / 9)[:, None] * np.ones(10), atol=1e-15)


@pytest.mark.parametrize("size", [3, 4])
@requires_torch
def test_flipped_conv2d_weights_reproduce_the_conv2d_layer(size, rng):
    # Conv2d is a correlation: with weight.flip(-1, -2) and circular 'same' padding, the bank filters alike.
    conv = torch.nn.Conv2d(1, 6, size, padding="same", padding_mode="circular", bias=False).double()
    x = rng.standard_normal((2, 1, 12, 14))
    with torch.no_grad():
        expected = conv(torch.from_numpy(x)).numpy()
    bank = from_filters(np.ones((1, 1)), conv.weight.flip(-1, -2)).render((12, 14))
    out = np.fft.ifft2(np.fft.fft2(x) * bank.filters[None])
    np.testing.assert_allclose(out.real, expected, atol=1e-12)
    assert np.abs(out.imag).max() < 1e-12


@requires_torch
def test_torch_tensors_are_accepted(rng):
    lowpass, weight = conv_bank(rng)
    a = from_filters(torch.from_numpy(lowpass), torch.from_numpy(weight).requires_grad_())
    assert a == from_filters(lowpass, weight)
    assert a == from_filters(lowpass, weight[:, 0])  # (K, 1, *kernel) is read as (K, *kernel)


def test_kernel_sizes_of_lowpass_and_filters_may_differ(rng):
    lowpass, filters = rng.standard_normal(7), rng.standard_normal((3, 4))
    bank = from_filters(lowpass, filters).render((32,))
    np.testing.assert_allclose(bank.lowpass, np.fft.fft(padded(lowpass, (32,))), atol=1e-14)
    np.testing.assert_allclose(bank.filters, np.stack([np.fft.fft(padded(f, (32,))) for f in filters]), atol=1e-14)


def test_3d_kernels(rng):
    kernels = rng.standard_normal((4, 3, 2, 3))
    bank = from_filters(rng.standard_normal((3, 3, 3)), kernels).render((6, 5, 4))
    assert bank.ndim == 3
    np.testing.assert_allclose(bank.filters, np.stack([np.fft.fftn(padded(k, (6, 5, 4))) for k in kernels]), atol=1e-14)


# -- frequency responses -------------------------------------------------------------------------------
@pytest.mark.parametrize("grid", [(16, 16), (15, 22), (7,), (64,), (4, 5, 6)])
@pytest.mark.parametrize("complex_", [False, True])
def test_frequency_responses_on_their_own_grid_are_unchanged(grid, complex_, rng):
    R = rng.standard_normal((4, *grid)) + (1j * rng.standard_normal((4, *grid)) if complex_ else 0)
    bank = from_filters(R[0], R[1:], domain="frequency").render(grid)
    np.testing.assert_allclose(bank.filters, R[1:], atol=1e-14)
    np.testing.assert_allclose(bank.lowpass, R[0], atol=1e-14)
    assert np.iscomplexobj(bank.filters) == complex_


def trig_polynomial(coef, x, nu):
    """Ĥ(ν) = Σ_x coef[x] e^{−2πi x ν} evaluated at the frequencies nu."""
    return np.exp(-2j * np.pi * np.outer(nu, x)) @ coef


@pytest.mark.parametrize("G", [9, 10, 16])
@pytest.mark.parametrize("N", [9, 10, 16, 31, 64, 7, 5])
def test_band_limited_responses_are_resampled_exactly(G, N, rng):
    # a trigonometric polynomial of degree < G/2 given on G points is reproduced exactly on any grid N
    x = np.arange(-((G - 1) // 2), (G - 1) // 2 + 1)
    coef = rng.standard_normal((3, x.size)) + 1j * rng.standard_normal((3, x.size))
    given = np.stack([trig_polynomial(c, x, np.fft.fftfreq(G)) for c in coef])
    bank = from_filters(given[0], given[1:], domain="frequency").render((N,))
    expected = np.stack([trig_polynomial(c, x, np.fft.fftfreq(N)) for c in coef])
    np.testing.assert_allclose(bank.lowpass, expected[0], atol=1e-12)
    np.testing.assert_allclose(bank.filters, expected[1:], atol=1e-12)


@pytest.mark.parametrize("N", [12, 13, 40])
def test_even_grids_split_the_nyquist_term(N):
    # on G = 8 points cos(8πν) and e^{∓8πiν} agree; the interpolant is the real, symmetric one: cos(8πν)
    nu8, nu = np.fft.fftfreq(8), np.fft.fftfreq(N)
    response = 1 + 0.5 * np.cos(2 * np.pi * nu8) + 0.25 * np.cos(8 * np.pi * nu8)
    bank = from_filters(response, response[None], domain="frequency").render((N,))
    assert bank.filters.dtype == np.float64
    np.testing.assert_allclose(
        bank.filters[0], 1 + 0.5 * np.cos(2 * np.pi * nu) + 0.25 * np.cos(8 * np.pi * nu), atol=1e-14
    )


def test_real_responses_stay_real_in_2d(rng):
    R = rng.standard_normal((3, 10, 7))
    f = from_filters(R[0], R[1:], domain="frequency")
    bank = f.render((33, 16))
    assert bank.filters.dtype == np.float64 and bank.lowpass.dtype == np.float64
    # an interpolant: on a grid holding the given frequencies (k/10 = 3k/30, k/7 = 2k/14) it passes through R
    fine = f.render((30, 14))
    np.testing.assert_allclose(fine.filters[:, ::3, ::2], R[1:], atol=1e-14)
    np.testing.assert_allclose(fine.lowpass[::3, ::2], R[0], atol=1e-14)


def test_a_morlet_bank_survives_a_round_trip_through_another_grid():
    ref = frames.morlet(J=2, L=4).render((32, 32))
    f = from_filters(ref.lowpass, ref.filters, domain="frequency")
    np.testing.assert_allclose(f.render((32, 32)).filters, ref.filters, atol=1e-14)
    fine = f.render((64, 64))
    coarse = from_filters(fine.lowpass, fine.filters, domain="frequency").render((32, 32))
    np.testing.assert_allclose(coarse.filters, ref.filters, atol=1e-13)


# -- bounds --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("domain", ["space", "frequency"])
def test_bounds_are_computed_from_the_rendered_bank(domain, rng):
    if domain == "space":
        f = from_filters(rng.standard_normal((3, 3)), rng.standard_normal((5, 3, 2)))
    else:
        f = from_filters(rng.standard_normal((4, 4)), rng.standard_normal((5, 4, 4)), domain="frequency")
    bank = f.render((6, 5))
    spatial = [np.fft.ifft2(h) for h in [bank.lowpass, *bank.filters]]
    n = np.indices((6, 5))
    ratios = []
    for k in np.ndindex(6, 5):
        wave = np.exp(2j * np.pi * (k[0] * n[0] / 6 + k[1] * n[1] / 5))
        ratios.append(sum(np.sum(np.abs(circular_convolution(wave, g)) ** 2) for g in spatial) / 30)
    assert bank.bounds() == pytest.approx((min(ratios), max(ratios)), rel=1e-12)


def test_tight_makes_a_parseval_frame(rng):
    lowpass, weight = conv_bank(rng)
    bank = from_filters(lowpass, weight, tight=True).render((16, 20))
    assert np.max(np.abs(1 - bank.littlewood_paley())) < 1e-12
    assert from_filters(lowpass, weight, tight=True, scale=0.5).render((16, 20)).bounds() == pytest.approx(
        (0.25, 0.25), rel=1e-12
    )


def test_tight_on_a_bank_that_is_not_a_frame_says_so():
    # a difference filter and no low-pass: LP(0) = 0
    f = from_filters(np.zeros((1, 1)), np.array([[[1.0, -1.0]]]), tight=True)
    with pytest.raises(
        ValueError,
        match=r"from_filters: tight=True needs a frame, but these filters are not one "
        r"on the grid \(8, 8\).*minimum A = 0",
    ):
        f.render((8, 8))
    assert from_filters(np.zeros((1, 1)), np.array([[[1.0, -1.0]]])).render((8, 8)).bounds()[0] == 0.0


# -- meta, dtype ---------------------------------------------------------------------------------------
def test_meta_scale_follows_the_rms_frequency():
    x = np.arange(32)
    lows = np.exp(-0.5 * ((x - 16) / 4.0) ** 2)
    highs = np.stack([np.cos(2 * np.pi * nu * (x - 16)) * lows for nu in (0.375, 0.1875, 0.09375)])
    bank = from_filters(lows, highs).render((256,))
    assert [m["k"] for m in bank.meta] == [0, 1, 2]
    freqs = [m["frequency"] for m in bank.meta]
    assert freqs == pytest.approx([0.375, 0.1875, 0.09375], rel=0.05)
    assert [m["scale"] for m in bank.meta] == pytest.approx([math.log2(0.375 / f) for f in freqs])
    assert from_filters(lows, np.zeros((1, 32))).render((64,)).meta[0]["scale"] == math.inf


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_render_dtype(dtype, rng):
    lowpass, weight = conv_bank(rng)
    bank = from_filters(lowpass, weight).render((15, 16), dtype)
    assert bank.filters.dtype == np.result_type(dtype, np.complex64)
    ref = from_filters(lowpass, weight).render((15, 16))
    np.testing.assert_allclose(bank.filters, ref.filters, atol=1e-6 if dtype == np.float32 else 0)


# -- identity, errors ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "domain, complex_", [("space", False), ("frequency", False), ("frequency", True), ("space", True)]
)
def test_round_trips_through_json(domain, complex_, rng):
    shape = (6, 5) if domain == "frequency" else (3, 4)
    R = rng.standard_normal((4, *shape)).astype(np.float32) + (1j * rng.standard_normal((4, *shape)) if complex_ else 0)
    f = from_filters(R[0], R[1:], domain=domain, scale=0.7)
    d = json.loads(json.dumps(f.to_dict()))
    assert d["family"] == "from_filters" and d["domain"] == domain
    again = frames.from_dict(d)
    assert isinstance(again, FromFilters) and again == f and hash(again) == hash(f)
    np.testing.assert_array_equal(again.render((8, 9)).filters, f.render((8, 9)).filters)
    assert f != from_filters(R[0], R[1:] * 2, domain=domain, scale=0.7)
    assert "filters" in repr(f) and len(repr(f)) < 200


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        ((np.ones((3, 3)), np.full((2, 3, 3), np.nan)), {}, "filters holds NaN or Inf"),
        ((np.array([[np.inf]]), np.ones((2, 3, 3))), {}, "lowpass holds NaN or Inf"),
        ((np.ones((3, 3)), np.ones((2, 3, 3))), {"domain": "fourier"}, r"domain must be one of.*got 'fourier'"),
        ((np.ones((3, 3)), np.ones((3, 3))), {}, r"filters must have shape \(K, \*kernel\).*got \(3, 3\)"),
        ((np.ones((3, 3)), np.ones((2, 2, 3, 3))), {}, r"filters must have shape.*got \(2, 2, 3, 3\)"),
        ((np.ones((2, 2, 2, 2)), np.ones((1, 2, 2, 2, 2))), {}, r"lowpass must be a non-empty 1-, 2- or 3-D array"),
        ((np.ones((4, 4)), np.ones((2, 4, 5))), {"domain": "frequency"}, r"frequency responses must share one grid"),
        ((np.array(["a"]), np.ones((1, 1))), {}, r"lowpass must be a numeric array"),
    ],
)
def test_bad_inputs_raise_naming_the_argument(args, kwargs, match):
    with pytest.raises(ValueError, match="from_filters: " + match):
        from_filters(*args, **kwargs)


def test_kernel_larger_than_the_grid_raises(rng):
    lowpass, weight = conv_bank(rng, size=7)
    with pytest.raises(ValueError, match=r"filters kernel \(7, 7\) is larger than the grid \(6, 20\)"):
        from_filters(lowpass, weight).render((6, 20))
    with pytest.raises(ValueError, match="shape must have 2 entries"):
        from_filters(lowpass, weight).render((16,))


# -- in a network --------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["conv2d", "frequency", "1d"])
def test_two_layer_network_is_nonexpansive_and_shift_covariant(kind, rng):
    if kind == "conv2d":
        frame, grid = from_filters(*conv_bank(rng, K=6, size=4)), (32, 32)
    elif kind == "frequency":
        ref = frames.morlet(J=2, L=4).render((16, 16))
        frame, grid = from_filters(ref.lowpass, ref.filters, domain="frequency"), (32, 24)
    else:
        frame, grid = from_filters(np.ones(5) / 5, rng.standard_normal((4, 6))), (64,)
    net = sx.Network([sx.Module(frame, sx.Modulus(), sx.Subsample(2))] * 2, shape=grid).admissible()
    net.check()
    f = rng.standard_normal((4,) + grid)
    h = f + rng.standard_normal((4,) + grid) * np.array([1e-3, 0.1, 1, 10]).reshape((4,) + (1,) * len(grid))
    assert_nonexpansive_and_shift_covariant(net, f, h, [(4, -8)[: len(grid)]])
