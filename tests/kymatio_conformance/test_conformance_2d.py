"""Kymatio 0.3.0's 2-D frontend tests (numpy and torch), answered by scatterx: see README.md for the mapping.

Numbers are compared with Kymatio 0.3.0 itself, run in the same test on the
same input; bounds from ``agreement.TOL``.
"""

import copy
import pickle
from collections import namedtuple

import numpy as np
import pytest
from agreement import TOL, rel_err, to_numpy
from conftest import requires_torch, torch

import scatterx as sx
from scatterx.kymatio import BackendImportError, ScatteringValueError, reflect_pad

kymatio_numpy = pytest.importorskip("kymatio.numpy")

FRONTENDS = ["numpy", pytest.param("torch", marks=requires_torch)]
DTYPES = [np.float32, np.float64]
cuda = pytest.mark.skipif(torch is None or not torch.cuda.is_available(), reason="no CUDA device")
DEVICES = ["cpu", pytest.param("cuda", marks=cuda)]


def scattering(frontend, *args, **kwargs):
    return sx.Scattering2D(*args, frontend=frontend, **kwargs)


def as_input(x, frontend, device="cpu"):
    return torch.from_numpy(np.ascontiguousarray(x)).to(device) if frontend == "torch" else x


# ---------------------------------------------------------------- numbers (test_Scattering2D)
CASES = [  # J, shape, L; the last two at the largest J, where the reflect padding is as wide as the image
    (1, (16, 16), 8),
    (2, (24, 20), 4),
    (3, (8, 8), 4),
    (3, (13, 8), 2),
]


