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

import difflib
import math
import numbers
import os

__all__ = [
    "ParameterTypeError",
    "positive_int",
    "as_shape",
    "finite_float",
    "check_scales",
    "MAX_SCALES",
    "check_count",
    "check_keys",
    "check_depth",
    "memory_available",
    "check_bytes",
    "bank_bytes",
    "gib",
]

# No grid has more than 2^62 samples along an axis (64-bit indices), so 2^J ≤ min(shape) bounds J by 62:
# a larger scale count is refused when the frame is made, before any arithmetic with 2^J.
MAX_SCALES = 62
# Configs (JSON or dicts) nested deeper than this are refused before they are walked.
MAX_CONFIG_DEPTH = 64


class ParameterTypeError(TypeError, ValueError):
    """An argument of the wrong type; catchable as TypeError or as ValueError."""


def _prefix(context):
    return f"{context}: " if context else ""


def positive_int(value, name, *, minimum=1, maximum=None, what=None, context=None):
    """``value`` as an ``int`` with ``minimum`` ≤ value (≤ ``maximum`` when given).

    Booleans, floats (even integral ones such as ``3.0``) and strings are
    refused: a parameter that counts something is an int.  ``what`` says what
    the number counts, ``context`` who asks (a frame family, a function).
    """
    expected = "a positive int" if minimum == 1 else f"an int >= {minimum}"
    detail = f" ({what})" if what else ""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ParameterTypeError(f"{_prefix(context)}{name} must be {expected}{detail}, got {_short(value)}")
    if value < minimum:
        raise ValueError(f"{_prefix(context)}{name} must be {expected}{detail}, got {_short(value)}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{_prefix(context)}{name} must be at most {maximum}{detail}, got {_short(value)}")
    return int(value)


def _short(value, limit=80):
    """repr(value), cut to ``limit`` characters (a 10**6-digit int or a huge list stays readable)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        return f"an int of {value.bit_length()} bits"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 5] + " …" + text[-3:]


def as_shape(shape, ndim, name="shape", *, context=None):
    """A grid shape as a tuple of ``ndim`` positive ints (an int means a 1-D grid).

    ``ndim=None`` accepts any number of axes.  Entries must be ints: ``32.7``
    or ``'32'`` is refused, never truncated or parsed.
    """
    if isinstance(shape, numbers.Integral) and not isinstance(shape, bool):
        shape = (shape,)
    if isinstance(shape, (str, bytes)) or not hasattr(shape, "__iter__"):
        raise ParameterTypeError(
            f"{_prefix(context)}{name} must be a tuple of {ndim or 'positive'} ints, got {_short(shape)}"
        )
    shape = tuple(shape)
    if ndim is not None and len(shape) != ndim:
        raise ValueError(
            f"{_prefix(context)}{name} must have {ndim} entries (the frames are {ndim}-D), got {_short(shape)}"
        )
    if not shape:
        raise ValueError(f"{_prefix(context)}{name} must have at least one entry, got {_short(shape)}")
    return tuple(positive_int(s, f"{name}[{i}]", context=context) for i, s in enumerate(shape))


def finite_float(value, name, *, positive=False, context=None):
    """``value`` as a finite ``float`` (> 0 with ``positive``); strings and booleans are refused."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ParameterTypeError(f"{_prefix(context)}{name} must be a number, got {_short(value)}")
    v = float(value)
    if not math.isfinite(v) or (positive and v <= 0):
        kind = "a positive finite number" if positive else "a finite number"
        raise ValueError(f"{_prefix(context)}{name} must be {kind}, got {_short(value)}")
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


def check_count(family, what, count, shape, *, exponent=0):
    """Raise ValueError unless ``count · 2^exponent`` ≤ the number of points of the grid ``shape``.

    A scale or direction count larger than the grid's number of DFT
    frequencies cannot give distinct filters; compared by shifting the grid
    size, never by forming 2^exponent.
    """
    size = math.prod(shape)
    if exponent >= size.bit_length() or count > size >> exponent:
        total = f"{count}·2^{exponent}" if exponent else f"{count}"
        raise ValueError(
            f"{family}: {what} = {total} exceeds the {size} frequencies of the grid {tuple(shape)}; "
            "no more filters per scale than grid points"
        )


def check_keys(d, allowed, what, *, required=()):
    """Raise unless ``d`` is a dict whose keys are among ``allowed`` and include ``required``.

    An unknown key is a ValueError naming the valid keys and the closest one
    (a typo such as ``feature_gird`` is never ignored).
    """
    if not isinstance(d, dict):
        raise ParameterTypeError(f"{what} must be a JSON object (dict), got {type(d).__name__}: {_short(d)}")
    for key in d:
        if key not in allowed:
            close = difflib.get_close_matches(str(key)[:64], [str(a) for a in allowed], n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ValueError(
                f"{what} has an unknown key {_short(key)}{hint} (valid keys: {', '.join(sorted(allowed))})"
            )
    missing = [k for k in required if k not in d]
    if missing:
        raise ValueError(f"{what} lacks {', '.join(map(repr, missing))} (valid keys: {', '.join(sorted(allowed))})")
    return d


def check_depth(value, what, limit=MAX_CONFIG_DEPTH):
    """Raise ValueError when dicts and lists in ``value`` nest deeper than ``limit`` (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        v, depth = stack.pop()
        if isinstance(v, dict):
            v = list(v.values())
        elif not isinstance(v, (list, tuple)):
            continue
        if depth > limit:
            raise ValueError(f"{what} is nested deeper than {limit} levels: not a scatterx configuration")
        stack.extend((x, depth + 1) for x in v if isinstance(x, (dict, list, tuple)))


def memory_available():
    """Bytes of memory this process can still get: Linux's MemAvailable, within the cgroup's limit; else the RAM.

    What a prediction is held against: an allocation larger than this is
    doomed (swapping or an out-of-memory kill), so it is refused before it starts.
    """
    try:
        available = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    available = min(available, int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    try:
        with open("/sys/fs/cgroup/memory.max") as f, open("/sys/fs/cgroup/memory.current") as g:
            limit, used = f.read().strip(), g.read().strip()
        if limit.isdigit() and used.isdigit():
            available = min(available, int(limit) - int(used))
    except OSError:
        pass
    return available


def gib(n):
    """A byte count for people: MiB or GiB, three significant digits."""
    return f"{n / 2**30:.3g} GiB" if n >= 2**30 else f"{n / 2**20:.3g} MiB"


def check_bytes(nbytes, what, remedy, limit=None):
    """Raise ValueError when ``nbytes``, predicted before allocating, exceed ``limit`` (default: memory_available())."""
    limit = memory_available() if limit is None else limit
    if limit is not None and nbytes > limit:
        raise ValueError(
            f"{what} would need about {gib(nbytes)} ({nbytes} bytes), more than the {gib(limit)} of memory "
            f"available; {remedy}"
        )


def bank_bytes(n_filters, shape):
    """Predicted peak bytes of rendering a bank: its n_filters + 1 responses in complex128 and four grids of work."""
    return (n_filters + 5) * math.prod(shape) * 16
