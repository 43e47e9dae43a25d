"""Who may see the pages, in a host with only ``g.user`` and in a host with Flask-Login: nobody
signed in is sent to the host's sign-in page, a user without access gets a 403 page in our
layout with a way back to the site, and programs using the JSON API still get 401."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import flask_login
import pytest
from flask import Flask, g, request

from sessionpacks import ConfigurationError
from sessionpacks_flask import Identity, SessionPacks

STAFF = Identity.staff("u-1", "owner", display_name="Dana Reyes")


def _g_user_host(tmp_path: Path, **config: Any) -> Flask:
    """A host with its own sign-in: ``g.user`` set from a header, no Flask-Login."""
    app = Flask("g_user_host", instance_path=str(tmp_path / "g_user_host"))
    app.config.update(SECRET_KEY="secret", **config)

    @app.before_request
    def load_user() -> None:
        g.user = request.headers.get("X-Test-User")

    packs = SessionPacks(app)

    @packs.identity_loader
    def current() -> Identity | None:
        if not g.user:
            return None  # nobody signed in
        # A guest is signed in to the site but is neither staff nor a member here.
        return {"dana": STAFF}.get(g.user, Identity.no_access(display_name=g.user.title()))

    return app


class User(flask_login.UserMixin):  # type: ignore[misc]
    def __init__(self, user_id: str, staff: bool) -> None:
        self.id = user_id
        self.staff = staff

    def sessionpacks_identity(self) -> Identity | None:
        return STAFF if self.staff else None


def _flask_login_host(tmp_path: Path, **config: Any) -> Flask:
    app = Flask("login_host", instance_path=str(tmp_path / "login_host"))
    app.config.update(SECRET_KEY="secret", **config)
    login = flask_login.LoginManager(app)
    login.login_view = "sign_in"
    users = {"dana": User("dana", staff=True), "sam": User("sam", staff=False)}
    login.user_loader(users.get)

    @app.route("/sign-in")
    def sign_in() -> str:
        return "the host's sign-in form"

    @app.route("/as/<user_id>")
    def sign_in_as(user_id: str) -> str:
        flask_login.login_user(users[user_id])
        return "signed in"

    SessionPacks(app)
    return app


def test_nobody_signed_in_is_sent_to_the_login_url_setting(tmp_path: Path) -> None:
    app = _g_user_host(tmp_path, SESSIONPACKS_LOGIN_URL="/accounts/login")
    response = app.test_client().get("/sessionpacks/office/?day=2")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/accounts/login"
    assert parse_qs(location.query) == {"next": ["/sessionpacks/office/?day=2"]}


def test_without_a_login_url_nobody_signed_in_gets_a_page_saying_to_sign_in(
    tmp_path: Path,
) -> None:
    response = _g_user_host(tmp_path).test_client().get("/sessionpacks/kiosk/")
    assert response.status_code == 401
    assert "Sign in to the site first" in response.text
    assert 'class="sessionpacks' in response.text


def test_flask_login_sends_nobody_to_its_login_view_with_next(tmp_path: Path) -> None:
    client = _flask_login_host(tmp_path).test_client()
    response = client.get("/sessionpacks/office/")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/sign-in"
    assert parse_qs(location.query)["next"] == ["/sessionpacks/office/"]


def test_a_signed_in_user_without_access_gets_a_403_page_with_a_way_back(tmp_path: Path) -> None:
    client = _flask_login_host(tmp_path, SESSIONPACKS_HOME_URL="/welcome").test_client()
    client.get("/as/sam")
    response = client.get("/sessionpacks/office/")
    assert response.status_code == 403
    assert "no access to the studio" in response.text
    assert 'href="/welcome">Back to the site</a>' in response.text
    # The API refuses them the same way, as a problem, rather than asking them to sign in.
    api = client.get("/sessionpacks/api/accounts")
    assert api.status_code == 403
    assert "no access to the studio" in (api.json or {})["detail"]


def test_a_g_user_host_tells_a_signed_in_user_without_access_so(tmp_path: Path) -> None:
    client = _g_user_host(tmp_path, SESSIONPACKS_LOGIN_URL="/accounts/login").test_client()
    for page in ("/sessionpacks/office/", "/sessionpacks/my/", "/sessionpacks/kiosk/"):
        response = client.get(page, headers={"X-Test-User": "guest"})
        assert response.status_code == 403, page  # not sent to sign in again
        assert "no access to the studio" in response.text
    api = client.get("/sessionpacks/api/accounts", headers={"X-Test-User": "guest"})
    assert api.status_code == 403
    assert api.content_type.startswith("application/problem+json")
    nobody = client.get("/sessionpacks/office/")
    assert nobody.status_code == 302


def test_the_wrong_kind_of_person_gets_a_403_page_saying_why(tmp_path: Path) -> None:
    client = _g_user_host(tmp_path).test_client()
    response = client.get("/sessionpacks/my/", headers={"X-Test-User": "dana"})
    assert response.status_code == 403
    assert "your account is not linked to one" in response.text


def test_a_signed_in_user_with_access_sees_the_page_with_sign_out(tmp_path: Path) -> None:
    app = _flask_login_host(tmp_path, SESSIONPACKS_LOGOUT_URL="/sign-out")
    client = app.test_client()
    client.get("/as/dana")
    page = client.get("/sessionpacks/office/")
    assert page.status_code == 200
    assert "Dana Reyes" in page.text
    assert 'href="/sign-out">Sign out</a>' in page.text
    assert 'href="/">Back to the site</a>' in page.text


@pytest.mark.parametrize("app_kind", ["g_user", "flask_login"])
def test_the_json_api_answers_programs_401_not_a_redirect(tmp_path: Path, app_kind: str) -> None:
    app = (
        _g_user_host(tmp_path, SESSIONPACKS_LOGIN_URL="/accounts/login")
        if app_kind == "g_user"
        else _flask_login_host(tmp_path)
    )
    response = app.test_client().get("/sessionpacks/api/accounts")
    assert response.status_code == 401
    assert response.content_type.startswith("application/problem+json")


@pytest.mark.parametrize("key", ["LOGIN_URL", "LOGOUT_URL", "HOME_URL"])
def test_a_bad_link_setting_is_an_error_naming_it(tmp_path: Path, key: str) -> None:
    with pytest.raises(ConfigurationError, match=f"SESSIONPACKS_{key} must be a URL"):
        _g_user_host(tmp_path, **{f"SESSIONPACKS_{key}": "/log\nin"})


def test_a_site_user_linked_to_a_member_sees_their_portal(tmp_path: Path) -> None:
    app = Flask("linked_host", instance_path=str(tmp_path / "linked_host"))
    app.config.update(SECRET_KEY="secret")
    packs = SessionPacks(app)
    login = flask_login.LoginManager(app)

    class SiteUser(flask_login.UserMixin):  # type: ignore[misc]
        def __init__(self, user_id: str, name: str) -> None:
            self.id = user_id
            self.name = name

        def sessionpacks_identity(self) -> Identity:
            return packs.member_identity(self.id, "member", display_name=self.name)

    users = {"17": SiteUser("17", "Ana Ortiz"), "18": SiteUser("18", "Bo Lind")}
    login.user_loader(users.get)

    @app.route("/as/<user_id>")
    def sign_in_as(user_id: str) -> str:
        flask_login.login_user(users[user_id])
        return "signed in"

    with app.app_context():
        account = packs.studio.add_account("crm-17", "Ana Ortiz")
        member = packs.studio.add_member(account.id, "Ana Ortiz", ref="3001")
        packs.studio.link_user(member.id, "17")
    client = app.test_client()
    client.get("/as/17")
    portal = client.get("/sessionpacks/my/")
    assert portal.status_code == 200, portal.text
    assert "Ana Ortiz" in portal.text
    client.get("/as/18")  # signed in, linked to no member
    refused = client.get("/sessionpacks/my/")
    assert refused.status_code == 403
    assert "no access to the studio" in refused.text
