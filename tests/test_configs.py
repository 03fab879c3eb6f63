"""Configs, sizes and inputs as a careless or hostile user gives them: a clear error at once, or a correct result.

Strict configs: every level (network, module, frame, non-linearity, pooling)
is checked against its schema.  Sizes: scale and direction counts against
the grid, bytes predicted before allocating.  Inputs: big-endian, np.matrix,
masked arrays, torch meta tensors, values whose features overflow.
"""

import json

import numpy as np
import pytest

import frames
import scatterx as sx
from scatterx.kymatio import Scattering1D, Scattering2D
from scatterx.network import NonFiniteFeaturesError, as_network


@pytest.fixture(scope="module")
def net():
    return sx.Network([sx.Module(frames.morlet(J=1, L=4), sx.Modulus(), sx.Subsample(2))] * 2, shape=(8, 8))


@pytest.fixture
def config(net):
    return net.to_dict()


def edited(config, path, value):
    """A deep copy of ``config`` with the entry at ``path`` (keys and indices) set, or deleted for ``...``."""
    config = json.loads(json.dumps(config))
    node = config
    for key in path[:-1]:
        node = node[key]
    if value is ...:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return config


# ================================================================== strict configs
@pytest.mark.parametrize(
    "path, value, message",
    [
        (("feature_gird",), 2, r"unknown key 'feature_gird'; did you mean 'feature_grid'\? \(valid keys: feature_grid"),
        (("modules", 0, "pooling_"), 1, r"unknown key 'pooling_'; did you mean 'pooling'"),
        (("modules", 0, "frame", "LL"), 3, r"frame \(morlet\) has an unknown key 'LL'; did you mean 'L'"),
        (("modules", 0, "nonlinearity", "slope"), 1, r"non-linearity description has an unknown key 'slope'"),
        (("modules", 0, "pooling", "stride"), 2, r"pooling description has an unknown key 'stride'"),
        (("real_input",), "false", r"real_input must be True or False, got 'false'"),
        (("modules", 0, "frame", "tight"), "false", r"tight must be True or False, got 'false'"),
        (("modules", 0, "frame", "scale"), "1", r"scale must be a number, got '1'"),
        (("modules", 0, "frame", "scale"), 1e308, r"scale must lie in \[1e-150, 1e\+150\]"),
        (("modules", 0, "frame", "scale"), float("nan"), r"scale must be a positive finite number"),
        (("modules", 0, "frame", "J"), 2.0, r"J must be a positive int \(number of scales\), got 2.0"),
        (("modules", 0, "frame", "J"), 10**18, r"J must be at most 62"),
        (("modules", 0, "pooling", "S"), 2.0, r"pooling factor S must be a positive int, got 2.0"),
        (("modules", 0, "pooling", "S"), "2", r"pooling factor S must be a positive int, got '2'"),
        (("modules", 0, "pooling", "ndim"), True, r"ndim must be 1, 2 or 3, got True"),
        (("shape",), [8.0, 8], r"shape\[0\] must be a positive int, got 8.0"),
        (("shape",), ["8", "8"], r"shape\[0\] must be a positive int, got '8'"),
        (("shape",), "8x8", r"'shape' must be a list of ints"),
        (("shape",), ..., r"network description lacks 'shape'"),
        (("modules",), ..., r"network description lacks 'modules'"),
        (("modules",), {"a": 1}, r"'modules' must be a non-empty list"),
        (("modules",), [], r"'modules' must be a non-empty list"),
        (("modules", 0), 3, r"modules\[0\] description must be a JSON object \(dict\), got int"),
        (("modules", 0, "nonlinearity"), ..., r"modules\[0\] description lacks 'nonlinearity'"),
        (("modules", 0, "frame"), ..., r"modules\[0\] description lacks 'frame'"),
        (("modules", 0, "pooling"), ..., r"modules\[0\] description lacks 'pooling'"),
        (("modules", 0, "frame", "family"), ..., r"needs a 'family' key"),
        (("modules", 0, "frame", "family"), "morlett", r"unknown frame family 'morlett'"),
        (("modules", 0, "nonlinearity", "name"), ..., r"non-linearity description lacks 'name'"),
        (("modules", 0, "nonlinearity", "name"), 3, r"unknown non-linearity 3"),
        (("scatterx_network",), "1", r"format version\) must be a positive int"),
        (("scatterx_network",), 99, r"format version 99; .*upgrade scatterx"),
    ],
)
def test_every_config_error_is_a_clear_value_error(config, path, value, message):
    with pytest.raises(ValueError, match=message):
        sx.Network.from_dict(edited(config, path, value))


@pytest.mark.parametrize(
    "frame, message",
    [
        ({"family": "gabor", "real_input": "false"}, "real_input must be True or False"),
        ({"family": "gabor", "window": "gaussian", "zero_mean": "true"}, "zero_mean must be True or False"),
        ({"family": "shearlet", "shear_levels": ["1", "1", "2"]}, "shear_levels must be a sequence"),
        ({"family": "pywavelet", "name": "db4", "levels": 2}, r"unknown key 'levels'"),
        ({"family": "curvelet", "angle": 8}, r"did you mean 'angles'"),
    ],
)
def test_frame_configs_are_strict(frame, message):
    with pytest.raises(ValueError, match=message):
        frames.from_dict(frame)


