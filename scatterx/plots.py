"""Figures of filter banks, written as PNG files (needs the ``plot`` extra)."""

from __future__ import annotations

import math

import numpy as np

from ._figures import figure, save

__all__ = ["plot_filters", "plot_littlewood_paley", "plot_filters_space", "panel_label"]


def _centred(a):
    return np.fft.fftshift(a)


def _plane(a):
    """A 3-D response's plane ω₃ = 0 (the figures are 2-D); 1-D/2-D unchanged."""
    return a[..., 0] if a.ndim == 3 else a


def _axes_extent(shape):
    # frequencies in cycles per sample, fftshifted: [-1/2, 1/2)
    return [-0.5, 0.5 - 1 / shape[1], 0.5 - 1 / shape[0], -0.5] if len(shape) == 2 else None


def plot_filters(bank, path, title=None, max_panels=48):
    """|ĝ_λ(ω)| of every filter (one panel each, up to ``max_panels``) and |χ̂| first."""
    responses = [bank.lowpass] + list(bank.filters[:max_panels])
    labels = ["χ (low-pass)"] + [panel_label(m) for m in bank.meta[:max_panels]]
    if bank.ndim == 1:
        fig, ax = figure(figsize=(9, 3.5))
        f = np.fft.fftshift(np.fft.fftfreq(bank.shape[0]))
        for r, lab in zip(responses, labels):
            ax.plot(f, _centred(np.abs(r)), lw=0.8, label=lab if len(responses) <= 12 else None)
        ax.set_xlabel("frequency (cycles/sample)")
        ax.set_ylabel("|ĝ(ω)|")
    else:
        cols = min(8, len(responses))
        rows = math.ceil(len(responses) / cols)
        fig, axes = figure(rows, cols, figsize=(1.6 * cols, 1.7 * rows + 0.4), squeeze=False)
        vmax = max(float(np.abs(r).max()) for r in responses)
        for ax, r, lab in zip(axes.flat, responses, labels):
            ax.imshow(_centred(np.abs(_plane(r))), cmap="magma", vmin=0, vmax=vmax, extent=_axes_extent(bank.shape[:2]))
            ax.set_title(lab, fontsize=7)
            ax.set_xticks([])
            ax.set_yticks([])
        for ax in list(axes.flat)[len(responses) :]:
            ax.axis("off")
    plane = ", plane ω₃ = 0" if bank.ndim == 3 else ""
    fig.suptitle(title or f"{bank.frame!r}: |ĝ| on the {bank.shape} grid{plane}", fontsize=9)
    return save(fig, path)


def plot_littlewood_paley(bank, path, title=None, symmetric=True, note=None):
    """The (symmetrised) Littlewood–Paley sum with its frame bounds (A, B) in the title.

    ``note``: a first title line saying which bank this is (e.g. that it is
    shown before a network's ``.admissible()`` rescales it).
    """
    lp = bank.littlewood_paley(symmetric=symmetric)
    A, B = float(lp.min()), float(lp.max())
    kind = "symmetrised LP sum ½(LP(ω)+LP(−ω))" if symmetric else "LP sum"
    fig, ax = figure(figsize=(5.2, 4.2) if bank.ndim == 2 else (8, 3.2))
    if bank.ndim == 1:
        f = np.fft.fftshift(np.fft.fftfreq(bank.shape[0]))
        ax.plot(f, _centred(lp), lw=1)
        ax.axhline(A, ls="--", c="grey", lw=0.7)
        ax.axhline(B, ls="--", c="grey", lw=0.7)
        ax.set_ylim(0, 1.05 * max(B, 1.0))
        ax.set_xlabel("frequency (cycles/sample)")
    else:
        # A fixed range from 0: families compare at a glance, and a Parseval
        # sum shows as flat rather than as its rounding noise.
        im = ax.imshow(
            _centred(_plane(lp)), cmap="viridis", vmin=0, vmax=1.05 * max(B, 1.0), extent=_axes_extent(bank.shape[:2])
        )
        fig.colorbar(im, ax=ax)
        ax.set_xlabel("ω₂ (cycles/sample)")
        ax.set_ylabel("ω₁ (cycles/sample)")
    default = f"{kind}\nA = {A:.4g}, B = {B:.4g}"
    ax.set_title(title or (f"{note}\n{default}" if note else default), fontsize=9)
    return save(fig, path)


