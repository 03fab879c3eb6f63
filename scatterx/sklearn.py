"""scikit-learn transformers: scattering features of flat rows.

    from sklearn.pipeline import make_pipeline
    from sklearn.linear_model import LogisticRegression
    model = make_pipeline(ScatteringTransformer(shape=(8, 8)), LogisticRegression())
    model = make_pipeline(Scattering2D(J=2, shape=(8, 8)), LogisticRegression())  # Kymatio's arguments

scikit-learn gives samples as rows ``(n_samples, n_features)``.
:class:`ScatteringTransformer` runs any scatterx network, each row one
signal on the grid ``shape`` (C order).  :class:`Scattering2D` and
:class:`Scattering1D` are Kymatio 0.3.0's ``kymatio.sklearn`` frontends
(``from kymatio.sklearn import Scattering2D`` → ``from scatterx.sklearn
import Scattering2D``): Kymatio's arguments, each row C signals on
``shape`` (C · prod(shape) values, as Kymatio reshapes them), computed by
``scatterx.numpy``'s frontends; unlike Kymatio's, they pass
scikit-learn's estimator checks (see docs/kymatio.md).
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted, validate_data

import frames as _frames

from .network import Module, Network
from .numpy import Scattering1D as _NumPyScattering1D
from .numpy import Scattering2D as _NumPyScattering2D

__all__ = ["ScatteringTransformer", "Scattering2D", "Scattering1D"]

# Largest number of scales of the default Morlet frame (1-D: octaves, 2-D: J).
DEFAULT_J = {1: 3, 2: 2}


def default_frame(shape):
    """The frame used when neither ``network`` nor ``frame`` is given: Morlet with J fitting the grid.

    1-D: ``morlet(J, Q=1)``, J = min(3, ⌊log2 n⌋); 2-D: ``morlet(J, L=8)``,
    J = min(2, ⌊log2 min(shape)⌋).
    """
    J = min(DEFAULT_J.get(len(shape), 2), int(math.log2(min(shape))))
    return _frames.morlet(J=J, Q=1) if len(shape) == 1 else _frames.morlet(J=J, L=8)


class ScatteringTransformer(TransformerMixin, BaseEstimator):
    """Scattering features (``Network.__call__``) as a scikit-learn transformer.

    Parameters
    ----------
    network : scatterx.Network or dict, optional
        The network (or its ``to_dict()``).  Its grid is replaced by ``shape``
        when ``shape`` is given and differs.
    shape : tuple of int, optional
        The grid of one sample.  Default: the network's grid, or else a 1-D
        grid of ``n_features`` points.
    frame : frames.Frame, optional
        With no ``network``: the frame of every layer of an admissible
        network of ``depth`` layers with the modulus and no pooling.
        Default: :func:`default_frame` of the grid.
    depth : int, default 2
        Layers of that network.

    Attributes
    ----------
    network_ : scatterx.Network
        The network used by ``transform``.
    n_features_in_ : int
        ``prod(shape)``.

    Notes
    -----
    dtype policy of scatterx: float32 rows give float32 features, anything
    else float64.  Every row is transformed on its own, so ``transform`` of a
    subset is the subset of ``transform``.
    """

    def __init__(self, network=None, shape=None, frame=None, depth=2):
        self.network = network
        self.shape = shape
        self.frame = frame
        self.depth = depth

    def _grid(self, n_features):
        if self.shape is not None:
            shape = (self.shape,) if isinstance(self.shape, (int, np.integer)) else tuple(self.shape)
        elif self.network is not None:
            shape = tuple(self._template()["shape"])
        else:
            shape = (n_features,)
        if math.prod(shape) != n_features:
            raise ValueError(
                f"X has {n_features} features but the grid {shape} holds {math.prod(shape)} "
                "values per sample; pass shape= so that prod(shape) = n_features"
            )
        return shape

    def _template(self):
        if isinstance(self.network, Network):
            return self.network.to_dict()
        if isinstance(self.network, dict):
            return self.network
        raise TypeError(f"network must be a scatterx.Network or its to_dict(), got {type(self.network).__name__}")

    def _build(self, n_features):
        shape = self._grid(n_features)
        if min(shape) < 2:
            raise ValueError(
                f"n_features = {n_features} gives the grid {shape}: a scattering network needs "
                "at least 2 points per axis"
            )
        if self.network is not None:
            if self.frame is not None:
                raise ValueError("give either network or frame (frame builds the default network)")
            return Network.from_dict({**self._template(), "shape": list(shape)})
        depth = self.depth
        if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or depth < 1:
            raise ValueError(f"depth must be a positive int, got {depth!r}")
        frame = default_frame(shape) if self.frame is None else self.frame
        return Network([Module(frame)] * int(depth), shape).admissible()

    def fit(self, X, y=None):
        """Validate ``X`` and build ``network_`` on the grid of its rows."""
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        self.network_ = self._build(X.shape[1])
        return self

    def transform(self, X):
        """Features (n_samples, network_.n_features) of the rows of ``X``."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        return np.asarray(self.network_(np.reshape(X, (X.shape[0],) + self.network_.shape)))

    def get_feature_names_out(self, input_features=None):
        """``L{layer}[{path}]({position})`` for every feature (``Network.get_feature_names``)."""
        check_is_fitted(self)
        _check_feature_names_in(self, input_features)
        return np.asarray(self.network_.get_feature_names(), dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    # A used Network caches plans holding closures, which do not pickle: a
    # network travels as its configuration.
    def __getstate__(self):
        state = dict(super().__getstate__())
        for name in ("network", "network_"):
            if isinstance(state.get(name), Network):
                state[name] = _AsConfig(state[name].to_dict())
        return state

    def __setstate__(self, state):
        for name in ("network", "network_"):
            if isinstance(state.get(name), _AsConfig):
                state[name] = Network.from_dict(state[name].config)
        super().__setstate__(state)


class _AsConfig:
    """A pickled Network (its configuration)."""

    def __init__(self, config):
        self.config = config


class _KymatioTransformer(TransformerMixin, BaseEstimator):
    """Kymatio's scikit-learn frontend over a ``scatterx.numpy`` frontend built from the parameters.

    Stateless, as Kymatio's: ``transform`` works before ``fit`` (``fit``
    only validates ``X`` and records ``n_features_in_``).  ``__init__`` only
    stores the parameters (scikit-learn's contract); they are checked when
    the transform is built, at ``fit``/``transform``, or at once through
    ``scatterx.Scattering2D(..., frontend='sklearn')``
    (:meth:`with_kymatio_checks`), which raises where Kymatio's constructor
    does.
    """

    # the parameters the NumPy frontend normalises (a 0-d array J → int, Q → (Q1, Q2))
    _normalised = ("J",)

    @classmethod
    def with_kymatio_checks(cls, *args, **kwargs):
        """The estimator, its arguments checked and normalised as Kymatio's constructor does.

        What ``scatterx.Scattering{1,2}D(..., frontend='sklearn')`` returns.
        """
        est = cls(*args, **kwargs)
        if est.shape is not None:
            frontend = est._scattering(est._grid())
            est.set_params(**{name: getattr(frontend, name) for name in cls._normalised})
        return est

    def _frontend_arguments(self):
        params = self.get_params()
        params.pop("shape")
        max_memory = params.pop("max_memory")
        return params, max_memory

    def _scattering(self, grid):
        """The NumPy frontend of the current parameters on ``grid``, built once per (parameters, grid)."""
        params, max_memory = self._frontend_arguments()
        key = (repr(sorted(params.items())), max_memory, grid)
        cached = self.__dict__.get("_frontend")
        if cached is None or cached[0] != key:
            if params["out_type"] != "array":
                raise ValueError(
                    f"out_type must be 'array' for the scikit-learn frontend (rows of features), "
                    f"got {params['out_type']!r}"
                )
            shape = grid[0] if self._ndim == 1 else grid
            cached = self._frontend = (key, self._numpy_frontend(shape=shape, **params, max_memory=max_memory))
        return cached[1]

    def _grid(self, n_features=None):
        """The grid of one signal: ``shape``, or for ``shape=None`` inferred from ``n_features`` (see the class)."""
        if self.shape is not None:
            return self._grid_of_shape()
        return self._inferred_grid(n_features)

    def _rows(self, X):
        """(signals per row C, grid) for rows of ``X.shape[1]`` values."""
        n = X.shape[1]
        grid = self._grid(n)
        size = math.prod(grid)
        if n % size:
            raise ValueError(
                f"X has n_features={n}, which is not a multiple of prod(shape) = {size} (rows hold C signals "
                f"on the grid {grid}); pass the shape of one signal as shape="
            )
        if self.shape is None:  # the grid comes from the data: say so when it does not fit the transform
            try:
                self._scattering(grid)
            except ValueError as e:
                raise type(e)(f"X has n_features={n}, taken as the grid {grid} (shape=None): {e}") from e
        return n // size, grid

    def fit(self, X, y=None):
        """Validate ``X`` (record ``n_features_in_``) and build the transform for its rows; no fitting needed."""
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        self._scattering(self._rows(X)[1])
        return self

    def transform(self, X):
        """Features (n_samples, C · channels · output grid) of the rows of ``X`` (Kymatio's ``predict``)."""
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        C, grid = self._rows(X)
        Sx = self._scattering(grid).scattering(np.reshape(X, (X.shape[0], C) + grid))
        return np.reshape(Sx, (X.shape[0], -1))

    predict = transform

    def scattering(self, x):
        """The frontend's ``scattering`` of signals ``x`` (…, *shape) (shape=None: the trailing axes of ``x``)."""
        grid = self._grid() if self.shape is not None else tuple(np.shape(x)[-self._ndim :])
        return self._scattering(grid).scattering(x)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


class Scattering2D(_KymatioTransformer):
    """Kymatio's ``kymatio.sklearn.Scattering2D``: rows of C·M·N values → their 2-D scattering, flattened.

    Parameters are those of :class:`scatterx.numpy.Scattering2D`.  ``shape``
    may also be None (scatterx only): each row is then one square image of
    √n_features × √n_features pixels.
    """

    _ndim = 2
    _numpy_frontend = _NumPyScattering2D

    def __init__(
        self, J, shape, L=8, max_order=2, pre_pad=False, backend="numpy", out_type="array", *, max_memory=None
    ):
        self.J = J
        self.shape = shape
        self.L = L
        self.max_order = max_order
        self.pre_pad = pre_pad
        self.backend = backend
        self.out_type = out_type
        self.max_memory = max_memory

    def _grid_of_shape(self):
        try:
            M, N = self.shape
        except (TypeError, ValueError):
            raise ValueError(f"shape must be (M, N), got {self.shape!r}") from None
        return (M, N)

    def _inferred_grid(self, n_features):
        side = math.isqrt(n_features)
        if side * side != n_features:
            raise ValueError(
                f"X has n_features={n_features}, not a square number of pixels: with shape=None each row is one "
                "square image; pass the image size as shape=(M, N)"
            )
        return (side, side)


class Scattering1D(_KymatioTransformer):
    """Kymatio's ``kymatio.sklearn.Scattering1D``: rows of C·N values → their 1-D scattering, flattened.

    Parameters are those of :class:`scatterx.numpy.Scattering1D` (``Q`` is
    normalised to (Q1, Q2) by :meth:`with_kymatio_checks`).  ``shape`` may
    also be None (scatterx only): each row is then one signal of
    n_features samples.
    """

    _ndim = 1
    _numpy_frontend = _NumPyScattering1D
    _normalised = ("J", "Q")

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
        backend="numpy",
        *,
        max_memory=None,
    ):
        self.J = J
        self.shape = shape
        self.Q = Q
        self.T = T
        self.max_order = max_order
        self.average = average
        self.oversampling = oversampling
        self.out_type = out_type
        self.backend = backend
        self.max_memory = max_memory

    def _grid_of_shape(self):
        shape = self.shape
        if isinstance(shape, tuple) and len(shape) == 1:
            shape = shape[0]
        if isinstance(shape, bool) or not isinstance(shape, (int, np.integer)):
            raise ValueError(f"shape must be an integer N or a 1-tuple (N,), got {self.shape!r}")
        return (int(shape),)

    def _inferred_grid(self, n_features):
        return (n_features,)
