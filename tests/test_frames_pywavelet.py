"""frames.pywavelet: PyWavelets' discrete wavelets as à-trous frames, equal to pywt.swt/swt2/swtn."""

import itertools
import json
import time
import warnings

import numpy as np
import pytest
import pywt
from conftest import assert_nonexpansive_and_shift_covariant

import frames
import scatterx as sx
from frames.pywavelet import PyWavelet, pywavelet, swt_shift

ORTHOGONAL = ["haar", "db2", "db4", "sym4", "coif2"]
BIORTHOGONAL = ["bior2.2", "rbio3.3"]
SHAPES = {1: (48,), 2: (32, 24), 3: (16, 12, 8)}


def tap_defect(name):
    """max_ω |P(ω) − 1|, P = |H|² + |G|², of PyWavelets' stored taps (dense zero-padded FFT)."""
    w = pywt.Wavelet(name)
    H, G = (np.fft.fft(h, 4096) / np.sqrt(2) for h in (w.dec_lo, w.dec_hi))
    return float(np.max(np.abs(np.abs(H) ** 2 + np.abs(G) ** 2 - 1)))


def quiet(fn, *args, **kwargs):
    """pywt warns that norm=True preserves energy only for orthogonal wavelets: we know."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return fn(*args, **kwargs)


def rel_err(a, b):
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def filtered(x, response, axes):
    """ifft(fft(x)·ψ̂) over ``axes`` (the batch axis first stays untouched)."""
    return np.fft.ifftn(np.fft.fftn(x, axes=axes) * response, axes=axes).real


# -- Littlewood–Paley sum -----------------------------------------------------------------
@pytest.mark.parametrize("ndim", [1, 2, 3])
@pytest.mark.parametrize("name", ORTHOGONAL)
def test_orthogonal_wavelets_give_a_parseval_frame(name, ndim):
    J = 3
    bank = pywavelet(name, J, ndim=ndim).render(SHAPES[ndim])
    deviation = np.max(np.abs(bank.littlewood_paley() - 1))
    if name.startswith("sym"):  # the stored sym taps are orthogonal only to ~1e-12 (docstring)
        assert tap_defect(name) > 1e-12
        assert deviation < 1e-12 + J * ndim * tap_defect(name)
    else:
        assert deviation < 1e-12


@pytest.mark.parametrize("ndim", [1, 2, 3])
@pytest.mark.parametrize("name", ["bior2.2", "rbio3.3", "dmey"])
def test_lp_sum_telescopes_to_the_stated_formula(name, ndim):
    # LP(ω) = 1 + Σ_j ∏_i |A_{j−1}(ω_i)|² (∏_i P(2^{j−1}ω_i) − 1), P = |H|² + |G|².
    J, shape = 3, SHAPES[ndim]
    w = pywt.Wavelet(name)
    lp = np.ones(shape)
    for j in range(1, J + 1):
        approx = np.ones(shape)
        power = np.ones(shape)
        for i, n in enumerate(shape):
            omega = 2 * np.pi * np.fft.fftfreq(n)
            H = lambda k, omega=omega: np.polyval(w.dec_lo[::-1], np.exp(-1j * 2**k * omega)) / np.sqrt(2)
            G = np.polyval(w.dec_hi[::-1], np.exp(-1j * 2 ** (j - 1) * omega)) / np.sqrt(2)
            a = np.prod([np.abs(H(k)) ** 2 for k in range(j - 1)], axis=0) if j > 1 else np.ones(n)
            p = np.abs(H(j - 1)) ** 2 + np.abs(G) ** 2
            sl = tuple(slice(None) if ax == i else None for ax in range(ndim))
            approx, power = approx * a[sl], power * p[sl]
        lp += approx * (power - 1)
    bank = pywavelet(name, J, ndim=ndim).render(shape)
    np.testing.assert_allclose(bank.littlewood_paley(), lp, rtol=1e-12, atol=1e-12)


def plane_wave_energy_ratios(name, J, shape):
    """‖swt(e_k)‖² / ‖e_k‖² for every plane wave e_k on the grid, by PyWavelets' own convolutions."""
    n = np.indices(shape).reshape(len(shape), -1)
    k = n.T  # one plane wave per grid frequency
    waves = np.exp(2j * np.pi * sum(np.outer(k[:, i], n[i]) / shape[i] for i in range(len(shape))))
    waves = waves.reshape(-1, *shape)
    if len(shape) == 1:
        coeffs = quiet(pywt.swt, waves, name, level=J, norm=True, trim_approx=True, axis=-1)
    else:
        coeffs = quiet(pywt.swt2, waves, name, level=J, norm=True, trim_approx=True, axes=(-2, -1))
    arrays = [coeffs[0]] + [d for level in coeffs[1:] for d in (level if len(shape) > 1 else [level])]
    energy = sum(np.sum(np.abs(c) ** 2, axis=tuple(range(1, c.ndim))) for c in arrays)
    return (energy / np.prod(shape)).reshape(shape)


