"""Kymatio-compatible frontends: ``Scattering2D`` and ``Scattering1D``.

Same arguments, same output array and channel order as Kymatio 0.3.0's
``kymatio.numpy.Scattering2D/1D`` (and ``kymatio.torch``), computed by the
generic core of scatterx: Morlet frames from ``frames.morlet``, the modulus,
and Kymatio's per-scale decimation (a path whose last filter has scale j is
sub-sampled by 2^j, in the Fourier domain), reflect padding and unpadding.

Unlike Kymatio's torch frontend, float64 tensors are accepted (and give
float64 output).
"""

from __future__ import annotations

import math
import numbers

import array_api_compat
import numpy as np

import frames

from . import _kymatio_rules as rules
from ._core import assemble, propagate
from ._validate import MAX_SCALES, check_input, positive_int
from .plans import level_log2, scattering1d_plans, scattering2d_plans

__all__ = ["Scattering2D", "Scattering1D"]


def _check_backend(backend, x):
    if backend is None:
        return
    is_torch = array_api_compat.is_torch_array(x)
    if backend == "torch" and not is_torch:
        raise TypeError(f"backend='torch' expects a torch.Tensor x, got {type(x).__name__}")
    if backend == "numpy" and is_torch:
        raise TypeError("backend='numpy' expects a NumPy array x, got a torch.Tensor; use backend='torch'")


def _check_choice(value, name, choices):
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}")
    return value


def _reflect_pad(x, widths):
    """Reflect padding of the trailing axes (widths: one (before, after) per axis)."""
    if array_api_compat.is_torch_array(x):
        import torch.nn.functional as F

        flat = [w for pair in reversed(widths) for w in pair]
        d = len(widths)
        y = x.reshape((-1, 1) + tuple(x.shape[-d:])) if d == 1 else x.reshape((-1,) + tuple(x.shape[-d:]))
        y = F.pad(y, flat, mode="reflect")
        return y.reshape(tuple(x.shape[:-d]) + tuple(y.shape[-d:]))
    return np.pad(x, [(0, 0)] * (x.ndim - len(widths)) + list(widths), mode="reflect")


class _KymatioFrontend:
    ndim = 0

    def plans(self):
        """The compiled layer plans (``scatterx.plans``), built on first use and never pickled."""
        plans = self.__dict__.get("_plans")
        if plans is None:
            plans = self.__dict__["_plans"] = self._compile()
        return plans

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_plans", None)  # closures: rebuilt on first use
        return state

    def _finish(self, layers, lead, xp, meta_of, unpad):
        """Lay out the layers as Kymatio does: array (…, C, *grid) or a list of dicts."""
        layers = [(paths, arr) for paths, arr in layers if paths]
        blocks = [unpad(arr) for _, arr in layers]
        if self.out_type == "array":
            arr = xp.concat(blocks, axis=1)
            return xp.reshape(arr, lead + tuple(arr.shape[1:]))
        out = []
        for n, (paths, _) in enumerate(layers):
            for i, q in enumerate(paths):
                coef = blocks[n][:, i]
                out.append({"coef": xp.reshape(coef, lead + tuple(coef.shape[1:])), **meta_of(q)})
        if self.out_type == "dict":
            return {rec["n"]: rec["coef"] for rec in out}
        return out


