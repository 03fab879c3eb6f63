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

from . import _kymatio_rules as rules
from ._core import LayerPlan
from ._tolerances import SCALE_ATOL
from .operators import Modulus, NoPooling, Subsample

__all__ = ["network_plans", "frequency_decreasing", "scattering2d_plans", "scattering1d_plans", "level_log2"]


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
            out_dec = net.grids[n][0] // net.feature_grid[0]
            if any(g // f != out_dec for g, f in zip(net.grids[n], net.feature_grid)):
                raise ValueError(
                    f"feature_grid {net.feature_grid} must reduce every axis of the grid {net.grids[n]} of "
                    f"layer {n} by the same factor"
                )
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


def scattering2d_plans(bank, J, max_order):
    """Kymatio 0.3.0's 2-D transform: Morlet ``bank`` on the padded grid, orders 1 … ``max_order``.

    A path whose last filter has scale j is sub-sampled by 2^j (in the
    Fourier domain), its filters cropped to the coarser grid by Kymatio's
    rule (:func:`~scatterx._kymatio_rules.crop_2d`); paths go to strictly
    coarser scales; every order's features are sub-sampled to 2^J.
    """
    js = [m["j"] for m in bank.meta]
    cache = {}

    def bank_at(level):
        if level not in cache:
            r = level_log2(level)
            cache[level] = (rules.crop_2d(bank.lowpass, r), rules.crop_2d(bank.filters, r))
        return cache[level]

    def lowpass_at(level):
        return bank_at(level)[0], None

    common = dict(output_decimation=lambda level: 2**J // level, lowpass_real=True)
    layer = dict(
        bank_at=bank_at,
        nonlinearity=Modulus(),
        decimation=lambda level, k: max(2 ** js[k] // level, 1),
        keep=lambda path, level, k: not path or js[k] > js[path[-1]],
        **common,
    )
    return [LayerPlan(**layer) for _ in range(max_order)] + [LayerPlan(lowpass_at, **common)]


def scattering1d_plans(banks, log2_T, oversampling, max_order):
    """Kymatio 0.3.0's 1-D transform: first- and second-order Morlet ``banks`` on the padded grid.

    Filter k of scale j is sub-sampled by 2^max(min(j, log2 T) − oversampling
    − r, 0) at level 2^r, its response periodised to the coarser grid by
    Kymatio's rule (:func:`~scatterx._kymatio_rules.periodize_1d`); the
    features by 2^max(log2 T − r − oversampling, 0); second-order paths go to
    strictly coarser scales.
    """
    lowpass = banks[0].lowpass
    j = [[m["j"] for m in b.meta] for b in banks]
    cache = {}

    def bank_at(order):
        def at(level):
            key = (order, level)
            if key not in cache:
                filt = None if order == 2 else rules.periodize_1d(banks[order].filters, level)
                cache[key] = (rules.periodize_1d(lowpass, level), filt)
            return cache[key]

        return at

    def decimation(order):
        return lambda level, k: 2 ** max(min(j[order][k], log2_T) - oversampling - level_log2(level), 0)

    common = dict(
        output_decimation=lambda level: 2 ** max(log2_T - level_log2(level) - oversampling, 0), lowpass_real=True
    )
    plans = [LayerPlan(bank_at(0), Modulus(), decimation=decimation(0), **common)]
    if max_order == 2:
        plans.append(
            LayerPlan(
                bank_at(1),
                Modulus(),
                decimation=decimation(1),
                keep=lambda path, level, k: j[1][k] > j[0][path[-1]],
                **common,
            )
        )
    plans.append(LayerPlan(bank_at(2), **common))
    return plans
