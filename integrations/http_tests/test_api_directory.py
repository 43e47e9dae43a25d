"""Accounts, members, services and templates over the API."""

from __future__ import annotations

import json

from api_support import API, problem, read, seed, write
from support import FRONT_DESK, OWNER, Client, Who

from sessionpacks import Studio, validation
from sessionpacks.web import Identity


def test_create_get_and_find_accounts(client: Client, studio: Studio, who: Who) -> None:
    who.current = OWNER
    made = write(client, "/accounts", {"ref": "crm-7", "name": "Noor Haddad"})
    assert made.status_code == 201, made.text
    assert made.json is not None
    account = studio.account_by_ref("crm-7")
    assert made.json == {"id": account.id, "ref": "crm-7", "name": "Noor Haddad"}
    assert read(client, f"/accounts/{account.id}").json == made.json
    write(client, "/accounts", {"ref": "crm-8", "name": "Bo Berg"})
    found = read(client, "/accounts", q="noor").json
    assert [a["ref"] for a in found] == ["crm-7"]  # type: ignore[union-attr]
    assert len(read(client, "/accounts", limit=1).json) == 1  # type: ignore[arg-type]


def test_a_duplicate_account_ref_is_a_problem(client: Client, studio: Studio, who: Who) -> None:
    who.current = OWNER
    write(client, "/accounts", {"ref": "crm-7", "name": "Noor"})
    problem(write(client, "/accounts", {"ref": "crm-7", "name": "Other"}), 422, "crm-7")
    assert len(studio.find_accounts()) == 1


def test_create_and_get_members(client: Client, studio: Studio, who: Who) -> None:
    ids = seed(studio)
    who.current = FRONT_DESK
    made = write(
        client,
        f"/accounts/{ids.account}/members",
        {"name": "Mateo García", "ref": "K-9", "email": "mateo@example.org"},
    )
    assert made.status_code == 201, made.text
    member = studio.member_by_ref("K-9")
    assert (member.account_id, member.email) == (ids.account, "mateo@example.org")
    assert read(client, f"/members/{member.id}").json == made.json
    listed = read(client, f"/accounts/{ids.account}/members").json
    assert {m["id"] for m in listed} == {ids.member, member.id}  # type: ignore[union-attr]
    problem(write(client, "/accounts/999/members", {"name": "Nobody"}), 404)
    assert read(client, "/members", ref="K-9").json == made.json
    problem(read(client, "/members", ref="K-404"), 404, "K-404")
    problem(read(client, "/members"), 422, "ref")


def test_create_and_list_services(client: Client, studio: Studio, who: Who) -> None:
    who.current = OWNER
    made = write(
        client,
        "/services",
        {
            "name": "Reformer",
            "category": "pilates",
            "duration_minutes": 50,
            "price_minor": 2500,
            "currency": "EUR",
        },
    )
    assert made.status_code == 201, made.text
    (service,) = studio.services()
    assert (service.name, service.price_minor, service.currency) == ("Reformer", 2500, "EUR")
    assert read(client, "/services").json == [made.json]
    # The core's own rule: a price needs its currency.
    problem(
        write(
            client,
            "/services",
            {"name": "X", "category": "c", "duration_minutes": 5, "price_minor": 100},
        ),
        422,
        "currency",
    )


def test_create_list_and_archive_templates(client: Client, studio: Studio, who: Who) -> None:
    ids = seed(studio)
    who.current = OWNER
    made = write(
        client,
        "/templates",
        {
            "name": "5 PT sessions",
            "quantity": 5,
            "price_minor": 30000,
            "currency": "EUR",
            "validity_days": 90,
            "services": [ids.service],
            "scope": "member",
        },
    )
    assert made.status_code == 201, made.text
    assert made.json is not None
    template = studio.template(made.json["id"])
    assert (template.quantity, template.validity_days, template.services) == (5, 90, (ids.service,))
    assert template.scope.value == "member"
    names = {t["name"] for t in read(client, "/templates").json}  # type: ignore[union-attr]
    assert names == {"10 classes", "5 PT sessions"}
    archived = write(client, f"/templates/{template.id}/archive")
    assert archived.status_code == 200, archived.text
    assert studio.template(template.id).archived_at is not None
    assert [t["name"] for t in read(client, "/templates").json] == ["10 classes"]  # type: ignore[union-attr]
    everything = read(client, "/templates", include_archived="true").json
    assert len(everything) == 2  # type: ignore[arg-type]
    problem(write(client, f"/templates/{template.id}/archive"), 409, "archived")