class Scattering2D(_KymatioFrontend):
    """2-D scattering of Kymatio 0.3.0 (Morlet, modulus, orders 0 … max_order ≤ 2).

    Parameters
    ----------
    J : int
        Number of scales; output grid is ``shape / 2^J``.
    shape : (M, N)
        Input grid, 2^J ≤ min(M, N).
    L : int, default 8
        Orientations per scale.
    max_order : {1, 2}
    pre_pad : bool
        The input is already padded to Kymatio's padded size.
    backend : {None, 'numpy', 'torch'}
        The array library expected (None: whichever ``x`` is).
    out_type : {'array', 'list'}
    max_memory : int, optional
        Bytes the batch chunks processed at once may hold (scatterx only;
        see :class:`~scatterx.Network`); changes results only by rounding.
    """

    ndim = 2

    def __init__(self, J, shape, L=8, max_order=2, pre_pad=False, backend=None, out_type="array", *, max_memory=None):
        self.J = positive_int(J, "J", maximum=MAX_SCALES)
        self.max_memory = None if max_memory is None else positive_int(max_memory, "max_memory")
        self.L = positive_int(L, "L")
        try:
            M, N = (positive_int(s, "shape[i]") for s in shape)
        except (TypeError, ValueError) as e:
            raise type(e)(f"shape must be (M, N) with positive ints, got {shape!r}") from None
        if 2**self.J > min(M, N):
            raise ValueError(
                f"J={J} is too large for shape {(M, N)}: need 2**J <= {min(M, N)}, "
                f"so the largest allowed J is {int(math.floor(math.log2(min(M, N))))}"
            )
        self.shape = (M, N)
        self.max_order = _check_choice(max_order, "max_order", (1, 2))
        self.pre_pad = bool(pre_pad)
        self.backend = _check_choice(backend, "backend", (None, "numpy", "torch"))
        self.out_type = _check_choice(out_type, "out_type", ("array", "list"))
        self._M_padded, self._N_padded = rules.padding_2d(M, N, self.J)
        self.pad_widths = (
            ((self._M_padded - M) // 2, (self._M_padded - M + 1) // 2),
            ((self._N_padded - N) // 2, (self._N_padded - N + 1) // 2),
        )
        self.frame = frames.morlet(J=self.J, L=self.L)
        self.bank = self.frame.render((self._M_padded, self._N_padded))

    def _compile(self):
        return scattering2d_plans(self.bank, self.J, self.max_order)

    def _meta(self, q):
        return {
            "j": tuple(self.bank.meta[k]["j"] for k in q),
            "n": tuple(q),
            "theta": tuple(self.bank.meta[k]["theta"] for k in q),
        }

    def __call__(self, x):
        return self.scattering(x)

    def scattering(self, x):
        """Scattering coefficients of ``x`` (…, M, N): array (…, C, M/2^J, N/2^J) or a list."""
        _check_backend(self.backend, x)
        grid = (self._M_padded, self._N_padded) if self.pre_pad else self.shape
        x, lead, xp = check_input(x, grid, "x")
        if not self.pre_pad:
            x = _reflect_pad(x, self.pad_widths)
        layers = [assemble(f, xp) for f in propagate(x, self.plans(), 2, max_memory=self.max_memory)]
        return self._finish(layers, lead, xp, self._meta, lambda a: a[..., 1:-1, 1:-1])

    def output_size(self):
        """Number of channels C = 1 + JL + L² J(J−1)/2 (order 2)."""
        JL = self.J * self.L
        return 1 + JL + (self.L**2 * self.J * (self.J - 1) // 2 if self.max_order == 2 else 0)


class Scattering1D(_KymatioFrontend):
    """1-D scattering of Kymatio 0.3.0 (Morlet with Q wavelets per octave, modulus).

    Parameters
    ----------
    J : int
        Maximal scale 2^J of the wavelets.
    shape : int or (N,)
    Q : int or (Q1, Q2), default 1
        Wavelets per octave, first and second order.
    T : int, optional
        Temporal support of the low-pass (default 2^J); output is sub-sampled
        by 2^⌊log2 T⌋ / 2^oversampling.
    max_order : {1, 2}
    oversampling : int ≥ 0
    backend : {None, 'numpy', 'torch'}
    out_type : {'array', 'list', 'dict'}
    max_memory : int, optional
        Bytes the batch chunks processed at once may hold (scatterx only;
        see :class:`~scatterx.Network`); changes results only by rounding.
    """

    ndim = 1

    def __init__(
        self, J, shape, Q=1, T=None, max_order=2, oversampling=0, backend=None, out_type="array", *, max_memory=None
    ):
        self.J = positive_int(J, "J", maximum=MAX_SCALES)
        self.max_memory = None if max_memory is None else positive_int(max_memory, "max_memory")
        if isinstance(shape, numbers.Integral):
            shape = (shape,)
        if not isinstance(shape, tuple) or len(shape) != 1:
            raise ValueError(f"shape must be an int or a 1-tuple, got {shape!r}")
        N = positive_int(shape[0], "shape[0]")
        self.shape = (N,)
        Qs = (Q, 1) if isinstance(Q, numbers.Integral) else tuple(Q)
        if len(Qs) == 1:
            Qs = Qs + (1,)
        if len(Qs) != 2:
            raise ValueError(f"Q must be an int or a tuple (Q1, Q2), got {Q!r}")
        self.Q = tuple(positive_int(q, "Q") for q in Qs)
        if 2**self.J > N:
            raise ValueError(
                f"J={J} is too large for N={N}: need 2**J <= N, so the largest allowed J is "
                f"{int(math.floor(math.log2(N)))}"
            )
        if T is None:
            T = 2**self.J
        T = positive_int(T, "T")
        if T > N:
            raise ValueError(f"T={T} (support of the low-pass) cannot exceed the input length N={N}")
        self.T = T
        self.max_order = _check_choice(max_order, "max_order", (1, 2))
        self.oversampling = positive_int(oversampling, "oversampling", minimum=0)
        self.backend = _check_choice(backend, "backend", (None, "numpy", "torch"))
        self.out_type = _check_choice(out_type, "out_type", ("array", "list", "dict"))
        self.log2_T = int(math.floor(math.log2(T)))
        self._N_padded, self.pad_left, self.pad_right = rules.padding_1d(N, self.J, T)
        self.ind_start, self.ind_end = rules.border_indices_1d(self.log2_T, self.J, self.pad_left, self.pad_left + N)
        self.frames = (frames.morlet(J=self.J, Q=self.Q[0], T=T), frames.morlet(J=self.J, Q=self.Q[1], T=T))
        self.banks = tuple(f.render((self._N_padded,)) for f in self.frames)

    def _compile(self):
        return scattering1d_plans(self.banks, self.log2_T, self.oversampling, self.max_order)

    def _meta(self, q):
        return {"j": tuple(self.banks[i].meta[k]["j"] for i, k in enumerate(q)), "n": tuple(q)}

    def __call__(self, x):
        return self.scattering(x)

    def scattering(self, x):
        """Scattering coefficients of ``x`` (…, N): array (…, C, N / 2^(log2 T − oversampling)), list or dict."""
        _check_backend(self.backend, x)
        x, lead, xp = check_input(x, self.shape, "x")
        x = _reflect_pad(x, ((self.pad_left, self.pad_right),))
        feats = propagate(x, self.plans(), 1, max_memory=self.max_memory)
        level = level_log2(feats[0][0][1])
        unpad = lambda a: a[..., self.ind_start[level] : self.ind_end[level]]
        return self._finish([assemble(f, xp) for f in feats], lead, xp, self._meta, unpad)
