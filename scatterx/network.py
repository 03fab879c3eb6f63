"""Modules and networks: the generic scattering network of Wiatowski & Bölcskei.

Layer n (0-based) is a :class:`Module` (Ψ_n, M_n, P_n, S_n).  Its frame is
rendered on the layer's own grid, ``shape / (S_1⋯S_n)``; its filters build
the paths of length n + 1,

    U[q, λ] f = P_n(M_n(U[q]f * g_λ)),      on the grid divided by S_n,

and its low-pass χ (the output-generating atom) gives the features of the
paths of length n,  Φ^n f = {(U[q]f) * χ}_q.  The last layer's features
Φ^N use the last module's frame rendered on grid N (its low-pass only).

Norms are the plain ℓ² norms of each layer's grid (no S^{d/2} factor): with
them the pooling constants R of ``scatterx.operators`` hold and
admissibility, max(B_n, B_n L_n² R_n²) ≤ 1, implies non-expansiveness,
|||Φ(f) − Φ(h)||| ≤ ‖f − h‖ (``docs/theory.md``).  The grid is periodic (the
discrete torus), so shifts by multiples of S_1⋯S_n commute exactly.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import frames as _frames
from frames._checks import check_bytes, check_depth, check_keys

from ._backend import Backend
from ._chunks import item_bytes, propagate
from ._tolerances import ADMISSIBILITY_RTOL
from ._validate import ParameterTypeError, as_shape, check_input, positive_int
from .operators import Modulus, Nonlinearity, NoPooling, Pooling, nonlinearity_from_dict, pooling_from_dict
from .plans import frequency_decreasing, network_plans

__all__ = [
    "Module",
    "Network",
    "NotAdmissibleError",
    "NonFiniteFeaturesError",
    "LayerBounds",
    "admissibility_value",
    "as_network",
]

FORMAT_VERSION = 1
MODULE_KEYS = ("frame", "nonlinearity", "pooling")
NETWORK_KEYS = ("scatterx_network", "shape", "modules", "prune", "real_input", "feature_grid")
# net(x) holds its features about twice at the end (the layers, then their concatenation).
OUTPUT_COPIES = 2


class NotAdmissibleError(ValueError):
    """A layer violates max(B_n, B_n L_n² R_n²) ≤ 1."""


class NonFiniteFeaturesError(ValueError):
    """Features of a finite input came out NaN or Inf (an overflow); ``item`` is its index in the batch."""

    def __init__(self, message, item=None, cause=None):
        super().__init__(message)
        self.item, self.cause = item, cause

    def __reduce__(self):  # pickles across Dask workers with its attributes
        return type(self), (str(self), self.item, self.cause)


def admissibility_value(B, L, R):
    """max(B, B L² R²): the number that admissibility bounds by 1 (``docs/theory.md``)."""
    return max(B, B * L**2 * R**2)


class Module:
    """One layer (Ψ, M, P, S): a frame, a non-linearity and a pooling operator.

    Parameters
    ----------
    frame : frames.Frame
        The semi-discrete frame Ψ (filters g_λ and output-generating atom χ).
    nonlinearity : Nonlinearity, default Modulus()
    pooling : Pooling, default NoPooling() (factor 1)
    """

    def __init__(self, frame, nonlinearity=None, pooling=None):
        if not isinstance(frame, _frames.Frame):
            raise TypeError(f"frame must be a frames.Frame (e.g. frames.morlet(J=2)), got {type(frame).__name__}")
        nonlinearity = Modulus() if nonlinearity is None else nonlinearity
        if not isinstance(nonlinearity, Nonlinearity):
            raise TypeError(f"nonlinearity must be one of scatterx.Modulus/ReLU/Tanh/Sigmoid, got {nonlinearity!r}")
        pooling = NoPooling() if pooling is None else pooling
        if not isinstance(pooling, Pooling):
            raise TypeError(f"pooling must be one of scatterx.Subsample/Average/MaxPool, got {pooling!r}")
        self.frame = frame
        self.nonlinearity = nonlinearity
        self.pooling = pooling.for_ndim(frame.ndim)

    @property
    def lipschitz(self):
        """(L, R): the constants of the non-linearity and of the pooling."""
        return self.nonlinearity.lipschitz, self.pooling.lipschitz

    def to_dict(self):
        return {
            "frame": self.frame.to_dict(),
            "nonlinearity": self.nonlinearity.to_dict(),
            "pooling": self.pooling.to_dict(),
        }

    @classmethod
    def from_dict(cls, d, what="module"):
        """A module from its ``to_dict()``: ``frame``, ``nonlinearity`` and ``pooling``, all three, nothing else."""
        check_keys(d, MODULE_KEYS, f"{what} description", required=MODULE_KEYS)
        return cls(
            _frames.from_dict(d["frame"], f"{what}'s frame"),
            nonlinearity_from_dict(d["nonlinearity"]),
            pooling_from_dict(d["pooling"]),
        )

    def __eq__(self, other):
        return isinstance(other, Module) and self.to_dict() == other.to_dict()

    def __hash__(self):
        return hash(json.dumps(self.to_dict(), sort_keys=True))

    def __repr__(self):
        return f"Module({self.frame!r}, {self.nonlinearity!r}, {self.pooling!r})"


@dataclass(frozen=True)
class LayerBounds:
    """Admissibility numbers of one layer: frame bounds A, B, Lipschitz constants L, R, pooling factor S."""

    layer: int
    A: float
    B: float
    L: float
    R: float
    S: int

    @property
    def value(self):
        """max(B, B L² R²), which must not exceed 1."""
        return admissibility_value(self.B, self.L, self.R)

    @property
    def admissible(self):
        return self.value <= 1 + ADMISSIBILITY_RTOL


class Network:
    """A scattering network of any depth: Φ(f) = ⋃_n Φ^n(f), n = 0 … N.

    Parameters
    ----------
    modules : sequence of Module
        Layers 1 … N (``len(modules)`` = N ≥ 1); each its own frame,
        non-linearity and pooling.
    shape : tuple of int
        The input grid (d = len(shape) = every frame's dimension).
    prune : {None, "frequency-decreasing"}
        Keep only paths whose filters go to strictly coarser absolute scale
        (the frame's ``meta['scale']`` plus log2 of the pooling so far), as
        Kymatio does; None keeps every path.
    real_input : bool, default True
        Inputs are real: the symmetrised Littlewood–Paley sum gives the
        bounds of layers whose input is real; complex inputs are refused.
    feature_grid : int or tuple, optional
        Grid of the flat features returned by ``net(x)``: each Φ^n is
        sub-sampled (after the low-pass) to this grid, which must divide
        every layer's grid by one factor on every axis.  Default: the full
        grid of each layer, so that ``net(x)`` is ``layers(x)`` flattened.
    max_memory : int, optional
        Bytes that the batch chunks processed at once may hold (the
        modelled working set, ``scatterx._chunks.item_bytes``); a larger batch
        is split into chunks, which changes results only by rounding (BLAS
        may round a batched product of another row count differently).  Default
        (``scatterx._chunks.CHUNK_BYTES``): NumPy, chunks of about 32 MiB run
        in one thread per core, the BLAS then using one thread per chunk
        (process-wide, restored when the call returns); torch, one chunk at a
        time over its intra-op threads (64 MiB in 1-D, 256 MiB on a 2-D or
        3-D grid, 1 GiB on CUDA).  Too small for one item: ValueError.  Not
        part of ``to_dict``.
    """

    def __init__(self, modules, shape, *, prune=None, real_input=True, feature_grid=None, max_memory=None):
        modules = list(modules)
        if not modules:
            raise ValueError("modules must hold at least one Module")
        for i, m in enumerate(modules):
            if not isinstance(m, Module):
                raise TypeError(f"modules[{i}] must be a scatterx.Module, got {type(m).__name__}")
        ndim = modules[0].frame.ndim
        for i, m in enumerate(modules):
            if m.frame.ndim != ndim:
                raise ValueError(f"modules[{i}] has a {m.frame.ndim}-D frame but modules[0] a {ndim}-D one")
        if prune not in (None, "frequency-decreasing"):
            raise ValueError(f"prune must be None or 'frequency-decreasing', got {prune!r}")
        self.modules = modules
        self.ndim = ndim
        self.shape = as_shape(shape, ndim, "shape")
        self.prune = prune
        if not isinstance(real_input, (bool, np.bool_)):
            raise ParameterTypeError(f"real_input must be True or False, got {real_input!r}")
        self.real_input = bool(real_input)
        self.grids = [self.shape]
        for i, m in enumerate(modules):
            self.grids.append(
                m.pooling.output_shape(self.grids[-1], name=f"grid of layer {i} (input shape {self.shape})")
            )
        for i, g in enumerate(self.grids):
            k = min(i, len(modules) - 1)
            try:
                modules[k].frame.check_shape(g)
            except ValueError as error:
                if i == 0:
                    raise
                factors = ", ".join(str(m.pooling.factor) for m in modules[:i])
                raise type(error)(
                    f"{error} (modules[{k}].frame on the grid of layer {i}: input shape {self.shape} "
                    f"after the pooling factors {factors} of layers 0–{i - 1}; a larger input or less pooling)"
                ) from error
        if isinstance(feature_grid, int) and not isinstance(feature_grid, bool):
            feature_grid = (feature_grid,) * ndim
        self.feature_grid = None if feature_grid is None else as_shape(feature_grid, ndim, "feature_grid")
        if self.feature_grid is not None:
            for i, g in enumerate(self.grids):
                factors = {a // b for a, b in zip(g, self.feature_grid)}
                if any(a % b for a, b in zip(g, self.feature_grid)) or len(factors) > 1:
                    raise ValueError(
                        f"feature_grid {self.feature_grid} must divide the grid {g} of layer {i} by one factor on "
                        f"every axis (the features are sub-sampled by it); got "
                        + ", ".join(f"{a}/{b} = {a / b:g}" for a, b in zip(g, self.feature_grid))
                    )
        self.depth = len(modules)
        self._plans = {}
        self.max_memory = None if max_memory is None else positive_int(max_memory, "max_memory")

    def replace(self, **changes):
        """A new network with ``changes`` applied and every other option of this one kept.

        ``changes`` are constructor arguments: ``modules``, ``shape``,
        ``prune``, ``real_input``, ``feature_grid``, ``max_memory``.  The one
        way to derive a network (``admissible``, the theory's twins, the torch
        and extraction wrappers all use it), so no option is dropped on the way.
        """
        options = {
            "modules": self.modules,
            "shape": self.shape,
            "prune": self.prune,
            "real_input": self.real_input,
            "feature_grid": self.feature_grid,
            "max_memory": self.max_memory,
        }
        unknown = sorted(set(changes) - set(options))
        if unknown:
            raise TypeError(f"replace() got unknown option(s) {unknown}; the options are {sorted(options)}")
        options.update(changes)
        return Network(options.pop("modules"), options.pop("shape"), **options)

    # ------------------------------------------------------------ banks and bounds
    def bank(self, n, dtype=np.float64):
        """The bank of layer n rendered on its grid (n = N: the output atom's frame)."""
        return self.modules[min(n, self.depth - 1)].frame.render(self.grids[n], dtype)

    def real_layers(self):
        """Whether the input of each layer 0 … N is real (so the symmetrised LP sum applies)."""
        real = [self.real_input]
        for n, m in enumerate(self.modules):
            real.append(m.nonlinearity.real_output or m.pooling.real_output or (real[-1] and self.bank(n).is_real))
        return real

    def bounds(self):
        """Per layer n = 0 … N: A_n, B_n, L_n, R_n, S_n (layer N: the output atom, |χ̂|² only)."""
        out = []
        for n, real in enumerate(self.real_layers()):
            bank = self.bank(n)
            filters = bank.filters.astype(np.complex128) if n < self.depth else None
            A, B = _frames.frame_bounds(bank.lowpass.astype(np.complex128), filters, symmetric=real)
            if n < self.depth:
                (L, R), S = self.modules[n].lipschitz, self.modules[n].pooling.factor
            else:
                L, R, S = 1.0, 1.0, 1
            out.append(LayerBounds(n, A, B, L, R, S))
        return out

    def check(self):
        """Raise NotAdmissibleError naming the first layer with max(B, B L² R²) > 1."""
        for b in self.bounds():
            if not b.admissible:
                what = (
                    "output-generating atom of the last layer, max|χ̂|²"
                    if b.layer == self.depth
                    else f"max(B, B L² R²) with B={b.B:.6g}, L={b.L:.6g}, R={b.R:.6g}"
                )
                raise NotAdmissibleError(
                    f"layer {b.layer} is not admissible: {what} = {b.value:.6g} > 1; "
                    f"call .admissible() to rescale the filters"
                )
        return self

    def admissible(self):
        """A new network whose frames are rescaled so that max(B_n, B_n L_n² R_n²) = 1 exactly."""
        modules = [
            Module(m.frame.scaled(1.0 / math.sqrt(b.value)), m.nonlinearity, m.pooling)
            for m, b in zip(self.modules, self.bounds())
        ]
        net = self.replace(modules=modules)
        # The last frame also gives the output atom of layer N, on another grid.
        last = net.bounds()[-1]
        if not last.admissible:
            m = modules[-1]
            modules[-1] = Module(m.frame.scaled(1.0 / math.sqrt(last.value)), m.nonlinearity, m.pooling)
            net = self.replace(modules=modules)
        return net

    # ------------------------------------------------------------ running
    def plans(self, decimate_output=True):
        """The compiled layer plans of this network (``scatterx.plans.network_plans``), cached."""
        key = bool(decimate_output)
        if key not in self._plans:
            self._plans[key] = network_plans(self, decimate_output=key)
        return self._plans[key]

    def item_bytes(self, dtype=np.float64):
        """Bytes of the modelled working set of one item in ``dtype`` (float32/float64) on NumPy.

        ``max_memory`` below this is refused; a batch of B items needs about
        B times this (``scatterx._chunks.item_bytes``).
        """
        probe = np.zeros((1,) * (self.ndim + 1), dtype)
        itemsize = np.dtype(np.result_type(dtype, np.complex64)).itemsize
        return item_bytes(self.plans(True), self.shape, self.ndim, Backend(probe), itemsize)

    def _run(self, x, plans, propagated=None, decimated=False):
        x, lead, xp = check_input(x, self.shape, "x", allow_complex=not self.real_input)
        if (
            getattr(getattr(x, "device", None), "type", "cpu") == "cpu"
        ):  # host memory; a GPU's allocator refuses at once
            itemsize = 4 if x.dtype in (xp.float32, xp.complex64) else 8  # per real number
            check_bytes(
                OUTPUT_COPIES * x.shape[0] * self._output_count(decimated) * itemsize
                + max(self.max_memory or 0, self.item_bytes(np.float32 if itemsize == 4 else np.float64)),
                f"{'features' if decimated else 'layers'} of {x.shape[0]} items on the grid {self.shape}",
                "pass fewer items per call (net(x[i:j])), use float32 input, or scatterx.extract for a data set",
            )
        out = propagate(
            x,
            plans,
            self.ndim,
            real_input=self.real_input,
            propagated=propagated,
            max_memory=self.max_memory,
            assembled="layers",
        )
        if propagated is not None:
            propagated[:] = [xp.reshape(w, lead) for w in propagated]
        layers = []
        for n, (_, arr) in enumerate(out):
            if arr is None:  # every path of this layer was pruned
                arr = xp.zeros((x.shape[0], 0) + self.grids[n], dtype=x.dtype, device=Backend(x).device)
            _check_finite(arr, x, xp, n)
            layers.append(xp.reshape(arr, lead + tuple(arr.shape[1:])))
        return layers

    def layers(self, x, *, plans=None):
        """Φ^0 … Φ^N: a list of N + 1 arrays (batch, paths_n, *grid_n).

        The sum of squared magnitudes of entry n is |||Φ^n(f)|||²; paths are
        in lexicographic order of their filter indices (``paths(n)``).
        ``plans``: compiled with ``network_plans(self, decimate_output=False,
        responses=...)`` to run other filters of the same shapes (default:
        this network's own).
        """
        return self._run(x, self.plans(False) if plans is None else plans)

    def energy(self, x, *, plans=None):
        """Per-layer energies of ``x``: (feature, propagated), each a list over n = 0 … N.

        feature[n] = |||Φ^n(f)|||² and propagated[n] = W_n(f) = Σ_{|q|=n} ‖U[q]f‖²,
        arrays of the batch shape.  For Parseval frames, the modulus and no
        pooling, ‖f‖² = Σ_{n<N} feature[n] + propagated[N] exactly
        (``docs/theory.md``, energy identity).  ``plans`` as in :meth:`layers`.
        """
        W = []
        layers = self._run(x, self.plans(False) if plans is None else plans, propagated=W)
        xp = _xp_of(layers[0])
        d = self.ndim + 1
        feats = [xp.sum(xp.abs(a) ** 2, axis=tuple(range(a.ndim - d, a.ndim))) for a in layers]
        return feats, W

    def features(self, x, *, plans=None):
        """Flat features (batch, n_features), same library, device and precision as ``x``.

        Complex feature maps contribute their real then imaginary parts.
        ``plans``: compiled with ``network_plans(self, decimate_output=True,
        responses=...)`` (default: this network's own).
        """
        layers = self._run(x, self.plans(True) if plans is None else plans, decimated=True)
        xp = _xp_of(layers[0])
        flat = []
        for arr in layers:
            lead = tuple(arr.shape[: arr.ndim - self.ndim - 1])
            parts = [xp.real(arr), xp.imag(arr)] if xp.isdtype(arr.dtype, "complex floating") else [arr]
            flat += [xp.reshape(p, lead + (-1,)) for p in parts]
        return xp.concat(flat, axis=-1)

    def __call__(self, x):
        """``features(x)``: flat features (batch, n_features), same library, device and precision as ``x``."""
        return self.features(x)

    # ------------------------------------------------------------ paths and feature names
    def paths(self, n):
        """The paths of layer n as tuples of filter indices, in output order."""
        if not 0 <= n <= self.depth:
            raise ValueError(f"layer n must be in 0..{self.depth}, got {n}")
        paths = [()]
        for i in range(n):
            K = len(self.bank(i))
            keep = frequency_decreasing(self, i) if (self.prune and i > 0) else None
            paths = [p + (k,) for p in paths for k in range(K) if keep is None or keep(p, None, k)]
        return paths

    def feature_grids(self):
        return [self.feature_grid or g for g in self.grids]

    def get_feature_names(self):
        """Names of ``net(x)``'s columns: ``L{n}[path](position)`` (+ ``.re``/``.im`` when complex)."""
        names = []
        complex_layers = self._complex_layers()
        for n, grid in enumerate(self.feature_grids()):
            positions = [",".join(map(str, p)) for p in np.ndindex(*grid)]
            base = [f"L{n}[{'-'.join(map(str, q))}]({pos})" for q in self.paths(n) for pos in positions]
            names += [b + ".re" for b in base] + [b + ".im" for b in base] if complex_layers[n] else base
        return names

    def _complex_layers(self):
        real = self.real_layers()
        return [not (real[n] and self.bank(n).lowpass_is_real) for n in range(self.depth + 1)]

    def _output_count(self, decimated=True):
        """Numbers per item of ``features`` (decimated to ``feature_grid``) or of ``layers``, counted, not built."""
        counts = self.__dict__.setdefault("_counts", {})  # the network does not change: counted once
        if decimated not in counts:
            complex_layers = self._complex_layers()
            grids = self.feature_grids() if decimated else self.grids
            counts[decimated] = sum(
                len(self.paths(n)) * math.prod(grid) * (2 if complex_layers[n] else 1) for n, grid in enumerate(grids)
            )
        return counts[decimated]

    @property
    def n_features(self):
        """Columns of ``net(x)`` (the length of ``get_feature_names()``, counted without building the names)."""
        return self._output_count(True)

    def __getstate__(self):
        # Compiled plans hold closures and device arrays: rebuilt on demand, never pickled.
        state = dict(self.__dict__)
        state["_plans"] = {}
        return state

    # ------------------------------------------------------------ serialisation
    def to_dict(self):
        """JSON-safe description; ``Network.from_dict`` round-trips it exactly."""
        return {
            "scatterx_network": FORMAT_VERSION,
            "shape": list(self.shape),
            "modules": [m.to_dict() for m in self.modules],
            "prune": self.prune,
            "real_input": self.real_input,
            "feature_grid": None if self.feature_grid is None else list(self.feature_grid),
        }

    @classmethod
    def from_dict(cls, d):
        """A network from its ``to_dict()``, validated against that schema.

        Unknown keys (a typo such as ``feature_gird``) are refused with the
        valid ones; ``shape`` and ``modules`` are required; every module,
        frame and operator is checked by its own ``from_dict``.
        """
        check_depth(d, "network description")
        check_keys(d, NETWORK_KEYS, "network description", required=("modules", "shape"))
        version = d.get("scatterx_network", FORMAT_VERSION)
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise ValueError(f"scatterx_network (the format version) must be a positive int, got {version!r}")
        if version > FORMAT_VERSION:
            raise ValueError(
                f"network description has format version {version}; this scatterx reads "
                f"up to {FORMAT_VERSION}: upgrade scatterx"
            )
        modules = d["modules"]
        if not isinstance(modules, list) or not modules:
            raise ValueError(f"network description: 'modules' must be a non-empty list of modules, got {modules!r:.80}")
        shape = d["shape"]
        if not isinstance(shape, (list, tuple)):
            raise ValueError(f"network description: 'shape' must be a list of ints, got {shape!r:.80}")
        return cls(
            [Module.from_dict(m, f"modules[{i}]") for i, m in enumerate(modules)],
            tuple(shape),
            prune=d.get("prune"),
            real_input=d.get("real_input", True),
            feature_grid=d.get("feature_grid"),
        )

    def __eq__(self, other):
        return isinstance(other, Network) and self.to_dict() == other.to_dict()

    def __repr__(self):
        mods = ",\n  ".join(map(repr, self.modules))
        return f"Network([\n  {mods}],\n  shape={self.shape}, prune={self.prune!r})"


def as_network(net):
    """A Network from a Network, its ``to_dict()``, or the path of that JSON file.

    The one loader behind every entry point that takes a network (``extract``,
    ``verify``, the CLI).  Never unpickles anything.
    """
    if isinstance(net, Network):
        return net
    if isinstance(net, (str, os.PathLike)):
        path = Path(net).expanduser()
        try:
            net = json.loads(path.read_text())
        except json.JSONDecodeError as e:
            raise ValueError(f"network config {path} is not valid JSON: {e}") from None
        except RecursionError:
            raise ValueError(f"network config {path} is nested too deeply to be a network description") from None
        if not isinstance(net, dict):
            raise ValueError(
                f"network config {path} holds a JSON {type(net).__name__}, not a network description "
                "(the JSON object of Network.to_dict())"
            )
    if not isinstance(net, dict):
        raise TypeError(f"net must be a scatterx.Network, its to_dict() or a JSON path, got {type(net).__name__}")
    return Network.from_dict(net)


def _check_finite(arr, x, xp, layer):
    """Raise ValueError naming the first item whose layer-``layer`` features are NaN or Inf (x itself is finite)."""
    finite = xp.isfinite(arr)
    if bool(xp.all(finite)):
        return
    rows = xp.reshape(finite, (arr.shape[0], -1))
    item = int(np.argmin(np.asarray([bool(xp.all(rows[i])) for i in range(arr.shape[0])])))
    peak = float(xp.max(xp.abs(x[item])))
    real = xp.real(x) if xp.isdtype(x.dtype, "complex floating") else x
    if xp.isdtype(real.dtype, "real floating") and real.dtype == xp.float32:
        cause = (
            f"float32 overflow (max |x| of the item = {peak:.3g}, float32 reaches 3.4e38): "
            "compute in float64 (x.astype(np.float64), --dtype float64) or rescale x"
        )
    else:
        cause = f"overflow (max |x| of the item = {peak:.3g}): rescale x or lower the frames' scale"
    raise NonFiniteFeaturesError(
        f"the layer-{layer} features of item {item} are not finite (NaN or Inf) though x is: {cause}", item, cause
    )


def _xp_of(a):
    import array_api_compat

    return array_api_compat.array_namespace(a)
