"""Many processes writing at once: no pass is overdrawn, and a retried key applies once.

Each child is a separate process with its own engine and Studio built from the run's database URL,
as separate web workers would be. The children connect first and then wait at a barrier, so that
their writes really overlap. The same tests run on a SQLite file, PostgreSQL and MariaDB.
"""

from __future__ import annotations

import multiprocessing
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from multiprocessing.context import ForkServerContext, SpawnContext
from multiprocessing.synchronize import Barrier
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from sessionpacks import (
    Actor,
    Channel,
    InsufficientCredit,
    PassState,
    RedeemResult,
    Settings,
    Studio,
    allow_all,
    create_engine,
)
from sessionpacks.models import LedgerEntry, Operation, Pass, Redemption
from tests.conftest import Gym

pytestmark = pytest.mark.slow

PROCESSES = 8
# Only a hang (a lock never released, a child that died) should reach these.
BARRIER_TIMEOUT = 60.0
RESULT_TIMEOUT = 120.0
KIOSK = Actor(kind="kiosk", id="front-door")

# Children must inherit no engine, pool or lock from the test process. "forkserver" forks them
# from a clean server process that imported this module once, which starts eight children in a
# fraction of the time "spawn" takes to import SQLAlchemy in each; "spawn" where it is missing.
_context: ForkServerContext | SpawnContext
if "forkserver" in multiprocessing.get_all_start_methods():
    _context = multiprocessing.get_context("forkserver")
    _context.set_forkserver_preload([__name__])
else:  # pragma: no cover - Windows
    _context = multiprocessing.get_context("spawn")

_entries = LedgerEntry.__table__
_passes = Pass.__table__

Task = Callable[[Studio, Barrier, int, Any], Any]


# -- running children together --------------------------------------------------------------


def _child(
    task: Task,
    database_url: str,
    index: int,
    barrier: Barrier,
    reports: multiprocessing.Queue[tuple[int, bool, Any]],
    payload: Any,
) -> None:
    engine = None
    try:
        engine = create_engine(database_url)
        studio = Studio(engine, settings=Settings(policy=allow_all))
        # Connect before the start line, so the children race on writes, not on connecting.
        with engine.connect():
            pass
        barrier.wait(BARRIER_TIMEOUT)
        reports.put((index, True, task(studio, barrier, index, payload)))
    except BaseException:
        barrier.abort()  # the others stop waiting for a child that will never arrive
        reports.put((index, False, traceback.format_exc()))
    finally:
        if engine is not None:
            engine.dispose()


def run_together(database_url: str, task: Task, payloads: Sequence[Any]) -> list[Any]:
    """Run ``task`` in one process per payload, all starting at once; their results in order."""
    barrier = _context.Barrier(len(payloads))
    reports: multiprocessing.Queue[tuple[int, bool, Any]] = _context.Queue()
    children = [
        _context.Process(
            target=_child,
            args=(task, database_url, index, barrier, reports, payload),
            daemon=True,
        )
        for index, payload in enumerate(payloads)
    ]
    for child in children:
        child.start()
    try:
        # Read before joining: a child cannot exit while its report is still in the pipe.
        received = sorted((reports.get(timeout=RESULT_TIMEOUT) for _ in children), key=_first)
    finally:
        for child in children:
            child.join(timeout=30)
            if child.is_alive():
                child.kill()
                child.join()
    failures = [f"process {index}:\n{value}" for index, ok, value in received if not ok]
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)
    return [value for _, _, value in received]


def _first(report: tuple[int, bool, Any]) -> int:
    return report[0]


# -- what the children do -------------------------------------------------------------------


def redeem_repeatedly(
    studio: Studio, barrier: Barrier, index: int, payload: tuple[int, int, int, bool]
) -> list[RedeemResult | None]:
    """Redeem ``attempts`` times under fresh keys; None for each refusal for lack of credit.

    With ``stop_when_refused`` the child stops at its first refusal: passes only shrink here, so
    a member refused once would be refused again.
    """
    member_id, service_id, attempts, stop_when_refused = payload
    outcomes: list[RedeemResult | None] = []
    for attempt in range(attempts):
        try:
            outcomes.append(
                studio.redeem(
                    member_id,
                    service_id,
                    idempotency_key=f"process-{index}-attempt-{attempt}",
                    actor=KIOSK,
                    channel=Channel.KIOSK,
                )
            )
        except InsufficientCredit:
            outcomes.append(None)
            if stop_when_refused:
                break
    return outcomes


def redeem_same_keys(
    studio: Studio, barrier: Barrier, index: int, payload: tuple[int, int, tuple[str, ...]]
) -> list[RedeemResult]:
    """Send each key in turn, every process together, as a client retrying a request would."""
    member_id, service_id, keys = payload
    results = []
    for key in keys:
        barrier.wait(BARRIER_TIMEOUT)
        results.append(
            studio.redeem(
                member_id, service_id, idempotency_key=key, actor=KIOSK, channel=Channel.KIOSK
            )
        )
    return results


# -- checks on what was written -------------------------------------------------------------


