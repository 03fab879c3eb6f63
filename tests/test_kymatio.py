"""The Kymatio-compatible frontends return Kymatio 0.3.0's numbers, on larger cases than the conformance tests.

Agreement is max |ours − Kymatio| / max |Kymatio|.  Bounds: 1e-5 in float64
(Kymatio builds its 2-D filters in complex64, so the two differ at float32
rounding of the filters, ~1e-7, even in float64) and 1e-4 in float32.
Kymatio's own frontend tests are answered in tests/kymatio_conformance/.
"""

import numpy as np
import pytest
from conftest import requires_torch, torch

import scatterx as sx

kymatio_numpy = pytest.importorskip("kymatio.numpy")

TOL = {np.float64: 1e-5, np.float32: 1e-4}


def rel_err(a, b):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))) / np.max(np.abs(b)))


def as_input(x, frontend):
    return torch.from_numpy(x) if frontend == "torch" else x


def to_numpy(a):
    return a.numpy() if torch is not None and isinstance(a, torch.Tensor) else a


FRONTENDS = ["numpy", pytest.param("torch", marks=requires_torch)]

CASES_2D = [  # J, shape, L, max_order
    (1, (16, 16), 8, 2),
    (2, (32, 32), 8, 2),
    (3, (28, 28), 8, 2),
    (2, (30, 44), 6, 1),
    (3, (40, 24), 4, 2),
    (4, (64, 48), 8, 2),
]


@pytest.fixture(scope="module")
def reference_2d():
    cache = {}

    def get(J, shape, L, order, x):
        key = (J, shape, L, order)
        if key not in cache:
            cache[key] = kymatio_numpy.Scattering2D(J, shape, L=L, max_order=order)
        return cache[key](x)

    return get


