"""Test signals of the checks: band-limited signals, white noise, cartoon functions, the default inputs.

Every generator is deterministic in its ``seed`` and returns NumPy float64
(or complex128) batches ``(n, *shape)``; frequencies are in cycles per
sample (``docs/verify.md``, units).
"""

from __future__ import annotations

import math

import numpy as np

from ._arrays import frequencies, positions, unit_rms

__all__ = [
    "band_limit",
    "bandlimited",
    "white_noise",
    "project_bandlimited",
    "Cartoon",
    "cartoons",
    "refinement",
    "LipschitzFunction",
    "lipschitz_functions",
    "default_inputs",
]

# Points of the refined grid that area sampling evaluates per signal (in chunks of an eighth).
REFINED_POINTS = 2**18
# Safety factor on perimeters and surface areas computed by quadrature (spectrally accurate to ~1e-13).
QUADRATURE_SLACK = 1 + 1e-9


def band_limit(shape, R):
    """R, raised to the grid's smallest non-zero frequency 1/max(shape) when it holds none (tiny grids)."""
    return max(float(R), 1 / max(shape))


def bandlimited(shape, R, n=1, *, seed=0, real=True):
    """``n`` random signals whose DFT vanishes outside the ball |ν| ≤ R (cycles/sample), unit RMS.

    The DFT coefficients inside the ball are i.i.d. complex Gaussians; real
    signals keep the real part (the ball is symmetric, so the support is
    unchanged).  R must leave at least one non-zero frequency on the grid.
    """
    shape = tuple(shape)
    rng = np.random.default_rng(seed)
    inside = np.sqrt(np.sum(frequencies(shape) ** 2, axis=0)) <= R
    inside.flat[0] = True
    if inside.sum() < 2:
        raise ValueError(f"band limit R={R} cycles/sample holds no non-zero frequency of the grid {shape}")
    coef = (rng.standard_normal((n,) + shape) + 1j * rng.standard_normal((n,) + shape)) * inside
    axes = tuple(range(1, len(shape) + 1))
    x = np.fft.ifftn(coef, axes=axes)
    return unit_rms(x.real if real else x)