@pytest.mark.parametrize("shape", [(32,), (16, 16), (8, 16)])
@pytest.mark.parametrize("name", BIORTHOGONAL)
def test_biorthogonal_bounds_are_the_swt_energy_of_plane_waves(name, shape):
    J = 2
    bank = pywavelet(name, J, ndim=len(shape)).render(shape)
    ratios = plane_wave_energy_ratios(name, J, shape)
    np.testing.assert_allclose(bank.littlewood_paley(), ratios, rtol=1e-12)
    A, B = bank.bounds()
    assert A == pytest.approx(ratios.min(), rel=1e-12) and B == pytest.approx(ratios.max(), rel=1e-12)
    assert A < 0.95 and B > 1.05  # not tight


def test_documented_bounds_on_128_by_128():
    for name, (A, B) in {"bior2.2": (0.789, 2.78), "rbio3.3": (0.511, 4.94)}.items():
        a, b = pywavelet(name, 3).render((128, 128)).bounds()
        assert (round(a, 3), round(b, 2)) == (A, B)
    a, b = pywavelet("dmey", 3).render((128, 128)).bounds()
    assert (round(a, 3), round(b, 3)) == (0.996, 1.024)


def test_bounds_hold_for_random_swt_energies(rng):
    x = rng.standard_normal((20, 64))
    A, B = pywavelet("rbio3.3", 3, ndim=1).render((64,)).bounds()
    coeffs = quiet(pywt.swt, x, "rbio3.3", level=3, norm=True, trim_approx=True, axis=-1)
    energy = sum(np.sum(c**2, axis=-1) for c in coeffs) / np.sum(x**2, axis=-1)
    assert np.all(A <= energy + 1e-12) and np.all(energy <= B + 1e-12)


# -- pywt.swt / swt2 / swtn -------------------------------------------------------------
SWT_CASES = [
    ("haar", 1),
    ("haar", 4),
    ("db2", 3),
    ("db4", 2),
    ("sym4", 3),
    ("coif2", 3),
    ("bior2.2", 3),
    ("rbio3.3", 2),
    ("dmey", 2),
]


@pytest.mark.parametrize("name,J", SWT_CASES)
def test_filtering_reproduces_swt_up_to_the_analytic_shift(name, J, rng):
    N = 3 * 2**J * 4  # divisible by 2**J, as pywt.swt requires
    x = rng.standard_normal((2, N))
    bank = pywavelet(name, J, ndim=1).render((N,))
    coeffs = quiet(pywt.swt, x, name, level=J, norm=True, trim_approx=True, axis=-1)
    # coarsest first: [a_J, d_J, …, d_1]
    assert rel_err(np.roll(filtered(x, bank.lowpass, (-1,)), -swt_shift(name, J), axis=-1), coeffs[0]) < 1e-10
    for psi, m in zip(bank.filters, bank.meta):
        j = m["j"]
        ours = np.roll(filtered(x, psi, (-1,)), -swt_shift(name, j), axis=-1)
        assert rel_err(ours, coeffs[J + 1 - j]) < 1e-10


