"""The life of a pass: suspend and unsuspend, extend, expire and reopen, start on first use,
delete."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from sessionpacks import (
    Channel,
    EntryKind,
    InsufficientCredit,
    InvalidInput,
    InvalidState,
    ManualClock,
    PassState,
    PassUnusable,
    Studio,
    Unusable,
)
from tests.conftest import STAFF, START, Gym

DAY = dt.timedelta(days=1)


def write(gym: Gym) -> dict[str, Any]:
    return {"idempotency_key": gym.key("w"), "actor": STAFF, "channel": Channel.OFFICE}


def test_a_suspended_pass_cannot_be_redeemed(studio: Studio, gym: Gym) -> None:
    family = gym.account()
    ann = gym.member(family)
    yoga = gym.service()
    granted = gym.grant(family, 5, expires_at=START + 30 * DAY)
    done = studio.suspend(granted.pass_id, reason="injury", **write(gym))
    assert (done.state, done.entry_id) == (PassState.SUSPENDED, None)
    assert studio.pass_balance(granted.pass_id).state is PassState.SUSPENDED
    with pytest.raises(InsufficientCredit, match="suspended"):
        gym.redeem(ann, yoga)
    with pytest.raises(PassUnusable) as refused:
        gym.redeem(ann, yoga, pass_id=granted.pass_id)
    assert refused.value.reason is Unusable.SUSPENDED
    with pytest.raises(InvalidState, match="already suspended"):
        studio.suspend(granted.pass_id, reason="again", **write(gym))


def test_unsuspending_moves_the_expiry_out_by_the_time_suspended(
    studio: Studio, gym: Gym, clock: ManualClock
) -> None:
    family = gym.account()
    ann = gym.member(family)
    yoga = gym.service()
    granted = gym.grant(family, 5, expires_at=START + 30 * DAY)
    studio.suspend(granted.pass_id, reason="injury", **write(gym))
    clock.advance(10 * DAY)
    done = studio.unsuspend(granted.pass_id, reason="recovered", **write(gym))
    assert done.state is PassState.ACTIVE
    assert done.previous_expires_at == START + 30 * DAY
    assert done.expires_at == START + 40 * DAY
    assert studio.pass_balance(granted.pass_id).expires_at == START + 40 * DAY
    (latest, *_) = studio.history(pass_id=granted.pass_id)
    assert (latest.kind, latest.delta) == (EntryKind.EXTEND, 0)
    assert latest.reason is not None
    assert "10 days" in latest.reason
    assert gym.redeem(ann, yoga).parts[0].pass_id == granted.pass_id
    with pytest.raises(InvalidState, match="not suspended"):
        studio.unsuspend(granted.pass_id, reason="again", **write(gym))


def test_by_policy_unsuspending_keeps_the_expiry(
    studio: Studio, gym: Gym, clock: ManualClock
) -> None:
    family = gym.account()
    granted = gym.grant(family, 5, expires_at=START + 30 * DAY, extend_on_unsuspend=False)
    studio.suspend(granted.pass_id, reason="holiday", **write(gym))
    clock.advance(10 * DAY)
    done = studio.unsuspend(granted.pass_id, reason="back", **write(gym))
    assert (done.expires_at, done.entry_id) == (START + 30 * DAY, None)


def test_extend_moves_the_expiry_with_an_extend_entry(studio: Studio, gym: Gym) -> None:
    family = gym.account()
    granted = gym.grant(family, 5, expires_at=START + 30 * DAY)
    done = studio.extend(granted.pass_id, by=7 * DAY, reason="goodwill", **write(gym))
    assert (done.expires_at, done.delta, done.balance_after) == (START + 37 * DAY, 0, 5)
    moved = studio.extend(
        granted.pass_id,
        expires_at=START + 60 * DAY,
        reason="end of season",
        **write(gym),
    )
    assert moved.previous_expires_at == START + 37 * DAY
    assert studio.pass_balance(granted.pass_id).expires_at == START + 60 * DAY
    kinds = [e.kind for e in studio.history(pass_id=granted.pass_id)]
    assert kinds == [EntryKind.EXTEND, EntryKind.EXTEND, EntryKind.GRANT]
    with pytest.raises(InvalidInput, match="either expires_at or by"):
        studio.extend(granted.pass_id, reason="r", **write(gym))
    with pytest.raises(InvalidInput, match="already past"):
        studio.extend(
            granted.pass_id,
            expires_at=START - DAY,
            reason="r",
            **write(gym),
        )
    never = gym.grant(family, 5)
    with pytest.raises(InvalidInput, match="no expiry to move"):
        studio.extend(never.pass_id, by=DAY, reason="r", **write(gym))


def test_extending_an_expired_pass_reopens_it_with_what_it_forfeited(
    studio: Studio, gym: Gym, clock: ManualClock
) -> None:
    family = gym.account()
    ann = gym.member(family)
    yoga = gym.service()
    granted = gym.grant(family, 5, expires_at=START + 30 * DAY)
    gym.redeem(ann, yoga)
    clock.advance(31 * DAY)
    with pytest.raises(InsufficientCredit):
        gym.redeem(ann, yoga)
    expired = studio.expire(granted.pass_id, idempotency_key="x1", actor=STAFF)
    assert (expired.state, expired.delta, expired.balance_after) == (PassState.EXPIRED, -4, 0)
    held = studio.pass_balance(granted.pass_id)
    assert (held.state, held.remaining) == (PassState.EXPIRED, 0)
    reopened = studio.extend(granted.pass_id, by=30 * DAY, reason="member asked", **write(gym))
    assert (reopened.state, reopened.delta, reopened.balance_after) == (PassState.ACTIVE, 4, 4)
    assert gym.redeem(ann, yoga).parts[0].balance_after == 3
    assert studio.verify() == ()
    with pytest.raises(InvalidState, match="has not reached its expiry"):
        studio.expire(granted.pass_id, idempotency_key="x2", actor=STAFF)


def test_a_pass_that_starts_on_first_use_starts_then(
    studio: Studio, gym: Gym, clock: ManualClock
) -> None:
    family = gym.account()
    ann = gym.member(family)
    yoga = gym.service()
    template = studio.create_template(
        "Intro month", quantity=8, validity_days=30, start_rule="on_first_use"
    )
    granted = studio.grant(
        family.id, studio.template_terms(template.id), reason="welcome", **write(gym)
    )
    held = studio.pass_balance(granted.pass_id)
    assert (held.starts_at, held.expires_at, held.state) == (None, None, PassState.ACTIVE)
    clock.advance(100 * DAY)
    first = clock.now()
    gym.redeem(ann, yoga)
    held = studio.pass_balance(granted.pass_id)
    assert (held.starts_at, held.expires_at) == (first, first + 30 * DAY)
    clock.advance(5 * DAY)
    gym.redeem(ann, yoga)
    assert studio.pass_balance(granted.pass_id).starts_at == first


def test_a_template_starting_on_a_date_makes_a_pending_pass(
    studio: Studio, gym: Gym, clock: ManualClock
) -> None:
    family = gym.account()
    ann = gym.member(family)
    yoga = gym.service()
    season = START + 20 * DAY
    template = studio.create_template(
        "Spring term",
        quantity=12,
        start_rule="on_date",
        start_date=season,
        valid_until=season + 90 * DAY,
    )
    granted = studio.grant(
        family.id, studio.template_terms(template.id), reason="term", **write(gym)
    )
    held = studio.pass_balance(granted.pass_id)
    assert (held.state, held.starts_at, held.expires_at) == (
        PassState.PENDING,
        season,
        season + 90 * DAY,
    )
    with pytest.raises(InsufficientCredit):
        gym.redeem(ann, yoga)
    clock.set(season)
    assert gym.redeem(ann, yoga).parts[0].pass_id == granted.pass_id


def test_delete_voids_the_rest_hides_the_pass_and_keeps_its_entries(
    studio: Studio, gym: Gym
) -> None:
    family = gym.account()
    ann = gym.member(family)
    yoga = gym.service()
    granted = gym.grant(family, 5)
    gym.redeem(ann, yoga)
    studio.void(granted.pass_id, reason="sold by mistake", **write(gym))
    assert studio.passes(family.id) == ()
    assert [e.kind for e in studio.history(pass_id=granted.pass_id)] == [
        EntryKind.VOID,
        EntryKind.REDEEM,
        EntryKind.GRANT,
    ]
    for restore in (
        lambda: studio.unsuspend(granted.pass_id, reason="r", **write(gym)),
        lambda: studio.extend(granted.pass_id, by=DAY, reason="r", **write(gym)),
        lambda: studio.adjust(granted.pass_id, 1, reason="r", **write(gym)),
    ):
        with pytest.raises(InvalidState):
            restore()


def test_expiring_one_pass_values_its_breakage_as_the_sweep_does(gym: Gym) -> None:
    family = gym.account()
    by_hand = gym.grant(
        family, 10, cost_basis_minor=9000, cost_currency="EUR", expires_at=START + dt.timedelta(1)
    )
    swept = gym.grant(
        family, 10, cost_basis_minor=9000, cost_currency="EUR", expires_at=START + dt.timedelta(1)
    )
    gym.redeem(gym.member(family), gym.service(), pass_id=by_hand.pass_id, count=3)
    gym.redeem(gym.member(family), gym.service(), pass_id=swept.pass_id, count=3)
    gym.studio.clock.advance(dt.timedelta(days=2))  # type: ignore[attr-defined]
    gym.studio.expire(by_hand.pass_id, idempotency_key="expire-1", actor=STAFF)
    gym.studio.expire_due()

    def breakage(pass_id: int) -> int | None:
        (entry,) = [h for h in gym.studio.history(pass_id=pass_id) if h.kind.value == "expire"]
        assert entry.delta == -7
        return entry.value_minor

    assert breakage(by_hand.pass_id) == breakage(swept.pass_id) == 6300
