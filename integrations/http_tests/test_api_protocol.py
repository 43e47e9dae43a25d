"""What every API request goes through: who asks, JSON only, the Idempotency-Key, problems,
and the OpenAPI document."""

from __future__ import annotations

from typing import Any

import pytest
from api_support import API, problem, read, seed, write
from openapi_spec_validator import validate
from support import FRONT_DESK, OWNER, Client, InlineFinder, Who

from sessionpacks import Studio
from sessionpacks.web import Identity


def test_nobody_signed_in_gets_401_on_reads_and_writes(client: Client, studio: Studio) -> None:
    problem(read(client, "/accounts"), 401, "signed in")
    problem(write(client, "/accounts", {"ref": "a", "name": "Ana"}), 401)
    assert studio.find_accounts() == ()


def test_a_member_is_refused_staff_endpoints(client: Client, studio: Studio, who: Who) -> None:
    ids = seed(studio)
    who.current = Identity.member(ids.member, "member")
    problem(read(client, "/accounts"), 403, "staff")
    problem(write(client, "/accounts", {"ref": "x", "name": "X"}), 403)
    problem(read(client, "/tasks"), 403)
    assert len(studio.find_accounts()) == 2


def test_a_write_must_be_json(client: Client, studio: Studio, who: Who) -> None:
    who.current = OWNER
    response = client.post(
        API + "/accounts", data={"ref": "a", "name": "Ana"}, headers={"Idempotency-Key": "k"}
    )
    # A cross-site form can only send form encodings: refused, so no CSRF token is needed.
    problem(response, 415, "application/json")
    assert studio.find_accounts() == ()


def test_a_write_needs_an_idempotency_key(client: Client, studio: Studio, who: Who) -> None:
    who.current = OWNER
    response = client.post(API + "/accounts", json={"ref": "a", "name": "Ana"})
    body = problem(response, 400, "Idempotency-Key")
    assert body["type"] == API + "/problems/idempotency-key-required"
    problem(write(client, "/accounts", {"ref": "a", "name": "A"}, key="k" * 101), 400, "longer")
    assert studio.find_accounts() == ()


def test_a_retry_with_the_same_key_returns_the_first_result(
    client: Client, studio: Studio, who: Who
) -> None:
    who.current = OWNER
    first = write(client, "/accounts", {"ref": "a-1", "name": "Ana"}, key="same")
    again = write(client, "/accounts", {"ref": "a-1", "name": "Ana"}, key="same")
    assert first.status_code == again.status_code == 201
    assert first.json == again.json
    assert len(studio.find_accounts()) == 1
    # The same key for another request is a conflict, not a silent replay.
    problem(write(client, "/accounts", {"ref": "b", "name": "Bo"}, key="same"), 409)


