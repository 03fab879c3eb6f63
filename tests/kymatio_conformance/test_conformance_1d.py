"""Kymatio 0.3.0's 1-D frontend tests (numpy, torch, correctness), answered by scatterx: see README.md.

Numbers are compared with Kymatio 0.3.0 itself, run in the same test on the
same input; bounds from ``agreement.TOL``.
"""

import copy
import pickle

import numpy as np
import pytest
import scipy.signal.windows
from agreement import TOL, rel_err, to_numpy
from conftest import requires_torch, torch

import scatterx as sx

kymatio_numpy = pytest.importorskip("kymatio.numpy")

FRONTENDS = ["numpy", pytest.param("torch", marks=requires_torch)]
DTYPES = [np.float32, np.float64]
cuda = pytest.mark.skipif(torch is None or not torch.cuda.is_available(), reason="no CUDA device")
DEVICES = ["cpu", pytest.param("cuda", marks=cuda)]


def scattering(frontend, *args, **kwargs):
    return sx.Scattering1D(*args, frontend=frontend, **kwargs)


def as_input(x, frontend, device="cpu"):
    return torch.from_numpy(np.ascontiguousarray(x)).to(device) if frontend == "torch" else x


# ------------------------------------------------ numbers (test_Scattering1D, test_sample_scattering, test_T)
CASES = [  # J, N, keyword arguments
    (4, 256, dict(Q=1)),
    (5, 300, dict(Q=(4, 2), T=16)),
    (3, 128, dict(Q=8, oversampling=1)),
    (6, 512, dict(Q=2, T=2**4)),  # T = 2^(J − 2): four times the output length of the default T
    (4, 100, dict(Q=3, max_order=1)),
]


