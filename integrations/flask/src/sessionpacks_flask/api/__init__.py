"""The JSON API: every core action over HTTP, described by an OpenAPI 3.1 document.

Writes take ``application/json`` only (which a cross-site form cannot send, so the API needs no
CSRF token) and an ``Idempotency-Key`` header; errors are ``application/problem+json``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, jsonify, render_template, request, url_for
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from sessionpacks.errors import SessionPacksError
from sessionpacks_flask import openapi
from sessionpacks_flask.api import credits, directory, reports, schedule
from sessionpacks_flask.api.endpoints import Endpoint, KeyMissing, Unreadable
from sessionpacks_flask.extension import mounted
from sessionpacks_flask.problems import BadRequest, Problem, problem_for

blueprint = Blueprint("api", __name__)
# The name requests under it carry, once nested beneath the root blueprint.
blueprint_name = "sessionpacks.api"

ENDPOINTS: tuple[Endpoint, ...] = (
    directory.ENDPOINTS + credits.ENDPOINTS + schedule.ENDPOINTS + reports.ENDPOINTS
)

for _endpoint in ENDPOINTS:
    blueprint.add_url_rule(
        _endpoint.rule, _endpoint.name, _endpoint.view, methods=[_endpoint.method]
    )


@blueprint.get("/openapi.json")
def openapi_document() -> Response:
    """The OpenAPI 3.1 document, for client generators and API explorers."""
    server = url_for(".openapi_document").removesuffix("/openapi.json")
    return jsonify(openapi.document(ENDPOINTS, server, mounted().config.studio_name))


@blueprint.get("/problems/<slug>")
def problem_type(slug: str) -> tuple[str, int]:
    """What a problem type means, for a person following its ``type`` reference."""
    found = openapi.all_problems().get(slug)
    if found is None:
        raise NotFound(f"there is no problem type {slug!r}")
    status, title = found
    return render_template(
        "sessionpacks/api/problem_type.html", slug=slug, status=status, title=title
    ), 200


# Any other path under the API: a 404, or a 405 when the path exists for another method, both
# as problems (Flask's own routing errors would go to the host's HTML pages).
_PATTERNS = [
    (re.compile("^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(e.path)) + "$"), e.method)
    for e in ENDPOINTS
]


@blueprint.route("/", defaults={"rest": ""}, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@blueprint.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(rest: str) -> Any:
    path = "/" + rest
    allowed = sorted({method for pattern, method in _PATTERNS if pattern.match(path)})
    if allowed:
        raise MethodNotAllowed(allowed)
    raise NotFound(f"there is no API endpoint {request.method} {path}")


def _problem(found: Problem) -> Response:
    # The instance is a URI reference: the path as sent, percent-encoded.
    body = found.as_json(quote(request.path, safe="/", errors="replace"))
    body["type"] = url_for("sessionpacks.api.problem_type", slug=found.slug)
    response = jsonify(body)
    response.status_code = found.status
    response.mimetype = openapi.PROBLEM_JSON
    return response


@blueprint.errorhandler(BadRequest)
def _bad_request(error: BadRequest) -> Response:
    if isinstance(error, Unreadable):
        return _problem(Problem(400, "malformed-json", "Malformed JSON", str(error)))
    if isinstance(error, KeyMissing):
        return _problem(
            Problem(400, "idempotency-key-required", "Idempotency-Key required", str(error))
        )
    return _core_error(error)


@blueprint.errorhandler(SessionPacksError)
def _core_error(error: SessionPacksError) -> Response:
    found = problem_for(error)
    if found is None:
        # The host's configuration to fix: a 500, as everywhere.
        raise error
    return _problem(found)


@blueprint.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    slug = error.name.lower().replace(" ", "-")
    response = _problem(Problem(status, slug, error.name, error.description or error.name))
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response
