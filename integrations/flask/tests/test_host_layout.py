"""Our pages inside the host's own layout (SESSIONPACKS_BASE_TEMPLATE): the host's page stays
the host's, and ours sit inside one element carrying the root class."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask

from sessionpacks import ConfigurationError
from sessionpacks_flask import Identity, SessionPacks

HOST_BASE = """<!doctype html>
<html><head><title>{% block title %}{% endblock %} | Iron Gym</title>
<link rel="stylesheet" href="/host.css">{% block head %}{% endblock %}</head>
<body class="host-body"><nav class="host-nav"><a href="/">Iron Gym</a></nav>
<div class="host-content">{% block body %}{% endblock %}</div>
<footer class="host-footer">Iron Gym footer</footer></body></html>
"""


class _Classes(HTMLParser):
    """Each element's classes, and whether it sits inside our root element."""

    VOID = frozenset({"meta", "link", "input", "br", "img", "hr"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[bool] = []
        self.outside: list[tuple[str, str]] = []
        self.roots = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        inside = bool(self.stack and self.stack[-1])
        is_root = "sessionpacks" in classes
        if not inside and not is_root:
            self.outside += [(tag, name) for name in classes]
        self.roots += is_root and not inside
        if tag not in self.VOID:
            self.stack.append(inside or is_root)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self.stack:
            self.stack.pop()


def _host(tmp_path: Path) -> Flask:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "host_base.html").write_text(HOST_BASE)
    app = Flask("host", instance_path=str(tmp_path / "instance"), template_folder=str(templates))
    app.config.update(SECRET_KEY="secret", SESSIONPACKS_BASE_TEMPLATE="host_base.html")
    packs = SessionPacks(app)
    packs.identity_loader(lambda: Identity.staff("u-1", "owner", display_name="Dana"))
    return app


@pytest.mark.parametrize(
    ("page", "status"),
    [
        ("/sessionpacks/", 200),
        ("/sessionpacks/office/", 200),
        ("/sessionpacks/office/schedule", 200),
        ("/sessionpacks/kiosk/", 200),
        ("/sessionpacks/my/", 403),  # staff have no portal: a problem page, in the host's layout
    ],
)
def test_each_page_renders_inside_the_hosts_layout(tmp_path: Path, page: str, status: int) -> None:
    response = _host(tmp_path).test_client().get(page)
    assert response.status_code == status
    text = response.text
    assert text.count("<html") == 1
    for host_part in ('<nav class="host-nav">', "Iron Gym footer", 'href="/host.css"'):
        assert host_part in text
    assert "sessionpacks.css" in text
    assert "| Iron Gym</title>" in text
    found = _Classes()
    found.feed(text)
    assert found.roots == 1
    # Outside our root, only the host's own classes: nothing of ours restyles the host's page.
    host_classes = {"host-body", "host-nav", "host-content", "host-footer"}
    assert {name for _, name in found.outside} == host_classes


def test_the_kiosk_keeps_its_look_inside_the_host_layout(tmp_path: Path) -> None:
    text = _host(tmp_path).test_client().get("/sessionpacks/kiosk/").text
    assert '<div class="sessionpacks sp-kiosk">' in text


def test_a_blank_base_template_setting_is_an_error(tmp_path: Path) -> None:
    app = Flask("host", instance_path=str(tmp_path))
    app.config.update(SESSIONPACKS_BASE_TEMPLATE=" ")
    with pytest.raises(ConfigurationError, match="SESSIONPACKS_BASE_TEMPLATE"):
        SessionPacks(app)
