"""Selling, granting, redeeming and correcting credits, and reading balances, over the API."""

from __future__ import annotations

from typing import Any

import pytest
from api_support import Payments, Seeded, problem, read, seed, write
from support import FRONT_DESK, OWNER, Client, Who

from sessionpacks import Studio
from sessionpacks.web import Identity


@pytest.fixture
def ids(studio: Studio) -> Seeded:
    return seed(studio)


def _grant(client: Client, ids: Seeded, quantity: int = 5, **extra: Any) -> int:
    body = {"account_id": ids.account, "quantity": quantity, "reason": "welcome gift", **extra}
    response = write(client, "/grants", body)
    assert response.status_code == 201, response.text
    return int(response.json["pass_id"])  # type: ignore[index]


def test_grant_makes_a_pass_with_the_terms_given(
    client: Client, studio: Studio, who: Who, ids: Seeded
) -> None:
    who.current = FRONT_DESK
    pass_id = _grant(
        client,
        ids,
        8,
        member_id=ids.member,
        label="Student pack",
        services=[ids.service],
        expires_at="2026-06-30T23:59:00+02:00",
        paid_minor=8000,
        currency=None,
        paid_currency="EUR",
    )
    made = studio.pass_balance(pass_id)
    assert (made.remaining, made.member_id, made.label) == (8, ids.member, "Student pack")
    assert made.expires_at is not None
    assert made.expires_at.isoformat() == "2026-06-30T21:59:00+00:00"


def test_a_retried_grant_grants_once(client: Client, studio: Studio, who: Who, ids: Seeded) -> None:
    who.current = OWNER
    body = {"account_id": ids.account, "quantity": 3, "reason": "gift"}
    first = write(client, "/grants", body, key="g-1")
    again = write(client, "/grants", body, key="g-1")
    assert first.json == again.json
    assert len(studio.passes(ids.account)) == 1


def test_bulk_grant_gives_each_recipient_a_pass(
    client: Client, studio: Studio, who: Who, ids: Seeded
) -> None:
    who.current = OWNER
    body = {
        "recipients": [
            {"account_id": ids.account},
            {"account_ref": "crm-2", "member_id": ids.other_member},
            {"account_ref": "nobody"},
        ],
        "quantity": 2,
        "reason": "snow day",
    }
    response = write(client, "/bulk-grants", body, key="snow-day")
    assert response.status_code == 201, response.text
    report = response.json
    assert report is not None
    assert (report["granted"], report["skipped"], report["state"]) == (2, 1, "complete")
    assert [p.remaining for p in studio.passes(ids.other_account)] == [2]
    assert write(client, "/bulk-grants", body, key="snow-day").json == report
    assert len(studio.passes(ids.account)) == 1
    problem(write(client, "/bulk-grants", {**body, "recipients": [{"bogus": 1}]}), 422, "bogus")


def test_sell_charges_once_and_refund_gives_money_back(
    client: Client, studio: Studio, who: Who, ids: Seeded
) -> None:
    payments = Payments()
    studio.hooks.register(payments)
    priced = studio.create_template("5 classes", quantity=5, price_minor=5000, currency="EUR")
    who.current = OWNER
    body = {"template_id": priced.id, "account_id": ids.account}
    sold = write(client, "/sales", body, key="sale-1")
    assert sold.status_code == 201, sold.text
    assert write(client, "/sales", body, key="sale-1").json == sold.json
    assert [c.amount_minor for c in payments.charges] == [5000]
    pass_id = sold.json["pass_id"]  # type: ignore[index]
    assert studio.pass_balance(pass_id).remaining == 5
    held = read(client, f"/passes/{pass_id}").json
    assert (held["source"], held["cost_basis_minor"], held["cost_currency"]) == (  # type: ignore[index]
        "sale",
        5000,
        "EUR",
    )
    refunded = write(client, f"/passes/{pass_id}/refund", {"reason": "moved away"})
    assert refunded.status_code == 200, refunded.text
    assert refunded.json["amount_minor"] == 5000  # type: ignore[index]
    assert studio.pass_balance(pass_id).state.value == "refunded"
    (refund,) = read(client, "/refunds").json  # type: ignore[misc]
    assert (refund["pass_id"], refund["amount_minor"], refund["state"]) == (
        pass_id,
        5000,
        "succeeded",
    )
    assert read(client, "/refunds", state="unknown").json == []


def test_selling_without_a_payment_provider_is_a_503(
    client: Client, studio: Studio, who: Who, ids: Seeded
) -> None:
    priced = studio.create_template("5 classes", quantity=5, price_minor=5000, currency="EUR")
    who.current = OWNER
    problem(write(client, "/sales", {"template_id": priced.id, "account_id": ids.account}), 503)
    assert studio.passes(ids.account) == ()


