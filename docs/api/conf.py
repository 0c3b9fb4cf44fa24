"""Sphinx configuration of the API reference (built from the docstrings of the public API
modules by ``make docs``; ``tests/docs/test_api_reference.py`` builds it with warnings as
errors)."""

project = "snncompile"
extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon"]
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": True}
# the signatures name types of modules outside the reference (Graph, numpy arrays, ...):
# they are shown as written, not cross-linked
nitpicky = False
suppress_warnings = ["ref.python"]
html_theme = "alabaster"
exclude_patterns = ["_build"]
