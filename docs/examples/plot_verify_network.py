"""
Verifying a network and reading its report
==========================================

:func:`scatterx.verify.build_report` runs every statement of the theory on a
network — admissibility, non-expansiveness (and that the check can fail),
translation covariance and invariance (Theorem 1), deformation sensitivity
(Theorem 2 for band-limited inputs, cartoon and Lipschitz functions), the
energy bounds, identity and decay — and writes ``report.md``,
``report.html`` and ``results.json``. Each statement gets a verdict: holds,
violated, or n/a with the reason (its conditions fail), and a margin
(≥ 0 exactly when it holds). ``scatterx verify net.json --out DIR`` is the
same from the command line.
"""

# %%
import json
import tempfile
from pathlib import Path

import matplotlib.image as mpimg
import matplotlib.pyplot as plt

import frames
import scatterx as sx
from scatterx.verify import VerifyOptions, build_report

net = sx.Network(
    [sx.Module(frames.shearlet(J=2), sx.ReLU(), sx.MaxPool(2)), sx.Module(frames.pywavelet("db2", J=2), sx.Tanh())],
    shape=(32, 32),
).admissible()
out = Path(tempfile.mkdtemp(prefix="scatterx-verify-"))
report = build_report(net, out_dir=out, progress=False, options=VerifyOptions.quick(seed=0))

# %%
# One verdict per statement, with a stable id (the keys of ``results.json``).
for v in report.verdicts:
    word = {True: "holds", False: "VIOLATED", None: "n/a"}[v.holds]
    margin = "" if v.margin is None else f"margin {v.margin:.3g}"
    print(f"{v.id:32s} {word:9s} {margin}")

# %%
# Why a statement is n/a: its conditions, checked on this network and these inputs.
for v in report.verdicts:
    if v.holds is None:
        print(f"{v.id}: {v.text}")

# %%
# ``results.json`` holds every number of the report.
record = json.loads((out / "results.json").read_text())
print(sorted(record))

# %%
# The report's figures sit beside ``report.md``; here translation invariance per layer.
fig, ax = plt.subplots(figsize=(7, 4))
ax.imshow(mpimg.imread(out / "invariance.png"))
ax.axis("off")
plt.show()
