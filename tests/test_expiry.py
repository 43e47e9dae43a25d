"""The expiry sweep: one expire entry per due pass with its breakage, idempotent, resumable."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from sessionpacks import (
    EntryKind,
    ManualClock,
    PassState,
    PassUnusable,
    Studio,
    end_of_local_day,
    expiry,
    units_value,
)
from sessionpacks.errors import InvalidInput
from sessionpacks.models import LedgerEntry, Operation
from tests.conftest import STAFF, START, Gym

UTC = dt.timezone.utc
_entries = LedgerEntry.__table__
_operations = Operation.__table__


def expire_entries(engine: Engine) -> dict[int, list[tuple[int, int | None]]]:
    """pass id -> [(delta, value_minor)] of its expire entries."""
    found: dict[int, list[tuple[int, int | None]]] = {}
    with engine.connect() as conn:
        for row in conn.execute(
            sa.select(_entries.c.pass_id, _entries.c.delta, _entries.c.value_minor).where(
                _entries.c.kind == EntryKind.EXPIRE.value
            )
        ):
            found.setdefault(row.pass_id, []).append((row.delta, row.value_minor))
    return found


def test_sweep_expires_due_passes_with_units_and_breakage(
    studio: Studio, gym: Gym, clock: ManualClock, engine: Engine
) -> None:
    account = gym.account()
    member = gym.member(account)
    service = gym.service()
    paid = gym.grant(
        account,
        10,
        member=member,
        expires_at=START + dt.timedelta(days=30),
        cost_basis_minor=10_000,
        cost_currency="USD",
    )
    later = gym.grant(account, 5, expires_at=START + dt.timedelta(days=60))
    never = gym.grant(account, 5)
    for _ in range(3):
        gym.redeem(member, service, pass_id=paid.pass_id)
    clock.advance(dt.timedelta(days=31))

    report = studio.expire_due()

    assert [e.pass_id for e in report.expired] == [paid.pass_id]
    assert report.units == 7
    assert report.expired[0].value_minor == 7_000
    assert report.expired[0].currency == "USD"
    assert report.expired[0].at == START + dt.timedelta(days=30)
    assert [(v.currency, v.value_minor) for v in report.value] == [("USD", 7_000)]
    assert expire_entries(engine) == {paid.pass_id: [(-7, 7_000)]}
    expired = studio.pass_balance(paid.pass_id)
    assert (expired.state, expired.remaining) == (PassState.EXPIRED, 0)
    # Before its expiry the pass still held its seven sessions.
    as_of = studio.pass_balance(paid.pass_id, as_of=START + dt.timedelta(days=29))
    assert as_of.remaining == 7
    assert studio.pass_balance(later.pass_id).state is PassState.ACTIVE
    assert studio.pass_balance(never.pass_id).remaining == 5
    assert studio.verify() == ()
    with engine.connect() as conn:
        operation = conn.execute(
            sa.select(_operations).where(_operations.c.action == "expire")
        ).first()
    assert operation is not None
    assert (operation.actor_kind, operation.channel) == ("system", "system")


def test_an_expired_pass_cannot_be_redeemed(studio: Studio, gym: Gym, clock: ManualClock) -> None:
    account = gym.account()
    member = gym.member(account)
    service = gym.service()
    granted = gym.grant(account, 2, member=member, expires_at=START + dt.timedelta(days=1))
    clock.advance(dt.timedelta(days=2))
    studio.expire_due()
    with pytest.raises(PassUnusable):
        gym.redeem(member, service, pass_id=granted.pass_id)


def test_sweep_twice_expires_once(
    studio: Studio, gym: Gym, clock: ManualClock, engine: Engine
) -> None:
    account = gym.account()
    ids = [gym.grant(account, 3, expires_at=START + dt.timedelta(days=1)).pass_id for _ in range(5)]
    clock.advance(dt.timedelta(days=2))
    first = studio.expire_due(batch_size=2)
    second = studio.expire_due(batch_size=2)
    assert [e.pass_id for e in first.expired] == ids
    assert first.batches == 3
    assert second.expired == ()
    assert expire_entries(engine) == {i: [(-3, 0)] for i in ids}


def test_same_key_returns_the_same_report(studio: Studio, gym: Gym, clock: ManualClock) -> None:
    account = gym.account()
    for _ in range(3):
        gym.grant(account, 3, expires_at=START + dt.timedelta(days=1))
    clock.advance(dt.timedelta(days=2))
    first = studio.expire_due(batch_size=2, idempotency_key="nightly-2026-01-07")
    again = studio.expire_due(batch_size=2, idempotency_key="nightly-2026-01-07")
    assert again == first
    assert len(first.expired) == 3


def test_sweep_killed_half_way_then_run_again_expires_each_once(
    studio: Studio,
    gym: Gym,
    clock: ManualClock,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    account = gym.account()
    ids = [gym.grant(account, 2, expires_at=START + dt.timedelta(days=1)).pass_id for _ in range(7)]
    clock.advance(dt.timedelta(days=2))
    real = expiry.expire_batch
    calls = []

    def dies_in_third_batch(*args: object, **kwargs: object) -> expiry.ExpiryBatch:
        calls.append(1)
        batch = real(*args, **kwargs)  # type: ignore[arg-type]
        if len(calls) == 3:
            raise RuntimeError("the process was killed")
        return batch

    monkeypatch.setattr("sessionpacks.studio.expire_batch", dies_in_third_batch)
    with pytest.raises(RuntimeError):
        studio.expire_due(batch_size=2)
    # Two whole batches are done; the third rolled back with nothing half-written.
    assert sorted(expire_entries(engine)) == ids[:4]
    assert studio.verify() == ()
    monkeypatch.setattr("sessionpacks.studio.expire_batch", real)

    rest = studio.expire_due(batch_size=2)

    assert [e.pass_id for e in rest.expired] == ids[4:]
    assert expire_entries(engine) == {i: [(-2, 0)] for i in ids}
    assert studio.verify() == ()


def test_max_batches_bounds_one_run(studio: Studio, gym: Gym, clock: ManualClock) -> None:
    account = gym.account()
    for _ in range(5):
        gym.grant(account, 1, expires_at=START + dt.timedelta(days=1))
    clock.advance(dt.timedelta(days=2))
    assert len(studio.expire_due(batch_size=2, max_batches=1).expired) == 2
    assert len(studio.expire_due(batch_size=2).expired) == 3


def test_exhausted_pass_past_expiry_is_expired_with_nothing_forfeited(
    studio: Studio, gym: Gym, clock: ManualClock, engine: Engine
) -> None:
    account = gym.account()
    member = gym.member(account)
    service = gym.service()
    used = gym.grant(
        account,
        1,
        member=member,
        expires_at=START + dt.timedelta(days=1),
        cost_basis_minor=2_000,
        cost_currency="EUR",
    )
    gym.redeem(member, service)
    clock.advance(dt.timedelta(days=2))
    report = studio.expire_due()
    assert [(e.pass_id, e.units, e.value_minor) for e in report.expired] == [(used.pass_id, 0, 0)]
    assert studio.pass_balance(used.pass_id).state is PassState.EXPIRED
    assert expire_entries(engine) == {used.pass_id: [(0, 0)]}


def test_suspended_voided_and_future_passes_are_left_alone(
    studio: Studio, gym: Gym, clock: ManualClock
) -> None:
    account = gym.account()
    voided = gym.grant(account, 2, expires_at=START + dt.timedelta(days=1))
    studio.void(
        voided.pass_id,
        reason="sold by mistake",
        idempotency_key=gym.key(),
        actor=STAFF,
        channel="office",
    )
    future = gym.grant(account, 2, expires_at=START + dt.timedelta(days=10))
    clock.advance(dt.timedelta(days=2))
    assert studio.expire_due().expired == ()
    assert studio.pass_balance(future.pass_id).state is PassState.ACTIVE


def test_units_take_their_share_of_the_value_left_and_the_last_take_the_rest() -> None:
    assert units_value(10_000, 10, 7) == 7_000
    assert units_value(10_000, 3, 1) == 3_333
    assert units_value(10_000, 3, 2) == 6_666
    # The last unit takes what rounding left: three shares add up to what was paid.
    assert units_value(10_000, 3, 3) == 10_000
    assert units_value(10_000 - 3_333, 2, 1) + units_value(3_334, 1, 1) == 10_000 - 3_333
    assert units_value(0, 10, 10) == 0
    assert units_value(5_000, 10, 0) == 0
    assert units_value(5_000, 10, 12) == 5_000


def test_the_studio_timezone_decides_when_a_date_expiry_falls() -> None:
    # Valid through 31 March in Sydney (UTC+11 then): it ends at 13:00 UTC that day.
    assert end_of_local_day(dt.date(2026, 3, 31), "Australia/Sydney") == dt.datetime(
        2026, 3, 31, 13, 0, tzinfo=UTC
    )
    # In New York on summer time (UTC-4) it ends at 04:00 UTC the next day.
    assert end_of_local_day(dt.date(2026, 7, 1), "America/New_York") == dt.datetime(
        2026, 7, 2, 4, 0, tzinfo=UTC
    )
    assert end_of_local_day(dt.date(2026, 7, 1), "UTC") == dt.datetime(2026, 7, 2, tzinfo=UTC)
    with pytest.raises(InvalidInput, match="Mars/Olympus"):
        end_of_local_day(dt.date(2026, 7, 1), "Mars/Olympus")


def test_sweep_refuses_bad_arguments(studio: Studio) -> None:
    with pytest.raises(InvalidInput):
        studio.expire_due(batch_size=0)
    with pytest.raises(InvalidInput):
        studio.expire_due(dt.datetime(2026, 1, 1))  # naive: which zone?
