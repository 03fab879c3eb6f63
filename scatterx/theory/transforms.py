"""The transformations the statements are about: translations T_t and deformations F_{τ,ω}.

Shifts and displacements are in samples of the input grid; a modulation
ω(x) is in cycles (``docs/verify.md``, units).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._arrays import frequencies, positions
from ._common import Result

__all__ = ["shift", "Field", "Deformation", "smooth_deformation", "max_tau_sup", "deform"]


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
    nu = frequencies(x.shape[x.ndim - len(t) :])
    phase = np.exp(-2j * np.pi * np.tensordot(t, nu, axes=1))
    y = np.fft.ifftn(np.fft.fftn(x, axes=axes) * phase, axes=axes)
    return y.real if not np.iscomplexobj(x) else y


@dataclass(frozen=True)
class Field:
    """A smooth periodic field Σ_c a_c sin(2π⟨κ_c, x/N⟩ + φ_c), evaluable at any point (input samples).

    ``kappa`` (C, d) wave numbers, ``amplitude`` (C, components), ``phase``
    (C,), ``shape`` the grid N.  ``lipschitz``: Σ_c |a_c| 2π|κ_c/N|, a
    rigorous bound of the spectral norm of its Jacobian everywhere.
    """

    kappa: np.ndarray
    amplitude: np.ndarray
    phase: np.ndarray
    shape: tuple

    def __call__(self, points):
        """The field at points (P, d): shape (components, P)."""
        N = np.array(self.shape, dtype=np.float64)
        return (np.sin(2 * np.pi * (np.asarray(points, np.float64) / N) @ self.kappa.T + self.phase) @ self.amplitude).T

    def around(self, points, offsets):
        """The field at points + offset for each offset: shape (len(offsets), len(points), components).

        sin(a + b) = sin a cos b + cos a sin b separates the points from the
        offsets, so the sines are taken once per point and once per offset.
        """
        N = np.array(self.shape, dtype=np.float64)
        a = 2 * np.pi * (np.asarray(points, np.float64) / N) @ self.kappa.T + self.phase
        b = 2 * np.pi * (np.asarray(offsets, np.float64) / N) @ self.kappa.T
        return (np.sin(a)[None] * np.cos(b)[:, None] + np.cos(a)[None] * np.sin(b)[:, None]) @ self.amplitude

    @property
    def lipschitz(self):
        N = np.array(self.shape, dtype=np.float64)
        return float(
            np.sum(np.linalg.norm(self.amplitude, axis=1) * 2 * np.pi * np.linalg.norm(self.kappa / N, axis=1))
        )

    def scaled(self, c):
        return Field(self.kappa, self.amplitude * c, self.phase, self.shape)


@dataclass(frozen=True)
class Deformation(Result):
    """F_{τ,ω} f(x) = e^{2πiω(x)} f(x − τ(x)) on the grid (``docs/theory.md``, deformations).

    Attributes
    ----------
    tau : (d, *shape) displacement in input samples at the grid points.
    omega : (*shape) modulation in cycles at the grid points.
    tau_sup : max over grid points of |τ(x)| (Euclidean).
    jacobian_sup : a rigorous upper bound of sup_x ‖Dτ(x)‖₂ (spectral norm;
        ≥ every entry's sup), Σ_c |a_c| 2π|κ_c/N| over the field's terms.
    omega_sup : max over grid points of |ω(x)|.
    tau_field, omega_field : the :class:`Field` s, to evaluate τ and ω
        between grid points (a refined grid); None for a deformation given
        by its grid values only.
    """

    tau: np.ndarray
    omega: np.ndarray
    tau_sup: float
    jacobian_sup: float
    omega_sup: float
    tau_field: Field | None = None
    omega_field: Field | None = None

    def to_dict(self):
        return {"tau_sup": self.tau_sup, "jacobian_sup": self.jacobian_sup, "omega_sup": self.omega_sup}

    def displacement(self, points, offsets=None):
        """τ at points (P, d) in input samples: shape (d, P); with ``offsets`` (k, d), τ at points + each
        offset, shape (k, P, d)."""
        if self.tau_field is None:
            raise ValueError("this Deformation holds grid values only; build it with smooth_deformation")
        return self.tau_field(points) if offsets is None else self.tau_field.around(points, offsets)


def _smooth_field(shape, components, rng, n_terms=3, max_wavenumber=1):
    """A :class:`Field` of ``n_terms`` sines of wave numbers |κ|_∞ ≤ ``max_wavenumber``, grid sup 1."""
    d = len(shape)
    waves = [
        np.array(k, dtype=np.float64) - max_wavenumber
        for k in np.ndindex(*(2 * max_wavenumber + 1,) * d)
        if any(v != max_wavenumber for v in k)
    ]
    pick = rng.choice(len(waves), size=n_terms, replace=len(waves) < n_terms)
    field = Field(
        np.stack([waves[i] for i in pick]),
        rng.standard_normal((n_terms, components)),
        rng.uniform(0, 2 * np.pi, n_terms),
        tuple(shape),
    )
    sup = float(np.max(np.sqrt(np.sum(field(positions(shape)) ** 2, axis=0))))
    return field.scaled(1 / sup)


def smooth_deformation(shape, tau_sup, omega_sup=0.0, *, seed=0):
    """A smooth periodic deformation of the grid with ‖τ‖_∞ = ``tau_sup`` samples and ‖ω‖_∞ = ``omega_sup`` cycles.

    τ is a fixed (by ``seed``) random sum of three sines of wave numbers
    |κ|_∞ ≤ 1 (periods of the whole grid), scaled to the requested sup over
    the grid points; ω likewise.  Only the amplitude depends on ``tau_sup``,
    so a sweep scales one field.  Raises ValueError when the rigorous bound
    of ‖Dτ‖_∞ exceeds 1/(2d), Theorem 2's condition (see :func:`max_tau_sup`).
    """
    shape = tuple(shape)
    d = len(shape)
    rng = np.random.default_rng(seed)
    unit_tau = _smooth_field(shape, d, rng)
    unit_omega = _smooth_field(shape, 1, rng)
    if tau_sup * unit_tau.lipschitz > 1 / (2 * d) * (1 + 1e-12):
        raise ValueError(
            f"tau_sup={tau_sup:.4g} samples gives ‖Dτ‖∞ ≤ {tau_sup * unit_tau.lipschitz:.4g} > 1/(2d) = "
            f"{1 / (2 * d):.4g} on the grid {shape}; the largest allowed is "
            f"{max_tau_sup(shape, seed=seed):.4g} (max_tau_sup)"
        )
    tau, omega = unit_tau.scaled(tau_sup), unit_omega.scaled(omega_sup)
    pts = positions(shape)
    return Deformation(
        tau=tau(pts).reshape((d,) + shape),
        omega=omega(pts).reshape(shape),
        tau_sup=float(tau_sup),
        jacobian_sup=float(tau.lipschitz),
        omega_sup=float(omega_sup),
        tau_field=tau,
        omega_field=omega,
    )


def max_tau_sup(shape, *, seed=0):
    """The largest ‖τ‖_∞ (samples) for which :func:`smooth_deformation`'s field keeps ‖Dτ‖_∞ ≤ 1/(2d)."""
    shape = tuple(shape)
    return 1 / (2 * len(shape)) / _smooth_field(shape, len(shape), np.random.default_rng(seed)).lipschitz


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
    nu = frequencies(shape).reshape(d, -1)[:, keep].T  # (K, d)
    coef = xh[:, keep]
    pts = positions(shape) - deformation.tau.reshape(d, -1).T
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
