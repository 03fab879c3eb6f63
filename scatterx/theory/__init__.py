"""The theorems of generic scattering networks, checked numerically on any network.

Wiatowski & Bölcskei, "A mathematical theory of deep convolutional neural
networks for feature extraction", IEEE Trans. Inf. Theory 64(3), 2018, its
discrete version (Wiatowski et al., ICML 2016), and the companion paper on
energy propagation (Wiatowski, Grohs & Bölcskei, IEEE Trans. Inf. Theory
64(7), 2018); ``docs/theory.md`` states each statement with its conditions,
its source and, where the papers leave it to a proof, its constant.  Every
function takes a :class:`~scatterx.Network` (any frame family,
non-linearity, pooling, depth; 1-D, 2-D or 3-D) and inputs, and returns
numbers in a frozen dataclass whose ``to_dict()`` is JSON-safe.
Nothing is printed.

Inputs are a batch ``(B, *net.shape)`` as a NumPy array or a torch tensor;
the network runs on the inputs' library, device and precision (the test
signals derived from them, shifted, deformed, perturbed, are built in NumPy
and moved there).  ``inputs=None`` uses :func:`default_inputs`.  Tolerances
follow the precision (``scatterx._tolerances``): 1e-9 relative in float64,
1e-4 in float32.

Units
-----
* Grids are periodic (the discrete torus); norms are the plain ℓ² norms of
  each layer's grid, ‖f‖² = Σ_k |f[k]|², with no S^{d/2} factor
  (docs/theory.md).
* Positions, shifts t and deformations τ are in **samples of the input
  grid**.  P_n = S_1⋯S_n is the pooling product before layer n (P_0 = 1):
  one sample of layer n's grid is P_n input samples.
* Frequencies ν are in **cycles per sample** of the grid they live on, in
  [−½, ½)^d (NumPy's ``fftfreq``), |ν| the Euclidean norm.  The band limit R
  of a test signal is in cycles per input sample; a modulation ω(x) is in
  cycles (the phase is 2πω(x)), so R‖τ‖_∞ + ‖ω‖_∞ is dimensionless.

The modules:

* ``lipschitz``: admissibility (the table A_n, B_n, L_n, R_n, S_n,
  max(B_n, B_n L_n² R_n²)), scaled, nonexpansiveness (worst
  |||Φ(f) − Φ(h)||| / ‖f − h‖ over random, structured, adversarial pairs);
* ``translation``: translation_invariance: covariance, Theorem 1 (‖f‖ and
  √W_n forms), the off-lattice aliasing bound;
* ``deformation``: Theorem 2 on band-limited signals with its explicit
  constant (deformation_sensitivity), cartoon functions area-sampled
  (cartoon_sensitivity), Lipschitz functions (lipschitz_sensitivity);
* ``energy``: energy_propagation (|||Φ^n f|||², W_n f, upper and lower
  bounds, the identity for Parseval networks), parseval_twin, energy_decay
  (measured), deepen, deepest, largest_intermediate;
* ``companion``: the companion paper's decay: companion_twin,
  filter_conditions (analytic, high-pass), energy_decay_bound;
* ``signals``: bandlimited, white_noise, project_bandlimited, Cartoon,
  LipschitzFunction, default_inputs;
* ``transforms``: shift, Field, Deformation, smooth_deformation,
  max_tau_sup, deform.

Every check returns ``holds`` (None when its conditions fail: n/a) and a
``margin`` that is ≥ 0 exactly when it holds (``docs/verify.md``, verdicts).
"""

from ._arrays import frequencies
from .companion import (
    NUMERICAL_ZERO,
    EnergyDecayBound,
    FilterConditions,
    companion_twin,
    decay_bound,
    energy_decay_bound,
    filter_conditions,
)
from .deformation import (
    CartoonSensitivity,
    DeformationBound,
    DeformationSensitivity,
    LipschitzSensitivity,
    bandlimited_bound,
    cartoon_sensitivity,
    deformation_sensitivity,
    lipschitz_sensitivity,
)
from .energy import (
    PATH_BUDGET,
    EnergyDecay,
    EnergyPropagation,
    deepen,
    deepest,
    energy_decay,
    energy_propagation,
    largest_intermediate,
    parseval_twin,
)
from .lipschitz import Admissibility, AdmissibilityRow, NonExpansiveness, admissibility, nonexpansiveness, scaled
from .signals import (
    Cartoon,
    LipschitzFunction,
    band_limit,
    bandlimited,
    cartoons,
    default_inputs,
    lipschitz_functions,
    project_bandlimited,
    refinement,
    white_noise,
)
from .transforms import Deformation, Field, deform, max_tau_sup, shift, smooth_deformation
from .translation import TranslationInvariance, lowpass_K, translation_invariance

__all__ = [
    "AdmissibilityRow",
    "Admissibility",
    "admissibility",
    "NonExpansiveness",
    "nonexpansiveness",
    "scaled",
    "TranslationInvariance",
    "lowpass_K",
    "shift",
    "translation_invariance",
    "Deformation",
    "smooth_deformation",
    "max_tau_sup",
    "deform",
    "Cartoon",
    "cartoons",
    "refinement",
    "LipschitzFunction",
    "lipschitz_functions",
    "Field",
    "band_limit",
    "bandlimited",
    "white_noise",
    "project_bandlimited",
    "default_inputs",
    "frequencies",
    "DeformationSensitivity",
    "deformation_sensitivity",
    "DeformationBound",
    "bandlimited_bound",
    "LipschitzSensitivity",
    "lipschitz_sensitivity",
    "CartoonSensitivity",
    "cartoon_sensitivity",
    "EnergyPropagation",
    "energy_propagation",
    "parseval_twin",
    "EnergyDecay",
    "energy_decay",
    "deepen",
    "deepest",
    "largest_intermediate",
    "companion_twin",
    "FilterConditions",
    "filter_conditions",
    "NUMERICAL_ZERO",
    "decay_bound",
    "EnergyDecayBound",
    "energy_decay_bound",
    "PATH_BUDGET",
]
