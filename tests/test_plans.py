"""Recurring plans: a period's credits, rollover up to a cap or expiry at period end, renewal by
the host's billing or by the sweep, charged once per period."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
from collections.abc import Generator
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from sessionpacks import (
    Billing,
    Channel,
    EntryKind,
    InvalidInput,
    InvalidState,
    ManualClock,
    NotAuthorized,
    PassState,
    PaymentError,
    PlanPeriodResult,
    Settings,
    Source,
    Studio,
    SubscriptionState,
    Target,
    allow_all,
)
from sessionpacks.hookspecs import hookimpl
from sessionpacks.messages import ChargeRequest
from sessionpacks.templates import TemplateInfo
from sessionpacks.testing import Recorder
from sessionpacks.values import Actor
from tests.conftest import STAFF, START

MONTH_LATER = dt.datetime(2026, 2, 5, 9, tzinfo=dt.timezone.utc)


class ChargeCalls:
    """Counts every call of the payment hook, even the ones a provider would answer from its
    idempotency memory: "charged once" must mean "asked once per key"."""

    def __init__(self) -> None:
        self.keys: list[str] = []

    @hookimpl(hookwrapper=True)
    def sessionpacks_charge(self, request: ChargeRequest) -> Generator[None, Any, None]:
        self.keys.append(request.idempotency_key)
        yield


@pytest.fixture
def provider() -> Recorder:
    return Recorder()


@pytest.fixture
def calls() -> ChargeCalls:
    return ChargeCalls()


@pytest.fixture
def club(engine: Engine, clock: ManualClock, provider: Recorder, calls: ChargeCalls) -> Studio:
    return Studio(
        engine, settings=Settings(policy=allow_all), plugins=[provider, calls], clock=clock
    )


def plan(club: Studio, **kw: Any) -> TemplateInfo:
    terms: dict[str, Any] = {
        "kind": "plan",
        "quantity": 4,
        "price_minor": 9900,
        "currency": "USD",
        "period_months": 1,
    }
    terms.update(kw)
    return club.create_template("Membership with 4 PT credits", **terms)


def subscribe(club: Studio, template: TemplateInfo, account_id: int, **kw: Any) -> PlanPeriodResult:
    return club.subscribe(
        template.id,
        account_id,
        idempotency_key=kw.pop("key", "sub-1"),
        actor=STAFF,
        channel=Channel.OFFICE,
        **kw,
    )


def renew(club: Studio, subscription_id: int, key: str = "renew-1", **kw: Any) -> PlanPeriodResult:
    return club.renew_plan(
        subscription_id, idempotency_key=key, actor=STAFF, channel=Channel.SYSTEM, **kw
    )


def use(club: Studio, member_id: int, service_id: int, key: str) -> None:
    club.redeem(member_id, service_id, idempotency_key=key, actor=STAFF, channel=Channel.OFFICE)


def kinds(club: Studio, pass_id: int) -> list[tuple[EntryKind, int]]:
    return [(e.kind, e.delta) for e in reversed(club.history(pass_id=pass_id))]


def test_pushpress_appointment_credits_included_in_a_membership(
    club: Studio, clock: ManualClock, provider: Recorder
) -> None:
    """Seed 004: a membership includes personal-training credits each month; unused ones end
    with the month. The host's billing takes the money and renews the plan when it is paid."""
    template = plan(club)
    family = club.add_account("fam", "Family")
    anna = club.add_member(family.id, "Anna")
    training = club.add_service("Personal training", category="pt", duration_minutes=60)
    first = subscribe(club, template, family.id, billing="external")
    assert (first.period_number, first.period_start, first.period_end) == (1, START, MONTH_LATER)
    assert provider.charges == []  # the host's billing took the money
    use(club, anna.id, training.id, "pt-1")
    held = club.pass_balance(first.pass_id)
    assert (held.remaining, held.starts_at, held.expires_at) == (3, START, MONTH_LATER)

    clock.set(MONTH_LATER + dt.timedelta(hours=1))
    second = renew(
        club,
        first.subscription_id,
        period_paid_until=dt.datetime(2026, 3, 5, 9, tzinfo=dt.timezone.utc),
    )
    assert (second.period_number, second.rolled_over, second.expired) == (2, 0, 3)
    assert second.period_end == dt.datetime(2026, 3, 5, 9, tzinfo=dt.timezone.utc)
    old = club.pass_balance(first.pass_id)
    assert (old.remaining, old.state) == (0, PassState.EXPIRED)
    assert kinds(club, first.pass_id) == [
        (EntryKind.GRANT, 4),
        (EntryKind.REDEEM, -1),
        (EntryKind.EXPIRE, -3),
    ]
    new = club.pass_balance(second.pass_id)
    assert (new.remaining, new.state, new.expires_at) == (4, PassState.ACTIVE, second.period_end)
    assert new.starts_at == second.period_start == MONTH_LATER  # the period it belongs to
    # The same payment told twice (a webhook retried with another key) renews once.
    again = renew(club, first.subscription_id, "renew-2", period_paid_until=second.period_end)
    assert again.renewed is False
    assert again.pass_id == second.pass_id
    assert club.subscription(first.subscription_id).period_number == 2
    assert [r.period_number for r in provider.events_named("renewed")] == [1, 2]  # type: ignore[attr-defined]


