"""Bookings: the schedule, both credit policies, cancellations, attendance, no-shows, capacity,
private sessions, check-in and enrollment, reminders and history."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.engine import Engine

from sessionpacks import (
    ROLE_PRESETS,
    BookingState,
    Channel,
    CreditTaken,
    HoldState,
    IdempotencyConflict,
    InsufficientCredit,
    InvalidInput,
    InvalidState,
    ManualClock,
    NotAuthorized,
    NotFound,
    OccurrenceFull,
    PassUnusable,
    RolePolicy,
    Settings,
    Studio,
    Unusable,
)
from sessionpacks.directory import AccountInfo, MemberInfo, ServiceInfo
from sessionpacks.testing import Recorder
from sessionpacks.values import Actor
from tests.conftest import STAFF, START, Gym

HOUR = dt.timedelta(hours=1)
CLASS_TIME = START + dt.timedelta(days=1)  # 2026-01-06 09:00 UTC
KIOSK = Actor(kind="kiosk", id="front-door")


def _setup(gym: Gym, quantity: int = 5, **policy: object) -> tuple[MemberInfo, ServiceInfo, int]:
    family = gym.account()
    ann = gym.member(family, "Ann")
    yoga = gym.service("Yoga")
    if policy:
        gym.studio.set_booking_policy(yoga.id, **policy)  # type: ignore[arg-type]
    granted = gym.grant(family, quantity)
    return ann, yoga, granted.pass_id


def _book(gym: Gym, member: MemberInfo, occurrence_id: int | None, **kw: object):  # type: ignore[no-untyped-def]
    return gym.studio.book(
        member.id,
        occurrence_id,
        idempotency_key=kw.pop("idempotency_key", None) or gym.key("book"),  # type: ignore[arg-type]
        actor=STAFF,
        channel=Channel.OFFICE,
        **kw,  # type: ignore[arg-type]
    )


def _act(gym: Gym, method: str, booking_id: int):  # type: ignore[no-untyped-def]
    return getattr(gym.studio, method)(
        booking_id, idempotency_key=gym.key(method), actor=STAFF, channel=Channel.OFFICE
    )


def _remaining(gym: Gym, pass_id: int) -> int:
    return gym.studio.pass_balance(pass_id).remaining


# -- the schedule -------------------------------------------------------------------------------


def test_occurrences_end_after_the_service_and_private_ones_stay_off_the_schedule(
    gym: Gym,
) -> None:
    yoga = gym.service("Yoga", minutes=75)
    public = gym.studio.add_occurrence(yoga.id, CLASS_TIME, instructor_ref="t-1", capacity=12)
    hidden = gym.studio.add_occurrence(yoga.id, CLASS_TIME + HOUR, private=True)
    assert public.ends_at == CLASS_TIME + dt.timedelta(minutes=75)
    assert gym.studio.occurrence(public.id) == public
    day = (CLASS_TIME - HOUR, CLASS_TIME + 3 * HOUR)
    assert [o.id for o in gym.studio.schedule(*day)] == [public.id]
    assert [o.id for o in gym.studio.calendar(*day)] == [public.id, hidden.id]
    assert gym.studio.schedule(CLASS_TIME + HOUR, CLASS_TIME + 2 * HOUR) == ()


def test_bad_occurrences_are_refused_by_name(gym: Gym) -> None:
    yoga = gym.service()
    with pytest.raises(InvalidInput, match="capacity must be greater than zero"):
        gym.studio.add_occurrence(yoga.id, CLASS_TIME, capacity=0)
    with pytest.raises(InvalidInput, match="must end after it starts"):
        gym.studio.add_occurrence(yoga.id, CLASS_TIME, ends_at=CLASS_TIME)
    with pytest.raises(InvalidInput, match="must be timezone-aware"):
        gym.studio.add_occurrence(yoga.id, dt.datetime(2026, 1, 6, 9))
    with pytest.raises(NotFound, match="unknown service"):
        gym.studio.add_occurrence(9999, CLASS_TIME)
    with pytest.raises(NotFound, match="unknown occurrence"):
        gym.studio.occurrence(9999)


def test_booking_policy_defaults_and_changes(gym: Gym) -> None:
    yoga = gym.service()
    policy = gym.studio.booking_policy(yoga.id)
    assert policy.credit_taken is CreditTaken.AT_BOOKING
    assert (policy.cancel_cutoff_minutes, policy.late_cancel_forfeits) == (0, True)
    changed = gym.studio.set_booking_policy(
        yoga.id, credit_taken="at_attendance", cancel_cutoff_minutes=720, no_show_forfeits=False
    )
    assert changed.credit_taken is CreditTaken.AT_ATTENDANCE
    assert (changed.cancel_cutoff_minutes, changed.no_show_forfeits) == (720, False)
    assert changed.late_cancel_forfeits is True
    with pytest.raises(InvalidInput, match="unknown credit_taken 'later'"):
        gym.studio.set_booking_policy(yoga.id, credit_taken="later")
    with pytest.raises(InvalidInput, match="cancel_cutoff_minutes cannot be negative"):
        gym.studio.set_booking_policy(yoga.id, cancel_cutoff_minutes=-1)
    assert gym.studio.booking_policy(yoga.id) == changed


# -- credit taken at booking --------------------------------------------------------------------


def test_at_booking_debits_now_and_an_early_cancellation_gives_it_back(gym: Gym) -> None:
    ann, yoga, pass_id = _setup(gym, cancel_cutoff_minutes=120)
    occurrence = gym.studio.add_occurrence(yoga.id, CLASS_TIME)
    booked = _book(gym, ann, occurrence.id)
    assert (booked.state, booked.hold, booked.created) == (BookingState.RESERVED, None, True)
    assert booked.redeemed is not None
    assert booked.redeemed.parts[0].number == 1
    assert _remaining(gym, pass_id) == 4
    cancelled = _act(gym, "cancel_booking", booked.booking_id)
    assert cancelled.state is BookingState.CANCELLED
    assert cancelled.returned is not None
    assert cancelled.returned.deltas == (1,)
    assert _remaining(gym, pass_id) == 5
    assert gym.studio.verify() == ()


def test_at_booking_a_late_cancellation_keeps_the_credit(gym: Gym, clock: ManualClock) -> None:
    ann, yoga, pass_id = _setup(gym, cancel_cutoff_minutes=120)
    occurrence = gym.studio.add_occurrence(yoga.id, CLASS_TIME)
    booked = _book(gym, ann, occurrence.id)
    clock.set(CLASS_TIME - HOUR)  # inside the two-hour cut-off
    cancelled = _act(gym, "cancel_booking", booked.booking_id)
    assert (cancelled.state, cancelled.returned) == (BookingState.LATE_CANCELLED, None)
    assert _remaining(gym, pass_id) == 4


def test_at_booking_attendance_and_no_show_keep_the_credit(gym: Gym, clock: ManualClock) -> None:
    ann, yoga, pass_id = _setup(gym)
    bob = gym.member(gym.studio.account(ann.account_id), "Bob")
    occurrence = gym.studio.add_occurrence(yoga.id, CLASS_TIME)
    first = _book(gym, ann, occurrence.id)
    second = _book(gym, bob, occurrence.id)
    with pytest.raises(InvalidState, match="cannot be a no-show before then"):
        _act(gym, "mark_no_show", second.booking_id)
    clock.set(CLASS_TIME + HOUR)
    assert _act(gym, "mark_attended", first.booking_id).state is BookingState.ATTENDED
    no_show = _act(gym, "mark_no_show", second.booking_id)
    assert (no_show.state, no_show.returned) == (BookingState.NO_SHOW, None)
    assert _remaining(gym, pass_id) == 3
    with pytest.raises(InvalidState, match="is attended; only a reserved booking can be"):
        _act(gym, "cancel_booking", first.booking_id)
    with pytest.raises(InvalidState, match="is no show; only a reserved booking can be"):
        _act(gym, "mark_attended", second.booking_id)


# -- credit taken at attendance: holds ----------------------------------------------------------


def test_at_attendance_holds_at_booking_and_captures_on_attendance(
    gym: Gym, clock: ManualClock
) -> None:
    ann, yoga, pass_id = _setup(gym, 1, credit_taken=CreditTaken.AT_ATTENDANCE)
    occurrence = gym.studio.add_occurrence(yoga.id, CLASS_TIME)
    later = gym.studio.add_occurrence(yoga.id, CLASS_TIME + 2 * HOUR)
    booked = _book(gym, ann, occurrence.id)
    assert (booked.state, booked.hold) == (BookingState.RESERVED, HoldState.HELD)
    # The held credit cannot be spent on anything else.
    assert _remaining(gym, pass_id) == 0
    with pytest.raises(InsufficientCredit):
        _book(gym, ann, later.id)
    with pytest.raises(InsufficientCredit):
        gym.redeem(ann, yoga)
    clock.set(CLASS_TIME)
    attended = _act(gym, "mark_attended", booked.booking_id)
    assert (attended.state, attended.hold) == (BookingState.ATTENDED, HoldState.CAPTURED)
    assert _remaining(gym, pass_id) == 0
    assert gym.studio.verify() == ()


def test_at_attendance_an_early_cancellation_releases_the_hold(gym: Gym) -> None:
    ann, yoga, pass_id = _setup(gym, 1, credit_taken="at_attendance", cancel_cutoff_minutes=60)
    occurrence = gym.studio.add_occurrence(yoga.id, CLASS_TIME)
    booked = _book(gym, ann, occurrence.id)
    cancelled = _act(gym, "cancel_booking", booked.booking_id)
    assert (cancelled.state, cancelled.hold) == (BookingState.CANCELLED, HoldState.RELEASED)
    assert _remaining(gym, pass_id) == 1
    # The place is free again: the member may book the same class anew.
    again = _book(gym, ann, occurrence.id)
    assert again.booking_id != booked.booking_id
    assert _remaining(gym, pass_id) == 0


@pytest.mark.parametrize("credit_taken", ["at_booking", "at_attendance"])
def test_staff_cancel_one_booking_keeping_the_credit_with_a_reason(
    gym: Gym, credit_taken: str
) -> None:
    """Trainerize's workaround as a choice per booking: well before the cut-off, the trainer
    cancels this one session and the client's credit is not given back."""
    ann, yoga, pass_id = _setup(gym, 2, credit_taken=credit_taken, cancel_cutoff_minutes=60)
    occurrence = gym.studio.add_occurrence(yoga.id, CLASS_TIME)
    booked = _book(gym, ann, occurrence.id)
    with pytest.raises(InvalidInput, match="reason is required"):
        gym.studio.cancel_booking(
            booked.booking_id,
            idempotency_key="c-0",
            actor=STAFF,
            channel="office",
            keep_credit=True,
        )
    member = Actor(kind="member", id=str(ann.id), roles=("member",))
    members_may_cancel = Studio(
        gym.studio.session_factory.kw["bind"],
        settings=Settings(policy=RolePolicy(ROLE_PRESETS)),
        clock=gym.studio.clock,
    )
    with pytest.raises(NotAuthorized, match="no_show"):
        members_may_cancel.cancel_booking(
            booked.booking_id,
            idempotency_key="c-1",
            actor=member,
            channel="portal",
            keep_credit=True,
            reason="I want to",
        )
    kept = gym.studio.cancel_booking(
        booked.booking_id,
        idempotency_key="c-2",
        actor=STAFF,
        channel="office",
        keep_credit=True,
        reason="cancelled too late by phone, charged as agreed",
    )
    assert kept.state is BookingState.CANCELLED  # before the cut-off, yet no credit back
    assert kept.returned is None
    if credit_taken == "at_attendance":
        assert kept.hold is HoldState.FORFEITED
    assert _remaining(gym, pass_id) == 1
    (record,) = gym.studio.bookings(member_id=ann.id)
    assert record.cancel_reason == "cancelled too late by phone, charged as agreed"
    with pytest.raises(InvalidInput, match="only to cancel keeping the credit"):
        gym.studio.cancel_booking(
            booked.booking_id, idempotency_key="c-3", actor=STAFF, channel="office", reason="x"
        )
    assert gym.studio.verify() == ()


