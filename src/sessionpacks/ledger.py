"""Appending entries to passes: the one place where a pass's balance changes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Row

from sessionpacks.database import inserted_id
from sessionpacks.enums import EntryKind, PassState
from sessionpacks.errors import InsufficientCredit, NotFound
from sessionpacks.models import LedgerEntry, Pass, table
from sessionpacks.transactions import WriteContext

passes = table(Pass)
entries = table(LedgerEntry)


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
) -> tuple[int, int, dt.datetime]:
    """Change a locked pass by ``delta`` and write the entry that says so, in one transaction.

    Returns the entry id, the balance after it and its time. The update is conditional as well as
    locked, and the database's check constraint is the last line: the balance cannot go negative.
    """
    at = max(ctx.now, locked.last_entry_at)
    balance_after = locked.remaining + delta
    values: dict[str, object] = {
        "remaining": passes.c.remaining + delta,
        "last_entry_at": at,
    }
    if state is not None:
        values["state"] = state.value
    if redeemed:
        values["redeemed_count"] = passes.c.redeemed_count + redeemed
    changed = ctx.conn.execute(
        update(passes)
        .where(passes.c.id == locked.id, passes.c.remaining + delta >= 0)
        .values(values)
    )
    if changed.rowcount != 1:
        raise InsufficientCredit(f"pass {locked.id} holds less than {-delta}")
    entry_id = inserted_id(
        ctx.conn.execute(
            insert(entries).values(
                pass_id=locked.id,
                operation_id=ctx.operation_id,
                kind=kind.value,
                delta=delta,
                balance_after=balance_after,
                redemption_id=redemption_id,
                member_id=member_id,
                reason=reason,
                created_at=at,
            )
        )
    )
    return int(entry_id), balance_after, at


def state_for_balance(current: PassState, balance: int) -> PassState:
    """The state a pass takes when its balance becomes ``balance`` by a redeem or correction."""
    if current is PassState.ACTIVE and balance == 0:
        return PassState.EXHAUSTED
    if current is PassState.EXHAUSTED and balance > 0:
        return PassState.ACTIVE
    return current