def test_the_analytic_shift_is_the_best_circular_shift(rng):
    N, J = 64, 3
    x = rng.standard_normal(N)
    for name in ["db4", "bior2.2", "coif2"]:
        bank = pywavelet(name, J, ndim=1).render((N,))
        coeffs = quiet(pywt.swt, x, name, level=J, norm=True, trim_approx=True)
        for j in range(1, J + 1):
            y = filtered(x, bank.filters[j - 1], (-1,))
            errors = [np.max(np.abs(np.roll(y, -s) - coeffs[J + 1 - j])) for s in range(N)]
            assert int(np.argmin(errors)) == swt_shift(name, j) % N
            assert swt_shift(name, j) == pywt.Wavelet(name).dec_len * (2**j - 1) // 2


@pytest.mark.parametrize(
    "name,J,shape", [("haar", 3, (32, 24)), ("db2", 2, (16, 20)), ("bior2.2", 3, (24, 40)), ("sym4", 1, (18, 10))]
)
def test_filtering_reproduces_swt2(name, J, shape, rng):
    x = rng.standard_normal((2, *shape))
    bank = pywavelet(name, J).render(shape)
    coeffs = quiet(pywt.swt2, x, name, level=J, norm=True, trim_approx=True, axes=(-2, -1))
    axes = (-2, -1)
    assert rel_err(np.roll(filtered(x, bank.lowpass, axes), (-swt_shift(name, J),) * 2, axis=axes), coeffs[0]) < 1e-10
    pywt_key = {"da": 0, "ad": 1, "dd": 2}  # swt2's (cH, cV, cD)
    for psi, m in zip(bank.filters, bank.meta):
        j = m["j"]
        ours = np.roll(filtered(x, psi, axes), (-swt_shift(name, j),) * 2, axis=axes)
        assert rel_err(ours, coeffs[J + 1 - j][pywt_key[m["detail"]]]) < 1e-10


@pytest.mark.parametrize("name,J", [("db2", 2), ("bior2.2", 1)])
def test_filtering_reproduces_swtn_in_3d(name, J, rng):
    shape = (8, 12, 16)
    x = rng.standard_normal(shape)
    bank = pywavelet(name, J, ndim=3).render(shape)
    coeffs = quiet(pywt.swtn, x, name, level=J, norm=True, trim_approx=True)
    axes = (0, 1, 2)
    assert rel_err(np.roll(filtered(x, bank.lowpass, axes), (-swt_shift(name, J),) * 3, axis=axes), coeffs[0]) < 1e-10
    for psi, m in zip(bank.filters, bank.meta):
        ours = np.roll(filtered(x, psi, axes), (-swt_shift(name, m["j"]),) * 3, axis=axes)
        assert rel_err(ours, coeffs[J + 1 - m["j"]][m["detail"]]) < 1e-10


# -- the bank's structure -----------------------------------------------------------------
@pytest.mark.parametrize("ndim,per_level", [(1, 1), (2, 3), (3, 7)])
def test_meta_orders_levels_fine_to_coarse_and_keys_as_pywt(ndim, per_level):
    J = 3
    bank = pywavelet("db2", J, ndim=ndim).render(SHAPES[ndim])
    assert len(bank) == J * per_level
    keys = ["".join(k) for k in itertools.product("ad", repeat=ndim)][1:]
    assert [(m["j"], m["scale"], m["detail"]) for m in bank.meta] == [
        (j, float(j - 1), k) for j in range(1, J + 1) for k in keys
    ]
    assert all(isinstance(m["scale"], float) for m in bank.meta)
    assert bank.is_real  # real filters in space: Hermitian responses


@pytest.mark.parametrize("name", ["haar", "db4", "sym8", "coif3", "bior2.2", "rbio3.3", "bior6.8"])
def test_band_pass_filters_have_zero_mean(name):
    bank = pywavelet(name, 3).render((16, 16))
    assert np.max(np.abs(bank.filters[:, 0, 0])) < 3e-12
    assert abs(bank.lowpass[0, 0] - 1) < 1e-14


