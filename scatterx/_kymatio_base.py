"""What the Kymatio-compatible frontends share: exceptions, argument and input checks, padding, output layout.

The 2-D and 1-D frontends (``scatterx._kymatio2d``, ``scatterx._kymatio1d``)
hold the arguments and Kymatio's rules; ``scatterx.numpy``,
``scatterx.torch`` and ``scatterx.sklearn`` only say where the filter
responses live (NumPy arrays, module buffers).  Every transform runs the
one compute core through the plans of ``scatterx.plans``.

Exception policy (see docs/kymatio.md): scatterx's messages name the
argument, the value and the remedy, and contain the phrases Kymatio 0.3.0
uses; the types are catchable both ways — :class:`ScatteringValueError`
is a ValueError (scatterx's policy) and a RuntimeError (what Kymatio raises
for shapes, sizes and a too large J); :class:`BackendImportError` an
ImportError (Kymatio) and a ValueError.
"""

from __future__ import annotations

import functools
import numbers
import operator

import array_api_compat
import numpy as np

from ._chunks import propagate
from ._core import assemble
from ._validate import ParameterTypeError, check_input, positive_int
from .plans import PlanCache, level_log2

__all__ = [
    "ScatteringValueError",
    "BackendImportError",
    "ParameterTypeError",
    "FRONTENDS",
    "KYMATIO_ONLY_FRONTENDS",
    "KymatioFrontend",
    "as_count",
    "check_choice",
    "backend_name",
    "reflect_pad",
    "array_kind",
    "unpad_level",
]

# Kymatio 0.3.0's frontends: those scatterx provides, and those it has no counterpart for.
FRONTENDS = ("numpy", "torch", "sklearn")
KYMATIO_ONLY_FRONTENDS = ("tensorflow", "keras", "jax")
# The backend names each frontend accepts (Kymatio's): all of them run scatterx's core.
BACKENDS = {"numpy": ("numpy",), "torch": ("torch", "torch_skcuda")}


class ScatteringValueError(ValueError, RuntimeError):
    """A bad argument or input: a ValueError for scatterx's callers, the RuntimeError Kymatio 0.3.0 raises."""


class BackendImportError(ImportError, ValueError):
    """A backend the frontend cannot use: the ImportError Kymatio 0.3.0 raises, and a ValueError."""


def as_count(value, name, *, minimum=1, maximum=None):
    """``value`` as an int in [``minimum``, ``maximum``]; NumPy integers and 0-d integer arrays (``.npz``) count."""
    if isinstance(value, np.ndarray) and value.ndim == 0 and np.issubdtype(value.dtype, np.integer):
        value = operator.index(value)
    return positive_int(value, name, minimum=minimum, maximum=maximum)


def check_choice(value, name, choices, error=ValueError):
    """``value`` if it is one of ``choices``, else ``error`` naming them."""
    if isinstance(value, (str, numbers.Integral, type(None))) and value in choices:
        return value
    raise error(f"The {name} must be one of {', '.join(map(repr, choices))}, got {value!r}")


def backend_name(backend, frontend):
    """The backend name for ``frontend`` from Kymatio's ``backend=`` (None, a name or an object with ``.name``).

    None stays None: the frontend's default (the NumPy frontend then takes
    NumPy arrays and torch tensors alike).

    Raises :class:`BackendImportError` (Kymatio's ImportError) for a backend
    the frontend cannot run.
    """
    known = BACKENDS[frontend]
    if backend is None:
        return None
    if isinstance(backend, str):
        if backend in known:
            return backend
        raise BackendImportError(
            f"The backend {backend!r} can not be called from the frontend {frontend!r}: use one of "
            f"{', '.join(map(repr, known))} (or pick the frontend: frontend='numpy' or 'torch')"
        )
    name = getattr(backend, "name", None)
    if name in known:
        return name
    raise BackendImportError(
        f"The backend {name if name is not None else backend!r} is not supported by the frontend {frontend!r}: "
        f"backend= takes one of {', '.join(map(repr, known))} or an object whose .name is one of them"
    )


def reflect_pad(x, widths):
    """Reflect padding of the trailing axes, ``widths`` one (before, after) per axis, for arrays and tensors.

    Along each axis the entries at the indices ``np.pad(arange(n), w,
    'reflect')``: NumPy's rule, defined for any width (a width equal to the
    side, as at Kymatio's largest J, reflects the reflection), the same
    numbers on every library, and differentiable on torch.  Only the two
    margins are gathered; the signal itself is copied between them (a
    gather of every entry along the last axis took 2–3 times as long).
    """
    xp = array_api_compat.array_namespace(x)
    device = array_api_compat.device(x)
    d = len(widths)
    for axis, (before, after) in zip(range(x.ndim - d, x.ndim), widths):
        if (before, after) == (0, 0):
            continue
        n = x.shape[axis]
        index = np.pad(np.arange(n), (before, after), mode="reflect")
        margins = [xp.take(x, xp.asarray(i, device=device), axis=axis) for i in (index[:before], index[before + n :])]
        x = xp.concat([margins[0], x, margins[1]], axis=axis)
    return x