@pytest.mark.parametrize("forfeits", [True, False])
def test_at_attendance_a_late_cancellation_forfeits_or_releases_by_policy(
    gym: Gym, clock: ManualClock, forfeits: bool
) -> None:
    ann, yoga, pass_id = _setup(
        gym,
        1,
        credit_taken="at_attendance",
        cancel_cutoff_minutes=720,
        late_cancel_forfeits=forfeits,
    )
    occurrence = gym.studio.add_occurrence(yoga.id, CLASS_TIME)
    booked = _book(gym, ann, occurrence.id)
    clock.set(CLASS_TIME - 2 * HOUR)
    cancelled = _act(gym, "cancel_booking", booked.booking_id)
    assert cancelled.state is BookingState.LATE_CANCELLED
    assert cancelled.hold is (HoldState.FORFEITED if forfeits else HoldState.RELEASED)
    assert _remaining(gym, pass_id) == (0 if forfeits else 1)


@pytest.mark.parametrize("forfeits", [True, False])
def test_at_attendance_a_no_show_forfeits_or_releases_by_policy(
    gym: Gym, clock: ManualClock, forfeits: bool
) -> None:
    ann, yoga, pass_id = _setup(gym, 1, credit_taken="at_attendance", no_show_forfeits=forfeits)
    occurrence = gym.studio.add_occurrence(yoga.id, CLASS_TIME)
    booked = _book(gym, ann, occurrence.id)
    clock.set(CLASS_TIME + HOUR)
    no_show = _act(gym, "mark_no_show", booked.booking_id)
    assert no_show.state is BookingState.NO_SHOW
    assert no_show.hold is (HoldState.FORFEITED if forfeits else HoldState.RELEASED)
    assert _remaining(gym, pass_id) == (0 if forfeits else 1)
    assert gym.studio.verify() == ()


