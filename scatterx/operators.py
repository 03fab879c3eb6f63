"""Non-linearities M_n and pooling operators P_n of a module.

Every operator satisfies M(0) = 0 (resp. P(0) = 0) and is Lipschitz in the
discrete ℓ² norm of its grid, ‖M(f) − M(h)‖ ≤ L‖f − h‖ and
‖P(f) − P(h)‖ ≤ R‖f − h‖, with the constant given in its docstring and in
its ``lipschitz`` attribute (Wiatowski & Bölcskei 2018, Sec. III;
ICML 2016 for the discrete pooling constants).  Complex arguments are handled
per part, ``M(z) = M(Re z) + i M(Im z)``, except for the modulus.

All operators work on NumPy and PyTorch arrays alike (array API namespace)
and act on the trailing ``ndim`` axes for pooling.
"""

from __future__ import annotations

import abc

import array_api_compat
import numpy as np

from frames._checks import check_keys

from ._optional import torch_or_none

__all__ = [
    "Modulus",
    "ReLU",
    "Tanh",
    "Sigmoid",
    "Identity",
    "Subsample",
    "Average",
    "MaxPool",
    "NoPooling",
    "nonlinearity_from_dict",
    "pooling_from_dict",
]


def _xp(x):
    return array_api_compat.array_namespace(x)


def _is_complex(xp, z):
    return xp.isdtype(z.dtype, "complex floating")


class _Operator:
    name = ""

    def to_dict(self):
        return {"name": self.name}

    def __eq__(self, other):
        return type(self) is type(other) and self.to_dict() == other.to_dict()

    def __hash__(self):
        return hash((type(self).__name__, repr(sorted(self.to_dict().items()))))

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items() if k != "name")
        return f"{type(self).__name__}({args})"


# ---------------------------------------------------------------- non-linearities
class Nonlinearity(_Operator, abc.ABC):
    """Pointwise M with M(0) = 0; ``real_output`` says it maps ℂ to ℝ."""

    lipschitz = 1.0
    real_output = False

    @abc.abstractmethod
    def _real(self, xp, x):
        """M on real arrays; complex ones get M(Re z) + i M(Im z)."""

    def __call__(self, z):
        xp = _xp(z)
        if _is_complex(xp, z):
            return self._real(xp, xp.real(z)) + 1j * self._real(xp, xp.imag(z))
        return self._real(xp, z)


class Modulus(Nonlinearity):
    """M(z) = |z|.  Lipschitz constant L = 1 (reverse triangle inequality).

    Maps complex to real; on real input it is the absolute value.
    """

    name = "modulus"
    lipschitz = 1.0
    real_output = True

    def _real(self, xp, x):
        return xp.abs(x)

    def __call__(self, z):
        if (
            array_api_compat.is_torch_array(z)
            and z.is_complex()
            and z.device.type == "cpu"
            and not (z.requires_grad and torch_or_none().is_grad_enabled())
            and not (z.is_conj() or z.is_neg())
        ):
            return _numpy_modulus(z)
        return _xp(z).abs(z)


def _numpy_modulus(z):
    """|z| of a CPU tensor outside autograd, by NumPy on the same memory (no copy either way).

    NumPy's complex absolute value is vectorised and exact to rounding
    (scaled, no overflow); on a CPU it was faster than torch's complex
    ``abs`` and than sqrt(re² + im²) on the benchmark's shapes
    (docs/performance.md).
    Autograd keeps ``torch.abs``, whose gradient at 0 is defined.
    """
    return torch_or_none().from_numpy(np.abs(z.detach().numpy()))


class ReLU(Nonlinearity):
    """M(z) = max(0, Re z) + i max(0, Im z).  Lipschitz constant L = 1."""

    name = "relu"
    lipschitz = 1.0

    def _real(self, xp, x):
        return xp.maximum(x, xp.zeros_like(x))


class Tanh(Nonlinearity):
    """M(z) = tanh(Re z) + i tanh(Im z).  Lipschitz constant L = 1 (tanh' ≤ 1)."""

    name = "tanh"
    lipschitz = 1.0

    def _real(self, xp, x):
        return xp.tanh(x)


class Sigmoid(Nonlinearity):
    """Shifted logistic sigmoid, per part: sig(x) = 1/(1 + e^{−x}) − ½.

    Lipschitz constant L = ¼ (the maximum of sig'(x) = e^{−x}/(1 + e^{−x})²,
    reached at x = 0).  The shift by ½ gives M(0) = 0.
    """

    name = "sigmoid"
    lipschitz = 0.25

    def _real(self, xp, x):
        # ½ tanh(x/2) = 1/(1+e^{−x}) − ½, without overflow for large |x|.
        return 0.5 * xp.tanh(0.5 * x)


class Identity(Nonlinearity):
    """M(z) = z.  Lipschitz constant L = 1 (a linear network: no invariance gained)."""

    name = "identity"
    lipschitz = 1.0

    def _real(self, xp, x):
        return x

    def __call__(self, z):
        return z


_NONLINEARITIES = {c.name: c for c in (Modulus, ReLU, Tanh, Sigmoid, Identity)}


def _operator_name(d, known, what, keys):
    """The ``name`` of an operator description (a name, or a dict with only ``keys``), checked against ``known``."""
    if isinstance(d, dict):
        check_keys(d, keys, f"{what} description", required=("name",))
        name = d["name"]
    else:
        name = d
    if not isinstance(name, str) or name not in known:
        raise ValueError(f"unknown {what} {name!r}; known: {sorted(known)}")
    return name


