"""The expiry sweep: every pass whose expiry has come loses what it holds, with one entry each.

The sweep works in batches of passes ordered by id. Each batch is one write (one operation row,
one transaction): it locks its passes, writes their expire entries in one multi-row insert and
marks them expired in one update. A sweep killed part-way leaves whole batches done or not done,
and the next run finds only what is still due, so running it again is always safe.

A redemption locks the same pass rows, so the two take turns: a pass emptied by a redemption just
before the sweep locks it is still expired, with nothing forfeited.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections.abc import Sequence
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy import bindparam, case, insert, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, Row

from sessionpacks.enums import EntryKind, PassState
from sessionpacks.errors import InvalidInput
from sessionpacks.ledger import entries, passes
from sessionpacks.messages import TaskRequest
from sessionpacks.models import StaffTask, table
from sessionpacks.transactions import WriteContext

staff_tasks = table(StaffTask)

# The states a sweep expires. A suspended pass keeps its units until it is unsuspended (issue 3
# pushes its expiry out); an exhausted pass is expired too, with a zero entry, so that every pass
# past its expiry reads "expired" and has exactly one expire entry.
DUE_STATES = (PassState.PENDING.value, PassState.ACTIVE.value, PassState.EXHAUSTED.value)


@attrs.frozen
class ExpiredPass:
    """One pass the sweep expired: the units it forfeited and what they had cost (breakage)."""

    pass_id: int
    account_id: int
    member_id: int | None
    units: int
    value_minor: int
    currency: str | None
    at: dt.datetime


@attrs.frozen
class ExpiryBatch:
    """What one batch (one transaction) of the sweep expired."""

    expired: tuple[ExpiredPass, ...]


@attrs.frozen
class ForfeitedValue:
    currency: str | None
    value_minor: int


@attrs.frozen
class ExpiryReport:
    """What a sweep did: every pass it expired, in id order, and how many batches it took."""

    expired: tuple[ExpiredPass, ...]
    batches: int

    @property
    def units(self) -> int:
        return sum(e.units for e in self.expired)

    @property
    def value(self) -> tuple[ForfeitedValue, ...]:
        """Breakage per cost currency (passes without a cost basis count under None)."""
        totals: dict[str | None, int] = {}
        for e in self.expired:
            totals[e.currency] = totals.get(e.currency, 0) + e.value_minor
        return tuple(
            ForfeitedValue(c, v) for c, v in sorted(totals.items(), key=lambda i: i[0] or "")
        )


def _lock_due(ctx: WriteContext, now: dt.datetime, batch_size: int, after: int) -> Sequence[Any]:
    """The next batch of due passes, locked until commit, in id order like every other locker:
    (id, account, member, units left, their value, currency, expiry entry time, label).

    A plain FOR UPDATE, not SKIP LOCKED: a pass that a redemption holds is waited for rather than
    skipped, so one run leaves nothing due behind. When the lock is granted the row is read again
    (READ COMMITTED), so a pass another sweep expired meanwhile drops out of the batch.

    Each batch starts after the last id of the one before, so no batch scans again past the
    passes its predecessors expired.
    """
    return ctx.conn.execute(
        _select_due(ctx.conn.dialect.name),
        {"after": after, "now": now, "limit": batch_size},
    ).all()


# Every pass of a batch takes the same change: nothing left, expired, and its newest entry at
# its expiry (or later, if an entry was written after it: entry times never go backwards).
_NEWEST = case(
    (passes.c.last_entry_at > passes.c.expires_at, passes.c.last_entry_at),
    else_=passes.c.expires_at,
)


def _listed(dialect: str) -> sa.ColumnElement[bool]:
    """The passes of the batch, as few parameters as each database allows: building and
    sending 500 separate ones costs more than the statement takes to run.

    PostgreSQL takes the ids as one array. SQLite runs one writer at a time (each write holds
    the database's lock from its first statement), so nothing can change between the batch's
    select and its writes, and the batch is simply the due passes in its id range.
    """
    if dialect == "postgresql":
        return passes.c.id == sa.any_(bindparam("ids", type_=postgresql.ARRAY(sa.BigInteger)))
    if dialect == "sqlite":
        return sa.and_(
            passes.c.id.between(bindparam("first"), bindparam("last")),
            passes.c.state.in_(DUE_STATES),
            passes.c.expires_at <= bindparam("now", type_=passes.c.expires_at.type),
        )
    return passes.c.id.in_(bindparam("ids", expanding=True))


def _batch(dialect: str, ids: list[int], now: dt.datetime) -> dict[str, object]:
    if dialect == "sqlite":
        return {"first": ids[0], "last": ids[-1], "now": now}
    return {"ids": ids}


@functools.cache
def _expire_passes(dialect: str) -> sa.Update:
    return (
        update(passes)
        .where(_listed(dialect))
        .values(
            remaining=0, value_left_minor=0, state=PassState.EXPIRED.value, last_entry_at=_NEWEST
        )
    )


@functools.cache
def _select_due(dialect: str) -> sa.Select[Any]:
    return (
        select(
            passes.c.id,
            passes.c.account_id,
            passes.c.member_id,
            passes.c.remaining,
            passes.c.value_left_minor,
            passes.c.cost_currency,
            _NEWEST,
            passes.c.label,
        )
        .where(
            passes.c.id > bindparam("after"),
            passes.c.state.in_(DUE_STATES),
            passes.c.expires_at <= bindparam("now", type_=passes.c.expires_at.type),
        )
        .order_by(passes.c.id)
        .limit(bindparam("limit", type_=sa.Integer))
        .with_for_update()
    )


@functools.cache
def _insert_entries(dialect: str) -> sa.Insert:
    """One expire entry per listed pass, taking all it holds and all its value as breakage."""
    return insert(entries).from_select(
        [
            "pass_id",
            "operation_id",
            "kind",
            "delta",
            "balance_after",
            "reason",
            "value_change_minor",
            "value_minor",
            "created_at",
        ],
        select(
            passes.c.id,
            bindparam("operation", type_=entries.c.operation_id.type),
            sa.literal(EntryKind.EXPIRE.value, entries.c.kind.type),
            -passes.c.remaining,
            sa.literal(0, entries.c.balance_after.type),
            sa.literal("expired", entries.c.reason.type),
            -passes.c.value_left_minor,
            passes.c.value_left_minor,
            _NEWEST,
        ).where(_listed(dialect)),
    )


def _formatted_moment(dialect: str, moment: sa.ColumnElement[Any]) -> sa.ColumnElement[str]:
    """``f"{moment:%Y-%m-%d %H:%M}"`` by the database. Moments are stored as naive UTC, so no
    session time zone can shift them."""
    if dialect == "postgresql":
        return sa.func.to_char(moment, "YYYY-MM-DD HH24:MI")
    if dialect in ("mysql", "mariadb"):
        return sa.func.date_format(moment, "%Y-%m-%d %H:%i")
    return sa.func.strftime("%Y-%m-%d %H:%M", moment)


@functools.cache
def _insert_tasks(dialect: str) -> sa.Insert:
    """:func:`expiry_task`'s task for every listed pass with units left, as the default task
    store keeps it, written by the database (tests hold the two to the same words)."""

    def text(value: sa.ColumnElement[Any]) -> sa.ColumnElement[str]:
        return sa.cast(value, sa.String)

    label = case(
        (sa.func.coalesce(passes.c.label, "") == "", "pass " + text(passes.c.id)),
        else_=passes.c.label,
    )
    title = label + " expired with " + text(passes.c.remaining) + " unused"
    body = (
        "Pass " + text(passes.c.id) + " (" + label + ") of account " + text(passes.c.account_id)
        + " expired on " + _formatted_moment(dialect, _NEWEST) + " UTC; "
        + text(passes.c.remaining) + " units were forfeited. Follow up with the client: offer"
        " a new pack, or extend this one."
    )  # fmt: skip
    return insert(staff_tasks).from_select(
        ["title", "body", "account_id", "pass_id", "state", "created_at"],
        select(
            title,
            body,
            passes.c.account_id,
            passes.c.id,
            sa.literal("open", staff_tasks.c.state.type),
            bindparam("created", type_=staff_tasks.c.created_at.type),
        ).where(_listed(dialect), passes.c.remaining > 0),
    )


def expire_batch(
    ctx: WriteContext, now: dt.datetime, batch_size: int, *, after: int = 0, tasks: bool
) -> ExpiryBatch:
    """Expire up to ``batch_size`` due passes with ids above ``after`` in the caller's
    transaction."""
    rows = _lock_due(ctx, now, batch_size, after)
    if not rows:
        return ExpiryBatch(expired=())
    ids = [row[0] for row in rows]
    # The entries first, computed by the database from the locked rows in one statement, then
    # the passes emptied: no per-pass parameters cross the wire.
    dialect = ctx.conn.dialect.name
    batch = _batch(dialect, ids, now)
    ctx.conn.execute(_insert_entries(dialect), {**batch, "operation": ctx.operation_id})
    if tasks and ctx.outbox.keeps_tasks_alone():
        # Nobody but the default task store hears of tasks: the database writes the batch's
        # tasks itself, from the locked rows (before they are emptied), in the same
        # transaction, so they are kept exactly when the sweep commits and nothing is left to
        # deliver. A host's own task plugin makes them side effects again (below).
        ctx.conn.execute(_insert_tasks(dialect), {**batch, "created": ctx.now})
        tasks = False
    # Positional: building 500 results per batch is a visible part of the sweep's time.
    expired = [
        ExpiredPass(pass_id, account_id, member_id, units, value, currency, at)
        for pass_id, account_id, member_id, units, value, currency, at, _ in rows
    ]
    changed = ctx.conn.execute(_expire_passes(dialect), batch)
    if changed.rowcount != len(rows):  # cannot happen while the rows are locked
        raise RuntimeError(f"expected to expire {len(rows)} passes, changed {changed.rowcount}")
    if tasks:
        # All of the batch's tasks in one statement (the default task store's rows, or the
        # outbox's when a host's plugin hears of tasks too), delivered together after commit.
        ctx.enqueue_many(
            "sessionpacks_create_task",
            [
                expiry_task(row, done)
                for row, done in zip(rows, expired, strict=True)
                if done.units > 0
            ],
        )
    return ExpiryBatch(expired=tuple(expired))


def written_by(conn: Connection, operation_id: int) -> ExpiryBatch:
    """A batch's result read back from its entries, for a replay under the same key: storing
    500 results as JSON would cost a third of the sweep's time."""
    rows = conn.execute(
        select(
            entries.c.pass_id,
            passes.c.account_id,
            passes.c.member_id,
            entries.c.delta,
            entries.c.value_minor,
            passes.c.cost_currency,
            entries.c.created_at,
        )
        .join(passes, passes.c.id == entries.c.pass_id)
        .where(entries.c.operation_id == operation_id, entries.c.kind == EntryKind.EXPIRE.value)
        .order_by(entries.c.pass_id)
    )
    return ExpiryBatch(
        expired=tuple(
            ExpiredPass(
                pass_id=row.pass_id,
                account_id=row.account_id,
                member_id=row.member_id,
                units=-row.delta,
                value_minor=row.value_minor or 0,
                currency=row.cost_currency,
                at=row.created_at,
            )
            for row in rows
        )
    )


def expiry_task(row: Row[Any], done: ExpiredPass) -> TaskRequest:
    label = row.label or f"pass {done.pass_id}"
    return TaskRequest(
        title=f"{label} expired with {done.units} unused",
        body=f"Pass {done.pass_id} ({label}) of account {done.account_id} expired on"
        f" {done.at:%Y-%m-%d %H:%M} UTC; {done.units} units were forfeited. Follow up with the"
        " client: offer a new pack, or extend this one.",
        account_id=done.account_id,
        pass_id=done.pass_id,
    )


def end_of_local_day(day: dt.date, timezone: str) -> dt.datetime:
    """The UTC moment a pass "valid through ``day``" expires: midnight at the end of that day in
    the studio's zone (so a pass valid through 31 March in Sydney expires at 13:00 UTC that day).
    """
    if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
        raise InvalidInput(f"give a date (not a datetime) for the last valid day, got {day!r}")
    zone = studio_zone(timezone)
    next_day = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    return next_day.astimezone(dt.timezone.utc)


def studio_zone(timezone: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"unknown time zone {timezone!r}: give an IANA name such as Europe/Paris"
        ) from None
