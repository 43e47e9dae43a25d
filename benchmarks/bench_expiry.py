"""How fast the expiry sweep expires due passes, next to the same work in raw SQL.

    python benchmarks/bench_expiry.py [--sqlite] [--postgresql [URL]] [--mariadb [URL]] [--n N]

For each database it seeds N due passes (100,000 by default) for each side and prints one line:
passes expired per second by :meth:`Studio.expire_due` (batches of 500, each one transaction with
its operation row, a locking select, one INSERT ... SELECT of the entries and one UPDATE), and by
the same statements written by hand with the driver (``sqlite3``, ``psycopg``, ``pymysql``) on the
same tables, and the ratio library/raw. The target is 0.5; a missed target prints MISSED and the
run still exits 0. Staff tasks on expiry are switched off on the library side (the raw side writes
none); reminders are not part of the sweep.

The raw side runs first on its own passes, so the library works on the larger table.

Server URLs come from the options or from SESSIONPACKS_BENCH_POSTGRESQL_URL and
SESSIONPACKS_BENCH_MARIADB_URL; with no database named, SQLite runs plus every server whose
variable is set. WARNING: on a server, the benchmark DROPS every sessionpacks table in the
database the URL names. Give it a database of its own.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys
import time
from collections.abc import Sequence
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from support import fresh_library, log, main_with_n

from sessionpacks import ManualClock, Settings, Studio, allow_all
from sessionpacks.database import inserted_id
from sessionpacks.models import Account, LedgerEntry, Operation, Pass

TARGET = 0.5
BATCH = 500
SEED_CHUNK = 5_000
QUANTITY = 10
COST = 10_000
GRANTED_AT = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
EXPIRES = dt.datetime(2026, 2, 1, tzinfo=dt.timezone.utc)
SWEEP_AT = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)
DUE_STATES = ("pending", "active", "exhausted")

PASSES = cast(sa.Table, Pass.__table__)
ENTRIES = cast(sa.Table, LedgerEntry.__table__)
OPERATIONS = cast(sa.Table, Operation.__table__)
ACCOUNTS = cast(sa.Table, Account.__table__)


def seed(engine: Engine, ref: str, n: int, expires: dt.datetime = EXPIRES) -> None:
    """N active passes of one account, each with its grant entry, all expiring at ``expires``
    (due at SWEEP_AT by default)."""
    with engine.begin() as conn:
        account_id = inserted_id(
            conn.execute(sa.insert(ACCOUNTS).values(ref=ref, name=ref, created_at=GRANTED_AT))
        )
        operation_id = inserted_id(
            conn.execute(
                sa.insert(OPERATIONS).values(
                    idempotency_key=f"seed-{ref}",
                    action="grant",
                    fingerprint="-",
                    actor_kind="system",
                    actor_id="bench",
                    channel="system",
                    result="",
                    created_at=GRANTED_AT,
                )
            )
        )
        first = conn.execute(sa.select(sa.func.coalesce(sa.func.max(PASSES.c.id), 0))).scalar_one()
    for start in range(0, n, SEED_CHUNK):
        size = min(SEED_CHUNK, n - start)
        ids = range(first + start + 1, first + start + size + 1)
        with engine.begin() as conn:
            conn.execute(
                sa.insert(PASSES),
                [
                    {
                        "id": pass_id,
                        "account_id": account_id,
                        "member_id": None,
                        "template_id": None,
                        "label": "bench pack",
                        "source": "grant",
                        "metric": "sessions",
                        "currency": None,
                        "initial_quantity": QUANTITY,
                        "remaining": QUANTITY - pass_id % 4,
                        "state": "active",
                        "starts_at": None,
                        "expires_at": expires,
                        "cost_basis_minor": COST,
                        "cost_currency": "USD",
                        "first_rate_minor": None,
                        "subsequent_rate_minor": None,
                        "all_services": True,
                        "member_cap": None,
                        "priority": 0,
                        "redeemed_count": 0,
                        "last_entry_at": GRANTED_AT,
                        "created_at": GRANTED_AT,
                    }
                    for pass_id in ids
                ],
            )
            # One entry per pass that sums to its remaining, so verify would agree.
            conn.execute(
                sa.insert(ENTRIES),
                [
                    {
                        "pass_id": pass_id,
                        "operation_id": operation_id,
                        "kind": "grant",
                        "delta": QUANTITY - pass_id % 4,
                        "balance_after": QUANTITY - pass_id % 4,
                        "created_at": GRANTED_AT,
                    }
                    for pass_id in ids
                ],
            )
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE")
        elif engine.dialect.name in ("mysql", "mariadb"):
            conn.exec_driver_sql(f"ANALYZE TABLE {PASSES.name}, {ENTRIES.name}")
        else:
            conn.exec_driver_sql("ANALYZE")


# -- the raw side --------------------------------------------------------------------------


class RawSweep:
    """The sweep's statements, by hand, on a DBAPI connection."""

    def __init__(self, conn: Any, dialect: str) -> None:
        self.conn = conn
        self.dialect = dialect
        self.mark = "?" if dialect == "sqlite" else "%s"

    def moment(self, value: dt.datetime) -> object:
        naive = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        if self.dialect == "sqlite":
            return naive.isoformat(sep=" ", timespec="microseconds")
        return naive

    def run(self) -> int:
        expired = 0
        number = after = 0
        while True:
            number += 1
            done = self.batch(number, after)
            if not done:
                return expired
            expired += len(done)
            after = done[-1]

    def batch(self, number: int, after: int) -> list[int]:
        m = self.mark
        cursor = self.conn.cursor()
        if self.dialect == "sqlite":
            cursor.execute("BEGIN IMMEDIATE")
        now = self.moment(SWEEP_AT)
        returning = " RETURNING id" if self.dialect == "postgresql" else ""
        cursor.execute(
            "INSERT INTO sessionpacks_operations (idempotency_key, action, fingerprint,"
            " actor_kind, actor_id, channel, result, created_at)"
            f" VALUES ({m}, 'expire', '-', 'system', 'raw', 'system', '', {m}){returning}",
            (f"raw-expire-{number}", now),
        )
        operation_id = cursor.fetchone()[0] if returning else cursor.lastrowid
        lock = "" if self.dialect == "sqlite" else " FOR UPDATE"
        div = "DIV" if self.dialect == "mariadb" else "/"
        value = (
            "CASE WHEN remaining >= initial_quantity THEN cost_basis_minor"
            f" ELSE cost_basis_minor * remaining {div} initial_quantity END"
        )
        newest = "CASE WHEN last_entry_at > expires_at THEN last_entry_at ELSE expires_at END"
        cursor.execute(
            # The same columns the library reads: what a report of the sweep needs.
            f"SELECT id, account_id, member_id, remaining, {value}, cost_currency, {newest},"
            " label FROM sessionpacks_passes WHERE state IN ('pending', 'active', 'exhausted')"
            f" AND expires_at <= {m} AND id > {m} ORDER BY id LIMIT {BATCH}{lock}",
            (now, after),
        )
        rows: Sequence[Any] = cursor.fetchall()
        if not rows:
            if self.dialect == "sqlite":
                cursor.execute("ROLLBACK")
            else:
                self.conn.rollback()
            return []
        ids = [row[0] for row in rows]
        # Like the library: one array parameter on PostgreSQL, a list of them elsewhere.
        if self.dialect == "postgresql":
            listed, params = "id = ANY(%s)", [ids]
        else:
            listed, params = f"id IN ({', '.join([m] * len(ids))})", ids
        # Like the library, the database computes the entries from the locked rows.
        cursor.execute(
            "INSERT INTO sessionpacks_ledger_entries (pass_id, operation_id, kind, delta,"
            " balance_after, reason, value_minor, created_at)"
            f" SELECT id, {m}, 'expire', -remaining, 0, 'expired', {value}, {newest}"
            f" FROM sessionpacks_passes WHERE {listed}",
            [operation_id, *params],
        )
        cursor.execute(
            "UPDATE sessionpacks_passes SET remaining = 0, state = 'expired',"
            f" last_entry_at = {newest} WHERE {listed}",
            params,
        )
        if self.dialect == "sqlite":
            cursor.execute("COMMIT")
        else:
            self.conn.commit()
        return ids


