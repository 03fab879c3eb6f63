"""The comparison run: for each configuration, extract, measure through ``scatterx.theory``, classify, report."""

from __future__ import annotations

import math
import shlex
import sys
import time
from pathlib import Path

import numpy as np

from .._batches import in_batches
from .._optional import require
from .options import CompareOptions
from .presets import configurations
from .report import write_report
from .selection import LOG_EPS, fit_and_score, transform_features

__all__ = ["compare", "theory_measures"]


def theory_measures(net, images, shift):
    """The admissibility, invariance, deformation and energy columns of ``net``, through ``scatterx.theory``.

    ``images`` (n, *grid) are test images; with n = 0 only the admissibility
    column (max_n max(B_n, B_n L_n² R_n²)) and the per-layer bounds.
    ``shift``: the translation of the invariance column, in samples along axis 0.
    """
    from .. import theory

    table = theory.admissibility(net)
    out = {
        "admissibility": float(table.worst),
        "bounds": [{"layer": r.layer, "A": r.A, "B": r.B, "L": r.L, "R": r.R, "S": r.S} for r in table.rows],
    }
    if len(images) == 0:
        return out
    t = (float(shift),) + (0.0,) * (net.ndim - 1)
    energy = theory.energy_propagation(net, images)
    rel, thm, bound = [], [], None
    for f in images:
        r = theory.translation_invariance(net, f[None], shifts=[t])
        thm.append(r.measured[:, 0])
        bound = r.bound[:, 0]
        layer = np.sqrt(theory.energy_propagation(net, f[None]).feature[:, 0])
        norm = math.sqrt(float(np.sum(f.astype(np.float64) ** 2)))
        with np.errstate(divide="ignore", invalid="ignore"):
            rel.append(np.where(layer > 0, r.measured[:, 0] * norm / layer, np.nan))
    deform = theory.deformation_sensitivity(net, images, n_signals=0, tau_fractions=(0.5, 1.0), omega_sups=(0.0,))
    with np.errstate(divide="ignore", invalid="ignore"):
        dratio = deform.feature_change / deform.signal_change
    out.update(
        shift=list(t),
        invariance=[float(v) for v in np.nanmedian(np.array(rel), axis=0)],
        invariance_theorem=[float(v) for v in np.max(np.array(thm), axis=0)],
        invariance_bound=[float(v) for v in bound],
        deformation_ratio=float(np.nanmedian(dratio)),
        deformation_C=float(deform.C),
        decoupling_holds=bool(deform.decoupling_holds),
        energy=[float(v) for v in np.mean(energy.feature / energy.norm2, axis=1)],
    )
    return out


def _record(extractor):
    """The configuration as results.json keeps it: a Network's to_dict(), a frontend's parameters, or its repr."""
    from ..network import Network

    if isinstance(extractor, Network):
        return extractor.to_dict()
    if hasattr(extractor, "J"):
        return {
            "frontend": type(extractor).__name__,
            "J": extractor.J,
            "shape": list(extractor.shape),
            **({"L": extractor.L} if hasattr(extractor, "L") else {"Q": getattr(extractor, "Q", None)}),
        }
    return {"extractor": repr(extractor)}


def _setup(data, options):
    """The run's set-up as the report states it: data, options, command, machine, versions, date."""
    from .._environment import describe_machine, environment

    env = environment()
    setup = {
        "dataset": data.name,
        "description": data.description,
        "shape": list(data.shape),
        "n_train": int(len(data.y_train)),
        "n_test": int(len(data.y_test)),
        "classifier": options.classifier,
        "search": {options.parameter: list(options.search_values)},
        "val_fraction": options.val_fraction,
        "search_max": options.search_max,
        "curve": list(options.curve),
        "features": list(options.features),
        "log_eps": LOG_EPS,
        "pca": options.pca,
        "fit_threads": options.fit_threads,
        "n_theory": options.n_theory,
        "backend": options.backend,
        "device": options.device,
        "batch": options.batch,
        "seed": options.seed,
        "notes": list(options.notes),
        "command": options.command or " ".join(shlex.quote(a) for a in ["scatterx"] + sys.argv[1:]),
        "machine": describe_machine(env),
        "environment": env,
        "versions": env["versions"],
        "date": env["date"],
    }
    return setup


