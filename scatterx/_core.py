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

import math
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

from ._backend import Backend
from .operators import Nonlinearity, Pooling, NoPooling

__all__ = ["LayerPlan", "propagate", "periodize"]


@dataclass
class LayerPlan:
    """How one layer acts, as functions of the level (total decimation so far).

    bank_at(level) -> (lowpass, filters): NumPy frequency responses on the
        grid of that level (filters may be None for an output-only layer).
    decimation(level, k) -> int: sub-sampling of filter k's output, applied
        in the Fourier domain before the non-linearity.
    output_decimation(level) -> int: sub-sampling of the features χ-filtered
        at that level.
    keep(parent_path, parent_level, k) -> bool: path pruning; None keeps all.
    lowpass_real / filters_real: χ (resp. every g_λ) is real in space, so a
        real input gives a real output: take the real part.
    """

    bank_at: Callable[[int], tuple]
    nonlinearity: Optional[Nonlinearity] = None
    pooling: Pooling = field(default_factory=NoPooling)
    decimation: Callable[[int, int], int] = lambda level, k: 1
    output_decimation: Callable[[int], int] = lambda level: 1
    keep: Optional[Callable[[tuple, int, int], bool]] = None
    lowpass_real: bool = True
    filters_real: bool = False
    _device_cache: dict = field(default_factory=dict, repr=False)
    _blocks_cache: dict = field(default_factory=dict, repr=False)

    def arrays_at(self, level, be: Backend, real_dtype):
        """The bank at ``level`` as arrays of the input's library, device and precision."""
        key = (level, str(be.device), be.is_torch, np.dtype(real_dtype).name)
        hit = self._device_cache.get(key)
        if hit is None:
            lowpass, filters = self.bank_at(level)
            cdtype = np.result_type(real_dtype, np.complex64)
            cast = lambda a: None if a is None else be.asarray(
                np.asarray(a).astype(cdtype if np.iscomplexobj(a) else real_dtype))
            hit = (cast(lowpass), cast(filters))
            self._device_cache[key] = hit
        return hit

    def blocks_at(self, level, paths, be: Backend, n_filters):
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
                parents = slice(ps[0], ps[-1] + 1) if ps == list(range(ps[0], ps[-1] + 1)) else \
                    be.asarray(np.array(ps, dtype=np.int64))
                hit.append((dec, parents, be.asarray(np.array(ks, dtype=np.int64)),
                            [paths[p] + (k,) for p in ps for k in ks]))
            self._blocks_cache[key] = hit
        return hit


