"""The hot path's statements on the driver's cursor read and write what SQLAlchemy would."""

from __future__ import annotations

import datetime as dt
import itertools
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from sessionpacks import direct, redeeming, transactions
from sessionpacks.database import is_retryable
from sessionpacks.models import Operation
from tests.conftest import START, Gym, operation_row


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    """Every statement the engine runs while the test lasts, seen by a cursor listener."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def test_the_candidates_read_the_same_both_ways(gym: Gym, engine: Engine) -> None:
    family = gym.account()
    ann = gym.member(family, "Ann")
    yoga = gym.service()
    gym.grant(family, 5, expires_at=START + dt.timedelta(days=30), member_cap=3)
    gym.grant(family, 2, member=ann, starts_on_first_use=True, validity_days=10)
    query = {
        "postgresql": redeeming._everything_query(named=False, lock=False),
        "sqlite": redeeming._joined_query(named=False),
    }.get(engine.dialect.name, redeeming._candidate_query(named=False, lock=False))
    values = {"member": ann.id, "service": yoga.id, "account": family.id, "named": None}
    with engine.connect() as conn:
        fast = direct.rows(conn, query, values)
        ordinary = conn.execute(query, values).all()
    assert len(fast) == 2
    assert [tuple(row) for row in fast] == [tuple(row) for row in ordinary]
    assert [row._fields for row in fast] == [tuple(row._fields) for row in ordinary]
    # Moments come back aware, in UTC; flags as booleans.
    assert fast[0].expires_at == START + dt.timedelta(days=30)
    assert fast[1].starts_on_first_use is True


def test_a_listener_on_statements_sees_every_one_of_a_redemption(
    gym: Gym, statements: list[str]
) -> None:
    family = gym.account()
    ann = gym.member(family, "Ann")
    yoga = gym.service()
    granted = gym.grant(family, 3)
    statements.clear()
    result = gym.redeem(ann, yoga)
    assert result.parts[0].pass_id == granted.pass_id
    assert result.parts[0].balance_after == 2
    written = " ".join(statements)
    assert "sessionpacks_operations" in written
    assert "sessionpacks_ledger_entries" in written


def test_the_direct_way_runs_nothing_through_sqlalchemy(gym: Gym, engine: Engine) -> None:
    family = gym.account()
    ann = gym.member(family, "Ann")
    yoga = gym.service()
    gym.grant(family, 3)
    seen: list[str] = []
    with engine.connect() as conn:
        assert not direct.observed(conn)
    # A redemption with nobody watching, then the same with a listener: same answers.
    first = gym.redeem(ann, yoga)

    def record(*args: Any) -> None:
        seen.append(args[2])

    sa.event.listen(engine, "after_cursor_execute", record)
    try:
        second = gym.redeem(ann, yoga)
    finally:
        sa.event.remove(engine, "after_cursor_execute", record)
    assert seen
    assert (first.parts[0].number, second.parts[0].number) == (1, 2)
    assert second.parts[0].balance_after == 1


def test_driver_errors_are_raised_as_sqlalchemy_errors(engine: Engine) -> None:
    values = operation_row("direct-duplicate")
    with engine.begin() as conn:
        direct.insert(conn, transactions._INSERT_OPERATION, values)
    with engine.connect() as conn, conn.begin(), pytest.raises(sa.exc.IntegrityError):
        direct.insert(conn, transactions._INSERT_OPERATION, values)
    with engine.begin() as conn:
        conn.execute(sa.delete(Operation).where(Operation.idempotency_key == "direct-duplicate"))


_FIND = sa.select(Operation.id).where(Operation.idempotency_key == sa.bindparam("key"))
_DELETE = sa.delete(Operation).where(Operation.idempotency_key == sa.bindparam("key"))


def test_one_channel_serves_a_connection_through_errors_and_a_reconnect(engine: Engine) -> None:
    values = operation_row("direct-channel")
    with engine.connect() as conn:
        with conn.begin():
            first = direct.insert(conn, transactions._INSERT_OPERATION, values)
        channel = direct._channel(conn)
        # A driver error leaves the channel usable: the next statement on it reads fine.
        with conn.begin(), pytest.raises(sa.exc.IntegrityError):
            direct.insert(conn, transactions._INSERT_OPERATION, values)
        with conn.begin():
            assert [row.id for row in direct.rows(conn, _FIND, {"key": "direct-channel"})] == [
                first
            ]
        assert direct._channel(conn) is channel
        # A replaced driver connection gets a channel of its own.
        conn.invalidate()
        with conn.begin():
            assert [row.id for row in direct.rows(conn, _FIND, {"key": "direct-channel"})] == [
                first
            ]
            assert direct._channel(conn) is not channel
            conn.execute(sa.delete(Operation).where(Operation.id == first))


def _prepared_statements(conn: sa.Connection) -> list[str]:
    """The names of the statements prepared on the connection's server session (PostgreSQL)."""
    return list(conn.exec_driver_sql("SELECT name FROM pg_prepared_statements").scalars())


