"""A studio whose engine has a pool of one connection: no call may hold one connection while it
asks the pool for another, or it waits for itself (here, for one second, then fails)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from sessionpacks import (
    ManualClock,
    PassState,
    PassTerms,
    Settings,
    Studio,
    allow_all,
    create_engine,
)
from sessionpacks.testing import Recorder
from tests.conftest import STAFF, START


@pytest.fixture
def one_connection(engine: Engine, database_url: str) -> Iterator[Engine]:
    small = create_engine(database_url, pool_size=1, max_overflow=0, pool_timeout=1)
    yield small
    small.dispose()


def test_every_kind_of_call_works_on_a_pool_of_one(one_connection: Engine) -> None:
    clock = ManualClock(START)
    studio = Studio(
        one_connection, settings=Settings(policy=allow_all), plugins=[Recorder()], clock=clock
    )
    family = studio.add_account("small-pool", "Family", actor=STAFF, idempotency_key="a")
    ana = studio.add_member(family.id, "Ana", ref="SP-1", email="ana@example.org")
    yoga = studio.add_service("Yoga", category="yoga", duration_minutes=60)
    template = studio.create_template("Five", quantity=5, validity_days=10, idempotency_key="t")
    assigned = studio.assign(
        template.id, family.id, reason="gift", idempotency_key="g1", actor=STAFF, channel="office"
    )
    studio.grant(
        family.id,
        PassTerms(quantity=2, expires_at=START + dt.timedelta(days=1)),
        reason="welcome",
        idempotency_key="g2",
        actor=STAFF,
        channel="office",
    )
    redeemed = studio.redeem(ana.id, yoga.id, idempotency_key="r1", actor=STAFF, channel="kiosk")
    assert studio.redeem(ana.id, yoga.id, idempotency_key="r1", actor=STAFF, channel="kiosk") == (
        redeemed
    )
    later = studio.add_occurrence(yoga.id, START + dt.timedelta(hours=3), idempotency_key="o1")
    booked = studio.book(ana.id, later.id, idempotency_key="b1", actor=STAFF, channel="office")
    assert studio.roster(later.id)[0].booking_id == booked.booking_id
    studio.suspend(
        assigned.pass_id, reason="r", idempotency_key="s1", actor=STAFF, channel="office"
    )
    clock.advance(dt.timedelta(days=20))
    report = studio.run_due_work()
    # The two-session grant, used up and past its expiry, is closed; the suspended pack waits.
    assert (report.expired, report.units_forfeited) == (1, 0)
    assert studio.pass_balance(assigned.pass_id).state is PassState.SUSPENDED
    assert studio.verify() == ()
    assert studio.find_accounts("family")[0].id == family.id
