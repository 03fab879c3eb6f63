"""One verdict per statement (holds / violated / n/a with its reason, and a margin), read from the typed results.

Every verdict has a stable ``id`` (``docs/verify.md``, verdicts).  A statement
whose conditions fail is n/a, never violated.  Admissibility and translation
covariance are themselves statements: where one of them fails, the statements
that rest on it are still judged, and their detail names the failed premise.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

__all__ = ["IDS", "Verdict", "verdicts", "verdict_word", "fmt"]

IDS = (
    "admissibility",
    "nonexpansive",
    "nonexpansive_detects",
    "translation_covariance",
    "translation_invariance",
    "translation_invariance_energy",
    "translation_aliasing",
    "deformation_bandlimited",
    "deformation_cartoon",
    "deformation_lipschitz",
    "energy_bounds",
    "energy_identity",
    "energy_decay",
)


@dataclass(frozen=True)
class Verdict:
    """``holds``: True, False, or None (n/a, ``text`` says why); ``margin``: ≥ 0 exactly when it holds."""

    id: str
    statement: str
    holds: bool | None
    margin: float | None
    text: str

    def to_dict(self):
        return asdict(self)


def fmt(v, spec=".3g"):
    """``v`` formatted, or an em dash for None or NaN."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    return format(v, spec)


def verdict_word(holds):
    """The word of a verdict whose ``holds`` is True, False or None."""
    return "n/a" if holds is None else ("holds" if holds else "VIOLATED")


def _judged(id, statement, holds, margin, text):
    """A verdict; a NaN margin (nothing measured) is None."""
    if margin is not None and math.isnan(margin):
        margin = None
    return Verdict(id, statement, holds, margin, text)


def _na(id, statement, reason):
    return Verdict(id, statement, None, None, f"n/a: {reason}")


def verdicts(s):
    """The verdicts of the :class:`~scatterx.verify.sections.Sections` ``s``, in the order of ``IDS``."""
    adm, tr = s.admissibility, s.translation
    not_admissible = "" if adm.admissible else " — the network is not admissible, so the theorem does not promise it"
    not_covariant = "" if tr.covariance_holds else " — the network is not translation covariant (see that statement)"
    return (
        _lipschitz(s, not_admissible)
        + _translation(tr, not_admissible, not_covariant)
        + _deformation(s, not_admissible)
        + _energy(s, not_admissible)
    )


def _lipschitz(s, not_admissible):
    adm, ne, loud = s.admissibility, s.nonexpansive, s.nonexpansive_not_admissible
    detects_statement = f"The check can fail: frames × {loud.scale:g} give a ratio > 1"
    tol = loud.result.tolerance
    detects = (
        _na("nonexpansive_detects", detects_statement, f"a scale {loud.scale:g} ≤ 1 cannot make the network expand")
        if loud.scale <= 1
        else _judged(
            "nonexpansive_detects",
            detects_statement,
            loud.result.worst > 1 + tol,
            loud.result.worst - 1 - tol,
            f"worst ratio {loud.result.worst:.4g} (max(B, BL²R²) = {loud.admissibility_worst:.4g})",
        )
    )
    return [
        _judged(
            "admissibility",
            "Admissibility: max(B_n, B_n L_n² R_n²) ≤ 1 for every layer",
            adm.admissible,
            adm.margin,
            f"worst layer value {adm.worst:.6g}",
        ),
        _judged(
            "nonexpansive",
            "Non-expansiveness: |||Φ(f) − Φ(h)||| ≤ ‖f − h‖",
            ne.holds,
            ne.margin,
            f"worst ratio {ne.worst:.6g} ({ne.worst_kind} pairs){not_admissible}",
        ),
        detects,
    ]


def _translation(tr, not_admissible, not_covariant):
    cov = tr.covariance_error[np.isfinite(tr.covariance_error)]
    aliasing_statement = (
        "Off the lattice (aliasing): |||Φ^n(T_t f) − Φ^n(f)||| ≤ min_p ‖T_t f − T_p f‖ + 2π|p|K_n/P_n √W_n(f)"
    )
    aliasing = (
        _na("translation_aliasing", aliasing_statement, "no (layer, shift) off the sub-sampling lattice was measured")
        if tr.aliasing_holds is None
        else _judged(
            "translation_aliasing",
            aliasing_statement,
            tr.aliasing_holds,
            tr.aliasing_margin,
            f"worst measured/bound {fmt(np.nanmax(tr.aliasing_ratio))} over the cells off the lattice "
            f"(p ∈ P_n ℤ^d near t){not_admissible}{not_covariant}",
        )
    )
    return [
        _judged(
            "translation_covariance",
            "Translation covariance: Φ^n(T_t f) = T_{t/P_n} Φ^n(f) for t ∈ P_n ℤ^d",
            tr.covariance_holds,
            tr.covariance_margin,
            f"largest relative error {cov.max() if cov.size else 0.0:.3g} (tolerance {tr.tolerance:g})",
        ),
        _judged(
            "translation_invariance",
            "Translation invariance (Thm 1): |||Φ^n(T_t f) − Φ^n(f)||| ≤ 2π|t|K_n/P_n ‖f‖",
            tr.holds,
            tr.margin,
            f"worst measured/bound {fmt(1 + tr.tolerance - tr.margin)} where the theorem applies (t ∈ P_n ℤ^d, "
            f"or n = 0){not_admissible}{not_covariant}",
        ),
        _judged(
            "translation_invariance_energy",
            "Translation invariance, √W_n form: |||Φ^n(T_t f) − Φ^n(f)||| ≤ 2π|t|K_n/P_n √W_n(f)",
            tr.energy_holds,
            tr.energy_margin,
            f"worst measured/bound {fmt(1 + tr.tolerance - tr.energy_margin)} (needs covariance only: the 1/P_n "
            f"rate without the energy decay){not_covariant}",
        ),
        aliasing,
    ]