def test_keys_are_per_identity(client: Client, studio: Studio, who: Who) -> None:
    who.current = OWNER
    write(client, "/accounts", {"ref": "a-1", "name": "Ana"}, key="k")
    who.current = Identity.staff("owner-2", "owner")
    response = write(client, "/accounts", {"ref": "a-2", "name": "Ana"}, key="k")
    assert response.status_code == 201, response.text
    assert len(studio.find_accounts()) == 2


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ("{not json", 400, ["not valid JSON"]),
        ("[1, 2]", 422, ["JSON object"]),
        ("null", 422, ["JSON object"]),
        ('{"ref": "a"}', 422, ["'name'", "required"]),
        ('{"ref": "a", "name": "A", "extra": 1}', 422, ["unknown", "'extra'"]),
        ('{"ref": 5, "name": "A"}', 422, ["'ref'", "text"]),
        ('{"ref": "", "name": "A"}', 422, ["'ref'", "empty"]),
        ('{"ref": "a", "name": "' + "n" * 300 + '"}', 422, ["'name'", "longer"]),
        ('{"ref": "a", "name": NaN}', 400, ["JSON"]),
        ('{"ref": "a", "name": "' + "9" * 5000 + '"}', 422, ["'name'"]),
        ('{"ref": "a", "name": ' + "9" * 5000 + "}", 400, ["JSON"]),
    ],
)
def test_bad_bodies_are_problems_naming_the_field(
    client: Client, studio: Studio, who: Who, body: str, status: int, words: list[str]
) -> None:
    who.current = OWNER
    response = client.post(
        API + "/accounts",
        data=body,
        content_type="application/json",
        headers={"Idempotency-Key": "k"},
    )
    problem(response, status, *words)
    assert studio.find_accounts() == ()


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("quantity", 2**70, ["'quantity'", "between"]),
        ("quantity", "5", ["'quantity'", "whole number"]),
        ("quantity", True, ["'quantity'", "whole number"]),
        ("quantity", 1.5, ["'quantity'", "whole number"]),
        ("account_id", -1, ["'account_id'", "between"]),
        ("metric", "hours", ["'metric'", "one of"]),
        ("expires_at", "tomorrow", ["'expires_at'", "date and time"]),
        ("expires_at", "2026-03-31T18:00:00", ["'expires_at'", "offset"]),
        ("expires_at", "0001-01-01T00:00:00+01:00", ["'expires_at'"]),
        ("expires_at", "3500-01-01T00:00:00+00:00", ["'expires_at'", "years"]),
        ("expires_at", "9999-12-31T23:59:59-12:00", ["'expires_at'"]),
        ("services", {"a": 1}, ["'services'", "list"]),
        ("services", ["x"], ["services'[0]", "whole number"]),
        ("currency", "eur", ["'currency'"]),
    ],
)
def test_bad_values_are_problems_naming_the_field(
    client: Client, studio: Studio, who: Who, field: str, value: Any, words: list[str]
) -> None:
    ids = seed(studio)
    who.current = OWNER
    body: dict[str, Any] = {"account_id": ids.account, "quantity": 5, "reason": "gift"}
    body[field] = value
    problem(write(client, "/grants", body), 422, *words)
    assert studio.passes(ids.account) == ()


def test_every_bad_field_is_reported_at_once(client: Client, studio: Studio, who: Who) -> None:
    ids = seed(studio)
    who.current = OWNER
    body = {
        "account_id": ids.account,
        "quantity": "five",
        "metric": "hours",
        "expires_at": "tomorrow",
        "colour": "red",
        "shade": 2,
    }
    found = problem(write(client, "/grants", body), 422, "'quantity'", "'metric'", "'reason'")
    errors = {error["field"]: error["detail"] for error in found["errors"]}
    assert set(errors) == {"colour", "shade", "quantity", "metric", "expires_at", "reason"}
    assert "unknown fields 'colour', 'shade'" in errors["colour"] == errors["shade"]
    assert "whole number" in errors["quantity"]
    assert "one of" in errors["metric"]
    assert "date and time" in errors["expires_at"]
    assert "required" in errors["reason"]
    # The unknown fields are said once in the detail, though two fields carry the sentence.
    assert found["detail"].count("unknown fields") == 1
    assert studio.passes(ids.account) == ()

    found = problem(read(client, "/accounts", limit="lots", bogus="1"), 422, "'limit'", "'bogus'")
    assert {error["field"] for error in found["errors"]} == {"limit", "bogus"}


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/accounts/abc", ["'account_id'", "whole number"]),
        ("/accounts/99999999999999999999999", ["'account_id'"]),
        ("/accounts/0", ["'account_id'", "between"]),
        ("/accounts/-3", ["'account_id'"]),
        # Digits that int() does not read: a 422 naming the field, never a 500.
        ("/accounts/²", ["'account_id'", "whole number"]),
        ("/accounts/--5", ["'account_id'", "whole number"]),
    ],
)
def test_bad_path_values_are_problems(
    client: Client, studio: Studio, who: Who, path: str, words: list[str]
) -> None:
    who.current = OWNER
    problem(read(client, path), 422, *words)


def test_bad_query_values_are_problems(client: Client, studio: Studio, who: Who) -> None:
    who.current = OWNER
    problem(read(client, "/accounts", limit="lots"), 422, "'limit'")
    problem(read(client, "/accounts", bogus="1"), 422, "'bogus'")
    problem(read(client, "/templates", include_archived="maybe"), 422, "'include_archived'")
    problem(read(client, "/occurrences", start="2026-03-02T00:00:00Z"), 422, "'end'")


