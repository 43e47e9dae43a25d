"""The office's schedule: the week's calendar, adding a class, an occurrence's roster (book,
attended, no-show, cancel), calling a class off, and each service's booking policy."""

from __future__ import annotations

import datetime as dt

import pytest
from forms_seen import form_of, forms_of, said_beside
from office_world import OFFICE, World, build, shown, ten_pack
from support import FRONT_DESK, OWNER, START, Client, Who, csrf, submit

from sessionpacks import BookingState, CreditTaken, ManualClock, Studio
from sessionpacks.schedule import OccurrenceInfo
from sessionpacks.web import Identity

SCHEDULE = OFFICE + "/schedule"
# START is Monday 2026-03-02 09:00 UTC; the studio's zone is UTC in these tests.
TUESDAY_EVENING = dt.datetime(2026, 3, 3, 18, 0, tzinfo=dt.timezone.utc)
WEEK = dt.timedelta(days=7)


@pytest.fixture
def world(studio: Studio) -> World:
    return build(studio)


def _class(studio: Studio, world: World, **kw: object) -> OccurrenceInfo:
    starts_at = kw.pop("starts_at", TUESDAY_EVENING)
    return studio.add_occurrence(world.service_id, starts_at, **kw)  # type: ignore[arg-type]


def _book(studio: Studio, member_id: int, occurrence_id: int, key: str) -> int:
    return studio.book(
        member_id, occurrence_id, idempotency_key=key, actor=OWNER.actor, channel="office"
    ).booking_id


def _page(occurrence: OccurrenceInfo) -> str:
    return f"{SCHEDULE}/{occurrence.id}"


def _week(studio: Studio) -> tuple[OccurrenceInfo, ...]:
    return studio.calendar(START - WEEK, START + 4 * WEEK)


# -- the week's calendar ---------------------------------------------------------------------


