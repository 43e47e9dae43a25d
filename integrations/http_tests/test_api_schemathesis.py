"""Schemathesis over the OpenAPI document, against the host app of either framework (its WSGI
application): whatever it sends, valid or not, signed in as an owner, the API answers with no 5xx
and as its document says. Hypothesis runs derandomized, so a run sends what the last one sent."""

from __future__ import annotations

import copy
import re
from typing import Any

import schemathesis
from api_support import API, seed
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
from support import OWNER, Client, Who

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


@schemathesis.check
def signed_in_as_the_owner(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """Every request is the owner's: a 401 means the host did not hear who asks, and the run
    would pass on refusals alone."""
    if response.status_code == 401:
        raise AssertionError("the request reached the API as nobody's")
    return None


CHECKS = [
    signed_in_as_the_owner,
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


def test_the_api_keeps_to_its_document(host: Any, client: Client, studio: Studio, who: Who) -> None:
    seed(studio)
    who.current = OWNER
    document = client.get(API + "/openapi.json").json
    assert isinstance(document, dict)
    # Here every request is made by the owner, whatever cookie it carries, so a case generated
    # without the document's session cookie would be "accepted". That a request nobody signed
    # in sends is refused is the shared HTTP suite's test (test_api_protocol).
    document.pop("security")
    for mode, examples in EXAMPLES.items():
        # Valid requests near the seeded rows; invalid ones against the real document (an id
        # above the narrowed 4 is no invalid request).
        given_document = copy.deepcopy(document)
        if mode is GenerationMode.POSITIVE:
            given_document = _near_the_seeded_ids(given_document)
        schema = schemathesis.openapi.from_dict(given_document)
        schema.app = host.app
        for found in schema.get_all_operations():
            assert isinstance(found, Ok), found
            _check(found.ok(), mode, examples)


def _check(operation: Any, mode: GenerationMode, examples: int) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        case.call_and_validate(checks=CHECKS)

    try:
        check()
    except Unsatisfiable:
        # Nothing to send wrong: an operation with no parameters and no body.
        assert mode is GenerationMode.NEGATIVE, operation.label
