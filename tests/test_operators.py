"""Each operator's Lipschitz constant, checked numerically: the worst ratio
‖M f − M h‖ / ‖f − h‖ over random pairs never exceeds the stated constant,
and a constructed pair attains it (up to the stated tolerance)."""

import numpy as np
import pytest
from conftest import requires_torch, torch

import scatterx as sx
from scatterx.operators import Pooling, nonlinearity_from_dict, pooling_from_dict

NONLINEARITIES = [sx.Modulus(), sx.ReLU(), sx.Tanh(), sx.Sigmoid()]
POOLINGS = [sx.Subsample, sx.Average, sx.MaxPool]


def _norm(a):
    return float(np.sqrt(np.sum(np.abs(a) ** 2)))


def _random_pairs(rng, shape, complex_):
    for scale in (0.1, 1.0, 10.0):
        f = rng.standard_normal(shape) * scale
        h = f + rng.standard_normal(shape) * scale * rng.uniform(0.01, 2)
        if complex_:
            f = f + 1j * rng.standard_normal(shape) * scale
            h = h + 1j * rng.standard_normal(shape) * scale
        yield f, h


@pytest.mark.parametrize("M", NONLINEARITIES, ids=lambda m: m.name)
@pytest.mark.parametrize("complex_", [False, True])
def test_nonlinearity_never_exceeds_its_lipschitz_constant(M, complex_, rng):
    worst = max(_norm(M(f) - M(h)) / _norm(f - h) for f, h in _random_pairs(rng, (200,), complex_))
    assert worst <= M.lipschitz * (1 + 1e-12)
    assert _norm(M(np.zeros(5, complex if complex_ else float))) == 0  # M(0) = 0


@pytest.mark.parametrize("M", NONLINEARITIES, ids=lambda m: m.name)
def test_nonlinearity_constant_is_attained(M):
    # All four have their steepest slope at (or on the positive side of) 0:
    # f, h small and positive give ratio → L with error O(ε²) for tanh/sigmoid.
    f, h = np.full(10, 1e-4), np.full(10, 2e-4)
    assert _norm(M(f) - M(h)) / _norm(f - h) == pytest.approx(M.lipschitz, rel=1e-7)


@pytest.mark.parametrize("P", POOLINGS, ids=lambda p: p.name)
@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_pooling_never_exceeds_its_lipschitz_constant(P, ndim, rng):
    pool = P(2, ndim=ndim)
    shape = (3,) + (8,) * ndim
    worst = max(
        _norm(pool(f, ndim) - pool(h, ndim)) / _norm(f - h)
        for cplx in (False, True)
        for f, h in _random_pairs(rng, shape, cplx)
    )
    assert worst <= pool.lipschitz * (1 + 1e-12)
    assert pool(np.zeros(shape), ndim).shape == (3,) + (4,) * ndim


@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_pooling_constants_are_attained(ndim):
    S, shape = 2, (8,) * ndim
    spike = np.zeros(shape)
    spike[(slice(None, None, S),) * ndim] = 1.0  # one sample per window, on the sub-sampling grid
    assert _norm(sx.Subsample(S)(spike, ndim)) / _norm(spike) == pytest.approx(1.0)
    assert _norm(sx.MaxPool(S)(spike, ndim)) / _norm(spike) == pytest.approx(1.0)
    const = np.ones(shape)  # Cauchy–Schwarz is an equality for constant windows
    assert _norm(sx.Average(S)(const, ndim)) / _norm(const) == pytest.approx(S ** (-ndim / 2))
    assert sx.Average(S, ndim=ndim).lipschitz == pytest.approx(S ** (-ndim / 2))


def test_average_constant_needs_the_dimension():
    with pytest.raises(ValueError, match="depends on the dimension"):
        _ = sx.Average(2).lipschitz
    assert sx.Average(1).lipschitz == 1.0
    assert sx.MaxPool(3).lipschitz == 1.0 and sx.Subsample(3).lipschitz == 1.0


def test_pooling_values_by_hand():
    x = np.arange(16.0).reshape(4, 4) - 5
    np.testing.assert_array_equal(sx.Subsample(2)(x, 2), [[-5, -3], [3, 5]])
    np.testing.assert_array_equal(sx.Average(2)(x, 2), [[-2.5, -0.5], [5.5, 7.5]])
    np.testing.assert_array_equal(sx.MaxPool(2)(x, 2), [[5, 3], [8, 10]])  # max of |x|


def test_sigmoid_is_the_shifted_logistic():
    x = np.linspace(-30, 30, 101)
    np.testing.assert_allclose(sx.Sigmoid()(x), 1 / (1 + np.exp(-x)) - 0.5, atol=1e-15)


@pytest.mark.parametrize("bad", [0, -2, 1.5, True, "2"])
def test_bad_pooling_factor(bad):
    with pytest.raises(ValueError, match="pooling factor S"):
        sx.Subsample(bad)


def test_round_trip_by_name():
    for M in NONLINEARITIES:
        assert nonlinearity_from_dict(M.to_dict()) == M
    for P in POOLINGS:
        assert pooling_from_dict(P(3, ndim=2).to_dict()) == P(3, ndim=2)
    with pytest.raises(ValueError, match="unknown non-linearity 'softplus'"):
        nonlinearity_from_dict({"name": "softplus"})


@requires_torch
@pytest.mark.parametrize("op", NONLINEARITIES + [sx.Average(2), sx.MaxPool(2), sx.Subsample(2)], ids=lambda o: o.name)
def test_numpy_and_torch_agree(op, rng):
    z = rng.standard_normal((2, 8, 8)) + 1j * rng.standard_normal((2, 8, 8))
    call = (lambda a: op(a, 2)) if isinstance(op, Pooling) else op
    np.testing.assert_allclose(call(torch.from_numpy(z)).numpy(), call(z), rtol=1e-14, atol=1e-14)


@requires_torch
@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
@pytest.mark.parametrize("scale", [1.0, 1e-30, 1e30])
def test_torch_modulus_fast_path_matches_abs(dtype, scale, rng):
    # The CPU inference path (NumPy's absolute value on the tensor's memory, scaled
    # so no square overflows or underflows) is a few ulp from the correctly rounded
    # |z| (rtol 4 eps) at every scale, 1e±30 in complex64 included.
    z = (rng.standard_normal((3, 64)) + 1j * rng.standard_normal((3, 64))) * scale
    z[0, :4] = [0, 1e-30 * scale, 40 * scale, -3j * scale]
    t = torch.from_numpy(z.astype(dtype))
    got = sx.Modulus()(t)
    assert got.dtype == t.real.dtype and not got.is_complex()
    ref = np.abs(z.astype(dtype))
    eps = np.finfo(ref.dtype).eps
    np.testing.assert_allclose(got.numpy(), ref, rtol=4 * eps, atol=eps * ref.max())
    # Under autograd the modulus keeps torch.abs, whose gradient at 0 is 0 (not NaN).
    t = t.clone().requires_grad_(True)
    sx.Modulus()(t).sum().backward()
    assert torch.isfinite(torch.view_as_real(t.grad)).all()


@requires_torch
def test_torch_modulus_keeps_nan_and_inf():
    t = torch.tensor([complex(float("nan"), 0), complex(float("inf"), 1), 3 + 4j], dtype=torch.complex64)
    got = sx.Modulus()(t).numpy()
    assert np.isnan(got[0]) and np.isinf(got[1]) and got[2] == 5
