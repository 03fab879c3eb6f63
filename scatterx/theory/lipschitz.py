"""Admissibility and non-expansiveness: the Lipschitz property of Φ (``docs/verify.md`` §1–2)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._optional import torch_or_none
from .._tolerances import ADMISSIBILITY_RTOL
from ..network import Module
from ._arrays import energy, ratio, tolerance
from ._common import Result, distance2, prepare
from .signals import band_limit, bandlimited

__all__ = ["AdmissibilityRow", "Admissibility", "admissibility", "scaled", "NonExpansiveness", "nonexpansiveness"]


@dataclass(frozen=True)
class AdmissibilityRow(Result):
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
class Admissibility(Result):
    """The table and its verdict: ``worst`` = max_n max(B_n, B_n L_n² R_n²) ≤ 1."""

    rows: tuple
    worst: float
    admissible: bool
    _derived = ("margin",)

    @property
    def margin(self):
        """1 − worst, the rounding tolerance ``ADMISSIBILITY_RTOL`` credited: ≥ 0 exactly when admissible."""
        return 1.0 + ADMISSIBILITY_RTOL - self.worst


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
            layer=b.layer,
            kind="module" if b.layer < net.depth else "output atom",
            A=b.A,
            B=b.B,
            L=b.L,
            R=b.R,
            S=b.S,
            value=b.value,
            admissible=b.admissible,
            real_input=real[b.layer],
        )
        for b in net.bounds()
    )
    return Admissibility(rows=rows, worst=max(r.value for r in rows), admissible=all(r.admissible for r in rows))


def scaled(net, c):
    """The same network with every frame's responses multiplied by ``c`` (bounds × c²).

    ``scaled(net, 3)`` of an admissible network is the non-admissible twin
    used to show that the non-expansiveness check can fail.
    """
    return net.replace(modules=[Module(m.frame.scaled(c), m.nonlinearity, m.pooling) for m in net.modules])


@dataclass(frozen=True)
class NonExpansiveness(Result):
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
    tolerance : the relative rounding slack of the precision the network ran in.
    adversarial_history : the best ratio after each ascent step (empty
        when torch is not installed or ``adversarial_steps=0``).
    holds : worst ≤ 1 + tolerance;  margin : 1 + tolerance − worst (≥ 0 exactly when it holds).
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
        return self.margin >= 0

    @property
    def margin(self):
        return 1.0 + self.tolerance - self.worst


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
    x, ref = prepare(net, inputs, seed)
    rng = np.random.default_rng(seed)
    complex_ = not net.real_input

    def noise(n):
        z = rng.standard_normal((n,) + net.shape)
        return z + 1j * rng.standard_normal(z.shape) if complex_ else z

    pairs = {}
    if n_random:
        pairs["random"] = (noise(n_random), noise(n_random))
        pairs["band-limited"] = (
            bandlimited(net.shape, band_limit(net.shape, 1 / 8), n_random, seed=seed + 1, real=not complex_),
            bandlimited(net.shape, band_limit(net.shape, 1 / 8), n_random, seed=seed + 2, real=not complex_),
        )
    scale = np.sqrt(energy(x) / math.prod(net.shape)).reshape((-1,) + (1,) * net.ndim)
    pairs["f vs 0"] = (x, np.zeros_like(x))
    pairs["perturbation"] = (x, x + 1e-3 * scale * noise(len(x)))
    pairs["shift"] = (x, np.roll(x, 1, axis=1))
    pairs["sign"] = (x, -x)
    pairs["half"] = (x, 0.5 * x)
    ratios = {k: ratio(distance2(net, f, h, ref), energy(f - h)) for k, (f, h) in pairs.items()}
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
        ratios=ratios,
        worst=max(ratios[worst_kind]),
        worst_kind=worst_kind,
        admissible=admissibility(net).admissible,
        tolerance=tolerance(ref),
        adversarial_history=tuple(history),
    )


def _ascend(net, f0, h0, ref, steps):
    """Normalised gradient ascent on log |||Φ(f) − Φ(h)|||² / ‖f − h‖², per pair; the best ratio seen.

    On a CPU it runs on one torch thread (restored after): the tensors are a
    few small images, and intra-op threads only add synchronisation.
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
        r = torch.sqrt(num / den).detach().cpu().numpy()
        best = np.maximum(best, r)
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
