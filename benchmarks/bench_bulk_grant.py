"""Bulk grants at scale: the rate and the peak memory of ``Studio.bulk_grant``, beside the same
rows inserted with the raw driver, on SQLite and on PostgreSQL and MariaDB when their URLs are in
``SESSIONPACKS_BENCH_POSTGRESQL_URL`` and ``SESSIONPACKS_BENCH_MARIADB_URL``.

    python benchmarks/bench_bulk_grant.py [--sizes 10000 100000] [--only sqlite]

The database named by a URL is emptied of sessionpacks tables first. One line per database and
size: the seconds and clients per second of sessionpacks and of the raw driver, their ratio (and
sessionpacks' rate as a share of the raw driver's, against the target of 0.5), the
tracemalloc peak of a second, traced, run of sessionpacks (the most memory Python held at once),
and how much the timed run raised the process's peak resident size. The peaks of 10,000 and
100,000 clients should be about the same: the recipients are a generator, the report is read
back lazily, and each chunk of 500 is forgotten once committed.

The raw side does the least that leaves the same rows: one executemany of the passes per chunk
of 500, then the grant entries and the batch items with INSERT ... SELECT from those passes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from support import ENV_URLS, fresh_schema

from sessionpacks import (
    Actor,
    PassTerms,
    Recipient,
    Settings,
    Studio,
    allow_all,
    create_engine,
)
from sessionpacks.models import Account, GrantBatch, Operation, table

CHUNK = 500
# sessionpacks' rate at least this share of the raw driver's; a miss prints MISSED, exit 0.
TARGET = 0.5
ACTOR = Actor(kind="system", id="bench")
NOW = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.timezone.utc)


def add_accounts(engine: Engine, count: int) -> None:
    accounts = table(Account)
    with engine.begin() as conn:
        for start in range(0, count, 5000):
            conn.execute(
                sa.insert(accounts),
                [
                    {"ref": f"client-{n}", "name": f"Client {n}", "created_at": NOW}
                    for n in range(start, min(start + 5000, count))
                ],
            )


def recipients(count: int) -> Iterator[Recipient]:
    return (Recipient(account_ref=f"client-{n}") for n in range(count))


def timed(work: Callable[[], object]) -> tuple[float, int]:
    """Seconds of ``work``, and how much it raised the process's peak resident size (bytes)."""
    before = _maxrss()
    started = time.perf_counter()
    work()
    return time.perf_counter() - started, _maxrss() - before


def traced_peak(work: Callable[[], object]) -> int:
    """The most memory Python held for ``work`` at once, by tracemalloc. Tracing slows every
    allocation down, so this run is not timed."""
    tracemalloc.start()
    work()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def _maxrss() -> int:
    # Kilobytes on Linux, bytes on macOS.
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def with_studio(engine: Engine, size: int, label: str) -> None:
    studio = Studio(engine, settings=Settings(policy=allow_all))
    report = studio.bulk_grant(
        recipients(size),
        PassTerms(quantity=5),
        reason="benchmark",
        batch_key=f"bench-{label}-{size}",
        actor=ACTOR,
        channel="system",
    )
    assert report.granted == size, report


