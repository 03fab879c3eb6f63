"""The compute core against the network's definition computed the plain way.

The reference below filters each map at full size (DFT, product, inverse
DFT in float64), applies M, and sub-samples in space, one path at a time:
no periodised products, no alias terms, no half spectra, no batching.  The
core must agree with it to rounding, on NumPy and torch, in float32 and
float64, for complex filters (Morlet: full spectra, band-limited, so alias
terms are dropped where sub-sampling by 4 or 8 folds many aliases onto
one coarse frequency), filters real in space (shearlets: half spectra),
low-passes that factor over the axes (Morlet's Gaussian: on every layer
two matrix products give the features, where they are cheaper than the
DFTs), filter products summed in blocks of several sizes, and in 1-D;
and the batch chunks run in threads: autograd modes, torch's thread
count, a forked child, a failing chunk.
Kymatio's transforms (a separable low-pass, its own decimations) are
checked against Kymatio itself in test_kymatio.py.
"""

import os
import threading

import numpy as np
import pytest
from conftest import DTYPES, requires_torch, torch

import frames
import scatterx as sx
from scatterx import _core

# Agreement with the float64 reference, relative to the largest entry of each layer: a few
# units of rounding of the working precision (float32: eps 1.2e-7; float64: eps 2.2e-16).
AGREE = {np.float32: 2e-6, np.float64: 1e-13}


def reference_layers(net, x):
    """Φ^0 … Φ^N of ``net`` on x (B, *grid), float64, path by path, in ``net.paths(n)`` order."""
    axes = tuple(range(1, x.ndim))
    fft = lambda a: np.fft.fftn(a, axes=axes)  # noqa: E731
    ifft = lambda a: np.fft.ifftn(a, axes=axes)  # noqa: E731
    U = {(): x.astype(np.float64)}
    layers = []
    for n in range(net.depth + 1):
        bank = net.bank(n)
        real = net.real_layers()[n] and bank.lowpass_is_real
        paths = net.paths(n)
        phi = [ifft(fft(U[q]) * bank.lowpass) for q in paths]
        layers.append(np.stack([p.real if real else p for p in phi], axis=1))
        if n == net.depth:
            break
        module = net.modules[n]
        S = module.pooling.factor
        for q in paths:
            for k in range(len(bank)):
                V = module.nonlinearity(ifft(fft(U[q]) * bank.filters[k]))
                U[q + (k,)] = (
                    module.pooling(V, x.ndim - 1)
                    if not isinstance(module.pooling, sx.Subsample)
                    else V[(slice(None),) + (slice(None, None, S),) * (x.ndim - 1)]
                )
    return layers


def assert_agrees(maps, reference, dtype):
    for n, (a, r) in enumerate(zip(maps, reference)):
        a = a.numpy() if torch is not None and isinstance(a, torch.Tensor) else np.asarray(a)
        assert a.shape == r.shape, (n, a.shape, r.shape)
        err = np.max(np.abs(a - r)) / np.max(np.abs(r))
        assert err <= AGREE[dtype], (n, err)


NETWORKS = {
    "morlet 2-D, sub-sampled": lambda: sx.Network(
        [sx.Module(frames.morlet(J=3, L=4), sx.Modulus(), sx.Subsample(2))] * 2, shape=(32, 32)
    ),
    "morlet 2-D, sub-sampled by 4": lambda: sx.Network(
        [sx.Module(frames.morlet(J=2, L=4), sx.Modulus(), sx.Subsample(4))] * 2, shape=(64, 64)
    ),
    "shearlet 2-D (real in space)": lambda: sx.Network(
        [sx.Module(frames.shearlet(J=2), sx.Modulus(), sx.Subsample(2))] * 2, shape=(32, 32)
    ),
    "morlet 2-D, undecimated, average pooling": lambda: sx.Network(
        [sx.Module(frames.morlet(J=2, L=4), sx.Modulus(), sx.Average(2))] * 2, shape=(16, 16)
    ),
    "morlet 2-D, one layer sub-sampled by 8": lambda: sx.Network(
        [sx.Module(frames.morlet(J=3, L=4), sx.Modulus(), sx.Subsample(8))], shape=(64, 64)
    ),
    "morlet 1-D, sub-sampled": lambda: sx.Network(
        [sx.Module(frames.morlet(J=4, Q=2), sx.Modulus(), sx.Subsample(2))] * 2, shape=(128,)
    ),
    "morlet 1-D, sub-sampled by 4": lambda: sx.Network(
        [sx.Module(frames.morlet(J=4, Q=2), sx.Modulus(), sx.Subsample(4))] * 2, shape=(256,)
    ),
}