# -- capacity and refusals ----------------------------------------------------------------------


def test_capacity_is_never_exceeded_and_a_cancellation_frees_a_place(gym: Gym) -> None:
    family = gym.account()
    people = [gym.member(family, f"M{i}") for i in range(3)]
    yoga = gym.service()
    gym.grant(family, 10)
    occurrence = gym.studio.add_occurrence(yoga.id, CLASS_TIME, capacity=2)
    first = _book(gym, people[0], occurrence.id)
    _book(gym, people[1], occurrence.id)
    with pytest.raises(OccurrenceFull, match="all 2 places are taken"):
        _book(gym, people[2], occurrence.id)
    _act(gym, "cancel_booking", first.booking_id)
    assert _book(gym, people[2], occurrence.id).state is BookingState.RESERVED


def test_a_member_books_an_occurrence_once_and_nothing_is_written_on_refusal(gym: Gym) -> None:
    ann, yoga, pass_id = _setup(gym)
    occurrence = gym.studio.add_occurrence(yoga.id, CLASS_TIME)
    booked = _book(gym, ann, occurrence.id)
    with pytest.raises(InvalidState, match=f"already has booking {booked.booking_id}"):
        _book(gym, ann, occurrence.id)
    assert _remaining(gym, pass_id) == 4
    assert len(gym.studio.bookings(member_id=ann.id)) == 1


