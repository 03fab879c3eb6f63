"""The one compute core: propagate a signal through a scattering network.

Written once over the array API namespace (see ``_backend``); NumPy and
PyTorch (CPU, CUDA, autograd) run the same lines.

The core knows layers only through :class:`LayerPlan`.  A path that has been
decimated by a total factor r (its *level*) lives on the grid ``shape // r``.
For each level present in a layer, the core

1. takes the DFT of all paths at that level at once,
2. emits the layer's features: multiply by the output-generating atom χ̂,
   periodise the spectrum by the plan's output decimation (= subsample the
   output in space), inverse DFT;
3. builds the next layer's paths for every (parent, filter) pair the plan
   keeps, batched in dense blocks of parents × filters: multiply by ĝ_λ, periodise by the decimation of
   λ (sub-sampling before a pointwise M is exact, and cheaper after the
   product), inverse DFT, non-linearity M, pooling P.

The generic :class:`~scatterx.Network` (one pooling factor per layer) and the
Kymatio-compatible frontends (a decimation per filter scale) are two ways of
filling in the plans; the arithmetic below is shared.
"""

from __future__ import annotations

import concurrent.futures
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field

import array_api_compat
import numpy as np
import threadpoolctl

from ._backend import Backend
from .operators import Nonlinearity, NoPooling, Pooling

__all__ = [
    "LayerPlan",
    "propagate",
    "propagate_batch",
    "chunking",
    "item_bytes",
    "assemble",
    "filter_decimate",
    "alias_matrices",
    "alias_split",
    "real_block",
]