def test_setup_writes_replay_under_their_key(client: Client, studio: Studio, who: Who) -> None:
    ids = seed(studio)
    who.current = OWNER
    body = {"service_id": ids.service, "starts_at": "2026-03-03T18:00:00+01:00"}
    first = write(client, "/occurrences", body, key="occ-1")
    again = write(client, "/occurrences", body, key="occ-1")
    assert first.json == again.json
    start = "2026-03-01T00:00:00Z"
    assert len(read(client, "/occurrences", start=start, end="2026-03-09T00:00:00Z").json) == 1  # type: ignore[arg-type]
    template = write(client, "/templates", {"name": "T", "quantity": 1}, key="t-1")
    assert (
        write(client, "/templates", {"name": "T", "quantity": 1}, key="t-1").json == template.json
    )
    assert len(studio.templates()) == 2


def test_setup_writes_are_for_staff(client: Client, studio: Studio, who: Who) -> None:
    ids = seed(studio)
    who.current = Identity.member(ids.member, "member")
    problem(write(client, f"/accounts/{ids.account}/members", {"name": "Sneaky"}), 403)
    problem(write(client, "/services", {"name": "S", "category": "c", "duration_minutes": 5}), 403)
    problem(write(client, "/templates", {"name": "Free", "quantity": 99}), 403)
    problem(write(client, f"/templates/{ids.template}/archive"), 403)
    assert len(studio.members(ids.account)) == 1
    assert len(studio.templates()) == 1
    assert studio.template(ids.template).archived_at is None


def test_a_member_reads_their_own_account_only(client: Client, studio: Studio, who: Who) -> None:
    ids = seed(studio)
    who.current = Identity.member(ids.member, "member")
    account = read(client, f"/accounts/{ids.account}")
    assert account.status_code == 200
    assert account.json["id"] == ids.account  # type: ignore[index]
    member = read(client, f"/members/{ids.member}")
    assert member.status_code == 200
    assert member.json["id"] == ids.member  # type: ignore[index]
    members = read(client, f"/accounts/{ids.account}/members")
    assert members.status_code == 200
    assert [found["id"] for found in members.json] == [ids.member]  # type: ignore[union-attr]
    assert read(client, "/services").status_code == 200
    assert read(client, "/templates").status_code == 200
    problem(read(client, f"/accounts/{ids.other_account}"), 403, "own account")
    problem(read(client, f"/members/{ids.other_member}"), 403)
    problem(read(client, f"/accounts/{ids.other_account}/members"), 403)


def test_booking_policy_get_and_set(client: Client, studio: Studio, who: Who) -> None:
    ids = seed(studio)
    who.current = OWNER
    path = f"/services/{ids.service}/booking-policy"
    assert read(client, path).json["credit_taken"] == "at_booking"  # type: ignore[index]
    changed = write(client, path, {"credit_taken": "at_attendance", "cancel_cutoff_minutes": 720})
    assert changed.status_code == 200, changed.text
    policy = studio.booking_policy(ids.service)
    assert (policy.credit_taken.value, policy.cancel_cutoff_minutes) == ("at_attendance", 720)
    # What is not given stays as it was.
    write(client, path, {"no_show_forfeits": False})
    policy = studio.booking_policy(ids.service)
    assert (policy.cancel_cutoff_minutes, policy.no_show_forfeits) == (720, False)
    problem(write(client, path, {"credit_taken": "never"}), 422, "'credit_taken'")
    who.current = FRONT_DESK
    problem(write(client, path, {"cancel_cutoff_minutes": 0}), 403)
    assert studio.booking_policy(ids.service).cancel_cutoff_minutes == 720


def test_member_email(client: Client, studio: Studio, who: Who) -> None:
    ids = seed(studio)
    who.current = OWNER
    path = f"/members/{ids.member}/email"
    assert write(client, path, {"email": "new@example.org"}, key="e-1").status_code == 200
    assert studio.member(ids.member).email == "new@example.org"
    problem(write(client, path, {"email": "other@example.org"}, key="e-1"), 409)
    assert studio.member(ids.member).email == "new@example.org"
    assert write(client, path, {"email": None}).status_code == 200
    assert studio.member(ids.member).email is None
    problem(write(client, path, {"email": "not an address"}), 422)
    who.current = Identity.member(ids.member, "member")
    problem(write(client, path, {"email": "me@example.org"}), 403)
    assert studio.member(ids.member).email is None


