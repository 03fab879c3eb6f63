"""User or learned filters as a frame: spatial kernels or frequency responses, rendered on any grid."""

from __future__ import annotations

import hashlib
import math

import numpy as np

from ._checks import as_shape
from ._frame import TIGHT_MIN_A, Frame, frame_bounds, register
from ._json import jsonable

__all__ = ["FromFilters", "from_filters"]

DOMAINS = ("space", "frequency")
# meta 'scale' = log2(NU_REF / ν_rms), the convention of frames.gabor (3/8 cycles/sample at scale 0).
NU_REF = 3.0 / 8.0


def _as_array(name, a):
    """A numpy array from an array-like or a torch tensor (``.detach().cpu().numpy()``), float64/complex128."""
    if hasattr(a, "detach") and hasattr(a, "cpu"):
        a = a.detach().cpu().numpy()
    elif isinstance(a, dict) and set(a) == {"real", "imag"}:  # to_dict's form of a complex array
        a = np.asarray(a["real"], dtype=np.float64) + 1j * np.asarray(a["imag"], dtype=np.float64)
    try:
        a = np.asarray(a)
    except (TypeError, ValueError) as e:
        raise ValueError(
            f"from_filters: {name} must be a numeric array or tensor, got {type(a).__name__}: {e}"
        ) from None
    if a.dtype == object or not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
        raise ValueError(f"from_filters: {name} must be a numeric array, got dtype {a.dtype}")
    a = a.astype(np.complex128 if np.iscomplexobj(a) else np.float64)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"from_filters: {name} holds NaN or Inf values")
    return a


