"""The generic network against the theory's exact statements (docs/theory.md)."""

import json

import numpy as np
import pytest
from conftest import DTYPES, RTOL, energy, requires_torch, torch
from hypothesis import given, settings
from hypothesis import strategies as st

import frames
import scatterx as sx

MODULUS, SUBSAMPLE_2 = sx.Modulus(), sx.Subsample(2)

NONLINEARITIES = [sx.Modulus(), sx.ReLU(), sx.Tanh(), sx.Sigmoid()]
POOLINGS = [sx.NoPooling(), sx.Subsample(2), sx.Average(2), sx.MaxPool(2)]


def two_layer(M=MODULUS, P=SUBSAMPLE_2, shape=(32, 32), frame=None, **kw):
    frame = frame or frames.morlet(J=2, L=4)
    return sx.Network([sx.Module(frame, M, P)] * 2, shape=shape, **kw)


@pytest.mark.parametrize("P", POOLINGS, ids=lambda p: p.name)
@pytest.mark.parametrize("M", NONLINEARITIES, ids=lambda m: m.name)
def test_nonexpansive_for_every_nonlinearity_and_pooling(M, P, rng):
    net = two_layer(M, P).admissible()
    net.check()
    f = rng.standard_normal((6, 32, 32))
    h = f + rng.standard_normal((6, 32, 32)) * np.array([1e-3, 1e-2, 0.1, 1, 3, 10])[:, None, None]
    diff = [a - b for a, b in zip(net.layers(f), net.layers(h))]
    ratio = np.sqrt(energy(diff) / np.sum((f - h) ** 2, axis=(1, 2)))
    assert ratio.max() <= 1 + 1e-12, ratio
    # and |||Φ(f)||| ≤ ‖f‖ (h = 0 in the statement above, since Φ(0) = 0)
    assert np.all(energy(net.layers(f)) <= np.sum(f**2, axis=(1, 2)) * (1 + 1e-12))


def test_nonexpansiveness_can_fail_when_not_admissible(rng):
    net = two_layer().admissible()
    loud = sx.Network([sx.Module(m.frame.scaled(3.0), m.nonlinearity, m.pooling) for m in net.modules], shape=net.shape)
    with pytest.raises(sx.NotAdmissibleError, match=r"layer 0 is not admissible: max\(B, B L² R²\)"):
        loud.check()
    f = rng.standard_normal((4, 32, 32))
    assert np.all(energy(loud.layers(f)) > np.sum(f**2, axis=(1, 2)))