def test_statements_are_prepared_again_after_the_session_forgot_them(
    gym: Gym, engine: Engine
) -> None:
    family = gym.account()
    ann = gym.member(family, "Ann")
    yoga = gym.service()
    granted = gym.grant(family, 5)
    gym.redeem(ann, yoga)
    postgresql = engine.dialect.name == "postgresql"
    with engine.connect() as conn:
        if postgresql:
            assert any(name.startswith("sessionpacks_") for name in _prepared_statements(conn))
            # What psycopg does when it rolls back a transaction after preparing statements of
            # its own, and what a host's pool may do between requests.
            conn.exec_driver_sql("DEALLOCATE ALL")
            conn.commit()
        # The first statement of a transaction finds out and prepares again, unseen.
        with conn.begin():
            assert direct.rows(conn, _FIND, {"key": "nobody"}) == []
        if postgresql:
            assert _prepared_statements(conn) != []
            conn.exec_driver_sql("DEALLOCATE ALL")
            conn.commit()
    # So does a redemption, on the engine's one idle connection, the one that forgot.
    second = gym.redeem(ann, yoga)
    assert (second.parts[0].pass_id, second.parts[0].balance_after) == (granted.pass_id, 3)
    assert gym.studio.pass_balance(granted.pass_id).remaining == 3


def test_a_statement_whose_preparation_vanished_mid_transaction_is_retryable(
    engine: Engine,
) -> None:
    values = operation_row("direct-vanished")
    with engine.begin() as conn:
        first = direct.insert(conn, transactions._INSERT_OPERATION, values)
    with engine.connect() as conn:
        with conn.begin():
            assert [row.id for row in direct.rows(conn, _FIND, {"key": "direct-vanished"})] == [
                first
            ]
        with conn.begin():
            conn.execute(sa.select(sa.literal(1)))  # the transaction is under way
            if engine.dialect.name == "postgresql":
                conn.exec_driver_sql("DEALLOCATE ALL")
                # The statement cannot be prepared again inside the transaction, which the
                # failure ended: the writer retries such a write from the start.
                with pytest.raises(sa.exc.DBAPIError) as raised:
                    direct.rows(conn, _FIND, {"key": "direct-vanished"})
                assert is_retryable(raised.value)
                conn.rollback()
            else:  # nothing of this kind is kept on the server
                assert direct.rows(conn, _FIND, {"key": "direct-vanished"})
        # The next transaction prepares it afresh.
        with conn.begin():
            assert [row.id for row in direct.rows(conn, _FIND, {"key": "direct-vanished"})] == [
                first
            ]
            conn.execute(sa.delete(Operation).where(Operation.id == first))


