"""Liability and revenue: what the studio owes in unused paid credits, and what it earned.

Every pass carries the paid value of the units it holds, and every entry records what it moved
(``value_change_minor``) and what it recognised as revenue (``value_minor``); see
:mod:`sessionpacks.valuation`. So the unused paid value at any moment (deferred revenue, the
liability) is the sum of the changes up to it, and a period's revenue is a sum over its entries:
one set-based pass over the ledger on every database.

Per entry, what left the pass is either revenue (``value_minor``), a move to another pass (a
rollover: no revenue, ``value_minor`` empty) or money refunded (the rest). Hence, per currency::

    deferred at start + sales - recognised - refunded + moved = deferred at end

to the minor unit, where ``moved`` nets to zero over a rollover's two passes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy import and_, case, func, select
from sqlalchemy.engine import Connection

from sessionpacks.enums import EntryKind, PassState
from sessionpacks.ledger import entries, passes
from sessionpacks.models import Template, table
from sessionpacks.reports import periods
from sessionpacks.reports.periods import selective
from sessionpacks.reports.tables import Table, moment, money, rows

templates = table(Template)

_USED = (EntryKind.REDEEM.value, EntryKind.REVERSE.value)
# The states in which a pass may hold units and value.
HOLDING = (PassState.ACTIVE.value, PassState.PENDING.value, PassState.SUSPENDED.value)


@attrs.frozen
class LiabilityLine:
    """Unused paid credits of one template (None: passes granted without one) in one currency."""

    template_id: int | None
    template: str
    currency: str
    units: int
    value_minor: int


@attrs.frozen
class LiabilityReport:
    as_of: dt.datetime
    lines: tuple[LiabilityLine, ...]

    def totals(self) -> dict[str, int]:
        total: dict[str, int] = defaultdict(int)
        for line in self.lines:
            total[line.currency] += line.value_minor
        return dict(sorted(total.items()))

    def table(self) -> Table:
        return Table(
            f"Liability as of {moment(self.as_of)} UTC",
            ("template", "currency", "units", "unused paid value"),
            rows(
                *[
                    (
                        line.template,
                        line.currency,
                        line.units,
                        money(line.value_minor, line.currency),
                    )
                    for line in self.lines
                ]
            ),
        )


@attrs.frozen
class RevenueLine:
    """One template's (or all templates', in :meth:`RevenueReport.totals`) money in one
    currency over a period. ``recognised`` = ``used`` + ``forfeited`` + ``kept``."""

    template_id: int | None
    template: str
    currency: str
    deferred_at_start: int
    sales: int
    used: int
    forfeited: int
    kept: int
    refunded: int
    moved: int
    deferred_at_end: int

    @property
    def recognised(self) -> int:
        return self.used + self.forfeited + self.kept

    @property
    def reconciles(self) -> bool:
        """Start + sales - recognised - refunded + moved = end, exactly."""
        flow = self.sales - self.recognised - self.refunded + self.moved
        return self.deferred_at_start + flow == self.deferred_at_end


@attrs.frozen
class RevenueReport:
    """Revenue recognised between ``start`` (excluded) and ``end`` (included): the cost basis
    of units used, plus breakage (units expired, voided or written off), plus what refunds kept;
    reversals and reopened expiries are netted."""

    start: dt.datetime
    end: dt.datetime
    lines: tuple[RevenueLine, ...]

    def totals(self) -> tuple[RevenueLine, ...]:
        """One line per currency, the sum of the templates' lines."""
        summed: dict[str, RevenueLine] = {}
        for line in self.lines:
            before = summed.get(line.currency)
            if before is None:
                summed[line.currency] = attrs.evolve(line, template_id=None, template="all")
                continue
            summed[line.currency] = attrs.evolve(
                before,
                **{name: getattr(before, name) + getattr(line, name) for name in _AMOUNTS},
            )
        return tuple(summed[c] for c in sorted(summed))

    def table(self) -> Table:
        def cells(line: RevenueLine) -> tuple[Any, ...]:
            c = line.currency
            amounts = [
                line.deferred_at_start,
                line.sales,
                line.used,
                line.forfeited,
                line.kept,
                line.recognised,
                line.refunded,
                line.moved,
                line.deferred_at_end,
            ]
            return (line.template, c, *(money(a, c) for a in amounts))

        return Table(
            f"Revenue from {moment(self.start)} to {moment(self.end)} UTC",
            (
                "template",
                "currency",
                "deferred at start",
                "sales",
                "used",
                "expired or written off",
                "kept on refunds",
                "recognised",
                "refunded",
                "rolled over",
                "deferred at end",
            ),
            rows(*[cells(line) for line in (*self.lines, *self.totals())]),
        )


