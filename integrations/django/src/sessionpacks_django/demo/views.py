"""The demo site's own pages: the home page with its sign-in buttons, and signing out."""

from __future__ import annotations

import functools
from collections.abc import Callable

import jinja2
from django.contrib.auth import login, logout
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseBase,
    HttpResponseRedirect,
)
from django.middleware.csrf import get_token
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from markupsafe import Markup, escape

from sessionpacks.demo import STAFF_USER_ID, TEMPLATES, home_context, parse_user_id
from sessionpacks_django import studio
from sessionpacks_django.demo.models import DemoUser
from sessionpacks_django.demo.users import STAFF_USERNAME


def strict_policy(
    get_response: Callable[[HttpRequest], HttpResponseBase],
) -> Callable[[HttpRequest], HttpResponseBase]:
    """Many hosts run a strict Content-Security-Policy; the demo does too, to prove the pages
    need no inline script or style and nothing from other sites."""

    def middleware(request: HttpRequest) -> HttpResponseBase:
        response = get_response(request)
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        )
        return response

    return middleware


@functools.cache
def _templates() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True)


def _sessionpacks(name: str, **values: str) -> str:
    return reverse(f"sessionpacks:{name}", kwargs=values or None)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    links = {
        "home": reverse("home"),
        "sign_in": reverse("sign_in"),
        "sign_out": reverse("sign_out"),
        "office": _sessionpacks("office.clients"),
        "portal": _sessionpacks("portal.home"),
        "kiosk": _sessionpacks("kiosk.home"),
        "stylesheet": _sessionpacks("static", filename="sessionpacks.css"),
        "icon": _sessionpacks("static", filename="favicon.svg"),
    }

    def csrf_field() -> Markup:
        return Markup('<input type="hidden" name="csrfmiddlewaretoken" value="{}">').format(
            escape(get_token(request))
        )

    user = request.user
    context = home_context(
        studio(),
        user_name=user.get_full_name() if isinstance(user, DemoUser) else None,
        links=links,
        csrf_field=csrf_field,
    )
    return HttpResponse(_templates().get_template("demo/home.html").render(context))


@require_POST
def sign_in(request: HttpRequest) -> HttpResponseBase:
    # The demo's users have no passwords: the button names who to be.
    found = parse_user_id(request.POST.get("user", ""))
    users = DemoUser.objects
    if found == STAFF_USER_ID:
        user = users.filter(username=STAFF_USERNAME).first()
    elif isinstance(found, int):
        user = users.filter(sessionpacks_member_id=found).first()
    else:
        user = None
    if user is None:
        return HttpResponseBadRequest("choose one of the demo users")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    staff = found == STAFF_USER_ID
    return HttpResponseRedirect(_sessionpacks("office.clients" if staff else "portal.home"))


@require_POST
def sign_out(request: HttpRequest) -> HttpResponseBase:
    logout(request)
    return HttpResponseRedirect(reverse("home"))
