"""A scikit-learn transformer: scattering features of flat rows.

    from sklearn.pipeline import make_pipeline
    from sklearn.linear_model import LogisticRegression
    model = make_pipeline(ScatteringTransformer(shape=(8, 8)), LogisticRegression())

scikit-learn gives samples as rows ``(n_samples, n_features)``; each row is
one signal on the grid ``shape`` (C order), so ``n_features = prod(shape)``.
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted, validate_data

import frames as _frames

from .network import Module, Network

__all__ = ["ScatteringTransformer"]

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
