"""Rosters: who is booked into one occurrence, the places each occurrence has taken, and calling
an occurrence off (who may, and which credits came back)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.engine import Engine

from sessionpacks import (
    ALL,
    BookingState,
    Channel,
    ManualClock,
    NotAuthorized,
    NotFound,
    RolePolicy,
    Settings,
    Studio,
)
from sessionpacks.bookings import OccurrenceCancelled
from sessionpacks.codec import dumps, loads
from sessionpacks.values import Actor
from tests.conftest import STAFF, START, Gym

CLASS_TIME = START + dt.timedelta(days=1)


def _book(gym: Gym, member_id: int, occurrence_id: int) -> int:
    return gym.studio.book(
        member_id,
        occurrence_id,
        idempotency_key=gym.key("book"),
        actor=STAFF,
        channel=Channel.OFFICE,
    ).booking_id


def test_a_roster_lists_the_bookings_of_one_occurrence_in_booking_order(gym: Gym) -> None:
    family = gym.account()
    ann, bob = gym.member(family, "Ann"), gym.member(family, "Bob")
    yoga = gym.service("Yoga")
    gym.grant(family, 5)
    occurrence = gym.studio.add_occurrence(yoga.id, CLASS_TIME, capacity=3)
    other = gym.studio.add_occurrence(yoga.id, CLASS_TIME + dt.timedelta(hours=1))
    second = _book(gym, bob.id, occurrence.id)
    first_ann = _book(gym, ann.id, occurrence.id)
    _book(gym, ann.id, other.id)
    gym.studio.cancel_booking(first_ann, idempotency_key="c", actor=STAFF, channel=Channel.OFFICE)
    roster = gym.studio.roster(occurrence.id)
    assert [(r.booking_id, r.member_id, r.state) for r in roster] == [
        (second, bob.id, BookingState.RESERVED),
        (first_ann, ann.id, BookingState.CANCELLED),
    ]
    assert (roster[0].member_name, roster[0].service_name) == ("Bob", "Yoga")
    assert [(p.number, p.of) for p in roster[0].passes] == [(1, 5)]
    assert gym.studio.roster(other.id)[0].member_id == ann.id
    with pytest.raises(NotFound):
        gym.studio.roster(999_999)


def test_places_taken_count_what_the_capacity_counts(gym: Gym, clock: ManualClock) -> None:
    family = gym.account()
    ann, bob = gym.member(family, "Ann"), gym.member(family, "Bob")
    yoga = gym.service("Yoga")
    gym.grant(family, 5)
    full = gym.studio.add_occurrence(yoga.id, CLASS_TIME, capacity=2)
    empty = gym.studio.add_occurrence(yoga.id, CLASS_TIME + dt.timedelta(hours=2))
    came = _book(gym, ann.id, full.id)
    gone = _book(gym, bob.id, full.id)
    gym.studio.cancel_booking(gone, idempotency_key="c", actor=STAFF, channel=Channel.OFFICE)
    clock.set(CLASS_TIME)
    gym.studio.mark_attended(came, idempotency_key="a", actor=STAFF, channel=Channel.OFFICE)
    assert gym.studio.places_taken([full.id, empty.id]) == {full.id: 1, empty.id: 0}
    assert gym.studio.places_taken([]) == {}


def test_calling_an_occurrence_off_asks_manage_schedule_and_says_which_credit_came_back(
    engine: Engine, clock: ManualClock
) -> None:
    policy = RolePolicy({"owner": ALL, "desk": {"cancel"}})
    studio = Studio(engine, settings=Settings(policy=policy), clock=clock)
    gym = Gym(studio)
    family = gym.account()
    ann = gym.member(family, "Ann")
    yoga = gym.service("Yoga")
    gym.grant(family, 5)
    occurrence = studio.add_occurrence(yoga.id, CLASS_TIME)
    booked = _book(gym, ann.id, occurrence.id)
    desk = Actor(kind="staff", id="desk", roles=("desk",))
    owner = Actor(kind="staff", id="owner", roles=("owner",))
    with pytest.raises(NotAuthorized, match="may not manage_schedule"):
        studio.cancel_occurrence(occurrence.id, idempotency_key="d", actor=desk, channel="office")
    assert studio.occurrence(occurrence.id).cancelled_at is None
    called_off = studio.cancel_occurrence(
        occurrence.id, idempotency_key="o", actor=owner, channel="office"
    )
    assert (called_off.booking_ids, called_off.given_back) == ((booked,), (booked,))
    # The replay returns the same result.
    again = studio.cancel_occurrence(
        occurrence.id, idempotency_key="o", actor=owner, channel="office"
    )
    assert again == called_off


def test_a_result_stored_before_a_field_was_added_reads_with_its_default() -> None:
    stored = '{"booking_ids":[4],"occurrence_id":2,"operation_id":9}'
    assert loads(OccurrenceCancelled, stored) == OccurrenceCancelled(2, (4,), 9)
    assert loads(OccurrenceCancelled, dumps(OccurrenceCancelled(2, (4,), 9, (4,)))).given_back == (
        4,
    )


def test_adding_an_occurrence_twice_under_one_key_adds_it_once(gym: Gym) -> None:
    yoga = gym.service("Yoga")
    first = gym.studio.add_occurrence(
        yoga.id, CLASS_TIME, capacity=8, actor=STAFF, idempotency_key="form-1", channel="office"
    )
    again = gym.studio.add_occurrence(
        yoga.id, CLASS_TIME, capacity=8, actor=STAFF, idempotency_key="form-1", channel="office"
    )
    assert again == first
    end = CLASS_TIME + dt.timedelta(days=1)
    assert gym.studio.calendar(CLASS_TIME, end) == (first,)
    # Without a key every call adds one, as before.
    gym.studio.add_occurrence(yoga.id, CLASS_TIME)
    assert len(gym.studio.calendar(CLASS_TIME, end)) == 2
