"""Who holds what: pass holders, passes expiring soon, running low, never used, suspended.

Each list is one query over the passes, as of now or of a past moment; a past balance is the
``balance_after`` of the pass's last entry at or before it (as in :mod:`sessionpacks.reading`).
A suspension writes no entry, so a past list shows a pass as suspended when it is suspended now
and was since before that moment.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy import exists, func, or_, select
from sqlalchemy.engine import Connection

from sessionpacks.enums import EntryKind, Metric, PassState
from sessionpacks.ledger import entries, passes
from sessionpacks.models import Account, Member, PassApplicability, Service, Template, table
from sessionpacks.reading import STATE_AFTER, last_entry_id
from sessionpacks.reports.periods import selective
from sessionpacks.reports.tables import Table, day, money, rows
from sessionpacks.selection import state_at
from sessionpacks.units import format_units

accounts = table(Account)
members = table(Member)
services = table(Service)
templates = table(Template)
applicability = table(PassApplicability)


class PassList(str, enum.Enum):
    """The lists of passes a studio asks for."""

    HOLDERS = "holders"
    EXPIRING = "expiring"
    LOW_BALANCE = "low-balance"
    UNUSED = "unused"
    SUSPENDED = "suspended"


_TITLES = {
    PassList.HOLDERS: "Pass holders",
    PassList.EXPIRING: "Passes expiring",
    PassList.LOW_BALANCE: "Passes running low",
    PassList.UNUSED: "Passes sold and never used",
    PassList.SUSPENDED: "Suspended passes",
}

# Passes that still hold something for someone.
HELD = (PassState.ACTIVE, PassState.PENDING, PassState.SUSPENDED, PassState.EXHAUSTED)


@attrs.frozen
class HeldPass:
    """One pass in a list, as staff read it: who holds it, what it is, what it holds."""

    pass_id: int
    account_id: int
    account_ref: str
    account_name: str
    member_name: str | None
    template: str | None
    label: str
    state: PassState
    metric: Metric
    currency: str | None
    remaining: int
    initial_quantity: int
    expires_at: dt.datetime | None
    value_left_minor: int
    cost_currency: str | None


@attrs.frozen
class PassListReport:
    """A list of passes as of a moment, with what selected them."""

    list: PassList
    as_of: dt.datetime
    criteria: str
    passes: tuple[HeldPass, ...]

    def table(self) -> Table:
        return Table(
            f"{_TITLES[self.list]} ({self.criteria}) as of {day(self.as_of)}",
            (
                "account",
                "account ref",
                "member",
                "pass",
                "template",
                "state",
                "left",
                "of",
                "expires",
                "unused paid value",
                "currency",
            ),
            rows(
                *[
                    (
                        p.account_name,
                        p.account_ref,
                        p.member_name or "everyone on the account",
                        p.label,
                        p.template,
                        p.state.value.replace("_", " "),
                        format_units(p.remaining, p.metric, p.currency),
                        format_units(p.initial_quantity, p.metric, p.currency),
                        day(p.expires_at),
                        money(p.value_left_minor, p.cost_currency),
                        p.cost_currency,
                    )
                    for p in self.passes
                ]
            ),
        )


@attrs.frozen
class ListFilter:
    """What narrows a list: a template, a service the pass can pay for, states, and the
    list's own threshold (days ahead for expiring, sessions left for low balance)."""

    template_id: int | None = None
    service_id: int | None = None
    states: tuple[PassState, ...] = HELD
    within_days: int = 30
    sessions_left: int = 1


