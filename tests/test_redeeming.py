"""Redemption: which pass pays, spanning passes, units per metric, and why a pass cannot pay."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from sessionpacks import (
    CurrencyMismatch,
    InsufficientCredit,
    InvalidInput,
    Metric,
    NotFound,
    PassState,
    PassUnusable,
    Unusable,
)
from sessionpacks.models import Pass
from tests.conftest import STAFF, START, Gym


def _set_state(gym: Gym, pass_id: int, state: PassState) -> None:
    with gym.studio.session_factory.begin() as session:
        session.execute(sa.update(Pass).where(Pass.id == pass_id).values(state=state.value))


def test_member_pass_before_family_pass(gym: Gym) -> None:
    family = gym.account()
    ann = gym.member(family, "Ann")
    yoga = gym.service()
    shared = gym.grant(family, 10)
    own = gym.grant(family, 10, member=ann)
    assert gym.redeem(ann, yoga).parts[0].pass_id == own.pass_id
    assert gym.studio.pass_balance(shared.pass_id).remaining == 10


def test_soonest_expiry_first_then_free_before_paid_then_oldest(gym: Gym) -> None:
    family = gym.account()
    ann = gym.member(family)
    yoga = gym.service()
    later = gym.grant(family, 5, expires_at=START + dt.timedelta(days=60))
    sooner = gym.grant(family, 5, expires_at=START + dt.timedelta(days=30))
    assert gym.redeem(ann, yoga).parts[0].pass_id == sooner.pass_id

    other = gym.account()
    bob = gym.member(other)
    paid = gym.grant(other, 10, cost_basis_minor=9000, cost_currency="EUR")
    free = gym.grant(other, 10)
    assert gym.redeem(bob, yoga).parts[0].pass_id == free.pass_id

    third = gym.account()
    cat = gym.member(third)
    oldest = gym.grant(third, 3)
    gym.grant(third, 3)
    assert gym.redeem(cat, yoga).parts[0].pass_id == oldest.pass_id
    assert gym.studio.pass_balance(later.pass_id).remaining == 5
    assert gym.studio.pass_balance(paid.pass_id).remaining == 10


def test_cheaper_per_unit_wins_among_paid_passes(gym: Gym) -> None:
    family = gym.account()
    ann = gym.member(family)
    yoga = gym.service()
    gym.grant(family, 10, cost_basis_minor=10000, cost_currency="EUR")  # 10.00 a session
    bulk = gym.grant(family, 20, cost_basis_minor=16000, cost_currency="EUR")  # 8.00 a session
    assert gym.redeem(ann, yoga).parts[0].pass_id == bulk.pass_id


def test_named_pass_and_default_pack_come_first(gym: Gym) -> None:
    family = gym.account()
    ann = gym.member(family)
    yoga = gym.service()
    own = gym.grant(family, 5, member=ann)
    shared = gym.grant(family, 5)
    assert gym.redeem(ann, yoga, pass_id=shared.pass_id).parts[0].pass_id == shared.pass_id
    gym.studio.set_default_pass(ann.id, shared.pass_id)
    assert gym.redeem(ann, yoga).parts[0].pass_id == shared.pass_id
    assert gym.redeem(ann, yoga, pass_id=own.pass_id).parts[0].pass_id == own.pass_id


def test_default_pack_of_another_account_is_refused(gym: Gym) -> None:
    family = gym.account()
    ann = gym.member(family)
    stranger = gym.account()
    theirs = gym.grant(stranger, 5)
    with pytest.raises(PassUnusable) as refused:
        gym.studio.set_default_pass(ann.id, theirs.pass_id)
    assert refused.value.reason is Unusable.NOT_USABLE_BY_MEMBER


def test_redemption_spans_passes_when_one_is_not_enough(gym: Gym) -> None:
    family = gym.account()
    ann = gym.member(family)
    yoga = gym.service()
    first = gym.grant(family, 2, expires_at=START + dt.timedelta(days=10))
    second = gym.grant(family, 5)
    result = gym.redeem(ann, yoga, count=4)
    assert [(p.pass_id, p.units, p.balance_after) for p in result.parts] == [
        (first.pass_id, 2, 0),
        (second.pass_id, 2, 3),
    ]
    assert gym.studio.pass_balance(first.pass_id).state is PassState.EXHAUSTED


def test_not_enough_credit_writes_nothing(gym: Gym) -> None:
    family = gym.account()
    ann = gym.member(family)
    yoga = gym.service()
    granted = gym.grant(family, 2)
    with pytest.raises(InsufficientCredit, match=r"needs 3 sessions .* hold 2"):
        gym.redeem(ann, yoga, count=3)
    assert gym.studio.pass_balance(granted.pass_id).remaining == 2
    assert len(gym.studio.history(account_id=family.id)) == 1


def test_minutes_pack_takes_the_service_duration(gym: Gym) -> None:
    family = gym.account()
    ann = gym.member(family)
    massage = gym.service("Massage 45", minutes=45)
    hours = gym.grant(family, 300, metric=Metric.MINUTES)
    result = gym.redeem(ann, massage)
    assert (result.metric, result.units, result.parts[0].balance_after) == (Metric.MINUTES, 45, 255)
    assert result.parts[0].of is None
    assert gym.studio.pass_balance(hours.pass_id).remaining == 255


def test_money_pack_charges_first_rate_once_then_subsequent_rate(gym: Gym) -> None:
    family = gym.account()
    ann = gym.member(family)
    physio = gym.service("Physio", minutes=30)
    money = gym.grant(
        family,
        50000,
        metric=Metric.MONEY,
        currency="AUD",
        first_rate_minor=12000,
        subsequent_rate_minor=9000,
    )
    units = [gym.redeem(ann, physio).units for _ in range(3)]
    assert units == [12000, 9000, 9000]
    assert gym.studio.pass_balance(money.pass_id).remaining == 50000 - 30000


def test_money_pack_without_rates_uses_the_service_price_in_its_currency(gym: Gym) -> None:
    family = gym.account()
    ann = gym.member(family)
    priced = gym.service("Priced", price_minor=2500, currency="USD")
    foreign = gym.service("Foreign", price_minor=2500, currency="EUR")
    gym.grant(family, 10000, metric=Metric.MONEY, currency="USD")
    assert gym.redeem(ann, priced).units == 2500
    with pytest.raises(InsufficientCredit, match="not valid for this service"):
        gym.redeem(ann, foreign)


def test_applicability_by_service_and_by_category(gym: Gym) -> None:
    family = gym.account()
    ann = gym.member(family)
    yoga = gym.service("Yoga", category="classes")
    pilates = gym.service("Pilates", category="classes")
    pt = gym.service("PT", category="training")
    yoga_only = gym.grant(family, 5, services=(yoga.id,))
    training = gym.grant(family, 5, categories=("training",))
    assert gym.redeem(ann, yoga).parts[0].pass_id == yoga_only.pass_id
    assert gym.redeem(ann, pt).parts[0].pass_id == training.pass_id
    with pytest.raises(InsufficientCredit) as refused:
        gym.redeem(ann, pilates)
    assert dict(refused.value.rejected) == {
        yoga_only.pass_id: Unusable.NOT_APPLICABLE,
        training.pass_id: Unusable.NOT_APPLICABLE,
    }


def test_student_pass_is_not_usable_by_a_sibling(gym: Gym) -> None:
    family = gym.account()
    ann = gym.member(family, "Ann")
    bob = gym.member(family, "Bob")
    yoga = gym.service()
    anns = gym.grant(family, 5, member=ann)
    with pytest.raises(PassUnusable) as refused:
        gym.redeem(bob, yoga, pass_id=anns.pass_id)
    assert refused.value.reason is Unusable.NOT_USABLE_BY_MEMBER
    with pytest.raises(InsufficientCredit):
        gym.redeem(bob, yoga)


def test_pass_of_another_account_is_not_usable(gym: Gym) -> None:
    yoga = gym.service()
    ann = gym.member(gym.account())
    other = gym.grant(gym.account(), 5)
    with pytest.raises(PassUnusable, match="not usable by this member"):
        gym.redeem(ann, yoga, pass_id=other.pass_id)


def test_family_pass_cap_per_member(gym: Gym) -> None:
    family = gym.account()
    ann = gym.member(family, "Ann")
    bob = gym.member(family, "Bob")
    yoga = gym.service()
    shared = gym.grant(family, 10, member_cap=2)
    gym.redeem(ann, yoga)
    gym.redeem(ann, yoga)
    with pytest.raises(InsufficientCredit, match="limit on the family pass"):
        gym.redeem(ann, yoga)
    assert gym.studio.member_balance(ann.id, yoga.id) == ()
    gym.redeem(bob, yoga)
    assert gym.studio.pass_balance(shared.pass_id).remaining == 7


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        (PassState.SUSPENDED, Unusable.SUSPENDED),
        (PassState.EXPIRED, Unusable.EXPIRED),
        (PassState.VOIDED, Unusable.VOIDED),
        (PassState.EXHAUSTED, Unusable.EXHAUSTED),
    ],
)
def test_a_named_pass_in_a_closed_state_says_why(
    gym: Gym, state: PassState, reason: Unusable
) -> None:
    family = gym.account()
    ann = gym.member(family)
    yoga = gym.service()
    granted = gym.grant(family, 5)
    _set_state(gym, granted.pass_id, state)
    with pytest.raises(PassUnusable) as refused:
        gym.redeem(ann, yoga, pass_id=granted.pass_id)
    assert refused.value.reason is reason
    assert reason.value in str(refused.value)


def test_unnamed_redemption_lists_why_each_pass_was_refused(gym: Gym) -> None:
    family = gym.account()
    ann = gym.member(family)
    yoga = gym.service()
    suspended = gym.grant(family, 5)
    _set_state(gym, suspended.pass_id, PassState.SUSPENDED)
    with pytest.raises(InsufficientCredit, match=f"pass {suspended.pass_id} is suspended"):
        gym.redeem(ann, yoga)


def test_expiry_and_start_are_checked_at_the_time_of_redemption(gym: Gym) -> None:
    family = gym.account()
    ann = gym.member(family)
    yoga = gym.service()
    clock = gym.studio.clock
    expiring = gym.grant(family, 5, expires_at=START + dt.timedelta(days=1))
    later = gym.grant(family, 5, starts_at=START + dt.timedelta(days=7))
    assert gym.studio.pass_balance(later.pass_id).state is PassState.PENDING
    clock.advance(dt.timedelta(days=2))  # type: ignore[attr-defined]
    with pytest.raises(InsufficientCredit) as refused:
        gym.redeem(ann, yoga)
    assert dict(refused.value.rejected) == {
        expiring.pass_id: Unusable.EXPIRED,
        later.pass_id: Unusable.NOT_STARTED,
    }
    with pytest.raises(PassUnusable, match="not started yet"):
        gym.redeem(ann, yoga, pass_id=later.pass_id)
    clock.advance(dt.timedelta(days=6))  # type: ignore[attr-defined]
    assert gym.redeem(ann, yoga).parts[0].pass_id == later.pass_id
    assert gym.studio.pass_balance(later.pass_id).state is PassState.ACTIVE
    assert gym.studio.pass_balance(expiring.pass_id).state is PassState.EXPIRED


def test_dry_run_explains_and_changes_nothing(gym: Gym) -> None:
    family = gym.account()
    ann = gym.member(family)
    yoga = gym.service()
    own = gym.grant(family, 1, member=ann)
    shared = gym.grant(family, 5)
    plan = gym.studio.plan_redemption(ann.id, yoga.id, count=2)
    assert plan.possible
    assert [(p.pass_id, p.units) for p in plan.parts] == [(own.pass_id, 1), (shared.pass_id, 1)]
    assert "the member's own pass" in plan.parts[0].why
    assert "a family pass" in plan.parts[1].why
    assert {c.pass_id: c.rank for c in plan.considered} == {own.pass_id: 1, shared.pass_id: 2}
    assert gym.studio.pass_balance(own.pass_id).remaining == 1
    impossible = gym.studio.plan_redemption(ann.id, yoga.id, count=10)
    assert not impossible.possible
    assert impossible.problem is not None
    assert "hold 6" in impossible.problem


def test_dry_run_lists_every_pass_of_the_account_with_why_it_cannot_pay(gym: Gym) -> None:
    family = gym.account()
    ann = gym.member(family)
    bo = gym.member(family, "Bo")
    yoga = gym.service()
    spin = gym.service()
    usable = gym.grant(family, 5)
    on_hold = gym.grant(family, 5)
    gym.studio.suspend(
        on_hold.pass_id, reason="injury", idempotency_key="s-1", actor=STAFF, channel="office"
    )
    bos = gym.grant(family, 3, member=bo)
    spin_only = gym.grant(family, 3, services=(spin.id,))
    used_up = gym.grant(family, 1)
    gym.redeem(ann, yoga, pass_id=used_up.pass_id)
    later = gym.grant(family, 2, starts_at=START + dt.timedelta(days=5))
    reasons = {c.pass_id: c.reason for c in gym.studio.plan_redemption(ann.id, yoga.id).considered}
    assert reasons == {
        usable.pass_id: None,
        on_hold.pass_id: Unusable.SUSPENDED,
        bos.pass_id: Unusable.NOT_USABLE_BY_MEMBER,
        spin_only.pass_id: Unusable.NOT_APPLICABLE,
        used_up.pass_id: Unusable.EXHAUSTED,
        later.pass_id: Unusable.NOT_STARTED,
    }
    # When nothing can pay, every pass is still listed with its reason.
    gym.studio.suspend(
        usable.pass_id, reason="frozen", idempotency_key="s-2", actor=STAFF, channel="office"
    )
    nothing = gym.studio.plan_redemption(ann.id, yoga.id)
    assert not nothing.possible
    assert len(nothing.considered) == 6
    assert all(not c.usable and c.reason is not None for c in nothing.considered)


def test_session_numbers_skip_reversed_redemptions(gym: Gym) -> None:
    family = gym.account()
    ann = gym.member(family)
    yoga = gym.service()
    pack = gym.grant(family, 10)
    first = gym.redeem(ann, yoga)
    second = gym.redeem(ann, yoga)
    assert (first.parts[0].number, second.parts[0].number, second.parts[0].of) == (1, 2, 10)
    gym.studio.reverse(
        first.redemption_id,
        reason="booked by mistake",
        idempotency_key=gym.key(),
        actor=STAFF,
        channel="office",
    )
    third = gym.redeem(ann, yoga)
    assert third.parts[0].number == 2
    numbers = [
        (h.redemption_id, h.number)
        for h in gym.studio.history(pass_id=pack.pass_id)
        if h.kind.value == "redeem"
    ]
    assert numbers == [
        (third.redemption_id, 2),
        (second.redemption_id, 1),
        (first.redemption_id, None),
    ]


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"count": 0}, InvalidInput, "count must be greater than zero"),
        ({"count": -2}, InvalidInput, "count must be greater than zero"),
        ({"occurred_at": dt.datetime(2026, 1, 1)}, InvalidInput, "timezone-aware"),
        ({"idempotency_key": ""}, InvalidInput, "idempotency key is required"),
    ],
)
def test_bad_redemption_arguments_are_refused(
    gym: Gym, kwargs: dict[str, object], error: type[Exception], words: str
) -> None:
    family = gym.account()
    ann = gym.member(family)
    yoga = gym.service()
    granted = gym.grant(family, 5)
    if kwargs.get("idempotency_key") == "":
        with pytest.raises(error, match=words):
            gym.studio.redeem(ann.id, yoga.id, idempotency_key="", actor=STAFF, channel="office")
    else:
        with pytest.raises(error, match=words):
            gym.redeem(ann, yoga, **kwargs)
    assert gym.studio.pass_balance(granted.pass_id).remaining == 5


def test_unknown_member_service_and_pass(gym: Gym) -> None:
    family = gym.account()
    ann = gym.member(family)
    yoga = gym.service()
    gym.grant(family, 5)
    with pytest.raises(NotFound, match="unknown member: 999999"):
        gym.studio.redeem(999999, yoga.id, idempotency_key="x1", actor=STAFF, channel="kiosk")
    with pytest.raises(NotFound, match="unknown service: 999999"):
        gym.studio.redeem(ann.id, 999999, idempotency_key="x2", actor=STAFF, channel="kiosk")
    with pytest.raises(NotFound, match="unknown pass: 999999"):
        gym.redeem(ann, yoga, pass_id=999999)
    with pytest.raises(InvalidInput, match="unknown channel 'phone'; use one of office"):
        gym.studio.redeem(ann.id, yoga.id, idempotency_key="x3", actor=STAFF, channel="phone")


def test_a_money_grant_needs_a_currency(gym: Gym) -> None:
    family = gym.account()
    with pytest.raises(InvalidInput, match="ISO 4217"):
        gym.grant(family, 1000, metric=Metric.MONEY)
    with pytest.raises(CurrencyMismatch, match="has no currency"):
        gym.grant(family, 10, currency="EUR")


def test_session_numbers_count_sessions_not_redemptions(gym: Gym) -> None:
    family = gym.account()
    ann = gym.member(family)
    yoga = gym.service()
    pack = gym.grant(family, 10)
    pair = gym.redeem(ann, yoga, count=2)
    single = gym.redeem(ann, yoga)
    assert (pair.parts[0].number, single.parts[0].number, single.parts[0].of) == (2, 3, 10)
    gym.studio.reverse(
        pair.redemption_id, reason="no-show", idempotency_key="rev", actor=STAFF, channel="office"
    )
    assert gym.redeem(ann, yoga).parts[0].number == 2
    numbers = [h.number for h in gym.studio.history(pass_id=pack.pass_id) if h.number]
    assert numbers == [2, 1]


def test_dry_run_reports_every_pass_when_credit_falls_short(gym: Gym) -> None:
    family = gym.account()
    ann = gym.member(family)
    yoga = gym.service()
    pt = gym.service(category="training")
    small = gym.grant(family, 1)
    training = gym.grant(family, 10, categories=("training",))
    plan = gym.studio.plan_redemption(ann.id, yoga.id, count=3)
    assert not plan.possible
    assert plan.parts == ()
    assert {(c.pass_id, c.usable, c.reason, c.remaining) for c in plan.considered} == {
        (small.pass_id, True, None, 1),
        (training.pass_id, False, Unusable.NOT_APPLICABLE, 10),
    }
    spanning = gym.studio.plan_redemption(ann.id, pt.id, count=3)
    assert [(p.pass_id, p.units) for p in spanning.parts] == [
        (small.pass_id, 1),
        (training.pass_id, 2),
    ]