_AMOUNTS = (
    "deferred_at_start",
    "sales",
    "used",
    "forfeited",
    "kept",
    "refunded",
    "moved",
    "deferred_at_end",
)


Group = tuple[int | None, str | None, str]  # template id, template name, currency


def _current(conn: Connection) -> dict[Group, tuple[int, int]]:
    """What the passes hold and carry now, by template and currency: the cached sums of every
    entry. Only a pass that can still be used holds anything (an expiry, a void, a refund takes
    it all, and credits given back to an expired pass expire with it), so the state index
    finds them without reading the passes that ended."""
    query = (
        select(
            passes.c.template_id,
            templates.c.name,
            passes.c.cost_currency,
            func.sum(passes.c.remaining),
            func.sum(passes.c.value_left_minor),
        )
        .select_from(passes)
        .outerjoin(templates, templates.c.id == passes.c.template_id)
        .where(passes.c.cost_currency.is_not(None), selective(passes.c.state.in_(HOLDING), conn))
        .group_by(passes.c.template_id, templates.c.name, passes.c.cost_currency)
    )
    return {(t, n, c): (int(units), int(value)) for t, n, c, units, value in conn.execute(query)}


def _since(conn: Connection, since: dt.datetime, *columns: Any) -> sa.Select[Any]:
    """Sums over the entries after ``since``, by template and currency. A report reads back
    from now to the moment it asks about, through the entries' time index, so its cost follows
    the ledger written since then, not the whole ledger."""
    return (
        select(passes.c.template_id, templates.c.name, passes.c.cost_currency, *columns)
        .select_from(entries)
        .join(passes, passes.c.id == entries.c.pass_id)
        .outerjoin(templates, templates.c.id == passes.c.template_id)
        .where(selective(entries.c.created_at > since, conn), passes.c.cost_currency.is_not(None))
        .group_by(passes.c.template_id, templates.c.name, passes.c.cost_currency)
    )


def _name(name: str | None) -> str:
    return name or "granted without a template"


def liability(conn: Connection, as_of: dt.datetime) -> LiabilityReport:
    """The paid value of unused units at ``as_of``, by template and currency: what the passes
    carry now, less the value changes of the entries made after ``as_of``."""
    held = _current(conn)
    later = conn.execute(
        _since(conn, as_of, func.sum(entries.c.delta), func.sum(entries.c.value_change_minor))
    )
    for template_id, name, currency, units, value in later:
        group = (template_id, name, currency)
        now_units, now_value = held.get(group, (0, 0))
        held[group] = (now_units - int(units), now_value - int(value))
    lines = [
        LiabilityLine(
            template_id=template_id,
            template=_name(name),
            currency=currency,
            units=units,
            value_minor=value,
        )
        for (template_id, name, currency), (units, value) in held.items()
        if value or units
    ]
    lines.sort(key=lambda line: (line.currency, line.template))
    return LiabilityReport(as_of=as_of, lines=tuple(lines))


