"""The life of a pass after it is made: suspend and unsuspend (a freeze), extend or change its
expiry, and expire it.

Suspending changes no balance, so it writes no ledger entry; the operation records who did it.
Every move of an expiry writes an ``extend`` entry, so the history shows it: with delta 0 when
the balance stays, or with what an expired pass forfeited when extending reopens it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Row

from sessionpacks import limits
from sessionpacks.enums import EntryKind, PassState
from sessionpacks.errors import InvalidInput, InvalidState
from sessionpacks.ledger import append_entry, entries, lock_pass, passes
from sessionpacks.transactions import WriteContext
from sessionpacks.valuation import EntryValue
from sessionpacks.values import LifecycleResult, Target

Authorize = Callable[[WriteContext, str, Target], None]

_ENDED = (PassState.VOIDED.value, PassState.REFUNDED.value)
_EVENTS = {
    "suspend": "sessionpacks_suspended",
    "unsuspend": "sessionpacks_unsuspended",
    "extend": "sessionpacks_extended",
    "expire": "sessionpacks_expired",
}


def suspend(ctx: WriteContext, authorize: Authorize, pass_id: int, reason: str) -> LifecycleResult:
    row = lock_pass(ctx.conn, pass_id)
    authorize(ctx, "suspend", Target("pass", pass_id, row.account_id))
    if row.state == PassState.SUSPENDED.value:
        raise InvalidState(f"pass {pass_id} is already suspended (since {row.suspended_at})")
    if row.state not in (PassState.ACTIVE.value, PassState.PENDING.value):
        raise InvalidState(f"pass {pass_id} is {row.state}; only a usable pass can be suspended")
    if row.expires_at is not None and row.expires_at <= ctx.now:
        raise InvalidState(f"pass {pass_id} expired at {row.expires_at} and cannot be suspended")
    ctx.conn.execute(
        update(passes)
        .where(passes.c.id == pass_id)
        .values(state=PassState.SUSPENDED.value, suspended_at=ctx.now)
    )
    return _result("suspend", row, PassState.SUSPENDED, row.expires_at, None, 0, ctx)


def unsuspend(
    ctx: WriteContext, authorize: Authorize, pass_id: int, reason: str
) -> LifecycleResult:
    row = lock_pass(ctx.conn, pass_id)
    authorize(ctx, "unsuspend", Target("pass", pass_id, row.account_id))
    if row.state != PassState.SUSPENDED.value:
        raise InvalidState(f"pass {pass_id} is {row.state}, not suspended")
    expires_at = row.expires_at
    if row.extend_on_unsuspend and expires_at is not None and row.suspended_at is not None:
        expires_at = expires_at + (ctx.now - row.suspended_at)
    state = _open_state(row, row.remaining, ctx.now)
    entry_id = None
    if expires_at != row.expires_at:
        entry_id, _, _ = append_entry(
            ctx,
            row,
            EntryKind.EXTEND,
            0,
            reason=f"{reason} (expiry moved out by the time suspended,"
            f" {_span(ctx.now - row.suspended_at)})",
        )
    ctx.conn.execute(
        update(passes)
        .where(passes.c.id == pass_id)
        .values(state=state.value, suspended_at=None, expires_at=expires_at)
    )
    return _result("unsuspend", row, state, expires_at, entry_id, 0, ctx)


def extend(
    ctx: WriteContext,
    authorize: Authorize,
    pass_id: int,
    new_expires_at: dt.datetime | None,
    by: dt.timedelta | None,
    reason: str,
) -> LifecycleResult:
    row = lock_pass(ctx.conn, pass_id)
    authorize(ctx, "extend", Target("pass", pass_id, row.account_id))
    if row.state in _ENDED:
        raise InvalidState(f"pass {pass_id} is {row.state} and cannot be extended")
    if by is not None:
        if row.expires_at is None:
            raise InvalidInput(
                f"pass {pass_id} has no expiry to move; give the new expires_at instead"
            )
        new_expires_at = row.expires_at + by
    assert new_expires_at is not None  # the studio checks one of the two is given
    # Extended again and again by a century, an expiry would leave what datetime holds: an
    # extension ends inside the supported years, as a given moment must.
    if new_expires_at.year > limits.LAST_YEAR:
        raise InvalidInput(
            f"by: the new expiry ({new_expires_at}) would be after the year {limits.LAST_YEAR}"
        )
    if new_expires_at <= ctx.now:
        raise InvalidInput(
            f"the new expiry ({new_expires_at}) is already past; extending must leave the pass"
            " usable"
        )
    if row.starts_at is not None and new_expires_at <= row.starts_at:
        raise InvalidInput(
            f"the new expiry ({new_expires_at}) must be after the start ({row.starts_at})"
        )
    delta = 0
    state: PassState | None = None
    value = EntryValue.none()
    if row.state == PassState.EXPIRED.value:
        # Reopening gives back what the expiry took, units and value: it was not breakage.
        delta, value = _forfeited(ctx, pass_id)
        state = _open_state(row, row.remaining + delta, ctx.now)
    entry_id, balance_after, _ = append_entry(
        ctx, row, EntryKind.EXTEND, delta, state=state, reason=reason, value=value
    )
    ctx.conn.execute(update(passes).where(passes.c.id == pass_id).values(expires_at=new_expires_at))
    return _result(
        "extend",
        row,
        state or PassState(row.state),
        new_expires_at,
        entry_id,
        delta,
        ctx,
        balance_after,
    )


def expire(ctx: WriteContext, authorize: Authorize, pass_id: int) -> LifecycleResult:
    """Close a pass whose expiry has passed: an ``expire`` entry takes what remains (what was
    forfeited), so that extending it later can give exactly that back."""
    row = lock_pass(ctx.conn, pass_id)
    authorize(ctx, "expire", Target("pass", pass_id, row.account_id))
    if row.state not in (
        PassState.ACTIVE.value,
        PassState.PENDING.value,
        PassState.EXHAUSTED.value,
    ):
        raise InvalidState(f"pass {pass_id} is {row.state} and cannot expire")
    if row.expires_at is None or row.expires_at > ctx.now:
        raise InvalidState(f"pass {pass_id} has not reached its expiry ({row.expires_at})")
    entry_id, balance_after, _ = append_entry(
        ctx,
        row,
        EntryKind.EXPIRE,
        -row.remaining,
        state=PassState.EXPIRED,
        reason=f"expired at {row.expires_at:%Y-%m-%d %H:%M} UTC",
    )
    return _result(
        "expire",
        row,
        PassState.EXPIRED,
        row.expires_at,
        entry_id,
        -row.remaining,
        ctx,
        balance_after,
    )


def _forfeited(ctx: WriteContext, pass_id: int) -> tuple[int, EntryValue]:
    """The units the pass's expiries took since it was last reopened (the sweep's, and credits
    given back to it while expired), and the value that gives them back."""
    reopened = (
        select(func.coalesce(func.max(entries.c.id), 0))
        .where(
            entries.c.pass_id == pass_id,
            entries.c.kind == EntryKind.EXTEND.value,
            entries.c.delta > 0,
        )
        .scalar_subquery()
    )
    taken = ctx.conn.execute(
        select(
            func.coalesce(func.sum(entries.c.delta), 0),
            func.coalesce(func.sum(entries.c.value_change_minor), 0),
            func.coalesce(func.sum(entries.c.value_minor), 0),
        ).where(
            entries.c.pass_id == pass_id,
            entries.c.kind == EntryKind.EXPIRE.value,
            entries.c.id > reopened,
        )
    ).one()
    units, change, recognised = (int(v) for v in taken)
    return -units, EntryValue(-change, -recognised)


def _open_state(row: Row[Any], balance: int, now: dt.datetime) -> PassState:
    if balance == 0:
        return PassState.EXHAUSTED
    if row.starts_at is not None and row.starts_at > now:
        return PassState.PENDING
    return PassState.ACTIVE


def _span(span: dt.timedelta) -> str:
    days, seconds = span.days, span.seconds
    if days:
        return f"{days} day{'s' if days != 1 else ''}"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


def _result(
    action: str,
    row: Row[Any],
    state: PassState,
    expires_at: dt.datetime | None,
    entry_id: int | None,
    delta: int,
    ctx: WriteContext,
    balance_after: int | None = None,
) -> LifecycleResult:
    result = LifecycleResult(
        action=action,
        pass_id=row.id,
        account_id=row.account_id,
        state=state,
        expires_at=expires_at,
        previous_expires_at=row.expires_at,
        entry_id=entry_id,
        delta=delta,
        balance_after=row.remaining + delta if balance_after is None else balance_after,
        operation_id=ctx.operation_id,
    )
    ctx.enqueue(_EVENTS[action], result)
    return result