def test_a_sold_plan_pass_says_when_its_period_began(club: Studio, clock: ManualClock) -> None:
    family = club.add_account("fam", "Family")
    first = subscribe(club, plan(club), family.id)  # billed by the studio: the pass is sold
    held = club.pass_balance(first.pass_id)
    assert (held.source, held.starts_at, held.expires_at) == (Source.SALE, START, MONTH_LATER)
    clock.set(MONTH_LATER + dt.timedelta(hours=1))
    club.renew_due()
    current = club.subscription(first.subscription_id)
    renewed = club.pass_balance(current.current_pass_id)
    assert (renewed.starts_at, renewed.expires_at) == (current.period_start, current.period_end)
    assert renewed.starts_at == MONTH_LATER


@pytest.mark.parametrize(("cap", "rolled", "expired"), [(2, 2, 1), (None, 3, 0)])
def test_unused_credits_roll_over_up_to_the_cap(
    club: Studio, clock: ManualClock, cap: int | None, rolled: int, expired: int
) -> None:
    template = plan(club, rollover=True, rollover_cap=cap)
    family = club.add_account("fam", "Family")
    anna = club.add_member(family.id, "Anna")
    training = club.add_service("Personal training", category="pt", duration_minutes=60)
    first = subscribe(club, template, family.id, billing="external")
    use(club, anna.id, training.id, "pt-1")
    clock.set(MONTH_LATER)
    second = renew(club, first.subscription_id)
    assert (second.rolled_over, second.expired) == (rolled, expired)
    old_entries = [(EntryKind.GRANT, 4), (EntryKind.REDEEM, -1), (EntryKind.ADJUST, -rolled)]
    assert kinds(club, first.pass_id) == [*old_entries, (EntryKind.EXPIRE, -expired)]
    assert kinds(club, second.pass_id) == [(EntryKind.GRANT, 4), (EntryKind.ADJUST, rolled)]
    assert club.pass_balance(second.pass_id).remaining == 4 + rolled
    reasons = [e.reason for e in club.history(pass_id=second.pass_id) if e.kind is EntryKind.ADJUST]
    assert reasons == [f"rollover: {rolled} moved from pass {first.pass_id}"]
    # Nothing made from nothing: what the family holds is what it was given less what it used.
    assert sum(p.remaining for p in club.passes(family.id)) == 4 + 4 - 1 - expired


def test_rollover_after_the_expiry_sweep_closed_the_period(
    club: Studio, clock: ManualClock
) -> None:
    template = plan(club, rollover=True, rollover_cap=2)
    family = club.add_account("fam", "Family")
    first = subscribe(club, template, family.id, billing="external")
    clock.set(MONTH_LATER)
    club.expire(first.pass_id, idempotency_key="sweep-1", actor=Actor.system())
    second = renew(club, first.subscription_id)
    assert (second.rolled_over, second.expired) == (2, 2)
    assert kinds(club, first.pass_id) == [
        (EntryKind.GRANT, 4),
        (EntryKind.EXPIRE, -4),
        (EntryKind.ADJUST, 2),
        (EntryKind.ADJUST, -2),
    ]
    assert club.pass_balance(first.pass_id).state is PassState.EXPIRED
    assert club.pass_balance(second.pass_id).remaining == 6


def breakage(club: Studio, pass_id: int) -> int:
    """The pass's breakage: the revenue its entries recognised for units lost, not used."""
    return sum(
        e.value_minor or 0
        for e in club.history(pass_id=pass_id)
        if e.kind not in (EntryKind.REDEEM, EntryKind.REVERSE)
    )


