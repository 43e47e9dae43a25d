"""The API's reference page: the OpenAPI document read back as tables a person can follow,
drawn on the server, so it needs no script and the Content-Security-Policy holds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

# The largest integer the document states when a field has no tighter bound (2**53 - 1).
_ANY_SIZE = 9007199254740991


@attrs.frozen
class Row:
    """One parameter, body field or property: its name, what it takes and what it is for."""

    name: str
    where: str
    takes: str
    required: bool
    about: str


@attrs.frozen
class Operation:
    method: str
    path: str
    anchor: str
    summary: str
    parameters: tuple[Row, ...]
    body: tuple[Row, ...]
    success: str
    answers: str
    errors: tuple[str, ...]


@attrs.frozen
class Schema:
    name: str
    rows: tuple[Row, ...]


def operations(document: Mapping[str, Any]) -> list[tuple[str, list[Operation]]]:
    """Every operation of the document, grouped by tag in the order the document lists them."""
    groups: dict[str, list[Operation]] = {}
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            groups.setdefault(operation["tags"][0], []).append(_operation(path, method, operation))
    return list(groups.items())


def schemas(document: Mapping[str, Any]) -> list[Schema]:
    """The document's named schemas (what the endpoints answer with), with their properties."""
    found = []
    for name, schema in document["components"]["schemas"].items():
        required = set(schema.get("required", ()))
        rows = tuple(
            Row(field, "", takes(value), field in required, value.get("description", ""))
            for field, value in schema.get("properties", {}).items()
        )
        found.append(Schema(name, rows))
    return found


def _operation(path: str, method: str, operation: Mapping[str, Any]) -> Operation:
    parameters = tuple(
        Row(
            found["name"],
            found["in"],
            takes(found["schema"]),
            found.get("required", False),
            found.get("description") or found["schema"].get("description", ""),
        )
        for found in operation.get("parameters", ())
    )
    body: tuple[Row, ...] = ()
    if "requestBody" in operation:
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        required = set(schema.get("required", ()))
        body = tuple(
            Row(name, "body", takes(value), name in required, value.get("description", ""))
            for name, value in schema["properties"].items()
        )
    statuses = sorted(operation["responses"])
    success = next(status for status in statuses if status.startswith("2"))
    content = operation["responses"][success].get("content", {})
    answers = takes(content["application/json"]["schema"]) if content else "nothing"
    return Operation(
        method.upper(),
        path,
        operation["operationId"],
        operation["summary"],
        parameters,
        body,
        success,
        answers,
        tuple(status for status in statuses if status != success),
    )


def takes(schema: Mapping[str, Any]) -> str:
    """What a schema takes, in words: "whole number from 1 to 500", "list of ServiceInfo"."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "enum" in schema:
        words = "one of " + ", ".join(str(value) for value in schema["enum"] if value is not None)
    elif "anyOf" in schema or "oneOf" in schema:
        words = " or ".join(takes(option) for option in schema.get("anyOf", schema.get("oneOf")))
    else:
        kinds = schema.get("type", "object")
        kinds = [kinds] if isinstance(kinds, str) else [kind for kind in kinds if kind != "null"]
        words = " or ".join(_kind(kind, schema) for kind in kinds)
    default = schema.get("default")
    if default not in (None, ""):
        words += f" (default {str(default).lower() if isinstance(default, bool) else default})"
    return words


def _kind(kind: str, schema: Mapping[str, Any]) -> str:
    if kind == "array":
        if "prefixItems" in schema:
            return "list of " + ", ".join(takes(item) for item in schema["prefixItems"])
        return "list of " + takes(schema.get("items", {}))
    if kind == "integer":
        low, high = schema.get("minimum"), schema.get("maximum")
        if low is not None and high is not None and high < _ANY_SIZE:
            return f"whole number from {low} to {high}"
        return "whole number" + (f" from {low}" if low is not None else "")
    if kind == "number":
        return "number"
    if kind == "boolean":
        return "true or false"
    if kind == "string":
        if schema.get("format") == "date-time":
            return "date and time with its offset"
        if schema.get("format") == "date":
            return "date"
        longest = schema.get("maxLength")
        return "text" + (f" of at most {longest} characters" if longest else "")
    return "object"
