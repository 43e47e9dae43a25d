"""Security headers on sessionpacks' own responses: strict by default, configurable, and never
over a header the host set; and no template needs what the default policy forbids."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, Response, after_this_request
from flask.testing import FlaskClient

from conftest import OWNER, InlineFinder, Who
from sessionpacks import ConfigurationError
from sessionpacks_flask import DEFAULT_SECURITY_HEADERS, SessionPacks


def _host(tmp_path: Path, **config: Any) -> Flask:
    app = Flask("host", instance_path=str(tmp_path / "host"))
    app.config.update(SECRET_KEY="secret", **config)

    @app.route("/")
    def home() -> str:
        return "<p>the host's own page</p>"

    return app


def test_every_kind_of_page_carries_the_default_headers(client: FlaskClient, who: Who) -> None:
    who.current = OWNER
    # Pages, a problem page (staff have no portal) and the API's problem details alike.
    expected = {
        "/sessionpacks/": 200,
        "/sessionpacks/office/": 200,
        "/sessionpacks/kiosk/": 200,
        "/sessionpacks/my/": 403,
        "/sessionpacks/api/no-such-thing": 404,
    }
    for page, status in expected.items():
        response = client.get(page)
        assert response.status_code == status, page
        for name, value in DEFAULT_SECURITY_HEADERS.items():
            assert response.headers.getlist(name) == [value], (page, name)


def test_the_default_policy_forbids_inline_script_and_framing_by_others() -> None:
    policy = DEFAULT_SECURITY_HEADERS["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'self'"
    assert "unsafe-inline" not in policy
    assert DEFAULT_SECURITY_HEADERS["X-Frame-Options"] == "SAMEORIGIN"


def test_the_hosts_pages_are_left_alone(tmp_path: Path) -> None:
    app = _host(tmp_path)
    SessionPacks(app)
    response = app.test_client().get("/")
    for name in DEFAULT_SECURITY_HEADERS:
        assert name not in response.headers


def test_a_header_the_host_sets_in_its_after_request_wins(tmp_path: Path) -> None:
    app = _host(tmp_path)

    @app.after_request
    def host_policy(response: Response) -> Response:
        # As Flask-Talisman does: the host's own policy for every page on its site.
        response.headers["Content-Security-Policy"] = "default-src 'self' https://cdn.host.test"
        response.headers["X-Frame-Options"] = "DENY"
        return response

    SessionPacks(app)
    response = app.test_client().get("/sessionpacks/")
    assert response.headers.getlist("Content-Security-Policy") == [
        "default-src 'self' https://cdn.host.test"
    ]
    assert response.headers.getlist("X-Frame-Options") == ["DENY"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_header_already_on_the_response_is_kept(tmp_path: Path) -> None:
    app = _host(tmp_path)
    SessionPacks(app)

    @app.before_request
    def early() -> None:
        @after_this_request
        def mark(response: Response) -> Response:
            response.headers["Referrer-Policy"] = "no-referrer"
            return response

    response = app.test_client().get("/sessionpacks/")
    assert response.headers.getlist("Referrer-Policy") == ["no-referrer"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_host_chooses_its_own_set_or_none(tmp_path: Path) -> None:
    own = _host(tmp_path, SESSIONPACKS_SECURITY_HEADERS={"X-Frame-Options": "DENY"})
    SessionPacks(own)
    response = own.test_client().get("/sessionpacks/")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" not in response.headers

    none = _host(tmp_path / "none", SESSIONPACKS_SECURITY_HEADERS={})
    SessionPacks(none)
    response = none.test_client().get("/sessionpacks/")
    for name in DEFAULT_SECURITY_HEADERS:
        assert name not in response.headers


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("DENY", "must map header names to values"),
        ({"X-Frame-Options": 1}, "string values"),
        ({"": "x"}, "string values"),
        ({"X-Bad": "a\r\nSet-Cookie: x=1"}, "holds a line break"),
    ],
)
def test_a_bad_header_setting_is_an_error_naming_it(
    tmp_path: Path, value: object, message: str
) -> None:
    with pytest.raises(ConfigurationError, match=f"SESSIONPACKS_SECURITY_HEADERS.*{message}"):
        SessionPacks(_host(tmp_path, SESSIONPACKS_SECURITY_HEADERS=value))


def test_no_template_holds_what_the_policy_would_block() -> None:
    templates = resources.files("sessionpacks.web") / "templates"
    found: dict[str, list[str]] = {}
    checked = 0
    for path in Path(str(templates)).rglob("*.html"):
        # Jinja tags are not HTML; blank them so the parser sees the markup around them.
        markup = re.sub(r"{%.*?%}|{{.*?}}|{#.*?#}", "x", path.read_text(), flags=re.DOTALL)
        finder = InlineFinder()
        finder.feed(markup)
        checked += 1
        if finder.blocked:
            found[path.name] = finder.blocked
    assert checked >= 20
    assert found == {}


def test_the_inline_finder_catches_each_kind() -> None:
    finder = InlineFinder()
    finder.feed(
        '<script>x()</script><script src="/a.js"></script><style>p{}</style>'
        '<p style="color:red" onclick="x()"><a href="javascript:x()">a</a></p>'
    )
    assert finder.blocked == [
        "an inline <script>",
        "a <style> element",
        "a style attribute on <p>",
        "an onclick handler on <p>",
        "a javascript: URL on <a>",
    ]