def white_noise(shape, n=1, *, seed=0, real=True):
    """``n`` i.i.d. standard normal signals (complex: real and imaginary parts), unit RMS."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n,) + tuple(shape))
    if not real:
        z = z + 1j * rng.standard_normal(z.shape)
    return unit_rms(z)


def project_bandlimited(x, R):
    """Each signal of the batch with its DFT set to zero outside |ν| ≤ R, then unit RMS."""
    x = np.asarray(x)
    x = x.astype(np.complex128 if np.iscomplexobj(x) else np.float64)  # test signals are built in float64
    shape = x.shape[1:]
    axes = tuple(range(1, x.ndim))
    inside = np.sqrt(np.sum(frequencies(shape) ** 2, axis=0)) <= R
    y = np.fft.ifftn(np.fft.fftn(x, axes=axes) * inside, axes=axes)
    return unit_rms(y if np.iscomplexobj(x) else y.real)


class Cartoon:
    """A cartoon function f = f₁ + 1_D (Grohs et al. 2016) on the periodic grid, evaluable anywhere.

    f₁ is a trigonometric polynomial of wave numbers |κ|_∞ ≤ 2 (smooth,
    amplitude ≤ ½); D is a domain with a smooth boundary centred near the
    middle of the grid: in 2-D the star ρ < r₀(1 + 0.15 cos(3θ + φ)),
    r₀ = min(shape)/4; otherwise an ellipsoid with semi-axes (1 ± 0.2) N_i/4
    (in 1-D an interval).  Being defined everywhere, it is deformed exactly:
    f(x − τ(x)) is evaluated, never interpolated.  ``sample`` takes the value
    at each grid point; ``area_sample`` the mean over each sample's cell
    (the sampling that keeps the boundary's motion visible below one sample,
    ``docs/theory.md``, cartoon functions).
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
        return self.smooth(points) + self.inside(points)

    def smooth(self, points):
        """f₁ at points (P, d)."""
        N = np.array(self.shape, dtype=np.float64)
        return np.cos(2 * np.pi * (np.asarray(points, np.float64) / N) @ self.kappa.T + self.phase) @ self.amplitude

    def inside(self, points):
        """1_D at points (P, d), as floats."""
        N = np.array(self.shape, dtype=np.float64)
        delta = np.mod(np.asarray(points, np.float64) - self.centre + N / 2, N) - N / 2
        if len(self.shape) == 2:
            u = delta[:, 0] + 1j * delta[:, 1]
            rho = np.abs(u)
            # cos(3θ + φ) = Re(e^{iφ} (u/|u|)³), without arctan2
            c3 = np.real(np.exp(1j * self.star_phase) * (u / np.where(rho > 0, rho, 1)) ** 3)
            return (rho < self.r0 * (1 + 0.15 * c3)).astype(np.float64)
        return (np.sum((delta / self.semi_axes) ** 2, axis=1) < 1).astype(np.float64)

    def sample(self, deformation=None):
        """The grid samples of f, or of f(x − τ(x)) (times the modulation's real part) when deformed."""
        pts = positions(self.shape)
        if deformation is not None:
            pts = pts - deformation.tau.reshape(len(self.shape), -1).T
        f = self(pts).reshape(self.shape)
        if deformation is not None and deformation.omega_sup:
            f = f * np.cos(2 * np.pi * deformation.omega)
        return f

    def area_sample(self, refine, deformation=None):
        """(samples, sup |τ| over the points used): f₁ sampled at each grid point, 1_D averaged over its cell.

        The jump is area-sampled: sample x holds the fraction of its cell
        [x − ½, x + ½)^d inside D, from the refine^d points
        y = x − ½ + (k + ½)/refine, each deformed to y − τ(y); the smooth
        part f₁ is sampled at x − τ(x).  Without a deformation the second
        value is 0.
        """
        d = len(self.shape)
        grid = positions(self.shape)
        ticks = (np.arange(refine) + 0.5) / refine - 0.5
        offsets = np.stack(np.meshgrid(*[ticks] * d, indexing="ij"), -1).reshape(-1, d)
        step = max(1, REFINED_POINTS // (8 * len(grid)))
        fraction, tau_sup = np.zeros(len(grid)), 0.0
        for i in range(0, len(offsets), step):
            pts = grid[None, :, :] + offsets[i : i + step, None, :]
            if deformation is not None:
                tau = deformation.displacement(grid, offsets[i : i + step])
                tau_sup = max(tau_sup, float(np.sqrt(np.max(np.sum(tau**2, axis=-1)))))
                pts = pts - tau
            fraction += self.inside(pts.reshape(-1, d)).reshape(-1, len(grid)).sum(axis=0)
        centres = grid if deformation is None else grid - deformation.displacement(grid).T
        return (self.smooth(centres) + fraction / len(offsets)).reshape(self.shape), tau_sup

    @property
    def smooth_lipschitz(self):
        """Lipschitz constant of f₁ (value per input sample): Σ_c a_c 2π|κ_c/N|."""
        N = np.array(self.shape, dtype=np.float64)
        return float(np.sum(self.amplitude * 2 * np.pi * np.linalg.norm(self.kappa / N, axis=1)))

    def boundary_tube(self, rho):
        """An upper bound of the measure (samples^d) of the points within distance ``rho`` of ∂D.

        1-D: two end points, 4ρ.  2-D: the ρ-neighbourhood of a closed curve
        of length L has area ≤ 2ρL + πρ² (L by quadrature).  3-D: the
        ellipsoid is convex, so (Steiner) its outer parallel body adds
        Sρ + Mρ² + (4π/3)ρ³ and its inner one removes at most Sρ, with S its
        surface area (quadrature) and M = ∫ mean curvature ≤ 4π a_max.
        """
        d = len(self.shape)
        if d == 1:
            return 4 * rho
        if d == 2:
            return 2 * rho * self._perimeter() + np.pi * rho**2
        a_max = float(np.max(self.semi_axes))
        return 2 * rho * self._surface() + 4 * np.pi * a_max * rho**2 + 4 * np.pi / 3 * rho**3

    def _perimeter(self):
        theta = np.linspace(0, 2 * np.pi, 4096, endpoint=False)
        r = self.r0 * (1 + 0.15 * np.cos(3 * theta + self.star_phase))
        dr = -self.r0 * 0.45 * np.sin(3 * theta + self.star_phase)
        return float(np.mean(np.hypot(r, dr)) * 2 * np.pi) * QUADRATURE_SLACK

    def _surface(self):
        a, b, c = self.semi_axes
        u = (np.arange(512) + 0.5) * np.pi / 512  # polar angle (midpoint rule)
        v = np.arange(1024) * 2 * np.pi / 1024  # azimuth (periodic)
        U, V = np.meshgrid(u, v, indexing="ij")
        su, cu, sv, cv = np.sin(U), np.cos(U), np.sin(V), np.cos(V)
        # |∂r/∂u × ∂r/∂v| for r = (a sin u cos v, b sin u sin v, c cos u)
        n = np.stack([b * c * su**2 * cv, a * c * su**2 * sv, a * b * su * cu])
        return float(np.sum(np.sqrt(np.sum(n**2, axis=0))) * (np.pi / 512) * (2 * np.pi / 1024)) * QUADRATURE_SLACK


def cartoons(shape, n=1, *, seed=0):
    """``n`` :class:`Cartoon` functions on the grid (deterministic in ``seed``)."""
    return [Cartoon(shape, seed=seed + 1000 * i) for i in range(n)]


def refinement(shape, tau_max=None):
    """Points per axis and cell for area sampling (a power of two ≤ 16).

    The largest within ``REFINED_POINTS``, raised when ``tau_max`` is given
    until the resolution 1/r is at most τ_max/2 (a sweep of at least a factor
    2 that the sampling resolves), as long as |G| r^d ≤ 8 ``REFINED_POINTS``.
    """
    d = len(shape)
    r = 16
    while r > 1 and math.prod(shape) * r**d > REFINED_POINTS:
        r //= 2
    while (
        tau_max is not None and r < 16 and 1 / r > tau_max / 2 and math.prod(shape) * (2 * r) ** d <= 8 * REFINED_POINTS
    ):
        r *= 2
    return r


class LipschitzFunction:
    """A K-Lipschitz function on the periodic grid, evaluable anywhere: cones with disjoint supports.

    f(x) = Σ_k a_k max(0, 1 − |x − c_k|_T / w), |·|_T the distance on the
    torus, w = min(shape)/8, the centres at least 2w apart.  Each cone has
    slope |a_k|/w and the supports are disjoint, so f is Lipschitz with
    ``K`` = max_k |a_k| / w (value per input sample) — exactly, not a bound
    of a bound — and not band-limited (its gradient jumps).
    """

    def __init__(self, shape, *, seed=0, cones=None):
        rng = np.random.default_rng(seed)
        self.shape = tuple(shape)
        N = np.array(self.shape, dtype=np.float64)
        self.width = min(self.shape) / 8
        count = cones or 2 ** len(self.shape) + 2
        centres = []
        for _ in range(200 * count):
            c = rng.uniform(0, 1, len(N)) * N
            if all(self._distance(c[None], e)[0] >= 2 * self.width for e in centres):
                centres.append(c)
            if len(centres) == count:
                break
        self.centres = np.array(centres)
        self.amplitude = rng.uniform(0.5, 1.0, len(centres)) * rng.choice([-1.0, 1.0], len(centres))

    def _distance(self, points, centre):
        N = np.array(self.shape, dtype=np.float64)
        delta = np.mod(points - centre + N / 2, N) - N / 2
        return np.sqrt(np.sum(delta**2, axis=1))

    @property
    def K(self):
        return float(np.max(np.abs(self.amplitude)) / self.width)

    def __call__(self, points):
        """f at points (P, d) in input samples."""
        points = np.asarray(points, dtype=np.float64)
        out = np.zeros(len(points))
        for a, c in zip(self.amplitude, self.centres):
            out += a * np.maximum(0.0, 1 - self._distance(points, c) / self.width)
        return out

    def sample(self, deformation=None):
        """f at the grid points, or f(x − τ(x)) there."""
        pts = positions(self.shape)
        if deformation is not None:
            pts = pts - deformation.tau.reshape(len(self.shape), -1).T
        return self(pts).reshape(self.shape)


def lipschitz_functions(shape, n=1, *, seed=0):
    """``n`` :class:`LipschitzFunction` s on the grid (deterministic in ``seed``)."""
    return [LipschitzFunction(shape, seed=seed + 1000 * i) for i in range(n)]


def default_inputs(shape, *, seed=0):
    """The documented default inputs: (batch (3, *shape) float64, names), each of unit RMS.

    1. ``smooth``: a band-limited signal, R = 1/8 cycles/sample
       (:func:`bandlimited`; :func:`band_limit` on grids too small for it);
    2. ``cartoon``: a :class:`Cartoon` (smooth part plus the indicator of a
       smooth domain);
    3. ``natural``: a centred crop of scikit-image's ``camera`` when
       scikit-image is installed, otherwise scikit-learn's first ``digits``
       image (8×8) upsampled by cubic interpolation, resized to the grid (a
       1-D grid takes the middle row; 3-D and no image library give white
       noise, named ``noise``).
    """
    shape = tuple(shape)
    smooth = bandlimited(shape, band_limit(shape, 1 / 8), 1, seed=seed)[0]
    x = [smooth, unit_rms(cartoons(shape, 1, seed=seed)[0].sample()[None])[0]]
    names = ["smooth", "cartoon"]
    image, name = _natural_image(shape)
    if image is None:
        image, name = white_noise(shape, 1, seed=seed + 7)[0], "noise"
    x.append(unit_rms(image[None])[0])
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
