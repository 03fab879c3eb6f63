"""Compare networks on a data set: accuracy, invariance, stability, energy and cost side by side.

    rows = compare(["families", "kymatio"], "digits", "out/")
    scatterx compare families kymatio --dataset fashion-mnist --train 10000 --out out/

For each configuration (a :class:`~scatterx.Network`, its ``to_dict()`` or
the path of that JSON, a Kymatio-compatible frontend, or a preset name that
expands to several), :func:`compare`

1. extracts the features of the training and test sets (batches of
   ``batch`` items, a progress bar, NumPy or torch backend) and times it
   (images/s, the filters rendered beforehand by a warm-up batch);
2. standardises them (mean and variance of the training features; first,
   optionally, the log transform of :func:`transform_features`; then,
   optionally, a PCA to ``pca`` components) and fits the classifier,
   choosing its regularisation on a validation split: a
   stratified random ``val_fraction`` of the training set (seed ``seed``;
   of a stratified subset of ``search_max`` items when given).  The grids
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
3. for :class:`~scatterx.Network` configurations, measures on ``n_theory``
   test images, through ``scatterx.theory``: the admissibility table
   (max_n max(B_n, B_n L_n² R_n²)); translation invariance per layer,
   |||Φ^n(T_t f) − Φ^n(f)||| / |||Φ^n(f)||| for a shift of ``shift``
   samples along the first axis (median over the images), with Theorem 1's
   quantity |||Φ^n(T_t f) − Φ^n(f)||| / ‖f‖ against its bound; the
   deformation ratio |||Φ(F_τ f) − Φ(f)||| / ‖F_τ f − f‖ (≤ 1 by
   non-expansiveness) and Theorem 2's empirical constant C for the images
   projected to the band |ν| ≤ 1/8 and smooth deformations with
   ‖Dτ‖_∞ ≤ 1/(2d); and the energy per layer, |||Φ^n f|||² / ‖f‖² (mean).
   Kymatio frontends are not :class:`~scatterx.Network` objects: these
   columns are empty for them.

Writes ``DIR/results.md`` (one table, the set-up), ``DIR/results.json``
(every number, the set-up: command, machine, versions, date) and the figures
``accuracy_vs_cost.png``, ``learning_curve.png``, ``invariance_vs_depth.png``.

Presets (:func:`preset`, expanded for the data set's grid):

* ``families`` — one architecture, each frame family: two modules with the
  modulus, the first without pooling and the second sub-sampling by 2,
  frequency-decreasing paths, features sub-sampled to a quarter of the grid
  per axis (``feature_grid = shape / 4``: 7×7 on Fashion-MNIST, as
  Kymatio's J=2 output), rescaled to be admissible.  2-D: Morlet (J=2, L=8),
  Gabor (4×4 lattice, real-input half), PyWavelets haar / db4 / bior2.2
  (J=2), shearlet, curvelet, ridgelet (J=2).  1-D (MNIST-1D): Morlet (J=3,
  Q=4), Gabor (16 frequencies), haar / db4 / bior2.2 (J=3); the directional
  families are 2-D only.  At J=2 the curvelet and ridgelet banks coincide
  (4 then 8 directions; the two scalings first differ at the third scale),
  so their rows are equal: J=3 does not fit the last layer's 14×14 grid
  on Fashion-MNIST (those families need 2^(J+1) ≤ the grid).
* ``icml2016`` — the grid of Wiatowski et al. (ICML 2016): Haar wavelets,
  3 scales × 3 directions (``frames.pywavelet('haar', J=3)``), depth 2
  (layers 0–2), frequency-decreasing paths; non-linearity ∈ {modulus, ReLU,
  tanh, shifted sigmoid} × pooling between layers 1 and 2 ∈ {none,
  sub-sampling 2, max 2×2, average 2×2} — the pooling operator P_1 of the
  first module, which acts on the maps that the second layer filters; the
  second module does not pool.  ``feature_grid = shape / 4``; admissible.
  16 configurations (2-D data only).
* ``kymatio`` — ``sx.Scattering2D(J, shape, L=8)`` for J = 2 and 3 (1-D:
  ``sx.Scattering1D(J, shape, Q=1)``), the Kymatio baseline rows.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import shlex
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._batches import in_batches

__all__ = ["compare", "preset", "PRESETS", "CLASSIFIERS", "Config", "register_cli", "main"]

#: classifier name → (hyper-parameter name, values searched on the validation split)
CLASSIFIERS = {
    "logreg": ("C", (0.001, 0.01, 0.1, 1.0)),
    "linear-svm": ("C", (0.001, 0.01, 0.1)),
    "svm-rbf": ("C", (1.0, 10.0, 100.0)),
}
PRESETS = ("families", "icml2016", "kymatio")
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


@dataclass
class Config:
    """One compared feature extractor: a name, the extractor, and its family (for the figures)."""

    name: str
    extractor: object
    family: str = ""


# ================================================================== presets
def _two_layer(frame, shape):
    """The ``families`` architecture: modulus; no pooling, then sub-sampling by 2; features on shape / 4."""
    import scatterx as sx

    net = sx.Network(
        [sx.Module(frame, sx.Modulus()), sx.Module(frame, sx.Modulus(), sx.Subsample(2))],
        shape=shape,
        prune="frequency-decreasing",
        feature_grid=_feature_grid(shape),
    )
    return net.admissible()


def _feature_grid(shape):
    if any(s % 4 for s in shape):
        raise ValueError(
            f"the presets need a grid divisible by 4 on every axis (features on shape / 4), got {tuple(shape)}"
        )
    return tuple(s // 4 for s in shape)


def preset(name, shape):
    """The configurations of preset ``name`` for items of grid ``shape``: a list of :class:`Config`."""
    import frames
    import scatterx as sx

    shape = tuple(int(s) for s in shape)
    d = len(shape)
    if name == "families":
        if d == 2:
            fams = [
                ("morlet J=2 L=8", "morlet", frames.morlet(J=2, L=8)),
                ("gabor 4×4", "gabor", frames.gabor((4, 4), real_input=True)),
                ("haar J=2", "pywavelet haar", frames.pywavelet("haar", J=2)),
                ("db4 J=2", "pywavelet db4", frames.pywavelet("db4", J=2)),
                ("bior2.2 J=2", "pywavelet bior2.2", frames.pywavelet("bior2.2", J=2)),
                ("shearlet J=2", "shearlet", frames.shearlet(J=2)),
                ("curvelet J=2", "curvelet", frames.curvelet(J=2)),
                ("ridgelet J=2", "ridgelet", frames.ridgelet(J=2)),
            ]
        elif d == 1:
            fams = [
                ("morlet J=3 Q=4", "morlet", frames.morlet(J=3, Q=4)),
                ("gabor 16", "gabor", frames.gabor(ndim=1)),
                ("haar J=3", "pywavelet haar", frames.pywavelet("haar", J=3, ndim=1)),
                ("db4 J=3", "pywavelet db4", frames.pywavelet("db4", J=3, ndim=1)),
                ("bior2.2 J=3", "pywavelet bior2.2", frames.pywavelet("bior2.2", J=3, ndim=1)),
            ]
        else:
            raise ValueError(f"preset 'families' is defined for 1-D and 2-D data, got a {d}-D grid {shape}")
        return [Config(label, _two_layer(f, shape), family) for label, family, f in fams]
    if name == "icml2016":
        if d != 2:
            raise ValueError(f"preset 'icml2016' is defined for 2-D images, got a {d}-D grid {shape}")
        haar = frames.pywavelet("haar", J=3)
        out = []
        for mname, M in (
            ("modulus", sx.Modulus()),
            ("ReLU", sx.ReLU()),
            ("tanh", sx.Tanh()),
            ("sigmoid", sx.Sigmoid()),
        ):
            for pname, P in (
                ("none", sx.NoPooling()),
                ("sub-sampling 2", sx.Subsample(2)),
                ("max 2×2", sx.MaxPool(2)),
                ("average 2×2", sx.Average(2)),
            ):
                net = sx.Network(
                    [sx.Module(haar, M, P), sx.Module(haar, M, sx.NoPooling())],
                    shape=shape,
                    prune="frequency-decreasing",
                    feature_grid=_feature_grid(shape),
                ).admissible()
                out.append(Config(f"haar J=3, {mname}, {pname}", net, mname))
        return out
    if name == "kymatio":
        if d == 2:
            return [
                Config(f"Kymatio Scattering2D J={J} L=8", sx.Scattering2D(J=J, shape=shape, L=8), "kymatio")
                for J in (2, 3)
            ]
        if d == 1:
            return [
                Config(f"Kymatio Scattering1D J={J} Q=1", sx.Scattering1D(J=J, shape=shape, Q=1), "kymatio")
                for J in (2, 3)
            ]
        raise ValueError(f"preset 'kymatio' is defined for 1-D and 2-D data, got a {d}-D grid {shape}")
    raise ValueError(f"unknown preset {name!r}; known: {', '.join(PRESETS)}")


def _configs(configs, shape):
    """Normalise ``configs`` into a list of :class:`Config` (presets expanded, JSON files read)."""
    from .extract import as_network
    from .kymatio import Scattering1D, Scattering2D
    from .network import Network

    if isinstance(configs, (str, os.PathLike, Network, dict, Config)):
        configs = [configs]
    out = []
    for i, c in enumerate(configs):
        if isinstance(c, Config):
            out.append(c)
        elif isinstance(c, tuple) and len(c) == 2:
            out += [Config(str(c[0]), e.extractor, e.family) for e in _configs([c[1]], shape)]
        elif isinstance(c, str) and c in PRESETS:
            out += preset(c, shape)
        elif isinstance(c, (Scattering1D, Scattering2D)):
            out.append(Config(f"{type(c).__name__} J={c.J}", c, "kymatio"))
        elif isinstance(c, (str, os.PathLike)):
            path = Path(c)
            if not path.is_file():
                raise ValueError(f"config {str(c)!r} is neither a preset ({', '.join(PRESETS)}) nor a JSON file")
            net = as_network(path)
            out.append(Config(path.stem, net, net.modules[0].frame.to_dict().get("family", "")))
        elif isinstance(c, (Network, dict)):
            net = as_network(c)
            out.append(Config(f"config {i}", net, net.modules[0].frame.to_dict().get("family", "")))
        else:
            raise TypeError(
                f"configs[{i}] must be a preset name, a Network, its to_dict(), a JSON path or "
                f"a Scattering1D/2D, got {type(c).__name__}"
            )
    for c in out:
        net_shape = tuple(getattr(c.extractor, "shape", shape))
        if net_shape != tuple(shape):
            raise ValueError(
                f"config {c.name!r} is built for the grid {net_shape}, the data set's items are {tuple(shape)}"
            )
    names = [c.name for c in out]
    for c in out:
        if names.count(c.name) > 1:
            raise ValueError(f"two configurations are named {c.name!r}; give them distinct names")
    return out


# ================================================================== extraction
# ================================================================== classifier
def _estimator(classifier, value, seed):
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import SVC, LinearSVC

    if classifier == "logreg":
        return LogisticRegression(C=value, max_iter=1000, tol=1e-3, random_state=seed)
    if classifier == "linear-svm":
        return LinearSVC(C=value, dual="auto", max_iter=5000, random_state=seed)
    return SVC(C=value, kernel="rbf", gamma="scale", random_state=seed)


def _fit(
    classifier,
    values,
    f_train,
    y_train,
    f_test,
    y_test,
    val_fraction,
    curve,
    seed,
    fit_threads,
    search_max=None,
    pca=None,
):
    """Standardise, choose the hyper-parameter on the validation split, refit, score; and the learning curve.

    The BLAS under the classifier runs ``fit_threads`` threads: on a small
    shared machine more threads than free cores make OpenBLAS spin (a
    logistic regression on 4,000 × 1,813 features took 40 s with 2 threads
    and 2.5 s with 1 on the 2-core machine under load).
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(fit_threads):
        return _fit_search(
            classifier, values, f_train, y_train, f_test, y_test, val_fraction, curve, seed, search_max, pca
        )


