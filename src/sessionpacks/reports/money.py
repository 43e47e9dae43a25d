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

from sessionpacks.enums import EntryKind
from sessionpacks.ledger import entries, passes
from sessionpacks.models import Template, table
from sessionpacks.reports import periods
from sessionpacks.reports.tables import Table, moment, money, rows

templates = table(Template)

_USED = (EntryKind.REDEEM.value, EntryKind.REVERSE.value)


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


def liability(conn: Connection, as_of: dt.datetime) -> LiabilityReport:
    """The paid value of unused units at ``as_of``, by template and currency: the sum of the
    value changes of every entry up to it."""
    query = (
        select(
            passes.c.template_id,
            templates.c.name,
            passes.c.cost_currency,
            func.sum(entries.c.delta),
            func.sum(entries.c.value_change_minor),
        )
        .select_from(entries)
        .join(passes, passes.c.id == entries.c.pass_id)
        .outerjoin(templates, templates.c.id == passes.c.template_id)
        .where(entries.c.created_at <= as_of, passes.c.cost_currency.is_not(None))
        .group_by(passes.c.template_id, templates.c.name, passes.c.cost_currency)
    )
    lines = [
        LiabilityLine(
            template_id=template_id,
            template=name or "granted without a template",
            currency=currency,
            units=int(units),
            value_minor=int(value),
        )
        for template_id, name, currency, units, value in conn.execute(query)
        if int(value) or int(units)
    ]
    lines.sort(key=lambda line: (line.currency, line.template))
    return LiabilityReport(as_of=as_of, lines=tuple(lines))


def revenue(conn: Connection, start: dt.datetime, end: dt.datetime) -> RevenueReport:
    """A period's sales, revenue recognised, refunds and the deferred revenue at both ends, by
    template and currency, in one pass over the entries up to ``end``."""
    in_period = entries.c.created_at > start
    change = entries.c.value_change_minor
    recognised = entries.c.value_minor
    valued = recognised.is_not(None)

    def summed(condition: sa.ColumnElement[bool], amount: sa.ColumnElement[Any]) -> Any:
        return func.coalesce(func.sum(case((condition, amount), else_=0)), 0)

    kind = entries.c.kind
    query = (
        select(
            passes.c.template_id,
            templates.c.name,
            passes.c.cost_currency,
            summed(entries.c.created_at <= start, change),
            summed(in_period & (kind == EntryKind.GRANT.value), change),
            summed(in_period & kind.in_(_USED) & valued, recognised),
            summed(in_period & kind.not_in((*_USED, EntryKind.REFUND.value)) & valued, recognised),
            summed(in_period & (kind == EntryKind.REFUND.value) & valued, recognised),
            summed(in_period & (kind != EntryKind.GRANT.value) & valued, -change - recognised),
            summed(in_period & (kind != EntryKind.GRANT.value) & recognised.is_(None), change),
            func.sum(change),
        )
        .select_from(entries)
        .join(passes, passes.c.id == entries.c.pass_id)
        .outerjoin(templates, templates.c.id == passes.c.template_id)
        .where(entries.c.created_at <= end, passes.c.cost_currency.is_not(None))
        .group_by(passes.c.template_id, templates.c.name, passes.c.cost_currency)
    )
    lines = [
        RevenueLine(
            template_id=row[0],
            template=row[1] or "granted without a template",
            currency=row[2],
            **{name: int(value) for name, value in zip(_AMOUNTS, _ordered(row[3:]), strict=True)},
        )
        for row in conn.execute(query)
    ]
    lines = [line for line in lines if any(getattr(line, name) for name in _AMOUNTS)]
    lines.sort(key=lambda line: (line.currency, line.template))
    return RevenueReport(start=start, end=end, lines=tuple(lines))


def _ordered(values: Any) -> tuple[Any, ...]:
    """The query's sums in :data:`_AMOUNTS` order."""
    start, sales, used, forfeited, kept, refunded, moved, end = values
    return (start, sales, used, forfeited, kept, refunded, moved, end)


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
    """Sales, revenue and liability per week or month: the period's entries grouped by their
    week or month in the database, the liability carried forward from what was deferred at
    ``start``."""
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
    opening: dict[str, int] = defaultdict(int, liability(conn, start).totals())
    points = []
    for label, currency, sales, earned, refunded, net in conn.execute(query):
        opening[currency] += int(net)
        points.append(
            MoneyPoint(
                period_start=str(label),
                currency=currency,
                sales=int(sales),
                recognised=int(earned),
                refunded=int(refunded),
                deferred_at_end=opening[currency],
            )
        )
    return MoneyOverTime(start=start, end=end, step=step, points=tuple(points))
