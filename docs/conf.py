"""Sphinx configuration for the sessionpacks documentation (Markdown, through MyST)."""

from __future__ import annotations

from importlib.metadata import version as installed_version
from typing import Any

from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

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

# Every cross reference must resolve (the docs env builds with -n). The machine that builds the
# docs may have no network, so there is no intersphinx: names from the standard library and from
# our dependencies are listed here instead, and render as plain text.
nitpick_ignore_regex = [
    ("py:.*", r"(datetime|decimal|fractions|enum|itertools|threading)\..*"),
    ("py:.*", r"(collections\.abc|typing|types)\..*"),
    ("py:.*", r"(sqlalchemy|pluggy|click|attrs?|flask|werkzeug|jinja2)(\..*)?"),
    ("py:.*", r"(Engine|Connection|Flask|Blueprint|Response|Decimal|ZoneInfo)"),
    # Private names that appear in signatures: a type variable, and the type of sessionpacks.ALL.
    ("py:class", r"sessionpacks_flask\.extension\.F"),
    ("py:class", r"sessionpacks\.policies\._All"),
    # What the studio builds its reports with: made by the studio, never by a host.
    ("py:class", r"sessionpacks\.transactions\.Writer"),
]

html_theme = "furo"
html_title = f"sessionpacks {release}"


def _public_name(
    app: Sphinx, env: BuildEnvironment, node: pending_xref, contnode: nodes.TextElement
) -> nodes.Element | None:
    """Resolves a reference to one of our names under its public spelling.

    Signatures name our classes as their modules do (``Actor`` in a hook's signature,
    ``sessionpacks.values.Actor`` in a docstring), while the reference documents them where users
    import them from, ``sessionpacks.Actor`` and ``sessionpacks_flask.SessionPacks``.
    """
    if node.get("refdomain") != "py" or node["reftype"] in ("meth", "attr"):
        return None
    target: str = node["reftarget"]
    tail = target.rsplit(".", 1)[-1] if target.count(".") else target
    package = target.split(".", 1)[0]
    public = ("sessionpacks", "sessionpacks.web", "sessionpacks_flask")
    packages = [package] if package in public else []
    packages += [p for p in public if p not in packages]
    domain: Any = env.domains["py"]
    for candidate_package in packages:
        candidate = f"{candidate_package}.{tail}"
        if candidate == target:
            continue
        found = domain.resolve_xref(
            env, node.get("refdoc", ""), app.builder, node["reftype"], candidate, node, contnode
        )
        if found is not None:
            return found  # type: ignore[no-any-return]
    return None


def setup(app: Sphinx) -> None:
    app.connect("missing-reference", _public_name)
