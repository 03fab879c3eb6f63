"""The options of one comparison run: data subset, extraction, classifier, theory columns, report."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, fields, replace

from frames._checks import positive_int

from .selection import CLASSIFIERS, FEATURE_TRANSFORMS

__all__ = ["CompareOptions"]


def _optional_positive_int(value, name):
    return None if value is None else positive_int(value, name)


@dataclass(frozen=True)
class CompareOptions:
    """How :func:`~scatterx.compare.compare` runs; every field has the ``scatterx compare`` flag's default.

    Attributes
    ----------
    train, test : int, optional
        Keep a stratified random subset of that many items (``seed``); None keeps all.
    classifier : {'logreg', 'linear-svm', 'svm-rbf'}
        See :data:`~scatterx.compare.CLASSIFIERS`.
    search : tuple of float, optional
        The hyper-parameter values tried on the validation split (default:
        the classifier's grid in :data:`~scatterx.compare.CLASSIFIERS`).  One
        value fixes it: no validation fit.
    tol : float
        Convergence tolerance of the logistic regression (lbfgs): 1e-3 keeps
        full-split runs short; the demo uses scikit-learn's default 1e-4.
    val_fraction : float in (0, 1)
        Share of the training set held out to choose the hyper-parameter.
    search_max : int, optional
        Choose the hyper-parameter on a stratified subset of this many
        training items (split again by ``val_fraction``); the final fit
        always uses the whole training set.
    curve : tuple of float
        Fractions of the training set for the learning curve (the full set is added).
    features : tuple of {'raw', 'log'}
        Transforms of the features, each fitted on the same extraction
        (:func:`~scatterx.compare.transform_features`; rows named ``'<config> + log'``).
    pca : int, optional
        Project the standardised features on their first ``pca`` principal
        components (fitted on the training features) before the classifier:
        what makes an RBF SVM on all 60,000 Fashion-MNIST images fit in
        minutes on 2 cores.
    fit_threads : int, optional
        BLAS threads of the classifier (None: the library's default).
    backend : {'numpy', 'torch'}; device : str
        Where the features are extracted (``device``: a torch device).
    batch : int
        Items per extraction batch.
    n_theory : int
        Test images behind the invariance, deformation and energy columns;
        0 keeps only the admissibility column.
    shift : float
        The translation of the invariance column, in samples along axis 0.
    seed : int
        Seed of the subsets, the validation split, the learning curve and the classifiers.
    data_path : str, optional
        The Fashion-MNIST folder (the ``--data-path`` flag), if not the default.
    progress : bool
        Progress bars (extraction and classifier fits) and one line per row on stderr.
    command : str, optional
        The command recorded in the report (default: this process's command line).
    notes : tuple of str
        Paragraphs (Markdown) added under the report's table.
    """

    train: int | None = None
    test: int | None = None
    classifier: str = "logreg"
    search: tuple | None = None
    tol: float = 1e-3
    val_fraction: float = 0.2
    search_max: int | None = None
    curve: tuple = (0.125, 0.25, 0.5)
    features: tuple = ("raw",)
    pca: int | None = None
    fit_threads: int | None = 1
    backend: str = "numpy"
    device: str = "cpu"
    batch: int = 256
    n_theory: int = 8
    shift: float = 2
    seed: int = 0
    data_path: str | None = None
    progress: bool = True
    command: str | None = None
    notes: tuple = ()

    def __post_init__(self):
        if self.classifier not in CLASSIFIERS:
            raise ValueError(f"classifier must be one of {', '.join(CLASSIFIERS)}, got {self.classifier!r}")
        if self.backend not in ("numpy", "torch"):
            raise ValueError(f"backend must be 'numpy' or 'torch', got {self.backend!r}")
        if not (isinstance(self.tol, numbers.Real) and 0 < self.tol < 1):
            raise ValueError(f"tol must be in (0, 1), got {self.tol!r}")
        if not (isinstance(self.val_fraction, numbers.Real) and 0 < self.val_fraction < 1):
            raise ValueError(f"val_fraction must be in (0, 1), got {self.val_fraction!r}")
        features = (self.features,) if isinstance(self.features, str) else tuple(self.features)
        for name in features:
            if name not in FEATURE_TRANSFORMS:
                raise ValueError(f"features must hold 'raw' and/or 'log', got {name!r}")
        curve = tuple(float(f) for f in self.curve)
        for f in curve:
            if not 0 < f < 1:
                raise ValueError(f"curve fractions must be in (0, 1) (the full set is added), got {f}")
        search = None if self.search is None else tuple(float(v) for v in self.search)
        if search is not None and (not search or not all(math.isfinite(v) and v > 0 for v in search)):
            raise ValueError(f"search must hold positive finite values, got {self.search!r}")
        notes = (self.notes,) if isinstance(self.notes, str) else tuple(self.notes)
        normalised = dict(
            train=_optional_positive_int(self.train, "train"),
            test=_optional_positive_int(self.test, "test"),
            search_max=_optional_positive_int(self.search_max, "search_max"),
            pca=_optional_positive_int(self.pca, "pca"),
            fit_threads=_optional_positive_int(self.fit_threads, "fit_threads"),
            batch=positive_int(self.batch, "batch"),
            n_theory=positive_int(self.n_theory, "n_theory", minimum=0),
            features=features,
            curve=curve,
            search=search,
            notes=notes,
        )
        for name, value in normalised.items():
            object.__setattr__(self, name, value)

    @property
    def parameter(self):
        """The name of the classifier's searched hyper-parameter (``'C'``)."""
        return CLASSIFIERS[self.classifier][0]

    @property
    def search_values(self):
        """The hyper-parameter values tried: ``search``, else the classifier's grid."""
        return self.search if self.search is not None else CLASSIFIERS[self.classifier][1]

    def replace(self, **changes):
        """A copy with ``changes`` (validated again)."""
        return replace(self, **changes)

    def as_dict(self):
        """The options as a JSON-ready dict (the report's set-up)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}
