"""Recurring plans: a subscription that gives its holder a pass of the plan's credits each period.

At each period's end the unused credits of the period's pass either expire (an ``expire`` entry)
or, when the plan rolls over, move into the next period's pass up to the cap: an ``adjust`` entry
out of the old pass and one into the new, both saying "rollover", so every balance stays the sum
of its entries and no credit is made from nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import attrs
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Row

from sessionpacks import directory, granting, lifecycle, templates
from sessionpacks.database import inserted_id
from sessionpacks.enums import (
    Billing,
    EntryKind,
    PassState,
    Source,
    SubscriptionState,
    TemplateKind,
)
from sessionpacks.errors import InvalidInput, InvalidState, NotFound
from sessionpacks.ledger import append_entry, entries, lock_pass
from sessionpacks.models import PlanSubscription, table
from sessionpacks.transactions import WriteContext
from sessionpacks.validity import expiry_after
from sessionpacks.valuation import EntryValue, units_value
from sessionpacks.values import PlanPeriodResult, Target

subscriptions = table(PlanSubscription)
Authorize = Callable[[WriteContext, str, Target], None]


@attrs.frozen
class SubscriptionInfo:
    """A plan subscription and the period it is in."""

    id: int
    account_id: int
    member_id: int | None
    template_id: int
    billing: Billing
    state: SubscriptionState
    started_at: dt.datetime
    period_number: int
    period_start: dt.datetime
    period_end: dt.datetime
    current_pass_id: int
    created_at: dt.datetime
    cancelled_at: dt.datetime | None

    @classmethod
    def from_row(cls, row: Any) -> SubscriptionInfo:
        return cls(
            id=row.id,
            account_id=row.account_id,
            member_id=row.member_id,
            template_id=row.template_id,
            billing=Billing(row.billing),
            state=SubscriptionState(row.state),
            started_at=row.started_at,
            period_number=row.period_number,
            period_start=row.period_start,
            period_end=row.period_end,
            current_pass_id=row.current_pass_id,
            created_at=row.created_at,
            cancelled_at=row.cancelled_at,
        )


def check_plan(conn: Connection, template_id: int, account_id: int, member_id: int | None) -> Any:
    template = templates.get(conn, template_id)
    if template.kind is not TemplateKind.PLAN:
        raise InvalidInput(f"template {template_id} is a {template.kind.value}, not a plan")
    templates.check_usable(template, member_id, "subscribed to")
    directory.get_account(conn, account_id)
    if member_id is not None:
        member = directory.get_member(conn, member_id)
        if member.account_id != account_id:
            raise InvalidInput(f"member {member_id} does not belong to account {account_id}")
    return template


def period_bounds(
    template: templates.TemplateInfo, started_at: dt.datetime, number: int
) -> tuple[dt.datetime, dt.datetime]:
    """Where period ``number`` (from 1) starts and ends, counted from the first start."""

    def after(periods: int) -> dt.datetime:
        if periods == 0:
            return started_at
        days = template.period_days * periods if template.period_days else None
        months = template.period_months * periods if template.period_months else None
        end = expiry_after(started_at, days, months)
        assert end is not None  # a plan template always has a period
        return end

    return after(number - 1), after(number)


def next_period(
    template: templates.TemplateInfo, sub: SubscriptionInfo | Row[Any], now: dt.datetime
) -> int:
    """The number of the period a renewal at ``now`` begins: the one after the current, or, when
    a renewal comes late, the one ``now`` falls in (periods nobody renewed are skipped)."""
    number = sub.period_number + 1
    while period_bounds(template, sub.started_at, number)[1] <= now:
        number += 1
    return number


def get(conn: Connection, subscription_id: int) -> SubscriptionInfo:
    row = conn.execute(
        select(subscriptions).where(subscriptions.c.id == subscription_id)
    ).one_or_none()
    if row is None:
        raise NotFound("subscription", subscription_id)
    return SubscriptionInfo.from_row(row)


def listing(
    conn: Connection, account_id: int | None, state: SubscriptionState | None
) -> tuple[SubscriptionInfo, ...]:
    query = select(subscriptions).order_by(subscriptions.c.id)
    if account_id is not None:
        query = query.where(subscriptions.c.account_id == account_id)
    if state is not None:
        query = query.where(subscriptions.c.state == state.value)
    return tuple(SubscriptionInfo.from_row(row) for row in conn.execute(query))


def due(conn: Connection, now: dt.datetime, billing: Billing) -> tuple[int, ...]:
    """The active subscriptions whose period has ended, with the given billing."""
    return tuple(
        conn.execute(
            select(subscriptions.c.id)
            .where(
                subscriptions.c.state == SubscriptionState.ACTIVE.value,
                subscriptions.c.billing == billing.value,
                subscriptions.c.period_end <= now,
            )
            .order_by(subscriptions.c.id)
        ).scalars()
    )


def start(
    ctx: WriteContext,
    authorize: Authorize,
    template_id: int,
    account_id: int,
    member_id: int | None,
    billing: Billing,
    *,
    started_at: dt.datetime,
    sold_pass_id: int | None = None,
    sold_until: dt.datetime | None = None,
    payment_id: int | None = None,
) -> PlanPeriodResult:
    """Record a subscription in its first period. A studio-billed plan's first pass was sold
    already (``sold_pass_id``, lasting ``sold_until``); an externally billed one gets its first
    pass here."""
    authorize(ctx, "subscribe", Target("account", account_id, account_id))
    template = check_plan(ctx.conn, template_id, account_id, member_id)
    period_start, period_end = period_bounds(template, started_at, 1)
    if sold_until is not None:
        period_end = sold_until
    if sold_pass_id is None:
        pass_id = _grant_period(ctx, template, account_id, member_id, (period_start, period_end), 1)
    else:
        pass_id = sold_pass_id
    subscription_id = inserted_id(
        ctx.conn.execute(
            insert(subscriptions).values(
                account_id=account_id,
                member_id=member_id,
                template_id=template_id,
                billing=billing.value,
                state=SubscriptionState.ACTIVE.value,
                started_at=started_at,
                period_number=1,
                period_start=period_start,
                period_end=period_end,
                current_pass_id=pass_id,
                created_at=ctx.now,
            )
        )
    )
    result = PlanPeriodResult(
        subscription_id=subscription_id,
        account_id=account_id,
        member_id=member_id,
        template_id=template_id,
        period_number=1,
        period_start=period_start,
        period_end=period_end,
        pass_id=pass_id,
        previous_pass_id=None,
        quantity=template.quantity,
        rolled_over=0,
        expired=0,
        renewed=True,
        payment_id=payment_id,
        operation_id=ctx.operation_id,
        created_at=ctx.now,
    )
    ctx.enqueue("sessionpacks_renewed", result)
    return result


def lock(conn: Connection, subscription_id: int) -> Row[Any]:
    row = conn.execute(
        select(subscriptions).where(subscriptions.c.id == subscription_id).with_for_update()
    ).one_or_none()
    if row is None:
        raise NotFound("subscription", subscription_id)
    return row


def renew(
    ctx: WriteContext,
    authorize: Authorize,
    subscription_id: int,
    *,
    period_paid_until: dt.datetime | None,
    number: int | None = None,
    sold_pass_id: int | None = None,
    payment_id: int | None = None,
) -> PlanPeriodResult:
    """Begin the next period: close the current pass (rollover or expiry) and open the new one.

    ``number`` (the sweep's) names the period a sale was made for; a subscription already in it
    is left as it is. ``period_paid_until`` (the host's billing) does the same by date.
    """
    sub = lock(ctx.conn, subscription_id)
    authorize(ctx, "renew", Target("account", sub.account_id, sub.account_id))
    template = templates.get(ctx.conn, sub.template_id)
    already = (number is not None and sub.period_number >= number) or (
        period_paid_until is not None and sub.period_end >= period_paid_until
    )
    if already:
        return _unchanged(ctx, sub)
    if sub.state != SubscriptionState.ACTIVE.value:
        raise InvalidState(f"subscription {subscription_id} is {sub.state} and cannot be renewed")
    if sold_pass_id is None and sub.billing == Billing.STUDIO.value:
        # A renewal without a sale would give a studio-billed period away.
        raise InvalidState(
            f"subscription {subscription_id} is billed by the studio: renew_due charges and"
            " renews it; renew_plan is for plans the host bills itself"
        )
    if sub.period_end > ctx.now:
        raise InvalidState(
            f"subscription {subscription_id} is in period {sub.period_number}, which runs until"
            f" {sub.period_end}; renew it at or after the period's end"
        )
    if number is None:
        number = next_period(template, sub, ctx.now)
    period_start, period_end = period_bounds(template, sub.started_at, number)
    if sold_pass_id is None:
        pass_id = _grant_period(
            ctx, template, sub.account_id, sub.member_id, (period_start, period_end), number
        )
    else:
        pass_id = sold_pass_id
    rolled_over, expired = _close_period(ctx, authorize, template, sub.current_pass_id, pass_id)
    ctx.conn.execute(
        update(subscriptions)
        .where(subscriptions.c.id == subscription_id)
        .values(
            period_number=number,
            period_start=period_start,
            period_end=period_end,
            current_pass_id=pass_id,
        )
    )
    result = PlanPeriodResult(
        subscription_id=subscription_id,
        account_id=sub.account_id,
        member_id=sub.member_id,
        template_id=sub.template_id,
        period_number=number,
        period_start=period_start,
        period_end=period_end,
        pass_id=pass_id,
        previous_pass_id=sub.current_pass_id,
        quantity=template.quantity,
        rolled_over=rolled_over,
        expired=expired,
        renewed=True,
        payment_id=payment_id,
        operation_id=ctx.operation_id,
        created_at=ctx.now,
    )
    ctx.enqueue("sessionpacks_renewed", result)
    return result


def cancel(ctx: WriteContext, authorize: Authorize, subscription_id: int) -> SubscriptionInfo:
    """End a subscription: no more periods. The current period's pass keeps its credits until
    the period ends, when it expires like any pass."""
    sub = lock(ctx.conn, subscription_id)
    authorize(ctx, "cancel_subscription", Target("account", sub.account_id, sub.account_id))
    if sub.state == SubscriptionState.CANCELLED.value:
        raise InvalidState(
            f"subscription {subscription_id} was already cancelled at {sub.cancelled_at}"
        )
    ctx.conn.execute(
        update(subscriptions)
        .where(subscriptions.c.id == subscription_id)
        .values(state=SubscriptionState.CANCELLED.value, cancelled_at=ctx.now)
    )
    return get(ctx.conn, subscription_id)


def _unchanged(ctx: WriteContext, sub: Row[Any]) -> PlanPeriodResult:
    current = lock_pass(ctx.conn, sub.current_pass_id)
    return PlanPeriodResult(
        subscription_id=sub.id,
        account_id=sub.account_id,
        member_id=sub.member_id,
        template_id=sub.template_id,
        period_number=sub.period_number,
        period_start=sub.period_start,
        period_end=sub.period_end,
        pass_id=sub.current_pass_id,
        previous_pass_id=None,
        quantity=current.initial_quantity,
        rolled_over=0,
        expired=0,
        renewed=False,
        payment_id=None,
        operation_id=ctx.operation_id,
        created_at=ctx.now,
    )


def _grant_period(
    ctx: WriteContext,
    template: templates.TemplateInfo,
    account_id: int,
    member_id: int | None,
    period: tuple[dt.datetime, dt.datetime],
    number: int,
) -> int:
    terms = templates.pass_terms(template, ctx.now, source=Source.RENEWAL)
    # The pass says when its period began, as a sold period's pass does.
    terms = attrs.evolve(terms, starts_at=period[0], expires_at=period[1])
    granted = granting.grant(
        ctx,
        account_id,
        member_id,
        granting.check_terms(terms),
        f"plan period {number}: {template.name}",
    )
    return granted.pass_id


def _close_period(
    ctx: WriteContext,
    authorize: Authorize,
    template: templates.TemplateInfo,
    old_pass_id: int,
    new_pass_id: int,
) -> tuple[int, int]:
    """Roll the old pass's unused credits into the new pass up to the cap and expire the rest.
    Returns (rolled over, expired)."""
    old = lock_pass(ctx.conn, old_pass_id)
    swept = 0
    if old.state == PassState.EXPIRED.value:
        # The expiry sweep closed the period first: what it forfeited is what is left.
        unused, swept = _last_forfeit(ctx.conn, old_pass_id)
    elif old.state in (PassState.ACTIVE.value, PassState.PENDING.value, PassState.EXHAUSTED.value):
        unused = old.remaining
    else:
        return 0, 0  # voided, refunded or suspended: staff decided this pass's fate
    moved = 0
    if template.rollover:
        moved = unused if template.rollover_cap is None else min(unused, template.rollover_cap)
    if moved:
        if old.state == PassState.EXPIRED.value:
            # Take back the units that roll over from the sweep's expiry, with their share of
            # the value it counted as breakage: they were not lost.
            kept = units_value(swept, unused, moved)
            append_entry(
                ctx,
                old,
                EntryKind.ADJUST,
                moved,
                reason=f"rollover: {moved} of the units expired at period end kept for the next",
                value=EntryValue(kept, -kept),
            )
            old = lock_pass(ctx.conn, old_pass_id)
        # A move, not revenue: the units take their paid value with them to the new pass.
        carried = units_value(old.value_left_minor, old.remaining, moved)
        append_entry(
            ctx,
            old,
            EntryKind.ADJUST,
            -moved,
            reason=f"rollover: {moved} moved into pass {new_pass_id}",
            value=EntryValue(-carried, None),
        )
        new = lock_pass(ctx.conn, new_pass_id)
        append_entry(
            ctx,
            new,
            EntryKind.ADJUST,
            moved,
            state=PassState.ACTIVE if new.state == PassState.EXHAUSTED.value else None,
            reason=f"rollover: {moved} moved from pass {old_pass_id}",
            value=EntryValue(carried, None),
        )
    if old.state == PassState.EXPIRED.value:
        return moved, unused - moved
    lifecycle.expire(ctx, authorize, old_pass_id)
    return moved, unused - moved


def _last_forfeit(conn: Connection, pass_id: int) -> tuple[int, int]:
    """The units the pass's last expiry forfeited and the value it took with them."""
    row = conn.execute(
        select(entries.c.delta, entries.c.value_change_minor)
        .where(entries.c.pass_id == pass_id, entries.c.kind == EntryKind.EXPIRE.value)
        .order_by(entries.c.created_at.desc(), entries.c.id.desc())
        .limit(1)
    ).one_or_none()
    if row is None:
        return 0, 0
    return -int(row.delta), -int(row.value_change_minor)
