"""Resuming after a crash: the side effects a killed sweep left undelivered (staff tasks here),
sent by ``retry_side_effects`` (what ``run-due`` does last), beside the raw driver doing the same
work (claim the rows, store each task, mark the rows delivered, in chunks) in the same run.

The time should follow the work left: the per-item time is printed at two sizes. Run as
``python benchmarks/bench_resume.py --sqlite`` (``tox -e bench-resume``); ``--postgresql`` takes
the server from $SESSIONPACKS_BENCH_POSTGRESQL_URL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from support import add_database_options, fresh_library, log, settle_databases

from sessionpacks import ManualClock, Settings, Studio, TaskRequest, allow_all, codec, hookimpl
from sessionpacks.models import SideEffect, StaffTask

NOW = dt.datetime(2026, 1, 5, 9, tzinfo=dt.timezone.utc)
CHUNK = 500
_effects = SideEffect.__table__
_tasks = StaffTask.__table__


class TaskSystem:
    """The host's task system: it takes every task."""

    @hookimpl
    def sessionpacks_create_task(self, task: TaskRequest) -> bool:
        return True


def _left_undelivered(engine: sa.Engine, count: int, account_id: int) -> None:
    """What a sweep killed after its commit and before delivery leaves: claimed task rows."""
    rows = [
        {
            "hook": "sessionpacks_create_task",
            "payload": codec.dumps(
                TaskRequest(title=f"Pass {n} expired", body="b", account_id=account_id)
            ),
            "state": "pending",
            "attempts": 0,
            "claimed_at": NOW - dt.timedelta(hours=1),  # the dead process's lapsed claim
            "created_at": NOW,
        }
        for n in range(count)
    ]
    with engine.begin() as conn:
        conn.execute(sa.delete(_effects))
        conn.execute(sa.delete(_tasks))
        conn.execute(sa.insert(_effects), rows)


def _library(engine: sa.Engine, count: int) -> float:
    studio = Studio(
        engine, settings=Settings(policy=allow_all), plugins=[TaskSystem()], clock=ManualClock(NOW)
    )
    account = studio.add_account(f"acct-{count}", "Bench")
    _left_undelivered(engine, count, account.id)
    started = time.perf_counter()
    report = studio.retry_side_effects()
    took = time.perf_counter() - started
    assert report.delivered == count, report
    return took


def _raw(engine: sa.Engine, count: int) -> float:
    with engine.connect() as conn:
        account_id = conn.execute(sa.text("SELECT max(id) FROM sessionpacks_accounts")).scalar()
    _left_undelivered(engine, count, account_id)
    raw: Any = engine.raw_connection()
    cursor = raw.cursor()
    sqlite = engine.dialect.name == "sqlite"
    marker = "?" if sqlite else "%s"

    def begin() -> None:
        # sessionpacks' SQLite connections leave BEGIN to the caller (isolation_level=None).
        if sqlite:
            cursor.execute("BEGIN IMMEDIATE")

    started = time.perf_counter()
    cursor.execute("SELECT id FROM sessionpacks_side_effects WHERE state != 'done' ORDER BY id")
    ids = [row[0] for row in cursor.fetchall()]
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        marks = ",".join([marker] * len(chunk))
        begin()
        cursor.execute(
            f"SELECT id, payload FROM sessionpacks_side_effects WHERE id IN ({marks})", chunk
        )
        tasks = [json.loads(payload) for _, payload in cursor.fetchall()]
        cursor.execute(
            f"UPDATE sessionpacks_side_effects SET claimed_at = {marker}, attempts = attempts + 1"
            f" WHERE id IN ({marks})",
            [NOW.replace(tzinfo=None), *chunk],
        )
        raw.commit()
        begin()
        cursor.executemany(
            "INSERT INTO sessionpacks_tasks (title, body, account_id, pass_id, state,"
            f" created_at) VALUES ({marker}, {marker}, {marker}, {marker}, 'open', {marker})",
            [
                (t["title"], t["body"], t["account_id"], t["pass_id"], NOW.replace(tzinfo=None))
                for t in tasks
            ],
        )
        cursor.execute(
            f"UPDATE sessionpacks_side_effects SET state = 'done', claimed_at = NULL,"
            f" done_at = {marker} WHERE id IN ({marks})",
            [NOW.replace(tzinfo=None), *chunk],
        )
        raw.commit()
    took = time.perf_counter() - started
    raw.close()
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    add_database_options(parser)
    parser.add_argument("--sizes", default="5000,50000", help="side effects left, comma-separated")
    args = parser.parse_args()
    settle_databases(parser, args)
    sizes = [int(size) for size in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="sessionpacks-bench-resume-") as scratch:
        targets = [("sqlite", f"sqlite:///{Path(scratch, 'resume.db')}")] if args.sqlite else []
        targets += [(name, getattr(args, name)) for name in ("postgresql", "mariadb")]
        for name, url in targets:
            if url:
                run(name, url, sizes)


def run(name: str, url: str, sizes: list[int]) -> None:
    engine = fresh_library(url)
    for count in sizes:
        library, raw = _library(engine, count), _raw(engine, count)
        log(
            f"{name}: {count} side effects left: library {library:.2f} s"
            f" ({library / count * 1e6:.0f} µs each), raw driver {raw:.2f} s,"
            f" ratio raw/library {raw / library:.2f}"
        )
    engine.dispose()


if __name__ == "__main__":
    main()
