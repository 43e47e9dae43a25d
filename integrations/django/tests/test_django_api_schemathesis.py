"""Schemathesis over the OpenAPI document, against the gym site as a WSGI app: whatever it sends,
valid or not, signed in as an owner (a superuser), the API answers with no 5xx and as its
document says. The Flask integration's test_api_schemathesis does the same for Flask."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client, override_settings
from gymsite.gym.models import Athlete
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

from sessionpacks.demo import DemoPayments, seed
from sessionpacks.models import Account, Base, Member, Pass, Service, Template
from sessionpacks.testing import empty_tables
from sessionpacks_django.runtime import runtime

pytestmark = pytest.mark.django_db(transaction=True)

API = "/studio/api"
# A field's refusal as the web layer words it (sessionpacks.web.api.fields), unlike the core's
# refusals, which a request the document allows may still meet (an unknown id).
FIELD_REFUSAL = re.compile(r"^(the (field|query parameter|path parameter|body)|unknown query)")
# Examples per operation and mode: about a minute in all on SQLite.
EXAMPLES: dict[GenerationMode, int] = {
    # Called, not attributes: mypy (for Python 3.10) takes StrEnum members for plain str.
    GenerationMode("positive"): 15,
    GenerationMode("negative"): 8,
}


@schemathesis.check
def fields_take_what_the_document_allows(
    ctx: CheckContext, response: Response, case: Case[Any]
) -> bool | None:
    """A request the document allows is never refused for the form of its fields."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return None
    if response.status_code in (400, 422):
        detail = str(response.json().get("detail", ""))
        if FIELD_REFUSAL.match(detail):
            raise AssertionError(f"the document allows what the API refused: {detail}")
    return None


@schemathesis.check
def signed_in_as_the_owner(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """Every request carries the owner's session: one refused for who asks (401, 403) means the
    session was lost, and the other checks would only see refusals."""
    if response.status_code in (401, 403):
        raise AssertionError(f"refused the owner: {response.status_code} {response.text[:200]}")
    return None


CHECKS = [
    signed_in_as_the_owner,
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    fields_take_what_the_document_allows,
]


@pytest.fixture
def seeded() -> Iterator[tuple[int, int]]:
    """The demo studio on the site's database, emptied of other tests' rows first, and a payment
    provider that approves every charge; the lowest and highest id it holds (ids are not reset
    on every database, so they need not start at 1)."""
    here = runtime()
    empty_tables(here.engine)
    seed(here.engine, here.studio.clock.now())
    # The gym site names no payment provider, and a sale without one is a 503 by design.
    payments = here.studio.hooks.register(DemoPayments())
    ids: list[int] = []
    with here.engine.connect() as connection:
        for model in (Account, Member, Service, Template, Pass):
            table = Base.metadata.tables[model.__tablename__]
            ids.extend(connection.execute(table.select().with_only_columns(table.c.id)).scalars())
    yield min(ids), max(ids)
    here.studio.hooks.unregister(name=payments)
    empty_tables(here.engine)


def _near_the_seeded_ids(document: dict[str, Any], low: int, high: int) -> dict[str, Any]:
    """The same document with ids drawn from ``low`` to ``high``, so that generated requests find
    the seeded rows (and now and then miss them) instead of always answering 404."""

    def narrow(node: Any, name: str = "") -> None:
        if isinstance(node, dict):
            if name.endswith("_id") and node.get("type") in ("integer", ["integer", "null"]):
                node.update(minimum=low, maximum=high)
            for key, value in node.items():
                narrow(value, key)
            if node.get("in") == "path" and node.get("name", "").endswith("_id"):
                node["schema"].update(minimum=low, maximum=high)
        elif isinstance(node, list):
            for item in node:
                narrow(item, name)

    # Only what requests carry: the responses keep their real schemas.
    for operations in document["paths"].values():
        for operation in operations.values():
            narrow(operation.get("parameters", []))
            narrow(operation.get("requestBody", {}))
    return document


def test_the_api_keeps_to_its_document(seeded: tuple[int, int]) -> None:
    owner = Athlete.objects.create_superuser("schemathesis-owner")
    client = Client()
    client.force_login(owner)
    session = {"sessionid": client.cookies["sessionid"].value}
    answer = client.get(API + "/openapi.json")
    assert answer.status_code == 200
    document = json.loads(answer.content)
    # The sign-in is the host's: every request here carries the owner's session (and
    # signed_in_as_the_owner checks it is heard), so a case generated without the document's
    # session cookie would be sent with it all the same and "accepted". That a request without
    # it is refused is the shared HTTP suite's test (test_api_protocol).
    document.pop("security")
    app = WSGIHandler()
    for mode, examples in EXAMPLES.items():
        # Valid requests near the seeded rows; invalid ones against the real document (an id
        # outside the narrowed range is no invalid request).
        given_document = copy.deepcopy(document)
        if mode is GenerationMode.POSITIVE:
            given_document = _near_the_seeded_ids(given_document, *seeded)
        schema = schemathesis.openapi.from_dict(given_document)
        schema.app = app
        # Schemathesis's WSGI client asks for localhost, and sets the cookie for it.
        with override_settings(ALLOWED_HOSTS=["localhost"]):
            for found in schema.get_all_operations():
                assert isinstance(found, Ok), found
                _check(found.ok(), mode, examples, session)


def _check(operation: Any, mode: GenerationMode, examples: int, session: dict[str, str]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        # The gym site answers the host name Django's test client uses.
        case.call_and_validate(checks=CHECKS, cookies=session)

    try:
        check()
    except Unsatisfiable:
        # Nothing to send wrong: an operation with no parameters and no body.
        assert mode is GenerationMode.NEGATIVE, operation.label
