"""The gym site serves sessionpacks' office, portal, kiosk and API at ``studio/``, mounted with
``INSTALLED_APPS`` and one ``include`` (see gymsite), to its own users signed in by Django."""

from __future__ import annotations

import importlib.util
import json
import re
import uuid
from pathlib import Path
from typing import Any

import django
import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, override_settings
from django.urls import reverse
from gymsite.gym.models import Athlete

import sessionpacks_django
from sessionpacks import PassTerms
from sessionpacks.errors import NotFound
from sessionpacks.web.api import ENDPOINTS
from sessionpacks.web.headers import DEFAULT_SECURITY_HEADERS
from sessionpacks_django.views import host_sets

pytestmark = pytest.mark.django_db(transaction=True)

STUDIO = "/studio"
_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _desk(client: Client | None = None) -> Client:
    """A client signed in as a front-desk user of the gym (the "Front desk" group)."""
    user = Athlete.objects.create_user(f"desk-{uuid.uuid4().hex[:8]}", first_name="Dana")
    group, _ = Group.objects.get_or_create(name="Front desk")
    user.groups.add(group)
    client = client or Client()
    client.force_login(user)
    return client


def _member() -> tuple[Client, int, int]:
    """A client signed in as a gym user linked to a sessionpacks member with a 10-class pack."""
    studio = sessionpacks_django.studio()
    ref = f"acct-{uuid.uuid4().hex[:8]}"
    account = studio.add_account(ref, "Ada Lovelace")
    member = studio.add_member(account.id, "Ada Lovelace")
    granted = studio.grant(
        account.id,
        PassTerms(quantity=10),
        reason="welcome pack",
        idempotency_key=f"grant-{ref}",
        actor=sessionpacks_django.Identity.staff("setup", "owner").actor,
        channel="office",
    )
    user = Athlete.objects.create_user(ref, sessionpacks_member_id=member.id)
    client = Client()
    client.force_login(user)
    return client, account.id, granted.pass_id


def test_the_site_mounts_sessionpacks_with_two_lines() -> None:
    assert "sessionpacks_django" in settings.INSTALLED_APPS
    assert reverse("sessionpacks:index") == STUDIO + "/"
    urls = (Path(__file__).parent / "gymsite" / "urls.py").read_text()
    assert 'path("studio/", include("sessionpacks_django.urls"))' in urls


def test_staff_get_the_office_and_the_kiosk() -> None:
    client = _desk()
    office = client.get(STUDIO + "/office/")
    assert office.status_code == 200
    assert "Iron Gym" in office.text
    assert 'href="/studio/static/sessionpacks.css"' in office.text
    assert "Dana" in office.text
    kiosk = client.get(STUDIO + "/kiosk/")
    assert kiosk.status_code == 200
    assert _TOKEN.search(kiosk.text)
    assert client.get(STUDIO + "/static/sessionpacks.css")["Content-Type"].startswith("text/css")


def test_head_is_answered_as_get_and_another_method_is_a_405() -> None:
    client = _desk()
    assert client.head(STUDIO + "/office/").status_code == 200
    refused = client.put(STUDIO + "/office/")
    assert refused.status_code == 405
    assert "Method Not Allowed" in refused.text
    api = client.delete(STUDIO + "/api/accounts")
    assert api.status_code == 405
    assert api["Allow"] == "GET, POST"


def test_staff_add_a_client_through_the_office_form_with_djangos_csrf_token() -> None:
    client = _desk(Client(enforce_csrf_checks=True))
    token = _TOKEN.search(client.get(STUDIO + "/office/").text)
    assert token
    answer = client.post(
        STUDIO + "/office/clients",
        {
            "csrfmiddlewaretoken": token.group(1),
            "name": "The Okafors",
            "ref": "crm-5",
            "idempotency_key": "k1",
        },
    )
    assert answer.status_code == 302, answer.content
    card = client.get(answer["Location"])
    assert "The Okafors" in card.text
    # The message waited in Django's session for the next page, once.
    assert card.text.count('class="sp-flash') == 1
    assert 'class="sp-flash' not in client.get(answer["Location"]).text


def test_a_form_without_the_token_gets_the_form_expired_page() -> None:
    client = _desk(Client(enforce_csrf_checks=True))
    answer = client.post(
        STUDIO + "/office/clients", {"name": "Forged", "ref": "crm-6", "idempotency_key": "k2"}
    )
    assert answer.status_code == 400
    assert "Form expired" in answer.text
    assert "CSRF" in answer.text
    with pytest.raises(NotFound):
        sessionpacks_django.studio().account_by_ref("crm-6")


def test_members_get_their_portal() -> None:
    client, _, pass_id = _member()
    home = client.get(STUDIO + "/my/")
    assert home.status_code == 200
    assert "Ada Lovelace" in home.text
    assert client.get(f"{STUDIO}/my/passes/{pass_id}").status_code == 200
    # A member is not staff: the office says so.
    assert client.get(STUDIO + "/office/").status_code == 403


