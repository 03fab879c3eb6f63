"""One verdict per statement (holds / violated / n/a, with its margin), read from the typed results."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from .. import theory as th

__all__ = ["Verdict", "verdicts", "verdict_word", "fmt"]


@dataclass(frozen=True)
class Verdict:
    """``holds``: True, False, or None (n/a); ``margin``: the statement's slack, ≥ 0 exactly when it holds."""

    statement: str
    holds: bool | None
    margin: float | None
    text: str

    def to_dict(self):
        return asdict(self)


def fmt(v, spec=".3g"):
    """``v`` formatted, or an em dash for None."""
    return "—" if v is None else format(v, spec)


def verdict_word(holds):
    """The word of a verdict whose ``holds`` is True, False or None."""
    return "n/a" if holds is None else ("holds" if holds else "VIOLATED")


def _nanmax(a):
    a = np.asarray(a, dtype=np.float64)
    a = a[np.isfinite(a)]
    return float(a.max()) if a.size else 0.0


def verdicts(s):
    """The verdicts of the :class:`~scatterx.verify.sections.Sections` ``s``, in report order."""
    adm = s.admissibility
    assumed = "" if adm.admissible else " — the network is not admissible, so the theorem does not promise it"
    ne, loud, tr = s.nonexpansive, s.nonexpansive_not_admissible, s.translation
    de, ca, en, pi, ed = s.deformation, s.cartoon, s.energy, s.parseval_identity, s.energy_decay
    cov = _nanmax(tr.covariance_error)
    out = [
        Verdict(
            "Admissibility: max(B_n, B_n L_n² R_n²) ≤ 1 for every layer",
            adm.admissible,
            adm.margin,
            f"worst layer value {adm.worst:.6g}",
        ),
        Verdict(
            "Non-expansiveness: |||Φ(f) − Φ(h)||| ≤ ‖f − h‖",
            ne.holds,
            ne.margin,
            f"worst ratio {ne.worst:.6g} ({ne.worst_kind} pairs){assumed}",
        ),
        Verdict(
            f"The check can fail: frames × {loud.scale:g} (not admissible) give a ratio > 1",
            loud.result.worst > 1,
            loud.result.worst - 1,
            f"worst ratio {loud.result.worst:.4g} (max(B, BL²R²) = {loud.admissibility_worst:.4g})",
        ),
        Verdict(
            "Translation covariance: Φ^n(T_t f) = T_{t/P_n} Φ^n(f) for t ∈ P_n ℤ^d",
            tr.covariance_holds,
            tr.covariance_margin,
            f"largest relative error {cov:.3g} (tolerance {tr.tolerance:g})",
        ),
        Verdict(
            "Translation invariance (Thm 1): |||Φ^n(T_t f) − Φ^n(f)||| ≤ 2π|t|K_n/P_n ‖f‖",
            tr.holds,
            tr.margin,
            f"smallest slack 1 + tolerance − measured/bound = {fmt(tr.margin)} where the theorem applies; "
            f"elsewhere (sub-sampling phase, not covered) worst measured/bound = {fmt(tr.off_theorem_worst)}"
            f"{assumed}",
        ),
        Verdict(
            "Deformation (Thm 2) decoupling: |||Φ(F f) − Φ(f)||| ≤ ‖F f − f‖",
            de.decoupling_holds,
            de.decoupling_margin,
            f"empirical C = {de.C:.4g} in |||Φ(Ff) − Φ(f)||| ≤ C(R‖τ‖∞ + ‖ω‖∞)‖f‖ "
            f"(signal class: {de.C_signal:.4g}), R = {de.R:.4g} cycles/sample{assumed}",
        ),
        Verdict(
            "Cartoon functions: |||Φ(F_τ f) − Φ(f)||| ≤ C K ‖τ‖∞^{1/2}: fitted exponent ≥ 1/2",
            ca.holds,
            ca.margin,
            f"fitted exponent {ca.exponent:.3f} (signal change: {ca.signal_exponent:.3f}), "
            f"empirical C·K = {ca.CK:.4g}; margin = exponent − (1/2 − {th.EXPONENT_SLACK}) and the decoupling",
        ),
        Verdict(
            "Energy: Σ_{n<N} |||Φ^n f|||² + W_N f ≤ ‖f‖², W_n non-increasing",
            en.inequality_holds and en.monotone,
            en.balance_margin,
            f"largest (Σ_{{n<N}} |||Φ^n f|||² + W_N f)/‖f‖² = {np.max(en.balance):.6g}{assumed}",
        ),
    ]
    if pi.applies:
        twin = pi.result
        out.append(
            Verdict(
                "Energy identity (Parseval frames, modulus, no pooling): ‖f‖² = Σ_{n<N} |||Φ^n f|||² + W_N f",
                twin.identity_holds,
                twin.identity_margin,
                f"on the Parseval twin (tight frames, modulus, no pooling, depth {pi.twin.depth}): "
                f"largest relative residual {np.max(twin.residual):.3g} (tolerance {twin.identity_tolerance:g})",
            )
        )
    else:
        out.append(
            Verdict("Energy identity (Parseval frames, modulus, no pooling)", None, None, f"not checked: {pi.reason}")
        )
    rates = ", ".join(f"{k} ρ = {fmt(v)}" for k, v in ed.rate.items())
    tw = s.energy_decay_parseval
    twin = (
        f"; Parseval twin (no pooling), depth {tw.result.depth}: "
        + ", ".join(f"{k} ρ = {fmt(v)}" for k, v in tw.result.rate.items())
        if tw.applies
        else ""
    )
    out.append(Verdict("Energy decay: W_n/‖f‖² ≈ a ρ^n (informative)", None, None, f"depth {ed.depth}: {rates}{twin}"))
    return out