def nonlinearity_from_dict(d):
    """A non-linearity from its name or its ``to_dict()`` (``{"name": ...}``, no other key)."""
    return _NONLINEARITIES[_operator_name(d, _NONLINEARITIES, "non-linearity", ("name",))]()


# ---------------------------------------------------------------- pooling
def _factor(S):
    if isinstance(S, bool) or not isinstance(S, int) or S < 1:  # 2.0 and "2" too: a factor is an int
        raise ValueError(f"pooling factor S must be a positive int, got {S!r}")
    return S


class Pooling(_Operator):
    """Pooling with window S and stride S on every spatial axis (factor S_n)."""

    def __init__(self, S=1, ndim=None):
        self.factor = _factor(S)
        if ndim is not None and (isinstance(ndim, bool) or not isinstance(ndim, int) or ndim not in (1, 2, 3)):
            raise ValueError(f"ndim must be 1, 2 or 3, got {ndim!r}")
        self.ndim = ndim

    def to_dict(self):
        d = {"name": self.name, "S": self.factor}
        if self.ndim is not None:
            d["ndim"] = self.ndim
        return d

    def for_ndim(self, ndim):
        """The same operator bound to ``ndim`` spatial axes (fixes ``lipschitz``)."""
        return type(self)(self.factor, ndim=ndim)

    def lipschitz_for(self, ndim):
        return 1.0

    @property
    def lipschitz(self):
        """R_n; for operators whose constant depends on d, bind d first (``for_ndim``)."""
        if self.ndim is None:
            try:
                return self.lipschitz_for(None)
            except TypeError:
                raise ValueError(
                    f"{type(self).__name__}'s Lipschitz constant depends on the dimension d; "
                    f"use {type(self).__name__}({self.factor}, ndim=d) or .lipschitz_for(d)"
                ) from None
        return self.lipschitz_for(self.ndim)

    def output_shape(self, shape, name="shape"):
        S = self.factor
        bad = [n for n in shape if n % S]
        if bad:
            raise ValueError(
                f"{name} {tuple(shape)} does not divide by the pooling factor S={S} "
                f"({type(self).__name__}); choose a grid whose sides are multiples of {S}"
            )
        return tuple(n // S for n in shape)

    def _windows(self, x, ndim):
        """Reshape (..., n_1, …, n_d) to (..., n_1/S, S, …, n_d/S, S); return the window axes."""
        xp, S = _xp(x), self.factor
        lead = tuple(x.shape[: x.ndim - ndim])
        new = list(lead)
        for n in x.shape[x.ndim - ndim :]:
            new += [n // S, S]
        axes = tuple(len(lead) + 2 * i + 1 for i in range(ndim))
        return xp.reshape(x, tuple(new)), axes

    real_output = False


class NoPooling(Pooling):
    """P = identity, S = 1.  Lipschitz constant R = 1."""

    name = "none"

    def __init__(self, S=1, ndim=None):
        if S != 1:
            raise ValueError(f"NoPooling has factor 1, got S={S!r}")
        super().__init__(1, ndim=ndim)

    def __call__(self, x, ndim):
        return x


class Subsample(Pooling):
    """Sub-sampling P f[k] = f[S k].  Lipschitz constant R = 1.

    (Discarding samples cannot increase the ℓ² norm of a difference.)
    """

    name = "subsample"

    def __call__(self, x, ndim):
        S = self.factor
        return x[(Ellipsis,) + (slice(None, None, S),) * ndim]


class Average(Pooling):
    """Mean pooling P f[k] = S^{−d} Σ_{l ∈ {0..S−1}^d} f[S k + l].

    Lipschitz constant R = S^{d/2} max|α_l| = S^{−d/2} for the mean weights
    α_l = S^{−d} (Cauchy–Schwarz over each window); it depends on the
    dimension d, hence ``lipschitz_for(ndim)``.
    """

    name = "average"

    def lipschitz_for(self, ndim):
        if ndim is None and self.factor != 1:
            raise TypeError("dimension needed")
        return float(self.factor) ** (-(ndim or 0) / 2)

    def __call__(self, x, ndim):
        if self.factor == 1:
            return x
        y, axes = self._windows(x, ndim)
        return _xp(x).mean(y, axis=axes)


class MaxPool(Pooling):
    """Max pooling of the magnitude: P f[k] = max_{l ∈ {0..S−1}^d} |f[S k + l]|.

    Lipschitz constant R = 1: |max|f| − max|h|| ≤ max|f − h| ≤ the ℓ² norm of
    f − h over the window, and windows are disjoint.  The output is real.
    """

    name = "max"
    real_output = True

    def __call__(self, x, ndim):
        xp = _xp(x)
        y, axes = self._windows(xp.abs(x), ndim)
        return xp.max(y, axis=axes)


_POOLINGS = {c.name: c for c in (NoPooling, Subsample, Average, MaxPool)}


def pooling_from_dict(d):
    """A pooling operator from its name or its ``to_dict()`` (``name``, ``S``, ``ndim``; no other key)."""
    name = _operator_name(d, _POOLINGS, "pooling", ("name", "S", "ndim"))
    d = d if isinstance(d, dict) else {}
    return _POOLINGS[name](d.get("S", 1), ndim=d.get("ndim"))
