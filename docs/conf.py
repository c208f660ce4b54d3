"""Sphinx configuration of the skreg documentation.

Build with ``make docs`` (warnings are errors). The user-guide table of contents
is assembled here from the Markdown pages present in ``docs/``, so a new page
appears without editing any index, and the API reference is checked against
``skreg.__all__`` so a new public name cannot go undocumented.
"""

import importlib
import os
import re
import sys
from pathlib import Path

from docutils import nodes

import skreg

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))  # for the gallery hooks in _gallery.py

project = "skreg"
author = "skreg developers"
copyright = "skreg developers"  # noqa: A001
version = release = skreg.__version__

extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints", "auto_examples/*.md5"]
templates_path = ["_templates"]

# -- MyST: formulas written as $...$ and $$...$$ in the Markdown pages ----------
myst_enable_extensions = ["amsmath", "colon_fence", "deflist", "dollarmath"]
myst_heading_anchors = 3

# -- API reference -------------------------------------------------------------
autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": True}
autodoc_typehints = "none"
# Class pages list their methods through the autosummary template; numpydoc
# would otherwise add a second, unlinked members table.
numpydoc_show_class_members = False
numpydoc_attributes_as_param_list = True

# -- Gallery -----------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # Only plot_*.py files are executed; demo.py is the README's quick tour
    # (run by ``make demo``), not a gallery page.
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"(__init__|demo)\.py$",
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("skreg",),
    "backreferences_dir": "gen_modules/backreferences",
    "reference_url": {"skreg": None},
    "remove_config_comments": True,
    "min_reported_time": 1,
    "image_scrapers": ("matplotlib",),
    "reset_modules": ("matplotlib", "_gallery.one_torch_thread"),
}
# -- HTML ----------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skreg {release}"
html_theme_options = {
    "header_links_before_dropdown": 6,
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
html_static_path = []
html_show_sourcelink = False

# Pages of the top-level navigation; every other docs/*.md page is user guide.
TOP_LEVEL = {"index", "install", "user_guide", "api", "design", "benchmarks"}
# Top-level pages that another change may add later.
OPTIONAL_PAGES = ["benchmarks"]
# Preferred reading order of the user guide; pages not listed follow in
# alphabetical order.
USER_GUIDE_ORDER = [
    "objectives",
    "defaults",
    "stopping",
    "ridge",
    "lassonet",
    "dropout",
    "intervals",
    "mlp",
    "paths",
    "selection",
    "reliability",
]


def user_guide_pages(source_dir=HERE):
    """Names of the user-guide pages present, in reading order."""
    pages = sorted(p.stem for p in Path(source_dir).glob("*.md"))
    pages = [p for p in pages if p not in TOP_LEVEL]
    ordered = [p for p in USER_GUIDE_ORDER if p in pages]
    return ordered + [p for p in pages if p not in ordered]


def _fill_tocs(app, docname, source):
    """Put the user-guide pages into the toctree of ``user_guide.md``, and drop
    optional top-level pages that do not exist yet from ``index.md``."""
    if docname == "user_guide":
        pages = "\n".join(user_guide_pages(app.srcdir))
        source[0] = source[0].replace("USER_GUIDE_PAGES", pages)
    elif docname == "index":
        for page in OPTIONAL_PAGES:
            if not (Path(app.srcdir) / f"{page}.md").exists():
                source[0] = re.sub(rf"(?m)^{page}\n", "", source[0])


def _reread_tocs(app, env, added, changed, removed):
    """Re-read the pages whose toctrees depend on which other pages exist."""
    return ["index", "user_guide"]


def _check_api_reference(app):
    """Fail the build when a public name of skreg is missing from api.rst."""
    text = (Path(app.srcdir) / "api.rst").read_text()
    listed = set(re.findall(r"^\s+(\w+)\s*$", text, flags=re.MULTILINE))
    missing = sorted(set(skreg.__all__) - listed)
    if missing:
        from sphinx.util import logging

        logging.getLogger(__name__).warning(
            "skreg.__all__ names missing from docs/api.rst: %s", ", ".join(missing)
        )


# Links into scikit-learn's documentation, resolved without network access:
# docstrings inherited from scikit-learn (``score``, the metadata-routing
# methods) refer to labels and glossary terms of its site, and skreg's own
# docstrings name its classes.
SKLEARN_URL = "https://scikit-learn.org/stable/"
SKLEARN_LABELS = {
    "metadata_routing": "metadata_routing.html",
    "r2_score": "modules/model_evaluation.html#r2-score",
    "accuracy_score": "modules/model_evaluation.html#accuracy-score",
    "scoring_parameter": "modules/model_evaluation.html#scoring-parameter",
    # StabilitySelection's inherited set_output (its user-guide page has
    # moved between releases; the example has not).
    "df_output_transform": "auto_examples/miscellaneous/plot_set_output.html",
    "sphx_glr_auto_examples_miscellaneous_plot_set_output.py": (
        "auto_examples/miscellaneous/plot_set_output.html"
    ),
}


def _sklearn_url(domain, reftype, target):
    """URL of a scikit-learn label, glossary term or API object, or None."""
    if domain == "std" and reftype == "ref" and target in SKLEARN_LABELS:
        return SKLEARN_URL + SKLEARN_LABELS[target]
    if domain == "std" and reftype == "term":
        return SKLEARN_URL + "glossary.html#term-" + target.lower().replace(" ", "-")
    if domain == "py" and target.startswith("sklearn."):
        parts = target.split(".")
        # The page is named after the first attribute of the deepest module.
        for i in range(len(parts) - 1, 0, -1):
            try:
                importlib.import_module(".".join(parts[:i]))
            except ImportError:
                continue
            page = ".".join(parts[: i + 1])
            return f"{SKLEARN_URL}modules/generated/{page}.html#{target}"
    return None


def _resolve_sklearn(app, env, node, contnode):
    url = _sklearn_url(node.get("refdomain"), node.get("reftype"), node["reftarget"])
    if url is None:
        return None
    reference = nodes.reference("", "", internal=False, refuri=url)
    reference += contnode
    return reference


def setup(app):
    app.connect("source-read", _fill_tocs)
    app.connect("env-get-outdated", _reread_tocs)
    app.connect("builder-inited", _check_api_reference)
    app.connect("missing-reference", _resolve_sklearn)


# Matplotlib must not try to open windows while the gallery runs.
os.environ.setdefault("MPLBACKEND", "Agg")
