"""Morlet wavelet frames, identical to Kymatio 0.3.0's 1-D and 2-D filter banks.

The 2-D bank is Kymatio's ``scattering2d.filter_bank.filter_bank(M, N, J, L)``
(finest resolution) and the 1-D bank is the first-order bank of Kymatio's
``scattering1d.filter_bank.scattering_filter_factory`` (finest resolution),
from the same formulas and constants, in double precision: the 2-D bank
agrees to float32 rounding (Kymatio builds it in single precision), the
1-D bank to float64 rounding.

The second-order 1-D bank of Kymatio with ``Q=(Q1, Q2)`` is the first-order
bank of ``Q2``: render ``morlet(J, Q=Q2, T=T)`` to get it.

The 3-D bank (``ndim=3``) is ours, built on the 2-D constants: Gaussian
envelopes, ξ_j = (3π/4)·2^{−j}, L directions on the half-sphere.
"""

from __future__ import annotations

import cmath
import itertools
import math

import numpy as np
import scipy.fft

from ._checks import MAX_SCALES, as_shape, check_count, check_scales, positive_int
from ._frame import Frame, register

__all__ = [
    "Morlet",
    "morlet",
    "gabor_2d",
    "morlet_2d",
    "morlet_1d",
    "filter_params_1d",
    "directions_3d",
    "slant_3d",
    "gaussian_3d_response",
]

# 2-D constants (Kymatio 0.3.0, scattering2d/filter_bank.py).
SIGMA_2D = 0.8  # σ_j = 0.8 · 2^j, spatial width of the Gaussian envelope
XI_2D = 3.0 / 4.0 * np.pi  # ξ_j = (3π/4) · 2^-j, radians/sample
PI_2D = 3.1415  # Kymatio's Gaussian normalisation uses this, not π
IMAGES_2D = 2  # periodise over the (2·2 + 1)² = 25 images u + (aM, bN), |a|, |b| ≤ 2
SKIP_2D = 50 * math.log(10)  # an image whose Gaussian is below 1e-50 everywhere adds nothing

# 1-D constants (Kymatio 0.3.0, ScatteringBase1D.build).
R_PSI = math.sqrt(0.5)  # adjacent wavelets cross at this fraction of their peak
SIGMA0 = 0.1  # low-pass width σ_φ = SIGMA0 / T (cycles/sample)
ALPHA = 5.0  # aliasing tolerance for the maximal subsampling j
EPS_P = 1e-7  # precision that sets the number of frequency periods P
MAX_P = 5


# -- 2-D ------------------------------------------------------------------------------
def _gaussian_pair_2d(shape, sigma, theta, xi, slant):
    """Spatial Gabor γ and its envelope g, sampled and periodised over 5 × 5 images.

    With R the rotation by ``theta``, C = R diag(1, slant²) Rᵀ / (2σ²) and
    e = (cos θ, sin θ):  g(u) = exp(−uᵀCu),  γ(u) = g(u) exp(i ξ ⟨e, u⟩), then
    f_per[m, n] = Σ_{|a|,|b| ≤ 2} f(m + aM, n + bN), both divided by 2·3.1415·σ²/slant.
    u = (row, column) in samples.  Only the samples with |u_i| ≤ r_i are
    computed, r_i² = 50 ln 10 · (C⁻¹)_ii, the extent along axis i of the
    ellipse uᵀCu ≤ 50 ln 10: outside it g < 1e−50, which changes nothing
    that float64 resolves beside the peak g(0) = 1 (nor float32, whose
    smallest number is 1.4e−45).  The wave of image (a, b) is the wave on
    the grid times the constant exp(i ξ ⟨e, (aM, bN)⟩), so the images' sum
    is Σ_ab exp(i ξ ⟨e, (aM, bN)⟩) g_ab, multiplied by the wave once.
    """
    M, N = shape
    c, s = math.cos(theta), math.sin(theta)
    k = slant * slant
    two_s2 = 2.0 * sigma * sigma
    cxx, cxy, cyy = (c * c + k * s * s) / two_s2, 2.0 * c * s * (1.0 - k) / two_s2, (s * s + k * c * c) / two_s2
    det = cxx * cyy - cxy * cxy / 4.0  # of C = [[cxx, cxy/2], [cxy/2, cyy]]; (C⁻¹)_xx = cyy/det, (C⁻¹)_yy = cxx/det
    reach_x, reach_y = (math.floor(math.sqrt(SKIP_2D * v / det)) for v in (cyy, cxx))
    summed = np.zeros(shape, np.complex128)
    envelope = np.zeros(shape, np.float64)
    columns = list(_image_parts(N, reach_y))
    for a, rows, x in _image_parts(M, reach_x):
        quad_x, cross_x = cxx * x[:, None] * x[:, None], cxy * x[:, None]
        for b, cols, y in columns:
            g = cross_x * y
            g += quad_x
            g += cyy * y * y
            np.exp(np.negative(g, out=g), out=g)
            envelope[rows, cols] += g
            summed[rows, cols] += cmath.exp(1j * xi * (c * a * M + s * b * N)) * g
    norm = 2.0 * PI_2D * sigma * sigma / slant
    summed *= np.exp((1j * xi * c) * np.arange(M))[:, None] * (np.exp((1j * xi * s) * np.arange(N)) / norm)
    envelope /= norm
    return summed, envelope