def pass_list(
    conn: Connection,
    which: PassList,
    now: dt.datetime,
    as_of: dt.datetime | None,
    given: ListFilter,
) -> PassListReport:
    moment = now if as_of is None or as_of >= now else as_of
    past = moment < now
    last = entries.alias("entry_then")
    if past:
        balance: sa.ColumnElement[Any] = last.c.balance_after
        value: sa.ColumnElement[Any] = (
            select(func.coalesce(func.sum(entries.c.value_change_minor), 0))
            .where(entries.c.pass_id == passes.c.id, entries.c.created_at <= moment)
            .scalar_subquery()
        )
    else:
        balance, value = passes.c.remaining, passes.c.value_left_minor
    query = (
        select(
            passes,
            balance.label("balance"),
            value.label("value_then"),
            (last.c.kind if past else sa.null()).label("last_kind"),
            accounts.c.ref.label("account_ref"),
            accounts.c.name.label("account_name"),
            members.c.name.label("member_name"),
            templates.c.name.label("template_name"),
        )
        .select_from(passes.join(last, last.c.id == last_entry_id(moment)) if past else passes)
        .join(accounts, accounts.c.id == passes.c.account_id)
        .outerjoin(members, members.c.id == passes.c.member_id)
        .outerjoin(templates, templates.c.id == passes.c.template_id)
        .where(passes.c.created_at <= moment, *_criteria(which, given, balance, moment, past))
        # Now, the stored state narrows the passes through its index; a past state is worked
        # out from the entries, so a past list reads every pass made by then.
        .where(
            selective(passes.c.state.in_(_stored(which, given)), conn) if not past else sa.true()
        )
        .order_by(accounts.c.name, passes.c.id)
    )
    found = []
    for row in conn.execute(query):
        state = _state_then(row, moment, past)
        if which is PassList.HOLDERS and state not in given.states:
            continue
        if which is PassList.SUSPENDED and state is not PassState.SUSPENDED:
            continue
        if which in (PassList.EXPIRING, PassList.LOW_BALANCE, PassList.UNUSED) and (
            state not in _OPEN
        ):
            continue
        found.append(
            HeldPass(
                pass_id=row.id,
                account_id=row.account_id,
                account_ref=row.account_ref,
                account_name=row.account_name,
                member_name=row.member_name,
                template=row.template_name,
                label=row.label,
                state=state,
                metric=Metric(row.metric),
                currency=row.currency,
                remaining=int(row.balance),
                initial_quantity=row.initial_quantity,
                expires_at=row.expires_at,
                value_left_minor=int(row.value_then),
                cost_currency=row.cost_currency,
            )
        )
    return PassListReport(which, moment, _describe(which, given), tuple(found))


# The stored states a pass may be in to show in a state now: a pass stored active or pending
# whose expiry has passed is expired until the sweep records it.
_STORED_AS = {
    PassState.ACTIVE: (PassState.ACTIVE, PassState.PENDING),
    PassState.EXPIRED: (PassState.EXPIRED, PassState.ACTIVE, PassState.PENDING),
}
_OPEN = (PassState.ACTIVE, PassState.PENDING, PassState.SUSPENDED)


def _stored(which: PassList, given: ListFilter) -> list[str]:
    if which is PassList.HOLDERS:
        wanted = {stored for s in given.states for stored in _STORED_AS.get(s, (s,))}
    elif which is PassList.SUSPENDED:
        wanted = {PassState.SUSPENDED}
    else:
        wanted = set(_OPEN)
    return sorted(s.value for s in wanted)


def _state_then(row: Any, moment: dt.datetime, past: bool) -> PassState:
    if not past:
        return state_at(PassState(row.state), row.starts_at, row.expires_at, moment)
    ended = STATE_AFTER.get(row.last_kind)
    if ended is not None:
        return ended
    if row.state == PassState.SUSPENDED.value and row.suspended_at <= moment:
        return PassState.SUSPENDED
    open_state = PassState.ACTIVE if row.balance else PassState.EXHAUSTED
    return state_at(open_state, row.starts_at, row.expires_at, moment)