def _preprocessor(pca, seed):
    """Standardisation, then (``pca``) a PCA to that many components, both fitted on the training features."""
    from sklearn.decomposition import PCA
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return StandardScaler() if pca is None else make_pipeline(StandardScaler(), PCA(pca, random_state=seed))


def _fit_search(classifier, values, f_train, y_train, f_test, y_test, val_fraction, curve, seed, search_max, pca=None):
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import train_test_split

    order = np.arange(len(y_train))
    if search_max is not None and search_max < len(order):
        order, _ = train_test_split(order, train_size=search_max, stratify=y_train, random_state=seed)
    fit_idx, val_idx = train_test_split(order, test_size=val_fraction, stratify=y_train[order], random_state=seed)
    search = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        scaler = _preprocessor(pca, seed).fit(f_train[fit_idx])
        a, b = scaler.transform(f_train[fit_idx]), scaler.transform(f_train[val_idx])
        for v in values:
            search[v] = float(_estimator(classifier, v, seed).fit(a, y_train[fit_idx]).score(b, y_train[val_idx]))
        best = max(values, key=lambda v: (search[v], -values.index(v)))
        t0 = time.perf_counter()
        scaler = _preprocessor(pca, seed).fit(f_train)
        clf = _estimator(classifier, best, seed).fit(scaler.transform(f_train), y_train)
        fit_s = time.perf_counter() - t0
        accuracy = float(clf.score(scaler.transform(f_test), y_test))
        shuffled = np.random.default_rng(seed).permutation(len(y_train))
        points = []
        for frac in curve:
            n = int(round(frac * len(y_train)))
            idx = shuffled[:n]
            if len(np.unique(y_train[idx])) < 2:
                continue
            s = _preprocessor(pca, seed).fit(f_train[idx])
            c = _estimator(classifier, best, seed).fit(s.transform(f_train[idx]), y_train[idx])
            points.append((n, float(c.score(s.transform(f_test), y_test))))
    points.append((len(y_train), accuracy))
    return {
        "accuracy": accuracy,
        "best": best,
        "validation": {str(k): v for k, v in search.items()},
        "fit_s": fit_s,
        "curve": points,
    }


