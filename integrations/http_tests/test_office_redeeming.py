"""Redeeming from the office (after its dry run), reversing a redemption from the history, and a
private session in one step."""

from __future__ import annotations

import datetime as dt

import pytest
from forms_seen import form_of, said_beside
from office_world import World, build, shown, ten_pack
from support import FRONT_DESK, OWNER, Client, Who, submit

from sessionpacks import Studio


@pytest.fixture
def world(studio: Studio) -> World:
    return build(studio)


def test_the_dry_run_shows_which_pass_would_pay_and_changes_nothing(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    pass_id = ten_pack(studio, world)
    who.current = FRONT_DESK
    page = client.get(
        f"{world.card}/redeem?member_id={world.member_id}&service_id={world.service_id}"
    ).text
    why = "Ten classes pays 1 session: shared by everyone on the account, never expires"
    assert f"{why}, free credits" in page
    assert "UTC" not in page
    assert "a family pass" not in page
    assert ">Redeem</button>" in page
    assert studio.pass_balance(pass_id).remaining == 10


def test_the_dry_run_says_why_nothing_can_pay(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    who.current = FRONT_DESK
    response = client.get(
        f"{world.card}/redeem?member_id={world.member_id}&service_id={world.service_id}"
    )
    assert response.status_code == 200
    assert "Cannot redeem" in response.text
    assert ">Redeem</button>" not in response.text
    pass_id = ten_pack(studio, world)
    studio.suspend(
        pass_id, reason="injury", idempotency_key="s-1", actor=OWNER.actor, channel="office"
    )
    page = client.get(
        f"{world.card}/redeem?member_id={world.member_id}&service_id={world.service_id}"
    ).text
    assert "Cannot redeem" in page
    assert "Ten classes: 10 sessions left, cannot pay: it is on hold" in page
    # The suspended pass is listed, by its name, with the reason it cannot pay.
    bad = client.get(f"{world.card}/redeem?member_id=ana&service_id=1")
    assert bad.status_code == 422
    assert "'member_id'" in shown(bad)


def test_redeeming_once_shows_session_1_of_10_on_the_card(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    pass_id = ten_pack(studio, world)
    who.current = FRONT_DESK
    page = f"{world.card}/redeem?member_id={world.member_id}&service_id={world.service_id}"
    data = {
        "member_id": str(world.member_id),
        "service_id": str(world.service_id),
        "idempotency_key": "redeem-once",
    }
    assert submit(client, page, f"{world.card}/redeem", data).status_code == 302
    # The same form sent twice redeems once.
    assert submit(client, page, f"{world.card}/redeem", data).status_code == 302
    assert studio.pass_balance(pass_id).remaining == 9
    card = client.get(world.card).text
    assert "session 1 of 10" in card
    assert "Redeemed 1 session (Ten classes: session 1 of 10)." in card


def test_redeeming_without_credit_is_refused_with_the_reason(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    who.current = FRONT_DESK
    data = {"member_id": str(world.member_id), "service_id": str(world.service_id)}
    response = submit(client, world.card, f"{world.card}/redeem", data)
    assert response.status_code == 409
    response = submit(client, world.card, f"{world.card}/redeem", {"member_id": "1"})
    assert response.status_code == 422
    # The redeem page again: its form of hidden fields cannot be shown without a service, so
    # the error is said above the page.
    assert "Required" in shown(response)
    assert "<h1>Redeem for" in response.text


def test_reversing_a_redemption_from_the_history(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    pass_id = ten_pack(studio, world)
    redeemed = studio.redeem(
        world.member_id, world.service_id, idempotency_key="r1", actor=OWNER.actor, channel="office"
    )
    action = f"{world.card}/redemptions/{redeemed.redemption_id}/reverse"
    who.current = FRONT_DESK
    card = client.get(world.card).text
    assert action in card
    # Why is for staff to say: the form suggests, it does not fill it in for them.
    assert 'placeholder="Recorded by mistake"' in card
    assert 'value="Recorded by mistake"' not in card
    # The front desk may redeem but, by this studio's policy, not reverse.
    response = submit(client, world.card, action, {"reason": "Wrong client"})
    assert response.status_code == 403
    assert studio.pass_balance(pass_id).remaining == 9
    who.current = OWNER
    response = submit(client, world.card, action, {"reason": ""})
    assert response.status_code == 422
    assert said_beside(response, action, "reason") == "Required"
    assert submit(client, world.card, action, {"reason": "Wrong client"}).status_code == 302
    assert studio.pass_balance(pass_id).remaining == 10
    assert "Visit reversed: its credit is back on the pass." in client.get(world.card).text


def test_a_private_session_in_one_step(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    pass_id = ten_pack(studio, world)
    who.current = OWNER
    page = f"{world.card}/private-session"
    assert "<label>Starts" in client.get(page).text
    response = submit(
        client,
        page,
        page,
        {
            "member_id": str(world.member_id),
            "service_id": str(world.service_id),
            "starts_at": "2026-03-05T10:00",
            "instructor_ref": "coach-1",
            "pass_id": str(pass_id),
        },
    )
    assert response.status_code == 302, response.text
    (booking,) = studio.bookings(account_id=world.account_id)
    assert booking.private
    assert booking.instructor_ref == "coach-1"
    assert booking.starts_at == dt.datetime(2026, 3, 5, 10, 0, tzinfo=dt.timezone.utc)
    card = client.get(world.card).text
    assert "(private)" in card
    assert "Private session booked for " in card


def test_a_private_session_is_refused_to_the_front_desk_and_needs_a_start(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    ten_pack(studio, world)
    page = f"{world.card}/private-session"
    data = {
        "member_id": str(world.member_id),
        "service_id": str(world.service_id),
        "starts_at": "2026-03-05T10:00",
    }
    who.current = FRONT_DESK
    assert submit(client, page, page, data).status_code == 403
    who.current = OWNER
    response = submit(client, page, page, {**data, "starts_at": ""})
    assert response.status_code == 422
    assert said_beside(response, page, "starts_at") == "Required"
    assert form_of(response, page).fields["service_id"].chosen == [str(world.service_id)]
    assert studio.bookings(account_id=world.account_id) == ()