# The filter products are summed block by block of (parents, batch) on a CPU: the default
# blocks (one block for these small batches), one per (parent, item) and a few items per parent;
# and NumPy adds a large term in pieces (every term of these small networks, with pieces of 1 KiB).
BLOCKS = {
    "default blocks": (None, None),
    "blocks of one item": (1, None),
    "blocks of 16 KiB": (16 << 10, None),
    "NumPy terms added in pieces of 1 KiB": (None, 1 << 10),
}


@pytest.fixture(params=list(BLOCKS))
def product_blocks(request, monkeypatch):
    from scatterx import _backend

    block, piece = BLOCKS[request.param]
    if block is not None:
        monkeypatch.setitem(_core.PRODUCT_BLOCK_BYTES, "cpu", block)
    if piece is not None:
        monkeypatch.setattr(_backend, "NUMPY_PRODUCT_PIECE", piece)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(NETWORKS))
def test_numpy_core_matches_the_plain_computation(name, dtype, rng, product_blocks):
    net = NETWORKS[name]()
    x = rng.standard_normal((3,) + net.shape)
    assert_agrees(net.layers(x.astype(dtype)), reference_layers(net, x.astype(dtype)), dtype)


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(NETWORKS))
def test_torch_core_matches_the_plain_computation(name, dtype, rng, product_blocks):
    net = NETWORKS[name]()
    x = rng.standard_normal((3,) + net.shape).astype(dtype)
    assert_agrees(net.layers(torch.from_numpy(x)), reference_layers(net, x), dtype)


def separable_lowpass_network():
    """Random 5×5 filters and a low-pass kernel g gᵀ that factors over the axes; features on a 4×4 grid."""
    g = np.exp(-0.5 * (np.arange(5) - 2.0) ** 2)
    kernels = np.random.default_rng(7).standard_normal((3, 5, 5)) / 10
    frame = frames.from_filters(np.outer(g, g) / g.sum() ** 2, kernels)
    return sx.Network([sx.Module(frame, sx.Modulus(), sx.Subsample(2))] * 2, shape=(32, 32), feature_grid=(4, 4))


