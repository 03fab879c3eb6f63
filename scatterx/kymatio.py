"""Kymatio 0.3.0's entry points: ``from kymatio import Scattering2D`` → ``from scatterx import Scattering2D``.

    S = Scattering2D(J, shape, frontend="torch")     # a torch.nn.Module (scatterx.torch.Scattering2D)
    S = Scattering2D(J, shape)                        # the NumPy frontend (scatterx.numpy.Scattering2D)

``Scattering2D`` and ``Scattering1D`` take Kymatio's arguments and its
``frontend=`` ('numpy', the default; 'torch'; 'sklearn') and build that
frontend's object, as Kymatio's entry classes do; ``isinstance(S,
Scattering2D)`` holds for the NumPy and torch frontends.  Every frontend
runs the same compute core (docs/kymatio.md).

Also here: the exception types (:class:`ScatteringValueError`,
:class:`BackendImportError`, catchable both as scatterx's and as Kymatio's),
:func:`reflect_pad` (the frontends' padding, NumPy's reflect rule for any
width, on arrays and tensors) and :func:`allow_kymatio_import`, the one compatibility step that lets
Kymatio 0.3.0 itself import on SciPy ≥ 1.17, to compare both in one
environment.
"""

from __future__ import annotations

import importlib

import scipy.special

from ._kymatio1d import Scattering1DBase
from ._kymatio2d import Scattering2DBase
from ._kymatio_base import (
    FRONTENDS,
    KYMATIO_ONLY_FRONTENDS,
    BackendImportError,
    ScatteringValueError,
    reflect_pad,
)

__all__ = [
    "Scattering2D",
    "Scattering1D",
    "ScatteringValueError",
    "BackendImportError",
    "frontend_class",
    "reflect_pad",
    "allow_kymatio_import",
]


def frontend_class(frontend, ndim):
    """The class of Kymatio's ``frontend`` name ('numpy', 'torch', 'sklearn'; any case) for ``ndim`` = 1 or 2.

    Raises :class:`ScatteringValueError` (Kymatio's RuntimeError) naming the
    valid frontends for any other name, and ``ImportError`` naming the
    extra to install when the frontend's library is missing.
    """
    name = frontend.lower() if isinstance(frontend, str) else frontend
    if name not in FRONTENDS:
        others = f" (Kymatio's {', '.join(KYMATIO_ONLY_FRONTENDS)} frontends have no scatterx counterpart)"
        raise ScatteringValueError(
            f"The frontend {frontend!r} is not valid. Must be one of {', '.join(map(repr, FRONTENDS))}"
            + (others if name in KYMATIO_ONLY_FRONTENDS else "")
        )
    if name == "numpy":
        module = importlib.import_module(".numpy", __package__)
    else:
        from ._optional import require

        require(name, f"frontend={name!r}")
        module = importlib.import_module(f".{name}", __package__)
    return getattr(module, f"Scattering{ndim}D")


class _Entry(type):
    """Calling the entry class builds the frontend's object; ``isinstance`` accepts every frontend's."""

    def __call__(cls, *args, frontend="numpy", **kwargs):
        klass = frontend_class(frontend, cls.ndim)
        build = getattr(klass, "with_kymatio_checks", klass)  # the estimator checks its arguments here
        return build(*args, **kwargs)

    def __instancecheck__(cls, obj):
        return isinstance(obj, cls.base)

    def __subclasscheck__(cls, sub):
        return issubclass(sub, cls.base)


class Scattering2D(metaclass=_Entry):
    """Kymatio's ``Scattering2D(J, shape, L=8, max_order=2, pre_pad=False, backend=None, out_type='array',
    frontend='numpy')`` (and scatterx's ``max_memory=``): the object of that frontend.

    See :class:`scatterx.numpy.Scattering2D` for the arguments.
    """

    ndim = 2
    base = Scattering2DBase


class Scattering1D(metaclass=_Entry):
    """Kymatio's ``Scattering1D(J, shape, Q=1, T=None, max_order=2, average=None, oversampling=0,
    out_type='array', backend=None, frontend='numpy')`` (and ``max_memory=``): the object of that frontend.

    See :class:`scatterx.numpy.Scattering1D` for the arguments.
    """

    ndim = 1
    base = Scattering1DBase


def allow_kymatio_import():
    """Let Kymatio 0.3.0 import on SciPy ≥ 1.17; does nothing on an older SciPy.

    Kymatio 0.3.0 imports ``scipy.special.sph_harm`` (for its 3-D
    harmonic scattering), which SciPy 1.17 removed.  This sets it back,
    computed by its successor with the arguments in the new order:
    ``sph_harm(m, n, θ, φ) = sph_harm_y(n, m, φ, θ)`` (θ azimuthal, φ polar).
    Call it before ``import kymatio``; scatterx itself never imports
    Kymatio.  See docs/kymatio.md, "Comparing both in one environment".
    """
    if not hasattr(scipy.special, "sph_harm"):
        scipy.special.sph_harm = _sph_harm


def _sph_harm(m, n, theta, phi):
    return scipy.special.sph_harm_y(n, m, phi, theta)