def raw_connection(name: str, url: str) -> Any:
    parsed = sa.make_url(url)
    if name == "sqlite":
        conn = sqlite3.connect(parsed.database or "", isolation_level=None)
        for pragma in ("journal_mode = WAL", "synchronous = FULL", "foreign_keys = ON"):
            conn.execute(f"PRAGMA {pragma}")
        return conn
    if name == "postgresql":
        import psycopg

        return psycopg.connect(
            host=parsed.host or "", port=parsed.port or 5432, user=parsed.username or "",
            password=parsed.password or "", dbname=parsed.database or "",
        )  # fmt: skip
    import pymysql

    server: Any = pymysql.connect(
        host=parsed.host or "localhost", port=parsed.port or 3306, user=parsed.username or "",
        password=parsed.password or "", database=parsed.database or "", autocommit=False,
    )  # fmt: skip
    with server.cursor() as cursor:
        cursor.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
    return server


# -- the run -------------------------------------------------------------------------------


def bench(name: str, url: str, n: int) -> None:
    started = time.perf_counter()
    engine = fresh_library(url)
    try:
        seed(engine, "bench-raw", n)
        conn = raw_connection(name, url)
        try:
            began = time.perf_counter()
            raw_count = RawSweep(conn, "sqlite" if name == "sqlite" else name).run()
            raw_seconds = time.perf_counter() - began
        finally:
            conn.close()
        seed(engine, "bench-library", n)
        studio = Studio(
            engine,
            settings=Settings(policy=allow_all, task_on_expiry=False),
            clock=ManualClock(SWEEP_AT),
        )
        began = time.perf_counter()
        report = studio.expire_due(batch_size=BATCH)
        library_seconds = time.perf_counter() - began
        if raw_count != n or len(report.expired) != n:
            raise SystemExit(f"{name}: expected {n} expired on each side, got {raw_count} raw"
                             f" and {len(report.expired)} library")  # fmt: skip
        problems = studio.verify()
        if problems:
            raise SystemExit(f"{name}: verify found {len(problems)} disagreeing passes")
    finally:
        engine.dispose()
    library_rate = n / library_seconds
    raw_rate = n / raw_seconds
    ratio = library_rate / raw_rate
    verdict = "ok" if ratio >= TARGET else "MISSED"
    print(
        f"{name:<10} expire {n:,} passes: library {library_rate:,.0f}/s, raw {raw_rate:,.0f}/s,"
        f" ratio {ratio:.2f} (target {TARGET}) {verdict}",
        flush=True,
    )
    log(f"  {name}: done in {time.perf_counter() - started:.0f} s")


def main(argv: list[str] | None = None) -> int:
    return main_with_n(argv, "sessionpacks expiry benchmark", "expiry", bench, __doc__)


if __name__ == "__main__":
    sys.exit(main())