@pytest.mark.parametrize("frontend", FRONTENDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("J, shape, L, order", CASES_2D)
def test_scattering2d_matches_kymatio(J, shape, L, order, dtype, frontend, reference_2d, rng):
    x = rng.standard_normal((3,) + shape)
    ref = reference_2d(J, shape, L, order, x)
    ours = sx.Scattering2D(J, shape, L=L, max_order=order, frontend=frontend)(as_input(x.astype(dtype), frontend))
    ours = to_numpy(ours)
    assert ours.shape == ref.shape and ours.dtype == dtype
    assert rel_err(ours, ref) <= TOL[dtype]


@pytest.mark.parametrize("frontend", FRONTENDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("J, shape, L, order", [(3, (28, 28), 8, 2), (4, (64, 48), 8, 2)])
def test_scattering2d_with_children_made_a_few_filters_at_a_time_matches_kymatio(
    J, shape, L, order, dtype, frontend, reference_2d, rng, monkeypatch
):
    # Product blocks of 16 KiB: the first layer's children (whose own children become features
    # block by block) are made and visited one or two filters at a time, as on larger batches.
    from scatterx import _core

    monkeypatch.setitem(_core.PRODUCT_BLOCK_BYTES, "cpu", 16 << 10)
    x = rng.standard_normal((3,) + shape)
    ours = sx.Scattering2D(J, shape, L=L, max_order=order, frontend=frontend)(as_input(x.astype(dtype), frontend))
    assert rel_err(to_numpy(ours), reference_2d(J, shape, L, order, x)) <= TOL[dtype]


def test_scattering2d_in_chunks_of_unequal_size_with_children_made_a_few_filters_at_a_time(rng, monkeypatch):
    # Seven images in chunks of two (three of two, one of one) with 16 KiB product blocks:
    # how the paths are grouped follows the chunk size, not the batch a chunk happens to hold, so
    # every chunk's groups fit the joined output.  Compared with Kymatio at the float32 tolerance.
    from scatterx import _chunks, _core

    monkeypatch.setitem(_core.PRODUCT_BLOCK_BYTES, "cpu", 16 << 10)
    monkeypatch.setattr(_chunks, "chunking", lambda *args, **kwargs: (2, 2))
    J, shape = 3, (28, 28)
    x = rng.standard_normal((7,) + shape)
    ours = sx.Scattering2D(J, shape, L=8)(x.astype(np.float32))
    assert rel_err(ours, kymatio_numpy.Scattering2D(J, shape, L=8)(x)) <= TOL[np.float32]


def test_scattering2d_list_output_and_leading_axes(rng):
    x = rng.standard_normal((2, 3, 32, 32))
    ref = kymatio_numpy.Scattering2D(2, (32, 32), L=4, out_type="list")(x)
    ours = sx.Scattering2D(2, (32, 32), L=4, out_type="list")(x)
    assert len(ours) == len(ref) == 1 + 8 + 16 * 1
    for a, b in zip(ours, ref):
        assert (a["j"], a["n"], a["theta"]) == (b["j"], b["n"], b["theta"])
        assert a["coef"].shape == b["coef"].shape == (2, 3, 8, 8)
        assert rel_err(a["coef"], b["coef"]) <= 1e-5
    assert sx.Scattering2D(2, (32, 32), L=4).output_size() == 25


def test_scattering2d_pre_padded_input(rng):
    S = kymatio_numpy.Scattering2D(2, (32, 32), pre_pad=True)
    x = rng.standard_normal((2, S._M_padded, S._N_padded))
    assert rel_err(sx.Scattering2D(2, (32, 32), pre_pad=True)(x), S(x)) <= 1e-5


CASES_1D = [  # J, N, Q, T, max_order
    (6, 1024, 8, None, 2),
    (4, 300, 1, None, 2),
    (5, 2048, (4, 2), 64, 2),
    (3, 256, 2, 16, 1),
    (6, 8192, 8, None, 2),
    (2, 64, 1, 2, 2),
]


@pytest.mark.parametrize("frontend", FRONTENDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("J, N, Q, T, order", CASES_1D)
def test_scattering1d_matches_kymatio(J, N, Q, T, order, dtype, frontend, rng):
    x = rng.standard_normal((2, N))
    ref = kymatio_numpy.Scattering1D(J, N, Q=Q, T=T, max_order=order)(x)
    ours = to_numpy(
        sx.Scattering1D(J, N, Q=Q, T=T, max_order=order, frontend=frontend)(as_input(x.astype(dtype), frontend))
    )
    assert ours.shape == ref.shape and ours.dtype == dtype
    assert rel_err(ours, ref) <= TOL[dtype]


@pytest.mark.parametrize("oversampling", [1, 2])
def test_scattering1d_oversampling(oversampling, rng):
    x = rng.standard_normal((2, 512))
    ref = kymatio_numpy.Scattering1D(5, 512, Q=2, oversampling=oversampling)(x)
    assert rel_err(sx.Scattering1D(5, 512, Q=2, oversampling=oversampling)(x), ref) <= 1e-5


@pytest.mark.parametrize("out_type", ["list", "dict"])
def test_scattering1d_list_and_dict(out_type, rng):
    x = rng.standard_normal((3, 256))
    ref = kymatio_numpy.Scattering1D(4, 256, Q=2, out_type=out_type)(x)
    ours = sx.Scattering1D(4, 256, Q=2, out_type=out_type)(x)
    if out_type == "dict":
        assert list(ours) == list(ref)
        ours, ref = list(ours.values()), list(ref.values())
    else:
        assert [(a["j"], a["n"]) for a in ours] == [(b["j"], b["n"]) for b in ref]
        ours, ref = [a["coef"] for a in ours], [b["coef"] for b in ref]
    for a, b in zip(ours, ref):
        assert a.shape == b.shape and rel_err(a, b) <= 1e-5


@requires_torch
def test_the_numpy_frontend_on_tensors_is_differentiable():
    # backend=None: the NumPy frontend takes tensors too, its NumPy filters moved to them
    x = torch.randn(1, 16, 16, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(sx.Scattering2D(1, (16, 16), L=2), (x,), eps=1e-6, atol=1e-6, fast_mode=True)
    y = torch.randn(1, 64, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(sx.Scattering1D(2, 64, Q=1), (y,), eps=1e-6, atol=1e-6, fast_mode=True)


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "kwargs, err, match",
    [
        (dict(J=6, shape=(32, 32)), RuntimeError, "J=6 is too large for shape \\(32, 32\\).*largest allowed J is 5"),
        (dict(J=0, shape=(32, 32)), ValueError, "J must be a positive int, got 0"),
        (dict(J=2, shape=(32, 32), L=0), ValueError, "L must be a positive int, got 0"),
        (dict(J=2, shape=(32, 32), max_order=3), ValueError, "max_order must be one of 1, 2, got 3"),
        (dict(J=2, shape=(32, 32), out_type="dict"), ValueError, "out_type must be one of"),
        (dict(J=2, shape=(32,)), (TypeError, ValueError), "shape must be \\(M, N\\)"),
    ],
)
def test_scattering2d_bad_arguments(kwargs, err, match):
    with pytest.raises(err, match=match):
        sx.Scattering2D(**kwargs)


@pytest.mark.parametrize(
    "kwargs, err, match",
    [
        (dict(J=11, shape=1024), RuntimeError, "J=11 is too large for N=1024.*largest allowed J is 10"),
        (dict(J=4, shape=256, Q=0), ValueError, "Q should always be >= 1 \\(wavelets per octave\\), got 0"),
        (dict(J=4, shape=256, Q=(2, 1.5)), TypeError, "Q must be a positive int, got 1.5"),
        (
            dict(J=4, shape=256, T=512),
            ValueError,
            "T of the low-pass filter cannot exceed input length \\(got 512 > 256\\)",
        ),
        (dict(J=4, shape=256, T=2.5), TypeError, "T must be an int >= 0, got 2.5"),
        (dict(J=4, shape=256, oversampling=-1), ValueError, "oversampling must be nonnegative, got -1"),
        (dict(J=4, shape=256, oversampling=1.0), TypeError, "oversampling must be integer"),
        (dict(J=4, shape=(256, 2)), ValueError, "shape must be an integer N or a 1-tuple"),
    ],
)
def test_scattering1d_bad_arguments(kwargs, err, match):
    with pytest.raises(err, match=match):
        sx.Scattering1D(**kwargs)


def test_frontend_bad_input(rng):
    S = sx.Scattering2D(2, (32, 32))
    with pytest.raises(ValueError, match="NaN or Inf"):
        S(np.full((1, 32, 32), np.nan))
    with pytest.raises(ValueError, match=r"NumPy array must be of spatial size \(32,32\).*got shape \(1, 28, 28\)"):
        S(np.zeros((1, 28, 28)))
    with pytest.raises(TypeError, match="complex dtype"):
        S(np.zeros((1, 32, 32), complex))
    assert S(np.ones((1, 32, 32), np.uint8)).dtype == np.float64


@requires_torch
def test_backend_mismatch_is_named():
    with pytest.raises(TypeError, match="backend='numpy'.*use scatterx.torch.Scattering2D"):
        sx.Scattering2D(2, (32, 32), backend="numpy")(torch.zeros(1, 32, 32))
    with pytest.raises(TypeError, match="input should be a PyTorch Tensor.*torch.from_numpy"):
        sx.Scattering1D(3, 64, frontend="torch")(np.zeros((1, 64)))
    with pytest.raises(ImportError, match="backend 'torch' can not be called from the frontend 'numpy'"):
        sx.Scattering1D(3, 64, backend="torch")


@requires_torch
@pytest.mark.skipif(torch is None or not torch.cuda.is_available(), reason="no CUDA device")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_frontends_on_cuda_match_kymatio(dtype, rng):
    x = rng.standard_normal((4, 32, 32))
    ours = sx.Scattering2D(2, (32, 32), frontend="torch").cuda()(torch.from_numpy(x.astype(dtype)).cuda())
    assert ours.is_cuda
    assert rel_err(ours.cpu().numpy(), kymatio_numpy.Scattering2D(2, (32, 32))(x)) <= TOL[dtype]
    y = rng.standard_normal((2, 1024))
    ours = sx.Scattering1D(5, 1024, Q=4, frontend="torch").cuda()(torch.from_numpy(y.astype(dtype)).cuda())
    assert rel_err(ours.cpu().numpy(), kymatio_numpy.Scattering1D(5, 1024, Q=4)(y)) <= TOL[dtype]


@pytest.mark.parametrize("library", ["numpy", pytest.param("torch", marks=requires_torch)])
@pytest.mark.parametrize(
    ("shape", "widths"),
    [
        ((3, 32, 32), [(4, 4), (4, 4)]),  # case a of the benchmark
        ((2, 8, 8), [(8, 8), (8, 8)]),  # as wide as the side: the reflection reflected
        ((2, 5, 5), [(11, 2), (0, 13)]),  # wider than twice the side, one margin empty
        ((4, 17), [(3, 9)]),
        ((2, 6, 7), [(0, 0), (6, 2)]),
    ],
)
def test_reflect_padding_equals_numpys_reflect_mode(library, shape, widths, rng):
    # The margins are gathered and the signal copied between them: the same numbers as np.pad's
    # 'reflect' for any width (exact: a copy of entries, no arithmetic).
    from scatterx._kymatio_base import reflect_pad

    x = rng.standard_normal(shape)
    expected = np.pad(x, [(0, 0)] * (x.ndim - len(widths)) + widths, mode="reflect")
    got = reflect_pad(x if library == "numpy" else torch.from_numpy(x), widths)
    np.testing.assert_array_equal(np.asarray(got), expected)
