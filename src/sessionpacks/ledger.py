"""Appending entries to passes: the one place where a pass's balance changes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection, Row

from sessionpacks.database import inserted_id
from sessionpacks.enums import EntryKind, PassState
from sessionpacks.errors import InsufficientCredit, NotFound
from sessionpacks.models import LedgerEntry, Pass, table
from sessionpacks.transactions import WriteContext

passes = table(Pass)
entries = table(LedgerEntry)

# Built once, with every column set, so each write reuses one compiled statement.
_CHANGE_PASS = (
    update(passes)
    .where(passes.c.id == bindparam("pass"), passes.c.remaining + bindparam("delta") >= 0)
    .values(
        remaining=passes.c.remaining + bindparam("delta"),
        last_entry_at=bindparam("at"),
        state=bindparam("state"),
        redeemed_count=passes.c.redeemed_count + bindparam("redeemed"),
    )
)
_INSERT_ENTRY = insert(entries)


def lock_passes(conn: Connection, *criteria: sa.ColumnElement[bool]) -> Sequence[Row[Any]]:
    """Select passes and lock them until commit, in id order so that lockers never deadlock.

    SQLite ignores FOR UPDATE; there every write transaction holds the database's write lock from
    its first statement (see :func:`sessionpacks.database.prepare_engine`).
    """
    return conn.execute(
        select(passes).where(*criteria).order_by(passes.c.id).with_for_update()
    ).all()


def lock_pass(conn: Connection, pass_id: int) -> Row[Any]:
    rows = lock_passes(conn, passes.c.id == pass_id)
    if not rows:
        raise NotFound("pass", pass_id)
    return rows[0]


def append_entry(
    ctx: WriteContext,
    locked: Row[Any],
    kind: EntryKind,
    delta: int,
    *,
    state: PassState | None = None,
    redemption_id: int | None = None,
    member_id: int | None = None,
    reason: str | None = None,
    redeemed: int = 0,
    number: int | None = None,
) -> tuple[int, int, dt.datetime]:
    """Change a locked pass by ``delta`` and write the entry that says so, in one transaction.

    Returns the entry id, the balance after it and its time. The update is conditional as well as
    locked, and the database's check constraint is the last line: the balance cannot go negative.
    """
    at = max(ctx.now, locked.last_entry_at)
    balance_after = locked.remaining + delta
    changed = ctx.conn.execute(
        _CHANGE_PASS,
        {
            "pass": locked.id,
            "delta": delta,
            "at": at,
            "state": (state.value if state is not None else locked.state),
            "redeemed": redeemed,
        },
    )
    if changed.rowcount != 1:
        raise InsufficientCredit(f"pass {locked.id} holds less than {-delta}")
    entry_id = inserted_id(
        ctx.conn.execute(
            _INSERT_ENTRY,
            {
                "pass_id": locked.id,
                "operation_id": ctx.operation_id,
                "kind": kind.value,
                "delta": delta,
                "balance_after": balance_after,
                "redemption_id": redemption_id,
                "member_id": member_id,
                "reason": reason,
                "number": number,
                "created_at": at,
            },
        )
    )
    return entry_id, balance_after, at


def state_for_balance(current: PassState, balance: int) -> PassState:
    """The state a pass takes when its balance becomes ``balance`` by a redeem or correction."""
    if current is PassState.ACTIVE and balance == 0:
        return PassState.EXHAUSTED
    if current is PassState.EXHAUSTED and balance > 0:
        return PassState.ACTIVE
    return current