def _fold(h, starts, shape):
    """Periodise a stack (K, …) onto the grid ``shape``; along axis a, sample i sits at starts[a] + i.

    out[:, x] = Σ_{i : starts + i ≡ x (mod shape)} h[:, i]: pad to whole periods, then add them up.
    """
    out = h
    for axis, (start, N) in enumerate(zip(starts, shape), start=1):
        r = start % N
        n = out.shape[axis]
        periods = -(-(r + n) // N)
        pad = [(0, 0)] * out.ndim
        pad[axis] = (r, periods * N - r - n)
        out = np.pad(out, pad)
        out = out.reshape(out.shape[:axis] + (periods, N) + out.shape[axis + 1 :]).sum(axis=axis)
    return out


def _kernel_starts(kernel_shape):
    """Centre convention: sample i of an axis of size n sits at x = i − n//2."""
    return [-(n // 2) for n in kernel_shape]


def _trigonometric_kernel(response):
    """The coefficients h[x] of the trigonometric interpolant Ĥ(ν) = Σ_x h[x] e^{−2πi⟨x,ν⟩} of a response.

    h = IDFT(response) at the centred positions x_i ∈ [−⌊n_i/2⌋, ⌈n_i/2⌉); on an even axis the
    Nyquist coefficient is split in halves between x = −n/2 and x = +n/2, so the interpolant of a
    real response stays real.  Returns (h, starts): the position of each axis' first sample.
    """
    h = np.fft.ifftn(response, axes=tuple(range(1, response.ndim)))
    starts = []
    for axis, n in enumerate(response.shape[1:], start=1):
        h = np.fft.fftshift(h, axes=axis)  # sample i at x = i − n//2
        if n % 2 == 0:
            first = np.take(h, [0], axis=axis) * 0.5
            h = np.concatenate([first, np.take(h, range(1, n), axis=axis), first], axis=axis)
        starts.append(-(n // 2))
    return h, starts


@register
class FromFilters(Frame):
    r"""A frame from given filters: spatial kernels, or frequency responses resampled to any grid.

    ``domain='space'``: ``lowpass`` (shape k_χ) and ``filters`` (shape
    (K, *k)) are convolution kernels.  Centre convention: on an axis of
    size n, kernel sample i sits at x = i − n//2 (the centre n//2 at the
    origin; for even n one more sample left of it than right).  On a grid
    (N_1, …, N_d) with N_i ≥ n_i the kernel is zero-padded accordingly and

        ĝ[k] = Σ_i h[i] e^{−2πi⟨i − n//2, k/N⟩},   i.e. ĝ = DFT(P), P[(i − n//2) mod N] = h[i].

    A kernel larger than the grid is refused (it would alias).  Filtering
    is convolution, (f * g)[x] = Σ_y g[y] f[x − y]; ``torch.nn.Conv2d``
    computes a correlation, so pass ``weight.flip(-1, -2)`` to reproduce its
    outputs (circular padding, ``padding='same'``).  The frame bounds do not
    change under the flip.

    ``domain='frequency'``: ``lowpass`` (shape G) and ``filters`` (shape
    (K, *G)) are responses on the DFT grid G in ``np.fft`` order.  On a grid
    of shape N they are resampled by band-limited (Fourier) interpolation of
    the periodic response: with h = IDFT_G(Ĥ) at the centred positions
    x_i ∈ [−⌊G_i/2⌋, ⌈G_i/2⌉) (on an even axis the Nyquist coefficient split
    in halves between x = ±G_i/2),

        Ĥ_N[k] = Σ_x h[x] e^{−2πi⟨x, k/N⟩},

    the unique trigonometric polynomial of that degree through the given
    samples, evaluated at ν = k/N.  N = G gives the input back (up to
    rounding); a response that is such a polynomial is reproduced exactly on
    every grid; a real response stays real.  Any N works (N < G evaluates
    the interpolant on a coarser grid).

    **Littlewood–Paley sum.**  Whatever the filters give: no bound is
    assumed.  ``bank.bounds()`` is min/max of |χ̂|² + Σ|ĝ_k|² on the rendered
    grid, and it depends on the grid.  ``tight=True`` divides by √LP (Parseval,
    LP ≡ 1) and raises ValueError when the bank is not a frame on the grid
    (A ≤ 1e−12 B: the LP sum vanishes somewhere).

    Parameters
    ----------
    lowpass : array_like or torch.Tensor, shape ``kernel`` or ``grid``
        χ; its number of axes is the frame's dimension d (1, 2 or 3).
    filters : array_like or torch.Tensor, shape ``(K, *kernel)`` or ``(K, *grid)``
        g_k.  A convolution weight ``(K, 1, *kernel)`` (one input channel)
        is accepted and read as ``(K, *kernel)``.  In the space domain the
        filters' kernel shape may differ from the low-pass's.
    domain : {'space', 'frequency'}
    scale, tight
        See :class:`frames.Frame`.

    Notes
    -----
    Parameters are stored in full (nested lists of floats; complex arrays as
    ``{'real': …, 'imag': …}``) so that ``to_dict`` round-trips through JSON
    exactly: ``to_dict`` is as large as the filters (about 20 characters per
    number).  Equality and hashing compare all values.

    ``meta`` per filter: ``'k'`` (index), ``'frequency'`` (rms frequency
    sqrt(Σ|ν|²|ĝ|² / Σ|ĝ|²) on the rendered grid, cycles/sample, ν signed in
    [−½, ½)) and ``'scale'`` = log2((3/8)/frequency) as in :mod:`frames.gabor`
    (a zero filter gets frequency 0 and scale inf).
    """

    family = "from_filters"

    def __init__(self, lowpass, filters, *, domain="space", scale=1.0, tight=False):
        if domain not in DOMAINS:
            raise ValueError(f"from_filters: domain must be one of {DOMAINS}, got {domain!r}")
        chi = _as_array("lowpass", lowpass)
        g = _as_array("filters", filters)
        if not 1 <= chi.ndim <= 3 or 0 in chi.shape:
            raise ValueError(f"from_filters: lowpass must be a non-empty 1-, 2- or 3-D array, got shape {chi.shape}")
        if g.ndim == chi.ndim + 2 and g.shape[1] == 1:
            g = g[:, 0]  # a convolution weight (K, 1, *kernel)
        if g.ndim != chi.ndim + 1 or 0 in g.shape:
            raise ValueError(
                f"from_filters: filters must have shape (K, *kernel) with a {chi.ndim}-D kernel like lowpass "
                f"{chi.shape} (or a weight (K, 1, *kernel)), got {g.shape}"
            )
        if domain == "frequency" and g.shape[1:] != chi.shape:
            raise ValueError(
                f"from_filters: frequency responses must share one grid; lowpass has shape "
                f"{chi.shape}, filters {g.shape} (expected (K, *{chi.shape}))"
            )
        super().__init__(scale=scale, tight=tight, lowpass=jsonable(chi), filters=jsonable(g), domain=domain)
        self.ndim = chi.ndim
        self._arrays = (chi, g)

    def _key(self):
        # The same identity as to_dict's values (float64 bits), without printing a million numbers.
        chi, g = self._arrays
        digest = hashlib.sha256()
        for a in (chi, g):
            digest.update(f"{a.dtype.str}{a.shape}".encode())
            digest.update(np.ascontiguousarray(a).tobytes())
        return (type(self).__qualname__, self.params["domain"], self.scale, self.tight, digest.hexdigest())

    def __repr__(self):
        chi, g = self._arrays
        extra = (f", scale={self.scale!r}" if self.scale != 1.0 else "") + (", tight=True" if self.tight else "")
        return (
            f"frames.from_filters(<lowpass {chi.shape}>, <{g.shape[0]} filters {g.shape[1:]}>, "
            f"domain={self.params['domain']!r}{extra})"
        )

    def check_shape(self, shape):
        shape = as_shape(shape, self.ndim)
        if self.params["domain"] == "space":
            for what, a in (("lowpass", self._arrays[0].shape), ("filters", self._arrays[1].shape[1:])):
                if any(n > N for n, N in zip(a, shape)):
                    raise ValueError(
                        f"from_filters: the {what} kernel {a} is larger than the grid {shape}; "
                        f"spatial kernels must fit the grid (they would alias)"
                    )
        return shape

    def n_filters(self, shape):
        return self._arrays[1].shape[0]

    def _render(self, shape):
        chi, g = self._arrays
        if self.params["domain"] == "space":
            axes = tuple(range(1, g.ndim))
            filters = np.fft.fftn(_fold(g, _kernel_starts(g.shape[1:]), shape), axes=axes)
            lowpass = np.fft.fftn(_fold(chi[None], _kernel_starts(chi.shape), shape), axes=axes)[0]
        else:
            stacked = np.concatenate([chi[None], g])
            h, starts = _trigonometric_kernel(stacked)
            responses = np.fft.fftn(_fold(h, starts, shape), axes=tuple(range(1, stacked.ndim)))
            if not np.iscomplexobj(stacked):
                responses = responses.real  # the interpolant of a real response is real (Nyquist split)
            lowpass, filters = responses[0], responses[1:]
        if self.tight:
            A, B = frame_bounds(lowpass, filters)
            if not A > TIGHT_MIN_A * B:
                raise ValueError(
                    f"from_filters: tight=True needs a frame, but these filters are not one on the grid {shape}: "
                    f"the LP sum |χ̂|² + Σ|ĝ_k|² has minimum A = {A:.3g} (max B = {B:.3g}), it vanishes at some "
                    f"frequency; add a low-pass or filters that cover it, or use tight=False"
                )
        return lowpass, filters, _meta(filters, shape)


def _meta(filters, shape):
    d = len(shape)
    nu2 = sum(np.fft.fftfreq(N).reshape([-1 if a == i else 1 for a in range(d)]) ** 2 for i, N in enumerate(shape))
    nu2 = np.broadcast_to(nu2, shape)
    power = np.abs(filters.reshape(len(filters), -1)) ** 2
    total = power.sum(axis=1)
    meta = []
    for k, (p, t) in enumerate(zip(power, total)):
        nu = math.sqrt(float(p @ nu2.ravel() / t)) if t > 0 else 0.0
        meta.append({"k": k, "frequency": nu, "scale": math.log2(NU_REF / nu) if nu > 0 else math.inf})
    return meta


def from_filters(lowpass, filters, domain="space", tight=False, scale=1.0):
    """A frame from given filters (spatial kernels or frequency responses); see :class:`FromFilters`.

    ``from_filters(chi, conv.weight.flip(-1, -2))`` turns a trained ``Conv2d``
    (one input channel) and a low-pass kernel into a frame on any grid.
    """
    return FromFilters(lowpass, filters, domain=domain, tight=tight, scale=scale)
