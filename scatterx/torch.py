"""Scattering as ``torch.nn.Module`` objects: a generic network (fixed or learned filters) and Kymatio's frontends.

    model = torch.nn.Sequential(ScatteringModule(net), torch.nn.Linear(net.n_features, 10))
    from scatterx.torch import Scattering2D     # for: from kymatio.torch import Scattering2D

Every module here is a :class:`FilterModule`: its filter responses are
module tensors (buffers, or parameters when learned), and its forward pass
runs plans compiled over those tensors (``scatterx.plans``), cached per
setting and never pickled.  The filters therefore move with ``.to(device)``,
``.cuda()``, ``.double()``, ``.float()``, are saved in ``state_dict()``, and
gradients flow through the transform.

:class:`Scattering2D` and :class:`Scattering1D` are Kymatio 0.3.0's torch
frontends (same arguments, numbers, channel order; see docs/kymatio.md):
buffers ``phi_{r}`` / ``psi_{r}`` (2-D) and ``phi_{r}`` / ``psi1_0`` /
``psi2_{r}`` (1-D) hold the responses at each level 2^r, in float64 until
``.float()``; float32 and float64 inputs are accepted and give their own
precision.

:class:`ScatteringModule` runs the same compute core as ``Network.__call__`` (this file
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

from ._kymatio1d import Scattering1DBase
from ._kymatio2d import Scattering2DBase
from .network import Network, admissibility_value
from .plans import PlanCache, network_plans

__all__ = ["FilterModule", "ScatteringModule", "Scattering2D", "Scattering1D"]


class FilterModule(PlanCache, nn.Module):
    """An ``nn.Module`` whose forward pass runs plans compiled over its own filter tensors.

    The machinery every module of this file shares: responses registered
    from NumPy arrays (buffers by default), plans cached per key
    (:meth:`~scatterx.plans.PlanCache.cached_plans`) whose closures read the
    module's tensors live (so they follow ``.to()`` and ``load_state_dict``),
    and pickling or ``copy.deepcopy`` without the plans.
    """

    def register_response(self, name, response, learnable=False):
        """Register a copy of the NumPy array ``response`` as buffer ``name`` (as a parameter with ``learnable``).

        A copy: in-place changes of the module's filters never reach the
        arrays it was built from (a network's cached banks).
        """
        tensor = torch.from_numpy(np.array(response, order="C"))
        if learnable:
            self.register_parameter(name, nn.Parameter(tensor))
        else:
            self.register_buffer(name, tensor)


class ScatteringModule(FilterModule):
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
                    self.register_response(name, response)
                    continue
                kernel = np.fft.ifftn(response, axes=tuple(range(-net.ndim, 0)))
                kernel = np.real(kernel) if real_in_space else np.stack([kernel.real, kernel.imag], axis=-1)
                self._kernel_real[name] = real_in_space
                self.register_response(name, kernel, learnable=True)
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
        key = bool(decimate_output)
        return self.cached_plans(
            key, lambda: network_plans(self.network, decimate_output=key, responses=self.responses)
        )

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


class _TorchFrontend(FilterModule):
    """A Kymatio frontend's filter responses as buffers: every level the paths reach, from the rendered bank."""

    frontend = "torch"

    def _keep_bank(self, bank):
        for name, r in self._levels():
            self.register_response(f"{name}_{r}", self._response_of(bank, name, r))

    def _responses(self, name, r):
        return getattr(self, f"{name}_{r}", None)

    def forward(self, x):
        """``scattering(x)``."""
        return self.scattering(x)


class Scattering2D(_TorchFrontend, Scattering2DBase):
    __doc__ = Scattering2DBase.__doc__

    def __init__(self, J, shape, L=8, max_order=2, pre_pad=False, backend=None, out_type="array", *, max_memory=None):
        _TorchFrontend.__init__(self)
        Scattering2DBase.__init__(self, J, shape, L, max_order, pre_pad, backend, out_type, max_memory=max_memory)

    def extra_repr(self):
        return f"J={self.J}, shape={self.shape}, L={self.L}, max_order={self.max_order}"


class Scattering1D(_TorchFrontend, Scattering1DBase):
    __doc__ = Scattering1DBase.__doc__

    def __init__(
        self,
        J,
        shape,
        Q=1,
        T=None,
        max_order=2,
        average=None,
        oversampling=0,
        out_type="array",
        backend=None,
        *,
        max_memory=None,
    ):
        _TorchFrontend.__init__(self)
        Scattering1DBase.__init__(
            self, J, shape, Q, T, max_order, average, oversampling, out_type, backend, max_memory=max_memory
        )

    def extra_repr(self):
        return f"J={self.J}, shape={self.shape}, Q={self.Q}, T={self.T}, max_order={self.max_order}"