def _criteria(
    which: PassList,
    given: ListFilter,
    balance: sa.ColumnElement[Any],
    moment: dt.datetime,
    past: bool,
) -> list[sa.ColumnElement[bool]]:
    found: list[sa.ColumnElement[bool]] = []
    if given.template_id is not None:
        found.append(passes.c.template_id == given.template_id)
    if given.service_id is not None:
        found.append(_pays_for(given.service_id))
    if which is PassList.EXPIRING:
        found += [
            balance > 0,
            passes.c.expires_at > moment,
            passes.c.expires_at <= moment + dt.timedelta(days=given.within_days),
        ]
    elif which is PassList.LOW_BALANCE:
        cost = _session_cost()
        found += [balance > 0, cost.is_not(None), balance < (given.sessions_left + 1) * cost]
    elif which is PassList.UNUSED:
        # Paid for, and no redemption of it counts (a reversed one was undone).
        found.append(passes.c.cost_basis_minor > 0)
        if past:
            undone = entries.alias("undone")
            found.append(
                ~exists().where(
                    entries.c.pass_id == passes.c.id,
                    entries.c.kind == EntryKind.REDEEM.value,
                    entries.c.created_at <= moment,
                    ~exists().where(
                        undone.c.pass_id == passes.c.id,
                        undone.c.redemption_id == entries.c.redemption_id,
                        undone.c.kind == EntryKind.REVERSE.value,
                        undone.c.created_at <= moment,
                    ),
                )
            )
        else:
            found.append(passes.c.redeemed_count == 0)
    elif which is PassList.SUSPENDED:
        found.append(passes.c.state == PassState.SUSPENDED.value)
    return found


def _pays_for(service_id: int) -> sa.ColumnElement[bool]:
    """The pass can pay for the service: it pays for every service, or names it or its
    category."""
    service = services.alias("wanted")
    return or_(
        passes.c.all_services.is_(True),
        exists()
        .select_from(applicability.join(service, service.c.id == service_id))
        .where(
            applicability.c.pass_id == passes.c.id,
            or_(
                applicability.c.service_id == service.c.id,
                applicability.c.category == service.c.category,
            ),
        ),
    )


def _session_cost() -> sa.ColumnElement[Any]:
    """What one more session costs the pass, in its own units, so "low" means the same for
    every metric: a session of a session pack; the pass's rate (its first rate before any use)
    on a money pack, else the cheapest service it pays for; the shortest service it pays for on
    a minutes pack."""
    pays = or_(
        passes.c.all_services.is_(True),
        exists().where(
            applicability.c.pass_id == passes.c.id,
            or_(
                applicability.c.service_id == services.c.id,
                applicability.c.category == services.c.category,
            ),
        ),
    )
    shortest = select(func.min(services.c.duration_minutes)).where(pays).scalar_subquery()
    cheapest = (
        select(func.min(services.c.price_minor))
        .where(pays, services.c.currency == passes.c.currency)
        .scalar_subquery()
    )
    rate = sa.case(
        (
            passes.c.redeemed_count == 0,
            func.coalesce(passes.c.first_rate_minor, passes.c.subsequent_rate_minor),
        ),
        else_=func.coalesce(passes.c.subsequent_rate_minor, passes.c.first_rate_minor),
    )
    return sa.case(
        (passes.c.metric == Metric.SESSIONS.value, sa.literal(1)),
        (passes.c.metric == Metric.MONEY.value, func.coalesce(rate, cheapest)),
        else_=shortest,
    )


def _describe(which: PassList, given: ListFilter) -> str:
    parts = []
    if which is PassList.EXPIRING:
        parts.append(f"within {given.within_days} days")
    if which is PassList.LOW_BALANCE:
        parts.append(
            f"{given.sessions_left} session{'s' if given.sessions_left != 1 else ''} left or fewer"
        )
    if which is PassList.HOLDERS:
        parts.append(", ".join(s.value for s in given.states))
    if given.template_id is not None:
        parts.append("one template")
    if given.service_id is not None:
        parts.append("for one service")
    return "; ".join(parts) or "all"