@pytest.mark.parametrize("library", ["numpy", pytest.param("torch", marks=requires_torch)])
@pytest.mark.parametrize("dtype", DTYPES)
def test_a_separable_lowpass_on_the_last_layer_matches_the_plain_computation(library, dtype, rng, product_blocks):
    # The last layer has no filters to apply: its features are two matrix products per map
    # (C_1 U C_2ᵀ, the low-pass and the sub-sampling to the feature grid), no DFT.  The core
    # makes them block by block as the children are made, without holding the children;
    # when the propagated energy is asked for, it holds them (to sum their energy) and
    # makes the features from them whole: the same numbers either way.
    from scatterx import _chunks

    net = separable_lowpass_network()
    x = rng.standard_normal((3, 32, 32)).astype(dtype)
    xs = x if library == "numpy" else torch.from_numpy(x)
    maps = net.layers(xs, plans=net.plans(True))
    reference = [r[..., :: g // 4, :: g // 4] for r, (g, _) in zip(reference_layers(net, x), net.grids)]
    assert_agrees(maps, reference, dtype)
    fused = _chunks.propagate(xs, net.plans(True), 2)
    whole = _chunks.propagate(xs, net.plans(True), 2, propagated=[])
    xp = _core.Backend(xs).xp
    for a, b in zip(fused, whole):  # the groups may differ (the fused core makes children a few filters at a time)
        (pa, A), (pb, B) = _core.assemble(a, xp), _core.assemble(b, xp)
        assert pa == pb
        np.testing.assert_allclose(np.asarray(A), np.asarray(B), rtol=0, atol=4 * np.finfo(dtype).eps)


@pytest.mark.parametrize("library", ["numpy", pytest.param("torch", marks=requires_torch)])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("pieces", [2, 3, 6])
def test_the_separable_lowpass_cut_into_pieces_of_rows_gives_the_features_of_one_product(
    library, dtype, pieces, rng, monkeypatch
):
    # torch on a CPU runs the two matrix products as a batch of pieces of consecutive maps (one per
    # intra-op thread); every map's features are the same sums as in one product, in another
    # blocking of the BLAS.  Each feature sums 20 · 24 products, whose rounding grows about as the
    # square root of their number: 4 eps · √480 of the largest feature, against an einsum reference
    # and between the two ways.  6 maps: 2, 3 and 6 pieces.
    from scatterx import _backend

    U = rng.standard_normal((2, 3, 20, 24)).astype(dtype)
    C1, C2 = rng.standard_normal((5, 20)).astype(dtype), rng.standard_normal((6, 24)).astype(dtype)
    if library == "torch":
        U, C1, C2 = (torch.from_numpy(a) for a in (U, C1, C2))
    be = _backend.Backend(U)
    monkeypatch.setattr(_backend.Backend, "matmul_pieces", lambda self, rows: 1)
    whole = np.asarray(_core._separable_filter(be, U, (C1, C2)))
    monkeypatch.setattr(_backend.Backend, "matmul_pieces", lambda self, rows: pieces)
    cut = np.asarray(_core._separable_filter(be, U, (C1, C2)))
    reference = np.einsum("ax,pbxy,cy->pbac", np.asarray(C1), np.asarray(U), np.asarray(C2))
    assert whole.shape == cut.shape == (2, 3, 5, 6)
    for got in (whole, cut):
        assert np.max(np.abs(got - reference)) <= 4 * np.finfo(dtype).eps * np.sqrt(20 * 24) * np.max(np.abs(reference))
    assert np.max(np.abs(cut - whole)) <= 4 * np.finfo(dtype).eps * np.sqrt(20 * 24) * np.max(np.abs(whole))


@requires_torch
def test_torch_cuts_a_matrix_product_into_one_piece_per_intra_op_thread_where_they_divide_the_maps():
    from scatterx import _backend

    assert _backend.Backend(np.zeros(3)).matmul_pieces(12) == 1  # NumPy: its chunks are the threads
    be, users = _backend.Backend(torch.zeros(3)), torch.get_num_threads()
    try:
        torch.set_num_threads(3)
        assert [be.matmul_pieces(rows) for rows in (36, 37, 3, 2)] == [3, 1, 3, 1]
        torch.set_num_threads(1)
        assert be.matmul_pieces(36) == 1
    finally:
        torch.set_num_threads(users)


@pytest.mark.parametrize("library", ["numpy", pytest.param("torch", marks=requires_torch)])
@pytest.mark.parametrize("dtype", DTYPES)
def test_real_responses_multiply_the_spectra_as_real_pairs_with_the_numbers_of_the_complex_product(
    library, dtype, rng, monkeypatch
):
    # Morlet responses are real in frequency: torch multiplies the real and imaginary parts of the
    # spectra by them as one real array (_Product.pairs), NumPy takes the complex product; each
    # library is also run the other way here.  Responses of kernels that are not symmetric are
    # complex and always take the complex product.  The two ways give the same features up to the
    # rounding of each term's multiply-add (torch may fuse it: one rounding instead of two; NumPy
    # gives equal numbers), carried through the inverse DFT and M: measured at most 2.0 eps of the
    # largest feature of a layer, bound 8 eps.
    from scatterx import _backend

    x = rng.standard_normal((3, 32, 32)).astype(dtype)
    xs = x if library == "numpy" else torch.from_numpy(x)

    def run(net):
        maps = net.layers(xs, plans=net.plans(True))
        used = {hit.pairs for plan in net.plans(True) for hit in plan.responses_cache.values() if hasattr(hit, "pairs")}
        return [np.asarray(a) for a in maps], used

    default, used = run(NETWORKS["morlet 2-D, sub-sampled"]())
    assert used == {library == "torch"}
    monkeypatch.setattr(_backend.Backend, "real_pair_products", property(lambda self: library == "numpy"))
    other, used = run(NETWORKS["morlet 2-D, sub-sampled"]())  # plans of its own: nothing cached above
    assert used == {library == "numpy"}
    for a, b in zip(default, other):
        assert np.max(np.abs(a - b)) <= 8 * np.finfo(dtype).eps * np.max(np.abs(b))
    monkeypatch.setattr(_backend.Backend, "real_pair_products", property(lambda self: True))
    assert run(separable_lowpass_network())[1] == {False}


@pytest.mark.parametrize("library", ["numpy", pytest.param("torch", marks=requires_torch)])
def test_real_pairs_is_a_writable_view_of_a_strided_complex_block(library, rng):
    from scatterx import _backend

    block = (rng.standard_normal((2, 5, 9, 9)) + 1j * rng.standard_normal((2, 5, 9, 9))).astype(np.complex64)
    expected = block.copy()
    expected[..., 1:7, 2:9] *= 3
    z = block if library == "numpy" else torch.from_numpy(block)
    be = _backend.Backend(z)
    view = be.real_pairs(z[..., 1:7, 2:9])
    assert tuple(view.shape) == (2, 5, 6, 7, 2)
    view *= 3
    np.testing.assert_array_equal(block, expected)


@requires_torch
def test_gradients_flow_through_dropped_alias_terms_and_the_separable_lowpass(product_blocks):
    # Sub-sampling by 8 drops alias terms of the coarse Morlet filters; the separable network's
    # last layer is the matrix-product low-pass.  Gradients to the input match finite differences.
    coarse = NETWORKS["morlet 2-D, one layer sub-sampled by 8"]()
    x = torch.randn(1, 64, 64, dtype=torch.float64, generator=torch.Generator().manual_seed(1), requires_grad=True)
    assert torch.autograd.gradcheck(coarse, (x,), eps=1e-6, atol=1e-6, fast_mode=True)
    separable = separable_lowpass_network()
    y = torch.randn(1, 32, 32, dtype=torch.float64, generator=torch.Generator().manual_seed(2), requires_grad=True)
    assert torch.autograd.gradcheck(separable, (y,), eps=1e-6, atol=1e-6, fast_mode=True)


@requires_torch
def test_torch_chunks_run_in_the_callers_thread_and_autograd_mode(rng):
    # max_memory cuts the batch into chunks of one item, run one after the other in the caller's
    # thread: the gradient is the one of the whole batch at once, and under no_grad or
    # inference_mode no graph is built.
    net = NETWORKS["morlet 2-D, sub-sampled"]()
    chunked = net.replace(max_memory=net.item_bytes(np.float64))  # chunks of one item
    x = torch.from_numpy(rng.standard_normal((4, 32, 32))).requires_grad_(True)
    (g_whole,) = torch.autograd.grad(net(x).square().sum(), x)
    (g_chunked,) = torch.autograd.grad(chunked(x).square().sum(), x)
    torch.testing.assert_close(g_chunked, g_whole, rtol=1e-12, atol=1e-12)
    with torch.no_grad():
        assert not chunked(x).requires_grad
    with torch.inference_mode():
        assert chunked(x).is_inference()


@requires_torch
@pytest.mark.parametrize("name", ["morlet 2-D, sub-sampled", "morlet 1-D, sub-sampled"])
def test_torch_runs_one_chunk_at_a_time_over_its_intra_op_threads(name, rng, monkeypatch):
    # On a CPU, torch runs one chunk at a time in the caller's thread with the caller's intra-op
    # threads (no chunk threads, its thread count never changed), its default chunk sized on
    # CHUNK_BYTES["cpu-torch-grid"] on a 2-D grid and CHUNK_BYTES["cpu-torch"] in 1-D; NumPy
    # runs one chunk per core (WORKERS).  The features are those of the whole batch at once, to
    # the rounding of matrix products over other row counts.
    from scatterx import _backend, _chunks

    monkeypatch.setattr(_backend, "WORKERS", 2)
    net = NETWORKS[name]()
    x = torch.from_numpy(rng.standard_normal((5,) + net.shape).astype(np.float32))
    be = _core.Backend(x)
    per_item = _chunks.item_bytes(net.plans(), net.shape, net.ndim, be, 8)
    key = "cpu-torch-grid" if net.ndim == 2 else "cpu-torch"
    assert _chunks.chunking(x, net.plans(), net.ndim, be) == (_chunks.CHUNK_BYTES[key] // per_item, 1)
    assert _chunks.chunking(x.numpy(), net.plans(), net.ndim, _core.Backend(x.numpy()))[1] == 2
    small = net.replace(max_memory=2 * per_item)  # chunks of two items, one at a time
    assert _chunks.chunking(x, small.plans(), net.ndim, be, 2 * per_item) == (2, 1)
    seen = []
    original = torch.set_num_threads
    monkeypatch.setattr(torch, "set_num_threads", lambda n: (seen.append(n), original(n)))
    out = small(x)
    assert seen == []
    torch.testing.assert_close(out, net(x), rtol=2e-6, atol=2e-6)


@requires_torch
def test_overlapping_torch_calls_leave_torchs_thread_count_alone(rng):
    # Eight calls, four at a time from four threads, each cut into chunks: the process-wide
    # intra-op setting is the user's throughout, and every call gives the same features.
    import concurrent.futures

    net = NETWORKS["morlet 2-D, sub-sampled"]()
    chunked = net.replace(max_memory=2 * net.item_bytes(np.float32))
    x = torch.from_numpy(rng.standard_normal((6, 32, 32)).astype(np.float32))
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(3)
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            outs = list(pool.map(lambda _: (chunked(x), torch.get_num_threads()), range(8)))
        assert torch.get_num_threads() == 3
        for out, threads in outs:
            assert threads == 3
            torch.testing.assert_close(out, outs[0][0], rtol=0, atol=0)
    finally:
        torch.set_num_threads(before)


def _chunked_features_in_a_forked_child(queue):
    net = NETWORKS["morlet 2-D, sub-sampled"]()
    chunked = net.replace(max_memory=2 * net.item_bytes(np.float64))
    queue.put(np.asarray(chunked(np.random.default_rng(3).standard_normal((4, 32, 32)))))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_chunk_workers_kept_between_calls_are_remade_in_a_forked_child():
    # The chunk threads outlive a call; a child forked afterwards has none of them and makes its own
    # (with the parent's threads it would wait forever: the timeout turns that into a failure).
    import multiprocessing

    net = NETWORKS["morlet 2-D, sub-sampled"]()
    chunked = net.replace(max_memory=2 * net.item_bytes(np.float64))
    x = np.random.default_rng(3).standard_normal((4, 32, 32))
    expected = np.asarray(chunked(x))  # the parent's workers now exist
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_chunked_features_in_a_forked_child, args=(queue,))
    child.start()
    try:
        got = queue.get(timeout=120)
        child.join(timeout=60)
    finally:
        if child.is_alive():
            child.kill()
    assert child.exitcode == 0
    np.testing.assert_array_equal(got, expected)


def test_a_failing_chunk_raises_and_the_chunks_not_started_are_not_run(monkeypatch, rng):
    # Sixteen chunks of one item, two at once; the first chunk fails.  The error reaches the
    # caller unchanged and the chunks still queued are cancelled: at most the other thread's
    # chunk in flight and the one it may have started meanwhile run, not all sixteen.
    from scatterx import _backend, _chunks

    net = NETWORKS["morlet 2-D, sub-sampled"]()
    chunked = net.replace(max_memory=2 * net.item_bytes(np.float64))
    started, real = [], _chunks.propagate_batch

    def failing_first(x, *args, **kwargs):
        started.append(x.shape[0])
        if len(started) == 1:
            raise RuntimeError("chunk 0 failed")
        return real(x, *args, **kwargs)

    monkeypatch.setattr(_chunks, "propagate_batch", failing_first)
    monkeypatch.setattr(_backend, "WORKERS", 2)  # two chunk threads whatever the cores
    with pytest.raises(RuntimeError, match="chunk 0 failed"):
        chunked(rng.standard_normal((16, 32, 32)))
    # Both workers meet at a barrier only once every task queued before has run or been cancelled.
    barrier = threading.Barrier(2)
    for f in [_chunks.chunk_pool(2).submit(barrier.wait, 60) for _ in range(2)]:
        f.result()
    assert 1 <= len(started) < 16
    monkeypatch.undo()
    # the workers are still usable, and the chunks are joined into one output in batch order
    x = rng.standard_normal((5, 32, 32))
    np.testing.assert_allclose(np.asarray(chunked(x)), np.asarray(net(x)), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(
    "shape, a_shape, b_shape",
    [
        ((8, 3, 5, 6, 7), (1, 3, 5, 6, 7), (8, 1, 1, 6, 7)),  # K filters on P parents, B items: pieces of filters
        ((1, 3, 5, 6, 7), (1, 3, 5, 6, 7), (1, 1, 1, 6, 7)),  # one filter: pieces of parents
        ((1, 1, 5, 6, 7), (1, 1, 5, 6, 7), (1, 1, 1, 6, 7)),  # one filter, one parent: pieces of items
        ((8, 3, 5, 6, 7), (3, 5, 6, 7), (8, 1, 1, 6, 7)),  # fewer axes than the output: added whole
    ],
)
def test_numpy_adds_a_large_product_in_pieces_with_the_same_numbers(shape, a_shape, b_shape, rng, monkeypatch):
    # The output is a strided box of a larger block, as the alias terms write; pieces of 2 KiB
    # split each of these terms (about 14–94 KiB) along its first axis longer than one.
    from scatterx import _backend

    monkeypatch.setattr(_backend, "NUMPY_PRODUCT_PIECE", 2 << 10)
    c = lambda s: (rng.standard_normal(s) + 1j * rng.standard_normal(s)).astype(np.complex64)  # noqa: E731
    block, a, b = c(shape[:-2] + (9, 9)), c(a_shape), c(b_shape)
    expected = block.copy()
    expected[..., 1:7, 2:9] += a * b
    _backend.Backend(block).add_product(block[..., 1:7, 2:9], a, b)
    np.testing.assert_array_equal(block, expected)  # the same operations on the same numbers: equal, not close


def test_each_chunk_is_padded_in_its_own_thread_and_the_padded_batch_is_never_formed(rng, monkeypatch):
    # propagate's pad: applied per chunk (the Kymatio frontends' reflect padding); the features equal
    # those of the batch padded whole, run the same way.
    from scatterx import _backend, _chunks
    from scatterx._kymatio_base import reflect_pad

    net = NETWORKS["morlet 2-D, sub-sampled"]()
    plans, x = net.plans(), rng.standard_normal((12, 24, 24))
    padded_shapes = []

    def pad(a):
        padded_shapes.append(tuple(a.shape))
        return reflect_pad(a, [(4, 4), (4, 4)])

    monkeypatch.setattr(_backend, "WORKERS", 2)  # two chunk threads whatever the cores
    budget = 4 * _chunks.item_bytes(plans, (32, 32), 2, _core.Backend(x), 16)  # chunks of 2 items, two at once
    per_chunk = _chunks.propagate(x, plans, 2, pad=pad, max_memory=budget)
    whole = _chunks.propagate(reflect_pad(x, [(4, 4), (4, 4)]), plans, 2, max_memory=budget)
    assert padded_shapes[0] == (1, 24, 24)  # one item, to size the chunks
    assert sorted(padded_shapes[1:]) == [(2, 24, 24)] * 6
    for mine, theirs in zip(per_chunk, whole):
        for (p1, l1, a1), (p2, l2, a2) in zip(mine, theirs):
            assert (p1, l1) == (p2, l2)
            np.testing.assert_array_equal(a1, a2)


@pytest.mark.parametrize("library", ["numpy", pytest.param("torch", marks=requires_torch)])
@pytest.mark.parametrize("items_per_chunk", [1, 3, 5, 7])
def test_chunks_copied_straight_into_the_users_layout_equal_the_groups_assembled_afterwards(
    library, items_per_chunk, rng, monkeypatch
):
    # propagate(assembled=...) writes each chunk's groups into their rows and columns of the user's
    # arrays as the chunk finishes; the result must be the same numbers, in the same places, as the
    # joined groups put in order by assemble() (chunks of 1, 3, 5 and 7 of 7 items: unequal last
    # chunks, and a single chunk).  The features of all layers are on one grid (4 × 4), so "one"
    # holds them in one array; the layers on their own grids cannot share one: a ValueError.
    from scatterx import _backend, _chunks

    net = separable_lowpass_network()
    plans, x = net.plans(), rng.standard_normal((7, 32, 32))
    xs = x if library == "numpy" else torch.from_numpy(x)
    xp = _core.Backend(xs).xp
    monkeypatch.setattr(_backend, "WORKERS", 2)  # NumPy: two chunks at once; torch: one at a time
    at_once = 2 if library == "numpy" else 1
    budget = at_once * items_per_chunk * _chunks.item_bytes(plans, (32, 32), 2, _core.Backend(x), 16)
    assert _chunks.chunking(xs, plans, 2, _core.Backend(xs), budget) == (items_per_chunk, at_once)
    groups = _chunks.propagate(xs, plans, 2, max_memory=budget)
    expected = [_core.assemble([g for g in layer if g[0]], xp) for layer in groups]
    layers = _chunks.propagate(xs, plans, 2, max_memory=budget, assembled="layers")
    one, whole = _chunks.propagate(xs, plans, 2, max_memory=budget, assembled="one")
    assert [p for p, _ in layers] == [p for p, _ in one] == [p for p, _ in expected]
    for (_, a), (_, b), (_, e) in zip(layers, one, expected):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(e))  # the same copies of the same numbers
        np.testing.assert_array_equal(np.asarray(b), np.asarray(e))
    np.testing.assert_array_equal(np.asarray(whole), np.concatenate([np.asarray(e) for _, e in expected], axis=1))
    with pytest.raises(ValueError, match="different grids"):
        _chunks.propagate(xs, net.plans(False), 2, max_memory=budget, assembled="one")


def test_a_process_wide_thread_limit_is_taken_by_the_first_caller_in_and_restored_by_the_last_out():
    # Overlapping calls (four threads, all inside at once) share one limit: it is set once when
    # the first enters and restored once when the last leaves, whatever the order they leave in.
    from scatterx import _backend

    log, inside = [], threading.Barrier(4)
    guard = _backend._OneThreadWhileInside(lambda: log.append("limit") or (lambda: log.append("restore")))

    def call(i):
        with guard():
            inside.wait(10)  # every caller is inside before any leaves
            log.append(f"work {i}")

    threads = [threading.Thread(target=call, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert log[0] == "limit" and log[-1] == "restore"
    assert log.count("limit") == 1 and log.count("restore") == 1 and len(log) == 6


_BLAS_AFTER_OVERLAPPING_CALLS = """
import threading, numpy as np, threadpoolctl
import scatterx as sx
from scatterx import _backend
_backend.WORKERS = 2  # two chunk threads whatever the cores
net = sx.Scattering2D(2, (32, 32), max_memory=4 << 20)
x = np.random.default_rng(5).standard_normal((40, 32, 32)).astype(np.float32)
threads = [threading.Thread(target=net, args=(x,)) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(sorted({c.num_threads for c in threadpoolctl.ThreadpoolController().lib_controllers if c.user_api == "blas"}))
"""


def test_overlapping_chunked_calls_leave_the_users_blas_thread_count_as_it_was():
    # Chunks run with one BLAS thread; eight calls from eight threads overlap.  When the last one
    # leaves, the process's BLAS setting is the user's again (a save and restore per call left it at
    # one for good).  In a fresh process: what OpenBLAS lets a thread set depends on its history.
    import subprocess
    import sys

    env = dict(os.environ, OPENBLAS_NUM_THREADS="2")  # the user's setting: two BLAS threads
    script = [sys.executable, "-c", _BLAS_AFTER_OVERLAPPING_CALLS]
    out = subprocess.run(script, capture_output=True, text=True, check=True, timeout=300, env=env)
    assert out.stdout.strip().splitlines()[-1] == "[2]"


@pytest.mark.parametrize(("J", "shape"), [(2, (32, 32)), (3, (28, 28)), (4, (128, 128)), (3, (40, 56))])
def test_kymatio_gaussian_lowpass_is_found_separable_on_the_same_levels_in_float32_and_float64(J, shape, monkeypatch):
    # The Gaussian χ of Kymatio's 2-D networks is an outer product; recognising it needs a
    # tolerance above the float64 roundings of its inverse DFT (measured 1e-16 to 3.3e-16 of
    # ‖χ‖_F), so both precisions take the two matrix products on the same levels.
    found = []
    original = _core.LayerPlan.separable_lowpass

    def spy(self, level, dec, be, real_dtype):
        hit = original(self, level, dec, be, real_dtype)
        found.append((np.dtype(real_dtype).name, level, dec, hit is not None))
        return hit

    monkeypatch.setattr(_core.LayerPlan, "separable_lowpass", spy)
    net = sx.Scattering2D(J, shape, L=4)
    x = np.random.default_rng(3).standard_normal((2,) + shape)
    for dtype in (np.float32, np.float64):
        net(x.astype(dtype))
    by_dtype = {d: sorted({f[1:] for f in found if f[0] == d}) for d in ("float32", "float64")}
    assert by_dtype["float32"] == by_dtype["float64"]
    assert all(hit for _, _, hit in by_dtype["float64"])


def test_a_lowpass_that_is_not_an_outer_product_is_not_taken_as_separable():
    # A Gaussian elongated along the diagonal does not factor over the axes; a separable one
    # with 1e-6 of its norm added off the factors is refused in float32 too (eps 1.2e-7).
    u = np.arange(16) - 8.0
    diagonal = np.exp(-((u[:, None] + u[None, :]) ** 2) / 40 - (u[:, None] - u[None, :]) ** 2 / 4)
    g = np.exp(-(u**2) / 8)
    bumped = np.outer(g, g)
    bumped[3, 11] += 1e-6 * np.linalg.norm(bumped)
    for chi in (diagonal, bumped):
        g1, g2 = _core._rank_one(chi)
        assert _core._rank_one_error(chi, g1, g2) > _core._separable_tol(np.float32)
    g1, g2 = _core._rank_one(np.outer(g, g))
    assert _core._rank_one_error(np.outer(g, g), g1, g2) <= _core._separable_tol(np.float64)


def _least_cover(mask, cyclic):
    """Entries the fewest-slices cover of ``mask`` must span, by brute force: all but the widest empty stretch."""
    n, on = len(mask), np.flatnonzero(mask)
    if not cyclic or len(on) == 1:
        return on[-1] - on[0] + 1
    gaps = [(on[(i + 1) % len(on)] - on[i]) % n or n for i in range(len(on))]  # to the next entry, around the end
    return n - max(gaps) + 1


def test_the_cover_of_a_support_spans_all_but_its_widest_empty_stretch(rng):
    # Random masks of 1 to 40 entries: the slices (at most two, two only around the end of a
    # cyclic axis) hold every entry and span as few as the widest empty stretch allows.
    for _ in range(3000):
        n = int(rng.integers(1, 41))
        mask = rng.random(n) < rng.random()
        if not mask.any():
            continue
        for cyclic in (True, False):
            covers = _core._cover(mask, cyclic)
            covered = np.zeros(n, bool)
            for s in covers:
                covered[s] = True
            assert covered[mask].all()
            assert len(covers) == 1 or (cyclic and covers[0].stop == n and covers[1].start == 0)
            assert covered.sum() == _least_cover(mask, cyclic), (mask, cyclic, covers)


def test_every_order_of_a_kymatio_2d_transform_shares_the_alias_terms_of_its_responses(monkeypatch):
    # Order 1 and order 2 multiply the same filters at level 1 with the same decimations:
    # their alias terms are found once, in the cache the plans share.
    found = []
    original = _core._Support.__init__

    def spy(self, F, dec, coarse, width, eps):
        found.append((F.shape, dec))
        original(self, F, dec, coarse, width, eps)

    monkeypatch.setattr(_core._Support, "__init__", spy)
    net = sx.Scattering2D(3, (32, 32), L=4)
    net(np.zeros((1, 32, 32), np.float32))
    plans = next(iter(net._plans.values()))
    assert len({id(p.responses_cache) for p in plans}) == 1
    # Level 1 (the padded grid): j = 0, 1, 2 decimated by 1, 2, 4 for order 1, and j = 1, 2 by 2, 4
    # again for order 2; level 2: j = 2 by 2.  Each is studied once.
    wavelets = sorted((shape[1], dec) for shape, dec in found if shape[0] == 4)
    grid = max(n for n, _ in wavelets)
    assert wavelets == [(grid // 2, 2), (grid, 1), (grid, 2), (grid, 4)]
