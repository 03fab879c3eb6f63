"""The array namespace the compute core runs on.

The core is written once against the array API standard (through
``array_api_compat``): NumPy and PyTorch share its code path.  Only what
differs per library lives here: which FFT implementation is called (SciPy's
``scipy.fft`` for NumPy, ``torch.fft`` for PyTorch) and how, how a NumPy
filter is moved onto the input's device.
"""

from __future__ import annotations

import contextlib
import os
import threading

import array_api_compat
import numpy as np

__all__ = ["namespace", "Backend"]

# Threads for scipy.fft: all cores unless the user narrows it.
WORKERS = int(os.environ.get("SCATTERX_FFT_WORKERS", "-1"))

# The largest temporary product NumPy forms in :meth:`Backend.add_product`, in bytes (docs/performance.md).
NUMPY_PRODUCT_PIECE = 1 << 20


class SciPyFFT:
    """The DFTs the core calls, on NumPy arrays (``scipy.fft``, ``workers`` threads per call)."""

    def __init__(self, workers):
        import scipy.fft

        self._fft, self.workers = scipy.fft, workers

    def fftn(self, x, axes):
        return self._fft.fftn(x, axes=axes, workers=self.workers)

    def ifftn(self, x, axes, overwrite=False):
        # overwrite: pocketfft transforms x in place and returns it (no output to allocate)
        return self._fft.ifftn(x, axes=axes, workers=self.workers, overwrite_x=overwrite)

    def rfftn(self, x, axes):
        return self._fft.rfftn(x, axes=axes, workers=self.workers)

    def irfftn(self, x, shape, axes):
        return self._fft.irfftn(x, s=shape, axes=axes, workers=self.workers)

    def fftn_of_real(self, x, axes):
        # scipy.fft transforms a real input with a real-to-complex pass and fills in the conjugate half.
        return self._fft.fftn(x, axes=axes, workers=self.workers)


class TorchFFT:
    """The DFTs the core calls, on torch tensors (``torch.fft``; differentiable)."""

    def __init__(self):
        import torch

        self._torch = torch

    def fftn(self, x, axes):
        return self._torch.fft.fftn(x, dim=axes)

    def ifftn(self, x, axes, overwrite=False):
        return self._torch.fft.ifftn(x, dim=axes)  # torch has no in-place DFT: overwrite changes nothing

    def rfftn(self, x, axes):
        return self._torch.fft.rfftn(x, dim=axes)

    def irfftn(self, x, shape, axes):
        return self._torch.fft.irfftn(x, s=shape, dim=axes)

    def fftn_of_real(self, x, axes):
        # The two-sided real-to-complex transform (what torch.fft.fft runs for a real input in 1-D):
        # the half spectrum plus one native pass that fills in its conjugate; torch.fft.fftn would
        # promote x to complex and transform twice the data.  Normalisation 0: none (the forward DFT).
        return self._torch._fft_r2c(x, [a % x.ndim for a in axes], 0, False)


class _OneThreadWhileInside:
    """A process-wide thread count held at one while any caller is inside, restored when the last one leaves.

    ``limit()`` sets one thread and returns a function that restores the
    setting it found.  Calls from several threads overlap: the first one in
    saves and limits, the last one out restores; a per-call save and restore
    would let an early leaver lift the limit under the others, and leave
    the limit in place for good when the last one restores what it saved.
    """

    def __init__(self, limit):
        self._limit, self._lock, self._inside, self._restore = limit, threading.Lock(), 0, None

    @contextlib.contextmanager
    def __call__(self):
        with self._lock:
            if self._inside == 0:
                self._restore = self._limit()
            self._inside += 1
        try:
            yield
        finally:
            with self._lock:
                self._inside -= 1
                if self._inside == 0:
                    self._restore()


def _limit_blas():
    import threadpoolctl

    return threadpoolctl.threadpool_limits(1, user_api="blas").restore_original_limits


_blas_one_thread = _OneThreadWhileInside(_limit_blas)


