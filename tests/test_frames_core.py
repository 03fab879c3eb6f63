"""The shared frame utilities: LP sum, bounds, tight(), scaled(), the cache."""

import json

import numpy as np
import pytest

import frames


def circular_convolution(f, g):
    """(f * g)[n] = Σ_m g[m] f[n − m] on the torus, by explicit shifts (no FFT)."""
    out = np.zeros(f.shape, complex)
    for m in np.ndindex(*g.shape):
        out += g[m] * np.roll(f, m, axis=tuple(range(f.ndim)))
    return out


@pytest.mark.parametrize("k", [(0, 0), (1, 3), (4, 4), (7, 2)])
def test_lp_sum_is_the_energy_ratio_of_a_plane_wave(k):
    # For f = e^{2πi⟨k, n⟩/N}: ‖f*χ‖² + Σ‖f*g_λ‖² = LP(k) ‖f‖², computed here in space.
    bank = frames.morlet(J=1, L=4).render((8, 8))
    n = np.indices((8, 8))
    f = np.exp(2j * np.pi * (k[0] * n[0] + k[1] * n[1]) / 8)
    spatial = [np.fft.ifft2(h) for h in [bank.lowpass, *bank.filters]]
    energy = sum(np.sum(np.abs(circular_convolution(f, g)) ** 2) for g in spatial)
    assert energy / np.sum(np.abs(f) ** 2) == pytest.approx(bank.littlewood_paley()[k], rel=1e-12)


def test_bounds_hold_for_random_signals(rng):
    bank = frames.morlet(J=2, L=4).render((16, 16))
    A, B = bank.bounds()
    for _ in range(5):
        f = rng.standard_normal((16, 16)) + 1j * rng.standard_normal((16, 16))
        fh = np.fft.fft2(f)
        energy = sum(np.sum(np.abs(np.fft.ifft2(fh * h)) ** 2) for h in [bank.lowpass, *bank.filters])
        assert A * np.sum(np.abs(f) ** 2) <= energy <= B * np.sum(np.abs(f) ** 2)


def test_symmetrised_bounds_are_the_real_input_bounds(rng):
    bank = frames.morlet(J=2, L=4).render((16, 16))
    lp, lps = bank.littlewood_paley(), bank.littlewood_paley(symmetric=True)
    np.testing.assert_allclose(lps, 0.5 * (lp + np.roll(lp[::-1, ::-1], (1, 1), axis=(0, 1))), rtol=1e-14)
    A, B = bank.bounds(symmetric=True)
    assert bank.bounds()[0] <= A <= B <= bank.bounds()[1]
    f = rng.standard_normal((16, 16))  # real: energy ratio bounded by the symmetrised sum
    fh = np.fft.fft2(f)
    energy = sum(np.sum(np.abs(np.fft.ifft2(fh * h)) ** 2) for h in [bank.lowpass, *bank.filters])
    assert A * np.sum(f**2) <= energy <= B * np.sum(f**2)


@pytest.mark.parametrize("shape", [(16, 16), (15, 22)])
def test_tight_gives_a_parseval_frame(shape):
    bank = frames.morlet(J=2, L=6).render(shape).tight()
    assert np.max(np.abs(bank.littlewood_paley() - 1)) < 1e-12
    again = frames.morlet(J=2, L=6, tight=True).render(shape)
    np.testing.assert_allclose(again.filters, bank.filters, rtol=1e-14)


def test_tight_refuses_a_bank_that_is_not_a_frame():
    bank = frames.morlet(J=1, L=2).render((8, 8))
    no_lowpass = frames.FilterBank(np.zeros((8, 8)), bank.filters, bank.meta)  # LP(0) = 0: A = 0
    with pytest.raises(ValueError, match="needs a frame"):
        no_lowpass.tight()


def test_scaled_multiplies_the_bounds_by_c_squared():
    bank = frames.morlet(J=2, L=4).render((16, 16))
    A, B = bank.bounds()
    A2, B2 = bank.scaled(0.5).bounds()
    assert (A2, B2) == pytest.approx((A / 4, B / 4), rel=1e-14)
    assert frames.morlet(J=2, L=4).scaled(0.5).render((16, 16)).bounds() == pytest.approx((A2, B2), rel=1e-14)
    with pytest.raises(ValueError, match="positive finite"):
        bank.scaled(-1)


def test_renders_are_cached_and_read_only():
    f = frames.morlet(J=2, L=4)
    a, b = f.render((16, 16)), frames.morlet(J=2, L=4).render((16, 16))
    assert a is b
    assert f.render((16, 16), np.float32) is not a and f.render((16, 16), np.float32).dtype == np.float32
    with pytest.raises(ValueError, match="read-only"):
        a.filters[0, 0, 0] = 1


def test_frame_round_trips_through_json():
    f = frames.morlet(J=3, Q=4, T=16, scale=0.7)
    g = frames.from_dict(json.loads(json.dumps(f.to_dict())))
    assert g == f and hash(g) == hash(f)
    with pytest.raises(ValueError, match="unknown frame family 'nope'"):
        frames.from_dict({"family": "nope"})


def test_bad_bank_inputs_are_named():
    with pytest.raises(ValueError, match="filters must have shape"):
        frames.FilterBank(np.ones((4, 4)), np.ones((2, 4, 5)), [{}, {}])
    with pytest.raises(ValueError, match="filters holds NaN or Inf"):
        frames.FilterBank(np.ones((4, 4)), np.full((1, 4, 4), np.nan), [{}])
    with pytest.raises(TypeError, match="dtype must be float32 or float64"):
        frames.morlet(J=1).render((8, 8), np.int32)
    with pytest.raises(ValueError, match="shape must have 2 entries"):
        frames.morlet(J=1).render((8,))
