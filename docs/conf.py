"""Sphinx configuration of the scatterx documentation site (``make docs`` → docs/_build/html)."""

import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MPLBACKEND", "Agg")  # the gallery runs headless; the library itself never picks a backend

import scatterx  # noqa: E402

project = "scatterx"
author = "the scatterx developers"
copyright = "2026, the scatterx developers"
release = version = scatterx.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = [
    "_build",
    "examples/README.txt",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
]
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3
suppress_warnings = ["myst.xref_missing"]

autosummary_generate = True
autosummary_ignore_module_all = False  # a module's __all__ is its public API
templates_path = ["_templates"]
autodoc_default_options = {"members": True, "inherited-members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

html_theme = "pydata_sphinx_theme"
html_title = "scatterx"
html_theme_options = {"navigation_with_keys": False, "show_toc_level": 2}

sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
}


# Docstrings are plain text with the theory's notation (|||Φ f|||, ‖f‖, |χ̂|², g_λ * f):
# escaped here so that reStructuredText does not read | as a substitution, * as
# emphasis or a trailing _ as a link target.  Literals (``…``) and roles (:func:`…`)
# are left as they are.
_KEEP = re.compile(r"(``.+?``|:[\w:.-]+:`[^`]*`|`[^`]+`_{0,2})")
_TRAILING_UNDERSCORE = re.compile(r"(?<=\w)_(?=[\s.,;:)\]]|$)")


def _escape_plain(text, line_start):
    text = text.replace("|", "\\|")
    head = len(text) - len(text.lstrip())
    bullet = line_start and text[head : head + 2] in ("* ", "- ")
    start = head + 2 if bullet else 0
    text = text[:start] + text[start:].replace("*", "\\*")
    return _TRAILING_UNDERSCORE.sub("\\_", text)


def escape_docstring(app, what, name, obj, options, lines):
    for i, line in enumerate(lines):
        parts = _KEEP.split(line)
        lines[i] = "".join(p if k % 2 else _escape_plain(p, k == 0) for k, p in enumerate(parts))


def setup(app):
    app.connect("autodoc-process-docstring", escape_docstring, priority=100)  # before numpydoc (500)
