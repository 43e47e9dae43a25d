"""Every route of the office, portal, kiosk and API, and :func:`respond`, which runs one.

An adapter registers :data:`ROUTES` with its router, grouped by rule (:func:`by_rule`), and for
each request calls :func:`respond`, then turns the outcome into its framework's response.
"""

from __future__ import annotations

import functools
import mimetypes
from collections.abc import Callable
from importlib import resources
from typing import Any
from urllib.parse import quote

import attrs

from sessionpacks.errors import NotAuthorized, NotFound, SessionPacksError
from sessionpacks.web import api, forms, kiosk, office, portal, wording
from sessionpacks.web.api.endpoints import KeyMissing, Unreadable, json_body
from sessionpacks.web.helpers import template_helpers
from sessionpacks.web.http import (
    Body,
    HttpError,
    Outcome,
    Page,
    Request,
    SignIn,
    SignInRequired,
    not_found,
)
from sessionpacks.web.i18n import N_, SOURCE, current, gettext, speaking, template_words
from sessionpacks.web.openapi import PROBLEM_JSON
from sessionpacks.web.problems import Problem, problem_for
from sessionpacks.web.refused import Refused, no_form_refused, refused
from sessionpacks.web.routes import ANY, Route, Routes, Surface

root = Routes()


@root.get("/")
def index(request: Request) -> Page:
    """Where to go: the office for staff, the portal for members, and the kiosk."""
    return request.page("sessionpacks/index.html")


STATIC = resources.files("sessionpacks.web") / "static"


@root.get("/static/<path:filename>")
def static(request: Request, filename: str) -> Body:
    """The pages' stylesheet and icon, served by us so a strict CSP holds."""
    found = STATIC
    for part in filename.split("/"):
        if part in ("", ".", "..") or "\\" in part:
            raise not_found(f"there is no file {filename!r}")
        found = found / part
    if not found.is_file():
        raise not_found(f"there is no file {filename!r}")
    media = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    if media.startswith("text/"):
        media += "; charset=utf-8"
    return Body(found.read_bytes(), media, headers={"Cache-Control": "no-cache"})


ROUTES: tuple[Route, ...] = tuple(
    root.routes
    + office.routes.routes
    + portal.routes.routes
    + kiosk.routes.routes
    + api.routes.routes
)


@functools.cache
def _named() -> dict[str, Route]:
    return {route.name: route for route in ROUTES}


