"""Staff tasks of the expiry sweep: written by the database when only the default task store
hears of them, delivered in batches after commit when a host's plugin does, the same words
either way."""

from __future__ import annotations

import datetime as dt
import types

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from sessionpacks import ManualClock, Settings, Studio, allow_all, expiry
from sessionpacks.hookspecs import hookimpl
from sessionpacks.messages import TaskRequest
from sessionpacks.models import Pass, SideEffect, table
from tests.conftest import START, Gym

# Not on a whole minute: the tasks print the expiry to the minute, the sweep keeps it exact.
EXPIRES = START + dt.timedelta(days=1, hours=13, minutes=7, seconds=42, microseconds=500)


class HostTasks:
    """A host's to-do app, told of every task."""

    def __init__(self) -> None:
        self.told: list[TaskRequest] = []

    @hookimpl
    def sessionpacks_create_task(self, task: TaskRequest) -> bool:
        self.told.append(task)
        return True


def side_effects(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(table(SideEffect).c.hook, table(SideEffect).c.state))
        return [(row.hook, row.state) for row in rows]


def expiring_passes(gym: Gym, engine: Engine) -> dict[int, str]:
    """Passes of several labels due at EXPIRES, one used up (no task): pass id -> label."""
    account = gym.account()
    member = gym.member(account)
    for label, quantity in (("Physio 3-pack", 3), ("", 5), ("Yoga 10 (winter) 'Ø' 100%", 10)):
        gym.grant(account, quantity, label=label, expires_at=EXPIRES)
    used_up = gym.grant(account, 1, member=member, label="Drop-in", expires_at=EXPIRES)
    gym.redeem(member, gym.service(), pass_id=used_up.pass_id)
    passes = table(Pass)
    with engine.connect() as conn:
        return {row.id: row.label for row in conn.execute(sa.select(passes.c.id, passes.c.label))}


def expected(studio: Studio, report: expiry.ExpiryReport, labels: dict[int, str]) -> set[object]:
    """The tasks :func:`expiry.expiry_task` makes in Python for the passes the sweep expired."""
    return {
        (task.title, task.body, task.account_id, task.pass_id)
        for task in (
            expiry.expiry_task(types.SimpleNamespace(label=labels[e.pass_id]), e)  # type: ignore[arg-type]
            for e in report.expired
            if e.units > 0
        )
    }


def kept(studio: Studio, before: int) -> set[object]:
    """The tasks kept since the first ``before`` (the sweep's)."""
    return {(t.title, t.body, t.account_id, t.pass_id) for t in studio.tasks()[before:]}


def test_the_database_writes_the_tasks_when_only_the_default_store_hears_of_them(
    studio: Studio, gym: Gym, clock: ManualClock, engine: Engine
) -> None:
    labels = expiring_passes(gym, engine)
    already = len(studio.tasks())  # the used-up pass's last-session task
    clock.advance(dt.timedelta(days=3))

    report = studio.expire_due(batch_size=2)

    assert report.batches == 2
    assert kept(studio, already) == expected(studio, report, labels)
    assert len(studio.tasks()) == already + 3
    assert {t.title for t in studio.tasks()} >= {
        "Physio 3-pack expired with 3 unused",
        "5 sessions pack expired with 5 unused",  # the label a pass without one is given
        "Yoga 10 (winter) 'Ø' 100% expired with 10 unused",
    }
    # No side effect was written for them: nothing is left to deliver or to retry.
    assert [hook for hook, _ in side_effects(engine)].count("sessionpacks_create_task") == 0
    assert studio.retry_side_effects().delivered == 0
    # Run again, the sweep finds nothing and makes no second task.
    assert studio.expire_due().expired == ()
    assert len(studio.tasks()) == already + 3


def test_a_hosts_task_plugin_hears_of_each_task_once_after_commit_with_the_same_words(
    engine: Engine, clock: ManualClock
) -> None:
    host = HostTasks()
    studio = Studio(engine, settings=Settings(policy=allow_all), clock=clock, plugins=[host])
    gym = Gym(studio)
    labels = expiring_passes(gym, engine)
    host.told.clear()  # the used-up pass's last-session task
    already = len(studio.tasks())
    clock.advance(dt.timedelta(days=3))

    report = studio.expire_due(batch_size=2)

    want = expected(studio, report, labels)
    assert {(t.title, t.body, t.account_id, t.pass_id) for t in host.told} == want
    assert len(host.told) == 3
    assert kept(studio, already) == want
    # Each went through the outbox, and each was delivered.
    tasks = [state for hook, state in side_effects(engine) if hook == "sessionpacks_create_task"]
    assert tasks.count("done") == len(tasks) == 4
    assert studio.retry_side_effects().delivered == 0


def test_tasks_off_the_sweep_makes_none(engine: Engine, clock: ManualClock) -> None:
    studio = Studio(
        engine,
        settings=Settings(policy=allow_all, task_on_expiry=False, task_on_last_session=False),
        clock=clock,
    )
    gym = Gym(studio)
    expiring_passes(gym, engine)
    clock.advance(dt.timedelta(days=3))
    assert len(studio.expire_due().expired) == 4
    assert studio.tasks() == ()
