"""Agreement of scatterx's Kymatio frontends with Kymatio 0.3.0, run in the same process.

    python tests/kymatio_conformance/agreement.py

Prints, for each frontend (numpy, torch), dtype and case, max |ours −
Kymatio| / max |Kymatio| against ``kymatio.numpy`` on the float64 input
(the reference), and for the torch frontend in float32 also against
``kymatio.torch`` on the same input; docs/kymatio.md quotes its output.
The conformance tests import :func:`rel_err` and :data:`TOL` from here and
assert these bounds.
"""

import numpy as np

try:
    import torch
except ImportError:  # the torch extra is optional
    torch = None

# Bounds on rel_err.  2-D float64: Kymatio 0.3.0 rounds its 2-D filters to float32 (observed ≤ 1.1e-7).
# 1-D float64: both build the same float64 filters (observed ≤ 1e-15).  float32: float32 rounding through
# a few FFTs and products on either side (observed ≤ 4e-7).
TOL = {("2d", np.float64): 1e-6, ("1d", np.float64): 1e-12, ("2d", np.float32): 1e-5, ("1d", np.float32): 1e-5}

CASES = [  # (kind, J, shape, L or Q, extra keyword arguments)
    ("2d", 2, (32, 32), 8, {}),
    ("2d", 3, (28, 28), 8, {}),
    ("2d", 3, (8, 8), 8, {}),  # the largest J: reflect padding as wide as the image
    ("2d", 4, (37, 16), 4, {}),
    ("1d", 6, (1024,), 8, {}),
    ("1d", 5, (300,), (4, 2), {"T": 16}),
    ("1d", 4, (256,), 2, {"T": 0}),  # un-averaged (a dict of maps)
]


def to_numpy(out):
    """An array output as NumPy float64; a dict or list output as its coefficients concatenated in order."""
    if isinstance(out, dict):
        out = list(out.values())
    if isinstance(out, list):
        return np.concatenate([to_numpy(c["coef"] if isinstance(c, dict) else c).ravel() for c in out])
    if torch is not None and torch.is_tensor(out):
        out = out.detach().cpu().numpy()
    return np.asarray(out, dtype=np.float64)


def rel_err(ours, ref):
    """max |ours − ref| / max |ref| (outputs as :func:`to_numpy` reads them)."""
    a, b = to_numpy(ours), to_numpy(ref)
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def _build(lib, kind, J, shape, LQ, extra):
    if kind == "2d":
        return lib.Scattering2D(J, shape, L=LQ, **extra)
    out_type = "dict" if extra.get("T") == 0 else "array"
    return lib.Scattering1D(J, shape[0], Q=LQ, out_type=out_type, **extra)


def main():
    import kymatio.numpy
    import kymatio.torch

    import scatterx.numpy
    import scatterx.torch

    rng = np.random.default_rng(0)
    print("| case | frontend | dtype | vs kymatio.numpy (float64) | vs kymatio.torch (same input) |")
    print("|---|---|---|---|---|")
    for kind, J, shape, LQ, extra in CASES:
        x = rng.standard_normal((2,) + shape)
        ref = _build(kymatio.numpy, kind, J, shape, LQ, extra)(x)
        ky_torch = _build(kymatio.torch, kind, J, shape, LQ, extra)
        name = f"{kind} J={J} shape={shape} {'L' if kind == '2d' else 'Q'}={LQ} {extra or ''}".strip()
        for frontend, lib in (("numpy", scatterx.numpy), ("torch", scatterx.torch)):
            ours = _build(lib, kind, J, shape, LQ, extra)
            for dtype in (np.float32, np.float64):
                xi = x.astype(dtype)
                out = ours(torch.from_numpy(xi) if frontend == "torch" else xi)
                same = "—"
                if frontend == "torch" and dtype == np.float32:
                    same = f"{rel_err(out, ky_torch(torch.from_numpy(xi))):.1e}"
                print(f"| {name} | {frontend} | {np.dtype(dtype).name} | {rel_err(out, ref):.1e} | {same} |")


if __name__ == "__main__":
    from scatterx.kymatio import allow_kymatio_import

    allow_kymatio_import()
    main()
