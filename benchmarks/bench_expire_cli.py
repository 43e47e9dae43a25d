"""``sessionpacks expire`` with staff tasks on, through the command line, beside the sweep alone.

    python benchmarks/bench_expire_cli.py [--sqlite] [--postgresql [URL]] [--mariadb [URL]] [--n N]

For each database it seeds two sets of N passes (100,000 by default) on two accounts, each pass
with units left, so that every pass expired makes a staff task; the first set is due a day before
the second. Both sides work on the same tables. It times, in this order:

- the sweep without side effects: :meth:`Studio.expire_due` with ``task_on_expiry`` off, in
  this process, at a moment when only the first set is due;
- ``python -m sessionpacks.cli --url URL expire --now ...`` in a process of its own, with the
  command line's default settings (staff tasks on, kept by the default task store), when the
  second set is due too: the interpreter's start, the sweep with one task per pass, and the
  printed summary.

It prints both times and their ratio (command line ÷ sweep); the target is 2.0 or less. A missed
target prints MISSED and the run still exits 0.

Server URLs come from the options or from SESSIONPACKS_BENCH_POSTGRESQL_URL and
SESSIONPACKS_BENCH_MARIADB_URL; with no database named, SQLite runs plus every server whose
variable is set. WARNING: on a server, the benchmark DROPS every sessionpacks table in the
database the URL names. Give it a database of its own.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time

import sqlalchemy as sa
from bench_expiry import BATCH, SWEEP_AT, seed
from support import fresh_library, log, main_with_n

from sessionpacks import ManualClock, Settings, Studio, allow_all, create_engine
from sessionpacks.models import SideEffect, StaffTask, table

TARGET = 2.0
# When the command line's passes are due; the sweep's are due earlier, at SWEEP_AT.
LATER = SWEEP_AT + dt.timedelta(days=2)


def prepare(url: str, n: int) -> None:
    """Both sides' passes at once, so that each side works on the same tables: the sweep's due
    by SWEEP_AT, the command line's only by LATER. Then the tables' statistics, and on
    PostgreSQL a vacuum, so that neither side pays for the seeding."""
    engine = fresh_library(url)
    try:
        seed(engine, "bench-sweep", n)
        seed(engine, "bench-cli", n, expires=SWEEP_AT + dt.timedelta(days=1))
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
    finally:
        engine.dispose()


def sweep_alone(url: str, n: int) -> float:
    """Seconds of the sweep with no side effects, in this process, at SWEEP_AT."""
    engine = create_engine(url)
    try:
        studio = Studio(
            engine,
            settings=Settings(policy=allow_all, task_on_expiry=False),
            clock=ManualClock(SWEEP_AT),
        )
        began = time.perf_counter()
        report = studio.expire_due(batch_size=BATCH)
        seconds = time.perf_counter() - began
        if len(report.expired) != n:
            raise SystemExit(f"the sweep expired {len(report.expired)} passes, not {n}")
    finally:
        engine.dispose()
    return seconds


def command_line(url: str, n: int) -> float:
    """Seconds of ``sessionpacks expire`` in a process of its own, checked afterwards: every
    pass has its task, and no side effect is left undelivered."""
    command = [sys.executable, "-m", "sessionpacks.cli", "--url", url, "expire"]
    command += ["--now", LATER.isoformat(), "--batch-size", str(BATCH)]
    began = time.perf_counter()
    finished = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - began
    if finished.returncode != 0:
        raise SystemExit(f"sessionpacks expire failed: {finished.stderr.strip()}")
    log(f"  {finished.stdout.strip()}")
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            made = conn.scalar(sa.select(sa.func.count()).select_from(table(StaffTask)))
            left = conn.scalar(
                sa.select(sa.func.count())
                .select_from(table(SideEffect))
                .where(table(SideEffect).c.state != "done")
            )
    finally:
        engine.dispose()
    if made != n or left:
        raise SystemExit(
            f"expected {n} tasks and every side effect done: {made} tasks, {left} left"
        )
    return seconds


def bench(name: str, url: str, n: int) -> None:
    prepare(url, n)
    alone = sweep_alone(url, n)
    cli = command_line(url, n)
    ratio = cli / alone
    verdict = "ok" if ratio <= TARGET else "MISSED"
    print(
        f"{name:<10} expire {n:,} passes: sweep without tasks {alone:.1f} s,"
        f" `sessionpacks expire` with tasks {cli:.1f} s, ratio {ratio:.2f}"
        f" (target {TARGET}) {verdict}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    return main_with_n(argv, "sessionpacks expire command benchmark", "expire-cli", bench, __doc__)


if __name__ == "__main__":
    sys.exit(main())