def test_unknown_ids_unknown_paths_and_methods_are_problems(
    client: Client, studio: Studio, who: Who
) -> None:
    who.current = OWNER
    problem(read(client, "/accounts/4242"), 404, "4242")
    problem(read(client, "/no/such/thing"), 404, "no API endpoint")
    response = client.put(API + "/accounts")
    problem(response, 405)
    assert response.headers["Allow"] == "GET, POST"


def test_a_core_refusal_is_a_403_problem_and_writes_nothing(
    client: Client, studio: Studio, who: Who
) -> None:
    ids = seed(studio)
    who.current = FRONT_DESK
    body = {"pass_id": 1, "delta": 1, "reason": "x"}
    granted = write(client, "/grants", {"account_id": ids.account, "quantity": 3, "reason": "x"})
    assert granted.status_code == 201
    del body["pass_id"]
    pass_id = granted.json["pass_id"]  # type: ignore[index]
    problem(write(client, f"/passes/{pass_id}/adjust", body), 403, "may not adjust")
    assert studio.pass_balance(pass_id).remaining == 3


def test_problem_types_are_described(client: Client, who: Who) -> None:
    for slug in ("not-found", "insufficient-credit", "malformed-json", "unsupported-media-type"):
        response = client.get(f"{API}/problems/{slug}")
        assert response.status_code == 200
        assert slug in response.text
    problem(client.get(f"{API}/problems/nonsense"), 404, "nonsense")


def test_the_openapi_document_is_valid_and_describes_every_endpoint(client: Client) -> None:
    from sessionpacks.web.api import ENDPOINTS

    document = client.get(API + "/openapi.json").json
    assert document is not None
    validate(document)
    assert document["openapi"].startswith("3.1")
    assert document["servers"] == [{"url": API}]
    for endpoint in ENDPOINTS:
        operation = document["paths"][endpoint.path][endpoint.method.lower()]
        assert operation["operationId"] == endpoint.name
        assert "422" in operation["responses"]
        if endpoint.writes:
            schema = operation["requestBody"]["content"]["application/json"]["schema"]
            assert schema["additionalProperties"] is False
            assert {f.name for f in endpoint.body} == set(schema["properties"])
            assert "415" in operation["responses"]
    grant = document["paths"]["/grants"]["post"]["requestBody"]["content"]["application/json"]
    assert set(grant["schema"]["required"]) == {"account_id", "quantity", "reason"}
    # Left out or null, the default: null is one of the values the field takes.
    assert grant["schema"]["properties"]["metric"]["enum"] == ["sessions", "minutes", "money", None]
    assert grant["schema"]["properties"]["expires_at"]["format"] == "date-time"


def test_the_document_says_how_a_request_is_signed_in(client: Client, host: Any) -> None:
    document = client.get(API + "/openapi.json").json
    assert document is not None
    scheme = document["components"]["securitySchemes"]["hostSignIn"]
    # The host's own session cookie, by the name its framework gives it.
    assert (scheme["type"], scheme["in"], scheme["name"]) == (
        "apiKey",
        "cookie",
        host.session_cookie,
    )
    assert document["security"] == [{"hostSignIn": []}]
    problems = document["components"]["schemas"]["Problem"]["properties"]
    assert problems["errors"]["items"]["required"] == ["field", "detail"]


def test_the_reference_page_describes_every_operation_without_a_script(client: Client) -> None:
    from sessionpacks.web.api import ENDPOINTS

    response = client.get(API + "/docs")
    assert response.status_code == 200, response.text
    page = response.text
    for endpoint in ENDPOINTS:
        assert f'id="{endpoint.name}"' in page
        assert f"<code>{endpoint.method} {endpoint.path}</code>" in page
    # A grant's body in words, its answer linked to the schema that describes it.
    assert "<code>quantity</code></td><td>whole number from 1" in page
    assert "one of sessions, minutes, money (default sessions)" in page
    assert 'href="#schema-GrantResult"' in page
    assert 'id="schema-GrantResult"' in page
    # Drawn on the server: the strict Content-Security-Policy needs nothing relaxed for it.
    finder = InlineFinder()
    finder.feed(page)
    assert finder.blocked == []
    assert "<script" not in page
    assert f'href="{API}/openapi.json"' in page