def compare(configs, dataset, out_dir, options=None):
    """Compare feature extractors on a data set; write ``results.md``, ``results.json`` and figures to ``out_dir``.

    For each configuration: extract the training and test features in
    batches (``scatterx._batches.in_batches``, a progress bar, NumPy or
    torch) and time it, the filters rendered beforehand by a warm-up batch;
    for a :class:`~scatterx.Network`, :func:`theory_measures` on
    ``options.n_theory`` test images; then, per feature transform,
    :func:`~scatterx.compare.selection.fit_and_score`.  The report is
    rewritten after every configuration, so an interrupted run keeps what
    finished.

    Parameters
    ----------
    configs : list
        Preset names (:data:`~scatterx.compare.PRESETS`), Networks, their
        ``to_dict()``, paths of that JSON, ``sx.Scattering1D/2D`` objects,
        :class:`~scatterx.compare.Config` or ``(name, config)`` pairs
        (:func:`~scatterx.compare.configurations`).
    dataset : str or scatterx.datasets.Dataset
        A name of ``scatterx.datasets.DATASETS`` or a loaded data set.
    out_dir : path
    options : CompareOptions, optional
        Default ``CompareOptions()``, the ``scatterx compare`` defaults.

    Returns
    -------
    list of dict, one row per configuration and feature transform (as in ``results.json``).

    Raises
    ------
    ImportError
        Naming the extra to install, without scikit-learn or matplotlib.
    """
    from .. import datasets
    from ..network import Network

    options = CompareOptions() if options is None else options
    if not isinstance(options, CompareOptions):
        raise TypeError(f"options must be a CompareOptions, got {type(options).__name__}")
    require("sklearn", "scatterx.compare (its classifiers)")
    require("matplotlib", "scatterx.compare (its figures)")
    data = datasets.load(dataset, train=options.train, test=options.test, seed=options.seed, path=options.data_path)
    configs = configurations(configs, data.shape)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    setup = _setup(data, options)
    extraction = dict(batch=options.batch, backend=options.backend, device=options.device)
    rows = []
    t_start = time.perf_counter()
    for c in configs:
        ext = c.extractor
        in_batches(ext, data.x_test[: min(8, len(data.x_test))], progress=False, **extraction)  # filters cached
        t0 = time.perf_counter()
        f_train = in_batches(ext, data.x_train, desc=f"{c.name} (train)", progress=options.progress, **extraction)
        f_test = in_batches(ext, data.x_test, desc=f"{c.name} (test)", progress=options.progress, **extraction)
        extract_s = time.perf_counter() - t0
        common = {
            "configuration": c.name,
            "family": c.family,
            "n_features": int(f_train.shape[1]),
            "extract_s": extract_s,
            "images_per_s": (len(f_train) + len(f_test)) / extract_s,
        }
        if isinstance(ext, Network):
            images = np.asarray(data.x_test[: options.n_theory], dtype=np.float64)
            common.update(theory_measures(ext, images, options.shift))
        common["config"] = _record(ext)
        if c.note:
            common["note"] = c.note
        if options.pca is not None and options.pca > min(f_train.shape):
            raise ValueError(
                f"pca={options.pca} components for {c.name!r}: expected at most min(training items, "
                f"features) = {min(f_train.shape)}"
            )
        for transform in options.features:
            name = c.name if transform == "raw" else f"{c.name} + {transform}"
            t_train, t_test = transform_features(transform, f_train, f_test)
            fit = fit_and_score(
                t_train, data.y_train, t_test, data.y_test, options, desc=f"{name} ({options.classifier})"
            )
            row = {"name": name, "features": transform, **common, "accuracy": fit["accuracy"]}
            row.update({options.parameter: fit["best"], "validation": fit["validation"], "fit_s": fit["fit_s"]})
            row["curve"] = fit["curve"]
            rows.append(row)
            if options.progress:
                print(
                    f"{name}: accuracy {row['accuracy']:.4f}, {row['n_features']} features, "
                    f"extraction {extract_s:.2f} s",
                    file=sys.stderr,
                )
        setup.update(
            wall_s=time.perf_counter() - t_start,
            complete=len(rows) == len(configs) * len(options.features),
            configurations=len(configs) * len(options.features),
        )
        write_report(out_dir, setup, rows)
    return rows