@pytest.mark.parametrize("frontend", FRONTENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("J, shape, L", CASES)
def test_output_is_kymatios(J, shape, L, dtype, frontend, rng):
    x = rng.standard_normal((2,) + shape)
    ref = kymatio_numpy.Scattering2D(J, shape, L=L)(x)
    out = scattering(frontend, J, shape, L=L)(as_input(x.astype(dtype), frontend))
    assert tuple(out.shape) == ref.shape and to_numpy(out).shape == ref.shape
    assert str(out.dtype).endswith(np.dtype(dtype).name)
    assert rel_err(out, ref) <= TOL["2d", dtype]


@pytest.mark.parametrize("frontend", FRONTENDS)
def test_pre_padded_input_and_order_1_as_the_first_channels_of_order_2(frontend, rng):
    ref_S = kymatio_numpy.Scattering2D(2, (12, 12), L=4, pre_pad=True)
    x = rng.standard_normal((2, ref_S._M_padded, ref_S._N_padded))
    S2 = scattering(frontend, 2, (12, 12), L=4, pre_pad=True)
    S1 = scattering(frontend, 2, (12, 12), L=4, pre_pad=True, max_order=1)
    assert (S2._M_padded, S2._N_padded) == (ref_S._M_padded, ref_S._N_padded)
    out2, out1 = to_numpy(S2(as_input(x, frontend))), to_numpy(S1(as_input(x, frontend)))
    assert rel_err(out2, ref_S(x)) <= TOL["2d", np.float64]
    assert out1.shape[-3] == 1 + 2 * 4
    np.testing.assert_allclose(out1, out2[..., : out1.shape[-3], :, :], rtol=1e-12, atol=1e-14)


@requires_torch
@pytest.mark.parametrize("J, shape", [(3, (8, 8)), (4, (16, 16)), (5, (37, 32))])
def test_torch_at_the_largest_J_where_the_reflect_padding_is_as_wide_as_the_image(J, shape, rng):
    kymatio_torch = pytest.importorskip("kymatio.torch")
    x = rng.standard_normal((1,) + shape)
    out = sx.Scattering2D(J, shape, L=2, frontend="torch")(torch.from_numpy(x))
    assert out.shape[-2:] == (1, 1) or J < 5
    assert rel_err(out, kymatio_numpy.Scattering2D(J, shape, L=2)(x)) <= TOL["2d", np.float64]
    assert (
        rel_err(out, kymatio_torch.Scattering2D(J, shape, L=2).double()(torch.from_numpy(x))) <= TOL["2d", np.float64]
    )


@pytest.mark.parametrize("frontend", FRONTENDS)
def test_reflect_padding_wider_than_the_signal_is_numpys_rule(frontend, rng):
    x = rng.standard_normal((2, 3, 5))
    widths = ((3, 4), (5, 7))  # a width equal to the side, and wider
    out = to_numpy(reflect_pad(as_input(x, frontend), widths))
    np.testing.assert_array_equal(out, np.pad(x, ((0, 0),) + widths, mode="reflect"))


def test_J_as_loaded_from_an_npz_file(rng):
    J = np.array(2)  # a 0-d integer array, as ``np.load(...)['J']`` gives
    x = rng.standard_normal((1, 16, 16))
    S = sx.Scattering2D(J, (16, 16), L=4)
    assert S.J == 2 and isinstance(S.J, int)
    np.testing.assert_array_equal(S(x), sx.Scattering2D(2, (16, 16), L=4)(x))


# ------------------------------------------------ shapes (test_batch_shape_agnostic, test_input_size_agnostic)
@pytest.mark.parametrize("frontend", FRONTENDS)
def test_batch_shape_agnostic(frontend, rng):
    S = scattering(frontend, 2, (8, 8), L=2)
    items = rng.standard_normal((2, 2, 2, 8, 8))
    single = to_numpy(S(as_input(items[0, 0, 0], frontend)))
    assert single.shape == (1 + 4 + 4, 2, 2)
    for lead in [(1,), (2,), (2, 2), (2, 2, 2)]:
        x = items[tuple(slice(0, n) for n in lead) + (0,) * (3 - len(lead))]
        out = to_numpy(S(as_input(x, frontend)))
        assert out.shape == lead + single.shape
        np.testing.assert_allclose(out[(0,) * len(lead)], single, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("frontend", FRONTENDS)
def test_input_rank_below_two_is_refused(frontend):
    S = scattering(frontend, 2, (8, 8), L=2)
    zeros = torch.zeros if frontend == "torch" else np.zeros
    for shape in [(), (8,)]:
        with pytest.raises(RuntimeError, match="must have at least two dimensions") as info:
            S(zeros(shape))
        assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("frontend", FRONTENDS)
def test_input_size_agnostic(frontend):
    for N in (15, 16, 17):
        for J in (1, 2, 3):
            S = scattering(frontend, J, (N, N), L=2)
            assert tuple(S(as_input(np.zeros((3, 2, N, N)), frontend)).shape) == (
                3,
                2,
                S.output_size(),
                N // 2**J,
                N // 2**J,
            )
            P = scattering(frontend, J, (N, N), L=2, pre_pad=True)
            padded = np.zeros((3, 2, P._M_padded, P._N_padded))
            assert tuple(P(as_input(padded, frontend)).shape) == (3, 2, P.output_size(), N // 2**J, N // 2**J)
    for shape in [(16, 16), (21, 16)]:  # the largest J: one output pixel
        S = scattering(frontend, 4, shape, L=2)
        assert tuple(S(as_input(np.zeros((3, 2) + shape), frontend)).shape[-2:]) == (1, 1)


# ---------------------------------------------------------------- errors (test_scattering2d_errors, test_inputs)
@pytest.mark.parametrize(
    "frontend, word", [("numpy", "NumPy array"), pytest.param("torch", "Tensor", marks=requires_torch)]
)
def test_bad_inputs_raise_what_kymatio_raises(frontend, word, rng):
    S = scattering(frontend, 2, (8, 8), L=2)
    with pytest.raises(TypeError, match="input should be"):
        S(None)
    with pytest.raises(RuntimeError, match=rf"{word} must be of spatial size \(8,8\).*shape=\(7, 7\)"):
        S(as_input(rng.standard_normal((7, 7)), frontend))
    P = scattering(frontend, 2, (8, 8), L=2, pre_pad=True)
    padded = "Padded tensor" if frontend == "torch" else "Padded array"
    with pytest.raises(RuntimeError, match=rf"{padded} must be of spatial size \(16,16\)"):
        P(as_input(rng.standard_normal((8, 8)), frontend))


@requires_torch
def test_torch_frontend_refuses_what_kymatios_refuses():
    S = sx.Scattering2D(2, (8, 8), L=2, frontend="torch")
    with pytest.raises(RuntimeError, match=r"must be contiguous.*x\.contiguous\(\)"):
        S(torch.randn(16, 16)[::2, ::2])
    with pytest.raises(TypeError, match="input should be a PyTorch Tensor.*torch.from_numpy"):
        S(np.zeros((8, 8)))


@pytest.mark.parametrize("frontend", FRONTENDS)
def test_bad_arguments_raise_what_kymatio_raises(frontend):
    with pytest.raises(RuntimeError, match="smallest dimension should be larger than 2\\^J.*largest allowed J is 3"):
        scattering(frontend, 10, (10, 10))
    with pytest.raises(ValueError, match="smallest dimension"):  # the same exception, scatterx's way
        scattering(frontend, 10, (10, 10))
    fake = namedtuple("backend", ["name"])
    fake.name = "fake"
    with pytest.raises(ImportError, match="The backend .fake. is not supported by the frontend"):
        scattering(frontend, 2, (10, 10), backend=fake)
    with pytest.raises(BackendImportError, match="can not be called from the frontend"):
        scattering(frontend, 2, (10, 10), backend="doesnotexist")


def test_more_orientations_than_grid_points_is_refused_where_kymatio_computes_them():
    """A difference on purpose (docs/kymatio.md): beyond the padded grid's points a scale has no more
    distinct filters, and the bound stops a typo (L=10**5) before hours of work; Kymatio has no bound."""
    x = np.zeros((1, 2, 2))
    assert kymatio_numpy.Scattering2D(1, (2, 2), L=64)(x).shape == (1, 65, 1, 1)
    with pytest.raises(ValueError, match=r"L \(orientations per scale\) = 64 exceeds the 36 frequencies"):
        sx.Scattering2D(1, (2, 2), L=64)
    x = np.random.default_rng(3).standard_normal((1, 2, 2))
    assert (
        rel_err(sx.Scattering2D(1, (2, 2), L=36)(x), kymatio_numpy.Scattering2D(1, (2, 2), L=36)(x))
        <= TOL["2d", np.float64]
    )


@pytest.mark.parametrize("frontend", FRONTENDS)
def test_settings_changed_after_construction_are_checked_at_call(frontend):
    S = scattering(frontend, 1, (8, 8), L=2)
    S.out_type = "dict"
    with pytest.raises(ScatteringValueError, match="out_type must be one of 'array', 'list', got 'dict'"):
        S(as_input(np.zeros((8, 8)), frontend))


# ---------------------------------------------------------------- layout: out_type='list', meta(), output_size()
@pytest.mark.parametrize("frontend", FRONTENDS)
def test_list_output_and_meta_follow_kymatio(frontend, rng):
    x = rng.standard_normal((2, 3, 16, 16))
    ref = kymatio_numpy.Scattering2D(2, (16, 16), L=4, out_type="list")(x)
    S = scattering(frontend, 2, (16, 16), L=4, out_type="list")
    out = S(as_input(x, frontend))
    assert [(a["j"], a["n"], a["theta"]) for a in out] == [(b["j"], b["n"], b["theta"]) for b in ref]
    assert list(out[0]) == list(ref[0]) == ["coef", "j", "n", "theta"]
    assert all(tuple(a["coef"].shape) == b["coef"].shape == (2, 3, 4, 4) for a, b in zip(out, ref))
    assert rel_err(out, ref) <= TOL["2d", np.float64]
    meta = S.meta()
    assert sorted(meta) == ["j", "key", "n", "order", "theta"]
    assert meta["key"] == [b["n"] for b in ref]
    assert list(meta["order"]) == [len(b["n"]) for b in ref]
    for field in ("j", "theta", "n"):
        for row, b in zip(meta[field], ref):
            assert tuple(row[: len(b[field])]) == b[field] and np.isnan(row[len(b[field]) :]).all()
    assert S.output_size(detail=True) == [1, 8, 16] and S.output_size() == len(ref) == 25


# ---------------------------------------------------------------- torch.nn.Module (test_gradients, .to/.double)
@requires_torch
def test_gradients_of_a_double_module():
    S = sx.Scattering2D(1, (8, 8), L=2, frontend="torch").double()
    x = torch.rand(2, 1, 8, 8, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(S, (x,), fast_mode=True)


@requires_torch
def test_a_module_whose_filters_are_buffers(rng):
    S = sx.Scattering2D(2, (8, 8), L=2, frontend="torch")
    assert isinstance(S, torch.nn.Module) and not list(S.parameters())
    assert sorted(S.state_dict()) == ["phi_0", "phi_1", "psi_0", "psi_1"]
    x = torch.from_numpy(rng.standard_normal((2, 8, 8)))
    ref = kymatio_numpy.Scattering2D(2, (8, 8), L=2)(x.numpy())
    assert S.phi_0.dtype == torch.float64 and rel_err(S(x), ref) <= TOL["2d", np.float64]
    S.float()
    assert S.phi_0.dtype == torch.float32 and rel_err(S(x.float()), ref) <= TOL["2d", np.float32]
    S.double()
    model = torch.nn.Sequential(S, torch.nn.Flatten(), torch.nn.Linear(9 * 2 * 2, 3).double())
    assert model(x).shape == (2, 3)
    for clone in (copy.deepcopy(S), pickle.loads(pickle.dumps(S))):
        assert torch.equal(clone(x), S(x))
    other = sx.Scattering2D(2, (8, 8), L=2, frontend="torch")
    with torch.no_grad():
        other.psi_0.zero_()
    other.load_state_dict(S.state_dict())
    assert torch.equal(other(x), S(x))


@requires_torch
@pytest.mark.parametrize("device", DEVICES)
def test_module_moves_with_to_and_output_follows_the_input(device, rng):
    S = sx.Scattering2D(2, (8, 8), L=2, frontend="torch").to(device)
    assert S.psi_1.device.type == device
    x = torch.from_numpy(rng.standard_normal((2, 8, 8))).to(device)
    out = S(x)
    assert out.device == x.device
    assert rel_err(out, kymatio_numpy.Scattering2D(2, (8, 8), L=2)(x.cpu().numpy())) <= TOL["2d", np.float64]
