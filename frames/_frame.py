"""Frames as recipes and filter banks as their renderings on a DFT grid.

A :class:`Frame` is a recipe, continuous in frequency, that renders its
filters on any DFT grid.  ``frame.render(shape)`` gives a :class:`FilterBank`:
the output-generating atom (``lowpass``, χ̂ on the grid) and the filters
(``filters``, ĝ_λ on the grid), both in the frequency domain, in NumPy's
``fft.fftfreq`` order along every axis.

Every family ends with the same three steps (render, Littlewood–Paley sum,
normalise); the last two live here, once, for all families.
"""

from __future__ import annotations

import abc
import functools
import inspect
from typing import Any

import array_api_compat
import numpy as np

from ._checks import (
    ParameterTypeError,
    as_shape,
    bank_bytes,
    check_bytes,
    check_depth,
    check_keys,
    check_scales,
    finite_float,
)
from ._json import jsonable

__all__ = [
    "Frame",
    "FilterBank",
    "littlewood_paley",
    "frame_bounds",
    "reflect",
    "register",
    "from_dict",
    "FAMILIES",
    "check_scales",
]

FAMILIES: dict[str, type] = {}
# tight() divides by √LP: below this fraction of B the LP sum is rounding noise, not a frame.
TIGHT_MIN_A = 1e-12
# The frame bounds scale by scale²: within [1e-150, 1e150] they stay finite and non-zero in float64.
SCALE_RANGE = (1e-150, 1e150)


def register(cls):
    """Class decorator: make a frame family constructible by name (``from_dict``)."""
    FAMILIES[cls.family] = cls
    return cls


def littlewood_paley(lowpass, filters=None, symmetric=False):
    """Littlewood–Paley sum ``|χ̂(ω)|² + Σ_λ |ĝ_λ(ω)|²`` on the grid (every axis of ``lowpass``).

    ``filters`` (K, *grid) may be None (the low-pass alone).  With
    ``symmetric=True`` returns ``½(LP(ω) + LP(−ω))``, the sum that bounds the
    energy of *real* inputs (their spectrum is Hermitian).  NumPy arrays or
    torch tensors (the learned filters of ``scatterx.torch``), in their own
    precision.
    """
    xp = array_api_compat.array_namespace(lowpass)
    lp = xp.abs(lowpass) ** 2
    if filters is not None:
        lp = lp + xp.sum(xp.abs(filters) ** 2, axis=0)
    if symmetric:
        lp = 0.5 * (lp + reflect(lp))
    return lp


def frame_bounds(lowpass, filters, symmetric=False):
    """Frame bounds (A, B) of the undecimated bank: min and max of the LP sum.

    On a DFT grid without decimation these are the exact optimal bounds:
    ``A‖f‖² ≤ ‖f*χ‖² + Σ_λ‖f*g_λ‖² ≤ B‖f‖²`` (Parseval on the grid).
    """
    lp = littlewood_paley(lowpass, filters, symmetric=symmetric)
    return float(lp.min()), float(lp.max())


def reflect(a, axes=None):
    """a(−ω) on the DFT grid: index k ↦ (−k) mod n along ``axes`` (default: every axis).

    NumPy arrays and torch tensors alike (one ``take`` per axis, on the array's device).
    """
    xp = array_api_compat.array_namespace(a)
    device = array_api_compat.device(a)
    for axis in range(a.ndim) if axes is None else axes:
        n = a.shape[axis]
        a = xp.take(a, xp.asarray((-np.arange(n)) % n, device=device), axis=axis)
    return a


def _is_hermitian(h, rtol=1e-6):
    """True when ĥ(−ω) = conj ĥ(ω), i.e. the filter is real in space."""
    scale = float(np.max(np.abs(h))) or 1.0
    return bool(np.max(np.abs(reflect(h) - np.conj(h))) <= rtol * scale)


def separable(factors):
    """∏_i f_i(ω_i) on the grid from 1-D responses f_i, one per axis (outer product)."""
    out = factors[0]
    for f in factors[1:]:
        out = np.multiply.outer(out, f)
    return out


def _check_dtype(dtype):
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"dtype must be float32 or float64, got {dtype}")
    return dtype


