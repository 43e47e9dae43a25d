"""The reports at scale: a studio selling 11,000 packs a year, after one year (about 100,000
ledger entries) and after ten (about 1,000,000 entries over 110,000 passes). Each report is
timed through ``studio.reports`` for the last quarter or as of now, and the very statements it
sent are timed again through the raw database driver in the same run, so the ratio shows what
the library adds; the ratio of the two sizes shows how the reports grow as the ledger ages.

Targets (issue 17): each report within 2 s on SQLite and PostgreSQL at 1M entries, and within 3x
of its time at 100k. Run as ``python benchmarks/bench_reports.py --sqlite`` (``tox -e
bench-reports``); ``--postgresql`` takes the server from $SESSIONPACKS_BENCH_POSTGRESQL_URL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from support import add_database_options, fresh_library, log, settle_databases

from sessionpacks import ManualClock, Studio
from sessionpacks.models import (
    Account,
    LedgerEntry,
    Member,
    Operation,
    Pass,
    Redemption,
    Service,
    Template,
)

START = dt.datetime(2016, 1, 4, 9, tzinfo=dt.timezone.utc)
PER_YEAR = 11_000
MOST_USES = 9
SIZES = (1, 10)  # years of history: about 100k and 1M entries (9 a pass on average)
CHUNK = 10_000
REPEAT = 5


def _tables() -> dict[str, sa.Table]:
    models = (Account, Member, Service, Template, Operation, Pass, Redemption, LedgerEntry)
    return {m.__name__: m.__table__ for m in models}  # type: ignore[attr-defined]


def _chunks(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def build(engine: sa.Engine, years: int) -> dt.datetime:
    """Years of a studio: three templates, one pass per member, each sold, used up to nine
    times over the weeks after, and expired with what was left 60 days after its sale unless
    that is still to come. Returns the moment the history ends."""
    t = _tables()
    passes = PER_YEAR * years
    now = START + dt.timedelta(days=365 * years)
    rng = random.Random(17)
    at = lambda days: START + dt.timedelta(days=days)  # noqa: E731
    with engine.begin() as conn:
        conn.execute(sa.insert(t["Account"]), [
            {"id": n + 1, "ref": f"a-{n}", "name": f"Client {n}", "created_at": START}
            for n in range(passes)
        ])  # fmt: skip
        conn.execute(sa.insert(t["Member"]), [
            {"id": n + 1, "account_id": n + 1, "name": f"Member {n}", "created_at": START}
            for n in range(passes)
        ])  # fmt: skip
        conn.execute(sa.insert(t["Service"]), [
            {"id": s + 1, "name": f"Class {s}", "category": "classes", "duration_minutes": 60,
             "created_at": START}
            for s in range(5)
        ])  # fmt: skip
        conn.execute(sa.insert(t["Template"]), [
            {"id": k + 1, "name": f"{q} classes", "kind": "pack", "metric": "sessions",
             "quantity": q, "price_minor": 1_000 * q, "currency": "USD", "created_at": START}
            for k, q in enumerate((5, 10, 20))
        ])  # fmt: skip
    passes_rows, entry_rows, redemption_rows, operation_rows = [], [], [], []
    entry_id = redemption_id = 0
    for n in range(passes):
        quantity = (5, 10, 20)[n % 3]
        cost = 1_000 * quantity
        sold = rng.randrange(0, 365 * years - 1)
        operation_rows.append({
            "id": n + 1, "idempotency_key": f"op-{n}", "action": "sell", "fingerprint": "x",
            "actor_kind": "staff", "actor_id": "1", "channel": ("office", "kiosk", "portal")[n % 3],
            "result": "", "created_at": at(sold),
        })  # fmt: skip
        left, value = quantity, cost
        entry_id += 1
        entry_rows.append(_entry(entry_id, n, "grant", quantity, left, cost, None, at(sold)))
        for use in range(min(quantity, MOST_USES)):
            day = sold + 3 * (use + 1)
            if at(day) >= now:
                break
            taken = value if left == 1 else value // left
            left, value = left - 1, value - taken
            redemption_id += 1
            redemption_rows.append({
                "id": redemption_id, "operation_id": n + 1, "account_id": n + 1,
                "member_id": n + 1, "service_id": 1 + use % 5, "occurred_at": at(day),
                "created_at": at(day),
            })  # fmt: skip
            entry_id += 1
            entry_rows.append(
                _entry(entry_id, n, "redeem", -1, left, -taken, taken, at(day), redemption_id)
            )
        expires = sold + 60
        state = "active" if left else "exhausted"
        if at(expires) <= now:  # the sweep has run
            entry_id += 1
            entry_rows.append(_entry(entry_id, n, "expire", -left, 0, -value, value, at(expires)))
            left, value, state = 0, 0, "expired"
        passes_rows.append({
            "id": n + 1, "account_id": n + 1, "member_id": n + 1, "template_id": 1 + n % 3,
            "label": f"{quantity} classes", "source": "sale", "metric": "sessions",
            "currency": None, "initial_quantity": quantity, "remaining": left, "state": state,
            "starts_at": None, "expires_at": at(expires), "cost_basis_minor": cost,
            "cost_currency": "USD", "value_left_minor": value, "all_services": True,
            "priority": 0, "redeemed_count": quantity - left, "last_entry_at": at(expires),
            "created_at": at(sold),
        })  # fmt: skip
    for table, rows in (
        ("Operation", operation_rows),
        ("Pass", passes_rows),
        ("Redemption", redemption_rows),
        ("LedgerEntry", entry_rows),
    ):
        for batch in _chunks(iter(rows)):
            with engine.begin() as conn:
                conn.execute(sa.insert(t[table]), batch)
    with engine.begin() as conn:
        # Fresh statistics, as a studio's database has them after a year of use.
        if engine.dialect.name in ("postgresql", "sqlite"):
            conn.execute(sa.text("ANALYZE"))
    log(f"  built {passes:,} passes, {len(entry_rows):,} entries")
    return now


def _entry(
    entry_id: int,
    n: int,
    kind: str,
    delta: int,
    after: int,
    change: int,
    recognised: int | None,
    at: dt.datetime,
    redemption_id: int | None = None,
) -> dict[str, Any]:
    return {
        "id": entry_id, "pass_id": n + 1, "operation_id": n + 1, "kind": kind, "delta": delta,
        "balance_after": after, "redemption_id": redemption_id, "member_id": n + 1,
        "value_change_minor": change, "value_minor": recognised, "created_at": at,
    }  # fmt: skip


def reports(studio: Studio, now: dt.datetime) -> dict[str, Callable[[], object]]:
    r = studio.reports
    quarter = (now - dt.timedelta(days=91), now)
    year = (now - dt.timedelta(days=364), now)
    return {
        "holders": lambda: r.holders(),
        "expiring": lambda: r.expiring(within_days=30),
        "low balance": lambda: r.low_balance(sessions_left=2),
        "unused": lambda: r.unused(),
        "suspended": lambda: r.suspended(),
        "liability (now)": lambda: r.liability(),
        "liability (qtr ago)": lambda: r.liability(as_of=quarter[0]),
        "revenue (quarter)": lambda: r.revenue(*quarter),
        "revenue (year)": lambda: r.revenue(*year),
        "money by month": lambda: r.money_over_time(*year, step="month"),
        "attendance (qtr)": lambda: r.attendance(*quarter),
        "sales by month": lambda: r.sales(*year, step="month"),
    }


def timed(engine: sa.Engine, call: Callable[[], object]) -> tuple[float, float]:
    """The best of a few runs of the report, and of its statements sent through the driver."""
    sent: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    library, raw = [], []
    for _ in range(REPEAT):
        began = time.perf_counter()
        call()
        library.append(time.perf_counter() - began)
        connection = engine.raw_connection()
        try:
            began = time.perf_counter()
            cursor = connection.cursor()
            for statement, parameters in sent:
                cursor.execute(statement, parameters)
                cursor.fetchall()
            raw.append(time.perf_counter() - began)
            cursor.close()
        finally:
            connection.close()
    return min(library), min(raw)


def run(url: str, name: str) -> None:
    log(f"{name}:")
    results: dict[int, dict[str, tuple[float, float]]] = {}
    for size in SIZES:
        engine = fresh_library(url)
        now = build(engine, size)
        studio = Studio(engine, clock=ManualClock(now))
        calls = reports(studio, now)
        results[size] = {label: timed(engine, call) for label, call in calls.items()}
        engine.dispose()
    small, large = SIZES
    print(f"\n{name}: {small} and {large} years of history, about 100k and 1M ledger entries"
          " (best of 5, seconds)")  # fmt: skip
    print(f"{'report':<20}{'100k':>9}{'1M':>9}{'1M/100k':>9}{'raw 1M':>9}{'lib/raw':>9}  target")
    growth = []
    for label in results[small]:
        at_small, _ = results[small][label]
        at_large, raw_large = results[large][label]
        grew = at_large / at_small if at_small else float("inf")
        growth.append(grew)
        ok = "ok" if at_large <= 2.0 and grew <= 3.0 else "MISSED"
        print(
            f"{label:<20}{at_small:>9.3f}{at_large:>9.3f}{grew:>9.2f}{raw_large:>9.3f}"
            f"{at_large / raw_large if raw_large else 0:>9.2f}  {ok}"
        )
    print(f"median growth 1M/100k: {statistics.median(growth):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    add_database_options(parser)
    args = parser.parse_args()
    settle_databases(parser, args)
    if args.sqlite:
        with tempfile.TemporaryDirectory() as folder:
            run(f"sqlite:///{Path(folder) / 'bench.db'}", "SQLite")
    if args.postgresql:
        run(args.postgresql, "PostgreSQL")
    if args.mariadb:
        run(args.mariadb, "MariaDB")


if __name__ == "__main__":
    main()
