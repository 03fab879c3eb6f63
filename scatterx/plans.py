"""Compiling networks into the core's layer plans: the generic network and Kymatio's two transforms.

The compute core (``scatterx._core``) knows a layer only through a
:class:`~scatterx._core.LayerPlan`: the filters at each level (total
decimation so far), the non-linearity, the pooling, the decimation of each
filter's output and of the features, and which paths to keep.  This module
is the one place where plans are made:

* :func:`network_plans` for a :class:`~scatterx.Network` (one pooling factor
  per layer, frames rendered on each layer's grid) — ``Network`` caches its
  own, ``scatterx.torch`` compiles them over its tensors, ``scatterx.extract``
  sizes its chunks with them;
* :func:`scattering2d_plans` and :func:`scattering1d_plans` for the
  Kymatio-compatible frontends (a decimation per filter scale, Kymatio's
  filter periodisation rules from ``scatterx._kymatio_rules``).

Plans hold closures: they are rebuilt on demand and never pickled.
"""

from __future__ import annotations

import math

import numpy as np

from ._core import LayerPlan
from ._tolerances import SCALE_ATOL
from .operators import Modulus, NoPooling, Subsample

__all__ = [
    "network_plans",
    "frequency_decreasing",
    "scattering2d_plans",
    "scattering1d_plans",
    "level_log2",
    "PlanCache",
]


def _absolute_scales(net, n):
    """Scale of every filter of layer n on the input's grid: the frame's meta 'scale' + log2(S_1⋯S_n)."""
    pooled = math.log2(math.prod(m.pooling.factor for m in net.modules[:n]))
    return [float(m["scale"]) + pooled for m in net.bank(n).meta]


def frequency_decreasing(net, n):
    """The pruning rule of layer n ≥ 1: keep filter k after parent path q when k is strictly coarser than q's last.

    Returns ``keep(path, level, k) -> bool`` (``level`` unused: the rule
    depends on the path alone).
    """
    scales, parent = _absolute_scales(net, n), _absolute_scales(net, n - 1)
    return lambda path, level, k: scales[k] > parent[path[-1]] + SCALE_ATOL


def _responses_of(bank, with_filters):
    return lambda level: (bank.lowpass, bank.filters if with_filters else None)


def network_plans(net, *, decimate_output=True, responses=None):
    """The plans of Φ^0 … Φ^N for ``net``.

    Parameters
    ----------
    net : Network
    decimate_output : bool
        Sub-sample each layer's features to ``net.feature_grid`` (``net(x)``)
        or keep them on the layer's grid (``net.layers(x)``).
    responses : callable, optional
        ``responses(n) -> (lowpass, filters or None)`` for layer n, used live
        (never cached) instead of the rendered banks: ``scatterx.torch``'s
        buffers or learned, differentiable filters.  Same shapes as
        ``net.bank(n)``.
    """
    plans = []
    for n in range(net.depth + 1):
        bank = net.bank(n)
        module = net.modules[n] if n < net.depth else None
        out_dec = 1
        if decimate_output and net.feature_grid is not None:
            out_dec = net.grids[n][0] // net.feature_grid[0]  # one factor on every axis (checked by Network)
        # Sub-sampling is applied in the Fourier domain before M (exact, and cheaper); other pooling after M.
        subsample = module is not None and isinstance(module.pooling, Subsample)
        factor = module.pooling.factor if subsample else 1
        if responses is None:
            bank_at = _responses_of(bank, with_filters=module is not None)
        else:
            bank_at = lambda level, n=n: responses(n)
        plans.append(
            LayerPlan(
                bank_at=bank_at,
                nonlinearity=None if module is None else module.nonlinearity,
                pooling=NoPooling() if module is None or subsample else module.pooling,
                decimation=lambda level, k, S=factor: S,
                output_decimation=lambda level, d=out_dec: d,
                keep=frequency_decreasing(net, n) if (net.prune and 0 < n < net.depth) else None,
                lowpass_real=bank.lowpass_is_real,
                filters_real=bank.is_real,
            )
        )
    return plans


def level_log2(level):
    """r for a level (total decimation) 2^r."""
    return int(round(math.log2(level)))


