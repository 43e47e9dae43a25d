"""Property: whatever the passes, redemptions, sweep moments and batch sizes, every pass due at a
sweep is expired exactly once with what it held and its value, and nothing else changes."""

from __future__ import annotations

import datetime as dt

import hypothesis.strategies as st
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from sqlalchemy.engine import Engine

from sessionpacks import (
    EntryKind,
    InsufficientCredit,
    ManualClock,
    PassState,
    PassTerms,
    Settings,
    Studio,
    allow_all,
)
from sessionpacks.models import LedgerEntry
from sessionpacks.testing import empty_tables
from tests.conftest import STAFF, START

_entries = LedgerEntry.__table__

passes_strategy = st.lists(
    st.tuples(
        st.integers(1, 5),  # quantity
        st.integers(0, 10_000),  # cost basis
        st.integers(1, 20),  # expires after this many days
        st.integers(0, 6),  # sessions redeemed before any sweep
    ),
    min_size=1,
    max_size=12,
)
sweeps_strategy = st.lists(
    st.tuples(st.integers(0, 25), st.integers(1, 4)), min_size=1, max_size=4
)  # (days after START, batch size)


def _settings(engine: Engine) -> settings:
    return settings(
        max_examples=25 if engine.dialect.name == "sqlite" else 10,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


def test_every_due_pass_is_expired_once_with_what_it_held(engine: Engine) -> None:
    @_settings(engine)
    @given(passes=passes_strategy, sweeps=sweeps_strategy)
    def check(passes: list[tuple[int, int, int, int]], sweeps: list[tuple[int, int]]) -> None:
        empty_tables(engine)
        clock = ManualClock(START)
        studio = Studio(engine, settings=Settings(policy=allow_all), clock=clock)
        account = studio.add_account("family", "Family")
        service = studio.add_service("Yoga", category="classes", duration_minutes=60)
        model: dict[int, tuple[int, int, int, dt.datetime]] = {}
        for number, (quantity, cost, days, redeem) in enumerate(passes):
            member = studio.add_member(account.id, f"M{number}")
            expires = START + dt.timedelta(days=days)
            granted = studio.grant(
                account.id,
                PassTerms(
                    quantity=quantity,
                    expires_at=expires,
                    cost_basis_minor=cost,
                    cost_currency="USD" if cost else None,
                ),
                member_id=member.id,
                reason="property",
                idempotency_key=f"grant-{number}",
                actor=STAFF,
                channel="office",
            )
            left = quantity
            for attempt in range(redeem):
                try:
                    studio.redeem(
                        member.id,
                        service.id,
                        idempotency_key=f"redeem-{number}-{attempt}",
                        actor=STAFF,
                        channel="kiosk",
                    )
                    left -= 1
                except InsufficientCredit:
                    assert left == 0
            model[granted.pass_id] = (quantity, cost, left, expires)
        expired: dict[int, int] = {}
        for days, batch_size in sorted(sweeps):
            moment = START + dt.timedelta(days=days)
            report = studio.expire_due(moment, batch_size=batch_size)
            for e in report.expired:
                quantity, cost, left, expires = model[e.pass_id]
                assert e.pass_id not in expired
                assert expires <= moment
                assert (e.units, e.value_minor) == (left, _value_left(cost, quantity, left))
                assert e.at == expires
                expired[e.pass_id] = e.units
            last = moment
            due = {p for p, (_, _, _, expires) in model.items() if expires <= last}
            assert set(expired) == due
        for held in studio.passes(account.id):
            assert (held.state is PassState.EXPIRED) == (held.pass_id in expired)
            assert held.remaining == (0 if held.pass_id in expired else model[held.pass_id][2])
        with engine.connect() as conn:
            counted = conn.execute(
                sa.select(_entries.c.pass_id, sa.func.count())
                .where(_entries.c.kind == EntryKind.EXPIRE.value)
                .group_by(_entries.c.pass_id)
            ).all()
        assert dict(counted) == dict.fromkeys(expired, 1)
        assert studio.verify() == ()

    check()


def _value_left(cost: int, quantity: int, left: int) -> int:
    """What ``left`` units of a ``quantity``-pack that cost ``cost`` still carry after the others
    were used one at a time, each taking its share of what was left."""
    value = cost
    for remaining in range(quantity, left, -1):
        value -= value // remaining
    return value
