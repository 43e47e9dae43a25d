"""The schedule, bookings, check-ins, private sessions, staff tasks and plans over the API."""

from __future__ import annotations

import datetime as dt

import pytest
from api_support import Seeded, problem, read, seed, write
from support import FRONT_DESK, OWNER, Client, Who

from sessionpacks import ManualClock, Studio
from sessionpacks.web import Identity

CLASS_AT = "2026-03-03T18:00:00+00:00"
WEEK = {"start": "2026-03-02T00:00:00Z", "end": "2026-03-09T00:00:00Z"}


@pytest.fixture
def ids(studio: Studio) -> Seeded:
    found = seed(studio)
    studio.grant(
        found.account,
        studio.template_terms(found.template),
        reason="setup",
        idempotency_key="setup-grant",
        actor=OWNER.actor,
        channel="office",
    )
    return found


def _occurrence(client: Client, ids: Seeded, **extra: object) -> int:
    body = {"service_id": ids.service, "starts_at": CLASS_AT, "capacity": 10, **extra}
    response = write(client, "/occurrences", body)
    assert response.status_code == 201, response.text
    return int(response.json["id"])  # type: ignore[index]


def _remaining(studio: Studio, ids: Seeded) -> int:
    return sum(p.remaining for p in studio.passes(ids.account))


def test_add_and_list_occurrences(client: Client, studio: Studio, who: Who, ids: Seeded) -> None:
    who.current = OWNER
    public = _occurrence(client, ids)
    private = _occurrence(client, ids, private=True)
    assert studio.occurrence(public).capacity == 10
    staff_sees = {o["id"] for o in read(client, "/occurrences", **WEEK).json}  # type: ignore[union-attr]
    assert staff_sees == {public, private}
    who.current = Identity.member(ids.member, "member")
    member_sees = {o["id"] for o in read(client, "/occurrences", **WEEK).json}  # type: ignore[union-attr]
    assert member_sees == {public}
    problem(write(client, "/occurrences", {"service_id": ids.service, "starts_at": CLASS_AT}), 403)


def test_book_cancel_and_cancel_occurrence(
    client: Client, studio: Studio, who: Who, ids: Seeded
) -> None:
    who.current = OWNER
    occurrence = _occurrence(client, ids)
    body = {"member_id": ids.member, "occurrence_id": occurrence}
    booked = write(client, "/bookings", body, key="b-1")
    assert booked.status_code == 201, booked.text
    assert write(client, "/bookings", body, key="b-1").json == booked.json
    assert _remaining(studio, ids) == 9
    booking = booked.json["booking_id"]  # type: ignore[index]
    cancelled = write(client, f"/bookings/{booking}/cancel")
    assert cancelled.json["state"] == "cancelled"  # type: ignore[index]
    assert _remaining(studio, ids) == 10
    kept = write(client, "/bookings", body).json["booking_id"]  # type: ignore[index]
    assert _remaining(studio, ids) == 9
    problem(write(client, f"/bookings/{kept}/cancel", {"keep_credit": True}), 422, "reason")
    kept_cancel = write(
        client, f"/bookings/{kept}/cancel", {"keep_credit": True, "reason": "charged as agreed"}
    )
    assert kept_cancel.json["state"] == "cancelled"  # type: ignore[index]
    assert _remaining(studio, ids) == 9  # the credit stayed taken
    write(client, "/bookings", body)
    assert _remaining(studio, ids) == 8
    called_off = write(client, f"/occurrences/{occurrence}/cancel")
    assert called_off.status_code == 200, called_off.text
    assert _remaining(studio, ids) == 9
    assert studio.occurrence(occurrence).cancelled_at is not None
    problem(write(client, "/bookings", body), 409)


def test_book_in_the_hosts_own_class_by_ref(
    client: Client, studio: Studio, who: Who, ids: Seeded
) -> None:
    who.current = FRONT_DESK
    body = {
        "member_id": ids.member,
        "occurrence_ref": "site-class-7",
        "service_id": ids.service,
        "starts_at": CLASS_AT,
    }
    booked = write(client, "/bookings", body)
    assert booked.status_code == 201, booked.text
    assert booked.json["occurrence_ref"] == "site-class-7"  # type: ignore[index]
    assert _remaining(studio, ids) == 9


