"""frames.morlet equals Kymatio 0.3.0's filter banks; scatterx._kymatio_rules equals its rules."""

import functools
import importlib
import json
import math
import warnings

import numpy as np
import pytest

import frames
from frames import Morlet, morlet
from scatterx._kymatio_rules import (
    border_indices_1d,
    crop_2d,
    pad_widths_2d,
    padding_1d,
    padding_2d,
    periodize_1d,
    temporal_support_1d,
)

kymatio = pytest.importorskip("kymatio")
import kymatio.numpy as kn  # noqa: E402
from kymatio.scattering1d.filter_bank import scattering_filter_factory  # noqa: E402
from kymatio.scattering2d.filter_bank import filter_bank, periodize_filter_fft  # noqa: E402

# Kymatio builds 2-D filters in complex64: compare relative to the largest value.
RTOL_2D = 1e-6
RTOL_1D = 1e-12  # Kymatio's 1-D filters are float64, from the same formulas


def rel_err(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


@functools.cache
def kymatio_2d(M, N, J, L):
    return filter_bank(M, N, J, L)


@functools.cache
def kymatio_1d(N, J, Q1, Q2, T):
    return scattering_filter_factory(N, J, (Q1, Q2), T, r_psi=math.sqrt(0.5), sigma0=0.1, alpha=5.0)


def quiet_padding_1d(N, J, T):
    with warnings.catch_warnings():  # tiny N: Kymatio's support warning, reproduced
        warnings.simplefilter("ignore", UserWarning)
        return padding_1d(N, J, T)


# -- 2-D --------------------------------------------------------------------------------
SHAPES_2D = [(40, 40), (36, 44), (48, 80), (35, 41)]


@pytest.mark.parametrize("L", [4, 6, 8])
@pytest.mark.parametrize("J", [1, 2, 3, 4])
@pytest.mark.parametrize("shape", SHAPES_2D)
def test_2d_bank_equals_kymatio_filter_bank(shape, J, L):
    if 2**J > min(shape):
        pytest.skip("grid smaller than 2**J")
    ref = kymatio_2d(*shape, J, L)
    bank = morlet(J, L=L).render(shape)
    assert bank.filters.shape == (J * L, *shape)
    assert rel_err(bank.filters, np.stack([p["levels"][0] for p in ref["psi"]])) < RTOL_2D
    assert rel_err(bank.lowpass, ref["phi"]["levels"][0]) < RTOL_2D


@pytest.mark.parametrize("J", [1, 2, 3])
@pytest.mark.parametrize("size", [(32, 32), (28, 36), (33, 70)])
def test_2d_bank_on_kymatio_padded_grids(size, J):
    shape = padding_2d(*size, J)
    ref = kymatio_2d(*shape, J, 8)
    bank = morlet(J).render(shape)
    assert rel_err(bank.filters, np.stack([p["levels"][0] for p in ref["psi"]])) < RTOL_2D
    assert rel_err(bank.lowpass, ref["phi"]["levels"][0]) < RTOL_2D


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_2d_render_dtype_matches_kymatio(dtype):
    ref = kymatio_2d(48, 80, 3, 8)
    bank = morlet(3, L=8).render((48, 80), dtype=dtype)
    assert bank.filters.dtype == dtype and bank.lowpass.dtype == dtype
    assert rel_err(bank.filters, np.stack([p["levels"][0] for p in ref["psi"]])) < RTOL_2D
    assert rel_err(bank.lowpass, ref["phi"]["levels"][0]) < RTOL_2D


def test_2d_meta_follows_kymatio_order():
    J, L = 3, 6
    bank = morlet(J, L=L).render((40, 40))
    ref = kymatio_2d(40, 40, J, L)["psi"]
    assert [(m["j"], m["theta"]) for m in bank.meta] == [(p["j"], p["theta"]) for p in ref]
    for m in bank.meta:
        assert m["scale"] == float(m["j"])
        assert m["xi"] == pytest.approx(0.75 * np.pi / 2 ** m["j"])
        assert m["angle"] == pytest.approx((int(L - L / 2 - 1) - m["theta"]) * np.pi / L)


@pytest.mark.parametrize("shape", [(8, 8), (7, 12), (35, 41), (160, 160)])
def test_2d_real_part_of_a_dft_by_a_half_size_real_output_transform_equals_numpys(shape):
    # Re DFT(f) through the Hermitian part of f and a complex-to-real transform of half the
    # columns, against NumPy's full complex DFT: a few float64 roundings of the largest value.
    m = importlib.import_module("frames.morlet")
    rng = np.random.default_rng(sum(shape))
    f = rng.standard_normal((3,) + shape) + 1j * rng.standard_normal((3,) + shape)
    ref = np.fft.fft2(f).real
    assert rel_err(m._real_dft_2d(f), ref) < 1e-14


@pytest.mark.parametrize(("shape", "J", "L"), [((160, 160), 4, 8), ((35, 41), 2, 6), ((48, 80), 3, 5), ((8, 8), 3, 8)])
def test_2d_mirrored_orientations_equal_the_ones_computed_directly(shape, J, L, monkeypatch):
    # ψ at −θ is ψ at θ mirrored (column n → −n) where the images at columns 2N and beyond are out
    # of reach; a reach bound of infinity computes every orientation. Float64 roundings only
    # (the sums over images run in another order): 1e-13 of the largest value.
    m = importlib.import_module("frames.morlet")
    mirrored = m._render_2d(shape, J, L)
    monkeypatch.setattr(m, "_reach_bound", lambda sigma, slant: math.inf)
    direct = m._render_2d(shape, J, L)
    assert rel_err(mirrored[1], direct[1]) < 1e-13
    assert rel_err(mirrored[0], direct[0]) < 1e-13
    assert mirrored[2] == direct[2]


def test_2d_filters_peak_at_their_centre_frequency():
    bank = morlet(3, L=8).render((64, 64))
    w = 2 * np.pi * np.fft.fftfreq(64)
    for f, m in zip(bank.filters, bank.meta):
        k = np.unravel_index(np.argmax(f), f.shape)
        centre = m["xi"] * np.array([np.cos(m["angle"]), np.sin(m["angle"])])
        assert np.hypot(*(np.array([w[k[0]], w[k[1]]]) - centre)) < 2 * 2 * np.pi / 64


# -- 1-D --------------------------------------------------------------------------------
CASES_1D = [
    (N_in, J, Q, T)
    for N_in, J in [(1024, 3), (1024, 6), (8192, 8), (300, 4)]
    for Q in (1, 2, 8)
    for T in (None, 2 ** (J + 1) if J < 8 else 100)
]


@pytest.mark.parametrize("N_in, J, Q, T", CASES_1D)
def test_1d_first_order_bank_equals_kymatio_psi1(N_in, J, Q, T):
    N = quiet_padding_1d(N_in, J, T)[0]
    phi, psi1, _ = kymatio_1d(N, J, Q, 1, 2**J if T is None else T)
    bank = morlet(J, Q=Q, T=T).render((N,))
    assert rel_err(bank.filters, np.stack([p["levels"][0] for p in psi1])) < RTOL_1D
    assert rel_err(bank.lowpass, phi["levels"][0]) < RTOL_1D
    assert [(m["j"], m["xi"], m["sigma"]) for m in bank.meta] == [(p["j"], p["xi"], p["sigma"]) for p in psi1]


@pytest.mark.parametrize("Q1, Q2", [(1, 1), (8, 1), (1, 2), (2, 8), (12, 3)])
@pytest.mark.parametrize("J, T", [(5, None), (7, 64)])
def test_second_order_bank_is_first_order_bank_of_Q2(Q1, Q2, J, T):
    N = quiet_padding_1d(4096, J, T)[0]
    phi, _, psi2 = kymatio_1d(N, J, Q1, Q2, 2**J if T is None else T)
    bank = morlet(J, Q=Q2, T=T).render((N,))
    assert rel_err(bank.filters, np.stack([p["levels"][0] for p in psi2])) < RTOL_1D
    assert rel_err(bank.lowpass, phi["levels"][0]) < RTOL_1D
    assert [m["j"] for m in bank.meta] == [p["j"] for p in psi2]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_1d_render_dtype(dtype):
    phi, psi1, _ = kymatio_1d(2048, 6, 2, 1, 64)
    bank = morlet(6, Q=2).render((2048,), dtype=dtype)
    assert bank.filters.dtype == dtype and bank.lowpass.dtype == dtype
    tol = RTOL_2D if dtype == np.float32 else RTOL_1D
    assert rel_err(bank.filters, np.stack([p["levels"][0] for p in psi1])) < tol
    assert rel_err(bank.lowpass, phi["levels"][0]) < tol


def test_1d_scale_grows_towards_low_frequencies():
    bank = morlet(6, Q=4).render((2048,))
    scales = [m["scale"] for m in bank.meta]
    assert scales[0] == 0.0 and np.all(np.diff(scales) > 0)
    assert scales[4] == pytest.approx(1.0)  # constant-Q part: one octave per Q filters


# -- Littlewood–Paley statements of the docstring ----------------------------------------
def test_lp_sum_2d_as_documented():
    for J, shape in [(2, (40, 40)), (3, (64, 64)), (4, (128, 128))]:
        bank = morlet(J, L=8).render(shape)
        A, B = bank.bounds()
        As, Bs = bank.bounds(symmetric=True)
        assert 0 < A < 1e-3 and B < 2.05
        assert 0.12 < As and Bs < 1.05


def test_lp_sum_1d_as_documented():
    bank = morlet(6, Q=1).render((4096,))
    A, B = bank.bounds()
    As, Bs = bank.bounds(symmetric=True)
    assert A < 1e-7 and B < 1.24
    assert 0.15 < As and Bs == pytest.approx(1.0)
    assert bank.lowpass[0] == pytest.approx(1.0)


# -- rules --------------------------------------------------------------------------------
@pytest.mark.parametrize("size", [(32, 32), (28, 36), (33, 70), (8, 9), (64, 63)])
@pytest.mark.parametrize("J", [1, 2, 3])
def test_padding_2d_equals_kymatio_frontend(size, J):
    S = kn.Scattering2D(J, size)
    assert padding_2d(*size, J) == (S._M_padded, S._N_padded)
    (top, bottom), (left, right) = pad_widths_2d(*size, J)
    assert [top, bottom, left, right] == list(S.pad.pad_size)


@pytest.mark.parametrize("N_in", [5, 17, 300, 1000, 1024, 4097, 8192])
@pytest.mark.parametrize("J, Q, T", [(1, 1, None), (3, 2, None), (5, 1, None), (3, 1, 2), (4, 8, 100)])
def test_padding_and_border_indices_1d_equal_kymatio_frontend(N_in, J, Q, T):
    if T is not None and T > N_in:
        pytest.skip("Kymatio rejects T > N")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            S = kn.Scattering1D(J, N_in, Q=Q, T=T)
        except ValueError:
            pytest.skip("Kymatio's own filter factory fails on this grid")
    N_padded, left, right = quiet_padding_1d(N_in, J, T)
    assert (N_padded, left, right) == (S._N_padded, S.pad_left, S.pad_right)
    assert border_indices_1d(S.log2_T, J, left, left + N_in) == (S.ind_start, S.ind_end)


def test_crop_2d_equals_kymatio_levels():
    ref = kymatio_2d(48, 80, 4, 8)
    for p in ref["psi"] + [ref["phi"]]:
        for res, level in enumerate(p["levels"]):
            out = crop_2d(p["levels"][0], res)
            assert out.dtype == level.dtype and np.array_equal(out, level)


@pytest.mark.parametrize("grid", [(35, 41), (40, 48)])
def test_crop_2d_on_batches_and_odd_grids(rng, grid):
    # (35, 41): the alias sum of the masked response; (40, 48): 2^r divides the grid up to
    # r = 3, where crop_2d copies the four kept corner blocks instead.
    x = rng.standard_normal((2, 3) + grid) + 1j * rng.standard_normal((2, 3) + grid)
    for res in range(4):
        out = crop_2d(x, res)
        assert out.shape == (2, 3, grid[0] // 2**res, grid[1] // 2**res)
        for i, k in ((0, 0), (1, 2)):
            assert np.array_equal(out[i, k], periodize_filter_fft(x[i, k], res))


def test_crop_2d_is_the_low_band_when_the_grid_divides():
    x = np.arange(16 * 24, dtype=np.float64).reshape(16, 24)
    rows, cols = np.r_[0:2, 14:16], np.r_[0:3, 21:24]
    assert np.array_equal(crop_2d(x, 2), x[np.ix_(rows, cols)])


def test_periodize_1d_equals_kymatio_levels():
    phi, psi1, psi2 = kymatio_1d(4096, 6, 2, 1, 64)
    for p in psi2 + [phi]:
        for level, h in enumerate(p["levels"]):
            assert np.array_equal(periodize_1d(p["levels"][0], 2**level), h)
    batch = periodize_1d(np.stack([p["levels"][0] for p in psi2])[:, None], 4)  # leading axes
    assert batch.shape == (len(psi2), 1, 1024)
    assert all(np.array_equal(b[0], p["levels"][2]) for b, p in zip(batch, psi2) if len(p["levels"]) > 2)


def test_periodize_1d_needs_a_divisor():
    with pytest.raises(ValueError, match="nperiods=3"):
        periodize_1d(np.ones(16), 3)


def test_temporal_support_equals_kymatio():
    from kymatio.scattering1d.filter_bank import compute_temporal_support, gauss_1d

    for N, T in [(1024, 8), (1024, 64), (300, 16)]:
        h = gauss_1d(N, 0.1 / T).reshape(1, -1)
        assert temporal_support_1d(h) == compute_temporal_support(h)


def test_temporal_support_warns_when_the_grid_is_too_short():
    with pytest.warns(UserWarning, match="too small"):
        assert temporal_support_1d(np.eye(1, 8)[0]) == 4  # ĥ = δ: h is constant, never decays


def test_padding_rules_reject_bad_sizes():
    with pytest.raises(ValueError, match="J=4"):
        padding_2d(10, 20, 4)
    with pytest.raises(ValueError, match="T=64"):
        padding_1d(50, 3, 64)


# -- construction, validation, identity ---------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, ndim", [({}, 2), ({"L": 6}, 2), ({"Q": 2}, 1), ({"T": 16}, 1), ({"ndim": 1}, 1), ({"ndim": 2}, 2)]
)
def test_ndim_is_inferred(kwargs, ndim):
    f = morlet(3, **kwargs)
    assert isinstance(f, Morlet) and f.ndim == ndim and f.params["ndim"] == ndim


def test_defaults():
    assert morlet(3).params == {"J": 3, "L": 8, "ndim": 2}
    assert morlet(3, Q=1).params == {"J": 3, "Q": 1, "T": 8, "ndim": 1}
    assert morlet(3, ndim=1) == morlet(3, Q=1, T=8)


@pytest.mark.parametrize("frame", [morlet(2), morlet(3, L=4, scale=0.5), morlet(4, Q=8, T=100, tight=True)])
def test_to_dict_round_trips(frame):
    d = json.loads(json.dumps(frame.to_dict()))
    assert frames.from_dict(d) == frame
    assert d["family"] == "morlet"


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"J": 0}, "J must be a positive int.*got 0"),
        ({"J": 2.5}, "J must be a positive int.*got 2.5"),
        ({"J": True}, "J must be a positive int"),
        ({"J": 2, "L": 0}, "L must be a positive int.*got 0"),
        ({"J": 2, "L": "8"}, "L must be a positive int.*got '8'"),
        ({"J": 2, "Q": -1}, "Q must be a positive int.*got -1"),
        ({"J": 2, "T": 0}, "T must be a positive int.*got 0"),
        ({"J": 2, "T": 3.0}, "T must be a positive int.*got 3.0"),
        ({"J": 2, "ndim": 4}, "ndim must be 1, 2 or 3"),
        ({"J": 2, "L": 8, "Q": 1}, "Q and T are 1-D parameters"),
        ({"J": 2, "L": 8, "ndim": 1}, "L is a 2-D and 3-D parameter"),
    ],
)
def test_bad_parameters_raise_naming_the_argument(kwargs, match):
    with pytest.raises(ValueError, match=match):
        morlet(**kwargs)


def test_grid_too_small_for_J_raises():
    with pytest.raises(ValueError, match=r"J=4.*\(12, 40\).*largest allowed J is 3"):
        morlet(4).render((12, 40))
    with pytest.raises(ValueError, match=r"J=6.*\(32,\).*largest allowed J is 5"):
        morlet(6, Q=1).render((32,))
    with pytest.raises(ValueError, match="T=100 exceeds the grid length 64"):
        morlet(3, T=100).render((64,))