def scattering2d_plans(js, J, max_order, responses):
    """Kymatio 0.3.0's 2-D transform: Morlet filters of scales ``js`` on the padded grid, orders 1 … ``max_order``.

    ``responses(level) -> (lowpass, filters)`` gives the responses at level
    2^r on the padded grid cropped to its 2^r-times coarser copy (Kymatio's
    rule, :func:`~scatterx._kymatio_rules.crop_2d`), as NumPy arrays or as
    tensors (``scatterx.torch``'s buffers, used live).  A path whose last
    filter has scale j is sub-sampled by 2^j (in the Fourier domain); paths
    go to strictly coarser scales; every order's features are sub-sampled to
    2^J.
    """

    def lowpass_at(level):
        return responses(level)[0], None

    # Every layer reads the same responses: the alias terms of a (level, filters, decimation) are found once.
    common = dict(output_decimation=lambda level: 2**J // level, lowpass_real=True, responses_cache={})
    layer = dict(
        bank_at=responses,
        nonlinearity=Modulus(),
        decimation=lambda level, k: max(2 ** js[k] // level, 1),
        keep=lambda path, level, k: not path or js[k] > js[path[-1]],
        **common,
    )
    return [LayerPlan(**layer) for _ in range(max_order)] + [LayerPlan(lowpass_at, **common)]


def scattering1d_plans(js, n_padded, log2_T, oversampling, max_order, responses, *, average=True):
    """Kymatio 0.3.0's 1-D transform: first- and second-order Morlet filters of scales ``js = (j1s, j2s)``.

    ``n_padded`` is the length of the padded grid.
    ``responses(order, level) -> (lowpass, filters)``: at level 2^r, the
    low-pass and the filters of order 1 (``order=0``) or 2 (``order=1``)
    periodised to the 2^r-times coarser grid (Kymatio's rule,
    :func:`~scatterx._kymatio_rules.periodize_1d`); ``order=2`` needs the
    low-pass only.  NumPy arrays, or tensors used live.

    Averaged (``average=True``): filter k of scale j is sub-sampled by
    2^max(min(j, log2 T) − oversampling − r, 0) at level 2^r, the features
    by 2^max(log2 T − r − oversampling, 0).  Un-averaged (Kymatio's
    ``average=False``, ``T=0``): filters by 2^max(j − oversampling − r, 0) and
    the features are the moduli themselves (U[q] instead of U[q] ⋆ φ_T; the
    order-0 feature is the input): the low-pass is replaced by the identity.
    Second-order paths go to strictly coarser scales.
    """
    j1s, j2s = js
    cap = log2_T if average else math.inf

    def bank_at(order):
        if average:
            return lambda level: responses(order, level)
        # The identity (an all-pass response) in place of χ̂: the layer's features are its maps.
        return lambda level: (np.ones(n_padded // level), None if order == 2 else responses(order, level)[1])

    def decimation(j):
        return lambda level, k: 2 ** max(min(j[k], cap) - oversampling - level_log2(level), 0)

    if average:
        output_decimation = lambda level: 2 ** max(log2_T - level_log2(level) - oversampling, 0)
    else:
        output_decimation = lambda level: 1
    common = dict(output_decimation=output_decimation, lowpass_real=True)
    plans = [LayerPlan(bank_at(0), Modulus(), decimation=decimation(j1s), **common)]
    if max_order == 2:
        plans.append(
            LayerPlan(
                bank_at(1),
                Modulus(),
                decimation=decimation(j2s),
                keep=lambda path, level, k: j2s[k] > j1s[path[-1]],
                **common,
            )
        )
    plans.append(LayerPlan(bank_at(2), **common))
    return plans


class PlanCache:
    """Plans compiled on first use, one set per key, never pickled (they hold closures).

    The mixin of everything that runs plans of its own: the
    Kymatio-compatible frontends (keyed by the settings a user may change
    after construction, such as ``max_order``) and ``scatterx.torch``'s
    modules (whose plans read the module's live tensors).
    """

    def cached_plans(self, key, compile):
        """The plans for ``key``, from ``compile()`` on first use."""
        cache = self.__dict__.setdefault("_plans", {})
        if key not in cache:
            cache[key] = compile()
        return cache[key]

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_plans", None)
        return state