def test_a_retry_with_the_same_key_books_once(gym: Gym) -> None:
    ann, yoga, pass_id = _setup(gym)
    occurrence = gym.studio.add_occurrence(yoga.id, CLASS_TIME)
    first = _book(gym, ann, occurrence.id, idempotency_key="tap-1")
    assert _book(gym, ann, occurrence.id, idempotency_key="tap-1") == first
    with pytest.raises(IdempotencyConflict):
        _book(gym, ann, occurrence.id, idempotency_key="tap-1", pass_id=pass_id)
    assert _remaining(gym, pass_id) == 4


def test_a_member_cannot_use_another_familys_pass(gym: Gym) -> None:
    ann, yoga, _ = _setup(gym)
    other = gym.account("Other")
    theirs = gym.grant(other, 5)
    occurrence = gym.studio.add_occurrence(yoga.id, CLASS_TIME)
    with pytest.raises(PassUnusable) as refused:
        _book(gym, ann, occurrence.id, pass_id=theirs.pass_id)
    assert refused.value.reason is Unusable.NOT_USABLE_BY_MEMBER
    assert _remaining(gym, theirs.pass_id) == 5
    assert gym.studio.bookings(member_id=ann.id) == ()


def test_a_host_schedule_books_against_its_own_reference(gym: Gym) -> None:
    ann, yoga, pass_id = _setup(gym)
    booked = _book(
        gym, ann, None, occurrence_ref="host-class-77", service_id=yoga.id, starts_at=CLASS_TIME
    )
    assert (booked.occurrence_id, booked.occurrence_ref) == (None, "host-class-77")
    assert booked.redeemed is not None
    assert booked.redeemed.occurrence_ref == "host-class-77"
    with pytest.raises(InvalidState, match="already has booking"):
        _book(
            gym, ann, None, occurrence_ref="host-class-77", service_id=yoga.id, starts_at=CLASS_TIME
        )
    with pytest.raises(InvalidInput, match="needs an occurrence_id, or the host's"):
        _book(gym, ann, None, occurrence_ref="host-class-78")
    assert _remaining(gym, pass_id) == 4