def test_deep_nesting_is_refused_without_recursion(tmp_path, config):
    deep = "[" * 100_000 + "]" * 100_000
    (tmp_path / "deep.json").write_text(deep)
    with pytest.raises(ValueError, match="nested too deeply|not valid JSON"):
        as_network(tmp_path / "deep.json")
    nested = {}
    node = nested
    for _ in range(10_000):
        node["a"] = {}
        node = node["a"]
    with pytest.raises(ValueError, match="nested deeper than 64 levels"):
        sx.Network.from_dict(edited(config, ("modules", 0, "frame"), {"family": "morlet", "J": nested}))
    (tmp_path / "list.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="list.json holds a JSON list, not a network description"):
        as_network(tmp_path / "list.json")


def test_a_valid_config_round_trips_unchanged(net, config):
    assert sx.Network.from_dict(config) == net
    assert sx.Network.from_dict(json.loads(json.dumps(config))).to_dict() == config


@pytest.mark.parametrize("shape", [(32.7, 32.7), ("32", "32"), (32,), (0, 32), None])
def test_render_refuses_non_int_grids(shape):
    with pytest.raises(ValueError, match="shape"):
        frames.morlet(J=2).render(shape)


# ================================================================== sizes checked before work
@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: frames.morlet(J=10**18), "J must be at most 62"),
        (lambda: frames.morlet(J=10**18, Q=1), "J must be at most 62"),
        (lambda: frames.morlet(J=10**9).render((32, 32)), "J must be at most 62"),
        (lambda: frames.morlet(J=2, L=10**7).render((32, 32)), r"L \(orientations per scale\) = 10000000 exceeds"),
        (lambda: frames.morlet(J=1, L=10**7, ndim=3).render((8, 8, 8)), r"L \(directions per scale\)"),
        (lambda: frames.morlet(J=2, Q=10**9).render((64,)), r"Q \(wavelets per octave\) = 1000000000 exceeds"),
        (lambda: frames.shearlet(J=1, shear_levels=[10**9]), "non-negative ints, at most 62"),
        (lambda: frames.shearlet(J=1, shear_levels=[40]).render((32, 32)), r"shear level 40 = 4·2\^40 exceeds"),
        (lambda: frames.shearlet(J=10**9), "J must be at most 62"),
        (lambda: frames.curvelet(J=1, angles=10**8).render((32, 32)), r"finest scale .* = 50000000 exceeds"),
        (lambda: frames.ridgelet(J=2, angles=10**8).render((32, 32)), r"finest scale .* exceeds"),
        (lambda: frames.gabor(n_freqs=10**9).render((32, 32)), "the largest n_freqs allowed is"),
        (lambda: frames.pywavelet(J=10**18), "J must be at most 62"),
        (lambda: frames.morlet(J=2).render((50000, 50000)), r"rendering 16 filters .* would need about 782 GiB"),
        (lambda: frames.gabor(n_freqs=64, ndim=3).render((4096, 4096, 64)), r"rendering 262143 filters .* GiB"),
        (lambda: Scattering2D(J=10**12, shape=(32, 32)), "J must be at most 62"),
        (lambda: Scattering1D(J=10**12, shape=1024), "J must be at most 62"),
        (lambda: Scattering2D(J=2, shape=(50000, 50000)), r"would need about .* GiB"),
    ],
)
def test_sizes_are_refused_before_any_work(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_net_refuses_a_huge_output_before_computing():
    net = sx.Network([sx.Module(frames.morlet(J=1, L=8))] * 2, shape=(64, 64))
    x = np.broadcast_to(np.zeros((1, 64, 64), np.float32), (20_000, 64, 64))  # no memory behind it
    with pytest.raises(ValueError, match=r"features of 20000 items .* would need about .* GiB .*pass fewer items"):
        net(x)
    assert net.n_features == (1 + 8 + 64) * 64 * 64 == len(net.get_feature_names())


# ================================================================== inputs
@pytest.mark.filterwarnings("ignore:.*encountered in:RuntimeWarning")  # NumPy's own overflow warning comes first
def test_float32_overflow_and_float64_overflow_are_refused(net):
    x = np.random.default_rng(3).random((3, 8, 8))
    big = x.astype(np.float32)
    big[1] *= np.float32(1e38)  # finite, but the Fourier sums overflow float32
    with pytest.raises(NonFiniteFeaturesError, match=r"item 1 are not finite .*float32 overflow .*float64") as info:
        net(big)
    assert info.value.item == 1
    # float64 holds them, and correctly: Φ(c f) = c Φ(f) for c > 0 (modulus and sub-sampling are homogeneous)
    wide = big.astype(np.float64)
    np.testing.assert_allclose(net(wide)[1] / 1e38, net(wide[1:2] / 1e38)[0], rtol=1e-12)
    with pytest.raises(NonFiniteFeaturesError, match=r"item 0 .*overflow .*rescale x"):
        net(np.full((1, 8, 8), 1e307))


def test_torch_overflow_and_meta_tensors_are_refused(net):
    torch = pytest.importorskip("torch")
    with pytest.raises(NonFiniteFeaturesError, match="float32 overflow"):
        net(torch.full((2, 8, 8), 1e38))
    with pytest.raises(ValueError, match="'meta' device: it has a shape but no values"):
        net(torch.ones((2, 8, 8), device="meta"))


@pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
def test_big_endian_matrix_and_masked_inputs(net):
    x = np.random.default_rng(5).random((4, 8, 8))
    np.testing.assert_array_equal(net(x.astype(">f8")), net(x))
    np.testing.assert_array_equal(net(x.astype(">f4")), net(x.astype(np.float32)))
    line = sx.Network([sx.Module(frames.morlet(J=2, Q=1))], shape=(16,))
    rows = np.random.default_rng(6).random((3, 16))
    np.testing.assert_array_equal(line(np.matrix(rows)), line(rows))
    np.testing.assert_array_equal(net(np.ma.masked_array(x)), net(x))  # nothing masked: the data
    masked = np.ma.masked_array(x, mask=x > 0.99)
    with pytest.raises(ValueError, match=r"masked array with \d+ masked entries; .*x.filled\(0.0\)"):
        net(masked)