class FilterBank:
    """A frame rendered on one DFT grid.

    Attributes
    ----------
    lowpass : ndarray, shape ``grid``
        χ̂, the output-generating atom, in the frequency domain.
    filters : ndarray, shape ``(K, *grid)``
        ĝ_λ for the K filters, in the frequency domain.
    meta : list of dict
        One record per filter (at least ``'scale'``: log2 of the dilation,
        so that a larger value is a coarser, lower-frequency filter).
    shape : tuple of int
        The grid.

    Arrays are real when every response is real (a filter symmetric in
    space), complex otherwise, in the precision of ``dtype``.  They are
    read-only: banks are cached and shared.
    """

    def __init__(self, lowpass, filters, meta, *, frame=None, dtype=np.float64):
        dtype = _check_dtype(dtype)
        lowpass = np.asarray(lowpass)
        filters = np.asarray(filters)
        if filters.ndim != lowpass.ndim + 1 or filters.shape[1:] != lowpass.shape:
            raise ValueError(f"filters must have shape (K, *{lowpass.shape}), got {filters.shape}")
        if len(meta) != filters.shape[0]:
            raise ValueError(f"meta must have one record per filter ({filters.shape[0]}), got {len(meta)}")
        cdtype = np.result_type(dtype, np.complex64)

        def cast(name, a):
            a = a.astype(dtype if not np.iscomplexobj(a) else cdtype, copy=True)
            if not np.all(np.isfinite(a)):  # after the cast: 1e300 is finite in float64, not in float32
                raise ValueError(
                    f"{name} holds NaN or Inf values in {dtype.name} (max |response| = {np.max(np.abs(a)):.3g}); "
                    "lower the frame's scale or render in float64"
                )
            a.setflags(write=False)
            return a

        self.lowpass = cast("lowpass", lowpass)
        self.filters = cast("filters", filters)
        self.meta = [dict(m) for m in meta]
        self.frame = frame
        self.dtype = dtype
        self.shape = tuple(lowpass.shape)

    @property
    def ndim(self):
        return len(self.shape)

    def __len__(self):
        return self.filters.shape[0]

    def littlewood_paley(self, symmetric=False):
        """The LP sum |χ̂|² + Σ|ĝ_λ|² on the grid (float64); see :func:`littlewood_paley`."""
        return littlewood_paley(
            self.lowpass.astype(np.complex128), self.filters.astype(np.complex128), symmetric=symmetric
        )

    def bounds(self, symmetric=False):
        """Frame bounds (A, B) = (min, max) of the LP sum; ``symmetric=True`` for real inputs."""
        return frame_bounds(self.lowpass.astype(np.complex128), self.filters.astype(np.complex128), symmetric=symmetric)

    @functools.cached_property
    def lowpass_is_real(self):
        """True when χ is real in space (its response is Hermitian)."""
        return _is_hermitian(self.lowpass)

    @functools.cached_property
    def is_real(self):
        """True when χ and every g_λ are real in space: real input stays real."""
        return self.lowpass_is_real and all(_is_hermitian(f) for f in self.filters)

    def scaled(self, c):
        """The bank with every response multiplied by ``c`` (bounds scale by c²)."""
        c = finite_float(c, "scale c", positive=True)
        return FilterBank(self.lowpass * c, self.filters * c, self.meta, frame=self.frame, dtype=self.dtype)

    def tight(self, symmetric=False):
        """The Parseval version: every response divided by √LP, so LP ≡ 1.

        Requires a frame (A > 1e-12 B, i.e. A above rounding noise); with ``symmetric=True`` the symmetrised LP
        sum (real inputs) becomes 1 instead.
        """
        lp = self.littlewood_paley(symmetric=symmetric)
        A, B = float(lp.min()), float(lp.max())
        if not A > TIGHT_MIN_A * B:
            raise ValueError(
                f"tight() needs a frame (lower bound A > 0); this bank has A = {A:.3g} "
                f"({'symmetrised ' if symmetric else ''}LP sum vanishes somewhere on the {self.shape} grid)"
            )
        inv = 1.0 / np.sqrt(lp)
        return FilterBank(self.lowpass * inv, self.filters * inv, self.meta, frame=self.frame, dtype=self.dtype)

    def astype(self, dtype):
        return FilterBank(self.lowpass, self.filters, self.meta, frame=self.frame, dtype=dtype)

    def __repr__(self):
        return f"FilterBank({self.frame!r}, shape={self.shape}, K={len(self)}, dtype={self.dtype.name})"