class Backend:
    """FFT and device glue for one array library; everything else is ``self.xp``.

    ``self.fft`` holds the transforms (:class:`SciPyFFT` or :class:`TorchFFT`);
    every DFT of the core goes through it, on the trailing ``ndim`` axes.
    """

    def __init__(self, x, workers=None):
        self.workers = WORKERS if workers is None else workers
        self.xp = array_api_compat.array_namespace(x)
        self.is_torch = array_api_compat.is_torch_array(x)
        self.device = array_api_compat.device(x)
        self.device_name = str(self.device)  # "cpu", "cuda:0", …: part of the core's cache keys
        self.fft = TorchFFT() if self.is_torch else SciPyFFT(self.workers)

    @property
    def real_pair_products(self):
        """Whether real responses multiply the spectra as real pairs (:meth:`real_pairs`): on torch.

        torch's complex multiply-add took twice as long as the real one on
        the core's blocks; NumPy's complex loops measured as fast as its
        real ones there (docs/performance.md), so NumPy keeps the complex
        product.
        """
        return self.is_torch

    def fftn(self, x, ndim):
        return self.fft.fftn(x, tuple(range(-ndim, 0)))

    def ifftn(self, x, ndim, overwrite=False):
        """Inverse DFT; ``overwrite``: ``x`` is scratch that the library may transform in place."""
        return self.fft.ifftn(x, tuple(range(-ndim, 0)), overwrite)

    def rfftn(self, x, ndim):
        """The half spectrum of a real ``x`` (last axis n//2 + 1)."""
        return self.fft.rfftn(x, tuple(range(-ndim, 0)))

    def fftn_of_real(self, x, ndim):
        """The full DFT of a real ``x``; both libraries compute only half and fill in X(−ω) = conj X(ω)."""
        return self.fft.fftn_of_real(x, tuple(range(-ndim, 0)))

    def irfftn(self, half, shape, ndim):
        """Real inverse DFT on the grid ``shape`` from the half spectrum (last axis n//2 + 1)."""
        return self.fft.irfftn(half, tuple(shape), tuple(range(-ndim, 0)))

    def one_thread_per_chunk(self):
        """A context manager for NumPy chunks run one per core in threads: the BLAS uses one thread.

        A process-wide setting (threadpoolctl), held at one while any such
        call runs and restored when the last one leaves
        (:class:`_OneThreadWhileInside`): chunk threads with BLAS threads of
        their own oversubscribe the cores (docs/performance.md).  torch runs
        no chunk threads (``scatterx._chunks.chunking``).
        """
        return _blas_one_thread()

    def set_product(self, out, a, b):
        """out[...] = a·b (broadcasting), written straight into ``out`` where autograd allows."""
        if not self.is_torch:
            np.multiply(a, b, out=out)
        elif out.requires_grad or a.requires_grad or b.requires_grad:
            out.copy_(a * b)
        else:
            self._torch().mul(a, b, out=out)

    def add_product(self, out, a, b):
        """out += a·b in place (broadcasting); torch fuses it into one pass (``addcmul_``, differentiable).

        NumPy forms a·b in a temporary first: a term larger than
        :data:`NUMPY_PRODUCT_PIECE` bytes is added in pieces along its first
        axis longer than one, so that no temporary the size of a whole
        product block is held beside it.
        """
        if self.is_torch:
            out.addcmul_(a, b)
            return
        pieces = -(-out.size * out.itemsize // NUMPY_PRODUCT_PIECE)
        axis = next((i for i, n in enumerate(out.shape) if n > 1), None)
        if pieces <= 1 or axis is None or not a.ndim == b.ndim == out.ndim:
            out += a * b
            return
        step = -(-out.shape[axis] // pieces)
        for i in range(0, out.shape[axis], step):
            part = (slice(None),) * axis + (slice(i, i + step),)
            out[part] += a[part if a.shape[axis] > 1 else ...] * b[part if b.shape[axis] > 1 else ...]

    def matmul_pieces(self, rows):
        """Into how many products a matrix product over ``rows`` maps is cut, run as one batched call.

        torch on a CPU: its intra-op threads, where they divide ``rows``; it
        spreads a batch of products over its threads, one product each,
        where MKL ran one skinny product (10 × 20 @ 20 × 13 760: the
        separable low-pass of case a) on two threads 1.3–1.5× slower than
        on one (docs/performance.md).  NumPy runs its chunks in threads
        with one BLAS thread each, and a GPU spreads one product: 1.
        """
        if not self.is_torch or self.device.type != "cpu":
            return 1
        threads = self._torch().get_num_threads()
        return threads if threads > 1 and rows % threads == 0 else 1

    def real_pairs(self, z):
        """A complex array as a real view (…, 2) of its real and imaginary parts, on the same memory.

        Any strides: the view adds a trailing axis of two contiguous parts.
        A product of a complex spectrum with a real response, both seen this
        way (the response's values repeated), is two real multiplications
        per entry (see ``real_pair_products``).
        """
        if self.is_torch:
            return self._torch().view_as_real(z)
        return z.view(np.dtype((z.real.dtype, (2,))))

    @staticmethod
    def _torch():
        import torch

        return torch

    def asarray(self, a, dtype=None):
        """A filter as an array of this library on the input's device, cast to the NumPy ``dtype`` if given.

        ``a`` is a NumPy array, or a tensor (``scatterx.torch``'s filters),
        which is moved and cast inside the autograd graph.
        """
        if self.is_torch:
            torch = self._torch()
            if isinstance(a, torch.Tensor):
                return a.to(device=self.device, dtype=None if dtype is None else getattr(torch, np.dtype(dtype).name))
            t = torch.from_numpy(np.ascontiguousarray(a if dtype is None else np.asarray(a).astype(dtype)))
            return t.to(device=self.device)
        return np.asarray(a) if dtype is None else np.asarray(a).astype(dtype)

    def contiguous(self, x):
        """``x`` in C order (a copy only where it is not)."""
        if self.is_torch:
            return x.contiguous()
        return np.ascontiguousarray(x)

    def to_numpy(self, x):
        if self.is_torch:
            return x.detach().cpu().numpy()
        return np.asarray(x)


def namespace(x) -> Backend:
    return Backend(x)
