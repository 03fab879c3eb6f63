"""``scatterx verify``: the theory's statements checked on one network, written as a report.

    scatterx verify CONFIG.json --out DIR [--inputs file.npy] [--quiet] [--quick] [--seed 0] [--strict]

CONFIG.json is a network description (``Network.to_dict()``).  The report
runs every function of :mod:`scatterx.theory` on the network and writes

* ``DIR/report.md`` with the figures beside it (``DIR/*.png``),
* ``DIR/report.html``, self-contained (figures embedded as base64 PNG),
* ``DIR/results.json``, every number of the report: each section is the
  ``to_dict()`` of the corresponding :mod:`scatterx.theory` result, so the
  file and the functions agree exactly,

with a verdict per statement — holds, violated, or n/a with the reason — a
stable ``id`` and a margin (``docs/verify.md``, verdicts).

Inputs default to :func:`scatterx.theory.default_inputs` (a smooth
band-limited signal, a cartoon and a natural image, each of unit RMS); the
deformation and energy sections add their own synthetic signals (documented
in each function).  ``python -m scatterx.verify --examples
DIR`` writes the worked examples of ``docs/verify``: the demo network and one
network per registered frame family.

Modules: ``options`` (:class:`VerifyOptions`), ``sections`` (running the
checks into typed results), ``verdicts``, ``figures``, ``render`` (Markdown
and HTML), ``run`` (:func:`run_verify`), ``cli`` (:func:`register_cli`),
``examples`` (the worked examples).
"""

from .cli import register_cli
from .examples import demo_network, example_kernels, example_networks, family_frame, main, write_examples
from .options import VerifyOptions
from .run import FORMAT_VERSION, Report, build_report, run_verify

__all__ = [
    "VerifyOptions",
    "run_verify",
    "build_report",
    "Report",
    "register_cli",
    "demo_network",
    "family_frame",
    "example_kernels",
    "example_networks",
    "write_examples",
    "main",
    "FORMAT_VERSION",
]