def test_enroll_check_in_attend_and_no_show(
    client: Client, studio: Studio, who: Who, ids: Seeded, clock: ManualClock
) -> None:
    who.current = OWNER
    occurrence = _occurrence(client, ids)
    other = _occurrence(client, ids, starts_at="2026-03-02T10:00:00Z")
    who.current = Identity.member(ids.member, "member")
    enrolled = write(client, "/enrollments", {"member_id": ids.member, "occurrence_id": occurrence})
    assert enrolled.status_code == 201, enrolled.text
    # Enrolling again returns the enrollment.
    again = write(client, "/enrollments", {"member_id": ids.member, "occurrence_id": occurrence})
    assert again.json["booking_id"] == enrolled.json["booking_id"]  # type: ignore[index]
    assert again.json["created"] is False  # type: ignore[index]
    problem(write(client, "/check-ins", {"member_id": ids.member, "occurrence_id": other}), 403)
    who.current = FRONT_DESK
    checked = write(client, "/check-ins", {"member_id": ids.member, "occurrence_id": other})
    assert checked.status_code == 201, checked.text
    assert checked.json["state"] == "attended"  # type: ignore[index]
    assert _remaining(studio, ids) == 8
    booking = enrolled.json["booking_id"]  # type: ignore[index]
    # Only an owner may mark a no-show; it is possible once the class started.
    problem(write(client, f"/bookings/{booking}/no-show"), 403)
    who.current = OWNER
    problem(write(client, f"/bookings/{booking}/no-show"), 409)
    clock.advance(dt.timedelta(days=1, hours=10))
    no_show = write(client, f"/bookings/{booking}/no-show")
    assert no_show.json["state"] == "no_show", no_show.text  # type: ignore[index]
    assert write(client, f"/bookings/{booking}/attend").status_code == 409


def test_attend_marks_a_reservation(client: Client, studio: Studio, who: Who, ids: Seeded) -> None:
    who.current = FRONT_DESK
    who.current = OWNER
    occurrence = _occurrence(client, ids)
    who.current = FRONT_DESK
    booked = write(client, "/bookings", {"member_id": ids.member, "occurrence_id": occurrence})
    booking = booked.json["booking_id"]  # type: ignore[index]
    attended = write(client, f"/bookings/{booking}/attend")
    assert attended.json["state"] == "attended", attended.text  # type: ignore[index]
    (record,) = studio.bookings(member_id=ids.member)
    assert record.state.value == "attended"
    listed = read(client, f"/members/{ids.member}/bookings").json
    assert [b["booking_id"] for b in listed] == [booking]  # type: ignore[union-attr]
    assert len(read(client, f"/accounts/{ids.account}/bookings").json) == 1  # type: ignore[arg-type]


def test_a_member_books_and_cancels_only_their_own(
    client: Client, studio: Studio, who: Who, ids: Seeded
) -> None:
    who.current = OWNER
    occurrence = _occurrence(client, ids)
    theirs = write(
        client, "/bookings", {"member_id": ids.member, "occurrence_id": occurrence}
    ).json["booking_id"]  # type: ignore[index]
    who.current = Identity.member(ids.other_member, "member")
    problem(write(client, "/bookings", {"member_id": ids.member, "occurrence_id": occurrence}), 403)
    problem(write(client, f"/bookings/{theirs}/cancel"), 403)
    problem(read(client, f"/members/{ids.member}/bookings"), 403)
    assert studio.bookings(member_id=ids.member)[0].state.value == "reserved"
    assert _remaining(studio, ids) == 9


def test_a_private_session(client: Client, studio: Studio, who: Who, ids: Seeded) -> None:
    who.current = OWNER
    body = {
        "member_id": ids.member,
        "service_id": ids.service,
        "starts_at": CLASS_AT,
        "instructor_ref": "coach-1",
    }
    made = write(client, "/private-sessions", body, key="pt-1")
    assert made.status_code == 201, made.text
    assert write(client, "/private-sessions", body, key="pt-1").json == made.json
    occurrence = studio.occurrence(made.json["occurrence_id"])  # type: ignore[index]
    assert (occurrence.private, occurrence.instructor_ref) == (True, "coach-1")
    who.current = FRONT_DESK
    problem(write(client, "/private-sessions", body), 403)


