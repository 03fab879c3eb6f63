"""ScatteringModule: the network as an nn.Module, its filters as buffers or learned parameters."""

import copy
import io
import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import frames  # noqa: E402
import scatterx as sx  # noqa: E402
from scatterx.torch import ScatteringModule  # noqa: E402

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")


def two_layer(shape=(16, 16), J=2, **kw):
    return sx.Network(
        [sx.Module(frames.morlet(J=J, L=4), sx.Modulus(), sx.Subsample(2))] * 2, shape=shape, **kw
    ).admissible()


@pytest.fixture(scope="module")
def net():
    return two_layer()


@pytest.fixture
def x():
    return torch.rand(4, 16, 16, dtype=torch.float64, generator=torch.Generator().manual_seed(3))


def energy(maps):
    return sum((m.abs() ** 2).sum(dim=tuple(range(1, m.ndim))) for m in maps)


def test_scatterx_torch_imports_the_real_torch():
    import scatterx.torch as module

    assert module.torch is torch and module.nn is torch.nn and module is not torch


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_fixed_module_is_the_network_bit_for_bit(net, x, dtype):
    m = ScatteringModule(net)
    assert torch.equal(m(x.to(dtype)), net(x.to(dtype)))
    for a, b in zip(m.layers(x), net.layers(x)):
        assert torch.equal(a, b)
    one_d = sx.Network([sx.Module(frames.morlet(J=3, Q=2), sx.ReLU())] * 2, shape=(64,)).admissible()
    s = torch.rand(3, 64, dtype=dtype)
    assert torch.equal(ScatteringModule(one_d)(s), one_d(s))
    assert torch.equal(m(x.numpy()), net(x))  # NumPy in: converted to a tensor


def test_filters_are_buffers_saved_and_loaded(net, x):
    m = ScatteringModule(net)
    state = m.state_dict()
    assert sorted(state) == ["filters_0", "filters_1", "lowpass_0", "lowpass_1", "lowpass_2"]
    assert not list(m.parameters())
    np.testing.assert_array_equal(state["filters_0"].numpy(), net.bank(0).filters)
    unscaled = sx.Network([sx.Module(frames.morlet(J=2, L=4), sx.Modulus(), sx.Subsample(2))] * 2, shape=(16, 16))
    other = ScatteringModule(unscaled)  # the same layout, other filters
    assert not torch.equal(other(x), m(x))
    other.load_state_dict(state)
    assert torch.equal(other(x), m(x))


def test_the_core_uses_the_live_tensors_not_a_cache(net, x):
    m = ScatteringModule(net)
    before = m(x)
    with torch.no_grad():
        m.filters_1.mul_(0.5)
    after = m(x)
    # filters_1 makes the paths of layer 2 only: the features of layers 0 and 1 stay
    kept = sum(len(net.paths(n)) * int(np.prod(net.feature_grids()[n])) for n in (0, 1))
    assert torch.equal(before[:, :kept], after[:, :kept]) and not torch.equal(before, after)
    # values loaded in place are seen too (what the core learns from fixed filters is keyed by their version)
    m.load_state_dict(ScatteringModule(net).state_dict())
    assert torch.equal(m(x), before)


def test_in_place_changes_of_the_buffers_do_not_reach_the_network(x):
    net = two_layer()
    before = net(x)
    m = ScatteringModule(net)
    with torch.no_grad():
        m.filters_0.mul_(0.5)
        m.lowpass_2.zero_()
    assert torch.equal(net(x), before)


def test_to_dtype_moves_the_buffers(net, x):
    m = ScatteringModule(net).to(torch.float32)
    assert m.filters_0.dtype == torch.float32
    np.testing.assert_allclose(m(x).numpy(), net(x).numpy(), rtol=1e-5, atol=1e-7)


@cuda
def test_to_cuda_moves_the_buffers(net, x):
    m = ScatteringModule(net).to("cuda")
    assert m.filters_0.device.type == "cuda"
    y = m(x.to("cuda"))
    assert y.device.type == "cuda"
    np.testing.assert_allclose(y.cpu().numpy(), net(x).numpy(), rtol=1e-10, atol=1e-12)


def test_copies_and_pickles(net, x):
    m = ScatteringModule(net, learnable=True)
    m(x)
    for clone in (copy.deepcopy(m), pickle.loads(pickle.dumps(m))):
        assert torch.equal(clone(x), m(x))
        with torch.no_grad():
            clone.filters_0.mul_(0.5)
        assert not torch.equal(clone(x), m(x))  # the copy has its own filters
    buf = io.BytesIO()
    torch.save(m.state_dict(), buf)
    buf.seek(0)
    fresh = ScatteringModule(net, learnable=True)
    fresh.load_state_dict(torch.load(buf))
    assert torch.equal(fresh(x), m(x))