def _reach_bound(sigma, slant):
    """An upper bound of the reach r_i of :func:`_gaussian_pair_2d` along either axis, at any angle.

    r_i² = 50 ln 10 · (C⁻¹)_ii ≤ 50 ln 10 · λ_max(C⁻¹) = 50 ln 10 · 2σ² / min(1, slant)².
    """
    return math.sqrt(SKIP_2D * 2.0 * sigma * sigma) / min(1.0, slant)


def _image_parts(n, reach):
    """(a, slice of [0, n), coordinates a·n + slice) of each image a (|a| ≤ 2) where they lie in [−reach, reach]."""
    for a in range(-IMAGES_2D, IMAGES_2D + 1):
        lo, hi = max(0, -reach - a * n), min(n, reach + 1 - a * n)
        if lo < hi:
            yield a, slice(lo, hi), np.arange(a * n + lo, a * n + hi, dtype=np.float64)


def gabor_2d(shape, sigma, theta, xi, slant=1.0):
    """Periodised spatial Gabor filter γ_per on an (M, N) grid (complex128).

    γ(u) = exp(−uᵀCu + i ξ⟨e_θ, u⟩) / (2·3.1415·σ²/slant),
    C = R_θ diag(1, slant²) R_θᵀ / (2σ²), e_θ = (cos θ, sin θ),
    summed over the 5 × 5 images u + (aM, bN), |a|, |b| ≤ 2.
    """
    return _gaussian_pair_2d(shape, sigma, theta, xi, slant)[0]


def morlet_2d(shape, sigma, theta, xi, slant=0.5, out=None):
    """Periodised spatial Morlet filter ψ = γ_per − K·g_per with zero mean (complex128).

    K = Σ_u γ_per(u) / Σ_u g_per(u), where g is the envelope of γ (ξ = 0),
    so that the DFT of ψ vanishes at ω = 0.  ``out``: a complex128 array
    of ``shape`` to write ψ into (returned).
    """
    gabor, envelope = _gaussian_pair_2d(shape, sigma, theta, xi, slant)
    return np.subtract(gabor, (gabor.sum() / envelope.sum()) * envelope, out=out)


def _real_dft_2d(f):
    """Re DFT(f) over the last two axes, f complex (…, M, N): the DFT of f's Hermitian part h, by a real-output DFT.

    h[m, n] = (f[m, n] + conj f[−m, −n]) / 2 has a real DFT, Re DFT(f), and
    DFT(h) = Σ_u conj(h[u]) e^{+2πi⟨k, u⟩/n}: the un-normalised inverse
    DFT of conj(h), which is Hermitian, so a complex-to-real transform of
    its half (columns 0 … N//2) gives it at half the cost of a full DFT.
    """
    M, N = f.shape[-2:]
    half = N // 2 + 1
    h = np.conj(f[..., :half])
    rows, cols = (slice(0, 1), slice(1, None)), (slice(0, 1), slice(1, half))
    mirrored_rows, mirrored_cols = (slice(0, 1), slice(M - 1, 0, -1)), (slice(0, 1), slice(N - 1, N - half, -1))
    for r, mr in zip(rows, mirrored_rows):  # h += f[−m, −n]: index 0 stays, m ≥ 1 reads M − m
        for c, mc in zip(cols, mirrored_cols):
            h[..., r, c] += f[..., mr, mc]
    h *= 0.5
    return scipy.fft.irfft2(h, s=(M, N), norm="forward")