def test_the_week_shows_each_day_with_places_taken_and_marks(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    ten_pack(studio, world)
    evening = _class(studio, world, capacity=2, instructor_ref="Mia")
    _book(studio, world.member_id, evening.id, "b1")
    _class(studio, world, starts_at=TUESDAY_EVENING + dt.timedelta(days=1), private=True)
    off = _class(studio, world, starts_at=TUESDAY_EVENING + dt.timedelta(days=2))
    studio.cancel_occurrence(off.id, idempotency_key="off", actor=OWNER.actor, channel="office")
    later = _class(studio, world, starts_at=TUESDAY_EVENING + WEEK, capacity=9)
    who.current = FRONT_DESK
    page = shown(client.get(SCHEDULE))
    assert "Schedule: 2026-03-02 to 2026-03-08" in page
    assert "Tuesday 2026-03-03" in page
    assert "Wednesday 2026-03-04" in page
    assert "18:00\u201319:00" in page  # an en dash between the times
    assert "1 of 2" in page
    assert "Mia" in page
    assert "private" in page
    assert "cancelled" in page
    assert f'href="{_page(evening)}"' in page
    assert f'href="{_page(later)}"' not in page
    assert "from=2026-03-09" in page
    assert "from=2026-02-23" in page
    following = shown(client.get(SCHEDULE + "?from=2026-03-09"))
    assert f'href="{_page(later)}"' in following
    assert "0 of 9" in following
    assert "Nothing on the schedule this week" in shown(client.get(SCHEDULE + "?from=2026-04-20"))


def test_a_bad_week_start_is_refused_naming_the_field(client: Client, who: Who) -> None:
    who.current = OWNER
    response = client.get(SCHEDULE + "?from=next-week")
    assert response.status_code == 422
    assert "'from'" in shown(response)


def test_the_office_nav_links_to_the_schedule(client: Client, who: Who) -> None:
    who.current = OWNER
    assert f'href="{SCHEDULE}"' in client.get(OFFICE + "/tasks").text


# -- adding a class --------------------------------------------------------------------------


def test_adding_a_class_reads_the_time_in_the_studio_zone_and_applies_once(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    who.current = OWNER
    data = {
        "idempotency_key": "add-1",
        "service_id": str(world.service_id),
        "starts_at": "2026-03-03T18:00",
        "capacity": "12",
        "instructor_ref": "Mia",
        "private": "on",
    }
    response = submit(client, SCHEDULE, SCHEDULE, data)
    assert response.status_code == 302
    (added,) = _week(studio)
    assert response.location.endswith(_page(added))
    assert (added.starts_at, added.ends_at) == (
        TUESDAY_EVENING,
        TUESDAY_EVENING + dt.timedelta(hours=1),
    )
    assert (added.capacity, added.instructor_ref, added.private) == (12, "Mia", True)
    assert "Added for Tue 03 Mar 2026, 18:00" in shown(client.get(response.location))
    # The same form sent again (a double tap) adds nothing more.
    assert submit(client, SCHEDULE, SCHEDULE, data).status_code == 302
    assert _week(studio) == (added,)


def test_adding_a_class_with_bad_input_names_the_field_and_adds_nothing(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    who.current = OWNER
    good = {"service_id": str(world.service_id), "starts_at": "2026-03-03T18:00"}
    for data, named, said in (
        ({**good, "capacity": "many"}, "capacity", "Enter a whole number"),
        ({**good, "starts_at": ""}, "starts_at", "Required"),
        ({**good, "starts_at": "tuesday"}, "starts_at", "Enter a date and time"),
        ({**good, "service_id": ""}, "service_id", "Required"),
    ):
        response = submit(client, SCHEDULE, SCHEDULE, data)
        assert response.status_code == 422, (data, response.status_code)
        assert said in said_beside(response, SCHEDULE, named)
        assert form_of(response, SCHEDULE).fields["starts_at"].value == data["starts_at"]
    # A service that is gone is no typing mistake: the problem page says so.
    response = submit(client, SCHEDULE, SCHEDULE, {**good, "service_id": "999"})
    assert response.status_code == 404
    assert "That service does not exist" in shown(response)
    assert _week(studio) == ()


def test_the_front_desk_may_not_add_a_class(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    who.current = FRONT_DESK
    data = {"service_id": str(world.service_id), "starts_at": "2026-03-03T18:00"}
    response = submit(client, SCHEDULE, SCHEDULE, data)
    assert response.status_code == 403
    assert "Your role at the studio does not allow this." in shown(response)
    assert _week(studio) == ()


# -- the roster ------------------------------------------------------------------------------


def test_booking_a_member_by_code_shows_them_on_the_roster_once(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    ten_pack(studio, world)
    evening = _class(studio, world, capacity=5)
    who.current = FRONT_DESK
    page = _page(evening)
    assert "Nobody booked yet" in client.get(page).text
    data = {"idempotency_key": "book-1", "member_ref": "K-1001"}
    response = submit(client, page, page + "/book", data)
    assert response.status_code == 302
    assert submit(client, page, page + "/book", data).status_code == 302  # a double submit
    (booking,) = studio.roster(evening.id)
    assert (booking.member_id, booking.state) == (world.member_id, BookingState.RESERVED)
    roster = shown(client.get(page))
    assert "Ana Ruiz booked" in roster
    assert "Ana Ruiz" in roster
    assert '">booked</span>' in roster
    assert "session 1 of 10" in roster
    assert "1</strong> of 5" in roster
    unknown = ("K-404", "No member has the code 'K-404'.", 404)
    for value, said, status in (("", "Required", 422), unknown):
        response = submit(client, page, page + "/book", {"member_ref": value})
        assert response.status_code == status
        assert said_beside(response, "/book", "member_ref") == said
    assert len(studio.roster(evening.id)) == 1


def test_a_booking_nobody_marked_after_the_start_says_so(
    client: Client, who: Who, world: World, studio: Studio, clock: ManualClock
) -> None:
    ten_pack(studio, world)
    evening = _class(studio, world)
    _book(studio, world.member_id, evening.id, "b1")
    who.current = OWNER
    assert '">booked</span>' in shown(client.get(_page(evening)))
    clock.set(TUESDAY_EVENING + dt.timedelta(hours=2))
    later = shown(client.get(_page(evening)))
    assert '">not marked yet</span>' in later
    assert '">booked</span>' not in later


def test_attended_at_the_desk_but_no_show_and_cancel_only_for_the_owner(
    client: Client, who: Who, world: World, studio: Studio, clock: ManualClock
) -> None:
    ten_pack(studio, world)
    evening = _class(studio, world)
    came = _book(studio, world.member_id, evening.id, "b1")
    missed = _book(studio, world.other_member_id, evening.id, "b2")
    page = _page(evening)
    clock.set(TUESDAY_EVENING + dt.timedelta(minutes=5))
    who.current = FRONT_DESK
    attended = {"idempotency_key": "att-1"}
    assert submit(client, page, f"{page}/bookings/{came}/attended", attended).status_code == 302
    assert submit(client, page, f"{page}/bookings/{came}/attended", attended).status_code == 302
    for action in ("no-show", "cancel"):
        response = submit(client, page, f"{page}/bookings/{missed}/{action}", {})
        assert response.status_code == 403, action
    states = {r.booking_id: r.state for r in studio.roster(evening.id)}
    assert states == {came: BookingState.ATTENDED, missed: BookingState.RESERVED}
    who.current = OWNER
    response = submit(client, page, f"{page}/bookings/{missed}/no-show", {})
    assert response.status_code == 302
    assert "Eva Ruiz marked a no-show." in shown(client.get(page))
    states = {r.booking_id: r.state for r in studio.roster(evening.id)}
    assert states == {came: BookingState.ATTENDED, missed: BookingState.NO_SHOW}
    # Only a reserved booking changes: a second action on it is refused, saying why.
    response = submit(client, page, f"{page}/bookings/{came}/cancel", {})
    assert response.status_code == 409
    assert "only a reserved booking" in shown(response)
    assert "<h2>Roster</h2>" in response.text


def test_cancelling_a_booking_gives_the_credit_back_before_the_cut_off(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    pass_id = ten_pack(studio, world)
    evening = _class(studio, world)
    booked = _book(studio, world.member_id, evening.id, "b1")
    assert studio.pass_balance(pass_id).remaining == 9
    who.current = OWNER
    page = _page(evening)
    data = {"idempotency_key": "cancel-1"}
    assert submit(client, page, f"{page}/bookings/{booked}/cancel", data).status_code == 302
    assert submit(client, page, f"{page}/bookings/{booked}/cancel", data).status_code == 302
    (record,) = studio.roster(evening.id)
    assert (record.state, record.given_back) == (BookingState.CANCELLED, True)
    assert studio.pass_balance(pass_id).remaining == 10
    roster = shown(client.get(page))
    # Said once, in words: whose booking, and what became of the credit.
    assert roster.count("Ana Ruiz's booking cancelled; the credit is back.") == 1
    assert "credit given back" in roster


def test_cancelling_a_booking_keeping_the_credit_asks_why_and_shows_it(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    pass_id = ten_pack(studio, world)
    evening = _class(studio, world)
    booked = _book(studio, world.member_id, evening.id, "b1")
    who.current = OWNER
    page = _page(evening)
    assert "Cancel, keep the credit" in client.get(page).text
    action = f"{page}/bookings/{booked}/cancel"
    refused = submit(client, page, action, {"keep_credit": "1", "reason": ""})
    assert refused.status_code == 422
    (kept,) = [form for form in forms_of(refused) if "reason" in form.fields]
    assert kept.fields["reason"].error == "Required"
    data = {"keep_credit": "1", "reason": "no-show agreed by phone"}
    assert submit(client, page, action, data).status_code == 302
    (record,) = studio.roster(evening.id)
    assert (record.state, record.given_back) == (BookingState.CANCELLED, False)
    assert studio.pass_balance(pass_id).remaining == 9
    roster = shown(client.get(page))
    assert "the credit was kept" in roster
    assert "credit kept: no-show agreed by phone" in roster


def test_an_unknown_occurrence_is_not_found(client: Client, who: Who) -> None:
    who.current = OWNER
    assert client.get(SCHEDULE + "/999").status_code == 404


# -- calling a class off ---------------------------------------------------------------------


def test_calling_a_class_off_says_how_many_bookings_and_credits_and_applies_once(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    pass_id = ten_pack(studio, world)
    evening = _class(studio, world)
    _book(studio, world.member_id, evening.id, "b1")
    _book(studio, world.other_member_id, evening.id, "b2")
    page = _page(evening)
    who.current = FRONT_DESK
    assert submit(client, page, page + "/cancel", {}).status_code == 403
    assert studio.occurrence(evening.id).cancelled_at is None
    who.current = OWNER
    data = {"idempotency_key": "off-1"}
    response = submit(client, page, page + "/cancel", data)
    assert response.status_code == 302
    roster = shown(client.get(response.location))
    assert "Class cancelled: 2 bookings cancelled, 2 credits given back." in roster
    assert studio.occurrence(evening.id).cancelled_at == START
    assert studio.pass_balance(pass_id).remaining == 10
    assert {r.state for r in studio.roster(evening.id)} == {BookingState.CANCELLED}
    # The same form again replays the first answer; the roster offers no form any more (the
    # token comes from the week's page).
    again = submit(client, SCHEDULE, page + "/cancel", data)
    assert again.status_code == 302
    assert "2 credits given back" in shown(client.get(again.location))
    assert "Book a member" not in client.get(page).text
    assert submit(client, SCHEDULE, page + "/cancel", {}).status_code == 409


# -- booking policy --------------------------------------------------------------------------


def test_setting_a_services_booking_policy(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    who.current = OWNER
    page = f"{OFFICE}/services/{world.service_id}/booking-policy"
    assert f'href="{page}"' in client.get(OFFICE + "/services").text
    assert "at booking" in client.get(page).text
    data = {
        "credit_taken": "at_attendance",
        "cancel_cutoff_minutes": "720",
        "no_show_forfeits": "on",
    }
    response = submit(client, page, page, data)
    assert response.status_code == 302
    policy = studio.booking_policy(world.service_id)
    assert policy.credit_taken is CreditTaken.AT_ATTENDANCE
    assert (policy.cancel_cutoff_minutes, policy.late_cancel_forfeits) == (720, False)
    assert policy.no_show_forfeits
    shown_page = shown(client.get(page))
    assert "Booking policy saved." in shown_page
    assert 'value="720"' in shown_page
    evening = _class(studio, world)
    assert "less than 720 minutes" in shown(client.get(_page(evening)))
    # One minute is a minute, and no cut-off is said as such (not "less than 0 minutes").
    for minutes, said in (("1", "less than 1 minute before"), ("0", "cancelled up to the start")):
        data = {"credit_taken": "at_booking", "cancel_cutoff_minutes": minutes}
        assert submit(client, page, page, data).status_code == 302
        assert said in shown(client.get(_page(evening)))


def test_a_bad_booking_policy_names_the_field_and_the_desk_may_not_set_one(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    page = f"{OFFICE}/services/{world.service_id}/booking-policy"
    before = studio.booking_policy(world.service_id)
    good = {"credit_taken": "at_attendance", "cancel_cutoff_minutes": "60"}
    who.current = OWNER
    for data, named in (
        ({**good, "credit_taken": "whenever"}, "credit_taken"),
        ({**good, "cancel_cutoff_minutes": "soon"}, "Enter a whole number"),
        ({**good, "cancel_cutoff_minutes": "-5"}, "cancel_cutoff_minutes"),
    ):
        response = submit(client, page, page, data)
        assert response.status_code == 422, data
        # The policy's page again, the error on its form and what was typed kept.
        form = form_of(response, page)
        assert named in " ".join(form.errors), data
        assert form.fields["cancel_cutoff_minutes"].value == data["cancel_cutoff_minutes"]
    who.current = FRONT_DESK
    assert submit(client, page, page, good).status_code == 403
    assert studio.booking_policy(world.service_id) == before
    assert client.get(f"{OFFICE}/services/999/booking-policy").status_code == 404


# -- who may, and CSRF -----------------------------------------------------------------------


def _endpoints(world: World, occurrence: OccurrenceInfo, booking_id: int) -> list[str]:
    page = _page(occurrence)
    return [
        SCHEDULE,
        page + "/book",
        f"{page}/bookings/{booking_id}/attended",
        f"{page}/bookings/{booking_id}/no-show",
        f"{page}/bookings/{booking_id}/cancel",
        page + "/cancel",
        f"{OFFICE}/services/{world.service_id}/booking-policy",
    ]


def _unchanged(studio: Studio, world: World, occurrence: OccurrenceInfo, booking_id: int) -> None:
    assert _week(studio) == (occurrence,)
    (record,) = studio.roster(occurrence.id)
    assert (record.booking_id, record.state) == (booking_id, BookingState.RESERVED)
    assert studio.booking_policy(world.service_id).credit_taken is CreditTaken.AT_BOOKING


def test_every_post_without_the_csrf_token_is_refused_and_writes_nothing(
    client: Client, who: Who, world: World, studio: Studio, clock: ManualClock
) -> None:
    ten_pack(studio, world)
    evening = _class(studio, world)
    booked = _book(studio, world.member_id, evening.id, "b1")
    clock.set(TUESDAY_EVENING + dt.timedelta(minutes=5))
    who.current = OWNER
    data = {
        "idempotency_key": "no-token",
        "service_id": str(world.service_id),
        "starts_at": "2026-03-04T18:00",
        "member_ref": "K-1002",
        "credit_taken": "at_attendance",
        "cancel_cutoff_minutes": "60",
    }
    for action in _endpoints(world, evening, booked):
        response = client.post(action, data=data)
        assert response.status_code == 400, action
    _unchanged(studio, world, evening, booked)


@pytest.mark.parametrize("signed_in", ["member", "nobody"])
def test_members_and_strangers_get_no_schedule_page_and_no_write(
    client: Client, who: Who, world: World, studio: Studio, signed_in: str
) -> None:
    ten_pack(studio, world)
    evening = _class(studio, world)
    booked = _book(studio, world.member_id, evening.id, "b1")
    who.current = OWNER
    token = csrf(client, SCHEDULE)
    status = 403 if signed_in == "member" else 401
    who.current = Identity.member(world.member_id, "member") if signed_in == "member" else None
    pages = [SCHEDULE, _page(evening), f"{OFFICE}/services/{world.service_id}/booking-policy"]
    for page in pages:
        assert client.get(page).status_code == status, page
    data = {
        **token,
        "idempotency_key": "stranger",
        "service_id": str(world.service_id),
        "starts_at": "2026-03-04T18:00",
        "member_ref": "K-1001",
        "credit_taken": "at_attendance",
        "cancel_cutoff_minutes": "60",
    }
    for action in _endpoints(world, evening, booked):
        assert client.post(action, data=data).status_code == status, action
    _unchanged(studio, world, evening, booked)
