"""The Django adapter: each rule of the web layer as one Django view, Django's request made the
neutral :class:`~sessionpacks.web.http.Request`, and the handler's outcome made a Django response.

CSRF is Django's own check, run by the view itself so that a refused form gets our "Form expired"
page rather than the host's ``CSRF_FAILURE_VIEW``; the API takes JSON only, which a cross-site
form cannot send, so it is exempt.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, MutableMapping
from importlib import resources
from typing import Any

import jinja2
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.urls import URLPattern, re_path, reverse
from django.views.decorators.csrf import csrf_exempt
from markupsafe import Markup, escape

from sessionpacks.web.http import Body, HttpError, Outcome, Page, Redirect, Request, SignIn, Upload
from sessionpacks.web.identity import Identity
from sessionpacks.web.routes import Route, Surface
from sessionpacks.web.site import by_rule, form_expired, problem, respond
from sessionpacks_django.access import identity_of
from sessionpacks_django.runtime import runtime

TEMPLATES = resources.files("sessionpacks.web") / "templates"

View = Callable[..., HttpResponseBase]


# Routing ------------------------------------------------------------------------------------

_VALUE = re.compile(r"<(?:(\w+):)?(\w+)>")


def _pattern(rule: str) -> tuple[str, frozenset[str]]:
    """The regular expression of a rule (``/office/clients/<int:account_id>``), relative to the
    mount as Django's ``include`` wants it, and the names of its integer values."""
    parts, integers, at = ["^"], set(), 0
    relative = rule.removeprefix("/")
    for match in _VALUE.finditer(relative):
        parts.append(re.escape(relative[at : match.start()]))
        converter, name = match.groups()
        if converter in (None, "string"):
            parts.append(f"(?P<{name}>[^/]+)")
        elif converter == "int":
            parts.append(f"(?P<{name}>[0-9]+)")
            integers.add(name)
        elif converter == "path":
            parts.append(f"(?P<{name}>[^/].*)")
        else:
            raise ImproperlyConfigured(f"sessionpacks rule {rule!r}: unknown converter {converter}")
        at = match.end()
    parts.append(re.escape(relative[at:]) + r"\Z")
    return "".join(parts), frozenset(integers)


def _view(routes: dict[str, Route]) -> View:
    surface = next(iter(routes.values())).surface
    integers = _pattern(next(iter(routes.values())).rule)[1]

    def view(request: HttpRequest, **values: Any) -> HttpResponseBase:
        for name in integers:
            values[name] = int(values[name])
        neutral = _request(request, surface)
        outcome: Outcome
        refused = _csrf_refusal(request) if surface is Surface.PAGE else None
        if refused is not None:
            outcome = form_expired(neutral, refused)
        else:
            outcome = respond(routes, neutral, values)
        response = _response(request, neutral, outcome)
        if surface is Surface.PAGE:
            _Csrf(_unused).process_response(request, response)
        _security_headers(response)
        return response

    return csrf_exempt(view)


def urlpatterns() -> list[URLPattern]:
    """One Django URL pattern per rule, in the web layer's order (the API's catch-all last)."""
    found = []
    for rule, routes in by_rule().items():
        name = next(iter(routes.values())).name
        found.append(re_path(_pattern(rule)[0], _view(routes), name=name))
    return found


# Requests -----------------------------------------------------------------------------------


def _request(request: HttpRequest, surface: Surface) -> Request:
    here = runtime()
    match = request.resolver_match
    namespace = match.namespace if match is not None and match.namespace else "sessionpacks"
    empty = QueryDict()
    # The API reads its JSON body itself: parsing it as a form would consume the stream.
    page = surface is Surface.PAGE
    return Request(
        studio=here.studio,
        config=here.config.web,
        method=request.method or "GET",
        path=request.path,
        query_string=request.META.get("QUERY_STRING", ""),
        base=reverse(f"{namespace}:index").removesuffix("/"),
        query=request.GET,
        form=request.POST if page else empty,
        files=(
            {name: Upload(found.name or "", found.read()) for name, found in request.FILES.items()}
            if page
            else {}
        ),
        body=lambda: request.body,
        headers=request.headers,
        session=_session(request),
        identify=lambda: _identity(request),
        host_signed_in=lambda: bool(_user(request).is_authenticated),
    )


def _session(request: HttpRequest) -> MutableMapping[str, Any]:
    found: MutableMapping[str, Any] | None = getattr(request, "session", None)
    if found is None:
        raise ImproperlyConfigured(
            "sessionpacks' pages keep their messages in the session: add"
            " 'django.contrib.sessions.middleware.SessionMiddleware' to MIDDLEWARE"
        )
    return found


