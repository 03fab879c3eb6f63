"""Kymatio 0.3.0's entry points, backends, scikit-learn frontend and exception types, answered by scatterx.

See README.md for the mapping to Kymatio's tests.
"""

import pickle

import numpy as np
import pytest
import scipy.special
from agreement import TOL, rel_err
from conftest import requires_torch, torch

import scatterx as sx
import scatterx.numpy
from scatterx.kymatio import BackendImportError, ScatteringValueError, allow_kymatio_import

kymatio_sklearn = pytest.importorskip("kymatio.sklearn")

sklearn_frontend = pytest.importorskip("scatterx.sklearn")


# ---------------------------------------------------------------- entry points (test_scattering2d_frontend, …)
@pytest.mark.parametrize("entry, numpy_class", [(sx.Scattering2D, "Scattering2D"), (sx.Scattering1D, "Scattering1D")])
def test_the_default_frontend_is_numpy_and_a_wrong_one_is_named(entry, numpy_class):
    S = entry(2, shape=(10, 10) if entry is sx.Scattering2D else (10,))
    assert type(S) is getattr(scatterx.numpy, numpy_class) and isinstance(S, entry)
    with pytest.raises(RuntimeError, match="The frontend 'doesnotexist' is not valid") as info:
        entry(2, shape=(10, 10), frontend="doesnotexist")
    assert isinstance(info.value, ValueError)
    with pytest.raises(ScatteringValueError, match="'jax'.*no scatterx counterpart"):
        entry(2, shape=(10, 10), frontend="jax")


@requires_torch
def test_frontend_torch_is_the_torch_module_and_case_does_not_matter():
    S = sx.Scattering2D(2, (8, 8), frontend="Torch")
    assert type(S) is sx.torch.Scattering2D and isinstance(S, (sx.Scattering2D, torch.nn.Module))
    assert isinstance(sx.Scattering1D(3, 64, frontend="torch"), torch.nn.Module)


def test_frontend_sklearn_is_the_estimator():
    S = sx.Scattering2D(2, (8, 8), frontend="sklearn")
    assert type(S) is sklearn_frontend.Scattering2D and S.get_params()["J"] == 2


@pytest.mark.parametrize("entry", [sx.Scattering2D, sx.Scattering1D])
def test_an_unknown_backend_is_an_import_error(entry):
    shape = (10, 10) if entry is sx.Scattering2D else 10
    with pytest.raises(ImportError, match="The backend 'doesnotexist' can not be called from the frontend 'numpy'"):
        entry(2, shape=shape, backend="doesnotexist")
    with pytest.raises(BackendImportError, match="can not be called from the frontend 'numpy'"):
        entry(2, shape=shape, backend="torch")  # Kymatio: torch backends belong to the torch frontend


def test_kymatios_own_backend_objects_are_accepted(rng):
    from kymatio.scattering1d.backend.numpy_backend import backend as backend_1d
    from kymatio.scattering2d.backend.numpy_backend import backend as backend_2d

    x = rng.standard_normal((1, 8, 8))
    np.testing.assert_array_equal(sx.Scattering2D(2, (8, 8), backend=backend_2d)(x), sx.Scattering2D(2, (8, 8))(x))
    assert sx.Scattering1D(3, 64, backend=backend_1d).backend == "numpy"


def test_numpy_backend_takes_numpy_arrays_only(rng):
    S = sx.Scattering2D(2, (8, 8), backend="numpy")
    if torch is not None:
        with pytest.raises(TypeError, match="input should be a NumPy array for backend='numpy'"):
            S(torch.zeros(8, 8))
    assert S(rng.standard_normal((8, 8)).tolist()).shape == (81, 2, 2)  # array-likes are read as NumPy arrays


# ---------------------------------------------------------------- exception types
def test_exceptions_are_catchable_both_as_scatterxs_and_as_kymatios():
    assert issubclass(ScatteringValueError, ValueError) and issubclass(ScatteringValueError, RuntimeError)
    assert issubclass(BackendImportError, ImportError) and issubclass(BackendImportError, ValueError)
    assert sx.ScatteringValueError is ScatteringValueError and sx.BackendImportError is BackendImportError


# ---------------------------------------------------------------- scikit-learn frontend (test_sklearn_transformer)
def test_sklearn_transform_is_the_numpy_frontend_flattened_and_kymatios(rng):
    x = rng.standard_normal((3, 16, 16))
    rows = x.reshape(3, -1)
    numpy_frontend = sx.Scattering2D(2, (16, 16), L=4)
    estimator = sklearn_frontend.Scattering2D(2, (16, 16), L=4)
    out = estimator.transform(rows)  # Kymatio's transformer needs no fit
    np.testing.assert_array_equal(out, numpy_frontend(x).reshape(3, -1))
    assert rel_err(out, kymatio_sklearn.Scattering2D(2, (16, 16), L=4).transform(rows)) <= TOL["2d", np.float64]
    assert estimator.fit(rows).transform(rows).shape == out.shape


def test_sklearn_rows_of_several_signals_and_the_1d_estimator(rng):
    x = rng.standard_normal((4, 2, 128))  # two signals per row, as Kymatio's reshape reads them
    est = sklearn_frontend.Scattering1D(4, 128, Q=2)
    ref = kymatio_sklearn.Scattering1D(4, 128, Q=2).transform(x.reshape(4, -1))
    out = est.fit_transform(x.reshape(4, -1))
    assert out.shape == ref.shape and rel_err(out, ref) <= TOL["1d", np.float64]
    with pytest.raises(ValueError, match="n_features=200, which is not a multiple of prod\\(shape\\) = 128"):
        est.fit(np.zeros((2, 200)))


def test_sklearn_entry_checks_arguments_as_kymatios_constructor():
    with pytest.raises(RuntimeError, match="smallest dimension"):
        sx.Scattering2D(5, (8, 8), frontend="sklearn")
    sklearn_frontend.Scattering2D(5, (8, 8))  # scikit-learn's contract: the constructor only stores
    with pytest.raises(ValueError, match="smallest dimension"):
        sklearn_frontend.Scattering2D(5, (8, 8)).fit(np.zeros((2, 64)))


# ---------------------------------------------------------------- pickling and the compatibility step
@pytest.mark.parametrize("entry", [sx.Scattering2D, sx.Scattering1D])
def test_numpy_frontends_pickle_after_use(entry, rng):
    S = entry(2, (8, 8)) if entry is sx.Scattering2D else entry(2, 32)
    x = rng.standard_normal((2,) + S.shape)
    out = S(x)
    back = pickle.loads(pickle.dumps(S))
    np.testing.assert_array_equal(back(x), out)


def test_allow_kymatio_import_restores_sph_harm_with_its_argument_order():
    allow_kymatio_import()
    allow_kymatio_import()  # idempotent
    m, n, theta, phi = 1, 3, 0.7, 1.1  # θ azimuthal, φ polar
    # Y_3^1(θ, φ) from its closed form: −(1/8) √(21/π) sin φ (5 cos² φ − 1) e^{iθ}
    closed = -(1 / 8) * np.sqrt(21 / np.pi) * np.sin(phi) * (5 * np.cos(phi) ** 2 - 1) * np.exp(1j * theta)
    assert scipy.special.sph_harm(m, n, theta, phi) == pytest.approx(closed, rel=1e-12)
