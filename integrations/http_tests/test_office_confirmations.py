"""Every office button that moves money, credits or bookings leads to a confirmation first: a
page that says what will happen (the amount, the units, the people) and changes nothing, whose
Confirm button then does it."""

from __future__ import annotations

import datetime as dt

import pytest
from office_world import OFFICE, World, build, shown, ten_pack
from pressing import form_with, press
from support import FRONT_DESK, OWNER, Client, Who

from sessionpacks import BookingState, PassState, Studio
from sessionpacks.testing import Recorder

TUESDAY_EVENING = dt.datetime(2026, 3, 3, 18, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def world(studio: Studio) -> World:
    return build(studio)


@pytest.fixture
def payments(studio: Studio) -> Recorder:
    recorder = Recorder()
    studio.hooks.register(recorder)
    return recorder


def test_selling_shows_the_charge_before_anything_is_charged(
    client: Client, who: Who, world: World, studio: Studio, payments: Recorder
) -> None:
    who.current = FRONT_DESK
    sell_page = client.get(f"{world.card}/sell")
    confirming = press(client, sell_page, "Sell", template_id=world.template_id)
    assert confirming.status_code == 200
    said = shown(confirming)
    assert "Ana Ruiz is charged 120.00 EUR now, through the studio's payment provider." in said
    assert "10-class pack, 10 sessions for everyone on the account, valid 90 days." in said
    assert ">Charge 120.00 EUR</button>" in said
    assert f'href="{world.card}/sell"' in said  # Go back
    # Looking is free: nothing charged, no pass.
    assert (payments.charges, studio.passes(world.account_id)) == ([], ())
    done = press(client, confirming, "Charge 120.00 EUR")
    assert done.status_code == 302
    (sold,) = studio.passes(world.account_id)
    assert sold.initial_quantity == 10
    assert [charge.amount_minor for charge in payments.charges] == [12000]


def test_assigning_and_starting_a_plan_are_confirmed_first(
    client: Client, who: Who, world: World, studio: Studio, payments: Recorder
) -> None:
    plan = studio.create_template(
        "Monthly 8", kind="plan", quantity=8, period_months=1, price_minor=9000, currency="EUR"
    )
    who.current = OWNER
    sell_page = client.get(f"{world.card}/sell")
    confirming = press(
        client, sell_page, "Assign", template_id=world.template_id, reason="Paid in cash"
    )
    said = shown(confirming)
    assert "Nothing is charged, and the pass cannot be refunded." in said
    # The reason typed on the page before is there to check, and still required.
    assert 'value="Paid in cash"' in said
    assert studio.passes(world.account_id) == ()
    assert press(client, confirming, "Assign 10 sessions").status_code == 302
    (assigned,) = studio.passes(world.account_id)
    assert studio.history(pass_id=assigned.pass_id)[0].reason == "Paid in cash"

    confirming = press(client, sell_page, "Subscribe", template_id=plan.id, billing="studio")
    said = shown(confirming)
    assert "charged 90.00 EUR now" in said
    assert "and 90.00 EUR again every month" in said
    assert "Each period gives 8 sessions to everyone on the account" in said
    assert studio.subscriptions(account_id=world.account_id) == ()
    assert press(client, confirming, "Charge 90.00 EUR and start the plan").status_code == 302
    (started,) = studio.subscriptions(account_id=world.account_id)
    assert started.state.value == "active"
    assert [charge.amount_minor for charge in payments.charges] == [9000]
    billed_elsewhere = press(
        client, sell_page, "Subscribe", template_id=plan.id, billing="external"
    )
    assert "No money is taken here: the plan is billed elsewhere." in shown(billed_elsewhere)
    assert ">Start the plan</button>" in billed_elsewhere.text
    # Cancelling the plan says what stops and what stays, then stops it.
    confirming = press(client, client.get(world.card), "Cancel plan")
    said = shown(confirming)
    assert "No further period is renewed or charged." in said
    assert "This period's credits stay until it ends, Thu 02 Apr 2026" in said
    assert studio.subscription(started.id).state.value == "active"
    assert press(client, confirming, "Cancel the plan").status_code == 302
    assert studio.subscription(started.id).state.value == "cancelled"


def test_a_bad_choice_on_a_confirmation_is_the_usual_problem_page(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    other = studio.add_client("crm-2", "Bo Lind")
    theirs = ten_pack(studio, World(other.account.id, other.member.id, 0, 0, 0), key="bo")
    who.current = OWNER
    for page, said in (
        (f"{world.card}/sell/confirm?template_id=999", "That template does not exist"),
        (
            f"{world.card}/sell/confirm?template_id={world.template_id}"
            f"&member_id={other.member.id}",
            "That member does not exist",
        ),
        (f"{world.card}/passes/{theirs}/refund/confirm", "That pass does not exist"),
        (f"{world.card}/passes/{theirs}/void/confirm", "That pass does not exist"),
        (f"{world.card}/redemptions/999/reverse/confirm", "That visit does not exist"),
    ):
        response = client.get(page)
        assert response.status_code == 404, page
        assert said in shown(response)
        assert "999" not in shown(response).split("<main")[1]
    response = client.get(f"{world.card}/sell/confirm")
    assert response.status_code == 422
    assert "'template_id' is required" in shown(response)


def test_a_refund_shows_the_amount_and_changes_nothing_until_confirmed(
    client: Client, who: Who, world: World, studio: Studio, payments: Recorder
) -> None:
    sale = studio.sell(
        world.template_id,
        world.account_id,
        idempotency_key="s",
        actor=OWNER.actor,
        channel="office",
    )
    studio.redeem(
        world.member_id, world.service_id, idempotency_key="r", actor=OWNER.actor, channel="office"
    )
    who.current = OWNER
    page = f"{world.card}/passes/{sale.pass_id}"
    confirming = press(client, client.get(page), "Refund 108.00 EUR", reason="Moving away")
    said = shown(confirming)
    assert "10-class pack ends, with 9 sessions unused of 10 sessions." in said
    assert "Ana Ruiz gets 108.00 EUR back" in said
    assert "the unused part of the 120.00 EUR paid" in said
    assert 'value="Moving away"' in said
    assert studio.pass_balance(sale.pass_id).state is PassState.ACTIVE
    assert payments.refunds == []
    assert press(client, confirming, "Refund 108.00 EUR").status_code == 302
    assert studio.pass_balance(sale.pass_id).state is PassState.REFUNDED
    assert [refund.amount_minor for refund in payments.refunds] == [10800]


def test_deleting_a_pass_says_what_it_takes_first(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    pass_id = ten_pack(studio, world)
    studio.adjust(
        pass_id,
        -3,
        reason="Counted twice",
        idempotency_key="a",
        actor=OWNER.actor,
        channel="office",
    )
    who.current = OWNER
    page = f"{world.card}/passes/{pass_id}"
    confirming = press(client, client.get(page), "Delete pass", reason="Created by mistake")
    said = shown(confirming)
    assert "Ten classes is deleted: the 7 sessions left on it are taken away." in said
    assert "Nothing is refunded." in said
    assert studio.pass_balance(pass_id).state is PassState.ACTIVE
    # The reason can still be changed here; it is what the history keeps.
    done = press(client, confirming, "Delete the pass and its 7 sessions", reason="Sold twice")
    assert done.status_code == 302
    assert studio.pass_balance(pass_id).state is PassState.VOIDED
    assert studio.history(pass_id=pass_id)[0].reason == "Sold twice"


def test_reversing_a_visit_names_the_units_and_the_pass_first(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    pass_id = ten_pack(studio, world)
    studio.redeem(
        world.member_id, world.service_id, idempotency_key="r", actor=OWNER.actor, channel="office"
    )
    who.current = OWNER
    confirming = press(client, client.get(world.card), "Reverse", reason="Wrong client")
    said = shown(confirming)
    assert "Ana Ruiz's Vinyasa flow of Mon 02 Mar 2026, 09:00 no longer counts." in said
    assert "Given back: 1 session to Ten classes." in said
    assert studio.pass_balance(pass_id).remaining == 9
    assert press(client, confirming, "Give back 1 session").status_code == 302
    assert studio.pass_balance(pass_id).remaining == 10
    # Once reversed, the confirmation says so rather than offering it again.
    assert (
        client.get(form_with(confirming, "Give back 1 session").action + "/confirm").status_code
        == 409
    )


def test_cancelling_a_class_lists_who_is_booked_and_what_they_get_back(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    pass_id = ten_pack(studio, world)
    evening = studio.add_occurrence(world.service_id, TUESDAY_EVENING)
    for member_id, key in ((world.member_id, "b1"), (world.other_member_id, "b2")):
        studio.book(member_id, evening.id, idempotency_key=key, actor=OWNER.actor, channel="office")
    who.current = OWNER
    page = f"{OFFICE}/schedule/{evening.id}"
    confirming = press(client, client.get(page), "Cancel the class")
    said = shown(confirming)
    assert "Cancel Vinyasa flow, Tue 03 Mar 2026, 18:00" in said
    assert "2 bookings cancelled, every credit given back, whatever the cut-off." in said
    assert "<li>Ana Ruiz: their credit is given back to Ten classes (1 session)</li>" in said
    assert "<li>Eva Ruiz: their credit is given back to Ten classes (1 session)</li>" in said
    assert studio.pass_balance(pass_id).remaining == 8
    assert studio.occurrence(evening.id).cancelled_at is None
    assert press(client, confirming, "Cancel the class and its 2 bookings").status_code == 302
    assert studio.occurrence(evening.id).cancelled_at is not None
    assert studio.pass_balance(pass_id).remaining == 10


def test_cancelling_a_booking_from_the_roster_says_where_the_credit_goes(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    pass_id = ten_pack(studio, world)
    evening = studio.add_occurrence(world.service_id, TUESDAY_EVENING)
    for member_id, key in ((world.member_id, "b1"), (world.other_member_id, "b2")):
        studio.book(member_id, evening.id, idempotency_key=key, actor=OWNER.actor, channel="office")
    ana, eva = studio.roster(evening.id)
    who.current = OWNER
    page = f"{OFFICE}/schedule/{evening.id}"
    confirming = press(client, _row(client.get(page).text, ana.member_name), "Cancel booking")
    said = shown(confirming)
    assert "Ana Ruiz is taken off Vinyasa flow, Tue 03 Mar 2026, 18:00." in said
    assert "Their credit is given back." in said
    assert studio.pass_balance(pass_id).remaining == 8
    assert press(client, confirming, "Cancel the booking").status_code == 302
    assert studio.pass_balance(pass_id).remaining == 9

    eva_row = _row(client.get(page).text, eva.member_name)
    confirming = press(client, eva_row, "Cancel, keep the credit", reason="Agreed by phone")
    said = shown(confirming)
    assert "Their credit is kept, whatever the cut-off: it is not given back." in said
    assert 'value="Agreed by phone"' in said
    (still,) = [b for b in studio.roster(evening.id) if b.booking_id == eva.booking_id]
    assert still.state is BookingState.RESERVED
    assert press(client, confirming, "Cancel the booking, keep the credit").status_code == 302
    (kept,) = [b for b in studio.roster(evening.id) if b.booking_id == eva.booking_id]
    assert (kept.state, kept.cancel_reason) == (BookingState.CANCELLED, "Agreed by phone")
    assert studio.pass_balance(pass_id).remaining == 9


def _row(page: str, name: str) -> str:
    """The roster's row of one member, with its buttons."""
    (found,) = [row for row in page.split("<tr>") if f">{name}</a>" in row]
    return found