def path_of(name: str, values: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The path of the route ``name`` with ``values``, and the values its rule does not take."""
    route = _named().get(name)
    if route is None:
        raise KeyError(f"there is no sessionpacks route named {name!r}")
    taken = route.value_names
    return route.path(values), {k: v for k, v in values.items() if k not in taken}


def by_rule() -> dict[str, dict[str, Route]]:
    """The routes by rule, then by method, in the order they were added (the API's catch-all
    paths last, as a router that tries rules in order needs)."""
    found: dict[str, dict[str, Route]] = {}
    for route in ROUTES:
        found.setdefault(route.rule, {})[route.method] = route
    return found


def respond(routes: dict[str, Route], request: Request, values: dict[str, Any]) -> Outcome:
    """Run the route of ``routes`` (one rule's, by method) that the request's method names,
    speaking the studio's language (the API speaks English, as its reference does)."""
    surface = next(iter(routes.values())).surface
    with speaking(_locale(surface, request)):
        return _respond(routes, request, values)


def _locale(surface: Surface, request: Request) -> str:
    return SOURCE if surface is Surface.API else request.config.locale


def _respond(routes: dict[str, Route], request: Request, values: dict[str, Any]) -> Outcome:
    method = "GET" if request.method == "HEAD" else request.method
    route = routes.get(method) or routes.get(ANY)
    if route is None:
        refused = HttpError(
            405,
            "Method Not Allowed",
            # Translated where a page shows it (the API's problem stays English).
            N_("The method is not allowed for the requested URL."),
            allow=tuple(sorted(routes)),
        )
        return problem(next(iter(routes.values())).surface, request, refused)
    request.route_name = route.name
    try:
        if route.guard is not None:
            route.guard(request)
        outcome = route.handler(request, **values)
    except SignInRequired:
        return SignIn(request.full_path)
    except HttpError as error:
        return problem(route.surface, request, error)
    except SessionPacksError as error:
        return form_again(route, request, values, error) or problem(route.surface, request, error)
    if isinstance(outcome, Page):
        return render_ready(request, outcome)
    return outcome


def problem(
    surface: Surface,
    request: Request,
    error: HttpError | SessionPacksError | Problem,
) -> Page | Body:
    """The page, or the API's problem document, for an error; a configuration error (the host's
    to fix) is raised again, to be a 500."""
    with speaking(_locale(surface, request)):
        return _problem_answer(surface, request, error)


def _problem_answer(
    surface: Surface,
    request: Request,
    error: HttpError | SessionPacksError | Problem,
) -> Page | Body:
    found = _problem(surface, error)
    if surface is Surface.API:
        # The instance is a URI reference: the path as sent, percent-encoded.
        body = found.as_json(quote(request.path, safe="/", errors="replace"))
        body["type"] = request.link("api.problem_type", slug=found.slug)
        answer = json_body(body, found.status, PROBLEM_JSON)
        if isinstance(error, HttpError) and error.allow:
            headers = {"Allow": ", ".join(error.allow)}
            answer = Body(answer.content, answer.media_type, answer.status, headers)
        return answer
    # A page says the title, and a sentence of ours, in the studio's language; gettext gives
    # any other sentence (a core error's own) back as it is.
    shown = attrs.evolve(found, title=gettext(found.title), detail=gettext(found.detail))
    page = Page("sessionpacks/problem.html", {"problem": shown}, found.status)
    return render_ready(request, page)


def _problem(surface: Surface, error: HttpError | SessionPacksError | Problem) -> Problem:
    if isinstance(error, Problem):
        return error
    if isinstance(error, HttpError):
        slug = (
            error.title.lower().replace(" ", "-") if surface is Surface.API else str(error.status)
        )
        return Problem(error.status, slug, error.title, error.detail)
    if surface is Surface.API and isinstance(error, Unreadable):
        return Problem(400, "malformed-json", "Malformed JSON", str(error))
    if surface is Surface.API and isinstance(error, KeyMissing):
        return Problem(400, "idempotency-key-required", "Idempotency-Key required", str(error))
    found = problem_for(error)
    if found is None:
        raise error
    if surface is Surface.PAGE and isinstance(error, NotFound):
        # A person reads this page: what they typed, in words, never an internal id.
        return attrs.evolve(found, detail=wording.missing(error))
    if surface is Surface.PAGE and isinstance(error, NotAuthorized):
        # The policy's refusal names the actor and the record by id: the page says it in words.
        return attrs.evolve(found, detail=wording.not_allowed())
    return found


def form_again(
    route: Route, request: Request, values: dict[str, Any], error: SessionPacksError
) -> Page | None:
    """The page of a refused form again, with what was typed and the errors beside the fields,
    at the status the problem page would have had; None when the problem page answers."""
    found = refused(route, values, request.form, error)
    if found is None or route.form_page is None:
        return None
    page_route = _named()[route.form_page]
    request.route_name = page_route.name
    try:
        outcome = page_route.handler(request, **{k: values[k] for k in page_route.value_names})
    except (HttpError, SessionPacksError):
        # The page itself cannot be shown (its client is gone): the problem page says why.
        request.route_name = route.name
        return None
    if not isinstance(outcome, Page):
        return None
    status = _problem(route.surface, error).status
    return render_ready(request, attrs.evolve(outcome, status=status), found)


def form_expired(request: Request, why: str) -> Page | Body:
    """The page for a form whose CSRF token is missing or stale."""
    with speaking(request.config.locale):
        detail = gettext("%(why)s Reload the page and try again.", why=why)
    found = Problem(400, "csrf", "Form expired", detail)
    return problem(Surface.PAGE, request, found)


def render_ready(request: Request, page: Page, refused_form: Refused | None = None) -> Page:
    """The page with what every template may use; the adapter adds only its CSRF field."""
    context: dict[str, Any] = {
        "form_state": no_form_refused if refused_form is None else refused_form.state_for,
        "refused_form": refused_form,
        "link": request.link,
        "messages": request.messages(),
        "new_key": forms.new_key,
        "studio_name": request.config.studio_name,
        "signed_in": request.identity,
        "signed_in_name": _shown_name(request),
        "sessionpacks_base_template": request.config.base_template,
        "host_home_url": request.config.home_url,
        "host_logout_url": request.config.logout_url,
        "here": request.route_name,
        "path": request.path,
        "referrer": request.header("Referer"),
        # The language respond() speaks: the studio's, or English on the API's pages.
        **template_helpers(request.zone, request.studio.clock.now(), current()),
        **template_words(current()),
    }
    context.update(page.context)
    return Page(page.template, context, page.status)


def _shown_name(request: Request) -> Callable[[], str]:
    # Called by the template only when someone is signed in, so anonymous pages read nothing;
    # the template renders after respond(), so the words' language is kept here.
    locale = current()

    def shown() -> str:
        found = request.identity
        if found is None:
            return ""
        with speaking(locale):
            return found.shown_name(request.studio)

    return shown
