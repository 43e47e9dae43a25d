"""Schemathesis over the OpenAPI document, against the app: whatever it sends, valid or not,
signed in as an owner, the API answers with no 5xx and as its document says."""

from __future__ import annotations

import copy
import re
from typing import Any

import schemathesis
from api_support import API, seed
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode, Response
from schemathesis.checks import (
    CheckContext,
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.result import Ok

from conftest import OWNER, Who
from sessionpacks import Studio

# A field's refusal, as the web layer words it (sessionpacks.web.api.fields), unlike the
# core's refusals, which a request the document allows may still meet (an unknown id, a money
# pack without its currency).
FIELD_REFUSAL = re.compile(r"^(the (field|query parameter|path parameter|body)|unknown query)")


@schemathesis.check
def fields_take_what_the_document_allows(
    ctx: CheckContext, response: Response, case: Case[Any]
) -> bool | None:
    """A request the document allows is never refused for the form of its fields: the API
    reads exactly what its document states (the issue's 596.0, the zero adjustment)."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return None
    if response.status_code in (400, 422):
        detail = str(response.json().get("detail", ""))
        if FIELD_REFUSAL.match(detail):
            raise AssertionError(f"the document allows what the API refused: {detail}")
    return None


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    # What the document refuses the API refuses too (``?state=`` empty, a year it does not
    # state), and what it allows the API's fields take.
    negative_data_rejection,
    fields_take_what_the_document_allows,
]
# Examples per operation and mode: about a minute in all on SQLite.
EXAMPLES: dict[GenerationMode, int] = {
    # Called, not attributes: mypy (for Python 3.10) takes StrEnum members for plain str.
    GenerationMode("positive"): 15,
    GenerationMode("negative"): 8,
}


def _near_the_seeded_ids(document: dict[str, Any]) -> dict[str, Any]:
    """The same document with ids drawn from 1 to 4, so that generated requests find the seeded
    rows (and now and then miss them) instead of always answering 404."""

    def narrow(node: Any, name: str = "") -> None:
        if isinstance(node, dict):
            if name.endswith("_id") and node.get("type") in ("integer", ["integer", "null"]):
                node["maximum"] = 4
            for key, value in node.items():
                narrow(value, key)
            if node.get("in") == "path" and node.get("name", "").endswith("_id"):
                node["schema"]["maximum"] = 4
        elif isinstance(node, list):
            for item in node:
                narrow(item, name)

    # Only what requests carry: the responses keep their real schemas.
    for operations in document["paths"].values():
        for operation in operations.values():
            narrow(operation.get("parameters", []))
            narrow(operation.get("requestBody", {}))
    return document


def test_the_api_keeps_to_its_document(app: Flask, studio: Studio, who: Who) -> None:
    seed(studio)
    who.current = OWNER
    document = app.test_client().get(API + "/openapi.json").json
    assert isinstance(document, dict)
    # Who asks comes from the test's identity loader, not the session cookie the document
    # requires, so a case generated without the cookie would be answered as the owner all the
    # same and taken for a schema-violating request accepted. That a request without it is
    # refused is the shared HTTP suite's test (test_api_protocol).
    document.pop("security")
    for mode, examples in EXAMPLES.items():
        # Valid requests near the seeded rows; invalid ones against the real document (an id
        # above the narrowed 4 is no invalid request).
        given_document = copy.deepcopy(document)
        if mode is GenerationMode.POSITIVE:
            given_document = _near_the_seeded_ids(given_document)
        schema = schemathesis.openapi.from_dict(given_document)
        schema.app = app
        for found in schema.get_all_operations():
            assert isinstance(found, Ok), found
            _check(found.ok(), mode, examples)


def _check(operation: Any, mode: GenerationMode, examples: int) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        case.call_and_validate(checks=CHECKS)

    try:
        check()
    except Unsatisfiable:
        # Nothing to send wrong: an operation with no parameters and no body.
        assert mode is GenerationMode.NEGATIVE, operation.label