def test_every_booking_action_asks_the_authorization_hook(
    engine: Engine, clock: ManualClock
) -> None:
    asked: list[str] = []

    def policy(actor: Actor, action: str, target: object) -> bool:
        asked.append(action)
        return actor.kind != "member" or action in ("enroll", "grant")

    studio = Studio(engine, settings=Settings(policy=policy), clock=clock)
    gym = Gym(studio)
    ann, yoga, pass_id = _setup(gym)
    occurrence = studio.add_occurrence(yoga.id, CLASS_TIME)
    member = Actor(kind="member", id=str(ann.id))
    with pytest.raises(NotAuthorized, match="may not book member"):
        studio.book(ann.id, occurrence.id, idempotency_key="m1", actor=member, channel="portal")
    enrolled = studio.enroll(ann.id, occurrence.id, idempotency_key="m2", actor=member)
    with pytest.raises(NotAuthorized, match="may not cancel booking"):
        studio.cancel_booking(
            enrolled.booking_id, idempotency_key="m3", actor=member, channel="portal"
        )
    clock.set(CLASS_TIME)
    _act(gym, "mark_attended", enrolled.booking_id)
    studio.book_private_session(
        ann.id, yoga.id, CLASS_TIME, idempotency_key="p", actor=STAFF, channel="office"
    )
    assert {"book", "enroll", "cancel", "attend", "private_session"} <= set(asked)
    assert _remaining(gym, pass_id) == 3


# -- private sessions, emails and reminders -----------------------------------------------------


def _recording_studio(engine: Engine, clock: ManualClock) -> tuple[Studio, Recorder]:
    from sessionpacks import allow_all

    recorder = Recorder()
    return Studio(
        engine, settings=Settings(policy=allow_all), plugins=[recorder], clock=clock
    ), recorder


def _client(gym: Gym, email: str | None = "ann@example.com") -> tuple[AccountInfo, MemberInfo]:
    family = gym.account()
    return family, gym.studio.add_member(family.id, "Ann", email=email)


