"""The customer portal: a member's passes, history and classes; enrolling and cancelling; and
that a member sees and touches nothing of another account."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import attrs
import pytest
from office_world import shown
from pressing import press
from support import OWNER, START, Client, Who, csrf, submit

from sessionpacks import BookingState, ManualClock, PassTerms, Studio
from sessionpacks.directory import MemberInfo
from sessionpacks.web import Identity

PORTAL = "/sessionpacks/my/"
CLASSES = "/sessionpacks/my/classes"
HISTORY = "/sessionpacks/my/history"

_keys = itertools.count(1)


@attrs.frozen
class Family:
    member: MemberInfo
    child: MemberInfo
    pass_id: int


@attrs.frozen
class Setup:
    lucia: Family
    other: Family
    yoga: int
    occurrence_id: int


def _grant(studio: Studio, account_id: int, quantity: int, label: str) -> int:
    return studio.grant(
        account_id,
        PassTerms(quantity=quantity, label=label, expires_at=START + dt.timedelta(days=90)),
        reason="sold at the desk",
        idempotency_key=f"grant-{next(_keys)}",
        actor=OWNER.actor,
        channel="office",
    ).pass_id


def _family(studio: Studio, ref: str, name: str) -> Family:
    account = studio.add_account(ref, name)
    member = studio.add_member(account.id, name, ref=f"{ref}-m")
    child = studio.add_member(account.id, f"{name} Jr", ref=f"{ref}-c")
    return Family(member, child, _grant(studio, account.id, 10, f"{name}'s 10-pack"))


@pytest.fixture
def setup(studio: Studio, who: Who) -> Setup:
    yoga = studio.add_service("Yoga", category="class", duration_minutes=60).id
    occurrence = studio.add_occurrence(yoga, START + dt.timedelta(days=1), instructor_ref="Ana")
    found = Setup(
        _family(studio, "acc-1", "Lucía Pérez"),
        _family(studio, "acc-2", "Bruno Díaz"),
        yoga,
        occurrence.id,
    )
    who.current = Identity.member(found.lucia.member.id, "member")
    return found


def _enroll(studio: Studio, member: MemberInfo, occurrence_id: int) -> int:
    return studio.enroll(
        member.id,
        occurrence_id,
        idempotency_key=f"enroll-{next(_keys)}",
        actor=OWNER.actor,
        channel="office",
    ).booking_id


def _remaining(studio: Studio, pass_id: int) -> int:
    return studio.pass_balance(pass_id).remaining


# -- who may see the portal ------------------------------------------------------------------


@pytest.mark.parametrize(
    "page",
    [PORTAL, CLASSES, HISTORY, "/sessionpacks/my/passes/1"],
)
def test_nobody_signed_in_gets_401_and_staff_without_a_member_gets_403(
    client: Client, who: Who, page: str
) -> None:
    assert client.get(page).status_code == 401
    who.current = OWNER
    refused = client.get(page)
    assert refused.status_code == 403
    # The studio's own page, saying why, with its header and a way back: not a bare 403.
    assert "your account is not linked to one" in refused.text
    assert 'class="sp-header"' in refused.text
    assert ">Back to the site</a>" in refused.text


# -- pages ----------------------------------------------------------------------------------


def test_my_passes_show_what_is_left_the_state_and_the_expiry(
    client: Client, studio: Studio, setup: Setup
) -> None:
    page = client.get(PORTAL)
    assert page.status_code == 200
    assert "Lucía Pérez&#39;s 10-pack" in page.text
    assert "10 of 10 sessions left" in page.text
    assert "sp-state-active" in page.text
    assert "Sun 31 May 2026" in page.text  # START + 90 days, in the studio's zone (UTC)
    # Without a locale setting, the pages are English and say so.
    assert '<html lang="en">' in page.text
    # Nothing of the other account.
    assert "Bruno" not in page.text


def test_a_pass_page_shows_its_history_and_another_accounts_pass_is_not_found(
    client: Client, studio: Studio, setup: Setup
) -> None:
    _enroll(studio, setup.lucia.member, setup.occurrence_id)
    page = client.get(f"/sessionpacks/my/passes/{setup.lucia.pass_id}")
    assert page.status_code == 200
    assert "9 sessions left of 10 sessions" in page.text
    # The entry in words, not the ledger's: a visit used.
    assert "Used (session 1 of 10)" in page.text
    assert "sold at the desk" in page.text

    other = client.get(f"/sessionpacks/my/passes/{setup.other.pass_id}")
    assert other.status_code == 404
    assert "Bruno" not in other.text
    assert client.get("/sessionpacks/my/passes/999").status_code == 404


def test_history_shows_my_bookings_and_my_accounts_credits_only(
    client: Client, studio: Studio, setup: Setup
) -> None:
    _enroll(studio, setup.lucia.member, setup.occurrence_id)
    _enroll(studio, setup.other.member, setup.occurrence_id)
    page = client.get(HISTORY)
    assert page.status_code == 200
    assert "Yoga" in page.text
    assert "session 1 of 10" in page.text
    assert "Cancel booking" in page.text
    assert page.text.count("sold at the desk") == 1


def test_the_schedule_lists_upcoming_classes_with_an_enroll_button(
    client: Client, studio: Studio, setup: Setup
) -> None:
    studio.add_occurrence(setup.yoga, START - dt.timedelta(hours=2))  # already over
    studio.add_occurrence(setup.yoga, START + dt.timedelta(days=30))  # beyond two weeks
    page = client.get(CLASSES)
    assert page.status_code == 200
    assert page.text.count('<button type="submit">Enroll') == 1
    assert "Tue 03 Mar 2026, 09:00" in page.text
    assert "Ana" in page.text
    # A family account chooses who goes, once, above the list.
    assert page.text.count("Lucía Pérez Jr</option>") == 1


def test_who_goes_and_what_pays_are_chosen_once_and_only_what_can_pay_is_offered(
    client: Client, studio: Studio, setup: Setup
) -> None:
    spin = studio.add_service("Spin", category="class", duration_minutes=45).id
    kids = studio.grant(
        studio.member(setup.lucia.member.id).account_id,
        PassTerms(quantity=5, label="Kids' spin pack", services=(spin,)),
        reason="sold at the desk",
        idempotency_key="kids",
        actor=OWNER.actor,
        channel="office",
    ).pass_id
    page = client.get(CLASSES).text
    assert page.count('name="member_id"') == 2  # the choice above, and the one Enroll form
    chosen = client.get(f"{CLASSES}?member_id={setup.lucia.child.id}&pass_id={kids}").text
    # The kids' pack pays for Spin only: the yoga class is not offered with it.
    assert "That pass does not pay for this class" in chosen
    assert '<button type="submit">Enroll' not in chosen
    child = client.get(f"{CLASSES}?member_id={setup.lucia.child.id}").text
    assert f'name="member_id" value="{setup.lucia.child.id}"' in child
    assert '<button type="submit">Enroll Lucía</button>' in child
    # Another account's member or pass in the query is ignored, not used.
    other = client.get(f"{CLASSES}?member_id={setup.other.member.id}&pass_id={setup.other.pass_id}")
    assert f'name="member_id" value="{setup.lucia.member.id}"' in other.text
    assert 'name="pass_id" value=' not in other.text


# -- enrolling ---------------------------------------------------------------------------------


def test_enrolling_takes_a_credit_through_the_portal_and_says_so(
    client: Client, studio: Studio, setup: Setup
) -> None:
    response = submit(client, CLASSES, f"{CLASSES}/{setup.occurrence_id}/enroll", {})
    assert response.status_code == 303
    page = client.get(response.location)
    assert "Enrolled for Tue 03 Mar 2026, 09:00. Session 1 of 10, 9 left." in page.text
    (booking,) = studio.bookings(member_id=setup.lucia.member.id)
    assert booking.state is BookingState.RESERVED
    assert _remaining(studio, setup.lucia.pass_id) == 9
    (entry,) = [e for e in studio.history(pass_id=setup.lucia.pass_id) if e.kind.value == "redeem"]
    assert entry.channel.value == "portal"
    assert entry.actor_kind == "member"
    # Enrolled: the button became a cancel button.
    assert "Cancel booking" in page.text


def test_a_double_submit_enrolls_once(client: Client, studio: Studio, setup: Setup) -> None:
    token = csrf(client, CLASSES)
    form = {**token, "idempotency_key": "double-tap"}
    action = f"{CLASSES}/{setup.occurrence_id}/enroll"
    assert client.post(action, data=form).status_code == 303
    assert client.post(action, data=form).status_code == 303
    assert len(studio.bookings(member_id=setup.lucia.member.id)) == 1
    assert _remaining(studio, setup.lucia.pass_id) == 9


def test_a_familys_history_says_who_used_each_credit_in_the_passs_unit(
    client: Client, studio: Studio, setup: Setup, who: Who
) -> None:
    _enroll(studio, setup.lucia.child, setup.occurrence_id)
    rows = [
        " | ".join(" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells)
        for row in re.findall(r"<tr>(.*?)</tr>", client.get(HISTORY).text, re.S)
        if (cells := re.findall(r"<td[^>]*>(.*?)</td>", row, re.S))
    ]
    used = [row for row in rows if "| Used" in row]
    assert len(used) == 1, rows
    assert "| Lucía Pérez Jr | -1 session | 9 sessions |" in used[0]
    added = next(row for row in rows if "| Added" in row)
    assert "| — | +10 sessions | 10 sessions |" in added
    # A single client's history has no Who column: there is nobody else to tell apart.
    sol = studio.add_member(studio.add_account("acc-3", "Sol Vega").id, "Sol Vega")
    _grant(studio, sol.account_id, 5, "Sol's pack")
    who.current = Identity.member(sol.id, "member")
    single = client.get(HISTORY).text
    assert "+5 sessions" in single
    assert ">Who<" not in single


def test_a_member_enrolls_a_family_member_of_their_own_account(
    client: Client, studio: Studio, setup: Setup
) -> None:
    action = f"{CLASSES}/{setup.occurrence_id}/enroll"
    response = submit(client, CLASSES, action, {"member_id": str(setup.lucia.child.id)})
    assert response.status_code == 303
    assert len(studio.bookings(member_id=setup.lucia.child.id)) == 1
    assert studio.bookings(member_id=setup.lucia.member.id) == ()


def test_enrolling_another_accounts_member_is_refused_and_nothing_changes(
    client: Client, studio: Studio, setup: Setup
) -> None:
    action = f"{CLASSES}/{setup.occurrence_id}/enroll"
    response = submit(client, CLASSES, action, {"member_id": str(setup.other.member.id)})
    assert response.status_code == 403
    assert studio.bookings(account_id=setup.other.member.account_id) == ()
    assert _remaining(studio, setup.other.pass_id) == 10


def test_paying_with_another_accounts_pass_is_refused_and_nothing_changes(
    client: Client, studio: Studio, setup: Setup
) -> None:
    action = f"{CLASSES}/{setup.occurrence_id}/enroll"
    response = submit(client, CLASSES, action, {"pass_id": str(setup.other.pass_id)})
    assert response.status_code == 404
    assert studio.bookings(member_id=setup.lucia.member.id) == ()
    assert _remaining(studio, setup.other.pass_id) == 10
    assert _remaining(studio, setup.lucia.pass_id) == 10


def test_enrolling_without_credit_says_why(
    client: Client, studio: Studio, setup: Setup, who: Who
) -> None:
    account = studio.add_account("acc-3", "Carla")
    carla = studio.add_member(account.id, "Carla")
    token = csrf(client, CLASSES)  # this browser's form token, taken before Carla signs in
    who.current = Identity.member(carla.id, "member")
    page = client.get(CLASSES).text
    assert "No pass on your account pays for this class" in page
    assert '<button type="submit">Enroll' not in page
    # Sent anyway (an old page), the enrollment is refused, saying why.
    data = {**token, "idempotency_key": "carla-1"}
    response = client.post(f"{CLASSES}/{setup.occurrence_id}/enroll", data=data)
    assert response.status_code == 409
    # The classes page again, saying why at its top.
    assert "Not enough credit" in response.text.split('class="sp-error-summary"')[1]
    assert "No pass on your account pays for this class" in response.text
    assert studio.bookings(member_id=carla.id) == ()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"idempotency_key": ""}, "Required"),
        ({"pass_id": "first"}, "Enter a whole number"),
        ({"member_id": "me"}, "Enter a whole number"),
    ],
)
def test_a_bad_enroll_field_is_a_4xx_naming_it(
    client: Client, studio: Studio, setup: Setup, data: dict[str, str], message: str
) -> None:
    response = submit(client, CLASSES, f"{CLASSES}/{setup.occurrence_id}/enroll", data)
    assert response.status_code == 422
    # The classes page again, the error listed at its top.
    assert message in response.text.split('class="sp-error-summary"')[1].split("</section>")[0]
    assert studio.bookings(member_id=setup.lucia.member.id) == ()


def test_enrolling_in_an_unknown_class_is_404(client: Client, studio: Studio, setup: Setup) -> None:
    response = submit(client, CLASSES, f"{CLASSES}/999/enroll", {})
    assert response.status_code == 404
    assert _remaining(studio, setup.lucia.pass_id) == 10


def test_an_enroll_without_the_csrf_token_is_refused_and_nothing_is_written(
    client: Client, studio: Studio, setup: Setup
) -> None:
    response = client.post(
        f"{CLASSES}/{setup.occurrence_id}/enroll", data={"idempotency_key": "k-1"}
    )
    assert response.status_code == 400
    assert "Form expired" in response.text
    assert studio.bookings(member_id=setup.lucia.member.id) == ()


def test_staff_cannot_enroll_through_the_portal(
    client: Client, studio: Studio, setup: Setup, who: Who
) -> None:
    token = csrf(client, CLASSES)
    who.current = OWNER
    response = client.post(
        f"{CLASSES}/{setup.occurrence_id}/enroll",
        data={**token, "idempotency_key": "k-staff"},
    )
    assert response.status_code == 403
    assert studio.bookings(member_id=setup.lucia.member.id) == ()


def test_a_member_whose_role_may_not_enroll_is_refused(
    client: Client, studio: Studio, setup: Setup, who: Who
) -> None:
    who.current = Identity.member(setup.lucia.member.id)  # no roles: the policy allows nothing
    response = submit(client, CLASSES, f"{CLASSES}/{setup.occurrence_id}/enroll", {})
    assert response.status_code == 403
    assert studio.bookings(member_id=setup.lucia.member.id) == ()


# -- cancelling --------------------------------------------------------------------------------


def test_cancelling_my_booking_before_the_cut_off_gives_the_credit_back(
    client: Client, studio: Studio, setup: Setup
) -> None:
    booking_id = _enroll(studio, setup.lucia.member, setup.occurrence_id)
    assert _remaining(studio, setup.lucia.pass_id) == 9
    action = f"/sessionpacks/my/bookings/{booking_id}/cancel"
    response = submit(client, action, action, {"next": CLASSES})
    assert response.status_code == 303
    assert response.location.endswith(CLASSES)
    page = client.get(response.location)
    assert "Booking cancelled; your credit is back." in page.text
    (booking,) = studio.bookings(member_id=setup.lucia.member.id)
    assert booking.state is BookingState.CANCELLED
    assert _remaining(studio, setup.lucia.pass_id) == 10


def test_cancelling_asks_first_saying_whether_the_credit_comes_back(
    client: Client, studio: Studio, setup: Setup, clock: ManualClock
) -> None:
    studio.set_booking_policy(setup.yoga, cancel_cutoff_minutes=720)
    booking_id = _enroll(studio, setup.lucia.member, setup.occurrence_id)
    confirming = press(client, client.get(HISTORY), "Cancel booking")
    assert confirming.status_code == 200
    said = shown(confirming)
    assert "Lucía Pérez: Yoga, Tue 03 Mar 2026, 09:00." in said
    assert "Your credit comes back." in said
    (booking,) = studio.bookings(member_id=setup.lucia.member.id)
    assert booking.state is BookingState.RESERVED
    clock.advance(dt.timedelta(hours=20))
    late = shown(client.get(f"/sessionpacks/my/bookings/{booking_id}/cancel"))
    assert "It is after the cut-off. By the studio's policy the credit is not returned." in late
    response = press(client, confirming, "Cancel the booking")
    assert response.status_code == 303
    assert response.location.endswith(HISTORY)  # back where the button was
    assert studio.bookings(member_id=setup.lucia.member.id)[0].state is (
        BookingState.LATE_CANCELLED
    )
    # Another account's booking has no confirmation to show.
    theirs = _enroll(studio, setup.other.member, setup.occurrence_id)
    assert client.get(f"/sessionpacks/my/bookings/{theirs}/cancel").status_code == 404


def test_a_late_cancellation_follows_the_policy(
    client: Client, studio: Studio, setup: Setup, clock: ManualClock
) -> None:
    studio.set_booking_policy(setup.yoga, cancel_cutoff_minutes=720)
    booking_id = _enroll(studio, setup.lucia.member, setup.occurrence_id)
    clock.advance(dt.timedelta(hours=20))
    action = f"/sessionpacks/my/bookings/{booking_id}/cancel"
    response = submit(client, action, action, {})
    assert response.status_code == 303
    assert "after the cut-off" in client.get(response.location).text
    (booking,) = studio.bookings(member_id=setup.lucia.member.id)
    assert booking.state is BookingState.LATE_CANCELLED
    assert _remaining(studio, setup.lucia.pass_id) == 9


def test_cancelling_another_accounts_booking_is_refused_and_nothing_changes(
    client: Client, studio: Studio, setup: Setup
) -> None:
    booking_id = _enroll(studio, setup.other.member, setup.occurrence_id)
    response = submit(client, CLASSES, f"/sessionpacks/my/bookings/{booking_id}/cancel", {})
    assert response.status_code == 403
    (booking,) = studio.bookings(member_id=setup.other.member.id)
    assert booking.state is BookingState.RESERVED
    assert _remaining(studio, setup.other.pass_id) == 9


def test_cancelling_twice_is_a_conflict_not_a_second_refund(
    client: Client, studio: Studio, setup: Setup
) -> None:
    booking_id = _enroll(studio, setup.lucia.member, setup.occurrence_id)
    action = f"/sessionpacks/my/bookings/{booking_id}/cancel"
    token = csrf(client, action)
    assert client.post(action, data={**token, "idempotency_key": "c-1"}).status_code == 303
    assert client.post(action, data={**token, "idempotency_key": "c-2"}).status_code == 409
    # Its confirmation says so too, rather than offering to cancel again.
    assert client.get(action).status_code == 409
    assert _remaining(studio, setup.lucia.pass_id) == 10


def test_a_cancel_without_the_csrf_token_is_refused(
    client: Client, studio: Studio, setup: Setup
) -> None:
    booking_id = _enroll(studio, setup.lucia.member, setup.occurrence_id)
    response = client.post(
        f"/sessionpacks/my/bookings/{booking_id}/cancel", data={"idempotency_key": "k"}
    )
    assert response.status_code == 400
    (booking,) = studio.bookings(member_id=setup.lucia.member.id)
    assert booking.state is BookingState.RESERVED


def test_a_cancel_returns_only_to_a_portal_page(
    client: Client, studio: Studio, setup: Setup
) -> None:
    booking_id = _enroll(studio, setup.lucia.member, setup.occurrence_id)
    action = f"/sessionpacks/my/bookings/{booking_id}/cancel"
    response = submit(client, action, action, {"next": "https://evil.example/sessionpacks/my/"})
    assert response.status_code == 303
    assert response.location.endswith(HISTORY)


def test_nobody_signed_in_cannot_enroll_or_cancel(
    client: Client, studio: Studio, setup: Setup, who: Who
) -> None:
    booking_id = _enroll(studio, setup.lucia.member, setup.occurrence_id)
    # The token of the booking's confirmation page, the one page that holds its form.
    token = csrf(client, f"/sessionpacks/my/bookings/{booking_id}/cancel")
    who.current = None
    for action in (
        f"{CLASSES}/{setup.occurrence_id}/enroll",
        f"/sessionpacks/my/bookings/{booking_id}/cancel",
    ):
        response = client.post(action, data={**token, "idempotency_key": "k-n"})
        assert response.status_code == 401
    (booking,) = studio.bookings(member_id=setup.lucia.member.id)
    assert booking.state is BookingState.RESERVED
    assert _remaining(studio, setup.lucia.pass_id) == 9
