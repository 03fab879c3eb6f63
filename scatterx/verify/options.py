"""The sizes of ``scatterx verify``'s checks."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["VerifyOptions"]


@dataclass(frozen=True)
class VerifyOptions:
    """Sizes of the checks; each maps to the :mod:`scatterx.theory` argument of the same meaning.

    ``quick()`` gives a smaller set for tests and previews (``scatterx verify --quick``).
    """

    seed: int = 0
    n_random: int = 4  # nonexpansiveness(n_random)
    adversarial_steps: int = 20  # nonexpansiveness(adversarial_steps)
    loud_scale: float = 3.0  # the non-admissible twin: frames × loud_scale
    loud_adversarial_steps: int = 5
    shifts: tuple | None = None  # translation_invariance(shifts)
    R: float = 1 / 8  # deformation_sensitivity(R), cycles/sample (raised to 1/max(shape) on tiny grids)
    n_signals: int = 3
    tau_fractions: tuple = (0.1, 0.25, 0.5, 1.0)
    omega_sups: tuple = (0.0, 0.02, 0.05)
    cartoon_signals: int = 2  # cartoon_sensitivity(n_signals)
    cartoon_points: int = 5  # cartoon_sensitivity(points)
    refine: int | None = None  # cartoon_sensitivity(refine); None: theory.refinement(shape)
    lipschitz_signals: int = 2  # lipschitz_sensitivity(n_signals)
    decay_depth: int | None = None  # energy_decay(depth); None: N + 3, within the grid and budget
    decay_signals: int = 2
    eps: float = 0.01
    path_budget: int = 2**23  # energy_decay(budget), and the twins' depth: theory.PATH_BUDGET

    @classmethod
    def quick(cls, **changes):
        base = dict(
            n_random=2,
            adversarial_steps=3,
            loud_adversarial_steps=1,
            n_signals=1,
            tau_fractions=(0.25, 1.0),
            omega_sups=(0.0, 0.05),
            cartoon_signals=1,
            cartoon_points=3,
            lipschitz_signals=1,
            decay_signals=1,
            path_budget=2**18,
        )
        base.update(changes)
        return cls(**base)
