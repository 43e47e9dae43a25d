"""Balances, history and verification, now or as of any past moment.

A current balance is the pass's cached ``remaining``; a past one is the ``balance_after`` of the
pass's last entry at or before that moment, found through the (pass_id, created_at, id) index.
Neither gets slower as the ledger grows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.engine import Connection, Row

from sessionpacks.directory import get_account, get_member
from sessionpacks.enums import Channel, EntryKind, Metric, PassState, Source
from sessionpacks.errors import NotFound
from sessionpacks.ledger import entries, passes
from sessionpacks.models import Operation, Redemption, table
from sessionpacks.selection import state_at
from sessionpacks.values import Balance, HistoryEntry, PassBalance, VerifyProblem

_operations = table(Operation)
_redemptions = table(Redemption)

# What the last entry as of a moment says about the pass's state then.
STATE_AFTER = {
    EntryKind.VOID.value: PassState.VOIDED,
    EntryKind.EXPIRE.value: PassState.EXPIRED,
    EntryKind.REFUND.value: PassState.REFUNDED,
}


def last_entry_id(as_of: dt.datetime) -> sa.ScalarSelect[int]:
    inner = entries.alias("last_entry")
    return (
        select(inner.c.id)
        .where(inner.c.pass_id == passes.c.id, inner.c.created_at <= as_of)
        .order_by(inner.c.created_at.desc(), inner.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def pass_balances(
    conn: Connection,
    criteria: sa.ColumnElement[bool],
    now: dt.datetime,
    as_of: dt.datetime | None,
    include_voided: bool,
) -> tuple[PassBalance, ...]:
    if as_of is None or as_of >= now:
        rows = conn.execute(select(passes).where(criteria).order_by(passes.c.id)).all()
        balances = [
            _balance(
                row,
                row.remaining,
                state_at(PassState(row.state), row.starts_at, row.expires_at, now),
                now,
            )
            for row in rows
        ]
    else:
        last = entries.alias("entry_then")
        rows = conn.execute(
            select(passes, last.c.balance_after, last.c.kind.label("last_kind"))
            .select_from(passes)
            .join(last, last.c.id == last_entry_id(as_of))
            .where(criteria)
            .order_by(passes.c.id)
        ).all()
        balances = [_balance_then(row, as_of) for row in rows]
    return tuple(b for b in balances if include_voided or b.state is not PassState.VOIDED)


def _balance_then(row: Row[Any], as_of: dt.datetime) -> PassBalance:
    state = STATE_AFTER.get(row.last_kind)
    if state is None:
        open_state = PassState.ACTIVE if row.balance_after else PassState.EXHAUSTED
        state = state_at(open_state, row.starts_at, row.expires_at, as_of)
    return _balance(row, row.balance_after, state, as_of)


def _balance(
    row: Row[Any],
    remaining: int,
    state: PassState,
    as_of: dt.datetime,
) -> PassBalance:
    return PassBalance(
        pass_id=row.id,
        account_id=row.account_id,
        member_id=row.member_id,
        label=row.label,
        metric=Metric(row.metric),
        currency=row.currency,
        initial_quantity=row.initial_quantity,
        remaining=remaining,
        state=state,
        starts_at=row.starts_at,
        expires_at=row.expires_at,
        as_of=as_of,
        source=Source(row.source),
        cost_basis_minor=row.cost_basis_minor,
        cost_currency=row.cost_currency,
    )


def pass_balance(
    conn: Connection, pass_id: int, now: dt.datetime, as_of: dt.datetime | None
) -> PassBalance:
    found = pass_balances(conn, passes.c.id == pass_id, now, as_of, include_voided=True)
    if not found:
        raise NotFound("pass" if as_of is None else f"pass as of {as_of}", pass_id)
    return found[0]


def account_passes(
    conn: Connection,
    account_id: int,
    now: dt.datetime,
    as_of: dt.datetime | None,
    include_voided: bool = False,
) -> tuple[PassBalance, ...]:
    get_account(conn, account_id)
    return pass_balances(conn, passes.c.account_id == account_id, now, as_of, include_voided)


def totals(balances: tuple[PassBalance, ...]) -> tuple[Balance, ...]:
    """What can still be spent, per metric and currency: active and not-yet-started passes."""
    sums: dict[tuple[Metric, str | None], int] = defaultdict(int)
    for b in balances:
        if b.state in (PassState.ACTIVE, PassState.PENDING):
            sums[(b.metric, b.currency)] += b.remaining
    return tuple(
        Balance(metric=metric, currency=currency, units=units)
        for (metric, currency), units in sorted(sums.items(), key=lambda kv: str(kv[0]))
    )


def session_number() -> sa.ScalarSelect[Any]:
    """ "Session n" of the ledger entry in the enclosing query (correlated on ``entries`` and
    ``passes``): what the redemptions of the same pass up to this one that were not reversed
    took, counted in sessions on a session pack and one by one otherwise."""
    earlier = entries.alias("earlier")
    earlier_redemption = _redemptions.alias("earlier_redemption")
    taken = case(
        (passes.c.metric == Metric.SESSIONS.value, -earlier.c.delta),
        else_=literal(1),
    )
    return (
        select(func.coalesce(func.sum(taken), 0))
        .select_from(
            earlier.join(earlier_redemption, earlier_redemption.c.id == earlier.c.redemption_id)
        )
        .where(
            earlier.c.pass_id == entries.c.pass_id,
            earlier.c.kind == EntryKind.REDEEM.value,
            earlier.c.id <= entries.c.id,
            earlier_redemption.c.reversed_at.is_(None),
        )
        .scalar_subquery()
    )


def history(
    conn: Connection,
    *,
    account_id: int | None = None,
    member_id: int | None = None,
    pass_id: int | None = None,
    as_of: dt.datetime | None = None,
    limit: int | None = None,
) -> tuple[HistoryEntry, ...]:
    """Ledger entries, newest first, for an account, a member or a pass."""
    criteria: list[sa.ColumnElement[bool]] = []
    if account_id is not None:
        get_account(conn, account_id)
        criteria.append(passes.c.account_id == account_id)
    if member_id is not None:
        member = get_member(conn, member_id)
        criteria.append(
            or_(
                entries.c.member_id == member_id,
                and_(passes.c.member_id == member_id, passes.c.account_id == member.account_id),
            )
        )
    if pass_id is not None:
        criteria.append(entries.c.pass_id == pass_id)
    if as_of is not None:
        criteria.append(entries.c.created_at <= as_of)
    number = session_number()
    query = (
        select(
            entries,
            passes.c.metric,
            passes.c.initial_quantity,
            _operations.c.actor_kind,
            _operations.c.actor_id,
            _operations.c.channel,
            _redemptions.c.service_id,
            _redemptions.c.reversed_at,
            number.label("counted_number"),
        )
        .join(passes, passes.c.id == entries.c.pass_id)
        .join(_operations, _operations.c.id == entries.c.operation_id)
        .outerjoin(_redemptions, _redemptions.c.id == entries.c.redemption_id)
        .where(*criteria)
        .order_by(entries.c.created_at.desc(), entries.c.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    return tuple(_history_entry(row) for row in conn.execute(query))


def _history_entry(row: Row[Any]) -> HistoryEntry:
    counts = row.kind == EntryKind.REDEEM.value and row.reversed_at is None
    return HistoryEntry(
        entry_id=row.id,
        pass_id=row.pass_id,
        kind=EntryKind(row.kind),
        delta=row.delta,
        balance_after=row.balance_after,
        created_at=row.created_at,
        actor_kind=row.actor_kind,
        actor_id=row.actor_id,
        channel=Channel(row.channel),
        reason=row.reason,
        redemption_id=row.redemption_id,
        member_id=row.member_id,
        service_id=row.service_id,
        number=int(row.counted_number) if counts else None,
        of=row.initial_quantity if counts and row.metric == Metric.SESSIONS.value else None,
        value_minor=row.value_minor,
    )


def verify(conn: Connection) -> tuple[VerifyProblem, ...]:
    """Every pass whose cached balance is not the sum of its entries, or whose last entry's
    balance_after disagrees with it, or whose carried value is not the sum of its entries' value
    changes. Set-based: one query, however many passes."""
    sums = (
        select(
            entries.c.pass_id,
            func.sum(entries.c.delta).label("ledger_sum"),
            func.sum(entries.c.value_change_minor).label("value_sum"),
            func.max(entries.c.id).label("last_id"),
        )
        .group_by(entries.c.pass_id)
        .subquery()
    )
    last = entries.alias("last")
    rows = conn.execute(
        select(
            passes.c.id,
            passes.c.remaining,
            passes.c.value_left_minor,
            sums.c.ledger_sum,
            sums.c.value_sum,
            last.c.balance_after,
        )
        .outerjoin(sums, sums.c.pass_id == passes.c.id)
        .outerjoin(last, last.c.id == sums.c.last_id)
        .where(
            or_(
                sums.c.ledger_sum.is_(None),
                sums.c.ledger_sum != passes.c.remaining,
                last.c.balance_after != passes.c.remaining,
                sums.c.value_sum != passes.c.value_left_minor,
            )
        )
        .order_by(passes.c.id)
    ).all()
    return tuple(
        VerifyProblem(
            pass_id=row.id,
            cached=row.remaining,
            ledger_sum=int(row.ledger_sum or 0),
            last_balance_after=row.balance_after,
            value_left_minor=row.value_left_minor,
            ledger_value_minor=int(row.value_sum or 0),
        )
        for row in rows
    )