@pytest.mark.parametrize("frontend", FRONTENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("J, N, kwargs", CASES)
def test_output_is_kymatios(J, N, kwargs, dtype, frontend, rng):
    x = rng.standard_normal((2, N))
    ref = kymatio_numpy.Scattering1D(J, N, **kwargs)(x)
    out = scattering(frontend, J, N, **kwargs)(as_input(x.astype(dtype), frontend))
    assert tuple(out.shape) == ref.shape and str(out.dtype).endswith(np.dtype(dtype).name)
    assert rel_err(out, ref) <= TOL["1d", dtype]


def test_a_float32_signal_gives_float32_where_kymatios_numpy_frontend_gives_float64(rng):
    """A difference on purpose (docs/kymatio.md): Kymatio's NumPy 1-D filters are float64, so a float32
    signal comes out in float64, computed in double precision after its first (single-precision) DFT.
    scatterx keeps float32; a float64 signal gives Kymatio's dtype and its numbers to that first DFT's
    rounding (observed 2e-8 relative; bound 1e-6, well under float32's 1e-5)."""
    x = rng.standard_normal((2, 256)).astype(np.float32)
    ref = kymatio_numpy.Scattering1D(4, 256, Q=4)(x)
    ours = sx.Scattering1D(4, 256, Q=4)
    single, double = ours(x), ours(x.astype(np.float64))
    assert (ref.dtype, single.dtype, double.dtype) == (np.float64, np.float32, np.float64)
    assert rel_err(single, ref) <= TOL["1d", np.float32]
    assert rel_err(double, ref) <= 1e-6


def test_more_wavelets_per_octave_than_grid_points_is_refused_where_kymatio_computes_them():
    """The 1-D side of the same difference on purpose (docs/kymatio.md): Q beyond the padded grid's points."""
    x = np.zeros((1, 2))
    assert kymatio_numpy.Scattering1D(1, 2, Q=8)(x).shape == (1, 8, 1)
    with pytest.raises(ValueError, match=r"Q \(wavelets per octave\) = 8 exceeds the 4 frequencies"):
        sx.Scattering1D(1, 2, Q=8)
    x = np.random.default_rng(3).standard_normal((1, 2))
    assert rel_err(sx.Scattering1D(1, 2, Q=4)(x), kymatio_numpy.Scattering1D(1, 2, Q=4)(x)) <= TOL["1d", np.float64]


def test_T_sets_the_output_length_and_keeps_the_paths_of_a_smaller_J(rng):
    x = rng.standard_normal((2, 512))
    S = sx.Scattering1D(6, 512, Q=2)
    default = S(x)
    assert sx.Scattering1D(6, 512, Q=2, T=2**4)(x).shape == default.shape[:2] + (default.shape[2] * 4,)
    # J − 1 with the same T: the channels of filters with the same σ are the same numbers
    smaller = sx.Scattering1D(5, 512, Q=2, T=2**6)
    m1, m2 = S.meta(), smaller.meta()
    sigma1, sigma2 = np.nan_to_num(m1["sigma"], nan=-1), np.nan_to_num(m2["sigma"], nan=-1)
    pairs = [(np.flatnonzero((sigma1 == row).all(axis=1)), c) for c, row in enumerate(sigma2)]
    pairs = [(found[0], c) for found, c in pairs if found.size]
    assert len(pairs) > smaller.output_size() // 2
    a, b = zip(*pairs)
    np.testing.assert_allclose(default[:, list(a)], smaller(x)[:, list(b)], rtol=1e-10, atol=1e-12)


def test_invariance_to_a_shift_grows_with_T():
    """Kymatio's correctness test, with a signal of our own: windowed cosines shifted by N/8."""
    N = 1024
    window = np.pad(scipy.signal.windows.tukey(N // 8, alpha=0.5), (N - N // 8) // 2)
    t = np.arange(N) / N
    x = sum(np.cos(2 * np.pi * N / f * t) for f in (4, 8, 16, 32)) * window
    shifted = np.roll(x, N // 8)

    def distance(T):  # Σ_c rms(S x_c − S y_c) / Σ_c rms(S x_c)
        S = sx.Scattering1D(8, N, Q=8, T=T)
        a, b = S(x), S(shifted)
        rms = lambda d: np.sqrt(np.mean(d**2, axis=-1)).sum()  # noqa: E731
        return rms(b - a) / rms(a)

    d = [distance(T) for T in (N // 2, N // 4, N // 8)]
    assert d[0] < d[1] < d[2] and d[0] < 0.5 * d[2]


@pytest.mark.parametrize("frontend", FRONTENDS)
def test_zero_and_constant_signals(frontend):
    """Kymatio's test_simple_scatterings (whose checks Kymatio 0.3.0 skips with an early return)."""
    S = scattering(frontend, 4, 128, Q=4)
    assert to_numpy(S(as_input(np.zeros((2, 128)), frontend))).max() == 0
    out = to_numpy(S(as_input(np.full((1, 128), 1.7), frontend)))
    order = S.meta()["order"]
    # ψ̂(0) = 0 for every wavelet: the orders ≥ 1 of a constant vanish up to rounding
    assert np.abs(out[:, order > 0]).max() <= 1e-12 * np.abs(out[:, order == 0]).max()


# ------------------------------------------------ un-averaged (test_computation_Ux), max_order after construction
@pytest.mark.parametrize("frontend", FRONTENDS)
@pytest.mark.parametrize("spelling", [dict(T=0), dict(average=False), dict(T=0, average=False)])
def test_unaveraged_maps_are_kymatios(spelling, frontend, rng):
    x = rng.standard_normal((1, 256))
    ref = kymatio_numpy.Scattering1D(4, 256, Q=2, out_type="dict", **spelling)(x)
    S = scattering(frontend, 4, 256, Q=2, out_type="dict", **spelling)
    assert S.average is False and S.T == 2**4
    out = S(as_input(x, frontend))
    assert list(out) == list(ref)
    assert all(tuple(out[k].shape) == ref[k].shape for k in ref)
    assert len({ref[k].shape for k in ref}) > 1  # the maps have their own lengths
    assert rel_err(out, ref) <= TOL["1d", np.float64]
    listed = scattering(frontend, 4, 256, Q=2, out_type="list", **spelling)(as_input(x, frontend))
    assert [c["n"] for c in listed] == list(ref) and rel_err(listed, ref) <= TOL["1d", np.float64]


@pytest.mark.parametrize("frontend", FRONTENDS)
def test_unaveraged_keys_follow_max_order_set_after_construction(frontend, rng):
    S = scattering(frontend, 4, 256, Q=2, T=0, max_order=1, out_type="dict")
    x = as_input(rng.standard_normal((1, 256)), frontend)
    assert list(S(x)) == [()] + [(k,) for k in range(len(S.psi1_f))]
    S.max_order = 2
    pairs = [(a, b) for a, f1 in enumerate(S.psi1_f) for b, f2 in enumerate(S.psi2_f) if f2["j"] > f1["j"]]
    assert sorted(S(x)) == sorted([()] + [(k,) for k in range(len(S.psi1_f))] + pairs)
    S.out_type = "array"
    with pytest.raises(ValueError, match="Cannot convert to out_type='array'.*Please set out_type to"):
        S(x)


@pytest.mark.parametrize("frontend", FRONTENDS)
def test_max_order_set_after_construction_is_honoured(frontend, rng):
    x = as_input(rng.standard_normal((2, 256)), frontend)
    S = scattering(frontend, 5, 256, Q=4)
    second = to_numpy(S(x))
    S.max_order = 1
    first = to_numpy(S(x))
    n1 = len(S.psi1_f)
    assert first.shape[1] == 1 + n1 == S.output_size() < second.shape[1]
    np.testing.assert_array_equal(first, to_numpy(scattering(frontend, 5, 256, Q=4, max_order=1)(x)))
    np.testing.assert_allclose(first, second[:, : 1 + n1], rtol=1e-12, atol=1e-14)


# ---------------------------------------------------------------- meta(), output_size(), filters (test_coordinates, …)
@pytest.mark.parametrize("max_order", [1, 2])
def test_meta_and_output_size_are_kymatios(max_order):
    ref = kymatio_numpy.Scattering1D(5, 256, Q=(4, 2), T=16, max_order=max_order)
    S = sx.Scattering1D(5, 256, Q=(4, 2), T=16, max_order=max_order)
    ours, theirs = S.meta(), ref.meta()
    assert sorted(ours) == sorted(theirs) == ["j", "key", "n", "order", "sigma", "xi"]
    for field in ("order", "xi", "sigma", "j", "n"):
        assert ours[field].dtype == theirs[field].dtype
        np.testing.assert_array_equal(ours[field], theirs[field])
    assert ours["key"] == theirs["key"]
    assert S.output_size(detail=True) == ref.output_size(detail=True)
    assert S.output_size() == ref.output_size()


@pytest.mark.parametrize("frontend", FRONTENDS)
def test_channels_are_the_meta_keys_of_the_dict_output(frontend, rng):
    S = scattering(frontend, 4, 128, Q=2)
    x = as_input(rng.standard_normal((2, 128)), frontend)
    for max_order in (1, 2):
        S.max_order = max_order
        S.out_type = "dict"
        as_dict = {k: to_numpy(v) for k, v in S(x).items()}
        S.out_type = "array"
        as_array = to_numpy(S(x))
        keys = S.meta()["key"]
        assert len(as_dict) == as_array.shape[1] == len(keys)
        for c, k in enumerate(keys):
            np.testing.assert_array_equal(as_array[:, c], as_dict[k])
        sizes = S.output_size(detail=True)
        assert sizes == [sum(len(k) == n for k in as_dict) for n in range(max_order + 1)]


@pytest.mark.parametrize("frontend", FRONTENDS)
def test_filters_are_exposed_as_kymatio_exposes_them(frontend):
    ref = kymatio_numpy.Scattering1D(5, 256, Q=(4, 2), T=16)
    S = scattering(frontend, 5, 256, Q=(4, 2), T=16)
    assert S.phi_f["sigma"] == ref.phi_f["sigma"] == 0.1 / 16 and S.phi_f["j"] == ref.phi_f["j"] == 4
    pairs = [(S.phi_f, ref.phi_f)] + list(zip(S.psi1_f, ref.psi1_f, strict=True))
    pairs += list(zip(S.psi2_f, ref.psi2_f, strict=True))
    for ours, theirs in pairs:
        assert sorted(ours) == sorted(theirs) == ["j", "levels", "sigma", "xi"]
        assert (ours["xi"], ours["sigma"], ours["j"]) == (theirs["xi"], theirs["sigma"], theirs["j"])
        assert len(ours["levels"]) == len(theirs["levels"])
        for a, b in zip(ours["levels"], theirs["levels"]):
            np.testing.assert_allclose(to_numpy(a), b, rtol=0, atol=1e-14 * np.abs(b).max())


# ---------------------------------------------------------------- shapes (test_batch_shape_agnostic)
@pytest.mark.parametrize("frontend", FRONTENDS)
def test_batch_shape_agnostic(frontend, rng):
    S = scattering(frontend, 3, 64, Q=2)
    zeros = torch.zeros if frontend == "torch" else np.zeros
    with pytest.raises(ValueError, match="should have at least one axis"):
        S(zeros(()))
    signals = rng.standard_normal((2, 2, 2, 64))
    single = to_numpy(S(as_input(signals[0, 0, 0], frontend)))
    assert single.shape == (S.output_size(), 64 // 2**3)
    for lead in [(1,), (2,), (2, 2), (2, 2, 2)]:
        x = as_input(signals[tuple(slice(0, n) for n in lead) + (0,) * (3 - len(lead))], frontend)
        S.out_type = "array"
        out = to_numpy(S(x))
        assert out.shape == lead + single.shape
        np.testing.assert_allclose(out[(0,) * len(lead)], single, rtol=1e-12, atol=1e-14)
        S.out_type = "dict"
        as_dict = S(x)
        assert len(as_dict) == single.shape[0] and all(tuple(v.shape) == lead + (8,) for v in as_dict.values())


# ---------------------------------------- arguments (test_Q, test_check_runtime_args, test_scattering_shape_input)
@pytest.mark.parametrize("frontend", ["numpy", pytest.param("torch", marks=requires_torch), "sklearn"])
def test_Q_as_kymatio_takes_it(frontend):
    with pytest.raises(ValueError, match="Q should always be >= 1"):
        scattering(frontend, 3, (64,), Q=0.9)
    with pytest.raises(ValueError, match="Q must be an integer or a tuple"):
        scattering(frontend, 3, (64,), Q=[8])
    one, two = scattering(frontend, 3, (64,), Q=(8,)), scattering(frontend, 3, (64,), Q=(8, 1))
    assert one.Q == two.Q == (8, 1)
    x = np.zeros(64) if frontend != "torch" else torch.zeros(64)
    np.testing.assert_array_equal(to_numpy(one.scattering(x)), to_numpy(two.scattering(x)))


@pytest.mark.parametrize("frontend", FRONTENDS)
def test_runtime_arguments_are_checked_at_call(frontend):
    x = as_input(np.zeros(64), frontend)
    with pytest.raises(ValueError, match="out_type must be one of"):
        scattering(frontend, 3, 64, out_type="doesnotexist")(x)
    with pytest.raises(ValueError, match="Cannot convert"):
        scattering(frontend, 3, 64, T=0, average=False, out_type="array")(x)
    with pytest.raises(ValueError, match="oversampling must be nonnegative"):
        scattering(frontend, 3, 64, oversampling=-1)(x)
    S = scattering(frontend, 3, 64)
    S.oversampling = -1
    with pytest.raises(ValueError, match="oversampling must be nonnegative"):
        S(x)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(shape=(5, 6)), "exactly one element"),
        (dict(shape=1.5), "integer N or a 1-tuple"),
        (dict(shape=64, T=128), r"cannot exceed input length \(got 128 > 64\)"),
        (dict(shape=64, T=0, average=True), "average must not be True if T=0"),
        (dict(shape=64, T=8, average=False), "average=False is not permitted when T>=1.*set T=0"),
        (dict(shape=64, J=7), "J=7 is too large for N=64.*largest allowed J is 6"),
    ],
)
def test_bad_arguments_raise_what_kymatio_raises(kwargs, match):
    with pytest.raises(ValueError, match=match):
        sx.Scattering1D(**{"J": 3, "Q": 2, **kwargs})


def test_J_and_shape_as_loaded_from_an_npz_file(rng):
    x = rng.standard_normal((1, 64))
    S = sx.Scattering1D(np.array(3), np.array(64), Q=np.int64(2))
    assert (S.J, S.shape, S.Q) == (3, (64,), (2, 1))
    np.testing.assert_array_equal(S(x), sx.Scattering1D(3, 64, Q=2)(x))


# ------------------------------------------------ torch.nn.Module (test_differentiability_scattering, …)
@requires_torch
def test_gradients():
    S = sx.Scattering1D(3, 32, Q=1, frontend="torch")
    x = torch.randn(2, 32, dtype=torch.float64, requires_grad=True)
    S(x).abs().sum().backward()
    assert x.grad.abs().max() > 0
    assert torch.autograd.gradcheck(S, (x.detach().requires_grad_(),), fast_mode=True)


@requires_torch
def test_a_module_whose_filters_are_buffers(rng):
    S = sx.Scattering1D(3, 64, Q=2, frontend="torch")
    assert isinstance(S, torch.nn.Module) and not list(S.parameters())
    assert all(name.split("_")[0] in ("phi", "psi1", "psi2") for name in S.state_dict())
    x = torch.from_numpy(rng.standard_normal((2, 64)))
    ref = kymatio_numpy.Scattering1D(3, 64, Q=2)(x.numpy())
    assert rel_err(S(x), ref) <= TOL["1d", np.float64]
    assert rel_err(S.float()(x.float()), ref) <= TOL["1d", np.float32]
    for clone in (copy.deepcopy(S), pickle.loads(pickle.dumps(S))):
        assert torch.equal(clone(x.float()), S(x.float()))


@requires_torch
@pytest.mark.parametrize("device", DEVICES)
def test_module_moves_with_to_and_output_follows_the_input(device, rng):
    """Kymatio's test_scattering_GPU_CPU: the same numbers on CPU and on the device."""
    S = sx.Scattering1D(4, 256, Q=4, frontend="torch")
    x = torch.from_numpy(rng.standard_normal((2, 256)))
    on_cpu = S(x)
    S = S.to(device)
    assert S.psi1_0.device.type == device
    out = S(x.to(device))
    assert out.device.type == device
    np.testing.assert_allclose(out.cpu().numpy(), on_cpu.numpy(), rtol=1e-10, atol=1e-12)