def test_the_first_statement_begins_at_the_connections_isolation_level(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execution_options(isolation_level="SERIALIZABLE")
        with conn.begin():
            assert direct.rows(conn, _FIND, {"key": "nobody"}) == []
            assert conn.get_isolation_level() == "SERIALIZABLE"
        conn.execution_options(isolation_level="AUTOCOMMIT")
        # Autocommit: no transaction is begun, and each statement stands alone.
        direct.insert(conn, transactions._INSERT_OPERATION, operation_row("direct-autocommit"))
        with engine.connect() as other:
            assert other.execute(_FIND, {"key": "direct-autocommit"}).scalars().all()
            other.execute(
                sa.delete(Operation).where(Operation.idempotency_key == "direct-autocommit")
            )
            other.commit()


def test_a_percent_sign_in_the_sql_is_taken_as_it_is(engine: Engine) -> None:
    # Numbered parameters (psycopg) and question marks (SQLite) leave a literal % alone; the
    # named ones of PyMySQL get it doubled by SQLAlchemy. Every way must read it back the same.
    query: sa.Executable = sa.select(
        sa.literal_column("'50% off'").label("words"), sa.bindparam("n", type_=sa.Integer)
    )
    with engine.connect() as conn:
        (row,) = direct.rows(conn, query, {"n": 7})
    assert tuple(row) == ("50% off", 7)


# Holds a pass's row locked for a while, from a process of its own: the database's lock, not the
# test process's, is what the redemption waits for.
_HOLD_LOCK = """
import sys, time
import sqlalchemy as sa
from sessionpacks import create_engine
from sessionpacks.database import writing
from sessionpacks.models import Pass

engine = writing(create_engine(sys.argv[1]))  # on SQLite, a write transaction locks the file
with engine.begin() as conn:
    conn.execute(sa.select(Pass.id).where(Pass.id == int(sys.argv[2])).with_for_update()).all()
    print("locked", flush=True)
    time.sleep(float(sys.argv[3]))
"""


def test_a_redemption_waiting_for_a_lock_lets_the_processs_other_threads_run(
    gym: Gym, engine: Engine, database_url: str
) -> None:
    family = gym.account()
    ann = gym.member(family, "Ann")
    yoga = gym.service()
    pool = engine.pool
    assert isinstance(pool, sa.pool.QueuePool)  # first in, first out
    granted = gym.grant(family, pool.checkedin() + 5)
    # One redemption on each pooled connection, so that the hot statements are prepared on
    # whichever one the waiting redemption gets, as in a site that has been running a while.
    for _ in range(pool.checkedin() + 1):
        gym.redeem(ann, yoga)
    held = 0.8
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, database_url, str(granted.pass_id), str(held)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        redeemed: list[object] = []
        waiting = threading.Thread(target=lambda: redeemed.append(gym.redeem(ann, yoga)))
        # This thread ticks while the other waits for the lock; a wait that held the GIL would
        # stop it until the lock is released.
        ticks = [time.monotonic()]
        waiting.start()
        while waiting.is_alive() and ticks[-1] - ticks[0] < held + 10:
            time.sleep(0.01)
            ticks.append(time.monotonic())
        waiting.join()
    finally:
        holder.wait(timeout=30)
    assert len(redeemed) == 1
    assert ticks[-1] - ticks[0] >= held / 2  # the redemption did wait for the lock
    assert max(later - earlier for earlier, later in itertools.pairwise(ticks)) < held / 2


def test_a_statement_this_module_thought_gone_but_the_server_kept_still_runs(
    engine: Engine,
) -> None:
    with engine.connect() as conn:
        with conn.begin():
            assert direct.rows(conn, _FIND, {"key": "nobody"}) == []
        channel = direct._channel(conn)
        if engine.dialect.name != "postgresql":  # nothing of this kind is kept on the server
            assert not hasattr(channel, "prepared")
            return
        channel.prepared.clear()
        # Between transactions, preparing it again finds it there, and that is that.
        with conn.begin():
            assert direct.rows(conn, _FIND, {"key": "nobody"}) == []
        channel.prepared.clear()
        # Inside one, the failed PREPARE ends the transaction: the writer retries such a write.
        with conn.begin():
            conn.execute(sa.select(sa.literal(1)))
            with pytest.raises(sa.exc.ProgrammingError) as raised:
                direct.rows(conn, _FIND, {"key": "nobody"})
            assert is_retryable(raised.value)
            conn.rollback()
        with conn.begin():
            assert direct.rows(conn, _FIND, {"key": "nobody"}) == []


def test_a_connection_in_the_drivers_pipeline_mode_runs_statements_through_the_driver(
    engine: Engine,
) -> None:
    with engine.connect() as conn:
        driver = conn.connection.driver_connection
        with conn.begin():
            if engine.dialect.name == "postgresql":
                # psycopg's pipeline must see every statement: they go through its own cursor.
                with driver.pipeline():  # type: ignore[union-attr]
                    assert direct.rows(conn, _FIND, {"key": "nobody"}) == []
                    assert direct.count(conn, _DELETE, {"key": "nobody"}) == 0
                assert driver.pgconn.pipeline_status == 0  # type: ignore[union-attr]
            else:  # no such mode: the same statements, the usual way
                assert direct.rows(conn, _FIND, {"key": "nobody"}) == []
                assert direct.count(conn, _DELETE, {"key": "nobody"}) == 0


def test_a_statement_interrupted_midway_gives_its_connection_up(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with engine.connect() as conn:
        channel = direct._channel(conn)

        def interrupted(*args: object) -> None:
            raise KeyboardInterrupt

        # Ctrl-C arriving while the driver is in the middle of the statement.
        monkeypatch.setattr(type(channel), "run", interrupted)
        with pytest.raises(KeyboardInterrupt):
            direct.rows(conn, _FIND, {"key": "nobody"})
        monkeypatch.undo()
        assert conn.invalidated
    # The pool hands out a new driver connection, which works.
    with engine.connect() as conn:
        assert direct._channel(conn) is not channel
        assert direct.rows(conn, _FIND, {"key": "nobody"}) == []
