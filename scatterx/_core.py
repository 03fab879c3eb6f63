"""The one compute core: propagate a signal through a scattering network.

Written once over the array API namespace (see ``_backend``); NumPy and
PyTorch (CPU, CUDA, autograd) run the same lines.

The core knows layers only through :class:`LayerPlan`.  A path that has been
decimated by a total factor r (its *level*) lives on the grid ``shape // r``.
The core visits the network depth first: a group of paths (one level,
i.e. one total decimation, its maps one array) at layer n

1. takes the DFT of all its maps at once (where any product needs it),
2. emits the layer's features: multiply by the output-generating atom χ̂,
   periodise the spectrum by the plan's output decimation (= subsample the
   output in space), inverse DFT; or, where χ factors over the axes of a
   2-D grid, two real matrix products on the maps themselves
   (:meth:`LayerPlan.separable_lowpass`);
3. builds, block by block, the next layer's paths for every (parent,
   filter) pair the plan keeps, batched in dense blocks of parents ×
   filters: multiply by ĝ_λ, periodise by the decimation of λ (sub-sampling
   before a pointwise M is exact, and cheaper after the product), inverse
   DFT, non-linearity M, pooling P, and hands each block's children to
   layer n + 1 as a group before the next block is computed.

What is held at once is one group per layer with the spectra of its
parents, not a whole layer; inside a block, the products, their inverse
DFT and M run on cache-sized parts (:func:`_filter_inverse`).

Layout.  Inside the core a group's maps are one array (paths, batch, *grid),
C-ordered: every DFT runs on contiguous trailing axes (a strided layout can
cost an FFT library several times the time, and how much depends on the
CPU; see docs/performance.md), and the children of one block come out as
one contiguous array (filter-major: path (q, k) at row k·P + p).
:func:`assemble` puts the features in the user's order (batch, paths,
*grid).

The generic :class:`~scatterx.Network` (one pooling factor per layer) and the
Kymatio-compatible frontends (a decimation per filter scale) are two ways of
filling in the plans; the arithmetic below is shared.
"""

from __future__ import annotations

import itertools
import math
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from ._backend import Backend
from .operators import Nonlinearity, NoPooling, Pooling

__all__ = [
    "LayerPlan",
    "propagate_batch",
    "assemble",
    "alias_slices",
]


