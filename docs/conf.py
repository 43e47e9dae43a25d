"""Sphinx configuration for the sessionpacks documentation (Markdown, through MyST)."""

from __future__ import annotations

from importlib.metadata import version as installed_version

project = "sessionpacks"
author = "The sessionpacks developers"
copyright = "The sessionpacks developers"
# The version that autodoc imports, so the pages never describe another one.
release = installed_version("sessionpacks")
version = ".".join(release.split(".")[:2])

extensions = ["myst_parser", "sphinx.ext.autodoc"]
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build"]

myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence"]

autodoc_member_order = "bysource"
autodoc_typehints = "signature"

html_theme = "alabaster"
html_title = f"sessionpacks {release}"
