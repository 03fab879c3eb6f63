"""What every check shares: the JSON-safe result base and running the network on NumPy batches."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from frames._json import jsonable

from .._validate import check_input
from ._arrays import energy, like, numpy_of
from .signals import default_inputs

__all__ = ["Result", "prepare", "layers", "distance2", "changes", "pooling_products"]


class Result:
    """``to_dict()``: every field and derived property, JSON-safe (arrays → lists, NaN → None)."""

    _derived: tuple = ()

    def to_dict(self):
        out = {f.name: jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}
        out.update({name: jsonable(getattr(self, name)) for name in self._derived})
        return out


def prepare(net, inputs, seed=0):
    """(x as a NumPy array (B, *shape), the reference array whose library/device/precision the network runs on)."""
    if inputs is None:
        inputs = default_inputs(net.shape, seed=seed)[0]
    ref, _, _ = check_input(inputs, net.shape, "inputs", allow_complex=not net.real_input)
    return numpy_of(ref), ref


def layers(net, x, ref):
    """Φ^0 … Φ^N of the NumPy batch ``x`` run in ``ref``'s library, as NumPy arrays."""
    return [numpy_of(a) for a in net.layers(like(x, ref))]


def distance2(net, f, h, ref):
    """|||Φ(f) − Φ(h)|||² per pair, both batches in one call."""
    both = layers(net, np.concatenate([f, h]), ref)
    B = len(f)
    return sum(energy(a[:B] - a[B:]) for a in both)


def changes(net, f, moved, ref):
    """|||Φ(moved) − Φ(f)||| and ‖moved − f‖, shape (M, B), for ``moved`` = M deformed copies of the B signals f."""
    M, B = len(moved) // len(f), len(f)
    base, change = layers(net, f, ref), layers(net, moved, ref)
    feat = np.sqrt(sum(energy(c - np.tile(b, (M,) + (1,) * (b.ndim - 1))) for c, b in zip(change, base)))
    sig = np.sqrt(energy(moved - np.tile(f, (M,) + (1,) * net.ndim)))
    return feat.reshape(M, B), sig.reshape(M, B)


def pooling_products(net):
    """P_n = S_1⋯S_n for n = 0 … N (P_0 = 1)."""
    return [math.prod(m.pooling.factor for m in net.modules[:n]) for n in range(net.depth + 1)]
