"""The API's bounds are the core's (sessionpacks.limits, read from the columns), its document
states them, and what the document allows the API takes: the mismatches of issue 14."""

from __future__ import annotations

from typing import Any

from api_support import API, problem, read, seed, write
from support import OWNER, Client, Who

from sessionpacks import Studio, limits
from sessionpacks.web.api.fields import JSON_SAFE


def _document(client: Client) -> dict[str, Any]:
    found = client.get(API + "/openapi.json").json
    assert isinstance(found, dict)
    return found


def _body(document: dict[str, Any], path: str) -> dict[str, Any]:
    schema = document["paths"][path]["post"]["requestBody"]["content"]["application/json"]
    properties: dict[str, Any] = schema["schema"]["properties"]
    return properties


def test_the_document_states_the_cores_limits(client: Client, who: Who) -> None:
    who.current = OWNER
    document = _document(client)
    clients = _body(document, "/clients")
    assert clients["ref"]["maxLength"] == limits.REF_LENGTH
    assert clients["name"]["maxLength"] == limits.NAME_LENGTH
    assert clients["email"]["maxLength"] == limits.EMAIL_LENGTH
    service = _body(document, "/services")
    assert service["name"]["maxLength"] == limits.SERVICE_NAME_LENGTH
    assert service["category"]["maxLength"] == limits.CATEGORY_LENGTH
    template = _body(document, "/templates")
    assert template["priority"]["minimum"] == limits.PRIORITY.minimum
    assert template["priority"]["maximum"] == limits.PRIORITY.maximum
    assert template["validity_days"]["maximum"] == limits.MAX_DAYS
    grant = _body(document, "/grants")
    assert grant["label"]["maxLength"] == limits.LABEL_LENGTH
    assert grant["reason"]["maxLength"] == limits.REASON_LENGTH
    # A quantity column holds 2**63 - 1; a JSON number past 2**53 loses digits in JavaScript.
    assert grant["quantity"]["maximum"] == min(limits.QUANTITY.maximum, JSON_SAFE)
    # The supported years, as a pattern on every moment.
    assert grant["starts_at"]["pattern"].startswith("^(19[7-9]")


def test_an_integer_written_as_596_point_0_is_an_integer(
    client: Client, studio: Studio, who: Who
) -> None:
    ids = seed(studio)
    who.current = OWNER
    body = {"account_id": ids.account, "quantity": 596.0, "reason": "gift"}
    made = write(client, "/grants", body)
    assert made.status_code == 201, made.text
    assert made.json is not None
    assert made.json["quantity"] == 596
    assert '"quantity":596' in made.text.replace(" ", "")
    problem(write(client, "/grants", {**body, "quantity": 596.5}), 422, "whole number")


def test_a_zero_adjustment_is_refused_as_the_document_says(
    client: Client, studio: Studio, who: Who
) -> None:
    ids = seed(studio)
    who.current = OWNER
    made = write(client, "/grants", {"account_id": ids.account, "quantity": 5, "reason": "gift"})
    assert made.json is not None
    pass_id = made.json["pass_id"]
    delta = _body(_document(client), "/passes/{pass_id}/adjust")["delta"]
    assert delta["not"] == {"const": 0}
    problem(write(client, f"/passes/{pass_id}/adjust", {"delta": 0, "reason": "r"}), 422, "0")
    one = write(client, f"/passes/{pass_id}/adjust", {"delta": 1, "reason": "r"})
    assert one.status_code == 200
    assert studio.pass_balance(pass_id).remaining == 6


def test_an_empty_query_parameter_is_refused_not_ignored(
    client: Client, studio: Studio, who: Who
) -> None:
    seed(studio)
    who.current = OWNER
    problem(read(client, "/payments", state=""), 422, "state", "empty")
    assert read(client, "/payments").status_code == 200
    # Text that may be blank stays so: an empty search lists everyone.
    assert read(client, "/accounts", q="").status_code == 200


def test_moments_outside_the_stated_years_are_refused(
    client: Client, studio: Studio, who: Who
) -> None:
    ids = seed(studio)
    who.current = OWNER
    body = {"account_id": ids.account, "quantity": 1, "reason": "gift"}
    for moment in ("1969-12-31T23:00:00+00:00", "3000-01-01T00:00:00+00:00"):
        problem(write(client, "/grants", {**body, "expires_at": moment}), 422, "years")
    late = "2999-12-31T23:00:00-05:00"  # in 3000 in UTC, in 2999 as written and stated
    assert write(client, "/grants", {**body, "expires_at": late}).status_code == 201


def test_moments_are_read_as_the_documents_date_time_on_every_python(
    client: Client, studio: Studio, who: Who
) -> None:
    """RFC 3339 as the document's format states it: a fraction of any length, t and z in lower
    case; Python 3.10's own reader takes only what isoformat writes."""
    ids = seed(studio)
    who.current = OWNER
    body = {"account_id": ids.account, "quantity": 1, "reason": "gift"}
    for n, moment in enumerate(
        ("2999-01-01T00:00:00.0Z", "2999-01-01t09:30:00.1234567+02:00", "2999-06-01T00:00:00z")
    ):
        made = write(client, "/grants", {**body, "expires_at": moment}, key=f"m-{n}")
        assert made.status_code == 201, made.json
    for moment in ("2999-01-01", "2999-01-01T00:00:00", "2999-01-01T00:00+00:00"):
        problem(write(client, "/grants", {**body, "expires_at": moment}), 422, "offset")


def test_a_field_that_takes_null_is_documented_so(client: Client, who: Who) -> None:
    # What schemathesis found: a text field's "no NUL" rule also refused null, where the API
    # (rightly) takes null as the field left out.
    from jsonschema import Draft202012Validator

    who.current = OWNER
    checked = 0
    for path, operations in _document(client)["paths"].items():
        for method, operation in operations.items():
            if "requestBody" not in operation:
                continue
            body = operation["requestBody"]["content"]["application/json"]["schema"]
            for name, schema in body["properties"].items():
                kinds = schema.get("type")
                if isinstance(kinds, list) and "null" in kinds:
                    validator = Draft202012Validator(schema)
                    assert validator.is_valid(None), (method, path, name)
                    if "string" in kinds:
                        assert not validator.is_valid("a\x00b"), (method, path, name)
                    checked += 1
    assert checked > 50