def test_the_api_answers_signed_in_staff_in_json_without_a_csrf_token() -> None:
    client = _desk(Client(enforce_csrf_checks=True))
    made = client.post(
        STUDIO + "/api/accounts",
        json.dumps({"ref": "crm-9", "name": "The Nakamuras"}),
        content_type="application/json",
        headers={"Idempotency-Key": "api-1"},
    )
    assert made.status_code == 201, made.content
    found = client.get(STUDIO + "/api/accounts", {"q": "Nakamura"})
    assert found.status_code == 200
    assert "The Nakamuras" in found.content.decode()
    missing = client.get(STUDIO + "/api/no-such-thing")
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/problem+json"
    assert missing.json()["type"].startswith(STUDIO + "/api/problems/")


def test_anonymous_visitors_go_to_the_sites_login_page() -> None:
    for page in ("/office/clients/1?tab=passes", "/my/", "/kiosk/"):
        answer = Client().get(STUDIO + page)
        assert answer.status_code == 302
        assert answer["Location"].startswith(settings.LOGIN_URL + "?next=/studio/")
    # A program calling the API is told so rather than sent to a page.
    api = Client().get(STUDIO + "/api/accounts")
    assert api.status_code == 401
    assert api["Content-Type"] == "application/problem+json"
    answer = Client().get(STUDIO + "/office/?q=ada")
    assert answer["Location"] == "/accounts/login/?next=/studio/office/%3Fq%3Dada"


def test_sessionpacks_login_url_comes_before_djangos() -> None:
    moved = {**settings.SESSIONPACKS, "LOGIN_URL": "/sign-in/"}
    with override_settings(SESSIONPACKS=moved):
        sessionpacks_django.reset()
        try:
            answer = Client().get(STUDIO + "/office/")
        finally:
            sessionpacks_django.reset()
    assert answer["Location"] == "/sign-in/?next=/studio/office/"


def test_without_any_login_url_anonymous_visitors_get_a_401_page() -> None:
    with override_settings(LOGIN_URL=None):
        answer = Client().get(STUDIO + "/office/")
    assert answer.status_code == 401
    assert "Sign in to the site first" in answer.content.decode()


def test_a_user_without_a_role_gets_a_403_page() -> None:
    walker = Athlete.objects.create_user("walker")
    client = Client()
    client.force_login(walker)
    for page in ("/office/", "/my/", "/kiosk/"):
        answer = client.get(STUDIO + page)
        assert answer.status_code == 403
        assert "no access to the studio" in answer.content.decode()
    assert client.get(STUDIO + "/api/accounts").status_code == 401


def _operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(path, method) for path, item in document["paths"].items() for method in item}


def test_the_openapi_document_lists_every_operation_of_the_flask_integration(
    tmp_path: Path,
) -> None:
    from flask import Flask  # noqa: TID251  (the parity being proven is with Flask's)

    from sessionpacks_flask import SessionPacks

    answer = _desk().get(STUDIO + "/api/openapi.json")
    assert answer.status_code == 200
    document = answer.json()
    assert document["servers"] == [{"url": STUDIO + "/api"}]
    expected = {(endpoint.path, endpoint.method.lower()) for endpoint in ENDPOINTS}
    assert _operations(document) == expected

    app = Flask("flask_gym", instance_path=str(tmp_path))
    app.config.update(SECRET_KEY="x", SESSIONPACKS_STUDIO_NAME="Iron Gym")
    SessionPacks(app)
    flask_document = app.test_client().get("/sessionpacks/api/openapi.json").json
    assert flask_document is not None
    assert _operations(document) == _operations(flask_document)
    # The same document but for the mount and the session cookie's name.
    assert document["components"]["securitySchemes"]["hostSignIn"]["name"] == "sessionid"
    flask_document["servers"] = document["servers"]
    flask_document["components"]["securitySchemes"] = document["components"]["securitySchemes"]
    assert document == flask_document


def test_our_pages_carry_the_security_headers_and_the_hosts_pages_none() -> None:
    client = _desk()
    for page in ("/office/", "/api/accounts", "/static/favicon.svg"):
        answer = client.get(STUDIO + page)
        for name, value in DEFAULT_SECURITY_HEADERS.items():
            assert answer[name] == value, (page, name)
    own = client.get("/identity/")
    assert "Content-Security-Policy" not in own


def test_the_hosts_own_middleware_header_wins() -> None:
    middleware = [
        *settings.MIDDLEWARE,
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
        "django.middleware.security.SecurityMiddleware",
    ]
    with override_settings(
        MIDDLEWARE=middleware, X_FRAME_OPTIONS="DENY", SECURE_REFERRER_POLICY="no-referrer"
    ):
        answer = _desk().get(STUDIO + "/office/")
    assert answer["X-Frame-Options"] == "DENY"
    assert answer["Referrer-Policy"] == "no-referrer"
    assert answer["Content-Security-Policy"] == DEFAULT_SECURITY_HEADERS["Content-Security-Policy"]


