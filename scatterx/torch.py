"""A scattering network as a ``torch.nn.Module``, fixed or with learned filters.

    model = torch.nn.Sequential(ScatteringModule(net), torch.nn.Linear(net.n_features, 10))

The module runs the same compute core as ``Network.__call__`` (this file
holds no copy of the algorithm): the network's layer plans are used with
their filters taken from the module's tensors instead of the network's
cached NumPy banks, so the filters move with ``.to(device)``, are saved in
``state_dict()`` and, when learned, receive gradients.

Fixed filters (``learnable=False``): buffers ``lowpass_{n}`` (χ̂ of layer n,
n = 0 … N) and ``filters_{n}`` (ĝ_λ, n < N), the frequency responses of
``network.bank(n)`` in float64; the output is ``network(x)`` bit for bit.

Learned filters (``learnable=True``): parameters ``lowpass_{n}`` and
``filters_{n}`` hold the filters *in space* (real kernels where the bank is
real in space, else complex kernels stored as (…, 2) real pairs), and each
forward pass takes their DFT.  Parametrising in space keeps what the core
relies on: a filter real in space stays real in space, so the features of
a real input stay real and their names and number do not change.

Admissibility projection.  After each optimiser step (see
:meth:`ScatteringModule.enforce_admissibility`), :meth:`~ScatteringModule.project_`
computes, from the current responses, each layer's value
v_n = max(B_n, B_n L_n² R_n²) with B_n the maximum of its Littlewood–Paley
sum |χ̂_n|² + Σ_λ |ĝ_λ|² (symmetrised, ½(LP(ω) + LP(−ω)), where the layer's
input is real) — for the last layer, B_N = max |χ̂_N|² — and where v_n > 1
multiplies every filter of layer n (χ_n included) by 1/√v_n, which makes
v_n = 1: the smallest uniform rescaling that restores the bound, the same
one ``Network.admissible()`` applies to frames.  Layers within the bound
are left as they are.  With admissible filters the module is
non-expansive, |||Φ(f) − Φ(h)||| ≤ ‖f − h‖, whatever the training did.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

import frames

from .network import Network, admissibility_value
from .plans import network_plans

__all__ = ["ScatteringModule"]


class ScatteringModule(nn.Module):
    """``network(x)`` as an ``nn.Module``: (batch, *shape) → (batch, n_features).

    Parameters
    ----------
    network : scatterx.Network or dict
        The network (or its ``to_dict()``).
    learnable : bool, default False
        Make the filters parameters (in space; see the module docstring).
        The filters are projected onto the admissible set once here, and
        again by :meth:`project_` (after each step with
        :meth:`enforce_admissibility`).

    Inputs are torch tensors (NumPy arrays are converted) of any float
    precision; the filters are cast to it at each call.
    """

    def __init__(self, network, learnable=False):
        super().__init__()
        # A copy with every option kept (a dict: a network description, checked by from_dict).
        self.network = network.replace() if isinstance(network, Network) else Network.from_dict(dict(network))
        self.learnable = bool(learnable)
        net = self.network
        self._input_real = net.real_layers()
        self._kernel_real = {}
        for n in range(net.depth + 1):
            bank = net.bank(n)
            tensors = {"lowpass": (bank.lowpass, bank.lowpass_is_real)}
            if n < net.depth:
                tensors["filters"] = (bank.filters, bank.is_real)
            for kind, (response, real_in_space) in tensors.items():
                name = f"{kind}_{n}"
                if not learnable:
                    self.register_buffer(name, torch.from_numpy(np.array(response)))
                    continue
                kernel = np.fft.ifftn(response, axes=tuple(range(-net.ndim, 0)))
                kernel = np.real(kernel) if real_in_space else np.stack([kernel.real, kernel.imag], axis=-1)
                self._kernel_real[name] = real_in_space
                self.register_parameter(name, nn.Parameter(torch.from_numpy(np.ascontiguousarray(kernel))))
        if learnable:
            self.project_()

    # ------------------------------------------------------------ filters
    def responses(self, n):
        """(χ̂, ĝ or None) of layer n as tensors, from the buffers or the learned kernels."""
        out = []
        for kind in ("lowpass", "filters"):
            t = getattr(self, f"{kind}_{n}", None)
            if t is not None and self.learnable:
                k = t if self._kernel_real[f"{kind}_{n}"] else torch.view_as_complex(t)
                t = torch.fft.fftn(k, dim=tuple(range(-self.network.ndim, 0)))
            out.append(t)
        return tuple(out)

    def plans(self, decimate_output=True):
        """The network's layer plans compiled over this module's tensors (``scatterx.plans``), cached.

        Not pickled: they hold closures, and are rebuilt on first use.
        """
        cache = self.__dict__.setdefault("_compiled", {})
        key = bool(decimate_output)
        if key not in cache:
            cache[key] = network_plans(self.network, decimate_output=key, responses=self.responses)
        return cache[key]

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_compiled", None)
        return state

    # ------------------------------------------------------------ forward
    def forward(self, x):
        """Flat features (``Network.features``) of ``x`` (batch, *shape)."""
        return self.network.features(_tensor(x), plans=self.plans(True))

    def layers(self, x):
        """Φ^0 … Φ^N (``Network.layers``) with this module's filters."""
        return self.network.layers(_tensor(x), plans=self.plans(False))

    # ------------------------------------------------------------ admissibility
    @torch.no_grad()
    def admissibility(self):
        """v_n = max(B_n, B_n L_n² R_n²) of every layer n = 0 … N from the current responses."""
        net, values = self.network, []
        for n, real in enumerate(self._input_real):
            lowpass, filters = (_complex128(t) for t in self.responses(n))
            _, B = frames.frame_bounds(lowpass, filters, symmetric=real)
            L, R = net.modules[n].lipschitz if n < net.depth else (1.0, 1.0)
            values.append(admissibility_value(B, L, R))
        return values

    @torch.no_grad()
    def project_(self):
        """Rescale every layer with v_n > 1 by 1/√v_n (see the module docstring); returns self."""
        for n, v in enumerate(self.admissibility()):
            if v > 1:
                for kind in ("lowpass", "filters"):
                    t = getattr(self, f"{kind}_{n}", None)
                    if t is not None:
                        t.mul_(1.0 / math.sqrt(v))
        return self

    def enforce_admissibility(self, optimizer):
        """Call :meth:`project_` after every ``optimizer.step()``; returns the hook's handle."""
        return optimizer.register_step_post_hook(lambda opt, args, kwargs: self.project_())

    def extra_repr(self):
        return f"shape={self.network.shape}, depth={self.network.depth}, learnable={self.learnable}"


def _tensor(x):
    return x if torch.is_tensor(x) else torch.as_tensor(x)


def _complex128(t):
    return None if t is None else t.to(torch.complex128)
