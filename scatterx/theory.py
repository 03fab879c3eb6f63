"""The theorems of generic scattering networks, checked numerically on any network.

Wiatowski & Bölcskei, "A mathematical theory of deep convolutional neural
networks for feature extraction", IEEE Trans. Inf. Theory 64(3), 2018, and
its discrete version (Wiatowski et al., ICML 2016); ``docs/theory.md`` states
each statement with its conditions.  Every function takes a :class:`~scatterx.Network` (any frame
family, non-linearity, pooling, depth; 1-D, 2-D or 3-D) and inputs, and
returns numbers in a frozen dataclass whose ``to_dict()`` is JSON-safe.
Nothing is printed.

Inputs are a batch ``(B, *net.shape)`` as a NumPy array or a torch tensor;
the network runs on the inputs' library, device and precision (the test
signals derived from them, shifted, deformed, perturbed, are built in NumPy
and moved there).  ``inputs=None`` uses :func:`default_inputs`.  Tolerances
follow the precision: 1e-9 relative in float64, 1e-4 in float32.

Units
-----
* Grids are periodic (the discrete torus); norms are the plain ℓ² norms of
  each layer's grid, ‖f‖² = Σ_k |f[k]|², with no S^{d/2} factor
  (docs/theory.md).
* Positions, shifts t and deformations τ are in **samples of the input
  grid**.  P_n = S_1⋯S_n is the pooling product before layer n (P_0 = 1):
  one sample of layer n's grid is P_n input samples.
* Frequencies ν are in **cycles per sample** of the grid they live on, in
  [−½, ½)^d (NumPy's ``fftfreq``), |ν| the Euclidean norm.  The band limit R
  of a test signal is in cycles per input sample; a modulation ω(x) is in
  cycles (the phase is 2πω(x)), so R‖τ‖_∞ + ‖ω‖_∞ is dimensionless.

Functions
---------
admissibility                the table A_n, B_n, L_n, R_n, S_n, max(B_n, B_n L_n² R_n²)
nonexpansiveness             worst |||Φ(f) − Φ(h)||| / ‖f − h‖ over random, structured, adversarial pairs
translation_invariance       Thm 1: |||Φ^n(T_t f) − Φ^n(f)||| against 2π|t|K_n/P_n ‖f‖; exact covariance
deformation_sensitivity      Thm 2: |||Φ(F_{τ,ω} f) − Φ(f)||| against (R‖τ‖_∞ + ‖ω‖_∞)‖f‖ → empirical C
cartoon_sensitivity          Grohs et al. 2016: the ‖τ‖_∞^{1/2} rate on cartoon functions, fitted exponent
energy_propagation           |||Φ^n f|||², W_n f; the exact identity for Parseval frames, modulus, no pooling
energy_decay                 W_n on deeper networks (the last module repeated): decay rate, depth for 1 − ε
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

import frames as _frames
from frames._json import jsonable

from ._optional import torch_or_none
from ._tolerances import inequality_rtol
from ._validate import check_input
from .network import Module
from .operators import Modulus, NoPooling

__all__ = [
    "AdmissibilityRow",
    "Admissibility",
    "admissibility",
    "NonExpansiveness",
    "nonexpansiveness",
    "scaled",
    "TranslationInvariance",
    "lowpass_K",
    "shift",
    "translation_invariance",
    "Deformation",
    "smooth_deformation",
    "max_tau_sup",
    "deform",
    "Cartoon",
    "cartoons",
    "bandlimited",
    "white_noise",
    "project_bandlimited",
    "default_inputs",
    "DeformationSensitivity",
    "deformation_sensitivity",
    "CartoonSensitivity",
    "cartoon_sensitivity",
    "EnergyPropagation",
    "energy_propagation",
    "parseval_twin",
    "EnergyDecay",
    "energy_decay",
    "deepen",
]

# Complex elements of the largest intermediate (paths × filters × grid) that
# energy_decay lets a deeper network reach, per signal (2**23 ≈ 134 MB in complex128).
PATH_BUDGET = 2**23
# Fitted cartoon exponents this far below the theorem's ½ count as a violation.
EXPONENT_SLACK = 0.1


# ------------------------------------------------------------------ results
class _Result:
    """``to_dict()``: every field and derived property, JSON-safe (arrays → lists, NaN → None)."""

    _derived: tuple = ()

    def to_dict(self):
        out = {f.name: jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}
        out.update({name: jsonable(getattr(self, name)) for name in self._derived})
        return out


# ------------------------------------------------------------------ array plumbing
def _prepare(net, inputs, seed=0):
    """(x as a NumPy array (B, *shape), the reference array whose library/device/precision the network runs on)."""
    if inputs is None:
        inputs = default_inputs(net.shape, seed=seed)[0]
    ref, _, _ = check_input(inputs, net.shape, "inputs", allow_complex=not net.real_input)
    return _numpy(ref), ref


def _numpy(a):
    if hasattr(a, "detach"):
        return a.detach().cpu().numpy()
    return np.asarray(a)


def _like(a, ref):
    """NumPy ``a`` in ``ref``'s library, device and precision (complex stays complex)."""
    real = np.dtype(_numpy(ref[:0]).real.dtype)
    dtype = np.result_type(real, np.complex64) if np.iscomplexobj(a) else real
    a = np.ascontiguousarray(np.asarray(a).astype(dtype, copy=False))
    if hasattr(ref, "detach"):
        import torch

        return torch.from_numpy(a).to(ref.device)
    return a


def _tolerance(ref):
    return inequality_rtol(_numpy(ref[:0]).real.dtype)


def _layers(net, x, ref):
    """Φ^0 … Φ^N of the NumPy batch ``x`` run in ``ref``'s library, as NumPy arrays."""
    return [_numpy(a) for a in net.layers(_like(x, ref))]


def _layer_energy(a):
    """Σ |a|² over paths and grid: shape (B,)."""
    return np.sum(np.abs(a) ** 2, axis=tuple(range(1, a.ndim)))


def _norm2(x):
    return np.sum(np.abs(x) ** 2, axis=tuple(range(1, x.ndim)))


def _distance2(net, f, h, ref):
    """|||Φ(f) − Φ(h)|||² per pair, both batches in one call."""
    both = _layers(net, np.concatenate([f, h]), ref)
    B = len(f)
    return sum(_layer_energy(a[:B] - a[B:]) for a in both)


def _changes(net, f, moved, ref):
    """|||Φ(moved) − Φ(f)||| and ‖moved − f‖, shape (M, B), for ``moved`` = M deformed copies of the B signals f."""
    M, B = len(moved) // len(f), len(f)
    base, change = _layers(net, f, ref), _layers(net, moved, ref)
    feat = np.sqrt(sum(_layer_energy(c - np.tile(b, (M,) + (1,) * (b.ndim - 1))) for c, b in zip(change, base)))
    sig = np.sqrt(_norm2(moved - np.tile(f, (M,) + (1,) * net.ndim)))
    return feat.reshape(M, B), sig.reshape(M, B)


def _pooling_products(net):
    return [math.prod(m.pooling.factor for m in net.modules[:n]) for n in range(net.depth + 1)]


def _frequencies(shape):
    """ν on the grid, cycles per sample, shape (d, *shape)."""
    return np.stack(np.meshgrid(*[np.fft.fftfreq(n) for n in shape], indexing="ij"))


def _positions(shape):
    """Grid positions in samples, shape (prod(shape), d)."""
    return np.stack(np.meshgrid(*[np.arange(n, dtype=np.float64) for n in shape], indexing="ij"), axis=-1).reshape(
        -1, len(shape)
    )