def test_djangos_csp_middleware_is_left_to_set_the_policy_when_the_host_has_one() -> None:
    csp = "django.middleware.csp.ContentSecurityPolicyMiddleware"
    with override_settings(MIDDLEWARE=[*settings.MIDDLEWARE, csp], SECURE_CSP={"default-src": []}):
        assert host_sets("content-security-policy")
    with override_settings(MIDDLEWARE=[*settings.MIDDLEWARE, csp], SECURE_CSP={}):
        assert not host_sets("Content-Security-Policy")
    with override_settings(SECURE_CSP={"default-src": ["'self'"]}):
        assert not host_sets("Content-Security-Policy")
    assert not host_sets("X-Frame-Options")


def test_djangos_own_csp_middleware_sets_the_policy_of_our_pages() -> None:
    csp = "django.middleware.csp.ContentSecurityPolicyMiddleware"
    if importlib.util.find_spec("django.middleware.csp") is None:
        # Django 5.2 has no CSP middleware of its own: our policy is the page's.
        assert django.VERSION < (6, 0)
        answer = _desk().get(STUDIO + "/office/")
        assert (
            answer["Content-Security-Policy"] == DEFAULT_SECURITY_HEADERS["Content-Security-Policy"]
        )
        return
    policy = {"default-src": ["'self'"], "img-src": ["'self'", "data:"]}
    with override_settings(MIDDLEWARE=[*settings.MIDDLEWARE, csp], SECURE_CSP=policy):
        answer = _desk().get(STUDIO + "/office/")
    assert answer.status_code == 200
    assert answer["Content-Security-Policy"] == "default-src 'self'; img-src 'self' data:"
    # Our pages need nothing that policy forbids: no inline script, style or handler.
    assert "<script" not in answer.text
    assert "<style" not in answer.text
    assert " style=" not in answer.text
    assert not re.search(r" on[a-z]+=", answer.text)


def test_the_security_headers_setting_chooses_our_set() -> None:
    chosen = {**settings.SESSIONPACKS, "SECURITY_HEADERS": {"X-Frame-Options": "DENY"}}
    with override_settings(SESSIONPACKS=chosen):
        sessionpacks_django.reset()
        try:
            answer = _desk().get(STUDIO + "/office/")
        finally:
            sessionpacks_django.reset()
    assert answer["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" not in answer


def test_a_host_template_overrides_ours_and_a_base_template_frames_them(tmp_path: Path) -> None:
    (tmp_path / "sessionpacks").mkdir()
    (tmp_path / "sessionpacks" / "index.html").write_text("The gym's own start page")
    (tmp_path / "gym_layout.html").write_text(
        "<html><head><title>{% block title %}{% endblock %}</title>{% block head %}{% endblock %}"
        '</head><body><nav id="gym-nav">Iron Gym</nav>{% block body %}{% endblock %}</body></html>'
    )
    templates = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [tmp_path]}]
    framed = {**settings.SESSIONPACKS, "BASE_TEMPLATE": "gym_layout.html"}
    with override_settings(TEMPLATES=templates, SESSIONPACKS=framed):
        sessionpacks_django.reset()
        try:
            client = _desk()
            index = client.get(STUDIO + "/")
            office = client.get(STUDIO + "/office/")
        finally:
            sessionpacks_django.reset()
    assert index.content == b"The gym's own start page"
    assert '<nav id="gym-nav">' in office.text
    assert '<div class="sessionpacks' in office.text
    # Without the override, our own page again.
    assert "The gym's own start page" not in _desk().get(STUDIO + "/").text


def test_a_site_without_sessions_is_told_which_middleware_to_add() -> None:
    without = [m for m in settings.MIDDLEWARE if "sessions" not in m and "auth" not in m]
    with (
        override_settings(MIDDLEWARE=without),
        pytest.raises(ImproperlyConfigured, match="SessionMiddleware"),
    ):
        Client().get(STUDIO + "/office/")


def test_an_unknown_web_setting_names_the_closest_key() -> None:
    with pytest.raises(ImproperlyConfigured, match="did you mean 'SECURITY_HEADERS'"):
        sessionpacks_django.Config.from_setting({"SECURITY_HEADER": {}})
    with pytest.raises(ImproperlyConfigured, match=r"SESSIONPACKS\['SECURITY_HEADERS'\]"):
        sessionpacks_django.Config.from_setting({"SECURITY_HEADERS": {"X-A": "1\r\nX-B: 2"}})
    with pytest.raises(ImproperlyConfigured, match="did you mean 'LOGOUT_URL'"):
        sessionpacks_django.Config.from_setting({"LOGOUT_URLS": "/bye/"})