def plot_filters_space(bank, path, title=None, max_panels=48, crop=None):
    """The filters in space: real part of g_λ (centred at the origin), one panel each.

    ``crop`` keeps a centred window of that many samples per axis (default: a
    quarter of the grid, at least 16) so that short filters stay visible.
    """
    responses = [bank.lowpass] + list(bank.filters[:max_panels])
    labels = ["χ (low-pass)"] + [panel_label(m) for m in bank.meta[:max_panels]]
    spatial = [np.fft.fftshift(np.fft.ifftn(r)) for r in responses]
    crop = crop or max(16, min(bank.shape) // 4)
    window = tuple(slice(max(0, n // 2 - crop // 2), n // 2 + crop // 2 + 1) for n in bank.shape)
    if bank.ndim == 1:
        fig, ax = figure(figsize=(9, 3.5))
        t = np.arange(bank.shape[0])[window[0]] - bank.shape[0] // 2
        for g, lab in zip(spatial, labels):
            ax.plot(t, g[window].real, lw=0.8, label=lab if len(spatial) <= 12 else None)
        ax.set_xlabel("sample")
        ax.set_ylabel("Re g")
    else:
        if bank.ndim == 3:  # the central slice
            spatial = [g[:, :, g.shape[2] // 2] for g in spatial]
            window = window[:2]
        cols = min(8, len(spatial))
        rows = math.ceil(len(spatial) / cols)
        fig, axes = figure(rows, cols, figsize=(1.6 * cols, 1.7 * rows + 0.4), squeeze=False)
        for ax, g, lab in zip(axes.flat, spatial, labels):
            v = g[window].real
            lim = float(np.abs(v).max()) or 1.0
            ax.imshow(v, cmap="RdBu_r", vmin=-lim, vmax=lim)
            ax.set_title(lab, fontsize=7)
            ax.set_xticks([])
            ax.set_yticks([])
        for ax in list(axes.flat)[len(spatial) :]:
            ax.axis("off")
    fig.suptitle(title or f"{bank.frame!r}: Re g in space (centred crop)", fontsize=9)
    return save(fig, path)


def _degrees(angle):
    return f"{math.degrees(angle):.0f}°"


def panel_label(meta):
    """A panel title from a filter's ``meta``: scale, then what tells the filters of one scale apart.

    Morlet: θ index; shearlet: cone and shear k; curvelet and ridgelet: the
    wedge; PyWavelets: the detail ('ad', 'da', 'dd'); Gabor: the lattice
    index m; then the orientation of the 2-D filter's frequency centre
    (``meta['angle']``) in degrees.
    """
    first = [f"j={meta['j']}"] if "j" in meta else []
    if "theta" in meta:
        first.append(f"θ={meta['theta']}")
    elif "shear" in meta:
        first.append(f"cone {meta['cone']}, k={meta['shear']}")
    elif "wedge" in meta:
        first.append(f"wedge {meta['wedge']}")
    elif "detail" in meta:
        first.append(str(meta["detail"]))
    elif "m" in meta:
        m = meta["m"]
        first.append(f"m={tuple(m) if isinstance(m, (list, tuple)) else m}")
    elif "xi" in meta:
        first.append(f"ξ={meta['xi']:.3g}")
    else:
        first.append(f"scale {meta.get('scale', '?')}")
    if "angle" in meta:
        first.append(_degrees(meta["angle"]))
    return ", ".join(first)