def test_punchpass_private_session_flow(engine: Engine, clock: ManualClock) -> None:
    """Punchpass (seed 000): a massage class and a one-punch pass tied to it; staff create a
    private session in one step; the client gets a confirmation and, before it, one reminder;
    the session stays off the public schedule; on the day, staff mark it attended."""
    studio, recorder = _recording_studio(engine, clock)
    gym = Gym(studio)
    family, ann = _client(gym)
    massage = gym.service("1 Hour Massage", category="massage")
    massage_pass = gym.grant(family, 1, services=(massage.id,), label="1 Hour Massage")
    at = START + dt.timedelta(days=3)
    booked = studio.book_private_session(
        ann.id,
        massage.id,
        at,
        instructor_ref="therapist-jo",
        idempotency_key="private-1",
        actor=STAFF,
        channel=Channel.OFFICE,
    )
    assert (booked.state, booked.created) == (BookingState.RESERVED, True)
    occurrence = studio.occurrence(booked.occurrence_id or 0)
    assert (occurrence.private, occurrence.instructor_ref, occurrence.capacity) == (
        True,
        "therapist-jo",
        1,
    )
    assert studio.schedule(START, at + HOUR) == ()
    assert [o.id for o in studio.calendar(START, at + HOUR)] == [occurrence.id]
    assert [e.to for e in recorder.emails] == ["ann@example.com"]
    assert "1 Hour Massage" in recorder.emails[0].subject
    assert _remaining(gym, massage_pass.pass_id) == 0

    assert studio.send_due_reminders(dt.timedelta(hours=24)).sent == 0  # three days ahead
    clock.set(at - dt.timedelta(hours=20))
    assert studio.send_due_reminders(dt.timedelta(hours=24)).booking_ids == (booked.booking_id,)
    assert studio.send_due_reminders(dt.timedelta(hours=24)).sent == 0
    assert len(recorder.emails) == 2
    assert recorder.emails[1].subject.startswith("Reminder")

    clock.set(at)
    assert _act(gym, "mark_attended", booked.booking_id).state is BookingState.ATTENDED
    (record,) = studio.bookings(member_id=ann.id)
    assert (record.state, record.private, record.instructor_ref) == (
        BookingState.ATTENDED,
        True,
        "therapist-jo",
    )
    assert [(p.pass_id, p.number, p.of) for p in record.passes] == [(massage_pass.pass_id, 1, 1)]


def test_a_private_attendance_after_the_fact_punches_the_chosen_pass(
    engine: Engine, clock: ManualClock
) -> None:
    studio, recorder = _recording_studio(engine, clock)
    gym = Gym(studio)
    family, ann = _client(gym)
    training = gym.service("Personal training")
    gym.grant(family, 10, member=ann)  # would be chosen first without a named pass
    chosen = gym.grant(family, 5)
    yesterday = START - dt.timedelta(days=1)
    done = studio.book_private_session(
        ann.id,
        training.id,
        yesterday,
        pass_id=chosen.pass_id,
        attended=True,
        idempotency_key="after-1",
        actor=STAFF,
        channel=Channel.OFFICE,
    )
    assert done.state is BookingState.ATTENDED
    assert done.redeemed is not None
    assert done.redeemed.parts[0].pass_id == chosen.pass_id
    assert _remaining(gym, chosen.pass_id) == 4
    assert recorder.emails == []  # nothing to confirm after the fact
    assert studio.send_due_reminders().sent == 0


