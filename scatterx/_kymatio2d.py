"""Kymatio 0.3.0's 2-D scattering: arguments, rules and layout, shared by the NumPy and torch frontends.

Same arguments, output array and channel order as ``kymatio.numpy`` /
``kymatio.torch``'s ``Scattering2D``, computed by the generic core: Morlet
frames from ``frames.morlet``, the modulus, a path whose last filter has
scale j sub-sampled by 2^j in the Fourier domain, Kymatio's reflect padding
and unpadding (``scatterx._kymatio_rules``).  See docs/kymatio.md.
"""

from __future__ import annotations

import math

import numpy as np

import frames

from . import _kymatio_rules as rules
from ._kymatio_base import (
    KymatioFrontend,
    ScatteringValueError,
    array_kind,
    as_count,
    backend_name,
    check_choice,
)
from ._validate import MAX_SCALES
from .plans import level_log2, scattering2d_plans

__all__ = ["Scattering2DBase"]

OUT_TYPES_2D = ("array", "list")


def _grid_2d(shape):
    try:
        M, N = shape
        return as_count(M, "shape[0]"), as_count(N, "shape[1]")
    except (TypeError, ValueError) as e:
        raise type(e)(f"shape must be (M, N) with positive ints, got {shape!r}") from None


class Scattering2DBase(KymatioFrontend):
    """2-D scattering of Kymatio 0.3.0 (Morlet, modulus, orders 0 … max_order ≤ 2).

    Parameters
    ----------
    J : int
        Number of scales (an int, a NumPy integer or a 0-d integer array);
        the output grid is ``shape / 2^J``.
    shape : (M, N)
        Input grid, 2^J ≤ min(M, N).
    L : int, default 8
        Orientations per scale.
    max_order : {1, 2}
        May be changed after construction.
    pre_pad : bool
        The input is already padded to Kymatio's padded size
        ``(_M_padded, _N_padded)``.
    backend : None, str or object with ``.name``
        Kymatio's backend argument: a backend of this frontend ('numpy';
        'torch' or 'torch_skcuda'), all of them run scatterx's core.  None:
        the frontend's default (the NumPy frontend then also takes tensors).
    out_type : {'array', 'list'}
        May be changed after construction.
    max_memory : int, optional
        Bytes the batch chunks processed at once may hold (scatterx only;
        see :class:`~scatterx.Network`); changes results only by rounding.

    Raises
    ------
    ScatteringValueError
        (a ValueError and a RuntimeError) when 2^J exceeds min(M, N).
    BackendImportError
        (an ImportError and a ValueError) for a backend of another frontend.
    """

    ndim = 2

    def __init__(self, J, shape, L=8, max_order=2, pre_pad=False, backend=None, out_type="array", *, max_memory=None):
        self.J = as_count(J, "J", maximum=MAX_SCALES)
        self.L = as_count(L, "L")
        M, N = self.shape = _grid_2d(shape)
        largest = min(M, N).bit_length() - 1  # compared without forming 2**J
        if self.J > largest:
            raise ScatteringValueError(
                f"J={self.J} is too large for shape {(M, N)}: the smallest dimension should be larger than 2^J, "
                f"so the largest allowed J is {largest}"
            )
        self.max_order = check_choice(max_order, "max_order", (1, 2))
        self.pre_pad = bool(pre_pad)
        self.backend = backend_name(backend, self.frontend)
        self.out_type = check_choice(out_type, "out_type", OUT_TYPES_2D, ScatteringValueError)
        self.max_memory = None if max_memory is None else as_count(max_memory, "max_memory")
        self._M_padded, self._N_padded = rules.padding_2d(M, N, self.J)
        self.pad_widths = rules.pad_widths_2d(M, N, self.J)
        self.frame = frames.morlet(J=self.J, L=self.L)
        bank = self.frame.render((self._M_padded, self._N_padded))
        self._js = [m["j"] for m in bank.meta]
        self._thetas = [m["theta"] for m in bank.meta]
        self._keep_bank(bank)

    # ------------------------------------------------------------ filters
    def _levels(self):
        """(name, r) of every response kept: χ̂ ('phi') and the ψ̂ ('psi') at the levels 2^r, r < J, of the paths."""
        return [(name, r) for name in ("phi", "psi") for r in range(self.J)]

    @staticmethod
    def _response_of(bank, name, r):
        """Kymatio's crop of χ̂ or of every ψ̂ to level 2^r (:func:`scatterx._kymatio_rules.crop_2d`)."""
        return rules.crop_2d(bank.lowpass if name == "phi" else bank.filters, r)

    @property
    def phi(self):
        """Kymatio's low-pass: ``{'levels': [χ̂ at levels 2^0 … 2^(J−1)], 'j': J}``."""
        return {"levels": [self._responses("phi", r) for r in range(self.J)], "j": self.J}

    @property
    def psi(self):
        """Kymatio's wavelets: ``[{'levels': [ψ̂ at the levels it is used], 'j', 'theta'}]`` in filter order."""
        return [
            {
                "levels": [self._responses("psi", r)[k] for r in range(min(j + 1, max(self.J - 1, 1)))],
                "j": j,
                "theta": theta,
            }
            for k, (j, theta) in enumerate(zip(self._js, self._thetas))
        ]

    # ------------------------------------------------------------ plans
    def _plans_key(self):
        return (self.max_order,)

    def _compile(self):
        def responses(level):
            r = level_log2(level)
            return self._responses("phi", r), self._responses("psi", r)

        return scattering2d_plans(self._js, self.J, self.max_order, responses)

    # ------------------------------------------------------------ transform
    def scattering(self, x):
        """Scattering coefficients of ``x`` (…, M, N): array (…, C, M/2^J, N/2^J) or a list of dicts.

        Raises :class:`ScatteringValueError` (Kymatio's RuntimeError) for an
        input of rank < 2 or of another spatial size, ``TypeError`` for None
        or another array library.
        """
        x = self._check_array(x)
        if x.ndim < 2:
            raise ScatteringValueError(
                f"Input {array_kind(x).lower()} must have at least two dimensions (..., M, N), got shape "
                f"{tuple(x.shape)}"
            )
        grid = (self._M_padded, self._N_padded) if self.pre_pad else self.shape
        if tuple(x.shape[-2:]) != grid:
            what = f"the padded size of {self.shape}" if self.pre_pad else "the shape given at construction"
            raise ScatteringValueError(
                f"{array_kind(x, self.pre_pad)} must be of spatial size ({grid[0]},{grid[1]}) ({what}), got shape "
                f"{tuple(x.shape)}; build Scattering2D(J, shape={tuple(x.shape[-2:])}) for this size"
            )
        check_choice(self.max_order, "max_order", (1, 2))
        check_choice(self.out_type, "out_type", OUT_TYPES_2D, ScatteringValueError)
        pad = None if self.pre_pad else self.pad_widths
        return self._transform(x, grid, pad, self._path_meta, lambda arr, level: arr[..., 1:-1, 1:-1])

    # ------------------------------------------------------------ description
    def _path_meta(self, q):
        return {"j": tuple(self._js[k] for k in q), "n": tuple(q), "theta": tuple(self._thetas[k] for k in q)}

    def _paths(self):
        """Every path in Kymatio's order: (), (n1,) …, then (n1, n2) with j(n2) > j(n1)."""
        first = [(n,) for n in range(len(self._js))]
        if self.max_order == 1:
            return [()] + first
        return [()] + first + [(a, b) for (a,) in first for (b,) in first if self._js[b] > self._js[a]]

    def meta(self):
        """Per output channel: 'order' (C,), 'j', 'theta', 'n' (C, max_order; NaN past the order), 'key' (paths).

        The 2-D counterpart of Kymatio's 1-D ``meta()`` (Kymatio 0.3.0 has
        none in 2-D): channel c of the array output is path ``key[c]``.
        """
        keys = self._paths()
        out = {"order": np.array([len(q) for q in keys])}
        for field in ("j", "theta", "n"):
            rows = [self._path_meta(q)[field] for q in keys]
            out[field] = np.array([row + (math.nan,) * (self.max_order - len(row)) for row in rows], dtype=float)
        out["key"] = keys
        return out

    def output_size(self, detail=False):
        """Channels C = 1 + JL + L² J(J−1)/2 (order 2); ``detail``: the list [1, JL, L² J(J−1)/2] per order."""
        sizes = [1, self.J * self.L]
        if self.max_order == 2:
            sizes.append(self.L**2 * self.J * (self.J - 1) // 2)
        return sizes if detail else sum(sizes)