# ================================================================== theory columns
def _theory_measures(net, images, shift):
    """The invariance, deformation and energy columns, through ``scatterx.theory`` (one place to adapt)."""
    from . import theory

    t = (float(shift),) + (0.0,) * (net.ndim - 1)
    table = theory.admissibility(net)
    energy = theory.energy_propagation(net, images)
    rel, thm, bound = [], [], None
    for f in images:
        r = theory.translation_invariance(net, f[None], shifts=[t])
        thm.append(r.measured[:, 0])
        bound = r.bound[:, 0]
        layer = np.sqrt(theory.energy_propagation(net, f[None]).feature[:, 0])
        with np.errstate(divide="ignore", invalid="ignore"):
            rel.append(
                np.where(
                    layer > 0, r.measured[:, 0] * math.sqrt(float(np.sum(f.astype(np.float64) ** 2))) / layer, np.nan
                )
            )
    deform = theory.deformation_sensitivity(net, images, n_signals=0, tau_fractions=(0.5, 1.0), omega_sups=(0.0,))
    with np.errstate(divide="ignore", invalid="ignore"):
        dratio = deform.feature_change / deform.signal_change
    return {
        "admissibility": float(table.worst),
        "bounds": [{"layer": r.layer, "A": r.A, "B": r.B, "L": r.L, "R": r.R, "S": r.S} for r in table.rows],
        "shift": list(t),
        "invariance": [float(v) for v in np.nanmedian(np.array(rel), axis=0)],
        "invariance_theorem": [float(v) for v in np.max(np.array(thm), axis=0)],
        "invariance_bound": [float(v) for v in bound],
        "deformation_ratio": float(np.nanmedian(dratio)),
        "deformation_C": float(deform.C),
        "decoupling_holds": bool(deform.decoupling_holds),
        "energy": [float(v) for v in np.mean(energy.feature / energy.norm2, axis=1)],
    }


