"""scatterx: generic scattering networks (Wiatowski & Bölcskei 2018).

Any semi-discrete frame (``frames``), any Lipschitz non-linearity, any
Lipschitz pooling, any depth; one compute core for NumPy and PyTorch; and
Kymatio-compatible frontends on top of it.
"""

from .kymatio import BackendImportError, Scattering1D, Scattering2D, ScatteringValueError
from .network import LayerBounds, Module, Network, NotAdmissibleError
from .operators import Average, Identity, MaxPool, Modulus, NoPooling, ReLU, Sigmoid, Subsample, Tanh

__version__ = "0.1.0"

__all__ = [
    "Network",
    "Module",
    "NotAdmissibleError",
    "LayerBounds",
    "Modulus",
    "ReLU",
    "Tanh",
    "Sigmoid",
    "Identity",
    "Subsample",
    "Average",
    "MaxPool",
    "NoPooling",
    "Scattering2D",
    "Scattering1D",
    "ScatteringValueError",
    "BackendImportError",
]
