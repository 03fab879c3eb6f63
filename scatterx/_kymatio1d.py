"""Kymatio 0.3.0's 1-D scattering: arguments, rules and layout, shared by the NumPy and torch frontends.

Same arguments, output and channel order as ``kymatio.numpy`` /
``kymatio.torch``'s ``Scattering1D``, computed by the generic core: Morlet
frames with Q wavelets per octave (``frames.morlet``), the modulus,
Kymatio's sub-sampling rule per filter scale, reflect padding and border
indices (``scatterx._kymatio_rules``).  See docs/kymatio.md.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

import frames
from frames.morlet import SIGMA0

from . import _kymatio_rules as rules
from ._kymatio_base import (
    KymatioFrontend,
    ParameterTypeError,
    ScatteringValueError,
    array_kind,
    as_count,
    backend_name,
    check_choice,
    unpad_level,
)
from ._validate import MAX_SCALES
from .plans import level_log2, scattering1d_plans

__all__ = ["Scattering1DBase", "wavelets_per_octave"]

OUT_TYPES_1D = ("array", "list", "dict")


def _signal_length(shape):
    """N from Kymatio's ``shape``: an int or a 1-tuple."""
    if isinstance(shape, tuple):
        if len(shape) != 1:
            raise ScatteringValueError(
                f"shape must be an integer N or a 1-tuple (N,): a tuple must have exactly one element, got {shape!r}"
            )
        shape = shape[0]
    elif isinstance(shape, bool) or not isinstance(shape, (numbers.Integral, np.ndarray)):
        raise ParameterTypeError(f"shape must be an integer N or a 1-tuple (N,), got {shape!r}")
    return as_count(shape, "shape")


def wavelets_per_octave(Q):
    """(Q1, Q2) from Kymatio's ``Q``: an int (Q, 1), a 1-tuple (Q1, 1) or a 2-tuple; every entry an int ≥ 1.

    Kymatio's checks and phrases: a number below 1 anywhere → ValueError
    'Q should always be >= 1'; anything else than an int or a tuple (a
    list, a float) → :class:`ParameterTypeError` (a ValueError) 'Q must be an
    integer or a tuple'.
    """
    entries = Q if isinstance(Q, (tuple, list)) else (Q,)
    if any(isinstance(q, numbers.Real) and not isinstance(q, bool) and q < 1 for q in entries):
        raise ValueError(f"Q should always be >= 1 (wavelets per octave), got {Q!r}")
    if isinstance(Q, tuple):
        if len(Q) not in (1, 2):
            raise ValueError(
                f"Q must be an integer or a tuple (Q1,) or (Q1, Q2): scattering transforms beyond order 2 are "
                f"not implemented, got {Q!r}"
            )
        Qs = Q + (1,) * (2 - len(Q))
    elif isinstance(Q, (numbers.Integral, np.ndarray)) and not isinstance(Q, bool):
        Qs = (Q, 1)
    else:
        raise ParameterTypeError(f"Q must be an integer or a tuple (Q1, Q2) of integers, got {Q!r}")
    return tuple(as_count(q, "Q") for q in Qs)


def _averaging(T, average, J, N):
    """(T, average) by Kymatio's rules: T=None → 2^J, averaged; T=0 → no averaging (T set to 2^J)."""
    if T is None:
        return 2**J, True if average is None else bool(average)
    T = as_count(T, "T", minimum=0)
    if T > N:
        raise ValueError(f"The temporal support T of the low-pass filter cannot exceed input length (got {T} > {N})")
    if T == 0:
        if average:
            raise ValueError(f"average must not be True if T=0 (got average={average!r}): T=0 means no averaging")
        return 2**J, False
    if average is not None and not average:
        raise ValueError(f"average=False is not permitted when T>=1 (got T={T}); set T=0 for the un-averaged transform")
    return T, True