# ================================================================== the comparison
def compare(
    configs,
    dataset,
    out_dir,
    train=None,
    test=None,
    classifier="logreg",
    *,
    backend="numpy",
    device="cpu",
    batch=256,
    seed=0,
    val_fraction=0.2,
    curve=(0.125, 0.25, 0.5),
    n_theory=8,
    shift=2,
    search_max=None,
    fit_threads=1,
    features=("raw",),
    pca=None,
    progress=True,
    command=None,
    path=None,
):
    """Compare feature extractors on a data set; write ``results.md``, ``results.json`` and figures.

    Parameters
    ----------
    configs : list
        Preset names (:data:`PRESETS`), Networks, their ``to_dict()``,
        paths of that JSON, ``sx.Scattering1D/2D`` objects, :class:`Config`
        or ``(name, config)`` pairs.
    dataset : str or datasets.Dataset
        A name of ``scatterx.datasets.DATASETS`` or a loaded data set.
    out_dir : path
    train, test : int, optional
        Stratified random subsets of that many items (``seed``).
    classifier : {'logreg', 'linear-svm', 'svm-rbf'}
        See :data:`CLASSIFIERS` for the searched values.
    backend : {'numpy', 'torch'}; device : torch device for ``backend='torch'``
    batch : items per extraction batch
    val_fraction : share of the training set held out to choose the hyper-parameter
    search_max : int, optional
        Choose the hyper-parameter on a stratified subset of this many
        training items (split again by ``val_fraction``) rather than on all
        of them; the final fit always uses the whole training set.
    curve : fractions of the training set for the learning curve (the full set is added)
    n_theory : test images used for the invariance, deformation and energy columns
    shift : the translation of the invariance column, in samples along axis 0
    fit_threads : BLAS threads of the classifier (None: the library's default)
    features : transforms of the features, each fitted separately on the same
        extraction: ``'raw'`` and/or ``'log'`` (:func:`transform_features`;
        rows named ``'<config> + log'``)
    pca : int, optional
        Project the standardised features on their first ``pca`` principal
        components (fitted on the training features) before the classifier:
        what makes an RBF SVM on all 60,000 Fashion-MNIST images fit in
        minutes on 2 cores
    command : str, recorded in the outputs (default: this process's command line)
    path : the Fashion-MNIST folder, if not the default

    Returns
    -------
    list of dict, one row per configuration (as in ``results.json``).
    """
    from . import datasets
    from .network import Network

    if classifier not in CLASSIFIERS:
        raise ValueError(f"classifier must be one of {', '.join(CLASSIFIERS)}, got {classifier!r}")
    if backend not in ("numpy", "torch"):
        raise ValueError(f"backend must be 'numpy' or 'torch', got {backend!r}")
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction}")
    features = (features,) if isinstance(features, str) else tuple(features)
    for name in features:
        if name not in FEATURE_TRANSFORMS:
            raise ValueError(f"features must hold 'raw' and/or 'log', got {name!r}")
    if pca is not None:
        from ._validate import positive_int

        pca = positive_int(pca, "pca")
    data = datasets.load(dataset, train=train, test=test, seed=seed, path=path)
    configs = _configs(configs, data.shape)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    param, values = CLASSIFIERS[classifier]
    setup = _setup(data, classifier, backend, device, batch, seed, val_fraction, command)
    setup.update(
        search_max=search_max,
        fit_threads=fit_threads,
        curve=list(curve),
        features=list(features),
        log_eps=LOG_EPS,
        pca=pca,
    )
    rows = []
    t_start = time.perf_counter()
    for c in configs:
        ext = c.extractor
        in_batches(
            ext, data.x_test[: min(8, len(data.x_test))], batch=batch, backend=backend, device=device, progress=False
        )  # filters cached
        t0 = time.perf_counter()
        f_train = in_batches(
            ext, data.x_train, batch=batch, backend=backend, device=device, desc=f"{c.name} (train)", progress=progress
        )
        f_test = in_batches(
            ext, data.x_test, batch=batch, backend=backend, device=device, desc=f"{c.name} (test)", progress=progress
        )
        extract_s = time.perf_counter() - t0
        common = {
            "family": c.family,
            "n_features": int(f_train.shape[1]),
            "images_per_s": (len(f_train) + len(f_test)) / extract_s,
            "extract_s": extract_s,
        }
        if isinstance(ext, Network):
            imgs = np.asarray(data.x_test[:n_theory], dtype=np.float64)
            common.update(_theory_measures(ext, imgs, shift))
            common["config"] = ext.to_dict()
        else:
            common["config"] = {
                "frontend": type(ext).__name__,
                "J": ext.J,
                "shape": list(ext.shape),
                **({"L": ext.L} if hasattr(ext, "L") else {"Q": getattr(ext, "Q", None)}),
            }
        if pca is not None and pca > min(f_train.shape):
            raise ValueError(
                f"pca={pca} components for {c.name!r}: expected at most min(training items, "
                f"features) = {min(f_train.shape)}"
            )
        for transform in features:
            t_train, t_test = transform_features(transform, f_train, f_test)
            fit = _fit(
                classifier,
                list(values),
                t_train,
                data.y_train,
                t_test,
                data.y_test,
                val_fraction,
                curve,
                seed,
                fit_threads,
                search_max,
                pca,
            )
            row = {
                "name": c.name if transform == "raw" else f"{c.name} + {transform}",
                "features": transform,
                **common,
                "accuracy": fit["accuracy"],
                param: fit["best"],
                "validation": fit["validation"],
                "fit_s": fit["fit_s"],
                "curve": fit["curve"],
            }
            rows.append(row)
            if progress:
                print(
                    f"{row['name']}: accuracy {row['accuracy']:.4f}, {row['n_features']} features, "
                    f"{row['images_per_s']:.0f} images/s",
                    file=sys.stderr,
                )
        # Rewritten after every configuration: an interrupted run keeps what finished.
        setup.update(
            wall_s=time.perf_counter() - t_start,
            complete=len(rows) == len(configs) * len(features),
            configurations=len(configs) * len(features),
        )
        _write(out_dir, setup, rows, param)
    return rows