def with_raw_driver(engine: Engine, size: int, label: str) -> None:
    """The same passes, grant entries and items, written with the DBAPI cursor."""
    operations, batches = table(Operation), table(GrantBatch)
    with engine.begin() as conn:
        operation_id = conn.execute(
            sa.insert(operations).values(
                idempotency_key=f"raw-{label}-{size}",
                action="raw",
                fingerprint="",
                result="",
                actor_kind="system",
                actor_id="bench",
                channel="system",
                created_at=NOW,
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        batch_id = conn.execute(
            sa.insert(batches).values(
                key=f"raw-{label}-{size}",
                operation_id=operation_id,
                terms="{}",
                reason="raw",
                actor_kind="system",
                actor_id="bench",
                channel="system",
                state="complete",
                processed=size,
                granted=size,
                skipped=0,
                undone=0,
                created_at=NOW,
            )
        ).inserted_primary_key[0]  # type: ignore[index]
    paramstyle = engine.dialect.paramstyle
    mark = "?" if paramstyle == "qmark" else "%s"
    stamp = NOW.replace(tzinfo=None)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        last = _newest_pass(cursor)
        for start in range(0, size, CHUNK):
            if engine.dialect.name == "sqlite":
                # The driver connection is in autocommit mode here: one transaction per chunk,
                # as on the other side.
                cursor.execute("BEGIN IMMEDIATE")
            refs = [f"client-{n}" for n in range(start, min(start + CHUNK, size))]
            marks = ", ".join([mark] * len(refs))
            cursor.execute(
                f"SELECT id FROM sessionpacks_accounts WHERE ref IN ({marks}) ORDER BY id", refs
            )
            ids = [row[0] for row in cursor.fetchall()]
            cursor.executemany(
                "INSERT INTO sessionpacks_passes (account_id, label, source, metric,"
                " initial_quantity, remaining, state, cost_basis_minor, all_services, priority,"
                " redeemed_count, last_entry_at, created_at) VALUES"
                f" ({mark}, 'raw', 'grant', 'sessions', 5, 5, 'active', 0, {mark}, 0, 0,"
                f" {mark}, {mark})",
                [(account_id, True, stamp, stamp) for account_id in ids],
            )
            cursor.execute(
                "INSERT INTO sessionpacks_ledger_entries (pass_id, operation_id, kind, delta,"
                f" balance_after, reason, created_at) SELECT id, {mark}, 'grant', 5, 5, 'raw',"
                f" created_at FROM sessionpacks_passes WHERE id > {mark}",
                (operation_id, last),
            )
            cursor.execute(
                "INSERT INTO sessionpacks_grant_batch_items (batch_id, position, account_id,"
                f" outcome, pass_id) SELECT {mark}, id, account_id, 'granted', id"
                f" FROM sessionpacks_passes WHERE id > {mark}",
                (batch_id, last),
            )
            last = _newest_pass(cursor)
            raw.commit()
        cursor.close()
    finally:
        raw.close()


def _newest_pass(cursor: Any) -> int:
    cursor.execute("SELECT COALESCE(MAX(id), 0) FROM sessionpacks_passes")
    return int(cursor.fetchone()[0])


def run(label: str, url: str, sizes: list[int]) -> None:
    engine = create_engine(url)
    fresh_schema(engine)
    add_accounts(engine, max(sizes))
    for size in sizes:
        mine, rss = timed(functools.partial(with_studio, engine, size, f"{label}-timed"))
        theirs, _ = timed(functools.partial(with_raw_driver, engine, size, label))
        peak = traced_peak(functools.partial(with_studio, engine, size, f"{label}-traced"))
        rate = theirs / mine  # sessionpacks' rate as a share of the raw driver's
        print(
            f"{label:10} {size:>7} clients  sessionpacks {mine:7.2f} s {size / mine:6.0f}/s"
            f"  raw driver {theirs:6.2f} s {size / theirs:6.0f}/s  ratio {mine / theirs:5.2f}x"
            f"  rate {rate:4.2f} of raw (target {TARGET}) {'ok' if rate >= TARGET else 'MISSED'}"
            f"  traced peak {peak / 2**20:5.1f} MiB  maxrss +{rss / 2**20:5.1f} MiB",
            flush=True,
        )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--only", choices=["sqlite", *ENV_URLS], action="append")
    options = parser.parse_args()
    wanted = options.only or ["sqlite", *ENV_URLS]
    if "sqlite" in wanted:
        with tempfile.TemporaryDirectory() as folder:
            run("sqlite", f"sqlite:///{Path(folder) / 'bench.db'}", options.sizes)
    for name, variable in ENV_URLS.items():
        url = os.environ.get(variable, "").strip()
        if name in wanted and url:
            run(name, url, options.sizes)
        elif name in wanted:
            print(f"{name:10} skipped: set {variable} to a server URL to measure it")


if __name__ == "__main__":
    main()
