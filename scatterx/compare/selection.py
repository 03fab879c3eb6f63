"""Model selection: the feature transforms, the classifiers and the search of their regularisation.

For one configuration's features, :func:`fit_and_score` standardises them
(optionally after :func:`transform_features` and before a PCA), chooses the
classifier's hyper-parameter on a stratified validation split of the
training set, refits the chosen value on the whole training set, scores it
on the test set and draws the learning curve.
"""

from __future__ import annotations

import sys
import time
import warnings

import numpy as np

__all__ = ["CLASSIFIERS", "FEATURE_TRANSFORMS", "LOG_EPS", "transform_features", "estimator", "fit_and_score"]

#: classifier name → (hyper-parameter name, values searched on the validation split)
CLASSIFIERS = {
    "logreg": ("C", (0.001, 0.01, 0.1, 1.0)),
    "linear-svm": ("C", (0.001, 0.01, 0.1)),
    "svm-rbf": ("C", (1.0, 10.0, 100.0)),
}
#: relative offset of the log transform: ε = LOG_EPS × mean |training feature|.  Chosen on
#: Fashion-MNIST's validation split (Morlet J=2 L=8 features, logistic regression):
#: 0.9217 at 0.1 against 0.9211 at 0.01 (docs/results.md).
LOG_EPS = 0.1
#: the feature transforms of :func:`transform_features`
FEATURE_TRANSFORMS = ("raw", "log")


def transform_features(name, f_train, f_test):
    """Features as the classifier sees them: ``'raw'``, or ``'log'``: sign(f) log(1 + |f|/ε).

    ε = :data:`LOG_EPS` × the mean |f| over the training features.  For the
    non-negative outputs of a modulus network this is log(f + ε) up to a
    constant (which standardisation removes): the log-scattering of Bruna
    and Mallat, which turns products of the factors of variation into sums
    that a linear classifier separates better.  The signed form keeps it
    defined for ReLU, tanh or complex (real and imaginary parts) features.
    """
    if name == "raw":
        return f_train, f_test
    if name not in FEATURE_TRANSFORMS:
        raise ValueError(f"feature transform must be 'raw' or 'log', got {name!r}")
    eps = LOG_EPS * float(np.mean(np.abs(f_train), dtype=np.float64))
    if not eps > 0:
        raise ValueError("the log transform needs non-zero training features; all are 0")
    return tuple(np.sign(f) * np.log1p(np.abs(f) / eps) for f in (f_train, f_test))


def estimator(classifier, value, seed, tol=1e-3):
    """The scikit-learn estimator of :data:`CLASSIFIERS` ``classifier`` with hyper-parameter ``value``.

    ============  ====================================================
    classifier    estimator
    ============  ====================================================
    logreg        ``LogisticRegression`` (multinomial, lbfgs, tolerance ``tol``)
    linear-svm    ``LinearSVC`` (squared hinge, one-vs-rest)
    svm-rbf       ``SVC`` (RBF kernel, γ = 1/(n_features·var))
    ============  ====================================================
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import SVC, LinearSVC

    if classifier == "logreg":
        return LogisticRegression(C=value, max_iter=1000, tol=tol, random_state=seed)
    if classifier == "linear-svm":
        return LinearSVC(C=value, dual="auto", max_iter=5000, random_state=seed)
    if classifier == "svm-rbf":
        return SVC(C=value, kernel="rbf", gamma="scale", random_state=seed)
    raise ValueError(f"classifier must be one of {', '.join(CLASSIFIERS)}, got {classifier!r}")


def _preprocessor(pca, seed):
    """Standardisation, then (``pca``) a PCA to that many components, both fitted on the training features."""
    from sklearn.decomposition import PCA
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return StandardScaler() if pca is None else make_pipeline(StandardScaler(), PCA(pca, random_state=seed))


def _fitted(classifier, value, options, f, y):
    """(preprocessor, classifier), both fitted on features ``f`` with labels ``y``."""
    prep = _preprocessor(options.pca, options.seed).fit(f)
    return prep, estimator(classifier, value, options.seed, options.tol).fit(prep.transform(f), y)


def fit_and_score(f_train, y_train, f_test, y_test, options, *, desc=None):
    """Choose the hyper-parameter, refit on the whole training set, score on the test set; the learning curve.

    ``options`` (a :class:`~scatterx.compare.CompareOptions`) gives the
    classifier and its searched values (``search``, default
    :data:`CLASSIFIERS`), ``val_fraction``, ``search_max``, ``curve``,
    ``pca``, ``seed``, ``fit_threads`` and ``progress``.  With one searched
    value there is nothing to choose and no validation fit.  Every fit is a
    step of a progress bar on stderr (``desc``).

    The BLAS under the classifier runs ``fit_threads`` threads: on a small
    shared machine more threads than free cores make OpenBLAS spin
    (``docs/results.md`` gives a measured case).

    Returns
    -------
    dict with ``accuracy`` (test), ``best`` (the chosen value),
    ``validation`` (value → validation accuracy, as strings → floats),
    ``fit_s`` (seconds of the final fit) and ``curve`` ([(training items,
    test accuracy)], the full training set last).
    """
    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_limits
    from tqdm.auto import tqdm

    values = list(options.search_values)
    curve = [int(round(frac * len(y_train))) for frac in options.curve]
    steps = (len(values) if len(values) > 1 else 0) + 1 + len(curve)
    bar = tqdm(total=steps, desc=desc, unit="fit", leave=False, file=sys.stderr, disable=not options.progress)
    with bar, threadpool_limits(options.fit_threads), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = _search(values, f_train, y_train, options, bar)
        best = max(values, key=lambda v: (search.get(v, 0.0), -values.index(v)))
        t0 = time.perf_counter()
        prep, clf = _fitted(options.classifier, best, options, f_train, y_train)
        fit_s = time.perf_counter() - t0
        accuracy = float(clf.score(prep.transform(f_test), y_test))
        bar.update()
        shuffled = np.random.default_rng(options.seed).permutation(len(y_train))
        points = []
        for n in curve:
            idx = shuffled[:n]
            if len(np.unique(y_train[idx])) >= 2:
                prep, clf = _fitted(options.classifier, best, options, f_train[idx], y_train[idx])
                points.append((n, float(clf.score(prep.transform(f_test), y_test))))
            bar.update()
    points.append((len(y_train), accuracy))
    return {
        "accuracy": accuracy,
        "best": best,
        "validation": {str(k): v for k, v in search.items()},
        "fit_s": fit_s,
        "curve": points,
    }


def _search(values, f_train, y_train, options, bar):
    """Validation accuracy of each value: fitted on a stratified split of (a subset of) the training set."""
    from sklearn.model_selection import train_test_split

    if len(values) == 1:
        return {}
    seed = options.seed
    order = np.arange(len(y_train))
    if options.search_max is not None and options.search_max < len(order):
        order, _ = train_test_split(order, train_size=options.search_max, stratify=y_train, random_state=seed)
    fit_idx, val_idx = train_test_split(
        order, test_size=options.val_fraction, stratify=y_train[order], random_state=seed
    )
    search = {}
    for v in values:
        prep, clf = _fitted(options.classifier, v, options, f_train[fit_idx], y_train[fit_idx])
        search[v] = float(clf.score(prep.transform(f_train[val_idx]), y_train[val_idx]))
        bar.update()
    return search
