"""The tolerances behind every numerical verdict, in one place, each with its reason."""

from __future__ import annotations

import numpy as np

__all__ = ["ADMISSIBILITY_RTOL", "SCALE_ATOL", "INEQUALITY_RTOL", "inequality_rtol", "EQUALITY_RTOL", "equality_rtol"]

# Network.check(): B_n is the maximum of a float64 sum of squares; a frame normalised to
# max(B, B L² R²) = 1 lands within a few ulps of 1, never 1e-9 above it.
ADMISSIBILITY_RTOL = 1e-9

# Frequency-decreasing pruning compares filter scales (log2 units, sums of a frame's meta
# 'scale' and log2 of the pooling so far): equal scales differ by rounding only.
SCALE_ATOL = 1e-9

# A "≤" statement of the theory checked on features computed in this precision: the
# relative slack that rounding of the FFTs and products can account for.
INEQUALITY_RTOL = {np.dtype(np.float64): 1e-9, np.dtype(np.float32): 1e-4}


def inequality_rtol(dtype):
    """The relative slack of a "≤" statement on features of the real ``dtype`` (float32 or float64)."""
    return INEQUALITY_RTOL[np.dtype(dtype)]


# An "=" statement of the theory (the energy identity) checked on features computed in this
# precision: a relative residual that rounding alone explains (float64 sums of a few thousand
# squares land near 1e-15; float32 near 1e-6).
EQUALITY_RTOL = {np.dtype(np.float64): 1e-10, np.dtype(np.float32): 1e-4}


def equality_rtol(dtype):
    """The relative residual an "=" statement may show on features of the real ``dtype`` (float32 or float64)."""
    return EQUALITY_RTOL[np.dtype(dtype)]