def _render_2d(shape, J, L):
    M, N = shape
    slant = 4.0 / L
    theta0 = int(L - L / 2 - 1)  # orientation index of angle 0 (truncation, as in Kymatio)
    filters, meta = np.empty((J * L,) + tuple(shape)), []
    flipped = (-np.arange(N)) % N
    for j in range(J):  # the orientations of a scale in one batched DFT
        sigma, xi = SIGMA_2D * 2**j, XI_2D / 2**j
        angles = [(theta0 - theta) * np.pi / L for theta in range(L)]
        # Angle −θ (index 2·theta0 − t) is the mirror image of θ across the rows where no image b = 2 or −3
        # (columns 2N and beyond) is within reach: ψ_−θ[m, n] = ψ_θ[m, −n], so its DFT is ψ̂_θ[k, −l].
        mirrors = _reach_bound(sigma, slant) < 2 * N
        sources = [t for t in range(L) if not (mirrors and 0 <= 2 * theta0 - t < t)]
        spatial = np.empty((len(sources),) + tuple(shape), np.complex128)
        for i, t in enumerate(sources):
            morlet_2d(shape, sigma, angles[t], xi, slant, out=spatial[i])
        filters[[j * L + t for t in sources]] = _real_dft_2d(spatial)
        for t in range(L):
            if t not in sources:
                filters[j * L + t] = filters[j * L + 2 * theta0 - t][:, flipped]
        meta += [
            {"j": j, "theta": theta, "scale": float(j), "xi": float(xi), "angle": float(angle)}
            for theta, angle in enumerate(angles)
        ]
    lowpass = _real_dft_2d(gabor_2d(shape, SIGMA_2D * 2 ** (J - 1), 0.0, 0.0))
    return lowpass, filters, meta


# -- 1-D ------------------------------------------------------------------------------
def _n_periods(sigma):
    """P = min(⌈√(−2σ² ln 10⁻⁷) + 1⌉, 5): G_σ is below 10⁻⁷ outside [1 − P, P]."""
    return min(int(math.ceil(math.sqrt(-2.0 * sigma**2 * math.log(EPS_P)) + 1)), MAX_P)


def morlet_1d(N, xi, sigma):
    """1-D Morlet response on the N-point grid ν = k/N (cycles/sample), real float64.

    ψ̂[k] = c Σ_{p=1−P}^{P−1} [G_σ(k/N + p − ξ) − κ G_σ(k/N + p)],  G_σ(ν) = exp(−ν²/(2σ²)),
    κ such that ψ̂[0] = 0, c such that Σ_t |ψ[t]| = 1 (ψ = IDFT ψ̂), P as in
    :func:`_n_periods` (P ≥ 2 for every σ > 0).  ``xi=0`` gives the Gaussian
    low-pass χ̂[k] = c Σ_p G_σ(k/N + p).
    """
    P = _n_periods(sigma)
    nu = (np.arange((2 * P - 1) * N) + N * (1 - P)) / N  # k/N + p for p = 1−P … P−1, row after row, increasing
    two_s2 = 2.0 * sigma**2
    h = _periodised_gaussian(nu, 0.0, two_s2, P, N)
    if xi:
        gabor = _periodised_gaussian(nu, xi, two_s2, P, N)
        h = gabor - (gabor[0] / h[0]) * h
    return h / np.abs(np.fft.ifft(h)).sum()


def _periodised_gaussian(nu, centre, two_s2, P, N):
    """(1/(2P − 1)) Σ_p G_σ(k/N + p − centre), from the flat increasing ``nu``: the mean, as in Kymatio.

    exp(−x) is exactly 0 in float64 for x > 745.2, so only the stretch of
    ``nu`` within √(750·2σ²) of ``centre`` is computed; the rest is the
    zero that exp would return there, and the mean over p is the same sum.
    """
    reach = math.sqrt(750.0 * two_s2)
    lo, hi = np.searchsorted(nu, (centre - reach, centre + reach))
    g = np.zeros(nu.shape)
    g[lo:hi] = np.exp(-((nu[lo:hi] - centre) ** 2) / two_s2)
    return g.reshape(2 * P - 1, N).mean(axis=0)