def test_tasks_list_and_complete(client: Client, studio: Studio, who: Who, ids: Seeded) -> None:
    who.current = OWNER
    # Using a pack's last session makes a staff task (Settings.task_on_last_session).
    write(client, "/redemptions", {"member_id": ids.member, "service_id": ids.service, "count": 10})
    (task,) = read(client, "/tasks", state="open").json  # type: ignore[misc]
    done = write(client, f"/tasks/{task['id']}/complete")
    assert done.json["state"] == "done", done.text  # type: ignore[index]
    assert studio.tasks(state="open") == ()
    assert read(client, "/tasks", state="open").json == []
    problem(read(client, "/tasks", state="closed"), 422, "'state'")
    who.current = Identity.member(ids.member, "member")
    problem(write(client, f"/tasks/{task['id']}/complete"), 403)


def test_subscribe_renew_and_cancel_a_plan(
    client: Client, studio: Studio, who: Who, ids: Seeded, clock: ManualClock
) -> None:
    plan = studio.create_template("Monthly 4", kind="plan", quantity=4, period_months=1)
    who.current = OWNER
    body = {"template_id": plan.id, "account_id": ids.account, "billing": "external"}
    started = write(client, "/subscriptions", body, key="sub-1")
    assert started.status_code == 201, started.text
    assert write(client, "/subscriptions", body, key="sub-1").json == started.json
    subscription = started.json["subscription_id"]  # type: ignore[index]
    assert studio.subscription(subscription).state.value == "active"
    listed = read(client, "/subscriptions", account_id=ids.account).json
    assert [s["id"] for s in listed] == [subscription]  # type: ignore[union-attr]
    problem(read(client, "/subscriptions", state="paused"), 422, "'state'")
    clock.advance(dt.timedelta(days=32))
    renewed = write(client, f"/subscriptions/{subscription}/renew", {})
    assert renewed.status_code == 200, renewed.text
    assert studio.subscription(subscription).period_number == 2
    cancelled = write(client, f"/subscriptions/{subscription}/cancel")
    assert cancelled.json["state"] == "cancelled", cancelled.text  # type: ignore[index]
    problem(write(client, "/subscriptions", {**body, "billing": "barter"}), 422, "'billing'")


def test_renewals_are_listed_for_staff(
    client: Client, studio: Studio, who: Who, ids: Seeded
) -> None:
    who.current = OWNER
    assert read(client, "/renewals").json == []
    assert read(client, "/renewals", state="failed").json == []
    problem(read(client, "/renewals", state="later"), 422, "'state'")
    who.current = Identity.member(ids.member, "member")
    problem(read(client, "/renewals"), 403)


def test_a_classes_roster_lists_its_bookings_for_staff_only(
    client: Client, studio: Studio, who: Who, ids: Seeded
) -> None:
    who.current = OWNER
    occurrence = _occurrence(client, ids)
    assert read(client, f"/occurrences/{occurrence}/bookings").json == []
    booked = write(client, "/bookings", {"member_id": ids.member, "occurrence_id": occurrence})
    roster = read(client, f"/occurrences/{occurrence}/bookings").json
    assert [(b["booking_id"], b["member_id"], b["state"]) for b in roster] == [  # type: ignore[union-attr]
        (booked.json["booking_id"], ids.member, "reserved")  # type: ignore[index]
    ]
    problem(read(client, "/occurrences/9999/bookings"), 404, "occurrence")
    who.current = Identity.member(ids.member, "member")
    problem(read(client, f"/occurrences/{occurrence}/bookings"), 403)


def test_places_taken_counts_what_the_capacity_counts(
    client: Client, studio: Studio, who: Who, ids: Seeded
) -> None:
    who.current = OWNER
    occurrence = _occurrence(client, ids)
    path = f"/occurrences/{occurrence}/places-taken"
    assert read(client, path).json == 0
    booked = write(client, "/bookings", {"member_id": ids.member, "occurrence_id": occurrence})
    assert read(client, path).json == 1
    write(client, f"/bookings/{booked.json['booking_id']}/cancel")  # type: ignore[index]
    assert read(client, path).json == 0
    problem(read(client, "/occurrences/9999/places-taken"), 404, "occurrence")
    who.current = Identity.member(ids.member, "member")
    problem(read(client, path), 403)
