"""The demo studio's data: services, products, a family with two children, a single client, three
weeks of history and a schedule of classes from today on.

The history is written through the library itself, with a clock set back three weeks and moved
forward as it goes, so every entry, balance and "session n of N" is what the real calls made.
"""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy.engine import Engine

from sessionpacks import (
    Actor,
    Channel,
    ManualClock,
    PassTerms,
    Settings,
    Studio,
    allow_all,
)
from sessionpacks.demo.payments import DemoPayments
from sessionpacks.demo.people import STAFF_NAME

CURRENCY = "USD"
DAY = dt.timedelta(days=1)
# Who the seeded history says did it.
FRONT_DESK = Actor(kind="staff", id="alex", roles=("owner",))


def is_seeded(studio: Studio) -> bool:
    return bool(studio.find_accounts(limit=1))


def seed(engine: Engine, now: dt.datetime) -> None:
    """Fill an empty database; the history ends at ``now``."""
    clock = ManualClock(now - 21 * DAY)
    studio = Studio(
        engine, settings=Settings(policy=allow_all), plugins=[DemoPayments()], clock=clock
    )
    keys = (f"demo-seed-{n}" for n in itertools.count(1))
    studio.remember_actor_name(FRONT_DESK, STAFF_NAME)

    def moment(days: float, hour: int = 9) -> dt.datetime:
        start = (now - 21 * DAY).replace(hour=hour, minute=0, second=0, microsecond=0)
        return start + dt.timedelta(days=days)

    def at(days: float, hour: int = 9) -> None:
        clock.set(moment(days, hour))

    yoga = studio.add_service("Vinyasa Yoga", category="yoga", duration_minutes=60)
    spin = studio.add_service("Spin", category="cycling", duration_minutes=45)
    dance = studio.add_service("Kids Dance", category="dance", duration_minutes=45)
    training = studio.add_service("Personal Training", category="training", duration_minutes=60)

    ten = studio.create_template(
        "10-Class Pass",
        quantity=10,
        price_minor=15000,
        currency=CURRENCY,
        validity_months=3,
        categories=("yoga", "cycling"),
    )
    drop_in = studio.create_template(
        "Drop-in Class",
        quantity=1,
        price_minor=2000,
        currency=CURRENCY,
        validity_days=30,
        categories=("yoga", "cycling"),
    )
    kids = studio.create_template(
        "Kids Dance 5-Pack",
        quantity=5,
        price_minor=6000,
        currency=CURRENCY,
        validity_months=2,
        categories=("dance",),
        scope="member",
    )
    studio.create_template(
        "3 Personal Training Sessions",
        quantity=3,
        price_minor=18000,
        currency=CURRENCY,
        validity_months=6,
        services=(training.id,),
    )

    garcias = studio.add_account("family-garcia", "The Garcia family")
    maria = studio.add_member(garcias.id, "Maria Garcia", ref="1001", email="maria@example.org")
    lucia = studio.add_member(garcias.id, "Lucía Garcia", ref="1002")
    mateo = studio.add_member(garcias.id, "Mateo Garcia", ref="1003")
    lee = studio.add_account("client-lee", "Sam Lee")
    sam = studio.add_member(lee.id, "Sam Lee", ref="2001", email="sam@example.org")

    def redeem(member_id: int, service_id: int, days: float, hour: int) -> None:
        at(days, hour)
        studio.redeem(
            member_id, service_id, idempotency_key=next(keys), actor=FRONT_DESK, channel="kiosk"
        )

    at(0)
    studio.sell(ten.id, garcias.id, idempotency_key=next(keys), actor=FRONT_DESK, channel="office")
    redeem(maria.id, yoga.id, 1, 18)
    at(2)
    studio.sell(
        kids.id,
        garcias.id,
        member_id=mateo.id,
        idempotency_key=next(keys),
        actor=FRONT_DESK,
        channel="office",
    )
    redeem(lucia.id, spin.id, 3, 17)
    redeem(mateo.id, dance.id, 5, 16)
    redeem(maria.id, yoga.id, 8, 7)
    redeem(mateo.id, dance.id, 12, 16)

    at(10)
    studio.sell(drop_in.id, lee.id, idempotency_key=next(keys), actor=FRONT_DESK, channel="office")
    redeem(sam.id, yoga.id, 10, 12)
    at(15)
    studio.grant(
        lee.id,
        PassTerms(quantity=2, label="Welcome back", expires_at=now + 30 * DAY),
        reason="came back after an injury",
        idempotency_key=next(keys),
        actor=FRONT_DESK,
        channel=Channel.OFFICE,
    )

    # A booked, attended class in the past, for the appointment history.
    at(17, 8)
    past = studio.add_occurrence(yoga.id, moment(18, 7), capacity=20)
    studio.book(maria.id, past.id, idempotency_key=next(keys), actor=FRONT_DESK, channel="portal")

    # The schedule: every day from today for a week, and two classes starting within two hours
    # so the kiosk has something to check in to whenever the demo starts.
    clock.set(now)
    today = now.replace(minute=0, second=0, microsecond=0)
    studio.add_occurrence(yoga.id, today + dt.timedelta(minutes=30), capacity=20)
    studio.add_occurrence(spin.id, today + dt.timedelta(minutes=90), capacity=12)
    for day in range(7):
        base = today.replace(hour=0) + day * DAY
        for service, hour in ((yoga, 7), (yoga, 18), (spin, 12), (dance, 16)):
            starts = base + dt.timedelta(hours=hour)
            if starts > now + dt.timedelta(minutes=90):
                studio.add_occurrence(service.id, starts, capacity=12)