def filter_params_1d(J, Q, r_psi=R_PSI, sigma0=SIGMA0, alpha=ALPHA):
    """Centre frequencies ξ_n, widths σ_n (cycles/sample) and maximal subsamplings j_n.

    ξ_0 = max(1/(1 + 2^{3/Q}), 0.35), σ(ξ) = ξ (1 − 2^{−1/Q})/(1 + 2^{−1/Q}) / √(2 ln(1/r_psi));
    constant-Q part: ξ_{n+1} = ξ_n 2^{−1/Q}, σ_{n+1} = σ_n 2^{−1/Q} while σ_n > σ_min 2^{1/Q},
    σ_min = sigma0 / 2^J; then Q − 1 constant-width filters ξ = ξ_e (1 − q/Q), σ = σ_min
    (ξ_e the last constant-Q ξ, or σ_0 when that part is empty);
    j_n = ⌊−log2 min(ξ_n + alpha σ_n, ½)⌋ − 1.
    """
    sigma_min = sigma0 / math.pow(2, J)
    xi_max = max(1.0 / (1.0 + math.pow(2.0, 3.0 / Q)), 0.35)
    ratio = 1.0 / math.pow(2, 1.0 / Q)
    sigma_max = xi_max * ((1 - ratio) / (1 + ratio)) * (1.0 / math.sqrt(2 * math.log(1.0 / r_psi)))
    xis, sigmas = [], []
    if sigma_max <= sigma_min:
        elbow = sigma_max  # Kymatio's choice: the constant-width filters hang off σ_0, not ξ_0
    else:
        xis, sigmas = [xi_max], [sigma_max]
        # repeated division, not a closed form, so the stopping test matches Kymatio bit for bit
        while sigmas[-1] > sigma_min * math.pow(2, 1.0 / Q):
            xis.append(xis[-1] / math.pow(2, 1.0 / Q))
            sigmas.append(sigmas[-1] / math.pow(2, 1.0 / Q))
        elbow = xis[-1]
    for q in range(1, Q):
        xis.append(elbow - q / Q * elbow)
        sigmas.append(sigma_min)
    js = [int(math.floor(-math.log2(min(xi + alpha * sigma, 0.5)))) - 1 for xi, sigma in zip(xis, sigmas)]
    return xis, sigmas, js


def _render_1d(shape, J, Q, T):
    (N,) = shape
    xis, sigmas, js = filter_params_1d(J, Q)
    filters = np.stack([morlet_1d(N, xi, sigma) for xi, sigma in zip(xis, sigmas)])
    meta = [
        {"j": j, "xi": xi, "sigma": sigma, "scale": math.log2(xis[0] / xi)} for xi, sigma, j in zip(xis, sigmas, js)
    ]
    return morlet_1d(N, 0, SIGMA0 / T), filters, meta


# -- 3-D ------------------------------------------------------------------------------
# Our own bank (Kymatio's 3-D scattering uses solid harmonics): the 2-D constants, L directions.
GOLDEN = (1.0 + math.sqrt(5.0)) / 2.0
# L with a regular polyhedron's axes: generators, completed by sign changes and cyclic permutations.
POLYHEDRA_3D = {
    3: [(1.0, 0.0, 0.0)],  # octahedron vertices: the coordinate axes
    4: [(1.0, 1.0, 1.0)],  # cube vertices: the body diagonals
    6: [(0.0, 1.0, GOLDEN)],  # icosahedron vertices
    10: [(1.0, 1.0, 1.0), (0.0, 1.0 / GOLDEN, GOLDEN)],  # dodecahedron vertices
    15: [(0.0, 0.0, 1.0), (0.5, GOLDEN / 2.0, GOLDEN**2 / 2.0)],  # icosidodecahedron vertices
}
# exp(−40) ≈ 4e−18: a periodic image whose Gaussian stays below it on the whole grid adds nothing.
SKIP_3D = 40.0