def _check_oversampling(value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ParameterTypeError(f"oversampling must be integer (a power of two), got {value!r}")
    if value < 0:
        raise ValueError(f"oversampling must be nonnegative, got {value!r}")
    return int(value)


class Scattering1DBase(KymatioFrontend):
    """1-D scattering of Kymatio 0.3.0 (Morlet with Q wavelets per octave, modulus).

    Parameters
    ----------
    J : int
        Maximal scale 2^J of the wavelets (an int, a NumPy integer or a 0-d
        integer array), 2^J ≤ N.
    shape : int or (N,)
    Q : int or (Q1,) or (Q1, Q2), default 1
        Wavelets per octave of the first and second order (Q2 = 1 unless
        given); stored as (Q1, Q2).
    T : int, optional
        Temporal support of the low-pass, 1 ≤ T ≤ N (default 2^J); the output
        is sub-sampled by 2^⌊log2 T⌋ / 2^oversampling.  ``T=0``: no averaging
        (the first- and second-order maps |x ⋆ ψ|, ||x ⋆ ψ| ⋆ ψ| and the input
        itself; T is then set to 2^J).
    max_order : {1, 2}
        May be changed after construction.
    average : bool, optional
        Kymatio 0.3.0's older spelling: ``average=False`` with ``T=0`` (or
        T=None) is the un-averaged transform.  May be changed after
        construction.
    oversampling : int ≥ 0
        May be changed after construction.
    out_type : {'array', 'list', 'dict'}
        'array' needs the averaged transform.  May be changed after
        construction.
    backend : None, str or object with ``.name``
        As in :class:`~scatterx._kymatio2d.Scattering2DBase`.
    max_memory : int, optional
        Bytes the batch chunks processed at once may hold (scatterx only;
        see :class:`~scatterx.Network`); changes results only by rounding.
    """

    ndim = 1

    def __init__(
        self,
        J,
        shape,
        Q=1,
        T=None,
        max_order=2,
        average=None,
        oversampling=0,
        out_type="array",
        backend=None,
        *,
        max_memory=None,
    ):
        self.J = as_count(J, "J", maximum=MAX_SCALES)
        N = _signal_length(shape)
        self.shape = (N,)
        self.Q = wavelets_per_octave(Q)
        largest = N.bit_length() - 1  # compared without forming 2**J
        if self.J > largest:
            raise ScatteringValueError(
                f"J={self.J} is too large for N={N}: need 2**J <= N, so the largest allowed J is {largest}"
            )
        self.T, self.average = _averaging(T, average, self.J, N)
        self.max_order = check_choice(max_order, "max_order", (1, 2))
        self.oversampling = _check_oversampling(oversampling)
        self.out_type = check_choice(out_type, "out_type", OUT_TYPES_1D)
        self.backend = backend_name(backend, self.frontend)
        self.max_memory = None if max_memory is None else as_count(max_memory, "max_memory")
        self.log2_T = self.T.bit_length() - 1
        self._N_padded, self.pad_left, self.pad_right = rules.padding_1d(N, self.J, self.T)
        self.ind_start, self.ind_end = rules.border_indices_1d(self.log2_T, self.J, self.pad_left, self.pad_left + N)
        self.frames = tuple(frames.morlet(J=self.J, Q=q, T=self.T) for q in self.Q)
        banks = tuple(f.render((self._N_padded,)) for f in self.frames)
        self._filters = tuple([{k: m[k] for k in ("xi", "sigma", "j")} for m in b.meta] for b in banks)
        self._keep_bank(banks)

    # ------------------------------------------------------------ filters
    @property
    def _js(self):
        return tuple([f["j"] for f in order] for order in self._filters)

    def _phi_levels(self):
        """Levels 2^r of χ̂ that an averaged path reaches: r ≤ min(max j, log2 T) (Kymatio's ``phi_f`` levels)."""
        return range(min(max(self._js[0] + self._js[1]), self.log2_T) + 1)

    def _psi2_levels(self, j2):
        """Levels of a second-order ψ̂ of scale j2: r ≤ the largest first-order j below j2 (0 if none)."""
        return range(max([j1 for j1 in self._js[0] if j2 > j1], default=0) + 1)

    def _levels(self):
        """(name, r) of every response kept: χ̂ ('phi'), first-order ψ̂ ('psi1', level 1), second-order ψ̂ ('psi2').

        The second-order ψ̂ at every level a first-order path lives at,
        r ≤ max j1 (the core counts the filters there even where none is
        kept).
        """
        psi2 = range(max(self._js[0]) + 1)
        return [("phi", r) for r in self._phi_levels()] + [("psi1", 0)] + [("psi2", r) for r in psi2]

    @staticmethod
    def _response_of(banks, name, r):
        """χ̂ or every ψ̂ of an order, periodised to level 2^r (:func:`scatterx._kymatio_rules.periodize_1d`)."""
        response = {"phi": banks[0].lowpass, "psi1": banks[0].filters, "psi2": banks[1].filters}[name]
        return rules.periodize_1d(response, 2**r)

    @property
    def phi_f(self):
        """Kymatio's low-pass: ``{'levels': [χ̂ at levels 2^r], 'xi': 0, 'sigma': 0.1/T, 'j': log2 T}``."""
        levels = [self._responses("phi", r) for r in self._phi_levels()]
        return {"levels": levels, "xi": 0, "sigma": SIGMA0 / self.T, "j": self.log2_T}

    @property
    def psi1_f(self):
        """Kymatio's first-order wavelets: ``[{'levels': [ψ̂], 'xi', 'sigma', 'j'}]`` (cycles/sample)."""
        psi1 = self._responses("psi1", 0)
        return [{"levels": [psi1[k]], **f} for k, f in enumerate(self._filters[0])]

    @property
    def psi2_f(self):
        """Kymatio's second-order wavelets: ``[{'levels': [ψ̂ at the levels it is used], 'xi', 'sigma', 'j'}]``."""
        return [
            {"levels": [self._responses("psi2", r)[k] for r in self._psi2_levels(f["j"])], **f}
            for k, f in enumerate(self._filters[1])
        ]

    # ------------------------------------------------------------ plans
    def _plans_key(self):
        return (self.max_order, bool(self.average), self.oversampling)

    def _compile(self):
        names = ("psi1", "psi2", None)

        def responses(order, level):
            r = level_log2(level)
            filters = None if names[order] is None else self._responses(names[order], r)
            return self._responses("phi", r), filters

        return scattering1d_plans(
            self._js,
            self._N_padded,
            self.log2_T,
            self.oversampling,
            self.max_order,
            responses,
            average=bool(self.average),
        )

    # ------------------------------------------------------------ transform
    def scattering(self, x):
        """Scattering coefficients of ``x`` (…, N): array (…, C, N / 2^(log2 T − oversampling)), list or dict.

        Un-averaged (``T=0``): a list or a dict of maps of several lengths.
        Raises :class:`ScatteringValueError` (a ValueError, as in Kymatio, and
        a RuntimeError) for a 0-d input or another length, or when
        ``out_type='array'`` is asked of the un-averaged transform.
        """
        x = self._check_array(x)
        if x.ndim < 1:
            raise ScatteringValueError(f"Input {array_kind(x).lower()} x should have at least one axis, got 0")
        check_choice(self.out_type, "out_type", OUT_TYPES_1D, ScatteringValueError)
        if not self.average and self.out_type == "array":
            raise ScatteringValueError(
                "Cannot convert to out_type='array' with average=False (T=0): the maps of each filter have their "
                "own length. Please set out_type to 'dict' or 'list'."
            )
        _check_oversampling(self.oversampling)
        check_choice(self.max_order, "max_order", (1, 2))
        if x.shape[-1] != self.shape[0]:
            raise ScatteringValueError(
                f"{array_kind(x)} must have length N={self.shape[0]} on its last axis (..., {self.shape[0]}), got "
                f"shape {tuple(x.shape)}; build Scattering1D(J, shape={x.shape[-1]}) for this length"
            )
        unpad = unpad_level(self.ind_start, self.ind_end)
        return self._transform(x, self.shape, ((self.pad_left, self.pad_right),), self._path_meta, unpad)

    # ------------------------------------------------------------ description
    def _path_meta(self, q):
        return {"j": tuple(self._filters[i][k]["j"] for i, k in enumerate(q)), "n": tuple(q)}

    def _paths(self):
        """Every path in Kymatio's order: (), (n1,) …, then (n1, n2) with j(n2) > j(n1)."""
        j1s, j2s = self._js
        paths = [()] + [(n1,) for n1 in range(len(j1s))]
        if self.max_order == 2:
            paths += [(n1, n2) for n1 in range(len(j1s)) for n2 in range(len(j2s)) if j2s[n2] > j1s[n1]]
        return paths

    def meta(self):
        """Kymatio's ``meta()``: per output channel 'order' (C,), 'xi', 'sigma', 'j', 'n' (C, max_order), 'key'.

        'xi' and 'sigma' in cycles/sample; entries past a channel's order
        are NaN; ``key[c]`` is the path of channel c (the keys of
        ``out_type='dict'``).
        """
        keys = self._paths()
        out = {"order": np.array([len(q) for q in keys])}
        for field in ("xi", "sigma", "j", "n"):
            rows = [tuple(k if field == "n" else self._filters[i][k][field] for i, k in enumerate(q)) for q in keys]
            out[field] = np.array([row + (math.nan,) * (self.max_order - len(row)) for row in rows], dtype=float)
        out["key"] = keys
        return out

    def output_size(self, detail=False):
        """Number of channels; ``detail``: the list [1, first-order, second-order (max_order 2)] per order."""
        sizes = [0, 0, 0]
        for q in self._paths():
            sizes[len(q)] += 1
        sizes = sizes[: self.max_order + 1]
        return sizes if detail else sum(sizes)
