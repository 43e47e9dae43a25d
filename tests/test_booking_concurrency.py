"""Bookings made at the same moment by separate processes, each with its own engine: capacity is
never exceeded, a held credit is never held twice, and a reminder goes out once however many
sweeps run."""

from __future__ import annotations

import datetime as dt
import multiprocessing
from collections.abc import Callable
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from sessionpacks import (
    Actor,
    Channel,
    CreditTaken,
    InsufficientCredit,
    ManualClock,
    OccurrenceFull,
    Settings,
    Studio,
    allow_all,
    create_engine,
)
from sessionpacks.models import Email
from tests.conftest import START, Gym

CLASS_TIME = START + dt.timedelta(days=1)
DESK = Actor(kind="staff", id="desk")
SPAWN = multiprocessing.get_context("spawn")


def _studio(url: str) -> tuple[Studio, Engine]:
    engine = create_engine(url)
    return Studio(engine, settings=Settings(policy=allow_all), clock=ManualClock(START)), engine


def _book_in_child(
    url: str, barrier: Barrier, results: Queue[str], member_id: int, occurrence_id: int
) -> None:
    studio, engine = _studio(url)
    try:
        barrier.wait()
        studio.book(
            member_id,
            occurrence_id,
            idempotency_key=f"child-{member_id}-{occurrence_id}",
            actor=DESK,
            channel=Channel.OFFICE,
        )
        results.put("booked")
    except OccurrenceFull:
        results.put("full")
    except InsufficientCredit:
        results.put("no credit")
    except Exception as error:  # reported, so the test fails with the reason
        results.put(f"{type(error).__name__}: {error}")
    finally:
        engine.dispose()


def _check_in_in_child(
    url: str, barrier: Barrier, results: Queue[str], member_id: int, occurrence_id: int, key: str
) -> None:
    studio, engine = _studio(url)
    try:
        barrier.wait()
        visit = studio.check_in(member_id, occurrence_id, idempotency_key=key, actor=DESK)
        results.put(f"{visit.booking_id}:{'new' if visit.created else 'existing'}")
    except Exception as error:
        results.put(f"{type(error).__name__}: {error}")
    finally:
        engine.dispose()


def _sweep_in_child(url: str, barrier: Barrier, results: Queue[str], now: dt.datetime) -> None:
    engine = create_engine(url)
    studio = Studio(engine, settings=Settings(policy=allow_all), clock=ManualClock(now))
    try:
        barrier.wait()
        results.put(str(studio.send_due_reminders(dt.timedelta(hours=24)).sent))
    except Exception as error:
        results.put(f"{type(error).__name__}: {error}")
    finally:
        engine.dispose()


def _run(target: Callable[..., None], argument_lists: list[tuple[object, ...]]) -> list[str]:
    """Run ``target`` in one spawned process per argument list, all released at once."""
    barrier = SPAWN.Barrier(len(argument_lists))
    results: Queue[str] = SPAWN.Queue()
    children = [
        SPAWN.Process(target=target, args=(args[0], barrier, results, *args[1:]))
        for args in argument_lists
    ]
    for child in children:
        child.start()
    outcomes = [results.get(timeout=180) for _ in children]
    for child in children:
        child.join(timeout=60)
    return sorted(outcomes)


def test_processes_booking_the_last_places_never_exceed_the_capacity(
    gym: Gym, database_url: str
) -> None:
    yoga = gym.service("Yoga")
    occurrence = gym.studio.add_occurrence(yoga.id, CLASS_TIME, capacity=3)
    family = gym.account()
    early = gym.member(family, "Early")
    gym.grant(family, 10)
    gym.studio.book(
        early.id, occurrence.id, idempotency_key="early", actor=DESK, channel=Channel.OFFICE
    )
    members = [gym.member(family, f"M{i}") for i in range(4)]
    outcomes = _run(_book_in_child, [(database_url, m.id, occurrence.id) for m in members])
    assert outcomes == ["booked", "booked", "full", "full"]
    live = gym.studio.bookings(account_id=family.id)
    assert len(live) == 3
    assert gym.studio.pass_balance(gym.studio.passes(family.id)[0].pass_id).remaining == 7


def test_two_bookings_cannot_both_hold_the_last_credit(gym: Gym, database_url: str) -> None:
    yoga = gym.service("Yoga")
    gym.studio.set_booking_policy(yoga.id, credit_taken=CreditTaken.AT_ATTENDANCE)
    family = gym.account()
    ann, bob = gym.member(family, "Ann"), gym.member(family, "Bob")
    last = gym.grant(family, 1)
    first = gym.studio.add_occurrence(yoga.id, CLASS_TIME)
    second = gym.studio.add_occurrence(yoga.id, CLASS_TIME + dt.timedelta(hours=2))
    outcomes = _run(
        _book_in_child, [(database_url, ann.id, first.id), (database_url, bob.id, second.id)]
    )
    assert outcomes == ["booked", "no credit"]
    assert gym.studio.pass_balance(last.pass_id).remaining == 0
    assert len(gym.studio.bookings(account_id=family.id)) == 1
    assert gym.studio.verify() == ()


def test_concurrent_reminder_sweeps_send_each_reminder_once(
    gym: Gym, engine: Engine, database_url: str
) -> None:
    family = gym.account()
    ann = gym.studio.add_member(family.id, "Ann", email="ann@example.com")
    training = gym.service("Personal training")
    gym.grant(family, 2)
    at = START + dt.timedelta(days=2)
    gym.studio.book_private_session(
        ann.id, training.id, at, idempotency_key="p1", actor=DESK, channel=Channel.OFFICE
    )
    now = at - dt.timedelta(hours=3)
    outcomes = _run(_sweep_in_child, [(database_url, now) for _ in range(3)])
    assert outcomes == ["0", "0", "1"]
    with engine.connect() as conn:
        subjects = conn.execute(sa.select(Email.subject).order_by(Email.id)).scalars().all()
    assert [s.split(":")[0] for s in subjects] == ["Booked", "Reminder"]


def test_simultaneous_check_ins_of_one_member_redeem_once(gym: Gym, database_url: str) -> None:
    gym_class = gym.service("Open gym")
    family = gym.account()
    kid = gym.member(family, "Kid")
    pack = gym.grant(family, 5)
    occurrence = gym.studio.add_occurrence(gym_class.id, CLASS_TIME, capacity=1)
    taps: list[tuple[object, ...]] = [
        (database_url, kid.id, occurrence.id, key) for key in ("tap-a", "tap-b", "tap-a")
    ]
    outcomes = _run(_check_in_in_child, taps)
    (visit,) = gym.studio.bookings(member_id=kid.id)
    # The two taps under "tap-a" replay one result; "tap-b" finds the visit, or made it.
    assert {o.split(":")[0] for o in outcomes} == {str(visit.booking_id)}
    assert sorted(o.split(":")[1] for o in outcomes).count("new") in (1, 2)
    assert gym.studio.pass_balance(pack.pass_id).remaining == 4
