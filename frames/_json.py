"""JSON conversion shared by every ``to_dict``: frames, networks, theory results, reports."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

__all__ = ["jsonable"]


def jsonable(v):
    """``v`` as plain JSON values: exact where JSON can be.

    Tuples become lists, NumPy scalars Python numbers, real arrays nested
    lists, complex arrays ``{"real": …, "imag": …}`` (exact through JSON);
    objects with ``to_dict()`` and dataclasses become dicts; a non-finite
    float becomes ``None`` (JSON has no NaN).
    """
    if hasattr(v, "to_dict") and callable(v.to_dict):
        return v.to_dict()
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return {f.name: jsonable(getattr(v, f.name)) for f in dataclasses.fields(v)}
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, np.ndarray):
        if np.iscomplexobj(v):
            return {"real": jsonable(v.real), "imag": jsonable(v.imag)}
        return jsonable(v.tolist())
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer, int)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        v = float(v)
        return v if math.isfinite(v) else None
    return v