def periodize(xp, y, factor, ndim):
    """Periodise a spectrum by ``factor`` on the last ``ndim`` axes (mean of the aliases).

    ifft(periodize(ŷ, s)) = ifft(ŷ)[s·]: sub-sampling in space.
    """
    if factor == 1:
        return y
    # One axis at a time: summing f contiguous blocks is far faster than a
    # strided multi-axis mean.
    for axis in range(y.ndim - ndim, y.ndim):
        shape = tuple(y.shape)
        y = xp.sum(xp.reshape(y, shape[:axis] + (factor, shape[axis] // factor) + shape[axis + 1:]), axis=axis)
    return y / factor ** ndim


# Bytes of the largest intermediate (batch chunk × filters × grid) per chunk:
# cache-sized on a CPU, where one huge product is slower than several small
# ones (DESIGN §5), large on a GPU.
CHUNK_BYTES = {"cpu": 8 << 20, "cuda": 1 << 30}


def chunk_size(x, plans, ndim, be):
    filters = plans[0].bank_at(1)[1]
    per_item = (1 + (0 if filters is None else filters.shape[0])) * math.prod(x.shape[1:]) * 16
    target = CHUNK_BYTES["cuda" if "cuda" in str(be.device) else "cpu"]
    return max(1, target // per_item)


def propagate(x, plans, ndim, *, real_input=True, propagated=None):
    """Run the network described by ``plans`` on ``x``, in batch chunks; see :func:`propagate_batch`."""
    be = Backend(x)
    chunk = chunk_size(x, plans, ndim, be)
    if x.shape[0] <= chunk:
        return propagate_batch(x, plans, ndim, real_input=real_input, propagated=propagated)
    xp = be.xp
    parts, energies = [], []
    for i in range(0, x.shape[0], chunk):
        W = [] if propagated is not None else None
        parts.append(propagate_batch(x[i:i + chunk], plans, ndim, real_input=real_input, propagated=W))
        energies.append(W)
    if propagated is not None:
        propagated.extend(xp.concat([w[n] for w in energies], axis=0) for n in range(len(energies[0])))
    return [[(paths, level, xp.concat([part[n][g][2] for part in parts], axis=0))
             for g, (paths, level, _) in enumerate(layer)] for n, layer in enumerate(parts[0])]


def propagate_batch(x, plans, ndim, *, real_input=True, propagated=None):
    """Run the network described by ``plans`` on ``x`` of shape (B, *grid).

    ``plans`` has one entry per feature layer Φ^0 … Φ^N; the last one only
    needs a low-pass.  Returns, per layer, a list of ``(paths, level, array)``
    with ``array`` of shape (B, len(paths), *grid at that level), paths as
    tuples of filter indices.  When ``propagated`` is a list, the propagated
    energy W_n = Σ_{|q|=n} ‖U[q]f‖² of every layer (shape (B,)) is appended.
    """
    be = Backend(x)
    xp = be.xp
    real_dtype = np.float64 if x.dtype in (xp.float64, xp.complex128) else np.float32
    groups = {1: ([()], xp.expand_dims(x, axis=1), real_input)}
    out = []
    for n, plan in enumerate(plans):
        feats, children = [], {}
        last = n == len(plans) - 1
        if propagated is not None:
            propagated.append(sum((xp.sum(xp.abs(U) ** 2, axis=tuple(range(1, U.ndim)))
                                   for _, U, _ in groups.values()),
                                  xp.zeros(x.shape[0], dtype=xp.real(x).dtype,
                                           device=be.device)))
        for level, (paths, U, is_real) in groups.items():
            lowpass, filters = plan.arrays_at(level, be, real_dtype)
            Uh = be.fftn(U, ndim)
            phi = be.ifftn(periodize(xp, be.multiply(Uh, lowpass), plan.output_decimation(level), ndim), ndim)
            if is_real and plan.lowpass_real:
                phi = xp.real(phi)
            feats.append((paths, level * plan.output_decimation(level), phi))
            if last:
                continue
            for dec, parents, ks, new_paths in plan.blocks_at(level, paths, be, filters.shape[0]):
                Up = Uh[:, parents] if isinstance(parents, slice) else xp.take(Uh, parents, axis=1)
                Y = be.multiply(xp.expand_dims(Up, axis=2), xp.take(filters, ks, axis=0))
                Y = xp.reshape(Y, (Y.shape[0], len(new_paths)) + tuple(Y.shape[3:]))
                V = be.ifftn(periodize(xp, Y, dec, ndim), ndim)
                if is_real and plan.filters_real:
                    V = xp.real(V)
                V = plan.pooling(plan.nonlinearity(V), ndim)
                children.setdefault(level * dec * plan.pooling.factor, []).append(
                    (new_paths, V, xp.isdtype(V.dtype, "real floating")))
        out.append(feats)
        groups = {lvl: (sum((c[0] for c in cs), []),
                        cs[0][1] if len(cs) == 1 else xp.concat([c[1] for c in cs], axis=1),
                        all(c[2] for c in cs))
                  for lvl, cs in children.items()}
    return out


def assemble(layer_feats, xp):
    """One layer's features as (paths in lexicographic order, array (B, P, *grid)).

    A layer whose paths were all pruned gives ``([], None)``.
    """
    if not layer_feats:
        return [], None
    paths = sum((list(p) for p, _, _ in layer_feats), [])
    shapes = {tuple(a.shape[2:]) for _, _, a in layer_feats}
    if len(shapes) > 1:
        raise ValueError(f"paths of one layer end on different grids {sorted(shapes)}; "
                         "use an output decimation that brings them to one grid")
    arr = layer_feats[0][2] if len(layer_feats) == 1 else xp.concat([a for _, _, a in layer_feats], axis=1)
    order = sorted(range(len(paths)), key=paths.__getitem__)
    if order != list(range(len(paths))):
        arr = xp.take(arr, Backend(arr).asarray(np.array(order, dtype=np.int64)), axis=1)
        paths = [paths[i] for i in order]
    return paths, arr