def directions_3d(L):
    """L unit vectors e_l, one of each pair ±e, quasi-uniform on the sphere (an (L, 3) array).

    L = 3, 4, 6, 10, 15: the axes through the vertices of the octahedron, cube,
    icosahedron, dodecahedron and icosidodecahedron (exactly uniform).  Any
    other L: the Fibonacci spiral on the half-sphere, e_l = (z_l, r_l cos φ_l,
    r_l sin φ_l), z_l = (l + ½)/L, r_l = √(1 − z_l²), φ_l = l·π(3 − √5)
    (equal-area in z, golden-angle turns).  Every e_l lies in the half-space
    of the first non-zero coordinate > 0, axes in (row, column, depth) order;
    the polyhedral sets are sorted in decreasing lexicographic order.
    """
    if L in POLYHEDRA_3D:
        axes = set()
        for g in POLYHEDRA_3D[L]:
            for signs in np.ndindex(2, 2, 2):
                v = np.array(g) * (1 - 2 * np.array(signs))
                for r in range(3):
                    u = np.roll(v, r) / np.linalg.norm(v)
                    if u[np.flatnonzero(u)[0]] > 0:
                        axes.add(tuple(float(x) for x in np.round(u, 15)))
        return np.array(sorted(axes, reverse=True))
    l = np.arange(L)
    z = (l + 0.5) / L
    r, phi = np.sqrt(1.0 - z * z), l * math.pi * (3.0 - math.sqrt(5.0))
    return np.stack([z, r * np.cos(phi), r * np.sin(phi)], axis=1)


def slant_3d(L):
    """Envelope aspect s = min(1, (4/π)√(2π/L)): the 2-D rule s = (4/π)·(π/L) with the half-sphere's spacing."""
    return min(1.0, 4.0 / math.pi * math.sqrt(2.0 * math.pi / L))


def _quadratic(M, v):
    """vᵀMv on the grid of the 1-D coordinate arrays v = (v0, v1, v2), by broadcasting."""
    v0, v1, v2 = v[0][:, None, None], v[1][None, :, None], v[2][None, None, :]
    return (
        M[0, 0] * v0 * v0
        + M[1, 1] * v1 * v1
        + M[2, 2] * v2 * v2
        + 2.0 * M[0, 1] * v0 * v1
        + 2.0 * M[0, 2] * v0 * v2
        + 2.0 * M[1, 2] * v1 * v2
    )


def _images(M, intervals):
    """The images whose Gaussian exp(−vᵀMv) can exceed exp(−SKIP_3D) somewhere on their box.

    ``intervals(i, a)`` is the interval (lo, hi) of axis i on image a.  min vᵀMv over the box is at
    least max_i h_i² / (M⁻¹)_ii, h_i the distance of the box's side i from 0 (a half-space bound).
    """
    inv = np.diag(np.linalg.inv(M))
    per_axis = []
    for i in range(3):
        keep, a = [], 0
        while True:
            found = False
            for b in (a, -a) if a else (0,):
                lo, hi = intervals(i, b)
                h = 0.0 if lo <= 0.0 <= hi else min(abs(lo), abs(hi))
                if h * h / inv[i] <= SKIP_3D:
                    keep.append((b, h * h / inv[i]))
                    found = True
            if not found:
                break
            a += 1
        per_axis.append(keep)
    return [tuple(b for b, _ in combo) for combo in itertools.product(*per_axis) if max(q for _, q in combo) <= SKIP_3D]


