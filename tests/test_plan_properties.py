"""Property: however a plan's credits are used across periods, with or without rollover and cap,
no credit is made from nothing. What the periods granted equals what was used, what expired and
what is held; each renewal rolls over at most the cap; balances equal their ledger sums."""

from __future__ import annotations

import datetime as dt

import hypothesis.strategies as st
from hypothesis import HealthCheck, given, settings
from sqlalchemy.engine import Engine

from sessionpacks import Channel, ManualClock, PassState, Settings, Studio, allow_all
from sessionpacks.testing import empty_tables
from tests.conftest import STAFF, START

QUANTITY = 3


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    used=st.lists(st.integers(0, QUANTITY + 2), min_size=1, max_size=4),
    rollover=st.booleans(),
    cap=st.one_of(st.none(), st.integers(1, 4)),
    swept=st.booleans(),
)
def test_plan_periods_conserve_credits(
    engine: Engine, used: list[int], rollover: bool, cap: int | None, swept: bool
) -> None:
    empty_tables(engine)
    clock = ManualClock(START)
    club = Studio(engine, settings=Settings(policy=allow_all), clock=clock)
    family = club.add_account("fam", "Family")
    anna = club.add_member(family.id, "Anna")
    service = club.add_service("PT", category="pt", duration_minutes=60)
    template = club.create_template(
        "PT plan",
        kind="plan",
        quantity=QUANTITY,
        period_days=7,
        rollover=rollover,
        rollover_cap=cap if rollover else None,
    )
    period = club.subscribe(
        template.id,
        family.id,
        billing="external",
        idempotency_key="sub",
        actor=STAFF,
        channel=Channel.OFFICE,
    )
    granted, spent, expired = QUANTITY, 0, 0
    for number, wanted in enumerate(used, start=1):
        held = club.pass_balance(period.pass_id).remaining
        for n in range(min(wanted, held)):
            club.redeem(
                anna.id,
                service.id,
                idempotency_key=f"use-{number}-{n}",
                actor=STAFF,
                channel=Channel.OFFICE,
            )
            spent += 1
        unused = held - min(wanted, held)
        clock.advance(dt.timedelta(days=7))
        if swept:
            club.expire(period.pass_id, idempotency_key=f"sweep-{number}", actor=STAFF)
        renewed = club.renew_plan(
            period.subscription_id,
            idempotency_key=f"renew-{number}",
            actor=STAFF,
            channel=Channel.SYSTEM,
        )
        limit = (unused if cap is None else min(unused, cap)) if rollover else 0
        assert renewed.rolled_over == limit
        assert renewed.expired == unused - limit
        assert club.pass_balance(period.pass_id).state is PassState.EXPIRED
        assert club.pass_balance(renewed.pass_id).remaining == QUANTITY + limit
        granted += QUANTITY
        expired += renewed.expired
        period = renewed
    held_now = sum(p.remaining for p in club.passes(family.id))
    assert granted == spent + expired + held_now
    assert club.verify() == ()