@dataclass
class LayerPlan:
    """How one layer acts, as functions of the level (total decimation so far).

    bank_at(level) -> (lowpass, filters): NumPy frequency responses on the
        grid of that level (filters may be None for an output-only layer);
        or tensors of the input's library (``scatterx.torch``'s buffers and
        parameters), used live: never cached, differentiable.
    decimation(level, k) -> int: sub-sampling of filter k's output, applied
        in the Fourier domain before the non-linearity.
    output_decimation(level) -> int: sub-sampling of the features χ-filtered
        at that level.
    keep(parent_path, parent_level, k) -> bool: path pruning; None keeps all.
    lowpass_real / filters_real: χ (resp. every g_λ) is real in space, so a
        real input gives a real output: take the real part.
    """

    bank_at: Callable[[int], tuple]
    nonlinearity: Nonlinearity | None = None
    pooling: Pooling = field(default_factory=NoPooling)
    decimation: Callable[[int, int], int] = lambda level, k: 1
    output_decimation: Callable[[int], int] = lambda level: 1
    keep: Callable[[tuple, int, int], bool] | None = None
    lowpass_real: bool = True
    filters_real: bool = False
    _device_cache: dict = field(default_factory=dict, repr=False)
    _blocks_cache: dict = field(default_factory=dict, repr=False)

    def responses(self, level, ks, dec, be: Backend, real_dtype, half=False):
        """Filters ``ks`` (None: the low-pass) at ``level``, ready for :func:`filter_decimate`.

        Cached per level, filters, decimation, half, device and precision:
        for ``dec == 1`` the responses (K, *grid); for ``dec > 1`` the aliases
        of each response gathered as matrices (*coarse grid, dec^d, K) over
        which the periodised product is one batched matrix product (on
        NumPy in the real form of :func:`real_block`, which measured faster
        there; PyTorch's complex batched product was faster than the real
        one on case d of the benchmark).  With
        ``half``, only the coarse frequencies 0 … n//2 of the last axis (for
        a real inverse transform).
        """
        key = (level, ks, dec, half, str(be.device), be.is_torch, np.dtype(real_dtype).name)
        hit = self._device_cache.get(key)
        if hit is None:
            lowpass, filters = self.bank_at(level)
            F = lowpass[None] if ks is None else filters[list(ks)]
            cdtype = np.result_type(real_dtype, np.complex64)
            if dec == 1:
                F = F[..., : F.shape[-1] // 2 + 1] if half else F
                complex_ = array_api_compat.array_namespace(F).isdtype(F.dtype, "complex floating")
                hit = be.asarray(F, cdtype if complex_ else real_dtype)
            elif not _alias_matmul(F.ndim - 1):
                G = alias_split(F, dec)
                hit = be.asarray(G[..., : G.shape[-1] // 2 + 1] if half else G, cdtype)
            else:
                G = alias_matrices(F, dec)
                if half:
                    G = G[..., : G.shape[F.ndim - 2] // 2 + 1, :, :]
                G = be.asarray(G, cdtype)
                hit = G if be.is_torch else real_block(G, be.xp)
            if isinstance(lowpass, np.ndarray):
                self._device_cache[key] = hit
        return hit

    def blocks_at(self, level, paths, be: Backend):
        """The kept (parent, filter) pairs as dense blocks [(dec, parents, filters, child paths)].

        Parents that keep the same filters with the same decimation form one
        block, computed as one broadcast product (parents × filters): a
        handful of blocks per layer (one per scale for frequency-decreasing
        paths), never a loop per filter.  ``parents`` is a slice when
        contiguous, so the parents' spectra are not copied.
        """
        key = (level, tuple(paths), str(be.device), be.is_torch)
        hit = self._blocks_cache.get(key)
        if hit is None:
            n_filters = self.bank_at(level)[1].shape[0]
            groups = {}
            for p, path in enumerate(paths):
                by_dec = {}
                for k in range(n_filters):
                    if self.keep is None or self.keep(path, level, k):
                        by_dec.setdefault(int(self.decimation(level, k)), []).append(k)
                for dec, ks in by_dec.items():
                    groups.setdefault((dec, tuple(ks)), []).append(p)
            hit = []
            for (dec, ks), ps in groups.items():
                parents = (
                    slice(ps[0], ps[-1] + 1)
                    if ps == list(range(ps[0], ps[-1] + 1))
                    else be.asarray(np.array(ps, dtype=np.int64))
                )
                hit.append((dec, parents, ks, [paths[p] + (k,) for p in ps for k in ks]))
            self._blocks_cache[key] = hit
        return hit


def _alias_matmul(ndim):
    """Periodise products by matrix products (2-D, 3-D) or by a broadcast product and a sum (1-D).

    Measured on the benchmark's shapes (torch, CPU): in 2-D the batched
    matrix products took 0.020 s per transform of case a against 0.23 s for
    the broadcast form (the sum over two interleaved alias axes is slow); in
    1-D (case d, one filter per block at the second layer: matrix-vector
    products over thousands of coarse frequencies) the broadcast form took
    0.030 s against 0.10 s (NumPy: 0.04 against 0.17 s).
    """
    return ndim >= 2


def alias_split(F, dec):
    """Responses F (K, n_1 … n_d) as (K, dec, n_1/dec, …, dec, n_d/dec) / dec^d: the aliases as axes."""
    grid = F.shape[1:]
    xp = array_api_compat.array_namespace(F)
    return xp.reshape(F, (F.shape[0],) + sum(((dec, n // dec) for n in grid), ())) / dec ** len(grid)


def alias_matrices(F, dec):
    """Responses F (K, n_1 … n_d) as (n_1/dec, …, n_d/dec, dec^d, K) / dec^d.

    Entry [m, a, k] is F[k] at the alias a of the coarse frequency m, so that
    periodising a product, (1/dec^d) Σ_a Û[m + a n/dec] F[k, m + a n/dec],
    is a matrix product over a for every m.
    """
    K, grid = F.shape[0], F.shape[1:]
    d = len(grid)
    split = F.reshape((K,) + sum(((dec, n // dec) for n in grid), ()))
    order = tuple(2 + 2 * i for i in range(d)) + tuple(1 + 2 * i for i in range(d)) + (0,)
    G = (
        array_api_compat.array_namespace(F)
        .permute_dims(split, order)
        .reshape(tuple(n // dec for n in grid) + (dec**d, K))
    )
    return G / dec**d


def real_block(G, xp):
    """Complex matrices G (…, a, K) as real ones (…, 2a, 2K) acting on interleaved (re, im) pairs.

    [a_re, a_im, …] @ M = [y_re, y_im, …] with y = a @ G: rows 2j, 2j+1 of M
    hold (Re G_jk, Im G_jk) and (−Im G_jk, Re G_jk) in columns 2k, 2k+1.
    NumPy's stacked complex products loop over the batch; real ones go to
    BLAS in one pass.
    """
    Gr, Gi = xp.real(G), xp.imag(G)
    a, K = G.shape[-2], G.shape[-1]
    lead = tuple(G.shape[:-2])
    top = xp.reshape(xp.stack([Gr, Gi], axis=-1), lead + (a, 2 * K))
    bottom = xp.reshape(xp.stack([-Gi, Gr], axis=-1), lead + (a, 2 * K))
    return xp.reshape(xp.stack([top, bottom], axis=-2), lead + (2 * a, 2 * K))


def filter_decimate(be, Uh, F, dec, ndim, half=False):
    """Spectra Uh (B, P, *grid) times K responses, sub-sampled by ``dec``: (B, P·K, *grid/dec).

    ``F`` comes from :meth:`LayerPlan.responses` (same ``half``).  For dec > 1
    the product is periodised as it is formed: in 2-D and 3-D one batched
    matrix product per coarse frequency over the dec^d aliases, never
    materialised at full size; in 1-D a broadcast product summed over the
    alias axis (see :func:`_alias_matmul`).  With ``half`` only the coarse
    frequencies 0 … n//2 of the last axis are formed: the spectrum of a real
    output, for ``irfftn``.
    """
    xp = be.xp
    B, P, grid = Uh.shape[0], Uh.shape[1], tuple(Uh.shape[2:])
    if dec == 1:
        if half:
            Uh = Uh[..., : grid[-1] // 2 + 1]
        Y = be.multiply(xp.expand_dims(Uh, axis=2), F)
        return xp.reshape(Y, (B, P * F.shape[0]) + tuple(Y.shape[3:]))
    coarse = tuple(n // dec for n in grid)
    A = xp.reshape(Uh, (B * P,) + sum(((dec, m) for m in coarse), ()))
    if half:
        A = A[..., : coarse[-1] // 2 + 1]
    if not _alias_matmul(ndim):  # F from alias_split: (K, dec, m, …)
        Y = xp.sum(be.multiply(xp.expand_dims(A, axis=1), F), axis=tuple(2 + 2 * i for i in range(ndim)))
        return xp.reshape(Y, (B, P * F.shape[0]) + tuple(Y.shape[2:]))
    A = xp.permute_dims(A, tuple(2 + 2 * i for i in range(ndim)) + (0,) + tuple(1 + 2 * i for i in range(ndim)))
    A = xp.reshape(A, tuple(A.shape[:ndim]) + (B * P, dec**ndim))
    if xp.isdtype(F.dtype, "complex floating"):
        Y = xp.matmul(A, F)  # (*coarse, B·P, K)
    else:  # F in real_block form
        Y = be.complex_pairs(xp.matmul(be.real_pairs(A), F))
    Y = xp.permute_dims(Y, (ndim, ndim + 1) + tuple(range(ndim)))
    return xp.reshape(Y, (B, P * Y.shape[1]) + tuple(Y.shape[2:]))


# Working set of one batch chunk (see item_bytes): cache-sized on a CPU, where
# one huge product is slower than several small ones, large on a GPU; the
# measurements behind these sizes are in docs/performance.md.
CHUNK_BYTES = {"cpu": 16 << 20, "cpu-torch": 64 << 20, "cuda": 1 << 30}


def item_bytes(plans, grid, ndim, be, itemsize):
    """Working set of one item: twice its spectra plus its children's maps at the busiest layer.

    Walks the plans' blocks without arrays (same pruning and decimations as
    :func:`propagate_batch`); ``itemsize`` is that of the complex dtype.  The
    factor 2 covers the transient copy of each array (products before the
    inverse DFT, DFT outputs): measured with ``tracemalloc`` on NumPy, the
    peak of a large batch minus its outputs was 0.87–0.9 of this model.
    """
    size = lambda level: math.prod(grid) // level**ndim
    groups = {1: [()]}
    peak = 0
    for n, plan in enumerate(plans):
        spectra = sum(len(paths) * size(level) for level, paths in groups.items())
        children = {}
        if n < len(plans) - 1:
            for level, paths in groups.items():
                for dec, _, _, new_paths in plan.blocks_at(level, paths, be):
                    children.setdefault(level * dec * plan.pooling.factor, []).extend(new_paths)
        peak = max(peak, spectra + sum(len(ps) * size(lvl) for lvl, ps in children.items()))
        groups = children
    return 2 * peak * itemsize


def chunking(x, plans, ndim, be, max_memory=None):
    """(items per batch chunk, chunks run at once).

    NumPy runs one chunk per core (or per ``scatterx._backend.WORKERS``: a
    Dask worker sets it to its share of the cores); PyTorch threads its own
    kernels and runs one.  Default: a working set (:func:`item_bytes`) of
    about :data:`CHUNK_BYTES` per chunk; with ``max_memory`` (bytes), the
    chunks running at once stay within it together.
    """
    threads = 1 if be.is_torch else be.workers if be.workers > 0 else os.cpu_count() or 1
    itemsize = 16 if x.dtype in (be.xp.float64, be.xp.complex128) else 8
    per_item = item_bytes(plans, tuple(x.shape[1:]), ndim, be, itemsize)
    if max_memory is None:
        device = "cuda" if "cuda" in str(be.device) else "cpu-torch" if be.is_torch else "cpu"
        return max(1, CHUNK_BYTES[device] // per_item), threads
    if per_item > max_memory:
        raise ValueError(
            f"max_memory={max_memory} bytes is below the working set of one item of grid "
            f"{tuple(x.shape[1:])} in this network ({per_item} bytes); expected max_memory >= "
            f"{per_item}"
        )
    threads = min(threads, max_memory // per_item)
    return max_memory // (per_item * threads), threads


def propagate(x, plans, ndim, *, real_input=True, propagated=None, max_memory=None):
    """Run the network described by ``plans`` on ``x``, in batch chunks; see :func:`propagate_batch`.

    On NumPy, chunks run in one thread per core (NumPy's and SciPy's kernels
    release the GIL; each chunk's FFTs then use one thread): the element-wise
    work, single-threaded in NumPy, is spread over the cores too.  PyTorch
    threads its own kernels.  ``max_memory`` (bytes) bounds the modelled
    working set (:func:`item_bytes`) of the chunks running at once; chunks
    change the result only by rounding (a batched matrix product of another
    row count may round differently).
    """
    be = Backend(x)
    chunk, threads = chunking(x, plans, ndim, be, max_memory)
    if x.shape[0] <= chunk:
        return propagate_batch(x, plans, ndim, real_input=real_input, propagated=propagated)
    xp = be.xp
    starts = range(0, x.shape[0], chunk)
    energies = [[] if propagated is not None else None for _ in starts]

    def run(i):
        return propagate_batch(
            x[starts[i] : starts[i] + chunk],
            plans,
            ndim,
            real_input=real_input,
            propagated=energies[i],
            workers=None if be.is_torch else 1,
        )

    threads = min(len(starts), threads)
    if threads > 1:
        # One BLAS thread per chunk thread: nested BLAS threads oversubscribe the cores.
        with (
            threadpoolctl.threadpool_limits(1, user_api="blas"),
            concurrent.futures.ThreadPoolExecutor(threads) as pool,
        ):
            parts = list(pool.map(run, range(len(starts))))
    else:
        parts = [run(i) for i in range(len(starts))]
    if propagated is not None:
        propagated.extend(xp.concat([w[n] for w in energies], axis=0) for n in range(len(energies[0])))
    return [
        [
            (paths, level, xp.concat([part[n][g][2] for part in parts], axis=0))
            for g, (paths, level, _) in enumerate(layer)
        ]
        for n, layer in enumerate(parts[0])
    ]


def propagate_batch(x, plans, ndim, *, real_input=True, propagated=None, workers=None):
    """Run the network described by ``plans`` on ``x`` of shape (B, *grid).

    ``plans`` has one entry per feature layer Φ^0 … Φ^N; the last one only
    needs a low-pass.  Returns, per layer, a list of ``(paths, level, array)``
    with ``array`` of shape (B, len(paths), *grid at that level), paths as
    tuples of filter indices.  When ``propagated`` is a list, the propagated
    energy W_n = Σ_{|q|=n} ‖U[q]f‖² of every layer (shape (B,)) is appended.
    ``workers``: threads of SciPy's FFTs (NumPy only; default all cores).
    """
    be = Backend(x, workers=workers)
    xp = be.xp
    real_dtype = np.float64 if x.dtype in (xp.float64, xp.complex128) else np.float32
    groups = {1: ([()], xp.expand_dims(x, axis=1), real_input)}
    out = []
    for n, plan in enumerate(plans):
        feats, children = [], {}
        last = n == len(plans) - 1
        if propagated is not None:
            propagated.append(
                sum(
                    (xp.sum(xp.abs(U) ** 2, axis=tuple(range(1, U.ndim))) for _, U, _ in groups.values()),
                    xp.zeros(x.shape[0], dtype=xp.real(x).dtype, device=be.device),
                )
            )
        for level, (paths, U, is_real) in groups.items():
            Uh = be.rfftn_full(U, ndim) if is_real else be.fftn(U, ndim)
            out_dec = plan.output_decimation(level)
            phi = _filter_inverse(
                be, Uh, plan, level, None, out_dec, ndim, real_dtype, real=is_real and plan.lowpass_real
            )
            feats.append((paths, level * out_dec, phi))
            if last:
                continue
            for dec, parents, ks, new_paths in plan.blocks_at(level, paths, be):
                Up = Uh[:, parents] if isinstance(parents, slice) else xp.take(Uh, parents, axis=1)
                V = _filter_inverse(be, Up, plan, level, ks, dec, ndim, real_dtype, real=is_real and plan.filters_real)
                V = plan.pooling(plan.nonlinearity(V), ndim)
                children.setdefault(level * dec * plan.pooling.factor, []).append(
                    (new_paths, V, xp.isdtype(V.dtype, "real floating"))
                )
        out.append(feats)
        groups = {
            lvl: (
                sum((c[0] for c in cs), []),
                cs[0][1] if len(cs) == 1 else xp.concat([c[1] for c in cs], axis=1),
                all(c[2] for c in cs),
            )
            for lvl, cs in children.items()
        }
    return out


def _filter_inverse(be, Uh, plan, level, ks, dec, ndim, real_dtype, real):
    """Filter (ks; None: low-pass), sub-sample by ``dec``, back to space.

    A real input filtered by real-in-space responses has a real output: only
    half of its spectrum is formed and the inverse transform is real.
    """
    F = plan.responses(level, ks, dec, be, real_dtype, half=real)
    Y = filter_decimate(be, Uh, F, dec, ndim, half=real)
    if real:
        return be.irfftn(Y, tuple(n // dec for n in Uh.shape[2:]), ndim)
    return be.ifftn(Y, ndim)


def assemble(layer_feats, xp):
    """One layer's features as (paths in lexicographic order, array (B, P, *grid)).

    A layer whose paths were all pruned gives ``([], None)``.
    """
    if not layer_feats:
        return [], None
    paths = sum((list(p) for p, _, _ in layer_feats), [])
    shapes = {tuple(a.shape[2:]) for _, _, a in layer_feats}
    if len(shapes) > 1:
        raise ValueError(
            f"paths of one layer end on different grids {sorted(shapes)}; "
            "use an output decimation that brings them to one grid"
        )
    arr = layer_feats[0][2] if len(layer_feats) == 1 else xp.concat([a for _, _, a in layer_feats], axis=1)
    order = sorted(range(len(paths)), key=paths.__getitem__)
    if order != list(range(len(paths))):
        arr = xp.take(arr, Backend(arr).asarray(np.array(order, dtype=np.int64)), axis=1)
        paths = [paths[i] for i in order]
    return paths, arr
