"""Optional dependencies: one place that imports them and names the extra to install."""

from __future__ import annotations

import importlib

__all__ = ["EXTRAS", "require", "torch_or_none"]

# import name → (distribution, the pyproject extra that installs it)
EXTRAS = {
    "torch": ("torch", "torch"),
    "sklearn": ("scikit-learn", "sklearn"),
    "pandas": ("pandas", "sklearn"),
    "dask": ("dask", "dask"),
    "distributed": ("distributed", "dask"),
    "zarr": ("zarr", "dask"),
    "h5py": ("h5py", "dask"),
    "PIL": ("pillow", "dask"),
    "matplotlib": ("matplotlib", "plot"),
    "mnist1d": ("mnist1d", "data"),
    "skimage": ("scikit-image", "data"),
}


def require(module, what):
    """Import ``module`` for ``what`` (e.g. "scatterx compare"), or ImportError naming the extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        dist, extra = EXTRAS.get(module.split(".")[0], (module, "all"))
        raise ImportError(
            f"{what} needs {dist}, which is not installed: pip install 'scatterx[{extra}]' (or 'scatterx[all]')"
        ) from e


def torch_or_none():
    """The ``torch`` module, or None when PyTorch is not installed."""
    try:
        import torch
    except ImportError:
        return None
    return torch