def gaussian_3d_response(shape, sigma, direction, xi, slant):
    """DFT of the periodised sampled 3-D Gabor γ and its envelope g (normalised: ĝ_cont(0) = 1).

    g(u) = exp(−uᵀCu) / ∫g, C = [e eᵀ + s²(I − e eᵀ)]/(2σ²), γ(u) = g(u) e^{iξ⟨e,u⟩}, u ∈ ℤ³,
    periodised over the grid.  By Poisson summation both are, at ω_k = 2πk/N (rad/sample),

        Γ[k] = Σ_{m∈ℤ³} G(ω_k + 2πm − ξe),   E[k] = Σ_{m∈ℤ³} G(ω_k + 2πm),
        G(ω) = exp(−σ²/2 (⟨e,ω⟩² + |ω − ⟨e,ω⟩e|²/s²)),

    computed by whichever sum needs fewer terms: over frequency images m (wide σ) or over spatial
    images u + aN followed by an FFT (narrow σ); terms below exp(−40) on the whole grid are dropped.
    Returns (Γ, E), real float64 arrays.
    """
    e = np.asarray(direction, dtype=np.float64)
    P = np.outer(e, e)
    D = 0.5 * sigma * sigma * (P + (np.eye(3) - P) / (slant * slant))  # G(ω) = exp(−ωᵀDω)
    C = (P + slant * slant * (np.eye(3) - P)) / (2.0 * sigma * sigma)  # g(u) = exp(−uᵀCu)
    c = xi * e
    omegas = [2.0 * np.pi * np.fft.fftfreq(N) for N in shape]
    freq = [
        _images(D, lambda i, m, t=t: (2 * np.pi * m - np.pi - t[i], 2 * np.pi * m + np.pi - t[i]))
        for t in (c, np.zeros(3))
    ]
    centred = [np.fft.fftfreq(N) * N for N in shape]
    space = _images(C, lambda i, a: (a * shape[i] + centred[i].min(), a * shape[i] + centred[i].max()))
    if len(freq[0]) + len(freq[1]) <= 2 * len(space) + 2:  # an FFT costs about one image
        gabor, envelope = (
            sum(np.exp(-_quadratic(D, [omegas[i] + 2 * np.pi * m[i] - t[i] for i in range(3)])) for m in images)
            for t, images in zip((c, np.zeros(3)), freq)
        )
        return gabor, envelope
    norm = slant * slant / ((2.0 * np.pi) ** 1.5 * sigma**3)
    gabor = np.zeros(shape, np.complex128)
    envelope = np.zeros(shape, np.float64)
    for a in space:
        u = [centred[i] + a[i] * shape[i] for i in range(3)]
        g = np.exp(-_quadratic(C, u)) * norm
        envelope += g
        gabor += g * np.exp(1j * float(np.dot(c, [a[i] * shape[i] for i in range(3)])))
    gabor *= (
        np.exp(1j * c[0] * centred[0])[:, None, None]
        * np.exp(1j * c[1] * centred[1])[None, :, None]
        * np.exp(1j * c[2] * centred[2])[None, None, :]
    )
    # centred[i] holds u_i at index k ≡ u_i (mod N): the arrays are already in DFT order.  The infinite
    # sums are real (γ(−u) = conj γ(u)); the dropped terms leave an imaginary part below 1e−17.
    return np.fft.fftn(gabor).real, np.fft.fftn(envelope).real


def _render_3d(shape, J, L):
    slant = slant_3d(L)
    dirs = directions_3d(L)
    filters, meta = [], []
    for j in range(J):
        sigma, xi = SIGMA_2D * 2**j, XI_2D / 2**j
        for theta, e in enumerate(dirs):
            gabor, envelope = gaussian_3d_response(shape, sigma, e, xi, slant)
            filters.append(gabor - (gabor[0, 0, 0] / envelope[0, 0, 0]) * envelope)
            meta.append(
                {"j": j, "theta": theta, "scale": float(j), "xi": float(xi), "direction": [float(x) for x in e]}
            )
    lowpass = gaussian_3d_response(shape, SIGMA_2D * 2 ** (J - 1), (1.0, 0.0, 0.0), 0.0, 1.0)[1]
    return lowpass, np.stack(filters), meta


