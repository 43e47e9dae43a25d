"""Appending entries to passes: the one place where a pass's balance changes."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection, Row

from sessionpacks import direct
from sessionpacks.database import sqlstate
from sessionpacks.direct import Record
from sessionpacks.enums import EntryKind, PassState
from sessionpacks.errors import InsufficientCredit, NotFound
from sessionpacks.models import LedgerEntry, Pass, Redemption, table
from sessionpacks.transactions import WriteContext
from sessionpacks.valuation import EntryValue, taking

passes = table(Pass)
entries = table(LedgerEntry)
redemptions = table(Redemption)

# Built once, with every column set, so each write reuses one compiled statement.
_CHANGE_PASS = (
    update(passes)
    .where(passes.c.id == bindparam("pass"), passes.c.remaining + bindparam("delta") >= 0)
    .values(
        remaining=passes.c.remaining + bindparam("delta"),
        value_left_minor=passes.c.value_left_minor + bindparam("value_change"),
        last_entry_at=bindparam("at"),
        state=bindparam("state"),
        redeemed_count=passes.c.redeemed_count + bindparam("redeemed"),
    )
)
_ENTRY_COLUMNS = (
    "pass_id",
    "operation_id",
    "kind",
    "delta",
    "balance_after",
    "redemption_id",
    "member_id",
    "reason",
    "number",
    "value_change_minor",
    "value_minor",
    "created_at",
)
# Inserts name their columns, so that each compiles once for the driver (sessionpacks.direct).
_INSERT_ENTRY = insert(entries).values({column: bindparam(column) for column in _ENTRY_COLUMNS})


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
    locked: Record,
    kind: EntryKind,
    delta: int,
    *,
    state: PassState | None = None,
    redemption_id: int | None = None,
    member_id: int | None = None,
    reason: str | None = None,
    redeemed: int = 0,
    number: int | None = None,
    value: EntryValue | None = None,
) -> tuple[int, int, dt.datetime]:
    """Change a locked pass by ``delta`` and write the entry that says so, in one transaction.

    ``value`` is what the entry does to the pass's paid value; by default, units taken take
    their share of it as revenue (:func:`sessionpacks.valuation.taking`) and units added are
    free. Returns the entry id, the balance after it and its time. The update is conditional as
    well as locked, and the database's check constraint is the last line: the balance cannot go
    negative.
    """
    if value is None:
        value = taking(locked, -delta) if delta < 0 else EntryValue.none()
    at = max(ctx.now, locked.last_entry_at)
    balance_after = locked.remaining + delta
    changed = direct.count(
        ctx.conn,
        _CHANGE_PASS,
        {
            "pass": locked.id,
            "delta": delta,
            "value_change": value.change,
            "at": at,
            "state": (state.value if state is not None else locked.state),
            "redeemed": redeemed,
        },
    )
    if changed != 1:
        raise InsufficientCredit(f"pass {locked.id} holds less than {-delta}")
    entry_id = direct.insert(
        ctx.conn,
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
            "value_change_minor": value.change,
            "value_minor": value.recognised,
            "created_at": at,
        },
    )
    return entry_id, balance_after, at


@functools.cache
def _redeem_in_one_statement() -> sa.Insert:
    """PostgreSQL writes a redemption, changes its first pass and appends the entry in one
    statement: the three depend on each other only through ids the database assigns, and each
    round trip saved is a large part of a redemption's time. (Parameter names avoid the
    columns' own: SQLAlchemy would add a parameter named like a column to the UPDATE's SET.)

    A conditional update that matches nothing fails the statement: the entry's pass is then
    empty, which its NOT NULL refuses. The transaction cannot go on to commit without the
    entry, even when its COMMIT was sent in the same round trip.
    """
    new_redemption = (
        insert(redemptions)
        .values({column: bindparam(key) for column, key in _REDEMPTION_KEYS})
        .returning(redemptions.c.id)
        .cte("new_redemption")
    )
    changed_pass = _CHANGE_PASS.returning(passes.c.id).cte("changed_pass")
    return (
        insert(entries)
        .from_select(
            [
                "pass_id",
                "operation_id",
                "kind",
                "delta",
                "balance_after",
                "redemption_id",
                "member_id",
                "number",
                "value_change_minor",
                "value_minor",
                "created_at",
            ],
            select(
                changed_pass.c.id,
                bindparam("e_operation", type_=entries.c.operation_id.type),
                bindparam("e_kind", type_=entries.c.kind.type),
                bindparam("delta", type_=entries.c.delta.type),
                bindparam("e_balance_after", type_=entries.c.balance_after.type),
                new_redemption.c.id,
                bindparam("e_member", type_=entries.c.member_id.type),
                bindparam("e_number", type_=entries.c.number.type),
                bindparam("e_value_change", type_=entries.c.value_change_minor.type),
                bindparam("e_value", type_=entries.c.value_minor.type),
                bindparam("at", type_=entries.c.created_at.type),
            ).select_from(new_redemption.outerjoin(changed_pass, sa.true())),
        )
        .returning(entries.c.id, entries.c.redemption_id)
    )


_REDEMPTION_COLUMNS = (
    "operation_id",
    "account_id",
    "member_id",
    "service_id",
    "occurrence_ref",
    "occurred_at",
    "created_at",
)
_REDEMPTION_KEYS = tuple((column, f"r_{column}") for column in _REDEMPTION_COLUMNS)
_INSERT_REDEMPTION = insert(redemptions).values(
    {column: bindparam(column) for column in _REDEMPTION_COLUMNS}
)


def append_redemption(
    ctx: WriteContext,
    locked: Record,
    delta: int,
    redemption: dict[str, object],
    *,
    state: PassState,
    member_id: int,
    redeemed: int,
    number: int,
    commit: bool = False,
) -> tuple[int, int, int, dt.datetime]:
    """Write a new redemption with the entry taking ``-delta`` from its first pass; with
    ``commit``, as the last statement of the transaction (see :func:`sessionpacks.direct.rows`).

    Returns the redemption id, the entry id, the balance after and the entry's time.
    """
    if ctx.conn.dialect.name != "postgresql":
        redemption_id = direct.insert(ctx.conn, _INSERT_REDEMPTION, redemption)
        entry_id, balance_after, at = append_entry(
            ctx,
            locked,
            EntryKind.REDEEM,
            delta,
            state=state,
            redemption_id=redemption_id,
            member_id=member_id,
            redeemed=redeemed,
            number=number,
        )
        return redemption_id, entry_id, balance_after, at
    at = max(ctx.now, locked.last_entry_at)
    balance_after = locked.remaining + delta
    value = taking(locked, -delta)
    try:
        written = direct.first(
            ctx.conn,
            _redeem_in_one_statement(),
            {
                **{key: redemption[column] for column, key in _REDEMPTION_KEYS},
                "pass": locked.id,
                "delta": delta,
                "value_change": value.change,
                "at": at,
                "state": state.value,
                "redeemed": redeemed,
                "e_operation": ctx.operation_id,
                "e_kind": EntryKind.REDEEM.value,
                "e_balance_after": balance_after,
                "e_member": member_id,
                "e_number": number,
                "e_value_change": value.change,
                "e_value": value.recognised,
            },
            commit=commit,
        )
    except sa.exc.IntegrityError as error:
        if sqlstate(error) == _NOT_NULL_VIOLATION:  # the conditional update matched nothing
            raise InsufficientCredit(f"pass {locked.id} holds less than {-delta}") from None
        raise
    assert written is not None  # the statement fails rather than write no entry
    return written.redemption_id, written.id, balance_after, at


_NOT_NULL_VIOLATION = "23502"


def state_for_balance(current: PassState, balance: int) -> PassState:
    """The state a pass takes when its balance becomes ``balance`` by a redeem or correction."""
    if current is PassState.ACTIVE and balance == 0:
        return PassState.EXHAUSTED
    if current is PassState.EXHAUSTED and balance > 0:
        return PassState.ACTIVE
    return current