def test_the_email_hook_gets_one_confirmation_and_one_reminder_for_concurrent_sweeps(
    engine: Engine, clock: ManualClock
) -> None:
    import threading

    studio, recorder = _recording_studio(engine, clock)
    gym = Gym(studio)
    family, ann = _client(gym)
    _, no_email = _client(gym, email=None)
    training = gym.service("Personal training")
    gym.grant(family, 5)
    gym.grant(gym.studio.account(no_email.account_id), 5)
    at = START + dt.timedelta(hours=5)
    for member in (ann, no_email):
        studio.book_private_session(
            member.id,
            training.id,
            at,
            idempotency_key=gym.key("private"),
            actor=STAFF,
            channel=Channel.OFFICE,
        )
    reports = []
    sweeps = [
        threading.Thread(target=lambda: reports.append(studio.send_due_reminders()))
        for _ in range(4)
    ]
    for sweep in sweeps:
        sweep.start()
    for sweep in sweeps:
        sweep.join()
    assert sum(r.sent for r in reports) == 1
    assert [e.subject.split(":")[0] for e in recorder.emails] == ["Booked", "Reminder"]
    assert {e.to for e in recorder.emails} == {"ann@example.com"}


def test_member_emails_are_checked(gym: Gym) -> None:
    family = gym.account()
    with pytest.raises(InvalidInput, match="email must be an address"):
        gym.studio.add_member(family.id, "Ann", email="not-an-address")
    ann = gym.studio.add_member(family.id, "Ann")
    assert ann.email is None
    assert gym.studio.set_member_email(ann.id, "ann@example.com").email == "ann@example.com"
    assert gym.studio.member(ann.id).email == "ann@example.com"


# -- kiosk, portal and office: the iClassPro redemption paths ----------------------------------


def test_iclasspro_redemption_paths_kiosk_portal_office(gym: Gym, clock: ManualClock) -> None:
    """iClassPro (seed 002): a family pass redeemed at the check-in kiosk, in the customer
    portal when enrolling, and by staff in the office; each makes a single-day enrollment in the
    class and lowers the pass; a student pass is only for its student."""
    family = gym.account("Family")
    kid = gym.member(family, "Kid")
    sibling = gym.member(family, "Sibling")
    gym_class = gym.service("Open gym")
    family_pass = gym.grant(family, 10, label="Family punch pass")
    student_pass = gym.grant(family, 3, member=sibling, label="Student punch pass")
    monday = gym.studio.add_occurrence(gym_class.id, CLASS_TIME, capacity=10)
    tuesday = gym.studio.add_occurrence(gym_class.id, CLASS_TIME + dt.timedelta(days=1))
    wednesday = gym.studio.add_occurrence(gym_class.id, CLASS_TIME + dt.timedelta(days=2))

    # Kiosk: a double tap replays, a second tap under a new key finds the visit.
    clock.set(CLASS_TIME - dt.timedelta(minutes=10))
    visit = gym.studio.check_in(kid.id, monday.id, idempotency_key="tap-1", actor=KIOSK)
    assert (visit.state, visit.created) == (BookingState.ATTENDED, True)
    assert gym.studio.check_in(kid.id, monday.id, idempotency_key="tap-1", actor=KIOSK) == visit
    again = gym.studio.check_in(kid.id, monday.id, idempotency_key="tap-2", actor=KIOSK)
    assert (again.booking_id, again.created) == (visit.booking_id, False)
    assert _remaining(gym, family_pass.pass_id) == 9

    # Portal: enrolling makes a reservation; enrolling again changes nothing.
    member = Actor(kind="member", id=str(kid.id))
    enrolled = gym.studio.enroll(kid.id, tuesday.id, idempotency_key="web-1", actor=member)
    assert enrolled.state is BookingState.RESERVED
    repeat = gym.studio.enroll(kid.id, tuesday.id, idempotency_key="web-2", actor=member)
    assert (repeat.booking_id, repeat.created) == (enrolled.booking_id, False)
    assert _remaining(gym, family_pass.pass_id) == 8
    # Checking in on the day turns the enrollment into the visit, with no second redemption.
    clock.set(CLASS_TIME + dt.timedelta(days=1))
    arrived = gym.studio.check_in(kid.id, tuesday.id, idempotency_key="tap-3", actor=KIOSK)
    assert (arrived.booking_id, arrived.state) == (enrolled.booking_id, BookingState.ATTENDED)
    assert _remaining(gym, family_pass.pass_id) == 8

    # Office: staff redeem the sibling's own pass; the kid may not use it.
    office = _book(gym, sibling, wednesday.id)
    assert office.redeemed is not None
    assert office.redeemed.parts[0].pass_id == student_pass.pass_id
    with pytest.raises(PassUnusable, match="not usable by this member"):
        gym.studio.enroll(
            kid.id,
            wednesday.id,
            idempotency_key="web-3",
            actor=member,
            pass_id=student_pass.pass_id,
        )

    history = gym.studio.bookings(account_id=family.id)
    assert [(r.member_id, r.state) for r in history] == [
        (kid.id, BookingState.ATTENDED),
        (kid.id, BookingState.ATTENDED),
        (sibling.id, BookingState.RESERVED),
    ]
    assert [(p.number, p.of) for r in history for p in r.passes] == [(1, 10), (2, 10), (1, 3)]
    assert gym.studio.bookings(member_id=sibling.id)[0].passes[0].pass_id == student_pass.pass_id


