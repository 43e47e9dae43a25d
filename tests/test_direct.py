"""The hot path's statements on the driver's cursor read and write what SQLAlchemy would."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from sessionpacks import direct, redeeming, transactions
from sessionpacks.models import Operation
from tests.conftest import START, Gym


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


def _operation(key: str) -> dict[str, object]:
    """The values of an operation's row, for writing one straight through the driver."""
    return {
        "idempotency_key": key,
        "action": "test",
        "fingerprint": "x",
        "actor_kind": "staff",
        "actor_id": "1",
        "channel": "office",
        "result": "",
        "created_at": START,
    }


def test_driver_errors_are_raised_as_sqlalchemy_errors(engine: Engine) -> None:
    values = _operation("direct-duplicate")
    with engine.begin() as conn:
        direct.insert(conn, transactions._INSERT_OPERATION, values)
    with engine.connect() as conn, conn.begin(), pytest.raises(sa.exc.IntegrityError):
        direct.insert(conn, transactions._INSERT_OPERATION, values)
    with engine.begin() as conn:
        conn.execute(sa.delete(Operation).where(Operation.idempotency_key == "direct-duplicate"))


def test_one_cursor_serves_a_connection_through_errors_and_a_reconnect(engine: Engine) -> None:
    values = _operation("direct-cursor")
    find = sa.select(Operation.id).where(Operation.idempotency_key == sa.bindparam("key"))
    with engine.connect() as conn:
        with conn.begin():
            first = direct.insert(conn, transactions._INSERT_OPERATION, values)
        cursor = direct._cursor(conn)
        # A driver error leaves the cursor usable: the next statement on it reads fine.
        with conn.begin(), pytest.raises(sa.exc.IntegrityError):
            direct.insert(conn, transactions._INSERT_OPERATION, values)
        with conn.begin():
            assert [row.id for row in direct.rows(conn, find, {"key": "direct-cursor"})] == [first]
        assert direct._cursor(conn) is cursor
        # A replaced driver connection gets a cursor of its own.
        conn.invalidate()
        with conn.begin():
            assert [row.id for row in direct.rows(conn, find, {"key": "direct-cursor"})] == [first]
            assert direct._cursor(conn) is not cursor
            conn.execute(sa.delete(Operation).where(Operation.id == first))


def test_a_percent_sign_in_the_sql_is_taken_as_it_is(engine: Engine) -> None:
    # Numbered parameters (psycopg) and question marks (SQLite) leave a literal % alone; the
    # named ones of PyMySQL get it doubled by SQLAlchemy. Every way must read it back the same.
    query: sa.Executable = sa.select(
        sa.literal_column("'50% off'").label("words"), sa.bindparam("n", type_=sa.Integer)
    )
    with engine.connect() as conn:
        (row,) = direct.rows(conn, query, {"n": 7})
    assert tuple(row) == ("50% off", 7)
