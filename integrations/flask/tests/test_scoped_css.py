"""sessionpacks' stylesheet styles only what sits inside its root class, so a host that loads it
on its own pages (or puts our pages in its layout) keeps its own look."""

from __future__ import annotations

import re
from importlib import resources

from flask.testing import FlaskClient

from conftest import OWNER, Who

ROOT = ".sessionpacks"


def _selectors(css: str) -> list[str]:
    """Every selector of every rule, inside @media blocks too; comments and at-rules left out."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    css = re.sub(r"{[^{}]*}", ";", css)  # each rule's declarations, innermost first
    found = []
    for chunk in re.split(r"[;{}]", css):
        text = chunk.strip()
        if text and not text.startswith("@"):
            found += [part.strip() for part in text.split(",")]
    return found


def _stylesheet() -> str:
    return (resources.files("sessionpacks.web") / "static" / "sessionpacks.css").read_text()


def test_every_selector_starts_with_the_root_class() -> None:
    selectors = _selectors(_stylesheet())
    assert len(selectors) > 80
    unscoped = [
        selector for selector in selectors if not re.match(re.escape(ROOT) + r"(?![\w-])", selector)
    ]
    assert unscoped == []


def test_the_selector_reader_sees_unscoped_rules() -> None:
    css = "/* c */ * { x: 1 }\nbody{y:2}\n@media (max-width: 1px) { a, .sessionpacks b { z: 3 } }"
    assert _selectors(css) == ["*", "body", "a", ".sessionpacks b"]


def test_every_page_sits_inside_the_root_class(client: FlaskClient, who: Who) -> None:
    who.current = OWNER
    for page in ("/sessionpacks/", "/sessionpacks/office/", "/sessionpacks/kiosk/"):
        text = client.get(page).text
        assert re.search(r'<body class="sessionpacks[ "]', text), page