def test_portal_enrollment_refuses_private_sessions(gym: Gym) -> None:
    ann, yoga, _ = _setup(gym)
    private = gym.studio.add_occurrence(yoga.id, CLASS_TIME, private=True)
    with pytest.raises(InvalidState, match="is a private session"):
        gym.studio.enroll(ann.id, private.id, idempotency_key="e", actor=STAFF)


def test_history_says_which_credit_came_back(gym: Gym) -> None:
    ann, yoga, _pass_id = _setup(gym)
    first = gym.studio.add_occurrence(yoga.id, CLASS_TIME)
    second = gym.studio.add_occurrence(yoga.id, CLASS_TIME + HOUR)
    cancelled = _book(gym, ann, first.id)
    _book(gym, ann, second.id)
    _act(gym, "cancel_booking", cancelled.booking_id)
    records = gym.studio.bookings(member_id=ann.id)
    assert [(r.state, r.given_back) for r in records] == [
        (BookingState.CANCELLED, True),
        (BookingState.RESERVED, False),
    ]
    # The cancelled booking no longer counts: the kept one is session 1 of 5.
    assert [(p.number, p.of) for r in records for p in r.passes] == [(None, None), (1, 5)]
    with pytest.raises(InvalidInput, match="needs a member_id or an account_id"):
        gym.studio.bookings()


def test_cancelling_an_occurrence_gives_every_reservation_its_credit_back(
    gym: Gym, clock: ManualClock
) -> None:
    ann, yoga, pass_id = _setup(gym, credit_taken="at_attendance", cancel_cutoff_minutes=720)
    bob = gym.member(gym.studio.account(ann.account_id), "Bob")
    occurrence = gym.studio.add_occurrence(yoga.id, CLASS_TIME, capacity=5)
    first = _book(gym, ann, occurrence.id)
    second = _book(gym, bob, occurrence.id)
    clock.set(CLASS_TIME - HOUR)  # after the cut-off: the studio's cancellation still refunds
    called_off = gym.studio.cancel_occurrence(
        occurrence.id, idempotency_key="off", actor=STAFF, channel=Channel.OFFICE
    )
    assert called_off.booking_ids == (first.booking_id, second.booking_id)
    assert _remaining(gym, pass_id) == 5
    records = gym.studio.bookings(account_id=ann.account_id)
    assert {(r.state, r.hold, r.given_back) for r in records} == {
        (BookingState.CANCELLED, HoldState.RELEASED, True)
    }
    assert gym.studio.occurrence(occurrence.id).cancelled_at == CLASS_TIME - HOUR
    with pytest.raises(InvalidState, match="was cancelled"):
        _book(gym, ann, occurrence.id)
    with pytest.raises(InvalidState, match="already cancelled"):
        gym.studio.cancel_occurrence(
            occurrence.id, idempotency_key="off-2", actor=STAFF, channel=Channel.OFFICE
        )