def _setup(data, classifier, backend, device, batch, seed, val_fraction, command):
    import scipy
    import sklearn

    import scatterx

    versions = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "scatterx": scatterx.__version__,
    }
    if backend == "torch":
        import torch

        versions["torch"] = torch.__version__
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count()
    param, values = CLASSIFIERS[classifier]
    return {
        "dataset": data.name,
        "description": data.description,
        "shape": list(data.shape),
        "n_train": int(len(data.y_train)),
        "n_test": int(len(data.y_test)),
        "classifier": classifier,
        "search": {param: list(values)},
        "val_fraction": val_fraction,
        "backend": backend,
        "device": device,
        "batch": batch,
        "seed": seed,
        "command": command or " ".join(shlex.quote(a) for a in ["scatterx"] + sys.argv[1:]),
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}, {cores} cores, {platform.system()}",
        "versions": versions,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _fmt(v, spec):
    return "—" if v is None or (isinstance(v, float) and not math.isfinite(v)) else format(v, spec)


def table(rows, param="C"):
    """The Markdown table of ``rows`` (as returned by :func:`compare`)."""
    lines = [
        "| configuration | test accuracy | features | images/s | " + param + " | max(B, BL²R²) | "
        "invariance Φ¹ / Φ² (shift) | deformation ratio | C (Thm 2) | energy Φ⁰ / Φ¹ / Φ² |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        inv = r.get("invariance")
        inv = "—" if inv is None else " / ".join(_fmt(v, ".3f") for v in inv[1:])
        en = r.get("energy")
        en = "—" if en is None else " / ".join(_fmt(v, ".3g") for v in en)
        lines.append(
            f"| {r['name']} | {r['accuracy']:.4f} | {r['n_features']} | {r['images_per_s']:.0f} | "
            f"{r[param]:g} | {_fmt(r.get('admissibility'), '.3f')} | {inv} | "
            f"{_fmt(r.get('deformation_ratio'), '.3f')} | {_fmt(r.get('deformation_C'), '.3g')} | {en} |"
        )
    return "\n".join(lines)


def _write(out_dir, setup, rows, param):
    figures = _figures(out_dir, rows)
    shift = next((r["shift"] for r in rows if "shift" in r), None)
    text = [
        f"# {setup['dataset']}: {len(rows)} configurations, {setup['classifier']}",
        "",
        setup["description"],
        "",
        f"{setup['n_train']} training / {setup['n_test']} test items; standardised features"
        + (
            f" (rows '+ log': sign(f) log(1 + |f|/ε), ε = {setup['log_eps']} × mean |training feature|, "
            "before standardisation)"
            if "log" in setup.get("features", ())
            else ""
        )
        + (f", projected on their first {setup['pca']} principal components" if setup.get("pca") else "")
        + "; "
        f"{setup['classifier']} with {param} chosen among {setup['search'][param]} on a "
        f"{setup['val_fraction']:.0%} stratified validation split of the training set"
        + (
            f" (of a stratified subset of {setup['search_max']} items)"
            if setup["search_max"] and setup["search_max"] < setup["n_train"]
            else ""
        )
        + f", then refitted on all of it; learning curve at fractions {setup['curve']}; BLAS threads "
        f"{setup['fit_threads']}. Backend {setup['backend']} ({setup['device']}), batches of "
        f"{setup['batch']}.",
        "",
        f"Command: `{setup['command']}`",
        "",
        f"Machine: {setup['machine']}; "
        + ", ".join(f"{k} {v}" for k, v in setup["versions"].items())
        + f"; {setup['date']}; wall time {setup['wall_s']:.0f} s"
        + (
            "."
            if setup["complete"]
            else f" (incomplete: {len(rows)} of {setup['configurations']} configurations so far)."
        ),
        "",
        table(rows, param),
        "",
        "images/s: feature extraction of the training and test sets together. "
        "Invariance: median over test images of |||Φ^n(T_t f) − Φ^n(f)||| / |||Φ^n(f)||| for the shift "
        f"t = {shift} samples. Deformation ratio: median |||Φ(F_τ f) − Φ(f)||| / ‖F_τ f − f‖ (≤ 1, "
        "non-expansiveness) and Theorem 2's empirical constant C, images projected to |ν| ≤ 1/8. "
        "Energy: mean |||Φ^n f|||² / ‖f‖². — : not a scatterx Network (Kymatio frontend).",
        "",
    ]
    text += [f"![{f.stem}]({f.name})" for f in figures]
    (out_dir / "results.md").write_text("\n".join(text) + "\n")
    (out_dir / "results.json").write_text(json.dumps({"setup": setup, "rows": rows}, indent=1))


def _figures(out_dir, rows):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    paths = []
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    for r in rows:
        ax.scatter(1e3 / r["images_per_s"], r["accuracy"], s=15 + r["n_features"] / 40, alpha=0.7)
        ax.annotate(
            r["name"], (1e3 / r["images_per_s"], r["accuracy"]), fontsize=6, xytext=(3, 2), textcoords="offset points"
        )
    ax.set_xscale("log")
    ax.set_xlabel("extraction time per image (ms, log scale); marker area ∝ feature count")
    ax.set_ylabel("test accuracy")
    ax.set_title("accuracy vs cost")
    fig.tight_layout()
    paths.append(out_dir / "accuracy_vs_cost.png")
    fig.savefig(paths[-1], dpi=120)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    for r in rows:
        n, acc = zip(*r["curve"])
        ax.plot(n, acc, marker="o", ms=3, label=r["name"])
    ax.set_xscale("log")
    ax.set_xlabel("training images")
    ax.set_ylabel("test accuracy")
    ax.set_title("accuracy vs training-set size")
    ax.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    paths.append(out_dir / "learning_curve.png")
    fig.savefig(paths[-1], dpi=120)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    families = sorted({r["family"] for r in rows if "invariance" in r})
    colours = {f: plt.cm.tab10(i % 10) for i, f in enumerate(families)}
    for r in rows:
        if "invariance" in r:
            ax.plot(
                range(len(r["invariance"])),
                r["invariance"],
                marker="o",
                ms=3,
                color=colours[r["family"]],
                label=r["name"],
                alpha=0.8,
            )
    ax.set_xlabel("layer n")
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_ylabel("|||Φⁿ(T_t f) − Φⁿ(f)||| / |||Φⁿ(f)|||")
    shift = next((r["shift"] for r in rows if "shift" in r), None)
    ax.set_title(
        f"shift by t = {[int(v) if float(v).is_integer() else v for v in shift or []]} samples: lower = more invariant",
        fontsize=10,
    )
    if families:
        ax.legend(fontsize=6, ncol=2)
    else:  # only Kymatio frontends (so far): nothing measured
        ax.text(
            0.5, 0.5, "no scatterx Network among these configurations", ha="center", va="center", transform=ax.transAxes
        )
    fig.tight_layout()
    paths.append(out_dir / "invariance_vs_depth.png")
    fig.savefig(paths[-1], dpi=120)
    plt.close(fig)
    return paths


# ================================================================== command line
def register_cli(subparsers):
    """Add ``compare`` to the ``scatterx`` command's sub-parsers."""
    p = subparsers.add_parser(
        "compare",
        help="compare networks (filter families, non-linearities, pooling) on a data set",
        description="Features, classifier, invariance, stability, energy and cost of each configuration on "
        "a data set; writes OUT/results.md, OUT/results.json and figures.",
    )
    p.add_argument(
        "configs",
        nargs="*",
        metavar="CONFIG",
        help=f"network JSON files (Network.to_dict()) or preset names ({', '.join(PRESETS)})",
    )
    p.add_argument("--preset", action="append", choices=PRESETS, help="add a preset's configurations (repeatable)")
    p.add_argument("--dataset", required=True, help="fashion-mnist, digits, mnist1d or textures")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--train", type=int, help="training items (stratified random subset; default all)")
    p.add_argument("--test", type=int, help="test items (default all)")
    p.add_argument("--classifier", choices=list(CLASSIFIERS), default="logreg")
    p.add_argument("--backend", choices=["numpy", "torch"], default="numpy")
    p.add_argument("--device", default="cpu", help="torch device (backend torch)")
    p.add_argument("--batch", type=int, default=256, help="items per extraction batch (default 256)")
    p.add_argument(
        "--curve",
        type=float,
        nargs="*",
        default=[0.125, 0.25, 0.5],
        help="training-set fractions of the learning curve (default 0.125 0.25 0.5)",
    )
    p.add_argument(
        "--search-max",
        type=int,
        help="choose the classifier's C on a stratified subset of this many training items "
        "(default: the whole training set)",
    )
    p.add_argument(
        "--fit-threads",
        type=int,
        default=1,
        help="BLAS threads of the classifier (default 1: more thrash on a small shared machine)",
    )
    p.add_argument(
        "--features",
        nargs="+",
        choices=FEATURE_TRANSFORMS,
        default=["raw"],
        help="feature transforms, each fitted on the same extraction (default raw; log: "
        f"sign(f) log(1 + |f|/ε), ε = {LOG_EPS} × mean |f|)",
    )
    p.add_argument(
        "--pca",
        type=int,
        metavar="N",
        help="project the standardised features on N principal components before the classifier",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--data-path",
        help="Fashion-MNIST folder (default: the `make data` cache, then /usr/share/datasets/fashion-mnist)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(run=_compare_command)
    return p


def _compare_command(args):
    configs = list(args.configs) + list(args.preset or [])
    if not configs:
        raise SystemExit("scatterx compare: give configuration files or --preset NAME")
    try:
        rows = compare(
            configs,
            args.dataset,
            args.out,
            train=args.train,
            test=args.test,
            classifier=args.classifier,
            backend=args.backend,
            device=args.device,
            batch=args.batch,
            seed=args.seed,
            curve=tuple(args.curve),
            search_max=args.search_max,
            fit_threads=args.fit_threads,
            features=tuple(args.features),
            pca=args.pca,
            progress=not args.quiet,
            path=args.data_path,
            command=getattr(args, "command_line", None),
        )
    except (ValueError, TypeError, FileNotFoundError, ImportError) as e:
        raise SystemExit(f"scatterx compare: {e}") from None
    print(table(rows, CLASSIFIERS[args.classifier][0]))
    print(f"wrote {Path(args.out) / 'results.md'}, results.json and figures")
    return 0


def main(argv=None):
    """``python -m scatterx.compare CONFIGS... --dataset NAME --out DIR`` (the ``scatterx compare`` command)."""
    parser = argparse.ArgumentParser(prog="python -m scatterx")
    register_cli(parser.add_subparsers(dest="command", required=True))
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(["compare"] + argv)
    args.command_line = " ".join(shlex.quote(a) for a in ["python", "-m", "scatterx.compare"] + argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
