"""Input checks shared by every entry point, and the dtype policy.

dtype policy (as scikit-image): float32 in → float32 out; float64 in →
float64 out; integers and booleans are promoted to float64; complex64 /
complex128 are accepted only where the transform is defined for complex
input (``Network(real_input=False)``) and give complex64 / complex128.
NaN and Inf are refused, never propagated.

Array kinds: big-endian arrays are converted to native byte order (same
values); ``np.matrix`` and other ndarray subclasses become plain arrays;
masked arrays with a masked entry are refused (a filter mixes neighbouring
samples, so a mask cannot be honoured: fill it first), without one they
are their data; torch tensors on the ``meta`` device (shapes without
values) are refused.
"""

from __future__ import annotations

import array_api_compat
import numpy as np

from frames._checks import MAX_SCALES, ParameterTypeError, as_shape, finite_float, positive_int

__all__ = ["check_input", "as_shape", "positive_int", "finite_float", "ParameterTypeError", "MAX_SCALES"]


def check_input(x, shape, name="x", allow_complex=False):
    """Validate a batch of signals on the grid ``shape``.

    Returns ``(x2, lead, xp)``: ``x2`` of shape (B, *shape) in a floating
    dtype per the policy above, the leading axes ``lead`` to restore, and
    the array namespace.
    """
    if x is None:
        raise TypeError(f"{name} must be an array, got None")
    if isinstance(x, np.ma.MaskedArray):
        if np.ma.getmaskarray(x).any():
            raise ValueError(
                f"{name} is a masked array with {int(np.ma.getmaskarray(x).sum())} masked entries; a scattering "
                f"transform cannot honour a mask (its filters mix neighbouring samples): fill them first, "
                f"e.g. {name}.filled(0.0)"
            )
        x = np.ma.getdata(x)
    if isinstance(x, np.ndarray) and type(x) is not np.ndarray:  # np.matrix and other subclasses
        x = np.asarray(x)
    if isinstance(x, np.ndarray) and not x.dtype.isnative:
        x = x.astype(x.dtype.newbyteorder("="))  # big-endian: the same values in native byte order
    if array_api_compat.is_torch_array(x) and x.device.type == "meta":
        raise ValueError(
            f"{name} is a torch tensor on the 'meta' device: it has a shape but no values; create it on 'cpu' or 'cuda'"
        )
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