def revenue(conn: Connection, start: dt.datetime, end: dt.datetime) -> RevenueReport:
    """A period's sales, revenue recognised, refunds and the deferred revenue at both ends, by
    template and currency: the period's entries summed by what they did, and the deferred
    revenue at its ends read back from what the passes carry now."""
    in_period = entries.c.created_at <= end
    change = entries.c.value_change_minor
    recognised = entries.c.value_minor
    valued = recognised.is_not(None)
    kind = entries.c.kind

    def summed(condition: sa.ColumnElement[bool], amount: sa.ColumnElement[Any]) -> Any:
        return func.coalesce(func.sum(case((condition, amount), else_=0)), 0)

    query = _since(
        conn,
        start,
        summed(in_period & (kind == EntryKind.GRANT.value), change),
        summed(in_period & kind.in_(_USED) & valued, recognised),
        summed(in_period & kind.not_in((*_USED, EntryKind.REFUND.value)) & valued, recognised),
        summed(in_period & (kind == EntryKind.REFUND.value) & valued, recognised),
        summed(in_period & (kind != EntryKind.GRANT.value) & valued, -change - recognised),
        summed(in_period & (kind != EntryKind.GRANT.value) & recognised.is_(None), change),
        summed(in_period, change),
        func.sum(change),
    )
    held = {group: value for group, (_, value) in _current(conn).items()}
    flows = {(t, n, c): [int(v) for v in rest] for t, n, c, *rest in conn.execute(query)}
    lines = []
    for group in held.keys() | flows.keys():
        sales, used, forfeited, kept, refunded, moved, net, since_start = flows.get(group, [0] * 8)
        at_start = held.get(group, 0) - since_start
        line = RevenueLine(
            template_id=group[0],
            template=_name(group[1]),
            currency=group[2],
            deferred_at_start=at_start,
            sales=sales,
            used=used,
            forfeited=forfeited,
            kept=kept,
            refunded=refunded,
            moved=moved,
            deferred_at_end=at_start + net,
        )
        if any(getattr(line, name) for name in _AMOUNTS):
            lines.append(line)
    lines.sort(key=lambda line: (line.currency, line.template))
    return RevenueReport(start=start, end=end, lines=tuple(lines))


@attrs.frozen
class MoneyPoint:
    """One week or month: sales and revenue recognised in it, and the liability at its end."""

    period_start: str
    currency: str
    sales: int
    recognised: int
    refunded: int
    deferred_at_end: int


@attrs.frozen
class MoneyOverTime:
    start: dt.datetime
    end: dt.datetime
    step: str
    points: tuple[MoneyPoint, ...]

    def table(self) -> Table:
        return Table(
            f"Money by {self.step} from {moment(self.start)} to {moment(self.end)} UTC",
            (self.step, "currency", "sales", "recognised", "refunded", "deferred at end"),
            rows(
                *[
                    (
                        p.period_start,
                        p.currency,
                        money(p.sales, p.currency),
                        money(p.recognised, p.currency),
                        money(p.refunded, p.currency),
                        money(p.deferred_at_end, p.currency),
                    )
                    for p in self.points
                ]
            ),
        )


def over_time(conn: Connection, start: dt.datetime, end: dt.datetime, step: str) -> MoneyOverTime:
    """Sales, revenue and liability for every week or month of the period: its entries grouped
    by their week or month in the database, the liability carried forward from what was
    deferred at ``start``."""
    period = periods.bucket(entries.c.created_at, conn.dialect.name, step).label("period")
    change = entries.c.value_change_minor
    recognised = entries.c.value_minor
    kind = entries.c.kind
    grant = kind == EntryKind.GRANT.value
    valued = recognised.is_not(None)
    query = (
        select(
            period,
            passes.c.cost_currency,
            func.sum(case((grant, change), else_=0)),
            func.sum(case((valued, recognised), else_=0)),
            func.sum(case((and_(~grant, valued), -change - recognised), else_=0)),
            func.sum(change),
        )
        .select_from(entries)
        .join(passes, passes.c.id == entries.c.pass_id)
        .where(
            entries.c.created_at > start,
            entries.c.created_at <= end,
            passes.c.cost_currency.is_not(None),
        )
        .group_by(period, passes.c.cost_currency)
        .order_by(period, passes.c.cost_currency)
    )
    found = {
        (str(label), currency): (int(sales), int(earned), int(refunded), int(net))
        for label, currency, sales, earned, refunded, net in conn.execute(query)
    }
    # Every week or month of the period, for every currency owed or moved in it: a period
    # without entries sold and earned nothing, and the liability carries on.
    level = {c: v for c, v in liability(conn, start).totals().items() if v}
    for _, currency in found:
        level.setdefault(currency, 0)
    points = []
    for label in periods.starts(start, end, step):
        for currency in sorted(level):
            sales, earned, refunded, net = found.get((label, currency), (0, 0, 0, 0))
            level[currency] += net
            points.append(
                MoneyPoint(
                    period_start=label,
                    currency=currency,
                    sales=sales,
                    recognised=earned,
                    refunded=refunded,
                    deferred_at_end=level[currency],
                )
            )
    return MoneyOverTime(start=start, end=end, step=step, points=tuple(points))