class Frame(abc.ABC):
    """A frame family's recipe: parameters, dimension and ``render(shape)``.

    Subclasses set ``family`` (the registry name) and ``ndim``, store their
    parameters (JSON-safe values) in ``self.params`` and implement
    ``_render(shape) -> (lowpass, filters, meta)`` in float64/complex128.

    ``scale`` multiplies every rendered response; ``tight=True`` makes the
    rendered bank Parseval (LP ≡ 1) before scaling.
    """

    family: str = ""
    ndim: int = 0

    def __init__(self, *, scale=1.0, tight=False, **params):
        self.scale = finite_float(scale, "scale", positive=True, context=self.family)
        if not SCALE_RANGE[0] <= self.scale <= SCALE_RANGE[1]:
            raise ValueError(
                f"{self.family}: scale must lie in [{SCALE_RANGE[0]:g}, {SCALE_RANGE[1]:g}] (the frame bounds "
                f"scale by scale² and must stay finite and non-zero in float64), got {scale!r}"
            )
        if not isinstance(tight, (bool, np.bool_)):
            raise ParameterTypeError(f"{self.family}: tight must be True or False, got {tight!r}")
        self.tight = bool(tight)
        self.params = params

    # -- identity -----------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-safe description; ``frames.from_dict`` rebuilds the frame."""
        return {"family": self.family, **jsonable(self.params), "scale": self.scale, "tight": self.tight}

    def _key(self):
        return (type(self).__qualname__, repr(sorted(self.to_dict().items())))

    def __eq__(self, other):
        return isinstance(other, Frame) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        extra = (f", scale={self.scale!r}" if self.scale != 1.0 else "") + (", tight=True" if self.tight else "")
        return f"frames.{self.family}({args}{extra})"

    def scaled(self, c):
        """The same recipe with every response multiplied by ``c`` (> 0)."""
        d = self.to_dict()
        d["scale"] = self.scale * float(c)
        return from_dict(d)

    # -- rendering ----------------------------------------------------------
    def render(self, shape, dtype=np.float64) -> FilterBank:
        """Render the bank on the DFT grid ``shape`` (cached by frame, shape, dtype).

        The grid is checked first (:meth:`check_shape`), then the bytes of
        the rendering are predicted from :meth:`n_filters`: more than the
        machine's memory is a ValueError before anything is allocated.
        """
        shape = self.check_shape(as_shape(shape, self.ndim))
        n = self.n_filters(shape) or 0
        check_bytes(
            bank_bytes(n, shape),
            f"{self.family}: rendering {n} filters on the grid {shape}",
            "use a smaller grid or fewer scales or directions",
        )
        return _render_cached(self, shape, _check_dtype(dtype).name)

    def n_filters(self, shape):
        """The number of filters on the grid ``shape`` (an upper bound where it depends on rounding), cheaply.

        Families override it so that :meth:`render` predicts its bytes; None: unknown.
        """
        return None

    @abc.abstractmethod
    def _render(self, shape):
        """(lowpass, filters, meta) on the grid ``shape``, float64/complex128, fftfreq order."""

    def check_shape(self, shape):
        """Raise ValueError when the grid is too small for this frame; subclasses refine."""
        return as_shape(shape, self.ndim)


@functools.lru_cache(maxsize=256)
def _render_cached(frame, shape, dtype):
    frame.check_shape(shape)
    lowpass, filters, meta = frame._render(shape)
    bank = FilterBank(lowpass, filters, meta, frame=frame, dtype=np.float64)
    if frame.tight:
        bank = bank.tight()
    if frame.scale != 1.0:
        bank = bank.scaled(frame.scale)
    return bank if dtype == "float64" else bank.astype(dtype)


def parameters(family):
    """The keyword parameters of a registered family's constructor (the keys of its ``to_dict``)."""
    params = inspect.signature(FAMILIES[family].__init__).parameters.values()
    if any(p.kind == p.VAR_KEYWORD for p in params):  # a user family taking **kwargs checks its own keys
        return None
    return [p.name for p in params if p.name != "self" and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]


def from_dict(d, what="frame description"):
    """Rebuild a frame from :meth:`Frame.to_dict` output.

    Strict: ``d`` must be a dict with a known ``family`` and only that
    family's parameters (an unknown key is a ValueError naming the valid ones
    and the closest); every value is then checked by the family itself
    (booleans must be booleans, counts ints, numbers finite and in range).
    """
    if not isinstance(d, dict):
        raise ParameterTypeError(f"{what} must be a JSON object (dict), got {type(d).__name__}")
    check_depth(d, what)
    family = d.get("family")
    if family is None:
        raise ValueError(f"{what} needs a 'family' key (one of {sorted(FAMILIES)}), got keys {sorted(map(str, d))}")
    if not isinstance(family, str) or family not in FAMILIES:
        raise ValueError(f"unknown frame family {family!r}; known: {sorted(FAMILIES)}")
    allowed = parameters(family)
    if allowed is not None:
        check_keys(d, ["family"] + allowed, f"{what} ({family})")
    return FAMILIES[family](**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items() if k != "family"})