def _unit_rms(x):
    rms = np.sqrt(_norm2(x) / math.prod(x.shape[1:]))
    return x / np.where(rms > 0, rms, 1.0).reshape((-1,) + (1,) * (x.ndim - 1))


# ------------------------------------------------------------------ 1. admissibility
@dataclass(frozen=True)
class AdmissibilityRow(_Result):
    """One layer of the admissibility table (``docs/theory.md``, admissibility).

    ``layer`` N is the output-generating atom of the last layer (B = max|χ̂|²,
    L = R = S = 1).  ``real_input``: the layer's input is real, so A and B
    come from the symmetrised LP sum ½(LP(ν) + LP(−ν)).
    """

    layer: int
    kind: str
    A: float
    B: float
    L: float
    R: float
    S: int
    value: float
    admissible: bool
    real_input: bool


@dataclass(frozen=True)
class Admissibility(_Result):
    """The table and its verdict: ``worst`` = max_n max(B_n, B_n L_n² R_n²) ≤ 1."""

    rows: tuple
    worst: float
    admissible: bool
    _derived = ("margin",)

    @property
    def margin(self):
        """1 − worst: positive when every layer is admissible."""
        return 1.0 - self.worst


def admissibility(net):
    """Per layer n = 0 … N: A_n, B_n, L_n, R_n, S_n, max(B_n, B_n L_n² R_n²), admissible.

    A_n and B_n are the min and max of the Littlewood–Paley sum
    |χ̂_n(ν)|² + Σ_λ |ĝ_λ(ν)|² on layer n's grid (the exact frame bounds of
    the undecimated bank), symmetrised where the layer's input is real
    (``Network.real_layers``).  Layer N is the last layer's output atom.

    Parameters
    ----------
    net : Network

    Returns
    -------
    Admissibility
        ``rows`` (one :class:`AdmissibilityRow` per layer), ``worst``,
        ``admissible`` (every row within ``ADMISSIBILITY_RTOL``), ``margin``.
    """
    real = net.real_layers()
    rows = tuple(
        AdmissibilityRow(
            b.layer,
            "module" if b.layer < net.depth else "output atom",
            b.A,
            b.B,
            b.L,
            b.R,
            b.S,
            b.value,
            b.admissible,
            real[b.layer],
        )
        for b in net.bounds()
    )
    return Admissibility(rows, max(r.value for r in rows), all(r.admissible for r in rows))


def scaled(net, c):
    """The same network with every frame's responses multiplied by ``c`` (bounds × c²).

    ``scaled(net, 3)`` of an admissible network is the non-admissible twin
    used to show that the non-expansiveness check can fail.
    """
    return net.replace(modules=[Module(m.frame.scaled(c), m.nonlinearity, m.pooling) for m in net.modules])


# ------------------------------------------------------------------ 2. non-expansiveness
@dataclass(frozen=True)
class NonExpansiveness(_Result):
    """Ratios |||Φ(f) − Φ(h)||| / ‖f − h‖ by kind of pair.

    Attributes
    ----------
    ratios : dict
        kind → list of ratios, one per pair.  Kinds: ``random`` (white
        noise pairs), ``band-limited`` (pairs of band-limited signals),
        ``f vs 0`` (|||Φ(f)||| / ‖f‖, since Φ(0) = 0), ``perturbation``
        (h = f + 1e-3 noise, the local Lipschitz constant), ``shift``
        (h = f shifted by one sample), ``sign`` (h = −f), ``half``
        (h = f/2), ``adversarial`` (after gradient ascent on the ratio).
    worst, worst_kind : the largest ratio and its kind.
    admissible : the network's admissibility (the theorem's assumption).
    adversarial_history : the best ratio after each ascent step (empty
        when torch is not installed or ``adversarial_steps=0``).
    holds : worst ≤ 1 + tolerance;  margin : 1 − worst.
    """

    ratios: dict
    worst: float
    worst_kind: str
    admissible: bool
    tolerance: float
    adversarial_history: tuple
    _derived = ("holds", "margin")

    @property
    def holds(self):
        return self.worst <= 1.0 + self.tolerance

    @property
    def margin(self):
        return 1.0 - self.worst


def nonexpansiveness(net, inputs=None, *, n_random=4, adversarial_steps=20, adversarial_starts=2, seed=0):
    """Worst ratio |||Φ(f) − Φ(h)||| / ‖f − h‖ over random, structured and adversarial pairs.

    For an admissible network, max(B_n, B_n L_n² R_n²) ≤ 1 for all n, the
    ratio is ≤ 1 for every pair (Wiatowski & Bölcskei 2018; the discrete
    norms of docs/theory.md keep the proof).  A pair with f = h counts as 0.  Lower frame bounds
    play no role.

    Pairs: ``n_random`` white-noise pairs and ``n_random`` band-limited
    pairs (R = 1/8), then from each input f: (f, 0), (f, f + 1e-3·noise),
    (f, f shifted by one sample along axis 0), (f, −f), (f, f/2).  The
    adversarial pairs start from the ``adversarial_starts`` pairs with the
    largest ratio plus one fresh random pair, and take ``adversarial_steps``
    steps of normalised gradient ascent on log(ratio) through the torch path
    (autograd through the network): f ← f + η rms(f) ∇_f/rms(∇_f), likewise
    for the difference h − f, η = 0.1 halved every 10 steps.  Skipped
    (no ``adversarial`` entry) when torch is not installed.

    Parameters
    ----------
    net : Network
    inputs : array (B, *net.shape), NumPy or torch, optional
    n_random, adversarial_steps, adversarial_starts : int
    seed : int

    Returns
    -------
    NonExpansiveness
    """
    x, ref = _prepare(net, inputs, seed)
    rng = np.random.default_rng(seed)
    complex_ = not net.real_input

    def noise(n):
        z = rng.standard_normal((n,) + net.shape)
        return z + 1j * rng.standard_normal(z.shape) if complex_ else z

    pairs = {}
    if n_random:
        pairs["random"] = (noise(n_random), noise(n_random))
        pairs["band-limited"] = (
            bandlimited(net.shape, 1 / 8, n_random, seed=seed + 1, real=not complex_),
            bandlimited(net.shape, 1 / 8, n_random, seed=seed + 2, real=not complex_),
        )
    scale = np.sqrt(_norm2(x) / math.prod(net.shape)).reshape((-1,) + (1,) * net.ndim)
    pairs["f vs 0"] = (x, np.zeros_like(x))
    pairs["perturbation"] = (x, x + 1e-3 * scale * noise(len(x)))
    pairs["shift"] = (x, np.roll(x, 1, axis=1))
    pairs["sign"] = (x, -x)
    pairs["half"] = (x, 0.5 * x)
    ratios = {k: _ratio(_distance2(net, f, h, ref), _norm2(f - h)) for k, (f, h) in pairs.items()}
    history = ()
    if adversarial_steps > 0 and torch_or_none() is not None:
        ranked = sorted(((r, k, i) for k, rs in ratios.items() for i, r in enumerate(rs)), reverse=True)
        starts = [(pairs[k][0][i], pairs[k][1][i]) for _, k, i in ranked[:adversarial_starts]]
        starts.append((noise(1)[0], noise(1)[0]))
        f0, h0 = np.stack([s[0] for s in starts]), np.stack([s[1] for s in starts])
        best, history = _ascend(net, f0, h0, ref, adversarial_steps)
        ratios["adversarial"] = best
    ratios = {k: [float(r) for r in v] for k, v in ratios.items()}
    worst_kind = max(ratios, key=lambda k: max(ratios[k]))
    return NonExpansiveness(
        ratios, max(ratios[worst_kind]), worst_kind, admissibility(net).admissible, _tolerance(ref), tuple(history)
    )


def _ratio(num, den):
    """√(num/den), 0 where den = 0."""
    return np.sqrt(_divide(num, den))