def array_kind(x, padded=False):
    """Kymatio's word for the input in messages: 'NumPy array' / 'Tensor' ('Padded array' / 'Padded tensor')."""
    is_torch = array_api_compat.is_torch_array(x)
    if padded:
        return "Padded tensor" if is_torch else "Padded array"
    return "Tensor" if is_torch else "NumPy array"


def unpad_level(ind_start, ind_end):
    """``unpad(array, level)`` for 1-D: keep ``[ind_start[r], ind_end[r])`` of a map at level 2^r."""
    return lambda arr, level: arr[..., ind_start[level_log2(level)] : ind_end[level_log2(level)]]


class KymatioFrontend(PlanCache):
    """The shared part of the 2-D and 1-D frontends: input checks, plans per setting, output layout.

    Subclasses set ``ndim`` and ``frontend`` ('numpy' or 'torch'); the 2-D
    and 1-D classes provide ``_compile()`` (the plans of the current
    settings) and ``_plans_key()``; the frontends provide
    ``_responses(name, r)`` (a filter response at level 2^r: a NumPy array or
    a module buffer).
    """

    ndim = 0

    def plans(self):
        """The layer plans of the current settings (``scatterx.plans``), compiled on first use, never pickled."""
        return self.cached_plans(self._plans_key(), self._compile)

    def _check_array(self, x):
        """Kymatio's checks of the input's type and memory layout; array-likes become NumPy arrays."""
        if x is None:
            raise TypeError(f"The input should be a {self._expected_array()}, got None")
        is_torch = array_api_compat.is_torch_array(x)
        if self.frontend == "torch" and not is_torch:
            raise TypeError(
                f"The input should be a PyTorch Tensor, got {type(x).__name__}; convert it with "
                f"torch.from_numpy(x), or use scatterx.numpy.Scattering{self.ndim}D"
            )
        if is_torch and self.frontend == "numpy" and self.backend == "numpy":
            raise TypeError(
                "The input should be a NumPy array for backend='numpy', got a torch.Tensor; use "
                f"scatterx.torch.Scattering{self.ndim}D, or backend=None to take either"
            )
        if is_torch and not x.is_contiguous():
            # Kymatio's torch frontends refuse strided views; kept so that code written for them behaves alike.
            raise ScatteringValueError(
                f"Tensor must be contiguous, got a strided view of shape {tuple(x.shape)}; pass x.contiguous()"
            )
        return x if is_torch or array_api_compat.is_numpy_array(x) else np.asarray(x)

    def _expected_array(self):
        return "PyTorch Tensor" if self.frontend == "torch" else "NumPy array (or a torch.Tensor)"

    def _transform(self, x, grid, pad_widths, meta_of, unpad):
        """Validated ``x`` (…, *grid), reflect-padded by ``pad_widths``, through the plans, in Kymatio's layout."""
        x, lead, xp = check_input(x, grid, "x")
        pad = None if pad_widths is None else functools.partial(reflect_pad, widths=pad_widths)
        run = functools.partial(propagate, x, self.plans(), self.ndim, max_memory=self.max_memory, crop=unpad, pad=pad)
        if self.out_type == "array":  # averaged maps then: one grid for every path, one array (…, C, *grid)
            _, whole = run(assembled="one")
            return xp.reshape(whole, lead + tuple(whole.shape[1:]))
        return _layout(run(), lead, xp, self.out_type, meta_of)


def _layout(layers, lead, xp, out_type, meta_of):
    """Kymatio's list of {'coef', meta…} or dict {path: coef} (the array output is assembled by ``propagate``).

    ``layers``: per layer, the core's [(paths, level, array (paths, batch, *grid))],
    cropped to the signal (``propagate``'s ``crop``).  Paths come in
    Kymatio's order: by order, then lexicographic.
    """
    layers = [[group for group in groups if group[0]] for groups in layers]
    records = []
    for groups in layers:
        if len({tuple(a.shape[2:]) for _, _, a in groups}) == 1:
            paths, arr = assemble(groups, xp)
            records += [(q, arr, i) for i, q in enumerate(paths)]
        else:  # un-averaged maps of one order live on several grids: a record per path
            groups = [(paths, xp.permute_dims(arr, (1, 0) + tuple(range(2, arr.ndim)))) for paths, _, arr in groups]
            records += sorted(((q, arr, i) for paths, arr in groups for i, q in enumerate(paths)), key=_path)
    coefs = [(q, xp.reshape(arr[:, i], lead + tuple(arr.shape[2:]))) for q, arr, i in records]
    if out_type == "dict":
        return dict(coefs)
    return [{"coef": coef, **meta_of(q)} for q, coef in coefs]


def _path(record):
    return record[0]
