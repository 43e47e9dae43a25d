"""Changing what was done: reversing a redemption, adjusting a pass by hand, voiding a pass."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Row

from sessionpacks import limits
from sessionpacks.enums import EntryKind, Metric, PassState, Source
from sessionpacks.errors import InvalidInput, InvalidState, ManualCreditsProtected, NotFound
from sessionpacks.ledger import (
    append_entry,
    entries,
    lock_pass,
    lock_passes,
    passes,
    state_for_balance,
)
from sessionpacks.models import Member, Redemption, table
from sessionpacks.redeeming import sessions_counted
from sessionpacks.transactions import WriteContext
from sessionpacks.valuation import EntryValue, of_entry
from sessionpacks.values import EntryResult, Target

_redemptions = table(Redemption)
_members = table(Member)

Authorize = Callable[[WriteContext, str, Target], None]

# Passes that can never hold credits again, with what staff call what happened to them.
_ENDED = {PassState.VOIDED.value: "deleted", PassState.REFUNDED.value: "refunded"}


def reverse(
    ctx: WriteContext, authorize: Authorize, redemption_id: int, reason: str
) -> EntryResult:
    redemption = ctx.conn.execute(
        select(_redemptions).where(_redemptions.c.id == redemption_id).with_for_update()
    ).one_or_none()
    if redemption is None:
        raise NotFound("redemption", redemption_id)
    authorize(ctx, "reverse", Target("redemption", redemption_id, redemption.account_id))
    if redemption.reversed_at is not None:
        raise InvalidState(
            f"redemption {redemption_id} was already reversed at {redemption.reversed_at}"
        )
    taken = ctx.conn.execute(
        select(
            entries.c.pass_id,
            entries.c.delta,
            entries.c.value_change_minor,
            entries.c.value_minor,
            passes.c.metric,
        )
        .join(passes, passes.c.id == entries.c.pass_id)
        .where(entries.c.redemption_id == redemption_id, entries.c.kind == EntryKind.REDEEM.value)
        .order_by(entries.c.pass_id)
    ).all()
    locked = {
        row.id: row for row in lock_passes(ctx.conn, passes.c.id.in_([t.pass_id for t in taken]))
    }
    for pass_id, row in locked.items():
        if row.state in _ENDED:
            raise InvalidState(
                f"redemption {redemption_id} used pass {pass_id}, which was"
                f" {_ENDED[row.state]}; its credits cannot be given back"
            )
    written = [
        append_entry(
            ctx,
            locked[t.pass_id],
            EntryKind.REVERSE,
            -t.delta,
            state=state_for_balance(
                PassState(locked[t.pass_id].state), locked[t.pass_id].remaining - t.delta
            ),
            redemption_id=redemption_id,
            member_id=redemption.member_id,
            reason=reason,
            redeemed=-sessions_counted(Metric(t.metric), -t.delta),
            # The revenue the redemption recognised is taken back with its units.
            value=EntryValue.restoring(of_entry(t)),
        )
        for t in taken
    ]
    balances = [balance for _, balance, _ in written]
    for index, t in enumerate(taken):
        if locked[t.pass_id].state == PassState.EXPIRED.value:
            # Credits given back to an expired pass are forfeited with it at once, as breakage:
            # an expired pass holds nothing, and extending it gives them back with the rest.
            back = lock_pass(ctx.conn, t.pass_id)
            _, balances[index], _ = append_entry(
                ctx,
                back,
                EntryKind.EXPIRE,
                t.delta,
                reason="expired: the pass had expired when the redemption was reversed",
            )
    ctx.conn.execute(
        update(_redemptions).where(_redemptions.c.id == redemption_id).values(reversed_at=ctx.now)
    )
    result = EntryResult(
        action="reverse",
        pass_ids=tuple(t.pass_id for t in taken),
        entry_ids=tuple(entry_id for entry_id, _, _ in written),
        deltas=tuple(-t.delta for t in taken),
        balances_after=tuple(balances),
        operation_id=ctx.operation_id,
        redemption_id=redemption_id,
    )
    ctx.enqueue("sessionpacks_reversed", result)
    return result


def adjust(
    ctx: WriteContext,
    authorize: Authorize,
    pass_id: int,
    delta: int,
    reason: str,
    *,
    allow_removing_manual_credits: bool = True,
) -> EntryResult:
    row = lock_pass(ctx.conn, pass_id)
    authorize(ctx, "adjust", Target("pass", pass_id, row.account_id))
    if row.state in _ENDED:
        raise InvalidState(f"pass {pass_id} was {_ENDED[row.state]} and cannot be adjusted")
    if delta < 0:
        check_manual_removal(row, allow_removing_manual_credits, "adjusted down")
    if row.remaining + delta < 0:
        raise InvalidInput(
            f"adjusting pass {pass_id} by {delta} would leave {row.remaining + delta};"
            f" it holds {row.remaining}"
        )
    # Each delta fits its column, but the balance they add up to must fit one too.
    if row.remaining + delta > limits.QUANTITY.maximum:
        raise InvalidInput(
            f"delta: adjusting pass {pass_id} by {delta} would leave more than a pass holds"
            f" ({limits.QUANTITY.maximum}); it holds {row.remaining}"
        )
    entry_id, balance_after, _ = append_entry(
        ctx,
        row,
        EntryKind.ADJUST,
        delta,
        state=state_for_balance(PassState(row.state), row.remaining + delta),
        reason=reason,
    )
    result = _single("adjust", pass_id, entry_id, delta, balance_after, ctx.operation_id)
    ctx.enqueue("sessionpacks_adjusted", result)
    return result


def void(
    ctx: WriteContext,
    authorize: Authorize,
    pass_id: int,
    reason: str,
    *,
    allow_removing_manual_credits: bool = True,
) -> EntryResult:
    row = lock_pass(ctx.conn, pass_id)
    authorize(ctx, "void", Target("pass", pass_id, row.account_id))
    if row.state == PassState.VOIDED.value:
        raise InvalidState(f"pass {pass_id} was already deleted")
    if row.remaining > 0:
        check_manual_removal(row, allow_removing_manual_credits, "deleted")
    entry_id, balance_after, _ = append_entry(
        ctx, row, EntryKind.VOID, -row.remaining, state=PassState.VOIDED, reason=reason
    )
    # A deleted pass is hidden everywhere, so it is nobody's default pack any more.
    ctx.conn.execute(
        update(_members).where(_members.c.default_pass_id == pass_id).values(default_pass_id=None)
    )
    result = _single("void", pass_id, entry_id, -row.remaining, balance_after, ctx.operation_id)
    ctx.enqueue("sessionpacks_voided", result)
    return result


def _single(
    action: str, pass_id: int, entry_id: int, delta: int, balance_after: int, operation_id: int
) -> EntryResult:
    return EntryResult(
        action=action,
        pass_ids=(pass_id,),
        entry_ids=(entry_id,),
        deltas=(delta,),
        balances_after=(balance_after,),
        operation_id=operation_id,
    )


def check_manual_removal(row: Row[Any], allowed: bool, how: str) -> None:
    """Credits granted by hand can never be refunded; a studio may also forbid taking them back
    at all, so that what staff gave a client stays given."""
    if not allowed and row.source == Source.GRANT.value:
        raise ManualCreditsProtected(
            f"pass {row.id} holds manually granted credits, which this studio's settings forbid"
            f" taking back (allow_removing_manual_credits is off), so it cannot be {how}"
        )
