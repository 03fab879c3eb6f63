"""Running the checks: one typed result per section of the report (``results.json`` holds their ``to_dict()``)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from .. import theory as th

__all__ = ["LoudTwin", "Twin", "Sections", "run_sections", "within_budget"]


@dataclass(frozen=True)
class LoudTwin:
    """Non-expansiveness measured on the network with every frame × ``scale`` (not admissible when scale > 1)."""

    scale: float
    admissibility_worst: float
    result: th.NonExpansiveness

    def to_dict(self):
        return {"scale": self.scale, "admissibility_worst": self.admissibility_worst, **self.result.to_dict()}


@dataclass(frozen=True)
class Twin:
    """A check run on a twin of the network (same frames, another setting), or the reason it could not be."""

    applies: bool
    reason: str = ""
    twin: object = None  # the twin Network
    result: object = None  # its theory result

    def to_dict(self):
        if not self.applies:
            return {"applies": False, "reason": self.reason}
        frames = [repr(m.frame) for m in self.twin.modules]
        return {"applies": True, "twin_depth": self.twin.depth, "twin_frames": frames, **self.result.to_dict()}


@dataclass(frozen=True)
class Sections:
    """The typed results behind each section of the report, in report order."""

    admissibility: th.Admissibility
    nonexpansive: th.NonExpansiveness
    nonexpansive_not_admissible: LoudTwin
    translation: th.TranslationInvariance
    deformation: th.DeformationSensitivity
    cartoon: th.CartoonSensitivity
    lipschitz: th.LipschitzSensitivity
    energy: th.EnergyPropagation
    energy_twin: Twin
    parseval_identity: Twin
    energy_decay: th.EnergyDecay
    energy_decay_bound: th.EnergyDecayBound

    def to_dict(self):
        return {f.name: getattr(self, f.name).to_dict() for f in dataclasses.fields(self)}


def within_budget(net, budget=th.PATH_BUDGET):
    """``net`` cut to the deepest prefix whose largest intermediate fits ``budget`` (at least one layer)."""
    while net.depth > 1 and th.largest_intermediate(net) > budget:
        net = net.replace(modules=net.modules[:-1])
    return net


def _parseval(net, x, budget):
    """The energy identity on the Parseval twin, trimmed to the path budget; n/a when no twin exists."""
    try:
        twin = within_budget(th.parseval_twin(net), budget)
    except ValueError as e:
        return Twin(False, f"no Parseval version of these frames: {e}")
    return Twin(True, twin=twin, result=th.energy_propagation(twin, x))


def _companion(net, x, budget):
    """The energy bounds in the companion paper's setting (the network's frames, modulus, no pooling)."""
    twin = within_budget(th.companion_twin(net), budget)
    return Twin(True, twin=twin, result=th.energy_propagation(twin, x))


def _loud(net, x, opt):
    loud = th.scaled(net, opt.loud_scale)
    result = th.nonexpansiveness(
        loud, x, n_random=opt.n_random, adversarial_steps=opt.loud_adversarial_steps, seed=opt.seed
    )
    return LoudTwin(opt.loud_scale, th.admissibility(loud).worst, result)


def run_sections(net, x, opt):
    """(name, thunk) per section: each thunk runs its checks and returns the typed result."""
    s, budget = opt.seed, opt.path_budget
    R = th.band_limit(net.shape, opt.R)
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
                net, x, R=R, n_signals=opt.n_signals, tau_fractions=opt.tau_fractions, omega_sups=opt.omega_sups, seed=s
            ),
        ),
        (
            "cartoon",
            lambda: th.cartoon_sensitivity(
                net, n_signals=opt.cartoon_signals, points=opt.cartoon_points, refine=opt.refine, seed=s, like=x
            ),
        ),
        (
            "lipschitz",
            lambda: th.lipschitz_sensitivity(
                net, n_signals=opt.lipschitz_signals, tau_fractions=opt.tau_fractions, seed=s, like=x
            ),
        ),
        ("energy", lambda: th.energy_propagation(net, x)),
        ("energy_twin", lambda: _companion(net, x, budget)),
        ("parseval_identity", lambda: _parseval(net, x, budget)),
        (
            "energy_decay",
            lambda: th.energy_decay(
                net, x, depth=opt.decay_depth, eps=opt.eps, n_signals=opt.decay_signals, seed=s, budget=budget
            ),
        ),
        (
            "energy_decay_bound",
            lambda: th.energy_decay_bound(
                within_budget(th.companion_twin(net), budget),
                x,
                depth=opt.decay_depth,
                n_signals=opt.decay_signals,
                seed=s,
                budget=budget,
            ),
        ),
    ]