@pytest.mark.parametrize(("sweep_first"), [True, False])
def test_a_rollover_period_records_as_breakage_only_the_lost_units(
    club: Studio, clock: ManualClock, sweep_first: bool
) -> None:
    # 4 units for 99.00: 3 unused at period end, 2 roll over, 1 is lost (24.75 of breakage,
    # not the 74.25 of all three).
    template = plan(club, rollover=True, rollover_cap=2)
    family = club.add_account("fam", "Family")
    anna = club.add_member(family.id, "Anna")
    training = club.add_service("Personal training", category="pt", duration_minutes=60)
    first = subscribe(club, template, family.id)  # charged: the pass cost 99.00
    use(club, anna.id, training.id, "pt-1")
    clock.set(MONTH_LATER)
    if sweep_first:
        club.expire(first.pass_id, idempotency_key="sweep-1", actor=Actor.system())
    (second,) = club.renew_due().plans
    assert (second.rolled_over, second.expired) == (2, 1)
    assert breakage(club, first.pass_id) == 2475
    assert breakage(club, second.pass_id) == 0
    assert club.pass_balance(second.pass_id).remaining == 6
    # The two units moved with their cost: the new period's 99.00 and 2 x 24.75.
    (owed,) = club.reports.liability().lines
    assert (owed.units, owed.value_minor) == (6, 9900 + 4950)
    period = club.reports.revenue(MONTH_LATER - dt.timedelta(days=40), MONTH_LATER)
    (total,) = period.totals()
    assert (total.used, total.forfeited, total.moved, total.sales) == (2475, 2475, 0, 19800)
    assert total.reconciles


def test_a_period_is_renewed_only_once_it_has_ended(club: Studio, clock: ManualClock) -> None:
    template = plan(club)
    family = club.add_account("fam", "Family")
    first = subscribe(club, template, family.id, billing="external")
    clock.set(MONTH_LATER - dt.timedelta(minutes=1))
    with pytest.raises(InvalidState, match="runs until"):
        renew(club, first.subscription_id)
    assert club.subscription(first.subscription_id).period_number == 1
    assert len(club.passes(family.id)) == 1


def test_a_late_renewal_begins_the_period_now_falls_in(club: Studio, clock: ManualClock) -> None:
    template = plan(club)
    family = club.add_account("fam", "Family")
    first = subscribe(club, template, family.id, billing="external")
    clock.set(dt.datetime(2026, 3, 20, tzinfo=dt.timezone.utc))
    late = renew(club, first.subscription_id)
    assert (late.period_number, late.period_start) == (
        3,
        dt.datetime(2026, 3, 5, 9, tzinfo=dt.timezone.utc),
    )


def test_plan_templates_are_checked(club: Studio) -> None:
    with pytest.raises(InvalidInput, match="needs one period"):
        plan(club, period_months=None)
    with pytest.raises(InvalidInput, match="only to plan"):
        club.create_template("Pack", quantity=5, period_days=7)
    with pytest.raises(InvalidInput, match="only when rollover"):
        plan(club, rollover_cap=2)
    with pytest.raises(InvalidInput, match="no other validity"):
        plan(club, validity_days=30)
    pack = club.create_template("Pack", quantity=5)
    family = club.add_account("fam", "Family")
    with pytest.raises(InvalidInput, match="not a plan"):
        subscribe(club, pack, family.id, billing="external")
    with pytest.raises(InvalidInput, match="unknown billing"):
        subscribe(club, plan(club), family.id, billing="monthly")


def test_the_studio_charges_each_period_once(
    club: Studio, clock: ManualClock, provider: Recorder, calls: ChargeCalls
) -> None:
    template = plan(club, period_days=7, period_months=None)
    family = club.add_account("fam", "Family")
    first = subscribe(club, template, family.id)
    assert calls.keys == ["sessionpacks-subscribe:sub-1"]
    assert first.payment_id is not None
    assert subscribe(club, template, family.id) == first  # a double tap charges once
    assert len(calls.keys) == 1
    assert club.renew_due().plans == ()  # nothing due yet
    clock.advance(dt.timedelta(days=7))
    with pytest.raises(InvalidState, match="billed by the studio"):
        renew(club, first.subscription_id)  # a free period would give away what is charged
    report = club.renew_due()
    (renewed,) = report.plans
    assert (renewed.period_number, renewed.expired, report.failures) == (2, 4, ())
    assert club.renew_due().plans == ()
    sub = first.subscription_id
    assert calls.keys == ["sessionpacks-subscribe:sub-1", f"sessionpacks-plan:{sub}:2"]
    assert [c.amount_minor for c in provider.charges] == [9900, 9900]


