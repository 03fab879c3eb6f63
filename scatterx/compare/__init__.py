"""Compare networks on a data set: accuracy, invariance, stability, energy and cost side by side.

    rows = compare(["families", "kymatio"], "digits", "out/", CompareOptions(train=1000))
    scatterx compare families kymatio --dataset fashion-mnist --train 10000 --out out/

For each configuration (a :class:`~scatterx.Network`, its ``to_dict()`` or
the path of that JSON, a Kymatio-compatible frontend, or a preset name that
expands to several: :mod:`~scatterx.compare.presets`), :func:`compare`

1. extracts the features of the training and test sets (batches of
   ``batch`` items, a progress bar, NumPy or torch backend) and times it,
   the filters rendered beforehand by a warm-up batch
   (:mod:`~scatterx.compare.runner`);
2. standardises them (first, optionally, the log transform of
   :func:`transform_features`; then, optionally, a PCA to ``pca``
   components) and fits the classifier, choosing its regularisation on a
   validation split: a stratified random ``val_fraction`` of the training
   set (seed ``seed``; of a stratified subset of ``search_max`` items when
   given) (:mod:`~scatterx.compare.selection`).  The grids
   (:data:`CLASSIFIERS`):

   ============  ====================================================  =======================
   classifier    estimator                                             searched
   ============  ====================================================  =======================
   logreg        ``LogisticRegression`` (multinomial, lbfgs)           C ∈ {0.001, 0.01, 0.1, 1}
   linear-svm    ``LinearSVC`` (squared hinge, one-vs-rest)            C ∈ {0.001, 0.01, 0.1}
   svm-rbf       ``SVC`` (RBF kernel, γ = 1/(n_features·var))          C ∈ {1, 10, 100}
   ============  ====================================================  =======================

   The chosen value is refitted on the whole training set and scored on the
   test set (accuracy); the learning curve refits it on the first
   fractions ``curve`` of the shuffled training set;
3. for :class:`~scatterx.Network` configurations, measures through
   ``scatterx.theory`` (:func:`theory_measures`): the admissibility table
   (max_n max(B_n, B_n L_n² R_n²)); on ``n_theory`` test images,
   translation invariance per layer, |||Φ^n(T_t f) − Φ^n(f)||| /
   |||Φ^n(f)||| for a shift of ``shift`` samples along the first axis
   (median over the images), with Theorem 1's quantity |||Φ^n(T_t f) −
   Φ^n(f)||| / ‖f‖ against its bound; the deformation ratio |||Φ(F_τ f) −
   Φ(f)||| / ‖F_τ f − f‖ (≤ 1 by non-expansiveness) and Theorem 2's
   empirical constant C for the images projected to the band |ν| ≤ 1/8 and
   smooth deformations with ‖Dτ‖_∞ ≤ 1/(2d); and the energy per layer,
   |||Φ^n f|||² / ‖f‖² (mean).  Kymatio frontends and the pixels are not
   :class:`~scatterx.Network` objects: these columns are empty for them.

Writes ``DIR/results.md`` (the set-up, one table, notes),
``DIR/results.json`` (every number, the set-up: command, machine, versions,
date) and the figures ``accuracy_vs_cost.png``, ``learning_curve.png``,
``invariance_vs_depth.png`` (:mod:`~scatterx.compare.report`).  The options
of a run are one :class:`CompareOptions`.
"""

from .cli import main, register_cli
from .options import CompareOptions
from .presets import CURVELET_RIDGELET_NOTE, PRESETS, Config, Pixels, configurations, preset
from .report import series_styles, table, write_figures, write_report
from .runner import compare, theory_measures
from .selection import CLASSIFIERS, FEATURE_TRANSFORMS, LOG_EPS, estimator, fit_and_score, transform_features

__all__ = [
    "compare",
    "CompareOptions",
    "preset",
    "PRESETS",
    "Config",
    "Pixels",
    "configurations",
    "CURVELET_RIDGELET_NOTE",
    "CLASSIFIERS",
    "FEATURE_TRANSFORMS",
    "LOG_EPS",
    "transform_features",
    "estimator",
    "fit_and_score",
    "theory_measures",
    "table",
    "write_report",
    "write_figures",
    "series_styles",
    "register_cli",
    "main",
]
