"""The array namespace the compute core runs on.

The core is written once against the array API standard (through
``array_api_compat``): NumPy and PyTorch share its code path.  Only two
things differ per library and live here: which FFT implementation is called
(SciPy's multi-threaded ``scipy.fft`` for NumPy, ``torch.fft`` for PyTorch)
and how a NumPy filter is moved onto the input's device.
"""

from __future__ import annotations

import os

import array_api_compat
import numpy as np

from frames import reflect

__all__ = ["namespace", "Backend"]

# Threads for scipy.fft: all cores unless the user narrows it.
WORKERS = int(os.environ.get("SCATTERX_FFT_WORKERS", "-1"))


class Backend:
    """FFT and device glue for one array library; everything else is ``self.xp``."""

    def __init__(self, x, workers=None):
        self.workers = WORKERS if workers is None else workers
        self.xp = array_api_compat.array_namespace(x)
        self.is_torch = array_api_compat.is_torch_array(x)
        self.device = array_api_compat.device(x)
        if self.is_torch:
            import torch

            self._fft = torch.fft
        else:
            import scipy.fft

            self._fft = scipy.fft

    def fftn(self, x, ndim):
        axes = tuple(range(-ndim, 0))
        if self.is_torch:
            return self._fft.fftn(x, dim=axes)
        return self._fft.fftn(x, axes=axes, workers=self.workers)

    def ifftn(self, x, ndim):
        axes = tuple(range(-ndim, 0))
        if self.is_torch:
            return self._fft.ifftn(x, dim=axes)
        return self._fft.ifftn(x, axes=axes, workers=self.workers)

    def rfftn_full(self, x, ndim):
        """The full DFT of a real ``x``, from the half-size real transform.

        Neither library exploits real input in ``fftn``; ``rfftn`` costs about
        half, and the missing columns follow from X(−ω) = conj X(ω).
        """
        axes = tuple(range(-ndim, 0))
        if self.is_torch:
            half = self._fft.rfftn(x, dim=axes)
        else:
            half = self._fft.rfftn(x, axes=axes, workers=self.workers)
        n = x.shape[-1]
        tail = reflect(self.xp.flip(half[..., 1 : n - n // 2], axis=-1), axes=range(x.ndim - ndim, x.ndim - 1))
        return self.xp.concat([half, self.xp.conj(tail)], axis=-1)

    def irfftn(self, half, shape, ndim):
        """Real inverse DFT on the grid ``shape`` from the half spectrum (last axis n//2 + 1)."""
        axes = tuple(range(-ndim, 0))
        if self.is_torch:
            return self._fft.irfftn(half, s=shape, dim=axes)
        return self._fft.irfftn(half, s=shape, axes=axes, workers=self.workers)

    def multiply(self, spectrum, response):
        """spectrum × response, broadcasting; a real response is applied without
        first being promoted to complex (torch would copy and do complex products)."""
        if self.is_torch and not response.is_complex() and spectrum.is_complex():
            import torch

            return torch.view_as_complex(torch.view_as_real(spectrum) * response[..., None])
        return spectrum * response

    def real_pairs(self, z):
        """A complex array (…, n) as real (…, 2n): (re, im) interleaved, no copy when contiguous."""
        if self.is_torch:
            import torch

            return torch.view_as_real(z.contiguous()).reshape(tuple(z.shape[:-1]) + (2 * z.shape[-1],))
        return np.ascontiguousarray(z).view(np.float64 if z.dtype == np.complex128 else np.float32)

    def complex_pairs(self, r):
        """Inverse of :meth:`real_pairs`: (…, 2n) real → (…, n) complex."""
        if self.is_torch:
            import torch

            return torch.view_as_complex(r.reshape(tuple(r.shape[:-1]) + (r.shape[-1] // 2, 2)).contiguous())
        return np.ascontiguousarray(r).view(np.complex128 if r.dtype == np.float64 else np.complex64)

    def asarray(self, a, dtype=None):
        """A filter as an array of this library on the input's device, cast to the NumPy ``dtype`` if given.

        ``a`` is a NumPy array, or a tensor (``scatterx.torch``'s filters),
        which is moved and cast inside the autograd graph.
        """
        if self.is_torch:
            import torch

            if isinstance(a, torch.Tensor):
                return a.to(device=self.device, dtype=None if dtype is None else getattr(torch, np.dtype(dtype).name))
            t = torch.from_numpy(np.ascontiguousarray(a if dtype is None else np.asarray(a).astype(dtype)))
            return t.to(device=self.device)
        return np.asarray(a) if dtype is None else np.asarray(a).astype(dtype)

    def to_numpy(self, x):
        if self.is_torch:
            return x.detach().cpu().numpy()
        return np.asarray(x)


def namespace(x) -> Backend:
    return Backend(x)