def test_a_declined_period_leaves_the_plan_in_its_last_period(
    club: Studio, clock: ManualClock, provider: Recorder
) -> None:
    template = plan(club)
    family = club.add_account("fam", "Family")
    first = subscribe(club, template, family.id)
    clock.set(MONTH_LATER)
    provider.decline_charges = True
    report = club.renew_due()
    (failure,) = report.failures
    assert (failure.kind, failure.id) == ("plan", first.subscription_id)
    assert "declined" in failure.error
    assert club.subscription(first.subscription_id).period_number == 1
    assert len(club.passes(family.id)) == 1
    provider.decline_charges = False
    (renewed,) = club.renew_due().plans
    assert renewed.period_number == 2


def test_a_renewal_that_fails_after_the_charge_completes_without_charging_again(
    engine: Engine, clock: ManualClock, calls: ChargeCalls
) -> None:
    provider = Recorder()
    refuse = {"renew"}

    class Policy:
        @hookimpl
        def sessionpacks_authorize(self, actor: Actor, action: str, target: Target) -> bool:
            return action not in refuse

    club = Studio(engine, plugins=[provider, calls, Policy()], clock=clock)
    template = plan(club)
    family = club.add_account("fam", "Family")
    first = subscribe(club, template, family.id)
    clock.set(MONTH_LATER)
    (failure,) = club.renew_due().failures  # charged, then the renewal itself failed
    assert "may not renew" in failure.error
    assert len(provider.charges) == 2
    refuse.clear()
    (renewed,) = club.renew_due().plans
    assert renewed.period_number == 2
    assert len(provider.charges) == 2  # the second period was charged once
    assert club.pass_balance(renewed.pass_id).remaining == 4
    assert len(club.passes(family.id)) == 2
    assert calls.keys.count(f"sessionpacks-plan:{first.subscription_id}:2") == 1


def test_a_cancelled_plan_is_not_renewed(club: Studio, clock: ManualClock) -> None:
    template = plan(club)
    family = club.add_account("fam", "Family")
    first = subscribe(club, template, family.id)
    cancelled = club.cancel_subscription(
        first.subscription_id, idempotency_key="cancel-1", actor=STAFF, channel=Channel.OFFICE
    )
    assert cancelled.state is SubscriptionState.CANCELLED
    assert club.pass_balance(first.pass_id).remaining == 4  # the paid period keeps its credits
    with pytest.raises(InvalidState, match="already cancelled"):
        club.cancel_subscription(
            first.subscription_id, idempotency_key="cancel-2", actor=STAFF, channel="office"
        )
    clock.set(MONTH_LATER)
    assert club.renew_due().plans == ()
    with pytest.raises(InvalidState, match="cancelled"):
        renew(club, first.subscription_id)
    assert club.subscriptions(state="active") == ()
    assert [s.billing for s in club.subscriptions(account_id=family.id)] == [Billing.STUDIO]


def test_subscribing_and_renewing_ask_the_policy(engine: Engine, clock: ManualClock) -> None:
    club = Studio(engine, clock=clock)  # no policy: every write is denied
    template = plan(club)
    family = club.add_account("fam", "Family")
    with pytest.raises(NotAuthorized, match="subscribe"):
        subscribe(club, template, family.id, billing="external")
    assert club.subscriptions() == ()


def test_a_declined_subscription_subscribes_nothing(club: Studio, provider: Recorder) -> None:
    template = plan(club)
    family = club.add_account("fam", "Family")
    provider.decline_charges = True
    with pytest.raises(PaymentError, match="declined"):
        subscribe(club, template, family.id)
    assert club.subscriptions() == ()
    assert club.passes(family.id) == ()


def test_concurrent_sweeps_charge_each_period_once(
    engine: Engine, clock: ManualClock, database_url: str
) -> None:
    provider, calls = Recorder(), ChargeCalls()
    clubs = [
        Studio(engine, settings=Settings(policy=allow_all), plugins=[provider, calls], clock=clock)
        for _ in range(2)
    ]
    template = plan(clubs[0], period_days=7, period_months=None, rollover=True)
    started = []
    for n in range(4):
        family = clubs[0].add_account(f"fam-{n}", "Family")
        started.append(subscribe(clubs[0], template, family.id, key=f"sub-{n}"))
    clock.advance(dt.timedelta(days=7))
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(lambda club: club.renew_due(), clubs))
    renewed = {
        (r.subscription_id, r.period_number, r.pass_id) for rep in reports for r in rep.plans
    }
    assert len({r[0] for r in renewed}) == 4
    assert len({r[2] for r in renewed}) == 4  # one new pass per subscription
    assert len(provider.charges) == 8  # four first periods and four second ones
    for first in started:
        assert clubs[0].subscription(first.subscription_id).period_number == 2
        assert clubs[0].pass_balance(first.pass_id).remaining == 0
        assert len(clubs[0].passes(first.account_id)) == 2
