"""The Django adapter: each rule of the web layer as one Django view, Django's request made the
neutral :class:`~sessionpacks.web.http.Request`, and the handler's outcome made a Django response.

CSRF is Django's own check, run by the view itself so that a refused form gets our "Form expired"
page rather than the host's ``CSRF_FAILURE_VIEW``; the API takes JSON only, which a cross-site
form cannot send, so it is exempt.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from importlib import resources
from typing import Any

import jinja2
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.urls import NoReverseMatch, URLPattern, re_path, reverse
from django.views.decorators.csrf import csrf_exempt
from markupsafe import Markup, escape

from sessionpacks.web import WebConfig
from sessionpacks.web import http as web
from sessionpacks.web.identity import Identity
from sessionpacks.web.routes import Route, Surface
from sessionpacks.web.site import by_rule, form_expired, problem, respond
from sessionpacks_django.access import identity_of
from sessionpacks_django.runtime import runtime

TEMPLATES = resources.files("sessionpacks.web") / "templates"

# Routing ------------------------------------------------------------------------------------

_VALUE = re.compile(r"<(?:(\w+):)?(\w+)>")
_CONVERTERS = {None: "[^/]+", "string": "[^/]+", "int": "[0-9]+", "path": "[^/].*"}


def _pattern(rule: str) -> str:
    """The regular expression of a rule (``/office/clients/<int:account_id>``), relative to the
    mount as Django's ``include`` wants it."""
    parts, at, relative = ["^"], 0, rule.removeprefix("/")
    for match in _VALUE.finditer(relative):
        converter, name = match.groups()
        if converter not in _CONVERTERS:
            raise ImproperlyConfigured(f"sessionpacks rule {rule!r}: unknown converter {converter}")
        parts += [re.escape(relative[at : match.start()]), f"(?P<{name}>{_CONVERTERS[converter]})"]
        at = match.end()
    return "".join(parts) + re.escape(relative[at:]) + r"\Z"


def _view(routes: dict[str, Route]) -> Callable[..., HttpResponseBase]:
    first = next(iter(routes.values()))
    surface = first.surface
    integers = [name for converter, name in _VALUE.findall(first.rule) if converter == "int"]

    def view(request: HttpRequest, **values: Any) -> HttpResponseBase:
        for name in integers:
            values[name] = int(values[name])
        neutral = _request(request, surface)
        refused = _csrf_refusal(request) if surface is Surface.PAGE else None
        outcome = respond(routes, neutral, values) if refused is None else None
        outcome = outcome or form_expired(neutral, str(refused))
        response = _finish(request, neutral, outcome)
        if surface is Surface.PAGE:  # sets the CSRF cookie when the host's middleware is absent
            _Csrf(_unused).process_response(request, response)
        return response

    return csrf_exempt(view)


def urlpatterns() -> list[URLPattern]:
    """One Django URL pattern per rule, in the web layer's order (the API's catch-all last)."""
    found = []
    for rule, routes in by_rule().items():
        name = next(iter(routes.values())).name
        found.append(re_path(_pattern(rule), _view(routes), name=name))
    return found


# Requests -----------------------------------------------------------------------------------


def _request(request: HttpRequest, surface: Surface) -> web.Request:
    here, page = runtime(), surface is Surface.PAGE
    match = request.resolver_match
    ours = match is not None and match.app_names[-1:] == ["sessionpacks"]
    # The API reads its JSON body itself: parsing it as a form would consume the stream.
    uploads: dict[str, Any] = request.FILES.dict() if page else {}
    return web.Request(
        studio=here.studio,
        config=WebConfig.of(here.config, settings.SESSION_COOKIE_NAME),
        method=request.method or "GET",
        path=request.path,
        query_string=request.META.get("QUERY_STRING", ""),
        base=_base(match.namespace if ours and match is not None else "sessionpacks"),
        query=request.GET,
        form=request.POST if page else QueryDict(),
        files={name: web.Upload(f.name or "", f.read()) for name, f in uploads.items()},
        body=lambda: request.body,
        headers=request.headers,
        session=_needs(request, "session", "sessions", "SessionMiddleware"),
        identify=lambda: _identity(request),
        host_signed_in=lambda: bool(_user(request).is_authenticated),
    )


def _base(namespace: str) -> str:
    try:
        return reverse(f"{namespace}:index").removesuffix("/")
    except NoReverseMatch:  # a host view checking identity where the pages are not mounted
        return ""


