"""A sweep process killed part-way (SIGKILL, no clean-up), then run again: every due pass is
expired exactly once, the ledger verifies, and the staff tasks of the killed run still go out
once each."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from sessionpacks import (
    EntryKind,
    ManualClock,
    Settings,
    Studio,
    TaskRequest,
    allow_all,
    create_engine,
    hookimpl,
)
from sessionpacks.models import LedgerEntry
from tests.conftest import Gym
from tests.test_concurrency import _context

pytestmark = pytest.mark.slow

UTC = dt.timezone.utc
EXPIRES = dt.datetime(2099, 1, 1, tzinfo=UTC)
SWEEP_AT = dt.datetime(2100, 1, 1, tzinfo=UTC)
PASSES = 40
_entries = LedgerEntry.__table__


class SlowTasks:
    """Delivers each task slowly, so the parent's kill lands in the middle of the run."""

    @hookimpl
    def sessionpacks_create_task(self, task: TaskRequest) -> None:
        time.sleep(0.03)


def sweep_slowly(database_url: str) -> None:
    engine = create_engine(database_url)
    studio = Studio(engine, settings=Settings(policy=allow_all), plugins=[SlowTasks()])
    studio.expire_due(SWEEP_AT, batch_size=2)


def _expire_entries(engine: Engine) -> dict[int, int]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(_entries.c.pass_id, sa.func.count())
            .where(_entries.c.kind == EntryKind.EXPIRE.value)
            .group_by(_entries.c.pass_id)
        ).all()
    return {row[0]: row[1] for row in rows}


def test_sweep_killed_mid_run_then_run_again(gym: Gym, engine: Engine, database_url: str) -> None:
    account = gym.account()
    pass_ids = [
        gym.grant(account, 3, member=gym.member(account), expires_at=EXPIRES).pass_id
        for _ in range(PASSES)
    ]
    child = _context.Process(target=sweep_slowly, args=(database_url,), daemon=True)
    child.start()
    deadline = time.monotonic() + 60
    while len(_expire_entries(engine)) < 6 and time.monotonic() < deadline:
        time.sleep(0.01)
    child.kill()
    child.join()
    done_before = _expire_entries(engine)
    assert 6 <= len(done_before) < PASSES, "the kill should land part-way"
    assert len(done_before) % 2 == 0  # whole batches of two, never half of one
    assert gym.studio.verify() == ()

    # Later: the killed run's claims on its side effects have lapsed.
    later = ManualClock(dt.datetime.now(UTC) + dt.timedelta(hours=1))
    studio = Studio(engine, settings=Settings(policy=allow_all), clock=later)
    rest = studio.expire_due(SWEEP_AT, batch_size=2)

    assert sorted([e.pass_id for e in rest.expired] + list(done_before)) == pass_ids
    assert _expire_entries(engine) == dict.fromkeys(pass_ids, 1)
    assert studio.verify() == ()
    studio.retry_side_effects()
    tasks = studio.tasks()
    assert len(tasks) == PASSES
    assert sorted(t.pass_id for t in tasks if t.pass_id is not None) == pass_ids  # each once