def redeem_entries(engine: Engine, pass_id: int) -> list[tuple[int, int, int | None]]:
    """The pass's redeem entries as (delta, balance_after, member_id), oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(_entries.c.delta, _entries.c.balance_after, _entries.c.member_id)
            .where(_entries.c.pass_id == pass_id, _entries.c.kind == "redeem")
            .order_by(_entries.c.id)
        ).all()
    return [(row.delta, row.balance_after, row.member_id) for row in rows]


def lowest_balance_ever(engine: Engine) -> int:
    """The lowest balance any entry or cached column ever recorded."""
    with engine.connect() as conn:
        lowest_entry = conn.execute(sa.select(sa.func.min(_entries.c.balance_after))).scalar_one()
        lowest_cached = conn.execute(sa.select(sa.func.min(_passes.c.remaining))).scalar_one()
    return min(int(lowest_entry), int(lowest_cached))


def count_rows(engine: Engine, table: sa.FromClause) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def assert_balances_stepped_down(entries: list[tuple[int, int, int | None]], initial: int) -> None:
    """Each redemption of one unit saw the balance the previous one left: no two read the same."""
    assert sorted((balance for _, balance, _ in entries), reverse=True) == list(
        range(initial - 1, initial - 1 - len(entries), -1)
    )
    assert all(delta == -1 for delta, _, _ in entries)


# -- the tests ------------------------------------------------------------------------------


def test_racing_redemptions_take_exactly_what_the_pass_holds(
    database_url: str, engine: Engine, gym: Gym
) -> None:
    credits, attempts = 24, 6  # 48 attempts for 24 credits
    family = gym.account()
    ann = gym.member(family, "Ann")
    yoga = gym.service("Yoga")
    granted = gym.grant(family, credits)

    outcomes = run_together(
        database_url,
        redeem_repeatedly,
        [(ann.id, yoga.id, attempts, False)] * PROCESSES,
    )

    results = [r for per_process in outcomes for r in per_process if r is not None]
    refusals = sum(r is None for per_process in outcomes for r in per_process)
    assert (len(results), refusals) == (credits, PROCESSES * attempts - credits)
    parts = [part for r in results for part in r.parts]
    assert {part.pass_id for part in parts} == {granted.pass_id}
    # Every success reported its own balance and its own "session n of 24".
    assert sorted(part.balance_after for part in parts) == list(range(credits))
    assert sorted(part.number for part in parts) == list(range(1, credits + 1))
    balance = gym.studio.pass_balance(granted.pass_id)
    assert (balance.remaining, balance.state) == (0, PassState.EXHAUSTED)
    assert lowest_balance_ever(engine) == 0
    entries = redeem_entries(engine, granted.pass_id)
    assert len(entries) == credits
    assert_balances_stepped_down(entries, credits)
    assert count_rows(engine, Redemption.__table__) == credits
    assert gym.studio.verify() == ()


def test_family_members_racing_over_shared_and_own_passes_overdraw_nothing(
    database_url: str, engine: Engine, gym: Gym
) -> None:
    family = gym.account()
    ann, ben, cat, dan = (gym.member(family, name) for name in ("Ann", "Ben", "Cat", "Dan"))
    yoga = gym.service("Yoga")
    shared = gym.grant(family, 12)
    # A family pass each member may use at most twice: 8 of its 10 can ever be used.
    capped = gym.grant(family, 10, member_cap=2)
    own = {ann.id: gym.grant(family, 3, ann), ben.id: gym.grant(family, 2, ben)}
    own[dan.id] = gym.grant(family, 4, dan)  # Cat has no pass of her own
    initial = {shared.pass_id: 12, capped.pass_id: 10}
    initial |= {granted.pass_id: granted.quantity for granted in own.values()}
    left = dict.fromkeys(initial, 0) | {capped.pass_id: 2}
    usable = sum(initial.values()) - sum(left.values())

    # Two processes per member, each redeeming until refused; 20 attempts is more than any
    # member could take, so each stops at a refusal.
    members = [ann, ben, cat, dan] * 2
    outcomes = run_together(
        database_url, redeem_repeatedly, [(m.id, yoga.id, 20, True) for m in members]
    )

    assert all(per_process[-1] is None for per_process in outcomes)
    results = [r for per_process in outcomes for r in per_process if r is not None]
    assert len(results) == usable
    for pass_id, quantity in initial.items():
        assert gym.studio.pass_balance(pass_id).remaining == left[pass_id]
        entries = redeem_entries(engine, pass_id)
        assert len(entries) == quantity - left[pass_id]
        assert_balances_stepped_down(entries, quantity)
    # A member's own pass paid only for that member; the capped pass at most twice for each.
    for member_id, granted in own.items():
        assert {m for _, _, m in redeem_entries(engine, granted.pass_id)} == {member_id}
    per_member = Counter(m for _, _, m in redeem_entries(engine, capped.pass_id))
    assert per_member == {ann.id: 2, ben.id: 2, cat.id: 2, dan.id: 2}
    assert lowest_balance_ever(engine) >= 0
    assert count_rows(engine, Redemption.__table__) == usable
    assert gym.studio.verify() == ()


def test_a_key_retried_by_many_processes_at_once_applies_once(
    database_url: str, engine: Engine, gym: Gym
) -> None:
    family = gym.account()
    ann = gym.member(family, "Ann")
    yoga = gym.service("Yoga")
    granted = gym.grant(family, 10)
    operations_before = count_rows(engine, Operation.__table__)
    keys = tuple(f"checkin-{n}" for n in range(4))

    outcomes = run_together(database_url, redeem_same_keys, [(ann.id, yoga.id, keys)] * PROCESSES)

    for round_number in range(len(keys)):
        answers = {per_process[round_number] for per_process in outcomes}
        assert len(answers) == 1, f"processes got different results for {keys[round_number]}"
    redemption_ids = {per_process[n].redemption_id for per_process in outcomes for n in range(4)}
    assert len(redemption_ids) == len(keys)
    assert count_rows(engine, Redemption.__table__) == len(keys)
    assert count_rows(engine, Operation.__table__) == operations_before + len(keys)
    entries = redeem_entries(engine, granted.pass_id)
    assert len(entries) == len(keys)
    assert_balances_stepped_down(entries, 10)
    assert gym.studio.pass_balance(granted.pass_id).remaining == 10 - len(keys)
    assert gym.studio.verify() == ()
