"""Running the checks: one typed result per section of the report (``results.json`` holds their ``to_dict()``)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from .. import theory as th

__all__ = ["LoudTwin", "Twin", "Sections", "run_sections"]


@dataclass(frozen=True)
class LoudTwin:
    """Non-expansiveness measured on the network with every frame × ``scale`` (not admissible)."""

    scale: float
    admissibility_worst: float
    result: th.NonExpansiveness

    def to_dict(self):
        return {"scale": self.scale, "admissibility_worst": self.admissibility_worst, **self.result.to_dict()}


@dataclass(frozen=True)
class Twin:
    """A check run on the network's Parseval twin, or the reason it could not be."""

    applies: bool
    reason: str = ""
    twin: object = None  # the twin Network
    result: object = None  # its theory result

    def to_dict(self):
        if not self.applies:
            return {"applies": False, "reason": self.reason}
        extra = {"twin_depth": self.twin.depth, "twin": self.twin.to_dict()} if self.show_twin else {}
        return {"applies": True, **extra, **self.result.to_dict()}

    @property
    def show_twin(self):
        return isinstance(self.result, th.EnergyPropagation)


@dataclass(frozen=True)
class Sections:
    """The typed results behind each section of the report, in report order."""

    admissibility: th.Admissibility
    nonexpansive: th.NonExpansiveness
    nonexpansive_not_admissible: LoudTwin
    translation: th.TranslationInvariance
    deformation: th.DeformationSensitivity
    cartoon: th.CartoonSensitivity
    energy: th.EnergyPropagation
    parseval_identity: Twin
    energy_decay: th.EnergyDecay
    energy_decay_parseval: Twin

    def to_dict(self):
        return {f.name: getattr(self, f.name).to_dict() for f in dataclasses.fields(self)}


def _parseval(net, x):
    """The energy identity on the Parseval twin, trimmed to a depth that fits th.PATH_BUDGET."""
    try:
        twin = th.parseval_twin(net)
    except ValueError as e:
        return Twin(False, f"no Parseval version of these frames: {e}")
    while twin.depth > 1 and th.largest_intermediate(twin) > th.PATH_BUDGET:
        twin = twin.replace(modules=twin.modules[:-1])
    return Twin(True, twin=twin, result=th.energy_propagation(twin, x))


def _parseval_decay(net, x, opt):
    """energy_decay on the Parseval twin (no pooling), as deep as th.PATH_BUDGET allows."""
    try:
        twin = th.parseval_twin(net)
    except ValueError as e:
        return Twin(False, f"no Parseval version of these frames: {e}")
    twin = twin.replace(modules=twin.modules[:1])
    result = th.energy_decay(
        twin, x, depth=opt.decay_depth or 6, eps=opt.eps, n_signals=opt.decay_signals, seed=opt.seed
    )
    return Twin(True, twin=twin, result=result)


def _loud(net, x, opt):
    loud = th.scaled(net, opt.loud_scale)
    result = th.nonexpansiveness(
        loud, x, n_random=opt.n_random, adversarial_steps=opt.loud_adversarial_steps, seed=opt.seed
    )
    return LoudTwin(opt.loud_scale, th.admissibility(loud).worst, result)


def run_sections(net, x, opt):
    """(name, thunk) per section: each thunk runs its checks and returns the typed result."""
    s = opt.seed
    return [
        ("admissibility", lambda: th.admissibility(net)),
        (
            "nonexpansive",
            lambda: th.nonexpansiveness(net, x, n_random=opt.n_random, adversarial_steps=opt.adversarial_steps, seed=s),
        ),
        ("nonexpansive_not_admissible", lambda: _loud(net, x, opt)),
        ("translation", lambda: th.translation_invariance(net, x, opt.shifts, seed=s)),
        (
            "deformation",
            lambda: th.deformation_sensitivity(
                net,
                x,
                R=opt.R,
                n_signals=opt.n_signals,
                tau_fractions=opt.tau_fractions,
                omega_sups=opt.omega_sups,
                seed=s,
            ),
        ),
        (
            "cartoon",
            lambda: th.cartoon_sensitivity(
                net, n_signals=opt.cartoon_signals, points=opt.cartoon_points, seed=s, like=x
            ),
        ),
        ("energy", lambda: th.energy_propagation(net, x)),
        ("parseval_identity", lambda: _parseval(net, x)),
        (
            "energy_decay",
            lambda: th.energy_decay(net, x, depth=opt.decay_depth, eps=opt.eps, n_signals=opt.decay_signals, seed=s),
        ),
        ("energy_decay_parseval", lambda: _parseval_decay(net, x, opt)),
    ]
