"""Frame families: recipes that render filter banks on any DFT grid.

Every family is a :class:`Frame`; ``frame.render(shape)`` gives a
:class:`FilterBank` (low-pass χ̂, filters ĝ_λ, their Littlewood–Paley sum and
frame bounds).  Families: ``morlet`` (Kymatio's banks), ``pywavelet`` (any
discrete PyWavelets wavelet as an à-trous frame), ``shearlet``, ``curvelet``,
``ridgelet`` (band-limited Parseval frames), ``gabor`` (Weyl–Heisenberg),
``from_filters`` (learned or user filters).  A family of your own is a
:class:`Frame` subclass decorated with :func:`register`, which makes it
round-trip through ``to_dict``/:func:`from_dict` (configs, extraction,
pickling of scikit-learn and torch wrappers).
"""

from ._checks import ParameterTypeError
from ._frame import FAMILIES, FilterBank, Frame, frame_bounds, from_dict, littlewood_paley, reflect, register
from .curvelet import Curvelet, curvelet
from .from_filters import FromFilters, from_filters
from .gabor import Gabor, gabor
from .morlet import Morlet, morlet
from .pywavelet import PyWavelet, pywavelet, swt_shift
from .ridgelet import Ridgelet, ridgelet
from .shearlet import Shearlet, shearlet

__all__ = [
    "Frame",
    "FilterBank",
    "littlewood_paley",
    "frame_bounds",
    "reflect",
    "register",
    "from_dict",
    "FAMILIES",
    "ParameterTypeError",
    "morlet",
    "Morlet",
    "pywavelet",
    "PyWavelet",
    "swt_shift",
    "shearlet",
    "Shearlet",
    "curvelet",
    "Curvelet",
    "ridgelet",
    "Ridgelet",
    "gabor",
    "Gabor",
    "from_filters",
    "FromFilters",
]