def test_assign_gives_a_template_pass_without_charging(
    client: Client, studio: Studio, who: Who, ids: Seeded
) -> None:
    who.current = OWNER
    body = {"template_id": ids.template, "account_id": ids.account, "reason": "prize"}
    response = write(client, "/assignments", body)
    assert response.status_code == 201, response.text
    (made,) = studio.passes(ids.account)
    assert (made.pass_id, made.remaining) == (response.json["pass_id"], 10)  # type: ignore[index]


def test_redeem_dry_run_and_reverse(client: Client, studio: Studio, who: Who, ids: Seeded) -> None:
    who.current = FRONT_DESK
    pass_id = _grant(client, ids, 5)
    plan = read(client, "/redemption-plan", member_id=ids.member, service_id=ids.service, count=2)
    assert plan.status_code == 200, plan.text
    assert plan.json["possible"] is True  # type: ignore[index]
    assert studio.pass_balance(pass_id).remaining == 5
    body = {"member_id": ids.member, "service_id": ids.service, "count": 2}
    redeemed = write(client, "/redemptions", body, key="r-1")
    assert redeemed.status_code == 201, redeemed.text
    assert write(client, "/redemptions", body, key="r-1").json == redeemed.json
    assert studio.pass_balance(pass_id).remaining == 3
    too_many = {**body, "count": 4}
    problem(write(client, "/redemptions", too_many), 409)
    assert studio.pass_balance(pass_id).remaining == 3
    redemption = redeemed.json["redemption_id"]  # type: ignore[index]
    # The front desk may not reverse; an owner may.
    problem(write(client, f"/redemptions/{redemption}/reverse", {"reason": "x"}), 403)
    who.current = OWNER
    reversed_ = write(client, f"/redemptions/{redemption}/reverse", {"reason": "wrong member"})
    assert reversed_.status_code == 200, reversed_.text
    assert studio.pass_balance(pass_id).remaining == 5


@pytest.mark.parametrize(
    ("action", "body", "state", "remaining"),
    [
        ("adjust", {"delta": -2, "reason": "typo"}, "active", 3),
        ("suspend", {"reason": "injury"}, "suspended", 5),
        ("extend", {"by_days": 30, "reason": "holiday"}, "active", 5),
        ("extend", {"expires_at": "2027-01-01T00:00:00Z", "reason": "goodwill"}, "active", 5),
    ],
)
def test_pass_corrections(
    client: Client,
    studio: Studio,
    who: Who,
    ids: Seeded,
    action: str,
    body: dict[str, Any],
    state: str,
    remaining: int,
) -> None:
    who.current = OWNER
    pass_id = _grant(client, ids, 5, expires_at="2026-04-01T00:00:00Z")
    before = studio.pass_balance(pass_id)
    response = write(client, f"/passes/{pass_id}/{action}", body)
    assert response.status_code == 200, response.text
    after = studio.pass_balance(pass_id)
    assert (after.state.value, after.remaining) == (state, remaining)
    if action == "extend":
        assert after.expires_at is not None
        assert before.expires_at is not None
        assert after.expires_at > before.expires_at


def test_suspend_unsuspend_and_void(client: Client, studio: Studio, who: Who, ids: Seeded) -> None:
    who.current = OWNER
    pass_id = _grant(client, ids, 5)
    write(client, f"/passes/{pass_id}/suspend", {"reason": "injury"})
    problem(write(client, f"/passes/{pass_id}/suspend", {"reason": "again"}), 409)
    assert write(client, f"/passes/{pass_id}/unsuspend", {"reason": "healed"}).status_code == 200
    assert studio.pass_balance(pass_id).state.value == "active"
    problem(write(client, f"/passes/{pass_id}/extend", {"reason": "x"}), 422, "either")
    voided = write(client, f"/passes/{pass_id}", {"reason": "sold by mistake"}, method="DELETE")
    assert voided.status_code == 200, voided.text
    assert studio.pass_balance(pass_id).state.value == "voided"
    assert studio.passes(ids.account) == ()


def test_the_front_desk_may_not_correct_passes(
    client: Client, studio: Studio, who: Who, ids: Seeded
) -> None:
    who.current = FRONT_DESK
    pass_id = _grant(client, ids, 5)
    for action, body in [
        ("adjust", {"delta": 5, "reason": "x"}),
        ("suspend", {"reason": "x"}),
        ("extend", {"by_days": 5, "reason": "x"}),
        ("refund", {"reason": "x"}),
    ]:
        problem(write(client, f"/passes/{pass_id}/{action}", body), 403)
    problem(write(client, f"/passes/{pass_id}", {"reason": "x"}, method="DELETE"), 403)
    after = studio.pass_balance(pass_id)
    assert (after.state.value, after.remaining) == ("active", 5)


