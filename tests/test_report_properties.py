"""Property: whatever a studio does (sales, redemptions, reversals, goodwill, refunds, expiries,
reopenings, plan rollovers, voids), its money reconciles to the minor unit for every period:
deferred at start + sales - recognised - refunded = deferred at end, rollovers moving value
without creating or losing any; the deferred revenue is what the passes carry; the refunds are
what the provider paid back."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from typing import Any

import hypothesis.strategies as st
import sqlalchemy as sa
from hypothesis import HealthCheck, example, given, settings
from sqlalchemy.engine import Engine

from sessionpacks import (
    Channel,
    ManualClock,
    SessionPacksError,
    Settings,
    Studio,
    allow_all,
)
from sessionpacks.models import LedgerEntry, Pass, PassRefund
from sessionpacks.testing import Recorder, empty_tables
from tests.conftest import STAFF, START

_passes = Pass.__table__
_entries = LedgerEntry.__table__
_refunds = PassRefund.__table__

ACTIONS = (
    "sell",
    "subscribe",
    "redeem",
    "reverse",
    "adjust",
    "refund",
    "void",
    "expire",
    "extend",
    "renew",
    "wait",
)
steps = st.lists(
    st.tuples(st.sampled_from(ACTIONS), st.integers(0, 7), st.integers(-3, 5)),
    min_size=1,
    max_size=30,
)


def _settings(engine: Engine) -> settings:
    return settings(
        max_examples=30 if engine.dialect.name == "sqlite" else 10,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


def test_money_reconciles_to_the_minor_unit_for_every_period(engine: Engine) -> None:
    @_settings(engine)
    @given(steps=steps, cuts=st.lists(st.integers(0, 30), min_size=2, max_size=4))
    # A plan period rolled over, after the sweep and before it, then refunded and reopened.
    @example(
        steps=[
            ("subscribe", 0, 0),
            ("sell", 0, 0),
            ("redeem", 0, 0),
            ("wait", 7, 0),
            ("expire", 0, 0),
            ("renew", 0, 0),
            ("redeem", 1, 0),
            ("adjust", 2, 2),
            ("wait", 7, 0),
            ("renew", 0, 0),
            ("extend", 0, 0),
            ("refund", 1, 0),
            ("reverse", 0, 0),
        ],
        cuts=[2, 5, 9],
    )
    def check(steps: list[tuple[str, int, int]], cuts: list[int]) -> None:
        empty_tables(engine)
        moments = _run(engine, steps)
        now = moments[-1]
        studio = Studio(engine, settings=Settings(policy=allow_all), clock=ManualClock(now))
        reports = studio.reports
        # Deferred revenue now is what the passes carry, and nothing empty carries value.
        with engine.connect() as conn:
            carried = dict(
                conn.execute(
                    sa.select(_passes.c.cost_currency, sa.func.sum(_passes.c.value_left_minor))
                    .where(_passes.c.cost_currency.is_not(None))
                    .group_by(_passes.c.cost_currency)
                ).all()
            )
            empty_with_value = conn.execute(
                sa.select(sa.func.count()).where(
                    _passes.c.remaining == 0, _passes.c.value_left_minor != 0
                )
            ).scalar_one()
            ended_holding = conn.execute(
                sa.select(sa.func.count()).where(
                    _passes.c.state.not_in(("active", "pending", "suspended")),
                    (_passes.c.remaining != 0) | (_passes.c.value_left_minor != 0),
                )
            ).scalar_one()
            negative = conn.execute(
                sa.select(sa.func.count()).where(_passes.c.value_left_minor < 0)
            ).scalar_one()
            paid_back = conn.execute(
                sa.select(sa.func.coalesce(sa.func.sum(_refunds.c.amount_minor), 0)).where(
                    _refunds.c.state == "succeeded"
                )
            ).scalar_one()
        assert (empty_with_value, negative, ended_holding) == (0, 0, 0)
        assert reports.liability(as_of=now).totals() == {
            c: int(v) for c, v in carried.items() if int(v)
        }
        whole = reports.revenue(START - dt.timedelta(days=1), now)
        assert sum(line.refunded for line in whole.totals()) == int(paid_back)
        assert sum(line.moved for line in whole.totals()) == 0
        points = sorted({moments[min(c, len(moments) - 1)] for c in cuts})
        bounds = [START - dt.timedelta(days=1), *points, now + dt.timedelta(days=1)]
        for start, end in itertools.pairwise(bounds):
            if end <= start:
                continue
            period = reports.revenue(start, end)
            for line in (*period.lines, *period.totals()):
                assert line.reconciles, line
            at_start = reports.liability(as_of=start).totals()
            at_end = reports.liability(as_of=end).totals()
            # The liability read back from now equals the sum of every value change up to then.
            assert at_end == _summed_up_to(engine, end)
            for line in period.totals():
                assert line.deferred_at_start == at_start.get(line.currency, 0)
                assert line.deferred_at_end == at_end.get(line.currency, 0)
            sold: defaultdict[str, int] = defaultdict(int)
            for sale in reports.sales(start, end, step="month").lines:
                sold[sale.currency] += sale.sold_minor
            assert {c: s for c, s in sold.items() if s} == {
                line.currency: line.sales for line in period.totals() if line.sales
            }

    check()


def _summed_up_to(engine: Engine, moment: dt.datetime) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(_passes.c.cost_currency, sa.func.sum(_entries.c.value_change_minor))
            .join(_passes, _passes.c.id == _entries.c.pass_id)
            .where(_entries.c.created_at <= moment, _passes.c.cost_currency.is_not(None))
            .group_by(_passes.c.cost_currency)
        ).all()
    return {currency: int(value) for currency, value in rows if int(value)}


def _run(engine: Engine, steps: list[tuple[str, int, int]]) -> list[dt.datetime]:
    """Do the steps, each refused step changing nothing; the moment after each step."""
    clock = ManualClock(START)
    provider = Recorder()
    studio = Studio(engine, settings=Settings(policy=allow_all), plugins=[provider], clock=clock)
    family = studio.add_account("fam", "Family")
    anna = studio.add_member(family.id, "Anna")
    yoga = studio.add_service("Yoga", category="classes", duration_minutes=60)
    packs = [
        studio.create_template("Ten", quantity=10, price_minor=10_000, currency="USD"),
        studio.create_template(
            "Three", quantity=3, price_minor=1_000, currency="EUR", validity_days=10
        ),
        studio.create_template(
            "Plan",
            kind="plan",
            quantity=4,
            price_minor=9_900,
            currency="USD",
            period_months=1,
            rollover=True,
            rollover_cap=2,
        ),
    ]
    redemptions: list[int] = []
    moments = [clock.now()]
    sold = 0
    for number, (action, pick, amount) in enumerate(steps):
        key = f"{action}-{number}"
        writes: dict[str, Any] = {"idempotency_key": key, "actor": STAFF, "channel": Channel.OFFICE}
        pass_ids = [p.pass_id for p in studio.passes(family.id, include_voided=True)]
        chosen = pass_ids[pick % len(pass_ids)] if pass_ids else None
        try:
            if action == "sell":
                studio.sell(packs[pick % 2].id, family.id, **writes)
                sold += 1
            elif action == "subscribe":
                studio.subscribe(packs[2].id, family.id, **writes)
                sold += 1
            elif action == "redeem":
                done = studio.redeem(anna.id, yoga.id, count=1 + pick % 2, **writes)
                redemptions.append(done.redemption_id)
            elif action == "reverse" and redemptions:
                studio.reverse(redemptions[pick % len(redemptions)], reason="mistake", **writes)
            elif action == "adjust" and chosen and amount:
                studio.adjust(chosen, amount, reason="goodwill", **writes)
            elif action == "refund" and chosen:
                studio.refund(chosen, reason="moving away", **writes)
            elif action == "void" and chosen:
                studio.void(chosen, reason="sold by mistake", **writes)
            elif action == "expire":
                studio.expire_due()
            elif action == "extend" and chosen:
                studio.extend(chosen, by=dt.timedelta(days=30), reason="injury", **writes)
            elif action == "renew":
                studio.renew_due()
            elif action == "wait":
                clock.advance(dt.timedelta(days=1 + 5 * pick))
        except SessionPacksError:
            # Refused (nothing to take, an ended pass, ...): it changed nothing. A sale or a
            # subscription is never refused here, so every run has money to account for.
            assert action not in ("sell", "subscribe")
        clock.advance(dt.timedelta(minutes=10))
        moments.append(clock.now())
    assert sold == sum(1 for action, _, _ in steps if action in ("sell", "subscribe"))
    return moments
