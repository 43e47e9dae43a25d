"""Setting a product up in two steps: the kind first (pass, pack or plan), then only that kind's
fields, with a summary in words that the templates list uses too."""

from __future__ import annotations

import re
from typing import Any

import pytest
from office_world import OFFICE, shown
from support import OWNER, Client, Response, Who, submit

from sessionpacks import Studio

PAGE = OFFICE + "/templates"
SUMMARY = OFFICE + "/templates/summary"

PLAN_ONLY = {"period_days", "period_months", "rollover", "rollover_cap"}
PACK_ONLY = {"metric", "first_rate", "subsequent_rate"}
PASS_AND_PACK = {"start_rule", "start_date", "validity_days", "validity_months", "valid_until"}


def _fields(response: Response) -> set[str]:
    """The names of the set-up form's fields, as a browser would send them."""
    assert response.status_code in (200, 422), response.text
    form = response.text.split('id="create"', 1)[1]
    return set(re.findall(r'name="(\w+)"', form))


def _value(response: Response, name: str) -> str:
    """What the field ``name`` holds on the page."""
    found = re.search(rf'<input name="{name}"[^>]*value="([^"]*)"', response.text)
    assert found, f"no field {name!r} with a value"
    return found.group(1)


def _summary_on(response: Response) -> str:
    found = re.search(r'<output id="template-summary"[^>]*>(.*?)</output>', shown(response))
    assert found, "no summary on the page"
    return found.group(1)


def test_step_one_offers_the_three_kinds_each_explained(client: Client, who: Who) -> None:
    who.current = OWNER
    page = shown(client.get(PAGE))
    for kind, title, explained in (
        ("pass", "Punch pass", "one punched at each visit"),
        ("pack", "Session pack", "lower rate after the first session"),
        ("plan", "Plan", "fresh credits every month"),
    ):
        assert f'href="{PAGE}?kind={kind}#create">{title}</a>' in page
        assert explained in page
    # The kind comes first: no field of the form yet.
    assert 'name="quantity"' not in page


@pytest.mark.parametrize(
    ("kind", "shows", "hides"),
    [
        ("pass", PASS_AND_PACK | {"auto_renew"}, PLAN_ONLY | PACK_ONLY),
        ("pack", PASS_AND_PACK | PACK_ONLY | {"auto_renew"}, PLAN_ONLY),
        ("plan", PLAN_ONLY | {"metric"}, PASS_AND_PACK | {"auto_renew", "first_rate"}),
    ],
)
def test_step_two_shows_only_that_kinds_fields(
    client: Client, who: Who, kind: str, shows: set[str], hides: set[str]
) -> None:
    who.current = OWNER
    response = client.get(f"{PAGE}?kind={kind}")
    fields = _fields(response)
    assert {"name", "quantity", "price", "currency", "categories", "refundable"} <= fields
    assert shows <= fields
    assert not hides & fields, hides & fields
    assert f'name="kind" value="{kind}"' in response.text
    # The money option belongs to packs only.
    assert ('value="money"' in response.text) is (kind == "pack")


SAID = [
    (
        {"kind": "pass", "quantity": "10", "price": "120.00", "currency": "EUR"}
        | {"validity_months": "3", "start_rule": "on_first_use", "refundable": "on"},
        "10 classes, 120.00 EUR, valid 3 months from first use",
    ),
    (
        {"kind": "pack", "metric": "sessions", "quantity": "5", "price": "60", "currency": "EUR"}
        | {"validity_days": "60", "start_rule": "on_purchase", "refundable": "on"},
        "5 sessions, 60.00 EUR, valid 60 days from purchase",
    ),
    (
        {"kind": "pack", "metric": "money", "quantity": "150", "price": "140", "currency": "EUR"}
        | {"first_rate": "30", "subsequent_rate": "20.50", "refundable": "on"},
        "150.00 EUR of credit, 140.00 EUR, no expiry, first session 30.00 EUR, then 20.50 EUR each",
    ),
    (
        {"kind": "plan", "quantity": "8", "price": "99", "currency": "EUR"}
        | {"period_months": "1", "rollover": "on", "rollover_cap": "4", "refundable": "on"},
        "8 sessions a month, 99.00 EUR a month, unused sessions roll over, up to 4 sessions",
    ),
    (
        {"kind": "pack", "metric": "minutes", "quantity": "600", "scope": "member"}
        | {"start_rule": "on_date", "start_date": "2026-09-01T00:00", "refundable": "on"},
        "10 hours, free, starts Tue 01 Sep 2026, no expiry, for one member",
    ),
    (
        {"kind": "pass", "quantity": "1", "price": "1500", "currency": "JPY"}
        | {"valid_until": "2026-06-30T23:59", "auto_renew": "on"},
        "1 class, 1500 JPY, valid until Tue 30 Jun 2026, sold again when used up or expired,"
        " not refundable",
    ),
]


@pytest.mark.parametrize(("typed", "said"), SAID)
def test_the_summary_says_what_is_set_up_in_words(
    client: Client, who: Who, typed: dict[str, str], said: str
) -> None:
    who.current = OWNER
    answer = client.get(SUMMARY, query_string=typed)
    assert answer.status_code == 200
    assert (answer.mimetype, answer.text) == ("text/plain", said)
    # Step 2 with the same values (a link, or the form without script) says the same.
    assert _summary_on(client.get(PAGE, query_string=typed)) == said