# -- the frame ------------------------------------------------------------------------
@register
class Morlet(Frame):
    r"""Morlet wavelets, Kymatio 0.3.0's banks (2-D: ``J·L`` filters; 1-D: Q per octave), and a 3-D bank.

    **2-D** (``ndim=2``), filters in Kymatio's order (scale j outer, orientation
    θ inner), j = 0 … J−1, θ = 0 … L−1:

    * σ_j = 0.8·2^j, ξ_j = (3π/4)·2^{−j} rad/sample, slant s = 4/L,
      angle φ_θ = (trunc(L/2 − 1) − θ)·π/L, e_φ = (cos φ, sin φ) in (row, column);
    * envelope g(u) = exp(−uᵀCu), C = R_φ diag(1, s²) R_φᵀ/(2σ_j²);
      Gabor γ(u) = g(u) e^{iξ_j⟨e_φ,u⟩}, both divided by 2·3.1415·σ_j²/s and
      sampled on ℤ², periodised over the 5 × 5 images u + (aM, bN), |a|,|b| ≤ 2;
    * Morlet ψ = γ_per − K g_per, K = Σγ_per/Σg_per (zero mean), and
      ĝ_{j,θ}[k] = Re DFT(ψ)[k];
    * low-pass χ̂ = Re DFT(g_per) with σ = 0.8·2^{J−1}, s = 1, no modulation.

    Up to frequency aliasing and the 5 × 5 truncation, in radians/sample,
    ĝ_{j,θ}(ω) ≈ (π/3.1415)[G(ω − ξ_j e_φ) − K G(ω)] and χ̂(ω) ≈ (π/3.1415)
    exp(−σ²|ω|²/2), with G(ω) = exp(−σ_j²/2 (⟨e_φ,ω⟩² + ⟨e_φ^⊥,ω⟩²/s²)).
    The real part is taken because the 5 × 5 images are not symmetric about 0,
    which leaves a tiny imaginary part.

    **1-D** (``ndim=1``), ξ_n, σ_n, j_n from :func:`filter_params_1d` (cycles/sample):

    * ĝ_n[k] = c_n Σ_{p=1−P}^{P−1} [G_{σ_n}(k/N + p − ξ_n) − κ_n G_{σ_n}(k/N + p)],
      G_σ(ν) = exp(−ν²/(2σ²)), κ_n so that ĝ_n[0] = 0, c_n so that
      Σ_t |g_n[t]| = 1 (ℓ¹-normalised in time);
    * χ̂[k] = c Σ_p G_{0.1/T}(k/N + p), also ℓ¹-normalised.

    **3-D** (``ndim=3``; ours: Kymatio's 3-D scattering uses solid harmonics),
    filters with scale j outer, direction l inner, j = 0 … J−1, l = 0 … L−1:

    * σ_j = 0.8·2^j and ξ_j = (3π/4)·2^{−j} rad/sample as in 2-D; directions
      e_l from :func:`directions_3d` (one of each pair ±e, quasi-uniform on the
      sphere: the axes of the octahedron, cube, icosahedron, dodecahedron,
      icosidodecahedron for L = 3, 4, 6, 10, 15, a Fibonacci spiral on the
      half-sphere otherwise); slant s = min(1, (4/π)√(2π/L)) (2-D's
      s = (4/π)·(π/L) with the half-sphere's angular spacing √(2π/L); s = 1,
      an isotropic envelope, for L ≤ 10);
    * G_{j,l}(ω) = exp(−σ_j²/2 (⟨e_l,ω⟩² + |ω − ⟨e_l,ω⟩e_l|²/s²)), the
      Fourier transform of the envelope normalised to G(0) = 1, and exactly
      (Poisson summation: the DFT of the spatial Gaussian sampled on ℤ³ and
      periodised over the grid), at ω_k = 2πk/N,
      ĝ_{j,l}[k] = Σ_{m∈ℤ³} [G_{j,l}(ω_k + 2πm − ξ_j e_l) − K G_{j,l}(ω_k + 2πm)],
      K the ratio of the two sums at k = 0 (zero mean, ĝ[0] = 0, as in 2-D);
      terms below e^{−40} on the whole grid are left out
      (:func:`gaussian_3d_response`);
    * χ̂[k] = Σ_m exp(−σ²|ω_k + 2πm|²/2), σ = 0.8·2^{J−1}.

    **Littlewood–Paley sum.**  Not tight, and barely a frame on the full grid:
    the wavelets are analytic (1-D: positive frequencies only; 2-D: L angles
    spanning π, one half-plane, φ ∈ [−π/2, π/2) for even L), so LP(ω) is small
    on the other side and A ≈ 0.  For real inputs the symmetrised sum
    ½(LP(ω) + LP(−ω)) is the one that counts, and it is not constant either.  Measured (``bank.bounds()``,
    ``bank.bounds(symmetric=True)``):

    * 2-D, L = 8, J = 2…4: LP ∈ [8e−4, 2.0]; symmetrised ∈ [0.12, 1.05],
      the minimum at the Nyquist corner (π, π);
    * 1-D, Q = 1: LP ∈ [4e−8, 1.24]; symmetrised ∈ [0.15, 1.0] (χ̂(0) = 1),
      the minimum between χ̂ and the lowest wavelet; for larger Q it is at
      Nyquist, above the highest band ξ_0, and drops (1e−2 at Q = 2, 3e−4 at Q = 8);
    * 3-D, L = 6, J = 1…4: LP ∈ [9e−4, 1.51]; symmetrised ∈ [1.8e−3, 1.0],
      the minimum at the Nyquist corner (π, π, π), √3·π from 0 and out of
      reach of every Gaussian; inside the ball |ω| ≤ π the symmetrised sum is
      above 0.16.  L = 10: symmetrised ∈ [0.010, 1.17] (ball: above 0.27).

    ``tight=True`` renormalises by √LP (needs A > 0 on the grid).

    Parameters
    ----------
    J : int
        Number of scales (2-D, 3-D: filters at j = 0 … J−1; 1-D: σ_min = 0.1/2^J).
    L : int, optional
        Orientations (2-D, default 8) or directions (3-D, default 6).
    Q : int, optional
        Wavelets per octave (1-D). Default 1.
    T : int, optional
        Low-pass support (1-D), σ_φ = 0.1/T. Default 2**J.
    ndim : {1, 2, 3}, optional
        Inferred: ``L`` given → 2, ``Q`` or ``T`` given → 1, neither → 2;
        3-D only when asked for, ``morlet(J, L=..., ndim=3)``.
    scale, tight
        See :class:`frames.Frame`.

    Notes
    -----
    ``meta`` per filter: 2-D ``{'j', 'theta', 'scale' (= j), 'xi' (rad/sample),
    'angle' (rad)}``; 1-D ``{'j' (Kymatio's maximal dyadic subsampling), 'xi',
    'sigma' (cycles/sample, Kymatio's units), 'scale' (= log2(ξ_0/ξ_n))}``;
    3-D ``{'j', 'theta' (direction index l), 'scale' (= j), 'xi' (rad/sample),
    'direction' (e_l, a unit vector as a list, (row, column, depth) axes)}``.
    """

    family = "morlet"

    def __init__(self, J=3, *, L=None, Q=None, T=None, ndim=None, scale=1.0, tight=False):
        J = positive_int(J, "J", maximum=MAX_SCALES, what="number of scales", context="morlet")
        if ndim is None:
            ndim = 2 if L is not None or (Q is None and T is None) else 1
        if isinstance(ndim, bool) or ndim not in (1, 2, 3):
            raise ValueError(f"morlet: ndim must be 1, 2 or 3, got {ndim!r}")
        ndim = int(ndim)
        if ndim in (2, 3):
            if Q is not None or T is not None:
                raise ValueError(f"morlet: Q and T are 1-D parameters, got Q={Q!r}, T={T!r} with ndim={ndim}")
            what = "number of orientations" if ndim == 2 else "number of directions"
            L = positive_int((8 if ndim == 2 else 6) if L is None else L, "L", what=what, context="morlet")
            super().__init__(scale=scale, tight=tight, J=J, L=L, ndim=ndim)
        else:
            if L is not None:
                raise ValueError(f"morlet: L is a 2-D and 3-D parameter, got L={L!r} with ndim=1")
            Q = positive_int(1 if Q is None else Q, "Q", what="wavelets per octave", context="morlet")
            T = positive_int(2**J if T is None else T, "T", what="low-pass support in samples", context="morlet")
            super().__init__(scale=scale, tight=tight, J=J, Q=Q, T=T, ndim=1)
        self.ndim = ndim

    def check_shape(self, shape):
        shape = as_shape(shape, self.ndim)
        J, n = self.params["J"], min(shape)
        check_scales("morlet", J, shape)
        if self.ndim == 1:
            if self.params["T"] > n:
                raise ValueError(f"morlet: T={self.params['T']} exceeds the grid length {n} of shape {shape}")
            check_count("morlet", "Q (wavelets per octave)", self.params["Q"], shape)
        else:
            what = "L (orientations per scale)" if self.ndim == 2 else "L (directions per scale)"
            check_count("morlet", what, self.params["L"], shape)
        return shape

    def n_filters(self, shape):
        p = self.params
        # 1-D: about Q per octave over J octaves, plus Q − 1 constant-width filters (an upper bound)
        return p["J"] * p["L"] if self.ndim != 1 else p["Q"] * (p["J"] + 2)

    def _render(self, shape):
        p = self.params
        if self.ndim == 2:
            return _render_2d(shape, p["J"], p["L"])
        if self.ndim == 3:
            return _render_3d(shape, p["J"], p["L"])
        return _render_1d(shape, p["J"], p["Q"], p["T"])


def morlet(J=3, *, L=None, Q=None, T=None, ndim=None, scale=1.0, tight=False):
    """Morlet frame (Kymatio 0.3.0's filters); see :class:`Morlet` for the formulas.

    ``morlet(J, L=8)`` is 2-D, ``morlet(J, Q=1, T=None)`` is 1-D; with neither
    L nor Q nor T the frame is 2-D.  ``morlet(J, Q=Q2, T=T)`` is also
    Kymatio's second-order 1-D bank for ``Q=(Q1, Q2)``.  ``morlet(J, ndim=3)``
    is the 3-D bank (L = 6 directions by default).
    """
    return Morlet(J, L=L, Q=Q, T=T, ndim=ndim, scale=scale, tight=tight)