def _user(request: HttpRequest) -> Any:
    found = getattr(request, "user", None)
    if found is None:
        raise ImproperlyConfigured(
            "sessionpacks reads who is signed in from request.user: add"
            " 'django.contrib.auth.middleware.AuthenticationMiddleware' to MIDDLEWARE"
        )
    return found


def _identity(request: HttpRequest) -> Identity | None:
    user = _user(request)
    return identity_of(user) if user.is_authenticated else None


class _Refused(Exception):
    pass


class _Csrf(CsrfViewMiddleware):
    """Django's CSRF check, whose refusal is ours to answer."""

    def _reject(self, request: HttpRequest, reason: str) -> HttpResponse:
        raise _Refused(reason)


def _unused(request: HttpRequest) -> HttpResponse:
    return HttpResponse()


def _csrf_refusal(request: HttpRequest) -> str | None:
    """Why Django refuses this form, or None when it carries this session's token."""
    if request.method != "POST":
        return None
    check = _Csrf(_unused)
    check.process_request(request)
    try:
        check.process_view(request, _unused, (), {})
    except _Refused as refused:
        return str(refused)
    return None


# Responses ----------------------------------------------------------------------------------


@functools.cache
def environment() -> jinja2.Environment:
    """The templates: the host's (every ``DIRS`` of ``TEMPLATES``) before ours, so a host
    overrides any of them from its own templates folder."""
    folders = [str(folder) for entry in settings.TEMPLATES for folder in entry.get("DIRS", ())]
    loader = jinja2.ChoiceLoader(
        [jinja2.FileSystemLoader(folders), jinja2.FileSystemLoader(str(TEMPLATES))]
    )
    return jinja2.Environment(loader=loader, autoescape=True)


def _forget_environment(*, setting: str, **kwargs: Any) -> None:
    if setting == "TEMPLATES":
        environment.cache_clear()


setting_changed.connect(_forget_environment)


def _response(request: HttpRequest, neutral: Request, outcome: Outcome) -> HttpResponseBase:
    if isinstance(outcome, Page):

        def csrf_field() -> Markup:
            return Markup('<input type="hidden" name="csrfmiddlewaretoken" value="{}">').format(
                escape(get_token(request))
            )

        template = environment().get_template(outcome.template)
        html = template.render(**outcome.context, csrf_field=csrf_field)
        return HttpResponse(html, status=outcome.status, content_type="text/html; charset=utf-8")
    if isinstance(outcome, Redirect):
        response = HttpResponse(status=outcome.status)
        response["Location"] = outcome.location
        return response
    if isinstance(outcome, Body):
        response = HttpResponse(outcome.content, status=outcome.status)
        response["Content-Type"] = outcome.media_type
        for name, value in outcome.headers.items():
            response[name] = value
        return response
    return _sign_in(request, neutral, outcome)


def _sign_in(request: HttpRequest, neutral: Request, outcome: SignIn) -> HttpResponseBase:
    """Nobody signed in: ``SESSIONPACKS["LOGIN_URL"]``, else Django's ``LOGIN_URL``, else 401."""
    login_url = runtime().config.login_url or settings.LOGIN_URL
    if login_url:
        return redirect_to_login(outcome.next, login_url)
    found = HttpError(401, "Unauthorized", outcome.detail)
    return _response(request, neutral, problem(Surface.PAGE, neutral, found))


# What Django's own middleware sets when the host turns it on: the host's header wins, and these
# middleware leave a header the view set alone, so ours must not be there first.
_HOST_SETS: Mapping[str, tuple[str, str]] = {
    "content-security-policy": ("django.middleware.csp.ContentSecurityPolicyMiddleware", "SECURE_CSP"),
    "x-frame-options": ("django.middleware.clickjacking.XFrameOptionsMiddleware", "X_FRAME_OPTIONS"),
    "x-content-type-options": (
        "django.middleware.security.SecurityMiddleware",
        "SECURE_CONTENT_TYPE_NOSNIFF",
    ),
    "referrer-policy": ("django.middleware.security.SecurityMiddleware", "SECURE_REFERRER_POLICY"),
}


def host_sets(header: str) -> bool:
    """Whether one of Django's middleware, as the host configured it, sets ``header``."""
    found = _HOST_SETS.get(header.lower())
    if found is None:
        return False
    middleware, setting = found
    return middleware in settings.MIDDLEWARE and bool(getattr(settings, setting, None))


def _security_headers(response: HttpResponseBase) -> None:
    for name, value in runtime().config.security_headers.items():
        if name not in response and not host_sets(name):
            response[name] = value
