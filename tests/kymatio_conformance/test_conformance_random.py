"""Random configurations of both Kymatio frontends, run by Kymatio 0.3.0 and by scatterx on the same input.

Beyond the cases chosen by hand in ``test_conformance_1d.py`` and
``test_conformance_2d.py``: J, the shape (odd sizes included), L or Q
(one or two values), T, ``oversampling``, ``max_order``, ``pre_pad``, the
list output, the un-averaged list and dict outputs, and the dtype are
drawn from fixed seeds.  Both libraries must accept or refuse the same
configurations (the one difference on purpose, more filters per scale
than grid points, is named in docs/kymatio.md), give outputs of the same
structure and shapes, and the same numbers to ``agreement.TOL``.
"""

import importlib

import numpy as np
import pytest
from agreement import TOL, rel_err
from conftest import requires_torch, torch

import scatterx.numpy as sx_numpy

kymatio_numpy = pytest.importorskip("kymatio.numpy")

# A difference on purpose (docs/kymatio.md): scatterx refuses more orientations or wavelets per octave than the
# padded grid has points, where Kymatio computes them.
BEYOND_THE_GRID = "frequencies of the grid"


def draw(seed):
    """(kind, keyword arguments, input) of one random configuration."""
    rng = np.random.default_rng(seed)
    dtype = [np.float32, np.float64][int(rng.integers(2))]
    batch = int(rng.integers(1, 4))
    if rng.random() < 0.5:
        J = int(rng.integers(1, 4))
        shape = (int(rng.integers(2**J, 6 * 2**J)), int(rng.integers(2**J, 6 * 2**J)))
        kwargs = dict(J=J, shape=shape, L=int(rng.choice([1, 2, 3, 4, 6, 8])), max_order=int(rng.integers(1, 3)))
        if rng.random() < 0.3:
            kwargs["pre_pad"] = False
        if rng.random() < 0.2:
            kwargs["out_type"] = "list"
        return "2d", kwargs, rng.standard_normal((batch,) + shape).astype(dtype)
    J = int(rng.integers(1, 7))
    N = int(rng.integers(2**J, 8 * 2**J))
    Q = int(rng.choice([1, 2, 4, 8])) if rng.random() < 0.7 else (int(rng.choice([2, 4, 8])), int(rng.integers(1, 3)))
    kwargs = dict(J=J, shape=N, Q=Q, max_order=int(rng.integers(1, 3)))
    if rng.random() < 0.3:
        kwargs["T"] = int(2 ** rng.integers(0, J + 1))
    if rng.random() < 0.2:
        kwargs["oversampling"] = int(rng.integers(1, 3))
    if rng.random() < 0.2:
        kwargs.update(T=0, out_type=str(rng.choice(["list", "dict"])))  # un-averaged: maps of several lengths
    return "1d", kwargs, rng.standard_normal((batch, N)).astype(dtype)


def build(module, kind, kwargs):
    """(scattering object, None) or (None, the exception its constructor raised)."""
    try:
        return (module.Scattering2D if kind == "2d" else module.Scattering1D)(**kwargs), None
    except Exception as error:  # noqa: BLE001 — which exception each library raises is what is compared
        return None, error


@pytest.mark.filterwarnings("ignore")  # Kymatio's warnings on small signals and deprecated options
@pytest.mark.parametrize("frontend", ["numpy", pytest.param("torch", marks=requires_torch)])
@pytest.mark.parametrize("seed", range(60))
def test_random_configuration_is_kymatios(seed, frontend):
    """scatterx's NumPy and torch frontends against Kymatio's NumPy frontend (its reference numbers)."""
    kind, kwargs, x = draw(seed)
    module = sx_numpy if frontend == "numpy" else importlib.import_module("scatterx.torch")
    (theirs, their_error), (ours, our_error) = build(kymatio_numpy, kind, kwargs), build(module, kind, kwargs)
    ours_input = x if frontend == "numpy" else torch.from_numpy(x)
    if their_error is not None:
        assert our_error is not None, f"Kymatio refuses {kwargs}: {their_error!r}; scatterx accepts it"
        return
    if our_error is not None:
        assert BEYOND_THE_GRID in str(our_error), f"scatterx refuses {kwargs}: {our_error!r}"
        return
    ref, out = theirs(x), ours(ours_input)
    dtype = x.dtype.type
    if isinstance(ref, dict):
        assert list(out) == list(ref)
        ref, out = list(ref.values()), list(out.values())
        assert all(tuple(o.shape) == r.shape for r, o in zip(ref, out))
        err = max(rel_err(o, r) for r, o in zip(ref, out))
    elif isinstance(ref, list):
        assert [sorted(k for k in r if k != "coef") for r in ref] == [sorted(k for k in o if k != "coef") for o in out]
        assert all(o["coef"].shape == r["coef"].shape for r, o in zip(ref, out))
        err = max(rel_err(o["coef"], r["coef"]) for r, o in zip(ref, out))
    else:
        assert tuple(out.shape) == ref.shape
        err = rel_err(out, ref)
    assert err <= TOL[kind, dtype], f"{kwargs} {np.dtype(dtype).name}: relative difference {err:.2e}"


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("seed", range(60))
def test_random_configuration_meta_and_output_size_are_kymatios(seed):
    """1-D: ``meta()`` (every field; the path keys exactly) and ``output_size``; 2-D (Kymatio has neither):
    the (j, n, theta) of every entry of the list output, in order."""
    kind, kwargs, x = draw(seed)
    (theirs, their_error), (ours, our_error) = build(kymatio_numpy, kind, kwargs), build(sx_numpy, kind, kwargs)
    if their_error is not None or our_error is not None:
        return  # acceptance is the other test's
    if kind == "2d":
        theirs.out_type = ours.out_type = "list"
        fields = lambda out: [(c["j"], c["n"], c["theta"]) for c in out]  # noqa: E731
        assert fields(ours(x[:1])) == fields(theirs(x[:1]))
        return
    mine, ref = ours.meta(), theirs.meta()
    assert set(mine) == set(ref)
    assert [tuple(k) for k in mine["key"]] == [tuple(k) for k in ref["key"]]
    for field in set(ref) - {"key"}:
        np.testing.assert_allclose(
            np.asarray(mine[field], float), np.asarray(ref[field], float), rtol=1e-10, atol=1e-12
        )
    for detail in (False, True):
        assert ours.output_size(detail=detail) == theirs.output_size(detail=detail)