def test_dmey_high_pass_has_the_documented_nonzero_mean():
    bank = pywavelet("dmey", 2, ndim=1).render((16,))
    assert np.abs(bank.filters[:, 0]) == pytest.approx([7.7e-4] * 2, rel=0.01)


@pytest.mark.parametrize("shape", [(16, 16), (17, 17), (15, 22), (31, 8), (9, 64)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_renders_on_odd_even_and_non_square_grids(shape, dtype):
    bank = pywavelet("db2", 3).render(shape, dtype=dtype)
    assert bank.filters.shape == (9, *shape) and bank.lowpass.shape == shape
    assert bank.filters.dtype == np.result_type(dtype, np.complex64)
    tol = 1e-12 if dtype == np.float64 else 1e-6
    assert np.max(np.abs(bank.littlewood_paley() - 1)) < tol


def test_tight_normalises_a_biorthogonal_bank():
    bank = pywavelet("bior2.2", 3, tight=True).render((32, 32))
    assert np.max(np.abs(bank.littlewood_paley() - 1)) < 1e-12


def test_a_256_by_256_render_takes_well_under_a_second():
    frame = pywavelet("db4", 3)
    start = time.perf_counter()
    frame._render((256, 256))
    assert time.perf_counter() - start < 0.5


# -- parameters ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "frame", [pywavelet(), pywavelet("db4", 2, ndim=1), pywavelet("rbio3.3", 1, ndim=3, scale=0.5, tight=True)]
)
def test_json_round_trip(frame):
    again = frames.from_dict(json.loads(json.dumps(frame.to_dict())))
    assert again == frame and again.ndim == frame.ndim
    np.testing.assert_array_equal(again.render(SHAPES[frame.ndim]).filters, frame.render(SHAPES[frame.ndim]).filters)


def test_defaults_and_wavelet_objects():
    frame = pywavelet()
    assert (frame.params, frame.ndim) == ({"name": "haar", "J": 3, "ndim": 2}, 2)
    assert pywavelet(pywt.Wavelet("db3"), 2) == pywavelet("db3", 2)
    assert isinstance(frame, PyWavelet)


def test_unknown_name_lists_close_matches():
    with pytest.raises(ValueError, match=r"name='db44'.*close matches: .*db4"):
        pywavelet("db44")
    with pytest.raises(ValueError, match=r"close matches: .*sym4"):
        pywavelet("Sym4")
    with pytest.raises(ValueError, match="no close match"):
        pywavelet("zzzzzz")


@pytest.mark.parametrize("name", ["morl", "mexh", "gaus2", "cmor1.5-1.0", pywt.ContinuousWavelet("morl")])
def test_continuous_wavelets_are_refused(name):
    with pytest.raises(ValueError, match="continuous wavelet"):
        pywavelet(name)


@pytest.mark.parametrize("J", [0, -1, 2.5, True, "3"])
def test_bad_J(J):
    with pytest.raises(ValueError, match="J must be a positive int"):
        pywavelet("haar", J)


@pytest.mark.parametrize("ndim", [0, 4, True, "2"])
def test_bad_ndim(ndim):
    with pytest.raises(ValueError, match="ndim"):
        pywavelet("haar", ndim=ndim)


def test_grid_too_small_names_J_and_the_largest_allowed():
    with pytest.raises(ValueError, match=r"J=4 .*\(12, 16\).*largest allowed J is 3"):
        pywavelet("haar", 4).render((12, 16))
    pywavelet("haar", 3).render((8, 9))  # 2**J <= min(shape), no divisibility needed


# -- in a network -------------------------------------------------------------------------
def test_two_layer_network_is_nonexpansive_and_shift_covariant(rng):
    grid = (32, 32)
    module = sx.Module(pywavelet("db2", 2), sx.Modulus(), sx.Subsample(2))
    net = sx.Network([module] * 2, shape=grid).admissible()
    f, h = rng.standard_normal((2, 4, *grid))
    assert_nonexpansive_and_shift_covariant(net, f, h, [(4, 0), (8, 12), (-4, 28)])
