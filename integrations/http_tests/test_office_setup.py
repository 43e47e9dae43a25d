"""Setting up templates and services from the office."""

from __future__ import annotations

import pytest
from office_world import OFFICE, shown
from support import FRONT_DESK, OWNER, Client, Who, submit

from sessionpacks import Studio

# Step 2 of the set-up form, for a pack: where the create form (and its CSRF token) is.
PACK_FORM = OFFICE + "/templates?kind=pack"


def test_creating_and_archiving_a_template(client: Client, who: Who, studio: Studio) -> None:
    yoga = studio.add_service("Yin", category="yoga", duration_minutes=60)
    who.current = OWNER
    page = OFFICE + "/templates"
    assert "No template yet" in client.get(page).text
    response = submit(
        client,
        PACK_FORM,
        page,
        {
            "name": "5-class pack",
            "kind": "pack",
            "quantity": "5",
            "metric": "sessions",
            "price": "60.00",
            "currency": "EUR",
            "validity_days": "60",
            "start_rule": "on_first_use",
            "services": str(yoga.id),
            "scope": "account",
            "refundable": "on",
        },
    )
    assert response.status_code == 302, response.text
    (template,) = studio.templates()
    assert (template.name, template.quantity, template.price_minor) == ("5-class pack", 5, 6000)
    assert template.services == (yoga.id,)
    assert template.refundable
    assert template.start_rule.value == "on_first_use"
    listing = client.get(page).text
    assert "60.00 EUR" in listing
    assert "60 days" in listing
    action = f"{page}/{template.id}/archive"
    assert submit(client, page, action, {}).status_code == 302
    assert studio.templates() == ()
    assert "archived" in client.get(page).text


@pytest.mark.parametrize(
    ("price", "currency", "minor"),
    [("120", "EUR", 12000), ("120.5", "EUR", 12050), ("12,50", "EUR", 1250), ("1500", "JPY", 1500)],
)
def test_a_price_is_typed_in_the_currencys_units(
    client: Client, who: Who, studio: Studio, price: str, currency: str, minor: int
) -> None:
    who.current = OWNER
    page = OFFICE + "/templates"
    data = {"name": "Pack", "quantity": "5", "price": price, "currency": currency}
    assert submit(client, PACK_FORM, page, data).status_code == 302
    (template,) = studio.templates()
    assert (template.price_minor, template.currency) == (minor, currency)


@pytest.mark.parametrize(
    ("price", "currency", "said"),
    [
        ("12.345", "EUR", "an amount such as 120.55"),
        ("12.5", "JPY", "an amount such as 120,"),
        ("ten", "EUR", "'price'"),
        ("-5", "EUR", "'price'"),
    ],
)
def test_a_price_the_currency_cannot_hold_is_refused_and_nothing_is_made(
    client: Client, who: Who, studio: Studio, price: str, currency: str, said: str
) -> None:
    who.current = OWNER
    page = OFFICE + "/templates"
    data = {"name": "Pack", "quantity": "5", "price": price, "currency": currency}
    response = submit(client, PACK_FORM, page, data)
    assert response.status_code == 422
    assert said in shown(response)
    assert studio.templates() == ()


def test_a_template_with_bad_terms_is_refused_naming_the_problem(
    client: Client, who: Who, studio: Studio
) -> None:
    who.current = OWNER
    page = OFFICE + "/templates"
    for data, named in (
        ({"name": "X", "quantity": "five"}, "'quantity'"),
        ({"quantity": "5"}, "'name' is required"),
        ({"name": "X", "quantity": "5", "kind": "bundle"}, "unknown kind 'bundle'"),
        ({"name": "X", "quantity": "5", "price": "1.00"}, "currency"),
    ):
        response = submit(client, PACK_FORM, page, data)
        assert response.status_code in (409, 422), (data, response.status_code)
        assert named in shown(response)
    assert studio.templates(include_archived=True) == ()


def test_adding_a_service(client: Client, who: Who, studio: Studio) -> None:
    who.current = OWNER
    page = OFFICE + "/services"
    data = {"name": "Reformer", "category": "pilates", "duration_minutes": "50"}
    response = submit(client, page, page, {**data, "price": "25", "currency": "EUR"})
    assert response.status_code == 302
    (service,) = studio.services()
    assert (service.name, service.category, service.price_minor) == ("Reformer", "pilates", 2500)
    assert "25.00 EUR" in client.get(page).text
    response = submit(client, page, page, {**data, "duration_minutes": "an hour"})
    assert response.status_code == 422
    assert "'duration_minutes'" in shown(response)
    assert len(studio.services()) == 1


def test_set_up_needs_the_csrf_token(client: Client, who: Who, studio: Studio) -> None:
    who.current = OWNER
    response = client.post(
        OFFICE + "/services",
        data={"name": "Reformer", "category": "pilates", "duration_minutes": "50"},
    )
    assert response.status_code == 400
    assert studio.services() == ()


def test_set_up_asks_the_policy_and_the_front_desk_may_not(
    client: Client, who: Who, studio: Studio
) -> None:
    template = studio.create_template("Ten", quantity=10)
    who.current = FRONT_DESK
    for page, action, data in (
        (
            OFFICE + "/services",
            OFFICE + "/services",
            {"name": "Reformer", "category": "pilates", "duration_minutes": "50"},
        ),
        (PACK_FORM, OFFICE + "/templates", {"name": "Five", "quantity": "5"}),
        (OFFICE + "/templates", OFFICE + f"/templates/{template.id}/archive", {}),
    ):
        response = submit(client, page, action, data)
        assert response.status_code == 403, action
        assert "Your role at the studio does not allow this." in response.text
        assert "desk-1" not in response.text
    assert studio.services() == ()
    assert [(t.name, t.archived_at) for t in studio.templates()] == [("Ten", None)]