class _Product(NamedTuple):
    """Filters periodised by a decimation, ready to multiply (:meth:`LayerPlan.responses`).

    ``steps``: per term, ``(read, target, shared, G)``: the slices of the
    parents' spectra (P, B, *grid) that the term reads, the slices of the
    output block (K, P, B, *cell) where it adds, whether several filters
    share what it reads, and its responses shaped (k1 − k0, 1, 1, *box) to
    broadcast over parents and batch.  The first step writes its product
    and the others add theirs; ``whole``: the first step covers every
    filter and the whole cell, so the output block needs no zeros first.
    ``pairs``: the responses are real (Morlet filters are, in frequency)
    and the library multiplies them so (``Backend.real_pair_products``):
    each term holds every value twice, (k1 − k0, 1, 1, *box, 2), to
    multiply the real and imaginary parts of the spectrum as one real
    array (:meth:`Backend.real_pairs`): two real products per entry, not
    a complex one.  Built once per cached key, so a call of
    :func:`_filter_inverse` only indexes and multiplies.
    """

    K: int
    coarse: tuple
    cell: tuple
    whole: bool
    steps: tuple
    needs_full: bool
    pairs: bool


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
    responses_cache: what the plan learns from its responses (the alias
        terms of :meth:`responses`, the separable low-pass); plans whose
        ``bank_at`` gives the same responses at a level may share one (its
        keys name the level, filters and decimation, not the plan).
    """

    bank_at: Callable[[int], tuple]
    nonlinearity: Nonlinearity | None = None
    pooling: Pooling = field(default_factory=NoPooling)
    decimation: Callable[[int, int], int] = lambda level, k: 1
    output_decimation: Callable[[int], int] = lambda level: 1
    keep: Callable[[tuple, int, int], bool] | None = None
    lowpass_real: bool = True
    filters_real: bool = False
    responses_cache: dict = field(default_factory=dict, repr=False)
    _blocks_cache: dict = field(default_factory=dict, repr=False)

    def responses(self, level, ks, dec, be: Backend, real_dtype, half):
        """Filters ``ks`` (None: the low-pass) at ``level`` as the terms of their products periodised by ``dec``.

        Returns a :class:`_Product`.  Periodising the product of a
        spectrum X with a response F by dec is the sum over the dec^d
        aliases j of X·F/dec^d on the block of the grid that folds onto the
        coarse grid at alias j (:func:`alias_slices`).  A term is the part
        ``box`` (slices of the coarse grid) of that block for responses
        k0 … k1−1, stored as the step that adds it (:class:`_Product`).
        With ``half`` the blocks hold the coarse frequencies 0 … m//2 of the
        last axis only (a real output), and ``needs_full`` says whether a
        term reaches past the half spectrum of a real input.

        Only the support of each response counts: entries at most
        eps·max|F_k|/dec^d (eps of the precision) are left out, so a term
        covers the box around the entries above that (one or two slices per
        axis) and blocks without any are dropped.  Band-limited filters at
        coarse scales meet few aliases and little of each; what is left out
        of a periodised product is below ‖X‖·max|F_k|·eps/dec^(d/2), under
        the rounding of the sum over aliases itself.  Responses that require gradients
        (learned filters) keep every term and are used live; others are
        studied once (see :meth:`_key`).  Cached per level, filters,
        decimation, half, device and precision.
        """
        lowpass, filters = self.bank_at(level)
        source = lowpass if ks is None else filters
        key = self._key(source, (level, ks, dec, half, be.device_name, be.is_torch, np.dtype(real_dtype).char))
        hit = None if key is None else self._cached(key, source)
        if hit is None:
            fixed = key is not None
            F = _values(source) if fixed else source
            F = F[None] if ks is None else F[_as_index(ks)]
            grid = tuple(F.shape[1:])
            ndim, K = len(grid), F.shape[0]
            coarse = tuple(n // dec for n in grid)
            width = coarse[-1] // 2 + 1 if half else coarse[-1]
            scale = dec**ndim  # F/dec^d in the terms; the support test |F/dec^d| > eps·max|F|/dec^d on F itself
            cdtype = np.result_type(real_dtype, np.complex64)
            pairs = be.real_pair_products and not _is_complex(F)

            def live_term(block):  # a term as the core multiplies it (see _Product.pairs), inside autograd's graph
                values = block / scale if scale > 1 else block
                if not pairs:
                    return be.asarray(values, cdtype)
                values = be.asarray(values, real_dtype)
                return be.xp.stack([values, values], axis=-1)

            def fixed_term(block):  # the same from NumPy responses: divided and cast in one pass, then moved
                out = np.empty(block.shape + ((2,) if pairs else ()), real_dtype if pairs else cdtype)
                np.divide(block, scale, out=out[..., 0] if pairs else out, casting="same_kind")
                if pairs:
                    out[..., 1] = out[..., 0]
                return be.asarray(out)

            size = coarse[:-1] + (width,)
            terms = []
            if fixed:
                support = _Support(F, dec, coarse, width, np.finfo(real_dtype).eps)
                cyclic = tuple(not (half and i == ndim - 1) for i in range(ndim))  # a half last axis does not wrap
            for j in itertools.product(range(dec), repeat=ndim):
                if fixed and not support.met[j]:
                    continue
                block = F[(slice(None),) + alias_slices(j, coarse, width)]
                if not fixed:
                    terms.append((j, tuple(slice(0, n) for n in size), 0, K, live_term(block)))
                    continue
                for k0, k1, box in support.boxes(j, cyclic):
                    terms.append((j, box, k0, k1, fixed_term(block[(slice(k0, k1),) + box])))
            # The largest term first: it starts the sum (written, not added); when it covers every
            # filter and the whole block, the block needs no pass of zeros.
            terms.sort(key=lambda t: -(t[3] - t[2]) * math.prod(b.stop - b.start for b in t[1]))
            last = grid[-1] // 2 + 1
            needs_full = any(j[-1] * coarse[-1] + box[-1].stop > last for j, box, _, _, _ in terms)
            read = lambda j, box: tuple(  # noqa: E731
                slice(a.start + b.start, a.start + b.stop) for a, b in zip(alias_slices(j, coarse, width), box)
            )
            steps = tuple(
                (
                    (slice(None), slice(None)) + read(j, box),
                    (slice(k0, k1), slice(None), slice(None)) + box,
                    k1 - k0 > 1,
                    G.reshape((k1 - k0, 1, 1) + tuple(G.shape[1:])),
                )
                for j, box, k0, k1, G in terms
            )
            whole = bool(terms) and terms[0][2:4] == (0, K) and terms[0][1] == tuple(slice(0, n) for n in size)
            hit = _Product(K, coarse, size, whole, steps, needs_full, pairs)
            if fixed:
                self._remember(key, source, hit)
        return hit

    def _key(self, responses, key):
        """The cache key of what the plan learns from the values of ``responses``, or None where it may not.

        NumPy responses are fixed: the key as given.  Tensors outside
        autograd (``scatterx.torch``'s buffers) are fixed for as long as
        they hold the same values: the key adds the tensor and its version
        counter, which every in-place change (``load_state_dict``,
        ``project_``) advances.  Tensors that require gradients (learned
        filters) are used live: None.
        """
        if isinstance(responses, np.ndarray):
            return key
        if responses.requires_grad:
            return None
        return key + (id(responses), responses._version)

    def _cached(self, key, responses):
        hit = self.responses_cache.get(key)
        if hit is not None and not isinstance(responses, np.ndarray):
            ref, hit = hit
            hit = hit if ref() is responses else None  # the id of a freed tensor, reused
        return hit

    def _remember(self, key, responses, hit):
        self.responses_cache[key] = hit if isinstance(responses, np.ndarray) else (weakref.ref(responses), hit)

    def separable_lowpass(self, level, dec, be: Backend, real_dtype):
        """The low-pass at ``level`` followed by sub-sampling by ``dec`` as two matrices, or None.

        When χ is real in space and, on a 2-D grid, an outer product
        χ(x_1, x_2) = g_1(x_1) g_2(x_2) (Kymatio's Gaussian is; the check is
        ‖χ − g_1 g_2ᵀ‖_F ≤ eps‖χ‖_F (:func:`_separable_tol`), g_1 and g_2 the column and row of χ through its
        largest entry),
        the features are y = C_1 U C_2ᵀ with C_i[t, x] = g_i[(dec·t − x) mod
        n_i]: two real matrix products per map, no DFT.  Used on every
        level, when the products take at most 4 n log2 n multiply-adds (n
        points in the grid: about what the DFT, the filter product and the
        inverse DFT cost).  On the last layer they replace all three; on a
        level with children, whose spectra are needed anyway, the product
        of the alias terms (one per alias of a coarse decimation) and the
        inverse DFT: measured faster on cases a–c (docs/performance.md).
        Returns ``(C_1, C_2)`` on the device; None where χ is not separable
        or requires gradients (learned).
        """
        lowpass = self.bank_at(level)[0]
        key = self._key(lowpass, ("separable", level, dec, be.device_name, be.is_torch, np.dtype(real_dtype).char))
        if key is None:
            return None
        hit = self._cached(key, lowpass)
        if hit is None:
            hit, chi = (None,), _values(lowpass)
            if chi.ndim == 2 and self.lowpass_real:
                (n1, n2), (m1, m2) = chi.shape, (chi.shape[0] // dec, chi.shape[1] // dec)
                if n1 * n2 * m2 + n1 * m1 * m2 <= 4 * n1 * n2 * math.log2(n1 * n2):  # cheaper: see above
                    g = np.real(np.fft.ifft2(chi))
                    g1, g2 = _rank_one(g)
                    if g1 is not None and _rank_one_error(g, g1, g2) <= _separable_tol(real_dtype):
                        C1 = g1[(dec * np.arange(m1)[:, None] - np.arange(n1)[None, :]) % n1]
                        C2 = g2[(dec * np.arange(m2)[:, None] - np.arange(n2)[None, :]) % n2]
                        hit = (be.asarray(C1, real_dtype), be.asarray(C2, real_dtype))
            self._remember(key, lowpass, hit)
        return hit if len(hit) == 2 else None

    def blocks_at(self, level, paths, be: Backend):
        """The kept (parent, filter) pairs as dense blocks [(dec, parents, filters, child paths)].

        Parents that keep the same filters with the same decimation form one
        block, computed as one broadcast product (filters × parents): a
        handful of blocks per layer (one per scale for frequency-decreasing
        paths), never a loop per filter.  ``parents`` is a slice when
        contiguous, so the parents' spectra are not copied.  Child paths are
        filter-major (all parents for the first filter, then the next), the
        order in which the block computes them.
        """
        key = (level, tuple(paths), be.device_name, be.is_torch)
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
                hit.append((dec, parents, ks, [paths[p] + (k,) for k in ks for p in ps]))
            self._blocks_cache[key] = hit
        return hit


def _values(responses):
    """Responses as a NumPy array (a tensor's current values, copied to the host)."""
    if isinstance(responses, np.ndarray):
        return responses
    return responses.detach().cpu().numpy()


def _as_index(ks):
    """Filter indices ``ks`` as a slice where they are consecutive (a view of the bank, not a copy)."""
    ks = list(ks)
    if ks and ks == list(range(ks[0], ks[0] + len(ks))):
        return slice(ks[0], ks[0] + len(ks))
    return ks


class _Support:
    """Where responses F (K, *grid) have entries above eps·max|F_k|, per alias of a decimation ``dec``.

    The grid folds onto the coarse grid (m_1 … m_d) = grid/dec; alias j is
    the block of :func:`alias_slices`.  ``above`` holds the test per entry,
    as (K, dec, m_1, …, dec, m_d) (the last m_d cut to ``width``), and
    ``lines[i]`` its projection on axis i, (K, dec, …, dec, m_i): whether a
    filter has an entry above the floor at coarse index t of axis i in
    alias j.  ``met[j]``: whether alias j has any.  The tests run over F
    once per (responses, decimation); an alias then reads only its lines.
    """

    def __init__(self, F, dec, coarse, width, eps):
        K, ndim = F.shape[0], len(coarse)
        magnitude = np.abs(F)
        floor = eps * magnitude.reshape(K, -1).max(axis=1)
        split = magnitude.reshape((K,) + sum(((dec, m) for m in coarse), ()))[..., :width]
        self.above = split > floor.reshape((K,) + (1,) * (2 * ndim))
        self.lines = [
            np.moveaxis(self.above.any(axis=tuple(2 + 2 * a for a in range(ndim) if a != i)), 2 + i, -1)
            for i in range(ndim)
        ]
        self.met = self.lines[0].any(axis=(0, -1))

    def boxes(self, j, cyclic):
        """(k0, k1, box) per term of alias j: runs k0 … k1−1 of filters with entries above the floor, and the boxes
        (slices of the coarse grid, one or two per axis: :func:`_cover`) around the entries of any filter of the run.
        """
        lines = [line[(slice(None),) + j] for line in self.lines]  # (K, m_i)
        for k0, k1 in _runs(lines[0].any(axis=1)):
            covers = [_cover(line[k0:k1].any(axis=0), c) for line, c in zip(lines, cyclic)]
            # Where at most one axis needs two slices, every box holds some of the entries; else test each.
            test = sum(len(c) > 1 for c in covers) > 1
            for box in itertools.product(*covers):
                if not test or self.above[(slice(k0, k1),) + sum(((ji, b) for ji, b in zip(j, box)), ())].any():
                    yield k0, k1, box


def _is_complex(responses):
    """Whether responses (a NumPy array or a tensor) have a complex dtype."""
    return np.iscomplexobj(responses) if isinstance(responses, np.ndarray) else responses.is_complex()


def _cover(mask, cyclic):
    """The fewest slices covering the True entries of a 1-D mask: one, or two where they wrap around the end."""
    idx = np.flatnonzero(mask)
    first, last = int(idx[0]), int(idx[-1])
    if cyclic and len(idx) > 1:
        gaps = idx[1:] - idx[:-1]  # from each entry to the next
        i = int(np.argmax(gaps))
        # The widest empty stretch is inside (not the one around the end): cover the two ends.
        if gaps[i] > 1 and gaps[i] >= first + len(mask) - last:
            return [slice(int(idx[i + 1]), len(mask)), slice(0, int(idx[i]) + 1)]
    return [slice(first, last + 1)]


def _runs(mask):
    """The maximal runs [k0, k1) of True in a boolean sequence."""
    runs, start = [], None
    for k, on in enumerate(list(mask) + [False]):
        if on and start is None:
            start = k
        elif not on and start is not None:
            runs.append((start, k))
            start = None
    return runs


def alias_slices(j, coarse, width):
    """The block of a grid (n_1 … n_d) = dec·(m_1 … m_d) that folds onto the coarse grid at alias j.

    Axis i < d: indices j_i·m_i … (j_i + 1)·m_i − 1; the last axis: ``width``
    indices from j_d·m_d (m_d, or m_d//2 + 1 for the half spectrum of a real
    output).
    """
    head = tuple(slice(ji * m, (ji + 1) * m) for ji, m in zip(j[:-1], coarse[:-1]))
    return head + (slice(j[-1] * coarse[-1], j[-1] * coarse[-1] + width),)


def _separable_tol(real_dtype):
    """The largest ‖χ − g_1 g_2ᵀ‖_F / ‖χ‖_F taken as separable: eps of the dtype, and not below 8 float64 roundings.

    g = IDFT χ̂ is computed in float64, and the factors through its largest
    entry reproduce an outer product to a few roundings of float64 (Kymatio's
    Gaussians: 1e-16 to 3.3e-16 on cases a–c), so a float64 network would
    otherwise miss the separable low-pass on some levels.
    """
    return max(float(np.finfo(real_dtype).eps), 8 * float(np.finfo(np.float64).eps))


def _rank_one(g):
    """(g_1, g_2) with g ≈ g_1 g_2ᵀ: the column and the row through the largest |g[i, j]|, the row over g[i, j].

    Exact where g is an outer product; (None, None) where g is zero.
    """
    i, j = np.unravel_index(np.argmax(np.abs(g)), g.shape)
    if g[i, j] == 0:
        return None, None
    return g[:, j], g[i, :] / g[i, j]


def _rank_one_error(g, g1, g2):
    """‖g − g_1 g_2ᵀ‖_F / ‖g‖_F: at most a few roundings of g where it is an outer product.

    Sums of squares, not ``np.linalg.norm``: its dot product wakes the
    BLAS's threads on large grids, which then spin beside torch's intra-op
    threads (case c with torch: the render and the first call took 0.07–0.17 s
    more than a warm call, 0.044–0.051 s without; docs/performance.md).
    """
    return math.sqrt(float(np.sum(np.square(g - np.outer(g1, g2)))) / float(np.sum(np.square(g))))


class _Spectra:
    """The DFT of one level's maps U (P, B, *grid): the full spectrum, or the half one of a real U.

    ``need_full``: some product reads past the half spectrum (complex
    responses, or alias blocks beyond n//2 on the last axis).
    """

    def __init__(self, be, U, ndim, is_real, need_full):
        self.grid = tuple(U.shape[2:])
        if not is_real:
            self.spectrum = be.fftn(U, ndim)
        elif need_full:
            self.spectrum = be.fftn_of_real(U, ndim)
        else:
            self.spectrum = be.rfftn(U, ndim)


def _separable_filter(be, U, matrices):
    """C_1 U C_2ᵀ on the last two axes of U (see :meth:`LayerPlan.separable_lowpass`).

    Two matrix products over all maps at once, each with the short matrix
    on the left, (m × n) @ (n × many), the orientation in which the BLAS
    libraries measured fastest (docs/performance.md).  Where the library
    spreads a batch of products over its threads
    (:meth:`Backend.matmul_pieces`), the maps are cut into that many
    pieces of consecutive rows, one product each in one batched call, and
    the features come out C-ordered (…, m_1, m_2); otherwise as a view in
    (m_1, m_2, *lead) order.  :func:`assemble` copies them into the
    user's layout.
    """
    xp = be.xp
    C1, C2 = matrices
    lead, (n1, n2), m1, m2 = tuple(U.shape[:-2]), tuple(U.shape[-2:]), C1.shape[0], C2.shape[0]
    rows = math.prod(lead)
    b = be.matmul_pieces(rows)
    Z = xp.matmul(C2, _transposed(xp, xp.reshape(U, (b, -1, n2))))  # (b, m2, rows/b · n1)
    Y = xp.matmul(C1, _transposed(xp, xp.reshape(Z, (b, -1, n1))))  # (b, m1, m2 · rows/b)
    if b > 1:
        Y = xp.permute_dims(xp.reshape(Y, (b, m1, m2, rows // b)), (0, 3, 1, 2))  # (b, rows/b, m1, m2)
        return xp.reshape(Y, lead + (m1, m2))
    k = len(lead)
    return xp.permute_dims(xp.reshape(Y, (m1, m2) + lead), tuple(range(2, 2 + k)) + (0, 1))


def _transposed(xp, a):
    """A stack of matrices (b, r, c) as the stack of their transposes (b, c, r): a view."""
    return xp.permute_dims(a, (0, 2, 1))


def _separable(plan, level, is_real, ndim, be, real_dtype):
    """The matrices of ``plan``'s separable low-pass at ``level`` for maps that are real or not, or None.

    The one test of where :meth:`LayerPlan.separable_lowpass` applies: a
    2-D grid, real maps and a real χ that factors over the axes.
    """
    if not (is_real and plan.lowpass_real and ndim == 2):
        return None
    return plan.separable_lowpass(level, plan.output_decimation(level), be, real_dtype)


def _filter_inverse(be, spectra, responses, dec, parents, ndim, real, finish=None):
    """Filters (``responses``, see :meth:`LayerPlan.responses`) on the ``parents``' spectra, sub-sampled by ``dec``.

    Returns the maps in space, (K·P, B, *grid/dec), filter-major, passed
    through ``finish`` (the layer's non-linearity and pooling) if given.  The
    periodised product is accumulated term by term into one C-ordered array,
    which the inverse DFT reads as it is.  A real input filtered by
    real-in-space responses has a real output: only half of its spectrum
    is formed and the inverse transform is real.

    The work runs block by block of (parents, batch) (:func:`_product_blocks`):
    every term of a block is added while the block is still in the cache,
    then the block's inverse DFT and ``finish`` run, and only their result
    is written into the output; the complex products and their transform
    exist for one block at a time.  The parents' part that a term reads,
    used by every filter of the term, is first copied into one contiguous
    array (docs/performance.md measures both).
    """
    xp = be.xp
    K, coarse, cell, whole, steps, _, pairs = responses
    X = spectra.spectrum
    if not isinstance(parents, slice):
        X = xp.take(X, parents, axis=0)
    elif parents != slice(None):
        X = X[parents]
    P, B = X.shape[:2]
    blocks = _product_blocks(be, P, B, K * math.prod(cell) * X.dtype.itemsize)
    out = None
    for ps, bs in blocks:
        Xb = X if len(blocks) == 1 else X[ps, bs]
        Yb = (xp.empty if whole else xp.zeros)((K,) + tuple(Xb.shape[:2]) + cell, dtype=X.dtype, device=be.device)
        Xt, Yt = (be.real_pairs(Xb), be.real_pairs(Yb)) if pairs else (Xb, Yb)  # the arrays the terms index
        for i, (read, target, shared, G) in enumerate(steps):
            A = Xt[read]
            if shared:  # read once per filter: contiguous rows are read faster than the block's strided ones
                A = be.contiguous(A)
            (be.add_product if i else be.set_product)(Yt[target], A[None], G)
        Vb = be.irfftn(Yb, coarse, ndim) if real else be.ifftn(Yb, ndim, overwrite=True)
        Vb = Vb if finish is None else finish(Vb)
        if len(blocks) == 1:
            out = Vb
        else:
            if out is None:
                out = xp.empty((K, P, B) + tuple(Vb.shape[3:]), dtype=Vb.dtype, device=be.device)
            out[:, ps, bs] = Vb
    return out.reshape((K * P, B) + tuple(out.shape[3:]))


# The output block of the filter products, in bytes: on a CPU a cache-sized
# share of the output, summed over all its terms before the next block
# (docs/performance.md); on a GPU one block (a few large kernels).
PRODUCT_BLOCK_BYTES = {"cpu": 2 << 20, "cuda": None}


# An array up to this many times PRODUCT_BLOCK_BYTES is kept whole rather than cut into a block
# and a small remainder.
PRODUCT_BLOCK_SLACK = 1.25


def _block_bytes(be):
    return PRODUCT_BLOCK_BYTES.get(be.device_name.split(":")[0], PRODUCT_BLOCK_BYTES["cpu"])


def _filter_parts(be, K, P, B, spectra, responses):
    """Ranges (i, j) cutting K filters into runs whose products on P parents and B items are at most about one block.

    The runs set how the paths are grouped, so they depend on the plan and
    on ``B`` only: every chunk of one batch passes the same ``B`` (its
    chunk size), and its groups match the others'.
    """
    size = _block_bytes(be)
    total = K * P * B * math.prod(responses.cell) * spectra.spectrum.dtype.itemsize
    if size is None or total <= PRODUCT_BLOCK_SLACK * size:
        return [(0, K)]
    step = -(-K // -(-total // size))
    return [(i, min(i + step, K)) for i in range(0, K, step)]


def _product_blocks(be, P, B, item):
    """Slices (parents, batch) cutting a (K, P, B, *cell) output into blocks of about PRODUCT_BLOCK_BYTES.

    ``item``: the bytes of one (parent, batch) entry over all K filters.
    Whole parents first, then batch entries where one parent is too large.
    """
    size = _block_bytes(be)
    if size is None or P * B * item <= PRODUCT_BLOCK_SLACK * size:
        return [(slice(None), slice(None))]
    if B * item > PRODUCT_BLOCK_SLACK * size:
        step = _even_step(B, B * item, size)
        return [(slice(p, p + 1), slice(b, b + step)) for p in range(P) for b in range(0, B, step)]
    step = _even_step(P, P * B * item, size)
    return [(slice(p, p + step), slice(None)) for p in range(0, P, step)]


def _even_step(n, total, size):
    """The step that cuts n entries of ``total`` bytes into equal pieces, the fewest of at most about ``size``.

    ceil(total / (slack · size)) pieces, the n entries spread evenly over
    them (the last piece the shortest): a piece holds at most slack · size
    plus one entry.  A step of ``size // entry`` instead could leave
    blocks of half the size (one parent of 1.1 MB where two fit).
    """
    pieces = -(-total // int(PRODUCT_BLOCK_SLACK * size))
    return -(-n // pieces)


def propagate_batch(x, plans, ndim, *, real_input=True, propagated=None, workers=None, batch=None):
    """Run the network described by ``plans`` on ``x`` of shape (B, *grid).

    ``plans`` has one entry per feature layer Φ^0 … Φ^N; the last one only
    needs a low-pass.  Returns, per layer, a list of ``(paths, level, array)``
    with ``array`` of shape (len(paths), B, *grid at that level) (the core's
    layout; :func:`assemble` gives the user's), paths as tuples of filter
    indices.  When ``propagated`` is a list, the propagated energy
    W_n = Σ_{|q|=n} ‖U[q]f‖² of every layer (shape (B,)) is appended.
    ``workers``: threads of SciPy's FFTs (NumPy only; default all cores).
    ``batch``: the batch size the runs of filters are sized for (default
    B); the chunks of one batch pass their common size, so that the paths
    of all chunks are grouped alike.

    Depth first: the children of one block (one level, one set of filters)
    go through the rest of the network before the next block is computed,
    so what is held at once is one block's maps per layer (and the spectra
    of their parents), not a whole layer (docs/performance.md measures the
    peak memory).
    """
    be = Backend(x, workers=workers)
    xp = be.xp
    batch = x.shape[0] if batch is None else batch
    real_dtype = np.float64 if x.dtype in (xp.float64, xp.complex128) else np.float32
    out = [[] for _ in plans]
    energy = [xp.zeros(x.shape[0], dtype=xp.real(x).dtype, device=be.device) for _ in plans]

    def features_in_blocks(n, child):
        """The matrices that make layer ``n``'s children at level ``child`` into features block by block, or None.

        Children that only feed the last layer (and whose energy is not
        asked for): where M or P says they are real and that layer's
        low-pass is separable, their features are made block by block, and
        the children themselves are never held whole.
        """
        if n + 2 != len(plans) or propagated is not None:
            return None
        plan = plans[n]
        real = plan.nonlinearity.real_output or plan.pooling.real_output
        return _separable(plans[n + 1], child, real, ndim, be, real_dtype)

    def visit(n, level, paths, U, is_real=None):
        """Layer ``n`` on the maps ``U`` (len(paths), B, *grid/level): its features, then each block's subtree.

        ``U`` is passed as an expression, not a variable: once its spectrum
        is taken, nothing holds it.  ``is_real``: U is real (default: from its dtype).
        """
        plan, last = plans[n], n == len(plans) - 1
        is_real = xp.isdtype(U.dtype, "real floating") if is_real is None else is_real
        if propagated is not None:
            energy[n] = energy[n] + xp.sum(xp.abs(U) ** 2, axis=(0,) + tuple(range(2, U.ndim)))
        blocks = [] if last else plan.blocks_at(level, paths, be)
        filters_real, lowpass_real = is_real and plan.filters_real, is_real and plan.lowpass_real
        out_dec = plan.output_decimation(level)
        separable = _separable(plan, level, is_real, ndim, be, real_dtype)
        if separable is not None:
            out[n].append((paths, level * out_dec, _separable_filter(be, U, separable)))
            if not blocks:
                return
        lowpass = None if separable else plan.responses(level, None, out_dec, be, real_dtype, lowpass_real)
        filters = [plan.responses(level, ks, dec, be, real_dtype, filters_real) for dec, _, ks, _ in blocks]
        need_full = any(not filters_real or r.needs_full for r in filters) or (
            lowpass is not None and (not lowpass_real or lowpass.needs_full)
        )
        spectra = _Spectra(be, U, ndim, is_real, need_full)
        del U  # from here on only its spectrum is needed
        if lowpass is not None:
            V = _filter_inverse(be, spectra, lowpass, out_dec, slice(None), ndim, lowpass_real)
            out[n].append((paths, level * out_dec, V))
        finish = lambda V: plan.pooling(plan.nonlinearity(V), ndim)  # noqa: E731
        for (dec, parents, ks, new_paths), responses in zip(blocks, filters):
            child = level * dec * plan.pooling.factor
            matrices = features_in_blocks(n, child)
            if matrices is not None:
                features = lambda V, matrices=matrices: _separable_filter(be, finish(V), matrices)  # noqa: E731
                maps = _filter_inverse(be, spectra, responses, dec, parents, ndim, filters_real, features)
                out[n + 1].append((new_paths, child * plans[n + 1].output_decimation(child), maps))
                continue
            # Where the children's own children all become features block by block, nothing below the
            # children is visited, and their spectra are the largest array held: they are made and
            # visited a few filters at a time, at most about one product block each.
            below = n + 3 == len(plans) and all(
                features_in_blocks(n + 1, child * d * plans[n + 1].pooling.factor) is not None
                for d, _, _, _ in plans[n + 1].blocks_at(child, new_paths, be)
            )
            P, half = len(new_paths) // len(ks), filters_real  # child paths are filter-major: P per filter
            parts = _filter_parts(be, len(ks), P, batch, spectra, responses) if below else [(0, len(ks))]
            for i, j in parts:
                part = responses if len(parts) == 1 else plan.responses(level, ks[i:j], dec, be, real_dtype, half)
                children = _filter_inverse(be, spectra, part, dec, parents, ndim, filters_real, finish)
                visit(n + 1, child, new_paths[i * P : j * P], children)

    visit(0, 1, [()], xp.expand_dims(x, axis=0), real_input)
    if propagated is not None:
        propagated.extend(energy)
    return out


def assemble(layer_feats, xp):
    """One layer's features as (paths in lexicographic order, array (B, P, *grid)).

    ``layer_feats`` as returned per layer by :func:`propagate` (arrays
    (paths, B, *grid)); a layer whose paths were all pruned gives
    ``([], None)``.  Each group is copied once, straight into its columns
    (in path order) of a new C-ordered array.  ``propagate(assembled=...)``
    writes chunks into such arrays as they are done.
    """
    if not layer_feats:
        return [], None
    paths, columns = layer_columns(layer_feats)
    first = layer_feats[0][2]
    be = Backend(first)
    dtype = xp.result_type(*(a.dtype for _, _, a in layer_feats))
    out = xp.empty((first.shape[1], len(paths)) + tuple(first.shape[2:]), dtype=dtype, device=be.device)
    write_columns(out, layer_feats, columns, be)
    return paths, out


def layer_columns(layer_feats, column=0):
    """The paths of one layer's groups in lexicographic order, and per group the columns of its paths (from ``column``).

    Raises ValueError where the groups end on different grids (they cannot
    share one array).
    """
    shapes = {tuple(a.shape[2:]) for _, _, a in layer_feats}
    if len(shapes) > 1:
        raise ValueError(
            f"paths of one layer end on different grids {sorted(shapes)}; "
            "use an output decimation that brings them to one grid"
        )
    paths = sorted(q for p, _, _ in layer_feats for q in p)
    rank = {q: column + i for i, q in enumerate(paths)}
    return paths, [[rank[q] for q in group] for group, _, _ in layer_feats]


def write_columns(out, layer_feats, columns, be, rows=slice(None)):
    """Each group's maps (paths, b, *grid) into its ``columns`` of ``out[rows]`` (an array (b, C, *grid)).

    One copy per group: a block of consecutive columns as a slice, others
    through an index array.
    """
    xp = be.xp
    for (_, _, a), cols in zip(layer_feats, columns):
        if not cols:
            continue
        maps = xp.permute_dims(a, (1, 0) + tuple(range(2, a.ndim)))  # (b, paths of the group, *grid)
        if cols == list(range(cols[0], cols[0] + len(cols))):
            out[rows, cols[0] : cols[0] + len(cols)] = maps
        else:
            out[rows, be.asarray(np.array(cols, dtype=np.int64))] = maps
