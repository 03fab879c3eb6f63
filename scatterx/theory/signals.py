"""Test signals of the checks: band-limited signals, white noise, cartoon functions, the default inputs.

Every generator is deterministic in its ``seed`` and returns NumPy float64
(or complex128) batches ``(n, *shape)``; frequencies are in cycles per
sample (``docs/verify.md``, units).
"""

from __future__ import annotations

import numpy as np

from ._arrays import frequencies, positions, unit_rms

__all__ = ["bandlimited", "white_noise", "project_bandlimited", "Cartoon", "cartoons", "default_inputs"]


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
        pts = positions(self.shape)
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
    x = [bandlimited(shape, 1 / 8, 1, seed=seed)[0], unit_rms(cartoons(shape, 1, seed=seed)[0].sample()[None])[0]]
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
