"""Kymatio 0.3.0's NumPy frontends: ``from kymatio.numpy import Scattering2D`` → ``from scatterx.numpy import ...``.

    from scatterx.numpy import Scattering2D
    S = Scattering2D(J=2, shape=(32, 32))
    Sx = S(x)                      # x: (..., 32, 32) → (..., 81, 8, 8), Kymatio's numbers

The filter responses are NumPy arrays, cropped or periodised to each level
on first use; the transform is scatterx's compute core (see
docs/kymatio.md).  With ``backend=None`` (the default) a torch tensor is
taken too and gives a tensor; ``backend='numpy'`` takes NumPy arrays only,
as Kymatio's NumPy frontend does.
"""

from __future__ import annotations

from ._kymatio1d import Scattering1DBase
from ._kymatio2d import Scattering2DBase

__all__ = ["Scattering2D", "Scattering1D"]


class _NumPyResponses:
    """Filter responses kept as NumPy arrays: the rendered bank, and each level computed on first use."""

    frontend = "numpy"

    def _responses(self, name, r):
        cache = self.__dict__.setdefault("_levels_cache", {})
        if (name, r) not in cache:
            cache[name, r] = self._response_of(self._bank, name, r)
        return cache[name, r]

    def __call__(self, x):
        """``scattering(x)``."""
        return self.scattering(x)


class Scattering2D(_NumPyResponses, Scattering2DBase):
    __doc__ = Scattering2DBase.__doc__

    def _keep_bank(self, bank):
        self._bank = bank

    @property
    def bank(self):
        """The Morlet bank (``frames.FilterBank``) on the padded grid."""
        return self._bank


class Scattering1D(_NumPyResponses, Scattering1DBase):
    __doc__ = Scattering1DBase.__doc__

    def _keep_bank(self, banks):
        self._bank = banks

    @property
    def banks(self):
        """The first- and second-order Morlet banks (``frames.FilterBank``) on the padded grid."""
        return self._bank
