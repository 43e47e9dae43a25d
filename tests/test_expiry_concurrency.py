"""The expiry sweep and the reminder sweep running at the same time as redemptions and as each
other, in separate processes: no unit lost or doubled, no pass expired twice, no reminder twice.
"""

from __future__ import annotations

import datetime as dt
from multiprocessing.synchronize import Barrier
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from sessionpacks import (
    Channel,
    EntryKind,
    InsufficientCredit,
    PassState,
    PassUnusable,
    Studio,
)
from sessionpacks.models import Email, LedgerEntry, Notice, Pass
from tests.conftest import Gym
from tests.test_concurrency import KIOSK, run_together

pytestmark = pytest.mark.slow

UTC = dt.timezone.utc
# Far enough ahead that the children's real clock is before it, so redemptions are allowed
# until the sweep (which acts as of SWEEP_AT) takes the pass.
EXPIRES = dt.datetime(2099, 1, 1, tzinfo=UTC)
SWEEP_AT = dt.datetime(2100, 1, 1, tzinfo=UTC)
QUANTITY = 5
PAID = 5_000

_entries = LedgerEntry.__table__
_passes = Pass.__table__


def redeem_until_refused(
    studio: Studio, barrier: Barrier, index: int, payload: tuple[list[int], int]
) -> int:
    """Redeem round-robin for these members until every one is refused; how many went through."""
    member_ids, service_id = payload
    done = 0
    open_members = list(member_ids)
    attempt = 0
    while open_members:
        for member_id in list(open_members):
            attempt += 1
            try:
                studio.redeem(
                    member_id,
                    service_id,
                    idempotency_key=f"redeemer-{index}-{attempt}",
                    actor=KIOSK,
                    channel=Channel.KIOSK,
                )
                done += 1
            except (InsufficientCredit, PassUnusable):
                open_members.remove(member_id)
    return done


def sweep(studio: Studio, barrier: Barrier, index: int, payload: None) -> list[int]:
    report = studio.expire_due(SWEEP_AT, batch_size=3)
    return [e.pass_id for e in report.expired]


def test_sweep_concurrent_with_redemptions_loses_and_doubles_no_unit(
    gym: Gym, engine: Engine, database_url: str
) -> None:
    account = gym.account()
    service = gym.service()
    members = [gym.member(account, f"M{i}") for i in range(24)]
    pass_ids = [
        gym.grant(
            account,
            QUANTITY,
            member=m,
            expires_at=EXPIRES,
            cost_basis_minor=PAID,
            cost_currency="USD",
        ).pass_id
        for m in members
    ]
    groups = [[m.id for m in members[i::4]] for i in range(4)]
    outcomes = run_together(
        database_url,
        _dispatch,
        [("redeem", (g, service.id)) for g in groups] + [("sweep", None), ("sweep", None)],
    )
    redeemed_total = sum(o for o in outcomes[:4])
    swept = sorted(p for o in outcomes[4:] for p in o)
    assert swept == pass_ids  # each pass expired by exactly one of the two sweeps

    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(_entries.c.pass_id, _entries.c.kind, _entries.c.delta, _entries.c.value_minor)
        ).all()
        states = dict(conn.execute(sa.select(_passes.c.id, _passes.c.state)).all())
        remaining = dict(conn.execute(sa.select(_passes.c.id, _passes.c.remaining)).all())
    redeem_entries = [r for r in rows if r.kind == EntryKind.REDEEM.value]
    assert len(redeem_entries) == redeemed_total
    for pass_id in pass_ids:
        used = -sum(r.delta for r in redeem_entries if r.pass_id == pass_id)
        (expire_entry,) = [
            r for r in rows if r.pass_id == pass_id and r.kind == EntryKind.EXPIRE.value
        ]
        assert expire_entry.delta == -(QUANTITY - used)
        assert expire_entry.value_minor == PAID * (QUANTITY - used) // QUANTITY
        assert (states[pass_id], remaining[pass_id]) == (PassState.EXPIRED.value, 0)
    assert gym.studio.verify() == ()


def remind(studio: Studio, barrier: Barrier, index: int, payload: None) -> list[int]:
    return [s.pass_id for s in studio.send_pass_reminders(batch_size=4).sent]


def _dispatch(studio: Studio, barrier: Barrier, index: int, payload: tuple[str, Any]) -> Any:
    what, argument = payload
    if what == "redeem":
        return redeem_until_refused(studio, barrier, index, argument)
    if what == "sweep":
        return sweep(studio, barrier, index, argument)
    return remind(studio, barrier, index, argument)


def test_two_reminder_sweeps_at_once_send_each_reminder_once(
    gym: Gym, engine: Engine, database_url: str
) -> None:
    account = gym.account()
    pass_ids = []
    for i in range(12):
        member = gym.studio.add_member(account.id, f"M{i}", email=f"m{i}@example.com")
        pass_ids.append(
            gym.grant(
                account, 3, member=member, expires_at=dt.datetime.now(UTC) + dt.timedelta(days=2)
            ).pass_id
        )
    outcomes = run_together(database_url, _dispatch, [("remind", None)] * 3)
    assert sorted(p for o in outcomes for p in o) == pass_ids
    with engine.connect() as conn:
        emails = conn.execute(sa.select(sa.func.count()).select_from(Email.__table__)).scalar()
        notices = conn.execute(sa.select(sa.func.count()).select_from(Notice.__table__)).scalar()
    assert (emails, notices) == (12, 12)
