"""The compared configurations: presets (named sets of networks) and the normalisation of user configurations.

* ``families`` — one architecture, each frame family: two modules with the
  modulus, the first without pooling and the second sub-sampling by 2,
  frequency-decreasing paths, features sub-sampled to a quarter of the grid
  per axis (``feature_grid = shape / 4``: 7×7 on Fashion-MNIST, as
  Kymatio's J=2 output), rescaled to be admissible.  2-D: Morlet (J=2, L=8),
  Gabor (4×4 lattice, real-input half), PyWavelets haar / db4 / bior2.2
  (J=2), shearlet, curvelet, ridgelet (J=2).  1-D (MNIST-1D): Morlet (J=3,
  Q=4), Gabor (16 frequencies), haar / db4 / bior2.2 (J=3); the directional
  families are 2-D only.  At J=2 the curvelet and ridgelet banks are the same
  bank (:data:`CURVELET_RIDGELET_NOTE`), which the report says under its table.
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
* ``demo`` — what ``make demo`` compares (``scatterx.demo``): the pixels,
  three networks that differ in one choice each (Morlet J=2 L=8 in two
  modules, frequency-decreasing paths, ``feature_grid = shape / 4``,
  admissible: modulus + sub-sampling 2, ReLU + sub-sampling 2, modulus + max
  pooling 2) and Kymatio's layout, ``sx.Scattering2D(J=2, shape, L=8)``.
  2-D data only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Config", "Pixels", "PRESETS", "preset", "configurations", "CURVELET_RIDGELET_NOTE"]

PRESETS = ("families", "icml2016", "kymatio", "demo")

#: Why the ``families`` preset's curvelet and ridgelet rows agree (checked in tests/test_compare.py).
CURVELET_RIDGELET_NOTE = (
    "ridgelet J=2 and curvelet J=2 are the same network: the two families share their windows and differ "
    "only in how the number of directions grows from one scale to the next (ridgelets double it at every "
    "scale, curvelets every other scale), so with J=2 both have 4 then 8 directions and render identical "
    "filters; only their extraction times differ. They first differ at J=3 (ridgelet 4, 8, 16 directions; "
    "curvelet 4, 8, 8), which needs a last-layer grid of at least 16 (2^(J+1)); the preset keeps J=2 so that "
    "one architecture fits every data set (the last layer's grid is shape / 2: 14×14 on Fashion-MNIST)."
)


@dataclass
class Config:
    """One compared feature extractor: a name, the extractor, its family, and a note for the report."""

    name: str
    extractor: object
    family: str = ""
    note: str = ""


class Pixels:
    """The pixels as features (the baseline row): ``Pixels()(x)`` is ``x``, flattened per item by the runner."""

    def __call__(self, x):
        return x

    def __repr__(self):
        return "Pixels()"


def _feature_grid(shape):
    if any(s % 4 for s in shape):
        raise ValueError(
            f"the presets need a grid divisible by 4 on every axis (features on shape / 4), got {tuple(shape)}"
        )
    return tuple(s // 4 for s in shape)


def _network(frame, shape, first, second):
    """Two modules of ``frame`` with (non-linearity, pooling) ``first`` and ``second``; features on shape / 4."""
    import scatterx as sx

    return sx.Network(
        [sx.Module(frame, *first), sx.Module(frame, *second)],
        shape=shape,
        prune="frequency-decreasing",
        feature_grid=_feature_grid(shape),
    ).admissible()


def _families(shape):
    import frames
    import scatterx as sx

    d = len(shape)
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
    modulus = (sx.Modulus(), sx.NoPooling()), (sx.Modulus(), sx.Subsample(2))
    return [
        Config(label, _network(f, shape, *modulus), family, CURVELET_RIDGELET_NOTE if family == "ridgelet" else "")
        for label, family, f in fams
    ]


def _icml2016(shape):
    import frames
    import scatterx as sx

    if len(shape) != 2:
        raise ValueError(f"preset 'icml2016' is defined for 2-D images, got a {len(shape)}-D grid {shape}")
    haar = frames.pywavelet("haar", J=3)
    nonlinearities = (("modulus", sx.Modulus()), ("ReLU", sx.ReLU()), ("tanh", sx.Tanh()), ("sigmoid", sx.Sigmoid()))
    poolings = (
        ("none", sx.NoPooling()),
        ("sub-sampling 2", sx.Subsample(2)),
        ("max 2×2", sx.MaxPool(2)),
        ("average 2×2", sx.Average(2)),
    )
    return [
        Config(f"haar J=3, {mname}, {pname}", _network(haar, shape, (M, P), (M, sx.NoPooling())), mname)
        for mname, M in nonlinearities
        for pname, P in poolings
    ]


def _kymatio(shape):
    import scatterx as sx

    if len(shape) == 2:
        return [
            Config(f"Kymatio Scattering2D J={J} L=8", sx.Scattering2D(J=J, shape=shape, L=8), "kymatio") for J in (2, 3)
        ]
    if len(shape) == 1:
        return [
            Config(f"Kymatio Scattering1D J={J} Q=1", sx.Scattering1D(J=J, shape=shape, Q=1), "kymatio") for J in (2, 3)
        ]
    raise ValueError(f"preset 'kymatio' is defined for 1-D and 2-D data, got a {len(shape)}-D grid {shape}")


def _demo(shape):
    import frames
    import scatterx as sx

    if len(shape) != 2:
        raise ValueError(f"preset 'demo' is defined for 2-D images, got a {len(shape)}-D grid {shape}")
    morlet = frames.morlet(J=2, L=8)
    choices = (
        ("modulus + sub-sampling 2", sx.Modulus(), sx.Subsample(2)),
        ("ReLU + sub-sampling 2", sx.ReLU(), sx.Subsample(2)),
        ("modulus + max pooling 2", sx.Modulus(), sx.MaxPool(2)),
    )
    return (
        [Config("pixels", Pixels(), "pixels")]
        + [Config(name, _network(morlet, shape, (M, P), (M, P)), "morlet") for name, M, P in choices]
        + [Config("Kymatio layout: Scattering2D(J=2, L=8)", sx.Scattering2D(J=2, shape=shape, L=8), "kymatio")]
    )


def preset(name, shape):
    """The configurations of preset ``name`` (one of :data:`PRESETS`) for items of grid ``shape``.

    Returns a list of :class:`Config`; ValueError for an unknown name or a grid the preset does not cover.
    """
    shape = tuple(int(s) for s in shape)
    builders = {"families": _families, "icml2016": _icml2016, "kymatio": _kymatio, "demo": _demo}
    if name not in builders:
        raise ValueError(f"unknown preset {name!r}; known: {', '.join(PRESETS)}")
    return builders[name](shape)


def _family(net):
    return net.modules[0].frame.to_dict().get("family", "")


def configurations(configs, shape):
    """``configs`` as a list of :class:`Config` for items of grid ``shape`` (presets expanded, JSON files read).

    ``configs``: one or a list of preset names, Networks, their ``to_dict()``,
    JSON paths, ``sx.Scattering1D/2D`` objects, :class:`Config` or ``(name,
    config)`` pairs.  Raises ValueError for an unknown name, a configuration
    built for another grid, or two configurations of the same name.
    """
    from ..kymatio import Scattering1D, Scattering2D
    from ..network import Network, as_network

    if isinstance(configs, (str, os.PathLike, Network, dict, Config)):
        configs = [configs]
    out = []
    for i, c in enumerate(configs):
        if isinstance(c, Config):
            out.append(c)
        elif isinstance(c, tuple) and len(c) == 2:
            out += [Config(str(c[0]), e.extractor, e.family, e.note) for e in configurations([c[1]], shape)]
        elif isinstance(c, str) and c in PRESETS:
            out += preset(c, shape)
        elif isinstance(c, (Scattering1D, Scattering2D)):
            out.append(Config(f"{type(c).__name__} J={c.J}", c, "kymatio"))
        elif isinstance(c, (str, os.PathLike)):
            path = Path(c)
            if not path.is_file():
                raise ValueError(f"config {str(c)!r} is neither a preset ({', '.join(PRESETS)}) nor a JSON file")
            net = as_network(path)
            out.append(Config(path.stem, net, _family(net)))
        elif isinstance(c, (Network, dict)):
            net = as_network(c)
            out.append(Config(f"config {i}", net, _family(net)))
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