def test_the_summary_follows_half_typed_values_without_failing(client: Client, who: Who) -> None:
    who.current = OWNER
    typed = {"kind": "pass", "quantity": "1", "price": "12.", "currency": "EU"}
    answer = client.get(SUMMARY, query_string=typed)
    assert (answer.status_code, answer.text) == (200, "1 class, free, no expiry, not refundable")
    assert client.get(SUMMARY, query_string={"kind": "bundle"}).status_code == 422


def test_the_list_describes_each_template_in_the_summarys_words(
    client: Client, who: Who, studio: Studio
) -> None:
    who.current = OWNER
    yoga = studio.add_service("Yin", category="yoga", duration_minutes=60)
    studio.create_template(
        "Ten",
        kind="pass",
        quantity=10,
        price_minor=12000,
        currency="EUR",
        validity_months=3,
        start_rule="on_first_use",
        services=(yoga.id,),
    )
    studio.create_template(
        "Monthly", kind="plan", quantity=8, price_minor=9900, currency="EUR", period_months=1
    )
    listing = shown(client.get(PAGE))
    for typed in (
        {"kind": "pass", "quantity": "10", "price": "120.00", "currency": "EUR"}
        | {"validity_months": "3", "start_rule": "on_first_use", "services": str(yoga.id)}
        | {"refundable": "on"},
        {"kind": "plan", "quantity": "8", "price": "99", "currency": "EUR"}
        | {"period_months": "1", "refundable": "on"},
    ):
        said = client.get(SUMMARY, query_string=typed).text
        assert f'<td class="sp-template-summary">{said}</td>' in listing
    assert "10 classes, 120.00 EUR, valid 3 months from first use, for Yin" in listing
    assert "8 sessions a month, 99.00 EUR a month" in listing
    assert "Punch pass" in listing


def test_preview_shows_step_two_again_with_the_summary_and_makes_nothing(
    client: Client, who: Who, studio: Studio
) -> None:
    who.current = OWNER
    typed = {"kind": "pass", "name": "Ten", "quantity": "10", "price": "120", "currency": "EUR"}
    response = submit(client, PAGE + "?kind=pass", PAGE, typed | {"preview": "1"})
    assert response.status_code == 200
    assert _summary_on(response) == "10 classes, 120.00 EUR, no expiry, not refundable"
    assert _value(response, "name") == "Ten"
    assert studio.templates() == ()


def test_a_refused_form_keeps_its_input_with_the_error_beside_the_field(
    client: Client, who: Who, studio: Studio
) -> None:
    who.current = OWNER
    typed = {"kind": "plan", "name": "Monthly 8", "quantity": "8", "price": "99"}
    response = submit(client, PAGE + "?kind=plan", PAGE, typed | {"currency": "EUR"})
    assert response.status_code == 422
    assert _fields(response) >= PLAN_ONLY
    assert _value(response, "name") == "Monthly 8"
    beside = r'<span class="sp-field-error" id="(\w+)-error">([^<]*)</span>'
    error = re.search(beside, response.text)
    assert error is not None
    assert error.group(1) == "period_days"
    assert "needs one period" in error.group(2)
    assert re.search(r'<input name="period_days"[^>]*aria-invalid="true"', response.text)

    response = submit(client, PAGE + "?kind=pack", PAGE, {"kind": "pack", "name": "P"} | _ten())
    assert response.status_code == 422
    assert re.search(r'id="price-error">[^<]*&#39;price&#39;', response.text)
    assert _value(response, "price") == "ten"
    assert studio.templates() == ()


def _ten() -> dict[str, Any]:
    return {"quantity": "5", "price": "ten", "currency": "EUR"}


def test_a_template_set_up_in_steps_is_made_and_works(
    client: Client, who: Who, studio: Studio
) -> None:
    who.current = OWNER
    client_added = studio.add_client("crm-7", "Ana Ruiz", member_ref="K-7")
    typed = {"kind": "pass", "name": "Ten", "quantity": "10", "price": "120", "currency": "EUR"}
    typed |= {"validity_months": "3", "start_rule": "on_first_use", "refundable": "on"}
    response = submit(client, PAGE + "?kind=pass", PAGE, typed)
    assert response.status_code == 302, response.text
    (template,) = studio.templates()
    assert (template.kind.value, template.quantity, template.price_minor) == ("pass", 10, 12000)
    assert "Template Ten created." in shown(client.get(PAGE))
    granted = studio.assign(
        template.id,
        client_added.account.id,
        reason="welcome",
        idempotency_key="welcome-1",
        actor=OWNER.actor,
        channel="office",
    )
    assert studio.pass_balance(granted.pass_id).remaining == 10

    money = {"kind": "pack", "name": "Credit", "metric": "money", "quantity": "150.50"}
    money |= {"price": "140", "currency": "EUR", "first_rate": "30", "subsequent_rate": "20"}
    assert submit(client, PAGE + "?kind=pack", PAGE, money).status_code == 302
    credit = next(t for t in studio.templates() if t.name == "Credit")
    # Money credit is typed as an amount, like the price: kept in cents.
    assert (credit.quantity, credit.first_rate_minor, credit.subsequent_rate_minor) == (
        15050,
        3000,
        2000,
    )

    plan = {"kind": "plan", "name": "Monthly", "quantity": "8", "period_months": "1"}
    plan |= {"rollover": "on", "rollover_cap": "4", "refundable": "on"}
    assert submit(client, PAGE + "?kind=plan", PAGE, plan).status_code == 302
    monthly = next(t for t in studio.templates() if t.name == "Monthly")
    assert (monthly.kind.value, monthly.period_months, monthly.rollover_cap) == ("plan", 1, 4)