def test_default_pass_for_a_members_own_account_only(
    client: Client, studio: Studio, who: Who
) -> None:
    ids = seed(studio)
    who.current = OWNER
    mine = write(client, "/grants", {"account_id": ids.account, "quantity": 2, "reason": "x"})
    pass_id = mine.json["pass_id"]  # type: ignore[index]
    # A member whose role the policy allows everything: their own account is still the limit.
    who.current = Identity.member(ids.member, "owner")
    response = write(client, f"/members/{ids.member}/default-pass", {"pass_id": pass_id})
    assert response.status_code == 204, response.text
    assert studio.member(ids.member).default_pass_id == pass_id
    problem(write(client, f"/members/{ids.other_member}/default-pass", {"pass_id": pass_id}), 403)
    assert studio.member(ids.other_member).default_pass_id is None
    write(client, f"/members/{ids.member}/default-pass", {"pass_id": None})
    assert studio.member(ids.member).default_pass_id is None


def test_setting_the_studio_up_asks_the_policy(client: Client, studio: Studio, who: Who) -> None:
    ids = seed(studio)
    # The front desk adds clients, but the policy lets it manage no products and no schedule.
    who.current = FRONT_DESK
    assert write(client, "/accounts", {"ref": "walk-in", "name": "Walk In"}).status_code == 201
    assert studio.account_by_ref("walk-in").name == "Walk In"
    refused = [
        ("/services", {"name": "S", "category": "c", "duration_minutes": 5}),
        ("/templates", {"name": "Free", "quantity": 99}),
        (f"/templates/{ids.template}/archive", {}),
        ("/occurrences", {"service_id": ids.service, "starts_at": "2026-03-03T18:00:00Z"}),
    ]
    for path, body in refused:
        problem(write(client, path, body), 403, "may not manage_")
    assert len(studio.services()) == 1
    assert len(studio.templates()) == 1
    assert studio.template(ids.template).archived_at is None


def test_a_client_and_its_first_member_in_one_request(
    client: Client, studio: Studio, who: Who
) -> None:
    seed(studio)
    who.current = FRONT_DESK
    body = {"ref": "crm-9", "name": "The Ruiz family", "member_name": "Eva", "member_ref": "K-77"}
    made = write(client, "/clients", body, key="c-1")
    assert made.status_code == 201, made.text
    account = studio.account_by_ref("crm-9")
    assert made.json["account"]["id"] == account.id  # type: ignore[index]
    assert [m.name for m in studio.members(account.id)] == ["Eva"]
    assert write(client, "/clients", body, key="c-1").json == made.json
    # The member code is taken: neither the account nor the member is added.
    problem(write(client, "/clients", {**body, "ref": "crm-10"}), 422, "K-77")
    assert [a.ref for a in studio.find_accounts("crm-10")] == []
    who.current = Identity.member(studio.member_by_ref("K-77").id, "member")
    problem(write(client, "/clients", {"ref": "crm-11", "name": "Sneaky"}), 403)
    assert studio.find_accounts("crm-11") == ()


def test_template_validity_limits_are_the_cores(client: Client, studio: Studio, who: Who) -> None:
    seed(studio)
    who.current = OWNER
    schema = client.get(API + "/openapi.json").json
    assert schema is not None
    found = json.dumps(schema)
    assert f'"maximum": {validation.MAX_DAYS}' in found
    assert f'"maximum": {validation.MAX_MONTHS}' in found
    longest = {"name": "Century", "quantity": 1, "validity_days": validation.MAX_DAYS}
    assert write(client, "/templates", longest).status_code == 201
    problem(
        write(client, "/templates", {**longest, "validity_days": validation.MAX_DAYS + 1}),
        422,
        "validity_days",
    )
    assert {t.name for t in studio.templates()} == {"10 classes", "Century"}


def test_member_linked_to_a_site_user_and_a_kiosk_pin(
    client: Client, studio: Studio, who: Who
) -> None:
    ids = seed(studio)
    who.current = FRONT_DESK
    linked = write(client, f"/members/{ids.member}/user", {"user_key": "u-42"})
    assert linked.status_code == 200, linked.text
    assert linked.json is not None
    assert linked.json["user_key"] == "u-42"
    assert read(client, "/users/u-42/member").json == linked.json
    problem(read(client, "/users/u-43/member"), 404)
    pinned = write(client, f"/members/{ids.member}/kiosk-pin", {"pin": "4821"})
    assert pinned.status_code == 200, pinned.text
    assert pinned.json is not None
    assert pinned.json["has_kiosk_pin"] is True
    assert "4821" not in pinned.text
    problem(write(client, f"/members/{ids.member}/kiosk-pin", {"pin": "12"}), 422, "4 to 12")
    assert studio.member_at_kiosk(studio.member(ids.member).ref or "", "4821").id == ids.member
    unlinked = write(client, f"/members/{ids.member}/user", {"user_key": None})
    assert unlinked.json is not None
    assert unlinked.json["user_key"] is None
