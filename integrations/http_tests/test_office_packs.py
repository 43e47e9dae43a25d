"""Packs from the office: selling (through the payment hook) and assigning a template, adding
credits, and a pass's page with suspend, unsuspend, extend, delete and refund."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from forms_seen import form_of, said_above, said_beside
from office_world import OFFICE, World, build, ten_pack
from support import FRONT_DESK, OWNER, Client, Who, submit

from sessionpacks import Metric, PassState, PassTerms, Studio
from sessionpacks.testing import Recorder


@pytest.fixture
def world(studio: Studio) -> World:
    return build(studio)


@pytest.fixture
def payments(studio: Studio) -> Recorder:
    recorder = Recorder()
    studio.hooks.register(recorder)
    return recorder


def test_selling_charges_through_the_payment_hook_and_makes_the_pass(
    client: Client, who: Who, world: World, studio: Studio, payments: Recorder
) -> None:
    who.current = FRONT_DESK
    page = f"{world.card}/sell"
    assert "10-class pack" in client.get(page).text
    page = f"{world.card}/sell/confirm?template_id={world.template_id}"
    data = {"template_id": str(world.template_id), "member_id": "", "idempotency_key": "sale-1"}
    response = submit(client, page, f"{world.card}/sell", data)
    assert response.status_code == 302
    # A double submit (same key) charges and sells once.
    assert submit(client, page, f"{world.card}/sell", data).status_code == 302
    (sold,) = studio.passes(world.account_id)
    assert (sold.initial_quantity, sold.state) == (10, PassState.ACTIVE)
    assert [charge.amount_minor for charge in payments.charges] == [12000]
    assert "for 120.00 EUR" in client.get(world.card).text


def test_selling_without_a_payment_provider_says_so_and_sells_nothing(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    who.current = FRONT_DESK
    page = f"{world.card}/sell/confirm?template_id={world.template_id}"
    response = submit(client, page, f"{world.card}/sell", {"template_id": str(world.template_id)})
    assert response.status_code == 503
    # The sell page again, saying so above the Sell form.
    assert said_above(response, "/sell").startswith("Payments are not set up")
    assert studio.passes(world.account_id) == ()


def test_selling_needs_a_template(client: Client, who: Who, world: World, studio: Studio) -> None:
    who.current = FRONT_DESK
    page = f"{world.card}/sell/confirm?template_id={world.template_id}"
    response = submit(client, page, f"{world.card}/sell", {"template_id": ""})
    assert response.status_code == 422
    assert said_beside(response, "/sell", "template_id") == "Required"
    assert studio.passes(world.account_id) == ()


def test_assigning_a_template_grants_it_without_charging(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    who.current = FRONT_DESK
    page = f"{world.card}/assign/confirm?template_id={world.template_id}"
    response = submit(
        client,
        page,
        f"{world.card}/assign",
        {
            "template_id": str(world.template_id),
            "member_id": "",
            "reason": "Paid in cash",
        },
    )
    assert response.status_code == 302
    (held,) = studio.passes(world.account_id)
    assert (held.member_id, held.initial_quantity) == (None, 10)
    assert "Assigned: 10 sessions (10-class pack)." in client.get(world.card).text
    # The template makes a family pass: the core refuses one member, and says why.
    data = {"template_id": str(world.template_id), "member_id": str(world.member_id), "reason": "x"}
    response = submit(client, page, f"{world.card}/assign", data)
    assert response.status_code == 422
    assert "give no member" in said_above(response, "/assign")
    assert form_of(response, "/assign").fields["member_id"].chosen == [str(world.member_id)]
    response = submit(client, page, f"{world.card}/assign", {"template_id": str(world.template_id)})
    assert response.status_code == 422
    assert said_beside(response, "/assign", "reason") == "Required"
    assert [p.pass_id for p in studio.passes(world.account_id)] == [held.pass_id]


def test_adding_credits_with_terms_from_the_form(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    who.current = FRONT_DESK
    page = f"{world.card}/grant"
    assert "<label>Quantity" in client.get(page).text
    response = submit(
        client,
        page,
        page,
        {
            "quantity": "2",
            "metric": "sessions",
            "label": "Make-up class",
            "member_id": str(world.member_id),
            "services": str(world.service_id),
            "categories": "yoga, pilates",
            "expires_at": "2026-04-30T21:00",
            "reason": "Cancelled class",
        },
    )
    assert response.status_code == 302, response.text
    (held,) = studio.passes(world.account_id)
    assert (held.label, held.remaining, held.member_id) == ("Make-up class", 2, world.member_id)
    # Read in the studio's zone (UTC in these tests).
    assert held.expires_at == dt.datetime(2026, 4, 30, 21, 0, tzinfo=dt.timezone.utc)
    (entry,) = studio.history(account_id=world.account_id)
    assert entry.reason == "Cancelled class"


@pytest.mark.parametrize(
    ("data", "named"),
    [
        ({"quantity": "two", "reason": "x"}, "quantity"),
        ({"quantity": "2"}, "reason"),
        ({"quantity": "2", "reason": "x", "metric": "hours"}, "metric"),
        ({"quantity": "2", "reason": "x", "expires_at": "soon"}, "expires_at"),
        ({"quantity": "2", "reason": "x", "services": "yoga"}, "services"),
        # The core's refusal, said above the form.
        ({"quantity": "0", "reason": "x"}, ""),
    ],
)
def test_adding_credits_with_bad_input_names_the_field_and_writes_nothing(
    client: Client,
    who: Who,
    world: World,
    studio: Studio,
    data: dict[str, str],
    named: str,
) -> None:
    who.current = FRONT_DESK
    page = f"{world.card}/grant"
    response = submit(client, page, page, data)
    assert response.status_code == 422
    # The same page, the error beside the field named and everything typed kept.
    form = form_of(response, "/grant")
    if named:
        assert form.fields[named].error
    else:
        assert "quantity" in " ".join(form.above)
    assert [name for name, found in form.fields.items() if found.error] == (
        [named] if named else []
    )
    assert form.fields["quantity"].value == data["quantity"]
    assert studio.passes(world.account_id) == ()


def test_the_pass_page_shows_the_pass_and_its_actions(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    pass_id = ten_pack(studio, world)
    who.current = FRONT_DESK
    page = client.get(f"{world.card}/passes/{pass_id}").text
    assert "10 sessions left of 10 sessions" in page
    for button in (
        ">Suspend</button>",
        ">Extend</button>",
        ">Refund (nothing was paid)</button>",  # a granted pass: no charge to give back
        ">Delete pass</button>",
    ):
        assert button in page
    other = studio.add_client("crm-2", "Bo Lind").account
    assert client.get(f"{OFFICE}/clients/{other.id}/passes/{pass_id}").status_code == 404


def test_suspending_and_unsuspending_a_pass(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    pass_id = ten_pack(studio, world)
    who.current = OWNER
    page = f"{world.card}/passes/{pass_id}"
    response = submit(client, page, page + "/suspend", {"reason": "Injury"})
    assert response.status_code == 302
    assert studio.pass_balance(pass_id).state is PassState.SUSPENDED
    shown_page = client.get(page).text
    assert "is now suspended" in shown_page
    assert ">Unsuspend</button>" in shown_page
    assert submit(client, page, page + "/unsuspend", {"reason": "Better"}).status_code == 302
    assert studio.pass_balance(pass_id).state is PassState.ACTIVE


def test_the_front_desk_may_not_suspend_when_the_policy_says_no(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    pass_id = ten_pack(studio, world)
    who.current = FRONT_DESK
    page = f"{world.card}/passes/{pass_id}"
    response = submit(client, page, page + "/suspend", {"reason": "Injury"})
    assert response.status_code == 403
    assert studio.pass_balance(pass_id).state is PassState.ACTIVE


def test_extending_to_a_date_or_by_days(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    pass_id = ten_pack(studio, world)
    who.current = OWNER
    page = f"{world.card}/passes/{pass_id}"
    response = submit(
        client, page, page + "/extend", {"expires_at": "2026-06-01T12:00", "reason": "Closed"}
    )
    assert response.status_code == 302
    moved = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.timezone.utc)
    assert studio.pass_balance(pass_id).expires_at == moved
    assert submit(client, page, page + "/extend", {"days": "7", "reason": "x"}).status_code == 302
    assert studio.pass_balance(pass_id).expires_at == moved + dt.timedelta(days=7)
    for bad in ({"days": "-3"}, {"days": "a week"}):
        response = submit(client, page, page + "/extend", {**bad, "reason": "x"})
        assert response.status_code == 422
        assert said_beside(response, "/extend", "days").startswith("Enter a")
        assert form_of(response, "/extend").fields["days"].value == bad["days"]
    # Both or neither: the core refuses.
    response = submit(client, page, page + "/extend", {"reason": "x"})
    assert response.status_code == 422
    assert studio.pass_balance(pass_id).expires_at == moved + dt.timedelta(days=7)


def test_deleting_a_pass_is_for_the_owner_not_the_front_desk(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    pass_id = ten_pack(studio, world)
    page = f"{world.card}/passes/{pass_id}"
    who.current = FRONT_DESK
    response = submit(client, page, page + "/void", {"reason": "Mistake"})
    assert response.status_code == 403
    assert studio.pass_balance(pass_id).state is PassState.ACTIVE
    who.current = OWNER
    response = submit(client, page, page + "/void", {"reason": "Mistake"})
    assert response.status_code == 302
    assert studio.pass_balance(pass_id).state is PassState.VOIDED
    assert "Ten classes deleted." in client.get(world.card).text


def test_a_pass_action_without_csrf_token_changes_nothing(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    pass_id = ten_pack(studio, world)
    who.current = OWNER
    response = client.post(
        f"{world.card}/passes/{pass_id}/void", data={"reason": "x", "idempotency_key": "k"}
    )
    assert response.status_code == 400
    assert studio.pass_balance(pass_id).state is PassState.ACTIVE


def test_refunding_a_sold_pass(
    client: Client, who: Who, world: World, studio: Studio, payments: Recorder
) -> None:
    sale = studio.sell(
        world.template_id,
        world.account_id,
        idempotency_key="sale",
        actor=OWNER.actor,
        channel="office",
    )
    who.current = OWNER
    page = f"{world.card}/passes/{sale.pass_id}"
    # The amount is on the button before the click: all ten unused, all 120.00 back.
    assert "Refund 120.00 EUR</button>" in client.get(page).text
    response = submit(client, page, page + "/refund", {"reason": "Moving away"})
    assert response.status_code == 302
    assert studio.pass_balance(sale.pass_id).state is PassState.REFUNDED
    assert [refund.amount_minor for refund in payments.refunds] == [12000]
    assert "refunded: 120.00 EUR" in client.get(world.card).text


def test_starting_and_cancelling_a_plan(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    plan = studio.create_template(
        "Monthly 8", kind="plan", quantity=8, period_months=1, price_minor=9000, currency="EUR"
    )
    who.current = OWNER
    page = f"{world.card}/sell"
    # A plan is started from a plan: the form offers no pack.
    sell_page = client.get(page).text
    subscribe_form = sell_page.split(f'action="{world.card}/subscribe/confirm"')[1]
    subscribe_form = subscribe_form.split("</form>")[0]
    offered = subscribe_form.split('name="template_id"')[1].split("</select>")[0]
    assert re.findall(r'<option value="(\d+)">', offered) == [str(plan.id)]
    assert (
        sell_page.count(f'<option value="{world.template_id}">10-class pack') == 2
    )  # sell, assign
    page = f"{world.card}/subscribe/confirm?template_id={plan.id}&billing=external"
    response = submit(
        client,
        page,
        f"{world.card}/subscribe",
        {"template_id": str(plan.id), "billing": "external"},
    )
    assert response.status_code == 302, response.text
    (sub,) = studio.subscriptions(account_id=world.account_id)
    assert sub.state.value == "active"
    card = client.get(world.card).text
    assert ">Cancel plan</button>" in card
    assert "Monthly 8: <span" in card  # the plan by its name, not its number
    assert "Plan Monthly 8 started." in card
    action = f"{world.card}/subscriptions/{sub.id}/cancel"
    assert submit(client, world.card, action, {}).status_code == 302
    assert studio.subscription(sub.id).state.value == "cancelled"
    assert "Plan Monthly 8 cancelled." in client.get(world.card).text
    response = submit(client, page, f"{world.card}/subscribe", {"template_id": "1", "billing": "x"})
    assert response.status_code == 422
    assert said_beside(response, "/subscribe", "billing") == "Choose one of studio, external"


def test_adjusting_a_pass_by_hand(client: Client, who: Who, world: World, studio: Studio) -> None:
    pass_id = ten_pack(studio, world)
    page = f"{world.card}/passes/{pass_id}"
    who.current = FRONT_DESK
    assert submit(client, page, page + "/adjust", {"delta": "2", "reason": "x"}).status_code == 403
    who.current = OWNER
    response = submit(client, page, page + "/adjust", {"delta": "-3", "reason": "Counted twice"})
    assert response.status_code == 302
    assert studio.pass_balance(pass_id).remaining == 7
    assert "adjusted: 7 sessions left" in client.get(page).text
    assert "Can still spend:" in client.get(world.card).text
    response = submit(client, page, page + "/adjust", {"delta": "", "reason": "x"})
    assert response.status_code == 422
    assert said_beside(response, "/adjust", "delta") == "Required"


def test_a_money_pass_is_corrected_by_an_amount_not_in_cents(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    who.current = OWNER
    granted = studio.grant(
        world.account_id,
        PassTerms(quantity=5000, metric=Metric.MONEY, currency="EUR", label="Gift card"),
        reason="Gift",
        idempotency_key="gift-1",
        actor=OWNER.actor,
        channel="office",
    )
    page = f"{world.card}/passes/{granted.pass_id}"
    data = {"delta": "-12.50", "reason": "Paid a drink"}
    assert submit(client, page, page + "/adjust", data).status_code == 302
    assert studio.pass_balance(granted.pass_id).remaining == 3750
    assert "adjusted: 37.50 EUR left" in client.get(page).text
    more = {"delta": "+2,5", "reason": "Change given"}
    assert submit(client, page, page + "/adjust", more).status_code == 302
    assert studio.pass_balance(granted.pass_id).remaining == 4000
    # More decimals than the currency has: refused beside the field, the amount kept.
    response = submit(client, page, page + "/adjust", {"delta": "-1.255", "reason": "x"})
    assert response.status_code == 422
    assert said_beside(response, "/adjust", "delta") == "Enter an amount such as 120.55"
    assert form_of(response, "/adjust").fields["delta"].value == "-1.255"
    assert studio.pass_balance(granted.pass_id).remaining == 4000