def test_gradcheck_with_respect_to_the_input():
    small = two_layer(shape=(8, 8), J=1)
    m = ScatteringModule(small)
    f = torch.rand(2, 8, 8, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(m, (f,), fast_mode=True)


def test_gradcheck_with_respect_to_learned_filters():
    small = two_layer(shape=(8, 8), J=1)
    m = ScatteringModule(small, learnable=True)
    f = torch.rand(2, 8, 8, dtype=torch.float64)
    names = [n for n, _ in m.named_parameters()]
    params = tuple(p.detach().clone().requires_grad_(True) for p in m.parameters())
    call = lambda *ps: torch.func.functional_call(m, dict(zip(names, ps)), (f,))  # noqa: E731
    assert torch.autograd.gradcheck(call, params, fast_mode=True)


def test_learned_filters_start_at_the_network(net, x):
    m = ScatteringModule(net, learnable=True)
    assert sorted(n for n, _ in m.named_parameters()) == [
        "filters_0",
        "filters_1",
        "lowpass_0",
        "lowpass_1",
        "lowpass_2",
    ]
    np.testing.assert_allclose(m(x).detach().numpy(), net(x).numpy(), rtol=1e-12, atol=1e-14)
    values = m.admissibility()
    np.testing.assert_allclose(values, [b.value for b in net.bounds()], rtol=1e-9)


def classification_data(n=48, seed=0):
    """Two classes: vertical or horizontal stripes of random phase and frequency, plus noise."""
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 2, (n,), generator=g)
    t = torch.arange(16, dtype=torch.float64)
    freq = 0.5 + torch.rand(n, generator=g)
    phase = 6.28 * torch.rand(n, generator=g)
    wave = torch.cos(freq[:, None] * t[None] + phase[:, None])  # (n, 16)
    x = torch.where(y[:, None, None] == 0, wave[:, :, None].expand(n, 16, 16), wave[:, None, :].expand(n, 16, 16))
    return x + 0.3 * torch.randn(n, 16, 16, generator=g, dtype=torch.float64), y


def train(model, x, y, steps, lr, hook_module=None):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    if hook_module is not None:
        hook_module.enforce_admissibility(opt)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def test_first_stage_of_a_model_trained_end_to_end():
    torch.manual_seed(0)
    net = two_layer(feature_grid=2)
    x, y = classification_data()
    model = torch.nn.Sequential(ScatteringModule(net), torch.nn.Linear(net.n_features, 2).double())
    losses = train(model, x, y, steps=20, lr=0.05)
    assert losses[-1] < 0.5 * losses[0]
    assert (model(x).argmax(1) == y).float().mean() > 0.9


def test_learned_filters_stay_admissible_after_every_step():
    torch.manual_seed(0)
    net = two_layer(feature_grid=2)
    x, y = classification_data()
    scat = ScatteringModule(net, learnable=True)
    start = [p.detach().clone() for p in scat.parameters()]
    model = torch.nn.Sequential(scat, torch.nn.Linear(net.n_features, 2).double())
    seen = []
    opt_hooked = train(model, x, y, steps=1, lr=0.05)  # one free step: the bound breaks …
    assert max(scat.admissibility()) > 1 + 1e-6, opt_hooked
    scat.project_()  # … and the projection restores it exactly
    assert max(scat.admissibility()) == pytest.approx(1.0, abs=1e-12)
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    scat.enforce_admissibility(opt)
    opt.register_step_post_hook(lambda *a: seen.append(max(scat.admissibility())))
    losses = []
    for _ in range(8):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert max(seen) <= 1 + 1e-12 and losses[-1] < losses[0]
    assert any(not torch.allclose(a, b) for a, b in zip(start, scat.parameters()))
    # non-expansive with the learned filters: |||Φ(f) − Φ(h)||| ≤ ‖f − h‖
    f, h = x[:8], x[8:16]
    with torch.no_grad():
        diff = [a - b for a, b in zip(scat.layers(f), scat.layers(h))]
    assert torch.all(energy(diff) <= ((f - h) ** 2).sum(dim=(1, 2)) * (1 + 1e-12))


def test_gradcheck_through_the_1d_alias_sums():
    # 1-D sub-sampling sums the alias terms of the periodised products (learned filters
    # keep every term): gradients to the input and to learned filters.
    one_d = sx.Network(
        [sx.Module(frames.morlet(J=2, Q=1), sx.Modulus(), sx.Subsample(2))] * 2, shape=(16,)
    ).admissible()
    m = ScatteringModule(one_d, learnable=True)
    f = torch.rand(2, 16, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a: m(a), (f,), fast_mode=True)
    names = [n for n, _ in m.named_parameters()]
    params = tuple(p.detach().clone().requires_grad_(True) for p in m.parameters())
    call = lambda *ps: torch.func.functional_call(m, dict(zip(names, ps)), (f.detach(),))  # noqa: E731
    assert torch.autograd.gradcheck(call, params, fast_mode=True)
    np.testing.assert_allclose(m(f.detach()).detach().numpy(), one_d(f.detach().numpy()), rtol=1e-12, atol=1e-14)