def guarded(
    request: HttpRequest, guard: Callable[[web.Request], Identity]
) -> Identity | HttpResponseBase:
    """The identity ``guard`` lets through, or our sign-in redirect or problem page (for
    :func:`sessionpacks_django.authenticate` in the host's own views)."""
    neutral = _request(request, Surface.PAGE)
    outcome: web.Outcome
    try:
        return guard(neutral)
    except web.SignInRequired:
        outcome = web.SignIn(neutral.full_path)
    except web.HttpError as error:
        outcome = problem(Surface.PAGE, neutral, error)
    return _finish(request, neutral, outcome)


def _user(request: HttpRequest) -> Any:
    return _needs(request, "user", "auth", "AuthenticationMiddleware")


def _needs(request: HttpRequest, attribute: str, app: str, middleware: str) -> Any:
    found = getattr(request, attribute, None)
    if found is None:
        raise ImproperlyConfigured(
            f"sessionpacks' pages read request.{attribute}: add"
            f" 'django.contrib.{app}.middleware.{middleware}' to MIDDLEWARE"
        )
    return found


def _identity(request: HttpRequest) -> Identity | None:
    user = _user(request)
    return identity_of(user) if user.is_authenticated else None


class _Csrf(CsrfViewMiddleware):
    """Django's CSRF check, whose refusal is ours to answer."""

    def _reject(self, request: HttpRequest, reason: str) -> HttpResponse:
        return HttpResponse(reason, content_type="text/plain; charset=utf-8", status=400)


def _unused(request: HttpRequest) -> HttpResponse:
    return HttpResponse()


def _csrf_refusal(request: HttpRequest) -> str | None:
    """Why Django refuses this form, or None when it carries this session's token."""
    if request.method != "POST":
        return None
    check = _Csrf(_unused)
    check.process_request(request)
    refused = check.process_view(request, _unused, (), {})
    return None if refused is None else refused.content.decode()


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


def _finish(request: HttpRequest, neutral: web.Request, outcome: web.Outcome) -> HttpResponseBase:
    response = _response(request, neutral, outcome)
    for name, value in runtime().config.security_headers.items():
        if name not in response and not host_sets(name):
            response[name] = value
    return response


def _response(request: HttpRequest, neutral: web.Request, outcome: web.Outcome) -> HttpResponseBase:
    if isinstance(outcome, web.Page):

        def csrf_field() -> Markup:
            return Markup('<input type="hidden" name="csrfmiddlewaretoken" value="{}">').format(
                escape(get_token(request))
            )

        template = environment().get_template(outcome.template)
        html = template.render(**outcome.context, csrf_field=csrf_field)
        return HttpResponse(html, status=outcome.status, content_type="text/html; charset=utf-8")
    if isinstance(outcome, web.Redirect):
        response = HttpResponse(status=outcome.status)
        response["Location"] = outcome.location
        return response
    if isinstance(outcome, web.Body):
        response = HttpResponse(outcome.content, outcome.media_type, outcome.status)
        for name, value in outcome.headers.items():
            response[name] = value
        return response
    return _sign_in(request, neutral, outcome)


def _sign_in(request: HttpRequest, neutral: web.Request, outcome: web.SignIn) -> HttpResponseBase:
    """Nobody signed in: ``SESSIONPACKS["LOGIN_URL"]``, else Django's ``LOGIN_URL``, else 401."""
    login_url = runtime().config.login_url or settings.LOGIN_URL
    if login_url:
        return redirect_to_login(outcome.next, login_url)
    found = web.HttpError(401, "Unauthorized", outcome.detail)
    return _response(request, neutral, problem(Surface.PAGE, neutral, found))


# What Django's own middleware sets when the host turns it on: the host's header wins, and these
# middleware leave a header the view set alone, so ours must not be there first.
_HOST_SETS: Mapping[str, tuple[str, str]] = {
    "content-security-policy": ("csp.ContentSecurityPolicyMiddleware", "SECURE_CSP"),
    "x-frame-options": ("clickjacking.XFrameOptionsMiddleware", "X_FRAME_OPTIONS"),
    "x-content-type-options": ("security.SecurityMiddleware", "SECURE_CONTENT_TYPE_NOSNIFF"),
    "referrer-policy": ("security.SecurityMiddleware", "SECURE_REFERRER_POLICY"),
}


def host_sets(header: str) -> bool:
    """Whether one of Django's middleware, as the host configured it, sets ``header``."""
    found = _HOST_SETS.get(header.lower())
    if found is None:
        return False
    middleware, setting = found
    in_use = f"django.middleware.{middleware}" in settings.MIDDLEWARE
    return in_use and bool(getattr(settings, setting, None))