@pytest.mark.parametrize("P", POOLINGS, ids=lambda p: p.name)
@pytest.mark.parametrize("M", NONLINEARITIES, ids=lambda m: m.name)
def test_shift_by_pooling_product_is_exact(M, P, rng):
    net = two_layer(M, P, prune="frequency-decreasing")
    f = rng.standard_normal((2, 32, 32))
    t = (4, -8)  # multiples of S_1 S_2 = 4
    maps, shifted = net.layers(f), net.layers(np.roll(f, t, axis=(1, 2)))
    for n, (a, b) in enumerate(zip(maps, shifted)):
        s = np.prod([m.pooling.factor for m in net.modules[:n]])
        np.testing.assert_allclose(b, np.roll(a, (t[0] // s, t[1] // s), axis=(-2, -1)), atol=1e-12 * np.abs(a).max())


def test_parseval_energy_identity_on_a_tight_bank(rng):
    # ‖f‖² = Σ_{n<N} |||Φ^n f|||² + W_N f with Parseval frames, the modulus and no pooling.
    tight = frames.morlet(J=3, L=4, tight=True)
    net = sx.Network([sx.Module(tight)] * 3, shape=(32, 24))
    f = rng.standard_normal((3, 32, 24))
    feats, W = net.energy(f)
    total = sum(feats[:3]) + W[3]
    np.testing.assert_allclose(total, np.sum(f**2, axis=(1, 2)), rtol=1e-12)
    np.testing.assert_allclose(W[0], np.sum(f**2, axis=(1, 2)), rtol=1e-12)
    assert np.all(np.diff(np.stack(W), axis=0) <= 1e-9)  # propagated energy decreases


def test_layers_layout_and_energy_match_flat_features(rng):
    net = two_layer(shape=(32, 16))
    f = rng.standard_normal((5, 32, 16))
    maps = net.layers(f)
    assert [m.shape for m in maps] == [(5, 1, 32, 16), (5, 8, 16, 8), (5, 64, 8, 4)]
    flat = net(f)
    assert flat.shape == (5, net.n_features) == (5, len(net.get_feature_names()))
    np.testing.assert_allclose(np.sum(flat**2, axis=1), energy(maps), rtol=1e-12)
    assert net.get_feature_names()[32 * 16] == "L1[0](0,0)"


def test_feature_grid_subsamples_the_lowpass_outputs(rng):
    net = two_layer(feature_grid=(4, 4))
    f = rng.standard_normal((2, 32, 32))
    maps = net.layers(f)
    flat = net(f)
    expect = np.concatenate([m[..., :: m.shape[-2] // 4, :: m.shape[-1] // 4].reshape(2, -1) for m in maps], 1)
    np.testing.assert_allclose(flat, expect, atol=1e-12)
    assert net.get_feature_names()[-1] == "L2[7-7](3,3)"


def test_frequency_decreasing_pruning_counts_absolute_scale():
    net = two_layer(prune="frequency-decreasing", frame=frames.morlet(J=3, L=2))
    # layer-2 frames live on a grid halved by S_1 = 2: scale j there is j + 1 overall.
    # parents j1 = 0, 1, 2 (2 angles each) keep children with j2 + 1 > j1: 3, 2, 1 scales of 2 angles.
    assert len(net.paths(2)) == 2 * 6 + 2 * 4 + 2 * 2


@pytest.mark.parametrize("dtype", DTYPES)
def test_dtype_policy(dtype, rng):
    net = two_layer()
    f = rng.standard_normal((2, 32, 32))
    out = net(f.astype(dtype))
    assert out.dtype == dtype
    np.testing.assert_allclose(out, net(f), rtol=0, atol=RTOL[dtype] * np.abs(net(f)).max())
    ints = net(np.round(f * 100).astype(np.int32))
    assert ints.dtype == np.float64
    np.testing.assert_allclose(ints, net(np.round(f * 100)), rtol=1e-14)


def test_complex_input_network(rng):
    net = two_layer(sx.ReLU(), sx.Average(2), real_input=False).admissible()
    z = rng.standard_normal((2, 32, 32)) + 1j * rng.standard_normal((2, 32, 32))
    out = net(z)
    assert out.dtype == np.float64 and out.shape[1] == net.n_features  # re and im parts
    assert net.get_feature_names()[0].endswith(".re")
    with pytest.raises(TypeError, match="complex dtype.*real_input=False"):
        two_layer()(z)


def test_round_trip_through_json_is_exact(rng):
    net = sx.Network(
        [
            sx.Module(frames.morlet(J=2, L=6), sx.Tanh(), sx.Average(2)),
            sx.Module(frames.morlet(J=1, L=3), sx.Sigmoid(), sx.MaxPool(2)),
        ],
        shape=(32, 32),
        prune="frequency-decreasing",
        feature_grid=4,
    ).admissible()
    again = sx.Network.from_dict(json.loads(json.dumps(net.to_dict())))
    assert again == net and again.to_dict() == net.to_dict()
    f = rng.standard_normal((1, 32, 32))
    np.testing.assert_array_equal(again(f), net(f))
    with pytest.raises(ValueError, match="format version 99"):
        sx.Network.from_dict({**net.to_dict(), "scatterx_network": 99})


def test_leading_axes_are_kept(rng):
    net = two_layer(shape=(16, 16))
    f = rng.standard_normal((2, 3, 16, 16))
    np.testing.assert_allclose(net(f).reshape(6, -1), net(f.reshape(6, 16, 16)), rtol=1e-13)
    assert net(f[0, 0]).shape == (net.n_features,)


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "bad, err, match",
    [
        (np.full((2, 32, 32), np.nan), ValueError, "x holds NaN or Inf"),
        (np.full((2, 32, 32), np.inf), ValueError, "x holds NaN or Inf"),
        (np.zeros((2, 32, 31)), ValueError, r"x must have shape \(\.\.\., 32, 32\).*got \(2, 32, 31\)"),
        (np.zeros((0, 32, 32)), ValueError, "empty batch"),
        (np.zeros((2, 32, 32), np.float16), TypeError, "float32 or float64"),
        ("not an array", ValueError, "x must have shape"),
    ],
)
def test_bad_input_is_named(bad, err, match):
    with pytest.raises(err, match=match):
        two_layer()(bad)


def test_bad_networks_are_named():
    with pytest.raises(ValueError, match=r"does not divide by the pooling factor S=3"):
        two_layer(P=sx.Subsample(3))
    with pytest.raises(ValueError, match="J=3"):
        sx.Network([sx.Module(frames.morlet(J=3, L=4), pooling=sx.Subsample(2))] * 2, shape=(8, 8))
    # feature_grid: checked when the network is built, not at its first call
    haar = [sx.Module(frames.pywavelet("haar", J=1, ndim=2))]
    with pytest.raises(ValueError, match=r"by one factor on every axis .*got 40/2 = 20, 16/2 = 8"):
        sx.Network(haar, shape=(40, 16), feature_grid=2)
    with pytest.raises(ValueError, match=r"got 40/3 = 13.3+, 16/2 = 8"):
        sx.Network(haar, shape=(40, 16), feature_grid=(3, 2))
    assert sx.Network(haar, shape=(40, 16), feature_grid=(10, 4))(np.zeros((1, 40, 16))).shape == (1, (1 + 3) * 10 * 4)
    # A later layer's grid, shrunk by the pooling before it, is named with the input shape and the factors
    pooled = [sx.Module(frames.curvelet(J=1), pooling=sx.Subsample(2))] * 3
    with pytest.raises(
        ValueError,
        match=r"got shape \(3, 3\).*modules\[2\]\.frame on the grid of layer 3: input shape \(24, 24\) "
        r"after the pooling factors 2, 2, 2 of layers 0–2",
    ):
        sx.Network(pooled, shape=(24, 24))
    with pytest.raises(TypeError, match="frame must be a frames.Frame"):
        sx.Module("morlet")
    with pytest.raises(ValueError, match="at least one Module"):
        sx.Network([], shape=(8, 8))
    with pytest.raises(ValueError, match="prune must be"):
        two_layer(prune="yes")


# ---------------------------------------------------------------- torch
@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
def test_numpy_and_torch_agree(dtype, rng):
    net = two_layer(sx.ReLU(), sx.MaxPool(2), prune="frequency-decreasing").admissible()
    f = rng.standard_normal((3, 32, 32)).astype(dtype)
    out = net(torch.from_numpy(f))
    assert isinstance(out, torch.Tensor) and out.dtype == torch.from_numpy(f).dtype
    ref = net(f)
    np.testing.assert_allclose(out.numpy(), ref, atol=RTOL[dtype] * np.abs(ref).max())


@requires_torch
def test_gradcheck_through_the_torch_path():
    net = sx.Network(
        [
            sx.Module(frames.morlet(J=1, L=2), sx.Modulus(), sx.Average(2)),
            sx.Module(frames.morlet(J=1, L=2), sx.Tanh(), sx.Subsample(2)),
        ],
        shape=(8, 8),
    )
    x = torch.randn(1, 8, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(0), requires_grad=True)
    assert torch.autograd.gradcheck(net, (x,), eps=1e-6, atol=1e-6)


@requires_torch
@pytest.mark.skipif(torch is None or not torch.cuda.is_available(), reason="no CUDA device")
@pytest.mark.parametrize("dtype", DTYPES)
def test_cuda_matches_cpu(dtype, rng):
    net = two_layer(prune="frequency-decreasing").admissible()
    f = torch.from_numpy(rng.standard_normal((4, 32, 32)).astype(dtype))
    out = net(f.cuda())
    assert out.is_cuda
    np.testing.assert_allclose(out.cpu().numpy(), net(f).numpy(), atol=RTOL[dtype] * float(net(f).abs().max()))


def test_batch_chunking_changes_nothing(rng, monkeypatch):
    from scatterx import _chunks

    net = two_layer(sx.Tanh(), sx.Average(2), prune="frequency-decreasing")
    f = rng.standard_normal((7, 32, 32))
    whole, (feats, W) = net.layers(f), net.energy(f)
    monkeypatch.setitem(_chunks.CHUNK_BYTES, "cpu", 1)  # one image per chunk
    for a, b in zip(net.layers(f), whole):
        np.testing.assert_array_equal(a, b)
    feats2, W2 = net.energy(f)
    np.testing.assert_allclose(np.stack(W2), np.stack(W), rtol=1e-14)
    np.testing.assert_allclose(np.stack(feats2), np.stack(feats), rtol=1e-14)


def _one_item_bytes(net, x):
    from scatterx import _chunks
    from scatterx._backend import Backend

    plans = net.plans(True) if isinstance(net, sx.Network) else net.plans()
    grid = (
        tuple(x.shape[1:])
        if isinstance(net, sx.Network)
        else ((net._M_padded, net._N_padded) if net.ndim == 2 else (net.pad_left + net.shape[0] + net.pad_right,))
    )
    itemsize = 16 if x.dtype == np.float64 else 8
    return _chunks.item_bytes(plans, grid, net.ndim, Backend(x), itemsize)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", ["network", "scattering2d", "scattering1d"])
def test_max_memory_changes_only_rounding(kind, dtype, rng):
    if kind == "network":
        make, x = (
            (lambda mm: two_layer(sx.Tanh(), sx.Average(2), prune="frequency-decreasing", max_memory=mm)),
            rng.standard_normal((9, 32, 32)),
        )
    elif kind == "scattering2d":
        make, x = (lambda mm: sx.Scattering2D(2, (28, 28), L=4, max_memory=mm)), rng.standard_normal((9, 28, 28))
    else:
        make, x = (lambda mm: sx.Scattering1D(4, 256, Q=2, max_memory=mm)), rng.standard_normal((9, 256))
    x = x.astype(dtype)
    whole = make(None)(x)
    one = _one_item_bytes(make(None), x)
    for items in (1, 2, 4):  # chunks of 1, 2 or 4 items (one thread at a time when a single one fits)
        # BLAS may round a batched product of another row count differently
        # (seen: 1.7e-16 absolute in float64): 4 eps of the largest output.
        np.testing.assert_allclose(
            make(items * one)(x), whole, rtol=0, atol=4 * np.finfo(dtype).eps * np.abs(whole).max()
        )


@pytest.mark.parametrize("dtype", DTYPES)
def test_max_memory_bounds_the_peak(dtype, rng):
    # tracemalloc sees every NumPy allocation.  Bound (measured, then 10 %
    # slack): the modelled working set within max_memory, plus the outputs
    # (per-chunk parts, their concatenation, the final layout: 4 × output)
    # and the padded input copy (2 × input).
    import tracemalloc

    x = rng.standard_normal((64, 28, 28)).astype(dtype)
    net = sx.Scattering2D(2, (28, 28), L=8)
    out = net(x)
    one = _one_item_bytes(net, x)
    peaks = []
    for items in (1, 4, 16):
        net.max_memory = items * one
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        net(x)
        peak = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
        assert peak <= 1.1 * (net.max_memory + 4 * out.nbytes + 2 * x.nbytes), (items, peak)
        peaks.append(peak)
    assert peaks[0] < peaks[-1]


def test_max_memory_is_checked(rng):
    x = rng.standard_normal((2, 32, 32))
    one = _one_item_bytes(two_layer(), x)
    with pytest.raises(ValueError, match=r"max_memory=100 bytes is below .* expected max_memory >= \d+"):
        two_layer(max_memory=100)(x)
    two_layer(max_memory=one)(x)
    for bad, err in ((0, ValueError), (1.5, TypeError), ("1G", TypeError)):
        with pytest.raises(err, match="max_memory"):
            two_layer(max_memory=bad)
        with pytest.raises(err, match="max_memory"):
            sx.Scattering2D(2, (28, 28), max_memory=bad)


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    t0=st.integers(-4, 4),
    t1=st.integers(-4, 4),
    M=st.sampled_from(NONLINEARITIES),
    P=st.sampled_from(POOLINGS[1:]),
)
def test_shift_covariance_and_nonexpansiveness_hold_for_any_draw(seed, t0, t1, M, P):
    net = two_layer(M, P, shape=(16, 16)).admissible()
    r = np.random.default_rng(seed)
    f, h = r.standard_normal((2, 1, 16, 16)) * r.uniform(0.01, 100)
    a, b = net.layers(f), net.layers(np.roll(f, (4 * t0, 4 * t1), axis=(1, 2)))
    np.testing.assert_allclose(b[2], np.roll(a[2], (t0, t1), axis=(-2, -1)), atol=1e-12 * np.abs(a[2]).max())
    diff = sum(np.sum(np.abs(x - y) ** 2) for x, y in zip(a, net.layers(h)))
    assert diff <= np.sum((f - h) ** 2) * (1 + 1e-12)


def test_a_network_that_has_run_pickles_and_still_runs(rng):
    import pickle

    net = two_layer()
    f = rng.standard_normal((2, 32, 32))
    before = net(f)
    again = pickle.loads(pickle.dumps(net))
    assert again == net
    np.testing.assert_array_equal(again(f), before)
