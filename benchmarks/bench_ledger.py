"""How fast sessionpacks redeems and reads balances, next to the bare database driver.

    python benchmarks/bench_ledger.py [--sqlite] [--postgresql [URL]] [--mariadb [URL]] [--n N]

For each database it prints one line per case:

* ``redeem``: N redemptions through :meth:`Studio.redeem` (one pass, one member, a fresh
  idempotency key each) against the same transaction written by hand with the driver (``sqlite3``,
  ``psycopg``, ``pymysql``): a conditional ``UPDATE`` of the balance and one ledger ``INSERT``,
  committed per redemption. Both sides run in alternating rounds, so that a disturbance on the
  machine hits both alike. Targets for library/raw: 0.5 on PostgreSQL, 0.3 on SQLite.
* ``balance``: the time of ``studio.pass_balance(pass_id)`` and of the same read ``as_of`` a past
  moment, on a pass with 1,000 and then with 1,000,000 ledger entries. The ratio must stay within
  1.5: reading a balance must not get slower as the ledger grows.

A missed target prints MISSED on its line and the run still exits 0, so that every number is
seen; an error exits non-zero.

The server URLs are SQLAlchemy URLs (``postgresql+psycopg://...``, ``mysql+pymysql://...``);
``--postgresql`` and ``--mariadb`` without a URL, and a run with no database named at all, take
them from SESSIONPACKS_BENCH_POSTGRESQL_URL and SESSIONPACKS_BENCH_MARIADB_URL. A run with no
database named runs SQLite plus every server whose variable is set. SQLite runs in a temporary
directory, in WAL mode with ``synchronous=FULL`` on both sides.

WARNING: on a server, the benchmark DROPS every sessionpacks table (and its own ``bench_raw_*``
tables) in the database the URL names. Give it a database of its own.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import functools
import io
import pstats
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol, cast

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from support import add_database_options, fresh_library, log, settle_databases

from sessionpacks import (
    Actor,
    Channel,
    ManualClock,
    PassTerms,
    Settings,
    Studio,
    allow_all,
)
from sessionpacks.enums import EntryKind
from sessionpacks.models import LedgerEntry, Pass

REDEEM_TARGETS = {"postgresql": 0.5, "sqlite": 0.3}
READ_GROWTH_LIMIT = 1.5
ROUNDS = 8  # alternating library/raw rounds per database
WARMUP = 50  # redemptions per side before timing: connections, statement caches, JIT-free paths
READ_WARMUP = 20
READ_REPEATS = 500
ACTOR = Actor(kind="kiosk", id="bench")
ENTRIES = LedgerEntry.__tablename__
PASS_TABLE = cast(sa.Table, Pass.__table__)
# The bulk entries of the read benchmark start here, one millisecond apart.
BULK_START = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)


# -- the library side ----------------------------------------------------------------------


class LibraryRedeemer:
    """Redeems one session at a time for one member, from one pass, through the Studio."""

    def __init__(self, engine: Engine, credits: int) -> None:
        self.studio = Studio(engine, settings=Settings(policy=allow_all))
        account = self.studio.add_account("bench-account", "Bench family")
        self.member_id = self.studio.add_member(account.id, "Bench member").id
        self.service_id = self.studio.add_service(
            "Bench class", category="classes", duration_minutes=60
        ).id
        self.pass_id = self.studio.grant(
            account.id,
            PassTerms(quantity=credits),
            reason="benchmark",
            idempotency_key="bench-grant",
            actor=ACTOR,
            channel=Channel.OFFICE,
        ).pass_id
        self.done = 0

    def redeem(self, count: int) -> float:
        """Redeem ``count`` times; the seconds it took."""
        redeem, member_id, service_id = self.studio.redeem, self.member_id, self.service_id
        first = self.done
        started = time.perf_counter()
        for number in range(first, first + count):
            redeem(
                member_id,
                service_id,
                idempotency_key=f"bench-redeem-{number}",
                actor=ACTOR,
                channel=Channel.KIOSK,
            )
        elapsed = time.perf_counter() - started
        self.done += count
        return elapsed


# -- the raw driver side -------------------------------------------------------------------


class RawRedeemer(Protocol):
    def redeem(self, count: int) -> float: ...

    def close(self) -> None: ...


class DbapiRedeemer:
    """The same redemption written by hand: conditional update, ledger insert, commit.

    The ledger insert reads the new balance from the updated row, so both statements stay one
    round trip each, as in the library.
    """

    def __init__(
        self, conn: Any, placeholder: str, begin: str | None, ddl: list[str], credits: int
    ) -> None:
        self.conn = conn
        self.begin = begin
        p = placeholder
        self.update_sql = (
            "UPDATE bench_raw_passes SET remaining = remaining - 1"
            f" WHERE id = {p} AND remaining >= 1"
        )
        self.insert_sql = (
            "INSERT INTO bench_raw_entries (pass_id, kind, delta, balance_after, created_at)"
            f" SELECT id, 'redeem', -1, remaining, {p} FROM bench_raw_passes WHERE id = {p}"
        )
        cursor = conn.cursor()
        if begin:
            cursor.execute(begin)
        for statement in ddl:
            cursor.execute(statement)
        cursor.execute(f"INSERT INTO bench_raw_passes (id, remaining) VALUES (1, {p})", (credits,))
        conn.commit()
        self.cursor = cursor

    def redeem(self, count: int) -> float:
        conn, cursor, begin = self.conn, self.cursor, self.begin
        started = time.perf_counter()
        for _ in range(count):
            if begin:
                cursor.execute(begin)
            cursor.execute(self.update_sql, (1,))
            if cursor.rowcount != 1:
                raise RuntimeError("the raw pass ran out of credit")
            now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
            cursor.execute(self.insert_sql, (now, 1))
            conn.commit()
        return time.perf_counter() - started

    def close(self) -> None:
        self.cursor.close()
        self.conn.close()


def raw_ddl(dialect: str) -> list[str]:
    key = {
        "sqlite": "INTEGER PRIMARY KEY",
        "postgresql": "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
        "mysql": "BIGINT AUTO_INCREMENT PRIMARY KEY",
    }[dialect]
    moment = {"sqlite": "DATETIME", "postgresql": "TIMESTAMP", "mysql": "DATETIME(6)"}[dialect]
    engine = " ENGINE=InnoDB" if dialect == "mysql" else ""
    # The entry table has the library's (pass, time, id) index and its foreign key to the pass.
    return [
        "DROP TABLE IF EXISTS bench_raw_entries",
        "DROP TABLE IF EXISTS bench_raw_passes",
        f"CREATE TABLE bench_raw_passes (id {key}, remaining BIGINT NOT NULL,"
        f" CHECK (remaining >= 0)){engine}",
        f"CREATE TABLE bench_raw_entries (id {key},"
        " pass_id BIGINT NOT NULL REFERENCES bench_raw_passes (id),"
        " kind VARCHAR(16) NOT NULL, delta BIGINT NOT NULL, balance_after BIGINT NOT NULL,"
        f" created_at {moment} NOT NULL,"
        f" CHECK (balance_after >= 0)){engine}",
        "CREATE INDEX ix_bench_raw_entries_pass_time ON bench_raw_entries"
        " (pass_id, created_at, id)",
    ]


def raw_sqlite(path: Path, credits: int) -> DbapiRedeemer:
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode = WAL", "synchronous = FULL", "foreign_keys = ON"):
        conn.execute(f"PRAGMA {pragma}")
    # The library begins every write with BEGIN IMMEDIATE; so does this side.
    return DbapiRedeemer(conn, "?", "BEGIN IMMEDIATE", raw_ddl("sqlite"), credits)


def raw_postgresql(url: sa.URL, credits: int) -> DbapiRedeemer:
    import psycopg

    conn = psycopg.connect(
        host=url.host or "", port=url.port or 5432, user=url.username or "",
        password=url.password or "", dbname=url.database or "",
    )  # fmt: skip
    return DbapiRedeemer(conn, "%s", None, raw_ddl("postgresql"), credits)


def raw_mariadb(url: sa.URL, credits: int) -> DbapiRedeemer:
    import pymysql

    conn = pymysql.connect(
        host=url.host or "localhost", port=url.port or 3306, user=url.username or "",
        password=url.password or "", database=url.database or "", autocommit=False,
    )  # fmt: skip
    with conn.cursor() as cursor:
        # The library reads committed data on MariaDB; the raw side does too.
        cursor.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
    return DbapiRedeemer(conn, "%s", None, raw_ddl("mysql"), credits)


# -- the redeem benchmark ------------------------------------------------------------------


def bench_redeem(
    name: str,
    engine: Engine,
    raw: Callable[[int], RawRedeemer],
    n: int,
    profile: bool,
) -> LibraryRedeemer:
    credits = n + WARMUP + (n if profile else 0) + 10
    library = LibraryRedeemer(engine, credits)
    by_hand = raw(credits)
    try:
        library.redeem(WARMUP)
        by_hand.redeem(WARMUP)
        library_time = raw_time = 0.0
        for chunk in chunks(n, ROUNDS):
            raw_time += by_hand.redeem(chunk)
            library_time += library.redeem(chunk)
    finally:
        by_hand.close()
    library_rate, raw_rate = n / library_time, n / raw_time
    ratio = library_rate / raw_rate
    target = REDEEM_TARGETS.get(name)
    verdict = "(no target)" if target is None else f"(target >= {target})"
    if target is not None and ratio < target:
        verdict += " MISSED"
    print(
        f"redeem {name}: library {library_rate:.0f}/s raw {raw_rate:.0f}/s"
        f" ratio {ratio:.2f} {verdict}",
        flush=True,
    )
    if profile:
        profile_redeem(name, library, n)
    return library


def chunks(total: int, parts: int) -> Iterator[int]:
    for part in range(parts):
        yield total // parts + (1 if part < total % parts else 0)


def profile_redeem(name: str, library: LibraryRedeemer, n: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    library.redeem(n)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(40)
    log(f"--- profile of {n} library redemptions on {name} (run under cProfile) ---")
    log(out.getvalue())


# -- the balance read benchmark ------------------------------------------------------------


def bench_reads(name: str, engine: Engine, entries: int) -> None:
    """Time balance reads on a pass with 1,000 entries and on one with ``entries`` entries.

    Both passes live in the same ledger and are read in turn, one call each, so that whatever
    else the machine does slows both alike.
    """
    clock = ManualClock(BULK_START)
    studio = Studio(engine, settings=Settings(policy=allow_all), clock=clock)
    account = studio.add_account("bench-read-account", "Bench readers")
    quantity = 2 * entries  # never exhausted, so every entry can take one unit
    cases = []
    for size in (1_000, entries):
        started = time.perf_counter()
        granted = studio.grant(
            account.id,
            PassTerms(quantity=quantity),
            reason="read benchmark",
            idempotency_key=f"bench-read-grant-{size}",
            actor=ACTOR,
            channel=Channel.OFFICE,
        )
        # Entry 0 is the grant, at BULK_START; entries 1..size-1 follow.
        add_entries(engine, granted.pass_id, granted.operation_id, quantity, 1, size - 1)
        log(f"  {name}: {size:,} entries on a pass ({time.perf_counter() - started:.1f} s)")
        middle = BULK_START + dt.timedelta(milliseconds=size // 2, microseconds=500)
        cases.append((size, granted.pass_id, middle, quantity - size + 1, quantity - size // 2))
    # Reads happen a day after the last entry, so "now" and "as of" take their own paths.
    clock.set(BULK_START + dt.timedelta(milliseconds=entries, days=1))
    reads: list[Callable[[], object]] = []
    for size, pass_id, middle, now_expected, then_expected in cases:
        now = studio.pass_balance(pass_id)
        then = studio.pass_balance(pass_id, as_of=middle)
        if (now.remaining, then.remaining) != (now_expected, then_expected):
            raise RuntimeError(f"unexpected balances {now.remaining}, {then.remaining} ({size})")
        reads.append(functools.partial(studio.pass_balance, pass_id))
        reads.append(functools.partial(studio.pass_balance, pass_id, as_of=middle))
    small_now, small_then, large_now, large_then = interleaved_medians(reads)
    problems = studio.verify()
    if problems:
        raise RuntimeError(f"verify found {len(problems)} problems, first {problems[0]}")
    for case, small, large in (("now", small_now, large_now), ("as_of", small_then, large_then)):
        ratio = large / small
        verdict = f"(target <= {READ_GROWTH_LIMIT})"
        if ratio > READ_GROWTH_LIMIT:
            verdict += " MISSED"
        print(
            f"balance {name} {case}: 1,000 entries {small * 1000:.3f} ms"
            f" {entries:,} entries {large * 1000:.3f} ms ratio {ratio:.2f} {verdict}",
            flush=True,
        )


def interleaved_medians(reads: list[Callable[[], object]]) -> list[float]:
    """The median time of each read, calling them in turn."""
    samples: list[list[float]] = [[] for _ in reads]
    for repeat in range(READ_WARMUP + READ_REPEATS):
        for read, times in zip(reads, samples, strict=True):
            started = time.perf_counter()
            read()
            if repeat >= READ_WARMUP:
                times.append(time.perf_counter() - started)
    return [statistics.median(times) for times in samples]


def add_entries(
    engine: Engine, pass_id: int, operation_id: int, quantity: int, first: int, last: int
) -> None:
    """Append adjustments of -1, numbered ``first``..``last``, entry i at ``BULK_START`` plus i
    milliseconds with the balance ``quantity - i`` after it, and bring the pass's cached balance
    along, so that verify stays clean."""
    dialect = engine.dialect.name
    columns = "pass_id, operation_id, kind, delta, balance_after, reason, created_at"
    params = {"pass": pass_id, "op": operation_id, "q": quantity, "t0": naive(BULK_START)}
    kind = EntryKind.ADJUST.value
    with engine.begin() as conn:
        if dialect == "sqlite":
            # One executemany per 100,000 rows; text in SQLAlchemy's own datetime format.
            for low in range(first, last + 1, 100_000):
                high = min(low + 100_000 - 1, last)
                rows = [
                    (pass_id, operation_id, kind, -1, quantity - i, "bulk", sqlite_moment(i))
                    for i in range(low, high + 1)
                ]
                conn.exec_driver_sql(
                    f"INSERT INTO {ENTRIES} ({columns}) VALUES (?, ?, ?, ?, ?, ?, ?)", rows
                )
        elif dialect == "postgresql":
            conn.exec_driver_sql(
                f"INSERT INTO {ENTRIES} ({columns}) SELECT %(pass)s, %(op)s, '{kind}', -1,"
                " %(q)s - g, 'bulk', %(t0)s + g * interval '1 millisecond'"
                f" FROM generate_series({first}, {last}) AS g",
                params,
            )
        else:  # MariaDB's sequence engine makes the numbers
            conn.exec_driver_sql(
                f"INSERT INTO {ENTRIES} ({columns}) SELECT %(pass)s, %(op)s, '{kind}', -1,"
                " %(q)s - seq, 'bulk', %(t0)s + INTERVAL seq * 1000 MICROSECOND"
                f" FROM seq_{first}_to_{last}",
                params,
            )
        conn.execute(
            sa.update(PASS_TABLE)
            .where(PASS_TABLE.c.id == pass_id)
            .values(
                remaining=quantity - last,
                last_entry_at=BULK_START + dt.timedelta(milliseconds=last),
            )
        )
    # Fresh statistics, as autovacuum or a nightly job would leave them.
    with engine.begin() as conn:
        if dialect == "postgresql":
            conn.exec_driver_sql(f"ANALYZE {ENTRIES}")
        elif dialect in ("mysql", "mariadb"):
            conn.exec_driver_sql(f"ANALYZE TABLE {ENTRIES}")
        else:
            conn.exec_driver_sql("ANALYZE")


def naive(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)


def sqlite_moment(milliseconds: int) -> str:
    moment = naive(BULK_START) + dt.timedelta(milliseconds=milliseconds)
    return moment.isoformat(sep=" ", timespec="microseconds")


# -- the run -------------------------------------------------------------------------------


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        epilog="On a server, every sessionpacks table in the named database is dropped.",
    )
    add_database_options(parser)
    parser.add_argument("--n", type=int, default=2000, help="redemptions per side (2000)")
    parser.add_argument(
        "--read-entries",
        type=int,
        default=1_000_000,
        help="ledger entries on the pass for the large balance read (1,000,000)",
    )
    parser.add_argument("--skip-reads", action="store_true", help="only the redeem benchmark")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also run N library redemptions under cProfile and print the hot spots to stderr",
    )
    args = parser.parse_args(argv)
    settle_databases(parser, args)
    if args.n < ROUNDS or args.read_entries < 2_000:
        parser.error(f"--n must be at least {ROUNDS} and --read-entries at least 2000")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    log(
        f"sessionpacks ledger benchmark: N={args.n}, Python {sys.version.split()[0]},"
        f" SQLAlchemy {sa.__version__}"
    )
    with tempfile.TemporaryDirectory(prefix="sessionpacks-bench-") as scratch:
        if args.sqlite:
            library_file = Path(scratch, "library.db")
            engine = fresh_library(f"sqlite:///{library_file}")
            run_database("sqlite", engine, lambda c: raw_sqlite(Path(scratch, "raw.db"), c), args)
        if args.postgresql:
            url = sa.make_url(args.postgresql)
            engine = fresh_library(args.postgresql)
            run_database("postgresql", engine, lambda c: raw_postgresql(url, c), args)
        if args.mariadb:
            url = sa.make_url(args.mariadb)
            engine = fresh_library(args.mariadb)
            run_database("mariadb", engine, lambda c: raw_mariadb(url, c), args)
    return 0


def run_database(
    name: str, engine: Engine, raw: Callable[[int], RawRedeemer], args: argparse.Namespace
) -> None:
    started = time.perf_counter()
    try:
        bench_redeem(name, engine, raw, args.n, args.profile)
        if not args.skip_reads:
            bench_reads(name, engine, args.read_entries)
    finally:
        engine.dispose()
    log(f"  {name}: done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