def _divide(a, b):
    """a/b elementwise (broadcast), 0 where b = 0: a zero signal or a zero change gives no information."""
    a, b = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
    return np.divide(a, b, out=np.zeros(a.shape), where=b > 0)


def _ascend(net, f0, h0, ref, steps):
    """Normalised gradient ascent on log |||Φ(f) − Φ(h)|||² / ‖f − h‖², per pair; the best ratio seen.

    On a CPU it runs on one torch thread (restored after): the tensors are a
    few small images, and intra-op threads only add synchronisation — on a
    2-core machine shared with other jobs, 2 threads took 30 s where one took
    1.5 s.
    """
    torch = torch_or_none()
    device = ref.device if hasattr(ref, "device") else "cpu"
    threads = torch.get_num_threads()
    if str(device).startswith("cpu"):
        torch.set_num_threads(1)
    try:
        return _ascend_steps(torch, net, f0, h0, device, steps)
    finally:
        torch.set_num_threads(threads)


def _ascend_steps(torch, net, f0, h0, device, steps):
    dtype = torch.complex128 if np.iscomplexobj(f0) else torch.float64
    f = torch.tensor(f0, dtype=dtype, device=device, requires_grad=True)
    d = torch.tensor(h0 - f0, dtype=dtype, device=device, requires_grad=True)
    axes = tuple(range(1, f.ndim))
    best = np.zeros(len(f0))
    history = []
    for step in range(steps + 1):
        both = net.layers(torch.cat([f, f + d]))
        B = len(f0)
        num = sum((a[:B] - a[B:]).abs().pow(2).sum(dim=tuple(range(1, a.ndim))) for a in both)
        den = d.abs().pow(2).sum(dim=axes)
        ratio = torch.sqrt(num / den).detach().cpu().numpy()
        best = np.maximum(best, ratio)
        history.append(float(best.max()))
        if step == steps:
            break
        torch.log(num / den).sum().backward()
        eta = 0.1 * 0.5 ** (step // 10)
        with torch.no_grad():
            for p in (f, d):
                g = p.grad
                rms_p = p.abs().pow(2).mean(dim=axes, keepdim=True).sqrt()
                rms_g = g.abs().pow(2).mean(dim=axes, keepdim=True).sqrt().clamp_min(1e-300)
                p += eta * rms_p * g / rms_g
                p.grad = None
    return best, history


# ------------------------------------------------------------------ 3. translation
def lowpass_K(net):
    """K_n = max_ν |χ̂_n(ν)|·|ν| of each layer's output atom, in two units.

    Returns
    -------
    K : ndarray (N + 1,)
        ν in cycles per sample of layer n's grid: the unit in which the
        bound reads 2π|t|K_n/P_n with t in input samples.
    K_input : ndarray (N + 1,)
        ω = 2πν/P_n in radians per sample of the input grid:
        K_input = 2πK/P_n, and the same bound reads |t|·K_input.
    P : ndarray (N + 1,)
        The pooling products P_n = S_1⋯S_n (P_0 = 1).
    """
    P = np.array(_pooling_products(net), dtype=np.float64)
    K = []
    for n in range(net.depth + 1):
        bank = net.bank(n)
        nu = np.sqrt(np.sum(_frequencies(bank.shape) ** 2, axis=0))
        K.append(float(np.max(np.abs(bank.lowpass) * nu)))
    K = np.array(K)
    return K, 2 * np.pi * K / P, P


def shift(x, t):
    """T_t x (x(· − t)) on the periodic grid, on the last ``len(t)`` axes of a NumPy batch.

    Integer t: an exact circular shift.  Otherwise the band-limited shift,
    multiplying the DFT by e^{−2πi⟨ν, t⟩} (ν in cycles per sample); for real
    x the real part is kept (which only changes the Nyquist bins of even
    axes, where the shift's phase is not Hermitian).
    """
    x = np.asarray(x)
    t = np.atleast_1d(np.asarray(t, dtype=np.float64))
    axes = tuple(range(x.ndim - len(t), x.ndim))
    if np.all(t == np.round(t)):
        return np.roll(x, tuple(int(v) for v in t), axis=axes)
    nu = _frequencies(x.shape[x.ndim - len(t) :])
    phase = np.exp(-2j * np.pi * np.tensordot(t, nu, axes=1))
    y = np.fft.ifftn(np.fft.fftn(x, axes=axes) * phase, axes=axes)
    return y.real if not np.iscomplexobj(x) else y


@dataclass(frozen=True)
class TranslationInvariance(_Result):
    """Per layer n (rows) and shift t (columns): measured against the Thm 1 bound.

    Attributes
    ----------
    shifts : (T, d) shifts in input samples.
    P, K, K_input : pooling products and K_n (see :func:`lowpass_K`).
    measured : (N+1, T) max over inputs of |||Φ^n(T_t f) − Φ^n(f)||| / ‖f‖.
    bound : (N+1, T) 2π|t|K_n/P_n.
    applies : (N+1, T) the discrete theorem applies: t ∈ P_n ℤ^d (exact
        covariance on the torus), or n = 0 (Φ^0 = f * χ_0 is linear and
        shift-covariant for every real t, sub-pixel ones included).
    covariance_error : (N+1, T) max over inputs of
        |||Φ^n(T_t f) − T_{t/P_n}Φ^n(f)||| / ‖f‖ where t ∈ P_n ℤ^d, NaN
        elsewhere (relative to ‖f‖, not to |||Φ^n f|||, which can be ~0:
        a band-limited f has no energy in fine-scale paths).
    holds : measured ≤ bound (1 + tolerance) wherever the theorem applies.
    margin : min over those of 1 − measured/bound.
    covariance_holds : every covariance error ≤ tolerance.
    off_theorem_worst : max measured/bound where the theorem does not apply
        (sub-sampling phase; informative, not a violation).
    """

    shifts: np.ndarray
    P: np.ndarray
    K: np.ndarray
    K_input: np.ndarray
    measured: np.ndarray
    bound: np.ndarray
    applies: np.ndarray
    covariance_error: np.ndarray
    tolerance: float
    _derived = ("holds", "margin", "covariance_holds", "off_theorem_worst")

    def _ratio(self, where):
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(self.bound > 0, self.measured / self.bound, np.where(self.measured > 0, np.inf, 0.0))
        return r[where]

    @property
    def holds(self):
        return bool(
            np.all(
                self.measured[self.applies] <= self.bound[self.applies] * (1 + self.tolerance) + self.tolerance * 1e-3
            )
        )

    @property
    def margin(self):
        r = self._ratio(self.applies)
        return float(1 - r.max()) if r.size else float("nan")

    @property
    def covariance_holds(self):
        e = self.covariance_error[np.isfinite(self.covariance_error)]
        return bool(np.all(e <= self.tolerance))

    @property
    def off_theorem_worst(self):
        r = self._ratio(~self.applies)
        return float(r.max()) if r.size else float("nan")


def _default_shifts(net):
    d, P = net.ndim, _pooling_products(net)[-1]
    limit = min(net.shape) // 4
    mags = [m for m in (0.5, 1, 2, 4, 8, 16, 32) if m <= max(limit, 1)]
    shifts = [(m,) + (0,) * (d - 1) for m in mags]
    if d > 1 and P <= limit:
        shifts.append((P,) * d)
    return shifts


def translation_invariance(net, inputs=None, shifts=None, *, seed=0):
    r"""Theorem 1 (vertical translation invariance) and translation covariance, per layer and shift.

    Statement (Wiatowski & Bölcskei 2018, Thm 1): for an admissible network
    and K_n ≥ sup |χ̂_n(ν)|·|ν|,

        |||Φ^n(T_t f) − Φ^n(f)||| ≤ 2π |t| K_n / P_n · ‖f‖,   P_n = S_1⋯S_n.

    Derivation on the grid, and its units.  Layer n's grid has one sample
    every P_n input samples; its frequencies ν are in cycles per layer-n
    sample.  For t ∈ P_n ℤ^d (t in input samples) the network is exactly
    covariant on the torus, Φ^n(T_t f) = T_s Φ^n(f) with s = t/P_n layer-n
    samples, so for each path q, in the DFT of layer n,

        (T_s Φ^n f − Φ^n f)^(ν) = (e^{−2πi⟨ν,s⟩} − 1) χ̂_n(ν) (U[q]f)^(ν),
        |e^{−2πi⟨ν,s⟩} − 1| ≤ 2π|ν||s|  (ν the alias of smallest norm),

    whence ‖T_sΦ^n_q − Φ^n_q‖ ≤ 2π|s| K_n ‖U[q]f‖ with K_n in cycles per
    layer-n sample, and Σ_q ‖U[q]f‖² = W_n(f) ≤ ‖f‖² (admissibility) gives
    the bound with |s| = |t|/P_n.  In radians per *input* sample,
    ω = 2πν/P_n, K_input = 2πK_n/P_n and the bound is |t|·K_input: the same
    number (both are returned).  Writing 2π|t|K/P_n with K in radians per
    input sample would be off by 2π/P_n.

    Where the derivation does not hold: t ∉ P_n ℤ^d at a layer n ≥ 1.  The
    sub-sampling then takes other samples (and a sub-pixel Fourier shift does
    not commute with a pointwise non-linearity on a grid), so the discrete
    network is not covariant; the continuous theorem has no counterpart of
    this aliasing.  Those cells are measured and reported
    (``off_theorem_worst``) but not part of the verdict.  Layer 0 is covered
    for every real t, sub-pixel shifts included (T_t by Fourier phase, see
    :func:`shift`).

    Parameters
    ----------
    net : Network
    inputs : array (B, *net.shape), NumPy or torch, optional
    shifts : sequence of d-tuples (input samples), optional
        A scalar entry means the same shift along every axis.  Default:
        0.5, 1, 2, 4, … ≤ min(shape)/4 along axis 0, and (P_N, …, P_N).
    seed : int (for the default inputs)

    Returns
    -------
    TranslationInvariance
    """
    x, ref = _prepare(net, inputs, seed)
    d, B = net.ndim, len(x)
    shifts = np.array(
        _default_shifts(net)
        if shifts is None
        else [np.broadcast_to(np.atleast_1d(np.asarray(t, dtype=np.float64)), (d,)) for t in shifts],
        dtype=np.float64,
    ).reshape(-1, d)
    K, K_input, P = lowpass_K(net)
    base = _layers(net, x, ref)
    moved = _layers(net, np.concatenate([shift(x, t) for t in shifts]), ref)
    norms = np.sqrt(_norm2(x))
    T, N1 = len(shifts), net.depth + 1
    measured, cov = np.zeros((N1, T)), np.full((N1, T), np.nan)
    applies = np.zeros((N1, T), dtype=bool)
    for n in range(N1):
        for j, t in enumerate(shifts):
            a = moved[n][j * B : (j + 1) * B]
            measured[n, j] = np.max(_divide(np.sqrt(_layer_energy(a - base[n])), norms))
            s = t / P[n]
            lattice = bool(np.all(s == np.round(s)))
            applies[n, j] = lattice or n == 0
            if lattice:
                rolled = np.roll(base[n], tuple(int(v) for v in s), axis=tuple(range(-d, 0)))
                cov[n, j] = float(np.max(_divide(np.sqrt(_layer_energy(a - rolled)), norms)))
    bound = 2 * np.pi * np.linalg.norm(shifts, axis=1)[None, :] * (K / P)[:, None]
    return TranslationInvariance(shifts, P, K, K_input, measured, bound, applies, cov, _tolerance(ref))


# ------------------------------------------------------------------ test signals
def bandlimited(shape, R, n=1, *, seed=0, real=True):
    """``n`` random signals whose DFT vanishes outside the ball |ν| ≤ R (cycles/sample), unit RMS.

    The DFT coefficients inside the ball are i.i.d. complex Gaussians; real
    signals keep the real part (the ball is symmetric, so the support is
    unchanged).  R must leave at least one non-zero frequency on the grid.
    """
    shape = tuple(shape)
    rng = np.random.default_rng(seed)
    inside = np.sqrt(np.sum(_frequencies(shape) ** 2, axis=0)) <= R
    inside.flat[0] = True
    if inside.sum() < 2:
        raise ValueError(f"band limit R={R} cycles/sample holds no non-zero frequency of the grid {shape}")
    coef = (rng.standard_normal((n,) + shape) + 1j * rng.standard_normal((n,) + shape)) * inside
    axes = tuple(range(1, len(shape) + 1))
    x = np.fft.ifftn(coef, axes=axes)
    return _unit_rms(x.real if real else x)


def white_noise(shape, n=1, *, seed=0, real=True):
    """``n`` i.i.d. standard normal signals (complex: real and imaginary parts), unit RMS."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n,) + tuple(shape))
    if not real:
        z = z + 1j * rng.standard_normal(z.shape)
    return _unit_rms(z)


def project_bandlimited(x, R):
    """Each signal of the batch with its DFT set to zero outside |ν| ≤ R, then unit RMS."""
    x = np.asarray(x)
    shape = x.shape[1:]
    axes = tuple(range(1, x.ndim))
    inside = np.sqrt(np.sum(_frequencies(shape) ** 2, axis=0)) <= R
    y = np.fft.ifftn(np.fft.fftn(x, axes=axes) * inside, axes=axes)
    return _unit_rms(y if np.iscomplexobj(x) else y.real)


class Cartoon:
    """A cartoon function f = f₁ + 1_D (Grohs et al. 2016) on the periodic grid, evaluable anywhere.

    f₁ is a trigonometric polynomial of wave numbers |κ|_∞ ≤ 2 (smooth,
    amplitude ≤ ½); D is a domain with a smooth boundary centred near the
    middle of the grid: in 2-D the star ρ < r₀(1 + 0.15 cos(3θ + φ)),
    r₀ = min(shape)/4; otherwise an ellipsoid with semi-axes (1 ± 0.2) N_i/4.
    Being defined everywhere, it is deformed exactly: ``sample(deformation)``
    evaluates f(x − τ(x)) at the grid points, not an interpolation.
    """

    def __init__(self, shape, *, seed=0):
        rng = np.random.default_rng(seed)
        self.shape = tuple(shape)
        d = len(self.shape)
        N = np.array(self.shape, dtype=np.float64)
        self.centre = N / 2 + rng.uniform(-0.05, 0.05, d) * N
        waves = [k for k in np.ndindex(*(5,) * d) if any(k)]
        pick = rng.choice(len(waves), size=min(4, len(waves)), replace=False)
        self.kappa = np.array([waves[i] for i in pick], dtype=np.float64) - 2
        self.amplitude = rng.uniform(0.05, 0.125, len(pick))
        self.phase = rng.uniform(0, 2 * np.pi, len(pick))
        self.r0 = min(self.shape) / 4
        self.semi_axes = N / 4 * rng.uniform(0.8, 1.2, d)
        self.star_phase = float(rng.uniform(0, 2 * np.pi))

    def __call__(self, points):
        """f at points (P, d) in input samples (any real coordinates; periodic)."""
        points = np.asarray(points, dtype=np.float64)
        N = np.array(self.shape, dtype=np.float64)
        smooth = np.cos(2 * np.pi * (points / N) @ self.kappa.T + self.phase) @ self.amplitude
        delta = np.mod(points - self.centre + N / 2, N) - N / 2
        if len(self.shape) == 2:
            rho = np.hypot(delta[:, 0], delta[:, 1])
            theta = np.arctan2(delta[:, 1], delta[:, 0])
            inside = rho < self.r0 * (1 + 0.15 * np.cos(3 * theta + self.star_phase))
        else:
            inside = np.sum((delta / self.semi_axes) ** 2, axis=1) < 1
        return smooth + inside

    def sample(self, deformation=None):
        """The grid samples of f, or of f(x − τ(x)) (times the modulation's real part) when deformed."""
        pts = _positions(self.shape)
        if deformation is not None:
            pts = pts - deformation.tau.reshape(len(self.shape), -1).T
        f = self(pts).reshape(self.shape)
        if deformation is not None and deformation.omega_sup:
            f = f * np.cos(2 * np.pi * deformation.omega)
        return f


def cartoons(shape, n=1, *, seed=0):
    """``n`` :class:`Cartoon` functions on the grid (deterministic in ``seed``)."""
    return [Cartoon(shape, seed=seed + 1000 * i) for i in range(n)]


def default_inputs(shape, *, seed=0):
    """The documented default inputs: (batch (3, *shape) float64, names), each of unit RMS.

    1. ``smooth``: a band-limited signal, R = 1/8 cycles/sample
       (:func:`bandlimited`);
    2. ``cartoon``: a :class:`Cartoon` (smooth part plus the indicator of a
       smooth domain);
    3. ``natural``: a centred crop of scikit-image's ``camera`` when
       scikit-image is installed, otherwise scikit-learn's first ``digits``
       image (8×8) upsampled by cubic interpolation, resized to the grid (a
       1-D grid takes the middle row; 3-D and no image library give white
       noise, named ``noise``).
    """
    shape = tuple(shape)
    x = [bandlimited(shape, 1 / 8, 1, seed=seed)[0], _unit_rms(cartoons(shape, 1, seed=seed)[0].sample()[None])[0]]
    names = ["smooth", "cartoon"]
    image, name = _natural_image(shape)
    if image is None:
        image, name = white_noise(shape, 1, seed=seed + 7)[0], "noise"
    x.append(_unit_rms(image[None])[0])
    names.append(name)
    return np.stack(x), names


def _natural_image(shape):
    if len(shape) > 2:
        return None, None
    try:
        import skimage.data

        img, name = skimage.data.camera().astype(np.float64), "natural (skimage camera)"
        c = min(img.shape) // 2
        img = img[
            img.shape[0] // 2 - c // 2 : img.shape[0] // 2 + c // 2,
            img.shape[1] // 2 - c // 2 : img.shape[1] // 2 + c // 2,
        ]
    except ImportError:
        try:
            from sklearn.datasets import load_digits
        except ImportError:
            return None, None
        img, name = load_digits().images[0].astype(np.float64), "natural (sklearn digit, upsampled)"
    from scipy.ndimage import zoom

    if len(shape) == 1:
        img = img[img.shape[0] // 2][None]
        out = zoom(img, (1, shape[0] / img.shape[1]), order=3, mode="grid-wrap", grid_mode=True)[0]
    else:
        out = zoom(img, (shape[0] / img.shape[0], shape[1] / img.shape[1]), order=3, mode="grid-wrap", grid_mode=True)
    fixed = np.zeros(shape)
    sl = tuple(slice(0, min(a, b)) for a, b in zip(shape, out.shape))
    fixed[sl] = out[sl]
    return fixed, name


# ------------------------------------------------------------------ deformations
@dataclass(frozen=True)
class Deformation(_Result):
    """F_{τ,ω} f(x) = e^{2πiω(x)} f(x − τ(x)) on the grid (``docs/theory.md``, deformations).

    Attributes
    ----------
    tau : (d, *shape) displacement in input samples.
    omega : (*shape) modulation in cycles.
    tau_sup : max over grid points of |τ(x)| (Euclidean).
    jacobian_sup : a rigorous upper bound of sup_x ‖Dτ(x)‖₂ (spectral norm;
        ≥ every entry's sup), Σ_c |a_c| 2π|κ_c/N| over the field's terms.
    omega_sup : max |ω(x)|.
    """

    tau: np.ndarray
    omega: np.ndarray
    tau_sup: float
    jacobian_sup: float
    omega_sup: float

    def to_dict(self):
        return {"tau_sup": self.tau_sup, "jacobian_sup": self.jacobian_sup, "omega_sup": self.omega_sup}


def _smooth_field(shape, components, rng, n_terms=3, max_wavenumber=1):
    """A trigonometric field Σ_c a_c sin(2π⟨κ_c, x/N⟩ + φ_c) normalised to grid sup 1, and its Jacobian bound."""
    d = len(shape)
    N = np.array(shape, dtype=np.float64)
    waves = [
        np.array(k, dtype=np.float64) - max_wavenumber
        for k in np.ndindex(*(2 * max_wavenumber + 1,) * d)
        if any(v != max_wavenumber for v in k)
    ]
    pick = rng.choice(len(waves), size=n_terms, replace=len(waves) < n_terms)
    kappa = np.stack([waves[i] for i in pick])
    amp = rng.standard_normal((n_terms, components))
    phase = rng.uniform(0, 2 * np.pi, n_terms)
    pts = _positions(shape)
    field = np.sin(2 * np.pi * (pts / N) @ kappa.T + phase) @ amp  # (P, components)
    sup = float(np.max(np.sqrt(np.sum(field**2, axis=1))))
    jac = float(np.sum(np.linalg.norm(amp, axis=1) * 2 * np.pi * np.linalg.norm(kappa / N, axis=1)))
    return field.T.reshape((components,) + tuple(shape)) / sup, jac / sup


def smooth_deformation(shape, tau_sup, omega_sup=0.0, *, seed=0):
    """A smooth periodic deformation of the grid with ‖τ‖_∞ = ``tau_sup`` samples and ‖ω‖_∞ = ``omega_sup`` cycles.

    τ is a fixed (by ``seed``) random sum of three sines of wave numbers
    |κ|_∞ ≤ 1 (periods of the whole grid), scaled to the requested sup; ω
    likewise.  Only the amplitude depends on ``tau_sup``, so a sweep scales
    one field.  Raises ValueError when the rigorous bound of ‖Dτ‖_∞ exceeds
    1/(2d), Theorem 2's condition (see :func:`max_tau_sup`).
    """
    shape = tuple(shape)
    d = len(shape)
    rng = np.random.default_rng(seed)
    unit_tau, jac = _smooth_field(shape, d, rng)
    unit_omega, _ = _smooth_field(shape, 1, rng)
    if tau_sup * jac > 1 / (2 * d) * (1 + 1e-12):
        raise ValueError(
            f"tau_sup={tau_sup:.4g} samples gives ‖Dτ‖∞ ≤ {tau_sup * jac:.4g} > 1/(2d) = "
            f"{1 / (2 * d):.4g} on the grid {shape}; the largest allowed is "
            f"{max_tau_sup(shape, seed=seed):.4g} (max_tau_sup)"
        )
    return Deformation(
        tau_sup * unit_tau, omega_sup * unit_omega[0], float(tau_sup), float(tau_sup * jac), float(omega_sup)
    )


def max_tau_sup(shape, *, seed=0):
    """The largest ‖τ‖_∞ (samples) for which :func:`smooth_deformation`'s field keeps ‖Dτ‖_∞ ≤ 1/(2d)."""
    shape = tuple(shape)
    _, jac = _smooth_field(shape, len(shape), np.random.default_rng(seed))
    return 1 / (2 * len(shape)) / jac


def deform(x, deformation, *, real=None):
    """F_{τ,ω} x for a NumPy batch: band-limited (trigonometric) interpolation at x − τ(x), then the modulation.

    Each signal is its trigonometric interpolant, (1/|G|) Σ_ν x̂(ν)
    e^{2πi⟨ν, y⟩}, evaluated at y = x − τ(x): exact for band-limited
    signals, computed from the non-zero DFT coefficients only.  The
    modulation multiplies by e^{2πiω(x)}; for ``real`` signals (default: x
    real) by its real part cos(2πω(x)), so a real network sees a real
    signal — the decoupling inequality and the form of Theorem 2's bound are
    unchanged, since |1 − cos 2πω| ≤ 2π|ω|.
    """
    x = np.asarray(x)
    real = not np.iscomplexobj(x) if real is None else real
    shape = x.shape[1:]
    d = len(shape)
    axes = tuple(range(1, x.ndim))
    xh = np.fft.fftn(x, axes=axes).reshape(len(x), -1)
    mag = np.max(np.abs(xh), axis=0)
    keep = mag > 1e-13 * max(float(mag.max()), 1e-300)
    nu = _frequencies(shape).reshape(d, -1)[:, keep].T  # (K, d)
    coef = xh[:, keep]
    pts = _positions(shape) - deformation.tau.reshape(d, -1).T
    M = math.prod(shape)
    out = np.empty((len(x), len(pts)), np.complex128)
    chunk = max(1, (1 << 21) // max(1, len(nu)))
    for i in range(0, len(pts), chunk):
        E = np.exp(2j * np.pi * (pts[i : i + chunk] @ nu.T))
        out[:, i : i + chunk] = coef @ E.T / M
    out = out.reshape(x.shape)
    if deformation.omega_sup:
        out = out * (np.cos(2 * np.pi * deformation.omega) if real else np.exp(2j * np.pi * deformation.omega))
    return out.real if real else out


# ------------------------------------------------------------------ 4. deformation sensitivity
@dataclass(frozen=True)
class DeformationSensitivity(_Result):
    """Theorem 2 measured: one row per deformation, one column per test signal.

    Attributes
    ----------
    R : band limit of the test signals (cycles per input sample).
    deformations : the :class:`Deformation` records (``tau_sup``,
        ``jacobian_sup``, ``omega_sup``).
    feature_change : (M, B) |||Φ(Ff) − Φ(f)|||.
    signal_change : (M, B) ‖Ff − f‖.
    norms : (B,) ‖f‖.
    C : max feature_change / ((R‖τ‖_∞ + ‖ω‖_∞)‖f‖), the empirical constant
        of Theorem 2 for this network.
    C_signal : the same for ‖Ff − f‖ (the constant of the signal class;
        C ≤ C_signal by the decoupling).
    decoupling_holds : |||Φ(Ff) − Φ(f)||| ≤ ‖Ff − f‖ (1 + tolerance) for every pair.
    decoupling_margin : min of 1 − feature_change / signal_change.
    """

    R: float
    deformations: tuple
    feature_change: np.ndarray
    signal_change: np.ndarray
    norms: np.ndarray
    signal_names: tuple
    C: float
    C_signal: float
    tolerance: float
    _derived = ("decoupling_holds", "decoupling_margin", "scale")

    @property
    def scale(self):
        """(R‖τ‖_∞ + ‖ω‖_∞)‖f‖, shape (M, B)."""
        s = np.array([self.R * D.tau_sup + D.omega_sup for D in self.deformations])
        return s[:, None] * self.norms[None, :]

    @property
    def decoupling_holds(self):
        return bool(np.all(self.feature_change <= self.signal_change * (1 + self.tolerance) + 1e-300))

    @property
    def decoupling_margin(self):
        ok = self.signal_change > 0
        return float(np.min(1 - self.feature_change[ok] / self.signal_change[ok])) if ok.any() else float("nan")


def deformation_sensitivity(
    net, inputs=None, *, R=1 / 8, n_signals=3, tau_fractions=(0.1, 0.25, 0.5, 1.0), omega_sups=(0.0, 0.02, 0.05), seed=0
):
    """Theorem 2: |||Φ(F_{τ,ω} f) − Φ(f)||| ≤ C (R‖τ‖_∞ + ‖ω‖_∞) ‖f‖ for f band-limited to |ν| ≤ R.

    C is not explicit in the theorem; the function measures the smallest C
    that fits every (deformation, signal) pair, and checks the inequality
    the proof rests on, the decoupling |||Φ(Ff) − Φ(f)||| ≤ ‖Ff − f‖
    (non-expansiveness).

    Test signals: ``n_signals`` random band-limited signals
    (:func:`bandlimited`, radius R) and the inputs projected onto the ball
    |ν| ≤ R (:func:`project_bandlimited`), all of unit RMS.  Deformations:
    :func:`smooth_deformation` with ‖τ‖_∞ = each fraction of
    :func:`max_tau_sup` (so ‖Dτ‖_∞ ≤ 1/(2d)) and ‖τ‖_∞ = 0, times each
    ‖ω‖_∞ in ``omega_sups`` (the pair τ = 0, ω = 0 left out), applied by
    :func:`deform` (band-limited interpolation; for real networks the
    modulation's real part).

    Parameters
    ----------
    net : Network
    inputs : array (B, *net.shape), NumPy or torch, optional
        ``None`` uses only the synthetic band-limited signals.
    R : float, cycles per input sample (0 < R ≤ √d/2).
    n_signals : int
    tau_fractions : fractions of the largest admissible ‖τ‖_∞.
    omega_sups : modulation amplitudes, cycles.
    seed : int

    Returns
    -------
    DeformationSensitivity
    """
    real = net.real_input
    signals = [bandlimited(net.shape, R, n_signals, seed=seed + 11, real=real)] if n_signals else []
    names = [f"band-limited #{i}" for i in range(n_signals)]
    if inputs is not None:
        x, ref = _prepare(net, inputs)
        signals.append(project_bandlimited(x, R))
        names += [f"input {i} (projected)" for i in range(len(x))]
    else:
        ref = signals[0]
    if not signals:
        raise ValueError("deformation_sensitivity needs n_signals > 0 or inputs")
    f = np.concatenate(signals)
    tau_max = max_tau_sup(net.shape, seed=seed)
    taus = [0.0] + [float(a) * tau_max for a in tau_fractions]
    defs = [smooth_deformation(net.shape, t, w, seed=seed) for t in taus for w in omega_sups if t or w]
    moved = np.concatenate([deform(f, D, real=real) for D in defs])
    feat, sig = _changes(net, f, moved, ref)
    norms = np.sqrt(_norm2(f))
    scale = np.array([R * D.tau_sup + D.omega_sup for D in defs])[:, None] * norms[None, :]
    return DeformationSensitivity(
        float(R),
        tuple(defs),
        feat,
        sig,
        norms,
        tuple(names),
        float(np.max(_divide(feat, scale))),
        float(np.max(_divide(sig, scale))),
        _tolerance(ref),
    )


@dataclass(frozen=True)
class CartoonSensitivity(_Result):
    """Cartoon functions: |||Φ(F_τ f) − Φ(f)||| over a sweep of ‖τ‖_∞, with a fitted power law.

    Attributes
    ----------
    tau_sups : (M,) ‖τ‖_∞ in samples (‖Dτ‖_∞ ≤ 1/(2d) throughout).
    feature_change, signal_change : (M, B) |||Φ(F_τ f) − Φ(f)|||, ‖F_τ f − f‖.
    norms : (B,) ‖f‖.
    exponent, intercept : least-squares fit of log(mean_b feature_change/‖f‖)
        = intercept + exponent · log ‖τ‖_∞.  Grohs et al. (2016) bound the
        change by C K ‖τ‖_∞^{1/2}: an exponent ≥ ½ decays at least as fast.
    signal_exponent : the same fit for ‖F_τ f − f‖ (½ for the sampled indicator).
    CK : max feature_change / (‖f‖ ‖τ‖_∞^{1/2}), the empirical C·K.
    holds : exponent ≥ ½ − EXPONENT_SLACK and the decoupling holds.
    """

    tau_sups: np.ndarray
    feature_change: np.ndarray
    signal_change: np.ndarray
    norms: np.ndarray
    exponent: float
    intercept: float
    signal_exponent: float
    CK: float
    tolerance: float
    _derived = ("holds", "margin", "decoupling_holds")

    @property
    def decoupling_holds(self):
        return bool(np.all(self.feature_change <= self.signal_change * (1 + self.tolerance) + 1e-300))

    @property
    def holds(self):
        return bool(self.exponent >= 0.5 - EXPONENT_SLACK and self.decoupling_holds)

    @property
    def margin(self):
        """exponent − ½."""
        return float(self.exponent - 0.5)


def cartoon_sensitivity(net, *, n_signals=2, tau_sups=None, points=7, seed=0, like=None):
    """Deformation sensitivity on cartoon functions: the fitted exponent of ‖τ‖_∞.

    Each :class:`Cartoon` is sampled at x − τ(x) exactly (it is defined
    everywhere), for τ = :func:`smooth_deformation` with ‖τ‖_∞ swept
    geometrically over ``points`` values from 1/20 of :func:`max_tau_sup`
    to it (or ``tau_sups``).  No modulation.

    Parameters
    ----------
    net : Network
    n_signals, points, seed : int
    tau_sups : sequence of float, optional
    like : array, optional
        The network runs in this array's library, device and precision
        (default: NumPy float64).

    Returns
    -------
    CartoonSensitivity
    """
    tau_max = max_tau_sup(net.shape, seed=seed)
    taus = np.geomspace(tau_max / 20, tau_max, points) if tau_sups is None else np.asarray(tau_sups, float)
    shapes = cartoons(net.shape, n_signals, seed=seed + 101)
    f = np.stack([c.sample() for c in shapes])
    if not net.real_input:
        f = f.astype(np.complex128)
    ref = f if like is None else check_input(like, net.shape, "like", allow_complex=not net.real_input)[0]
    defs = [smooth_deformation(net.shape, t, seed=seed) for t in taus]
    moved = np.stack([c.sample(D) for D in defs for c in shapes]).astype(f.dtype)
    feat, sig = _changes(net, f, moved, ref)
    norms = np.sqrt(_norm2(f))
    exponent, intercept = _powerlaw(taus, feat / norms)
    sig_exponent, _ = _powerlaw(taus, sig / norms)
    CK = float(np.max(feat / norms[None, :] / np.sqrt(taus)[:, None]))
    return CartoonSensitivity(taus, feat, sig, norms, exponent, intercept, sig_exponent, CK, _tolerance(ref))


def _powerlaw(t, y):
    """Fit log(geometric mean over columns of y) = b + a log t; (a, b).  Zero rows are left out."""
    g = np.exp(np.mean(np.log(np.maximum(y, 1e-300)), axis=1))
    ok = g > 1e-200
    if ok.sum() < 2:
        return float("nan"), float("nan")
    a, b = np.polyfit(np.log(t[ok]), np.log(g[ok]), 1)
    return float(a), float(b)


# ------------------------------------------------------------------ 5. energy
@dataclass(frozen=True)
class EnergyPropagation(_Result):
    """Per-layer energies of each input.

    Attributes
    ----------
    feature : (N+1, B) |||Φ^n(f)|||².
    propagated : (N+1, B) W_n(f) = Σ_{|q|=n} ‖U[q]f‖² (W_0 = ‖f‖²).
    norm2 : (B,) ‖f‖².
    identity_applies : every frame is Parseval (A_n = B_n = 1 for the
        layer's input kind), the non-linearities are the modulus, every
        pooling factor is 1 and no path is pruned: then
        ‖f‖² = Σ_{n<N} |||Φ^n f|||² + W_N f exactly.
    reason : why it does not apply ("" when it does).
    residual : (B,) |‖f‖² − Σ_{n<N} |||Φ^n f|||² − W_N f| / ‖f‖².
    Derived: ``balance`` = (Σ_{n<N} |||Φ^n f|||² + W_N f)/‖f‖², ≤ 1 for
    any admissible network (the same telescoping argument as
    non-expansiveness); ``inequality_holds``; ``identity_holds``
    (residual ≤ 1e-10 in float64, 1e-4 in float32, when it applies);
    ``monotone`` (W_{n+1} ≤ W_n, also a consequence of admissibility).
    """

    feature: np.ndarray
    propagated: np.ndarray
    norm2: np.ndarray
    identity_applies: bool
    reason: str
    residual: np.ndarray
    tolerance: float
    _derived = ("balance", "inequality_holds", "identity_holds", "monotone")

    @property
    def balance(self):
        return _divide(np.sum(self.feature[:-1], axis=0) + self.propagated[-1], self.norm2)

    @property
    def inequality_holds(self):
        return bool(np.all(self.balance <= 1 + self.tolerance))

    @property
    def identity_holds(self):
        if not self.identity_applies:
            return None
        return bool(np.all(self.residual <= (1e-10 if self.tolerance < 1e-6 else self.tolerance)))

    @property
    def monotone(self):
        W = self.propagated
        return bool(np.all(W[1:] <= W[:-1] * (1 + self.tolerance) + self.tolerance * 1e-6 * W[0]))


def _identity_conditions(net):
    table = admissibility(net)
    for r in table.rows[:-1]:
        if abs(r.A - 1) > 1e-9 or abs(r.B - 1) > 1e-9:
            return f"layer {r.layer}'s frame is not Parseval (A = {r.A:.4g}, B = {r.B:.4g})"
    for n, m in enumerate(net.modules):
        if not isinstance(m.nonlinearity, Modulus):
            return f"layer {n}'s non-linearity is {m.nonlinearity.name}, not the modulus"
        if m.pooling.factor != 1:
            return f"layer {n} pools by S = {m.pooling.factor}"
    if net.prune:
        return f"paths are pruned ({net.prune})"
    return ""


def energy_propagation(net, inputs=None, *, seed=0):
    """|||Φ^n(f)|||² and W_n(f) per layer (``Network.energy``), and the energy identity where it applies.

    Statement (``docs/theory.md``, energy identity): with Parseval frames, the modulus and no
    pooling, ‖f‖² = Σ_{n<N} |||Φ^n(f)|||² + W_N(f) exactly — each layer
    splits ‖U[q]f‖² into ‖U[q]f * χ‖² and Σ_λ ‖U[q]f * g_λ‖² (LP ≡ 1), and
    the modulus keeps norms.  For any admissible network the right-hand side
    is ≤ ‖f‖² (``balance`` ≤ 1) and W_n does not increase.

    Parameters
    ----------
    net : Network
    inputs : array (B, *net.shape), NumPy or torch, optional

    Returns
    -------
    EnergyPropagation
    """
    x, ref = _prepare(net, inputs, seed)
    feats, W = net.energy(_like(x, ref))
    feature = np.stack([_numpy(a).reshape(-1) for a in feats])
    propagated = np.stack([_numpy(w).reshape(-1) for w in W])
    norm2 = _norm2(x)
    reason = _identity_conditions(net)
    residual = _divide(np.abs(norm2 - np.sum(feature[:-1], axis=0) - propagated[-1]), norm2)
    return EnergyPropagation(feature, propagated, norm2, not reason, reason, residual, _tolerance(ref))


def parseval_twin(net):
    """The network with every frame made Parseval (``tight=True``, scale 1), the modulus, no pooling, no pruning.

    The setting of the exact energy identity, with the network's own frame
    families.  Raises ValueError when a frame has no lower bound on the
    grid (A = 0: it cannot be made tight).
    """
    modules = []
    for m in net.modules:
        d = m.frame.to_dict()
        d.update(tight=True, scale=1.0)
        modules.append(Module(_frames.from_dict(d), Modulus(), NoPooling()))
    return net.replace(modules=modules, prune=None)


def deepen(net, depth):
    """The network extended to ``depth`` layers by repeating its last module.

    The appended layers render the last frame on the smaller grids they
    reach; where the frame's bound there exceeds 1 (a frame rendered on a
    coarser grid can have a slightly different LP sum) that layer alone is
    scaled down to max(B, B L² R²) = 1, so a deeper copy of an admissible
    network stays admissible.  Layers 0 … N − 1 and the features Φ^0 … Φ^N
    are those of ``net``; every option is kept, the feature grid of
    ``net(x)`` where it divides the deeper grids (it plays no part in the
    energies that ``deepen`` serves).  Raises ValueError when a grid becomes
    too small for the frame or not divisible by the pooling.
    """
    if depth <= net.depth:
        return net
    modules = list(net.modules) + [net.modules[-1]] * (depth - net.depth)
    grid = net.feature_grid
    deep = net.replace(modules=modules, feature_grid=None)
    if grid is not None and all(g % f == 0 for shape in deep.grids for g, f in zip(shape, grid)):
        deep = deep.replace(feature_grid=grid)
    bounds = deep.bounds()
    for n in range(net.depth, depth):
        if not bounds[n].admissible:
            m = modules[n]
            modules[n] = Module(m.frame.scaled(1 / math.sqrt(bounds[n].value)), m.nonlinearity, m.pooling)
    return deep.replace(modules=modules)


def _largest_intermediate(net):
    """Complex elements of the largest (paths × filters × grid) product per signal."""
    worst, paths = 0, 1
    for n in range(net.depth):
        K = len(net.bank(n))
        worst = max(worst, paths * K * math.prod(net.grids[n]))
        paths = len(net.paths(n + 1)) if net.prune else paths * K
        if paths > 1 << 24:
            return float("inf")
    return worst


@dataclass(frozen=True)
class EnergyDecay(_Result):
    """W_n / ‖f‖² on a deeper copy of the network, by kind of input, with an exponential fit.

    Attributes
    ----------
    depth : the depth D reached (≥ the network's; limited by the grid and
        ``PATH_BUDGET``).
    kinds : names of the input kinds (``smooth``, ``rough``, ``inputs``).
    propagated : dict kind → (D+1,) mean over signals of W_n / ‖f‖².
    feature : dict kind → (D+1,) mean of |||Φ^n f|||² / ‖f‖².
    rate : dict kind → ρ, the fitted W_n/‖f‖² ≈ a ρ^n over n = 1 … D
        (n = 0 and 1 when D = 1); per-layer decay factor, < 1 decays.
    intercept : dict kind → a.
    depth_features : dict kind → smallest N with Σ_{n≤N} |||Φ^n f|||² ≥
        (1 − ε)‖f‖² (the features of a depth-N network keep 1 − ε of the
        energy), or None when not reached by D.
    depth_propagated : dict kind → smallest N ≤ D with W_N ≤ ε‖f‖², or None.
    depth_propagated_extrapolated : dict kind → the same, extrapolated
        from the fit a ρ^N beyond D (None when ρ ≥ 1).
    kept : dict kind → Σ_{n≤D} |||Φ^n f|||² / ‖f‖², the fraction of the
        energy in the features of the deepest network (< 1 − ε when a
        frame's lower bound A < 1 loses energy at every layer).
    eps : ε.
    """

    depth: int
    kinds: tuple
    propagated: dict
    feature: dict
    rate: dict
    intercept: dict
    depth_features: dict
    depth_propagated: dict
    depth_propagated_extrapolated: dict
    kept: dict
    eps: float


def energy_decay(net, inputs=None, *, depth=None, eps=0.01, R_smooth=1 / 16, n_signals=2, seed=0, budget=PATH_BUDGET):
    """Decay of the propagated energy W_n with depth, on smooth and rough inputs.

    W_n decays exponentially for wavelet and Gabor frames on smooth
    (Sobolev) inputs (Wiatowski, Grohs & Bölcskei 2018); rough inputs can
    decay slowly.  Depths beyond the network's come from :func:`deepen`
    (the last module repeated): ``depth`` (default N + 3) is reduced to the
    largest depth that the grid allows and whose largest intermediate
    (paths × filters × grid) stays within ``budget`` complex elements per
    signal; signals run one at a time.

    Input kinds: ``smooth`` (``n_signals`` band-limited signals, radius
    ``R_smooth`` cycles/sample), ``rough`` (``n_signals`` white-noise
    signals) and ``inputs`` (when given).

    Returns
    -------
    EnergyDecay
    """
    target = net.depth + 3 if depth is None else max(int(depth), net.depth)
    deep = net
    for D in range(target, net.depth, -1):
        try:
            candidate = deepen(net, D)
        except ValueError:
            continue
        if _largest_intermediate(candidate) <= budget:
            deep = candidate
            break
    real = net.real_input
    kinds = {
        "smooth": bandlimited(net.shape, R_smooth, n_signals, seed=seed + 21, real=real),
        "rough": white_noise(net.shape, n_signals, seed=seed + 22, real=real),
    }
    ref = kinds["smooth"]
    if inputs is not None:
        x, ref = _prepare(net, inputs)
        x = x[_norm2(x) > 0]  # a zero signal has no energy to decay
        if len(x):
            kinds["inputs"] = x
    out = {
        k: {} for k in ("propagated", "feature", "rate", "intercept", "features_depth", "prop_depth", "extra", "kept")
    }
    D = deep.depth
    for name, x in kinds.items():
        W, F = [], []
        for f in x:
            feats, props = deep.energy(_like(f[None], ref))
            n2 = float(_norm2(f[None])[0])
            W.append([float(_numpy(w).reshape(-1)[0]) / n2 for w in props])
            F.append([float(_numpy(a).reshape(-1)[0]) / n2 for a in feats])
        W, F = np.mean(W, axis=0), np.mean(F, axis=0)
        lo = 1 if D >= 2 else 0
        ns = np.arange(lo, D + 1)
        ok = W[lo:] > 1e-300
        if ok.sum() >= 2:
            slope, icpt = np.polyfit(ns[ok], np.log(W[lo:][ok]), 1)
            rate, a = float(np.exp(slope)), float(np.exp(icpt))
        else:
            rate, a = 0.0, float(W[lo])
        cum = np.cumsum(F)
        reach = np.nonzero(cum >= 1 - eps)[0]
        below = np.nonzero(W <= eps)[0]
        extra = None
        if below.size:
            extra = int(below[0])
        elif 0 < rate < 1 and a > 0:
            extra = int(max(D + 1, math.ceil(math.log(eps / a) / math.log(rate))))
        out["propagated"][name], out["feature"][name] = W, F
        out["rate"][name], out["intercept"][name] = rate, a
        out["features_depth"][name] = int(reach[0]) if reach.size else None
        out["prop_depth"][name] = int(below[0]) if below.size else None
        out["extra"][name] = extra
        out["kept"][name] = float(cum[-1])
    return EnergyDecay(
        D,
        tuple(kinds),
        out["propagated"],
        out["feature"],
        out["rate"],
        out["intercept"],
        out["features_depth"],
        out["prop_depth"],
        out["extra"],
        out["kept"],
        float(eps),
    )
