"""Argument checks shared by ``frames`` and ``scatterx``: one exception policy.

``frames`` is the lowest layer of the project, so the validators that both
packages use live here, once.

Exception policy
----------------
* A value of the wrong *type* (``J=2.5``, ``L="8"``, ``shape=None``) raises
  :class:`ParameterTypeError`, which is both a ``TypeError`` and a
  ``ValueError`` (as NumPy's ``AxisError`` is both a ``ValueError`` and an
  ``IndexError``): code written to catch either keeps working.
* A value of the right type outside its range (``J=0``, a grid too small for
  J) raises ``ValueError``.
* Every message names the argument, the value received and what was expected.
"""

from __future__ import annotations

import math
import numbers

__all__ = ["ParameterTypeError", "positive_int", "as_shape", "finite_float", "check_scales"]


class ParameterTypeError(TypeError, ValueError):
    """An argument of the wrong type; catchable as TypeError or as ValueError."""


def _prefix(context):
    return f"{context}: " if context else ""


def positive_int(value, name, *, minimum=1, what=None, context=None):
    """``value`` as an ``int`` ≥ ``minimum``.

    Booleans, floats (even integral ones such as ``3.0``) and strings are
    refused: a parameter that counts something is an int.  ``what`` says what
    the number counts, ``context`` who asks (a frame family, a function).
    """
    expected = "a positive int" if minimum == 1 else f"an int >= {minimum}"
    detail = f" ({what})" if what else ""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ParameterTypeError(f"{_prefix(context)}{name} must be {expected}{detail}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{_prefix(context)}{name} must be {expected}{detail}, got {value!r}")
    return int(value)


def as_shape(shape, ndim, name="shape", *, context=None):
    """A grid shape as a tuple of ``ndim`` positive ints (an int means a 1-D grid).

    ``ndim=None`` accepts any number of axes.  Entries must be ints: ``32.7``
    or ``'32'`` is refused, never truncated or parsed.
    """
    if isinstance(shape, numbers.Integral) and not isinstance(shape, bool):
        shape = (shape,)
    if isinstance(shape, (str, bytes)) or not hasattr(shape, "__iter__"):
        raise ParameterTypeError(
            f"{_prefix(context)}{name} must be a tuple of {ndim or 'positive'} ints, got {shape!r}"
        )
    shape = tuple(shape)
    if ndim is not None and len(shape) != ndim:
        raise ValueError(f"{_prefix(context)}{name} must have {ndim} entries (the frames are {ndim}-D), got {shape!r}")
    if not shape:
        raise ValueError(f"{_prefix(context)}{name} must have at least one entry, got {shape!r}")
    return tuple(positive_int(s, f"{name}[{i}]", context=context) for i, s in enumerate(shape))


def finite_float(value, name, *, positive=False, context=None):
    """``value`` as a finite ``float`` (> 0 with ``positive``); strings and booleans are refused."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ParameterTypeError(f"{_prefix(context)}{name} must be a number, got {value!r}")
    v = float(value)
    if not math.isfinite(v) or (positive and v <= 0):
        kind = "a positive finite number" if positive else "a finite number"
        raise ValueError(f"{_prefix(context)}{name} must be {kind}, got {value!r}")
    return v


def check_scales(family, J, shape, margin=0):
    """Raise ValueError unless 2^(J + margin) ≤ min(shape), naming J, the shape and the largest J allowed.

    Compared through bit lengths, never by forming 2^J: ``J=10**18`` is
    refused at once instead of building a huge integer.
    """
    n = min(shape)
    largest = n.bit_length() - 1 - margin  # the largest J with 2^(J + margin) <= n
    if J > largest:
        allowed = (
            f"the largest allowed J is {largest}"
            if largest >= 1
            else f"no J fits (min(shape) must be >= {2 ** (1 + margin)})"
        )
        rule = "2**J" if margin == 0 else f"2**(J+{margin})"
        raise ValueError(f"{family}: J={J} needs {rule} <= min(shape), got shape {tuple(shape)}; {allowed}")
