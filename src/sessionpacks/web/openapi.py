"""The OpenAPI 3.1 document of the JSON API, made from the same endpoint descriptions that
parse the requests, and from the core's own value classes for the responses."""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing
from collections.abc import Iterable
from typing import Any

import attrs

from sessionpacks.web.api.endpoints import Endpoint
from sessionpacks.web.api.fields import object_schema
from sessionpacks.web.problems import every_problem

PROBLEM_JSON = "application/problem+json"
# What any endpoint may answer besides its success, and what a write may answer besides.
EVERY_STATUS = (400, 401, 403, 404, 409, 422)
WRITE_STATUSES = (413, 415)
_REASONS = {
    400: "Unreadable request: malformed JSON or a missing Idempotency-Key",
    401: "Nobody is signed in",
    402: "Payment declined",
    403: "Not allowed for this identity",
    404: "Unknown id",
    409: "Not possible in the current state, or the Idempotency-Key was used for another request",
    413: "Body too large",
    415: "The body must be application/json",
    422: "A field is missing, unknown or has a bad value",
    502: "The sale failed after the charge",
    503: "Payments are not set up",
    504: "The payment's outcome is unknown",
}
# Problems the API itself answers with, beside the core's (see problems.every_problem).
API_PROBLEMS = (
    (400, "malformed-json", "Malformed JSON"),
    (400, "idempotency-key-required", "Idempotency-Key required"),
    (401, "unauthorized", "Unauthorized"),
    (403, "forbidden", "Forbidden"),
    (404, "not-found", "Not Found"),
    (405, "method-not-allowed", "Method Not Allowed"),
    (413, "request-entity-too-large", "Request Entity Too Large"),
    (415, "unsupported-media-type", "Unsupported Media Type"),
)


def all_problems() -> dict[str, tuple[int, str]]:
    """Every problem type slug with its status and title."""
    found = {slug: (status, title) for status, slug, title in API_PROBLEMS}
    found.update({slug: (status, title) for status, slug, title in every_problem()})
    return found


# The API answers as whoever the host site says is signed in: its session cookie, as a rule.
SIGN_IN = "hostSignIn"


def document(
    endpoints: Iterable[Endpoint], server: str, title: str, session_cookie: str
) -> dict[str, Any]:
    components: dict[str, Any] = {"Problem": _problem_schema()}
    paths: dict[str, Any] = {}
    for endpoint in endpoints:
        paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = _operation(
            endpoint, components
        )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{title}: sessionpacks API",
            "version": "1",
            "description": (
                "Prepaid credits (packs, passes, plans) and bookings. Sign in through the host"
                " site; every write takes a JSON body and an Idempotency-Key header, and a retry"
                " with the same key returns the first result. Errors are RFC 9457 problems."
            ),
        },
        "servers": [{"url": server}],
        "security": [{SIGN_IN: []}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                SIGN_IN: {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": session_cookie,
                    "description": (
                        "The host site's own sign-in: a request is made by whoever the site's"
                        " session says is signed in (staff, or a member for the member"
                        " endpoints). A host whose identity hook reads another credential, such"
                        " as a token, is answered the same way."
                    ),
                }
            },
        },
    }


def _operation(endpoint: Endpoint, components: dict[str, Any]) -> dict[str, Any]:
    parameters = [
        {"name": f.name, "in": "path", "required": True, "schema": f.schema(nullable=False)}
        for f in endpoint.path_fields
    ] + [
        {
            "name": f.name,
            "in": "query",
            "required": f.required,
            "schema": f.schema(nullable=False),
        }
        for f in endpoint.query
    ]
    if endpoint.writes:
        parameters.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": True,
                "description": "A fresh value per action; a retry sends it again unchanged.",
                "schema": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": r"\S"},
            }
        )
    success: dict[str, Any] = {"description": "Done" if endpoint.writes else "Found"}
    if endpoint.status != 204:
        schema = schema_of(endpoint.returns, components)
        success["content"] = {"application/json": {"schema": schema}}
    responses: dict[str, Any] = {str(endpoint.status): success}
    statuses = EVERY_STATUS + (WRITE_STATUSES if endpoint.writes else ()) + endpoint.extra_statuses
    for status in sorted(statuses):
        responses[str(status)] = {
            "description": _REASONS[status],
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    operation: dict[str, Any] = {
        "operationId": endpoint.name,
        "summary": endpoint.summary,
        "tags": [endpoint.tag],
        "responses": responses,
    }
    if parameters:
        operation["parameters"] = parameters
    if endpoint.writes:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": object_schema(endpoint.body)}},
        }
    return operation


def _problem_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "An RFC 9457 problem; type is a reference to its description.",
        "properties": {
            "type": {"type": "string", "format": "uri-reference"},
            "title": {"type": "string"},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": {"type": "string"},
            "instance": {"type": "string", "format": "uri-reference"},
            "errors": {
                "type": "array",
                "description": "Each bad field of the request, when there are any to name.",
                "items": {
                    "type": "object",
                    "properties": {"field": {"type": "string"}, "detail": {"type": "string"}},
                    "required": ["field", "detail"],
                },
            },
        },
        "required": ["type", "title", "status", "detail"],
    }


def schema_of(hint: Any, components: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema of what :func:`sessionpacks.codec.encode` makes of a value of ``hint``."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        inner = schema_of(options[0], components) if len(options) == 1 else {}
        if "enum" in inner:
            return {**inner, "type": [inner["type"], "null"], "enum": [*inner["enum"], None]}
        if "type" in inner:
            return {**inner, "type": [inner["type"], "null"]}
        return {"anyOf": [inner, {"type": "null"}]}
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return {"type": "array", "items": schema_of(args[0], components)}
        # A pair such as (channel, count): an array of exactly these items.
        return {
            "type": "array",
            "prefixItems": [schema_of(arg, components) for arg in args],
            "minItems": len(args),
            "maxItems": len(args),
        }
    if isinstance(hint, type) and attrs.has(hint):
        name = hint.__name__
        if name not in components:
            components[name] = {}  # a placeholder, in case a class refers to itself
            hints = typing.get_type_hints(hint)
            fields = attrs.fields(hint)
            components[name] = {
                "type": "object",
                "properties": {f.name: schema_of(hints[f.name], components) for f in fields},
                "required": [f.name for f in fields],
            }
        return {"$ref": f"#/components/schemas/{name}"}
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return {"type": "string", "enum": [member.value for member in hint]}
    if hint is dt.datetime:
        return {"type": "string", "format": "date-time"}
    if hint is bool:
        return {"type": "boolean"}
    if hint is int:
        return {"type": "integer"}
    if hint is str:
        return {"type": "string"}
    raise TypeError(f"no JSON Schema for {hint!r}")
