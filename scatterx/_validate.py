"""Input checks shared by every entry point, and the dtype policy.

dtype policy (as scikit-image): float32 in → float32 out; float64 in →
float64 out; integers and booleans are promoted to float64; complex64 /
complex128 are accepted only where the transform is defined for complex
input (``Network(real_input=False)``) and give complex64 / complex128.
NaN and Inf are refused, never propagated.
"""

from __future__ import annotations

import array_api_compat
import numpy as np

from frames._checks import ParameterTypeError, as_shape, finite_float, positive_int

__all__ = ["check_input", "as_shape", "positive_int", "finite_float", "ParameterTypeError"]


def check_input(x, shape, name="x", allow_complex=False):
    """Validate a batch of signals on the grid ``shape``.

    Returns ``(x2, lead, xp)``: ``x2`` of shape (B, *shape) in a floating
    dtype per the policy above, the leading axes ``lead`` to restore, and
    the array namespace.
    """
    if x is None:
        raise TypeError(f"{name} must be an array, got None")
    if not (array_api_compat.is_numpy_array(x) or array_api_compat.is_torch_array(x)):
        x = np.asarray(x)
        if x.dtype == object:
            raise TypeError(f"{name} must be a numeric NumPy array or torch tensor, got {type(x).__name__}")
    xp = array_api_compat.array_namespace(x)
    d = len(shape)
    if x.ndim < d or tuple(x.shape[x.ndim - d :]) != tuple(shape):
        raise ValueError(
            f"{name} must have shape (..., {', '.join(map(str, shape))}) "
            f"(batch axes then the grid), got {tuple(x.shape)}"
        )
    lead = tuple(x.shape[: x.ndim - d])
    if any(n == 0 for n in lead):
        raise ValueError(f"{name} is an empty batch (shape {tuple(x.shape)}); give at least one signal")
    if xp.isdtype(x.dtype, "complex floating"):
        if not allow_complex:
            raise TypeError(
                f"{name} has complex dtype {x.dtype}; this transform takes real input "
                f"(for complex signals build Network(..., real_input=False))"
            )
    elif xp.isdtype(x.dtype, ("integral", "bool")):
        x = xp.astype(x, xp.float64)
    elif not xp.isdtype(x.dtype, "real floating") or x.dtype not in (xp.float32, xp.float64):
        raise TypeError(f"{name} must be float32 or float64 (or integer, promoted to float64), got {x.dtype}")
    if not bool(xp.all(xp.isfinite(x))):
        raise ValueError(f"{name} holds NaN or Inf values")
    B = int(np.prod(lead)) if lead else 1
    return xp.reshape(x, (B,) + tuple(shape)), lead, xp