def _deformation(s, not_admissible):
    de, ca, li = s.deformation, s.cartoon, s.lipschitz
    modulation = (
        "modulation cos 2πω (real input: its effect is second order in ω)"
        if de.modulation == "cos"
        else "modulation e^{2πiω}"
    )
    band = _judged(
        "deformation_bandlimited",
        "Deformation, band-limited (Thm 2): |||Φ(F f) − Φ(f)||| ≤ (e^{2πR‖τ‖∞} − 1 + 2π‖ω‖∞)‖f‖ ≤ C(R‖τ‖∞ + ‖ω‖∞)‖f‖",
        de.holds,
        de.margin,
        f"worst measured/bound {de.ratio:.3g} (signal change/bound {de.signal_ratio:.3g}); explicit C = "
        f"{de.C_bound:.4g}, empirical C = {de.C:.4g} (signal class {de.C_signal:.4g}); R = {de.R:.4g} "
        f"cycles/sample, {modulation}{not_admissible}",
    )
    if de.reason:
        band = _na("deformation_bandlimited", band.statement, de.reason)
    return [
        band,
        _judged(
            "deformation_cartoon",
            "Deformation, cartoon functions: |||Φ(F_τ f) − Φ(f)||| ≤ √|G| L₁‖τ‖∞ + (T(‖τ‖∞ + √d/2r))^{1/2}",
            ca.holds,
            ca.margin,
            f"worst measured/bound {ca.ratio:.3g} (signal change/bound {ca.signal_ratio:.3g}); area-sampled "
            f"r = {ca.refine}, ‖τ‖∞ {ca.tau_sups.min():.3g}–{ca.tau_sups.max():.3g} samples; empirical C·K = "
            f"{ca.CK:.4g} in C·K‖τ‖∞^{{1/2}}‖f‖{not_admissible}",
        ),
        _judged(
            "deformation_lipschitz",
            "Deformation, Lipschitz functions: |||Φ(F_τ f) − Φ(f)||| ≤ √|G| K ‖τ‖∞",
            li.holds,
            li.margin,
            f"worst measured/bound {li.ratio:.3g} (signal change/bound {li.signal_ratio:.3g}); "
            f"‖τ‖∞ up to {li.tau_sups.max():.3g} samples{not_admissible}",
        ),
    ]


def _energy(s, not_admissible):
    en, twin, pi, dec = s.energy, s.energy_twin, s.parseval_identity, s.energy_decay_bound
    upper = min(en.balance_margin, en.monotone_margin)
    if not en.lower_reason:
        lower, where, low = en.lower_margin, f"A_Ω = {en.lower:.4g} on the network", np.min(en.balance)
    else:
        lower, low = twin.result.lower_margin, np.min(twin.result.balance)
        where = (
            f"A_Ω = {twin.result.lower:.4g} on the network's no-pooling twin (its frames, the modulus, "
            f"depth {twin.twin.depth}: here {en.lower_reason})"
        )
    margin = min(upper, lower)
    bounds = _judged(
        "energy_bounds",
        "Energy bounds: A_Ω‖f‖² ≤ Σ_{n<N} |||Φ^n f|||² + W_N f ≤ ‖f‖², W_n non-increasing",
        bool(margin >= 0),
        margin,
        f"(Σ_{{n<N}} |||Φ^n f|||² + W_N f)/‖f‖² between {np.min(en.balance):.4g} and {np.max(en.balance):.6g}; "
        f"lower bound {where}, smallest balance there {low:.4g}"
        f"{not_admissible}",
    )
    identity_statement = "Energy identity (Parseval frames, modulus, no pooling): ‖f‖² = Σ_{n<N} |||Φ^n f|||² + W_N f"
    if en.identity_applies:
        identity = _judged(
            "energy_identity",
            identity_statement,
            en.identity_holds,
            en.identity_margin,
            f"on the network itself (it is in the identity's setting): largest relative residual "
            f"{np.max(en.residual):.3g} (tolerance {en.identity_tolerance:g})",
        )
    elif pi.applies:
        identity = _judged(
            "energy_identity",
            identity_statement,
            pi.result.identity_holds,
            pi.result.identity_margin,
            f"on the Parseval twin (depth {pi.twin.depth}; the network itself: {en.reason}): largest relative "
            f"residual {np.max(pi.result.residual):.3g} (tolerance {pi.result.identity_tolerance:g})",
        )
    else:
        identity = _na("energy_identity", identity_statement, f"{en.reason}, and {pi.reason}")
    decay_statement = "Energy decay (companion paper): W_n f ≤ B_Ω^n Σ_ν |f̂(ν)|²(1 − |r̂_l(ν/(n^α δ))|²)/|G|"
    c = dec.conditions
    decay = (
        _na("energy_decay", decay_statement, f"on the no-pooling twin, {c.reason}")
        if dec.holds is None
        else _judged(
            "energy_decay",
            decay_statement,
            dec.holds,
            dec.margin,
            f"on the no-pooling twin, depth {dec.depth}: worst measured/guaranteed {dec.ratio:.3g} "
            f"(δ = {c.high_pass_radius:.4g} cycles/sample{', stated' if c.stated else ''}, α = {dec.alpha:.3g}, "
            f"l = {dec.l})",
        )
    )
    return [bounds, identity, decay]