def test_balances_passes_and_history(client: Client, studio: Studio, who: Who, ids: Seeded) -> None:
    who.current = OWNER
    pass_id = _grant(client, ids, 5)
    write(client, "/redemptions", {"member_id": ids.member, "service_id": ids.service})
    assert read(client, f"/passes/{pass_id}").json["remaining"] == 4  # type: ignore[index]
    assert read(client, f"/accounts/{ids.account}/balance").json == [
        {"metric": "sessions", "currency": None, "units": 4}
    ]
    member = read(client, f"/members/{ids.member}/balance", service_id=ids.service).json
    assert member == [{"metric": "sessions", "currency": None, "units": 4}]
    listed = read(client, f"/accounts/{ids.account}/passes").json
    assert [p["pass_id"] for p in listed] == [pass_id]  # type: ignore[union-attr]
    for path in (
        f"/accounts/{ids.account}/history",
        f"/members/{ids.member}/history",
        f"/passes/{pass_id}/history",
    ):
        kinds = [e["kind"] for e in read(client, path).json]  # type: ignore[union-attr]
        assert kinds[0] == "redeem", path
    account_history = read(client, f"/accounts/{ids.account}/history", limit=1).json
    assert len(account_history) == 1  # type: ignore[arg-type]
    problem(read(client, f"/members/{ids.member}/balance"), 422, "'service_id'")


def test_a_member_reads_only_their_own_credits(
    client: Client, studio: Studio, who: Who, ids: Seeded
) -> None:
    who.current = OWNER
    mine = _grant(client, ids, 5)
    theirs = write(
        client, "/grants", {"account_id": ids.other_account, "quantity": 5, "reason": "x"}
    ).json["pass_id"]  # type: ignore[index]
    who.current = Identity.member(ids.member, "member")
    for path in (
        f"/passes/{mine}",
        f"/accounts/{ids.account}/passes",
        f"/accounts/{ids.account}/history",
        f"/members/{ids.member}/history",
    ):
        assert read(client, path).status_code == 200, path
    for path in (
        f"/passes/{theirs}",
        f"/passes/{theirs}/history",
        f"/accounts/{ids.other_account}/passes",
        f"/accounts/{ids.other_account}/balance",
        f"/members/{ids.other_member}/history",
    ):
        problem(read(client, path), 403)
    problem(
        read(client, "/redemption-plan", member_id=ids.other_member, service_id=ids.service), 403
    )


def test_a_member_may_not_grant_or_redeem(
    client: Client, studio: Studio, who: Who, ids: Seeded
) -> None:
    who.current = OWNER
    pass_id = _grant(client, ids, 5)
    who.current = Identity.member(ids.member, "member")
    problem(
        write(client, "/grants", {"account_id": ids.account, "quantity": 9, "reason": "x"}), 403
    )
    problem(
        write(client, "/redemptions", {"member_id": ids.member, "service_id": ids.service}), 403
    )
    problem(write(client, f"/passes/{pass_id}/adjust", {"delta": 9, "reason": "x"}), 403)
    assert studio.pass_balance(pass_id).remaining == 5
    assert len(studio.passes(ids.account)) == 1


def test_a_member_may_buy_only_for_their_own_account(
    client: Client, studio: Studio, who: Who, ids: Seeded
) -> None:
    studio.hooks.register(Payments())
    who.current = Identity.member(ids.member, "member", "buyer")
    # The policy gives members no "sell": the core refuses, and nothing is charged or made.
    problem(write(client, "/sales", {"template_id": ids.template, "account_id": ids.account}), 403)
    assert studio.passes(ids.account) == ()


def test_a_bulk_grant_is_read_and_undone(
    client: Client, studio: Studio, who: Who, ids: Seeded
) -> None:
    who.current = OWNER
    body = {"recipients": [{"account_id": ids.account}], "quantity": 2, "reason": "snow day"}
    batch = write(client, "/bulk-grants", body).json["batch_id"]  # type: ignore[index]
    assert read(client, f"/bulk-grants/{batch}").json["granted"] == 1  # type: ignore[index]
    who.current = FRONT_DESK
    problem(write(client, f"/bulk-grants/{batch}/undo", {"reason": "oops"}), 403)
    assert len(studio.passes(ids.account)) == 1
    who.current = OWNER
    undone = write(client, f"/bulk-grants/{batch}/undo", {"reason": "oops"})
    assert undone.json["state"] == "undone", undone.text  # type: ignore[index]
    assert studio.passes(ids.account) == ()
    problem(read(client, "/bulk-grants/77"), 404)


def test_payments_are_listed_for_staff(
    client: Client, studio: Studio, who: Who, ids: Seeded
) -> None:
    studio.hooks.register(Payments())
    priced = studio.create_template("5 classes", quantity=5, price_minor=5000, currency="EUR")
    who.current = OWNER
    write(client, "/sales", {"template_id": priced.id, "account_id": ids.account})
    (payment,) = read(client, "/payments").json  # type: ignore[misc]
    assert (payment["amount_minor"], payment["state"]) == (5000, "passed")
    assert read(client, "/payments", state="needs_attention").json == []
    who.current = Identity.member(ids.member, "member")
    problem(read(client, "/payments"), 403)
