"""The JSON API: every core action over HTTP, described by an OpenAPI 3.1 document.

Writes take ``application/json`` only (which a cross-site form cannot send, so the API needs no
CSRF token) and an ``Idempotency-Key`` header; errors are ``application/problem+json``.
"""

from __future__ import annotations

import re
from typing import Any

from sessionpacks.web import openapi
from sessionpacks.web.api import credits, directory, reference, reports, schedule
from sessionpacks.web.api.endpoints import Endpoint, json_body
from sessionpacks.web.http import Body, HttpError, Page, Request, not_found
from sessionpacks.web.routes import ANY, Routes, Surface

ENDPOINTS: tuple[Endpoint, ...] = (
    directory.ENDPOINTS + credits.ENDPOINTS + schedule.ENDPOINTS + reports.ENDPOINTS
)

routes = Routes("/api", "api.", surface=Surface.API)
for _endpoint in ENDPOINTS:
    routes.add(_endpoint.rule, _endpoint.method, _endpoint.respond, _endpoint.name)


@routes.get("/openapi.json")
def openapi_document(request: Request) -> Body:
    """The OpenAPI 3.1 document, for client generators and API explorers."""
    return json_body(_document(request))


@routes.get("/docs")
def reference_page(request: Request) -> Page:
    """The API's reference: every operation, its parameters, body and answers, as a page."""
    document = _document(request)
    return request.page(
        "sessionpacks/api/reference.html",
        document=document,
        groups=reference.operations(document),
        schemas=reference.schemas(document),
        schema_names=set(document["components"]["schemas"]),
    )


def _document(request: Request) -> dict[str, Any]:
    server = request.link("api.openapi_document").removesuffix("/openapi.json")
    config = request.config
    return openapi.document(ENDPOINTS, server, config.studio_name, config.session_cookie)


@routes.get("/problems/<slug>")
def problem_type(request: Request, slug: str) -> Page:
    """What a problem type means, for a person following its ``type`` reference."""
    found = openapi.all_problems().get(slug)
    if found is None:
        raise not_found(f"there is no problem type {slug!r}")
    status, title = found
    return request.page("sessionpacks/api/problem_type.html", slug=slug, status=status, title=title)


# Any other path under the API: a 404, or a 405 when the path exists for another method, both
# as problems (the framework's own routing errors would go to the host's HTML pages).
_PATTERNS = [
    (re.compile("^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(e.path)) + "$"), e.method)
    for e in ENDPOINTS
]


def unknown(request: Request, rest: str = "") -> Body:
    path = "/" + rest
    allowed = tuple(sorted({method for pattern, method in _PATTERNS if pattern.match(path)}))
    if allowed:
        raise HttpError(
            405,
            "Method Not Allowed",
            "The method is not allowed for the requested URL.",
            allow=allowed,
        )
    raise not_found(f"there is no API endpoint {request.method} {path}")


routes.add("/", ANY, unknown, "unknown_root")
routes.add("/<path:rest>", ANY, unknown, "unknown")
