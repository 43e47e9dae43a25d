"""The office's report charts: what each one plots, made from the core's reports and drawn by
:mod:`sessionpacks.web.charts`. Nothing here imports Flask, so another integration can show
the same charts."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import attrs

from sessionpacks.reports import AttendanceReport, MoneyOverTime, MoneyPoint, PassListReport
from sessionpacks.reports.tables import money
from sessionpacks.web import i18n
from sessionpacks.web.charts import Bar, Series, bar_chart, line_chart
from sessionpacks.web.i18n import gettext, ngettext
from sessionpacks.web.report_tables import column

# More weeks than this are too many bars to read; the chart then shows only weeks with passes.
_MOST_WEEKS = 26


@attrs.frozen
class Chart:
    """An SVG chart, its title, and the table of the figures it draws, shown beside it."""

    title: str
    svg: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def expiring_by_week(report: PassListReport, zone: dt.tzinfo) -> Chart:
    """Passes expiring in each week (from Monday, in the studio's zone)."""
    weeks: Counter[dt.date] = Counter()
    for held in report.passes:
        if held.expires_at is not None:
            weeks[_monday(held.expires_at.astimezone(zone).date())] += 1
    if weeks:
        first, last = min(weeks), max(weeks)
        span = (last - first).days // 7 + 1
        if span <= _MOST_WEEKS:
            for n in range(span):
                weeks[first + dt.timedelta(weeks=n)] += 0
    ordered = sorted(weeks.items())
    bars = [
        Bar(gettext("week of %(day)s", day=f"{week:%Y-%m-%d}"), count, _passes(count))
        for week, count in ordered
    ]
    title = gettext("Passes expiring by week")
    svg = bar_chart(
        title,
        gettext(
            "Horizontal bars, one per week starting on Monday, each labelled with the number of"
            " passes that expire in it."
        ),
        bars,
    )
    rows = tuple((f"{week:%Y-%m-%d}", str(count)) for week, count in ordered)
    return Chart(title, svg, (column("week of"), gettext("passes expiring")), rows)


def attendance_by_service(report: AttendanceReport) -> Chart:
    bars = [Bar(s.service, s.redemptions, str(s.redemptions)) for s in report.by_service]
    title = gettext("Attendance by service")
    svg = bar_chart(
        title,
        gettext(
            "Horizontal bars, one per service, each labelled with the number of visits paid with"
            " credits in the period."
        ),
        bars,
    )
    columns = (column("service"), column("visits"))
    return Chart(title, svg, columns, tuple((b.label, b.shown) for b in bars))


def money_charts(report: MoneyOverTime, *, liability_only: bool = False) -> list[Chart]:
    """Per currency: the unused paid credits (liability) at the end of each week or month and,
    unless ``liability_only``, the sales and revenue recognised in it."""
    by_currency: dict[str, list[MoneyPoint]] = defaultdict(list)
    for point in report.points:
        by_currency[point.currency].append(point)
    charts = []
    for currency, points in sorted(by_currency.items()):
        labels = [p.period_start for p in points]
        charts.append(
            _liability_chart(currency, report.step, labels, [p.deferred_at_end for p in points])
        )
        if not liability_only:
            sold, earned = [p.sales for p in points], [p.recognised for p in points]
            charts.append(_revenue_chart(currency, report.step, labels, sold, earned))
    return charts


def _from(step: str) -> str:
    """The column of the periods' first days: "month from"."""
    return gettext("week from") if step == "week" else gettext("month from")


def _liability_chart(currency: str, step: str, labels: list[str], held: list[int]) -> Chart:
    title = gettext("Unused paid credits (liability) in %(currency)s", currency=currency)
    if step == "week":
        description = gettext(
            "A line of the value of paid credits not yet used, in %(currency)s, at the end of"
            " each week.",
            currency=currency,
        )
    else:
        description = gettext(
            "A line of the value of paid credits not yet used, in %(currency)s, at the end of"
            " each month.",
            currency=currency,
        )
    svg = line_chart(
        title,
        description,
        labels,
        [Series(column("liability"), tuple(_major(v, currency) for v in held))],
    )
    rows = tuple((label, _figure(v, currency)) for label, v in zip(labels, held, strict=True))
    at_end = gettext("liability at its end (%(currency)s)", currency=currency)
    return Chart(title, svg, (_from(step), at_end), rows)


def _revenue_chart(
    currency: str, step: str, labels: list[str], sold: list[int], earned: list[int]
) -> Chart:
    title = gettext("Sales and revenue recognised in %(currency)s", currency=currency)
    if step == "week":
        description = gettext(
            "Two lines per week: sales (solid, round markers) and revenue recognised (dashed,"
            " square markers), in %(currency)s.",
            currency=currency,
        )
    else:
        description = gettext(
            "Two lines per month: sales (solid, round markers) and revenue recognised (dashed,"
            " square markers), in %(currency)s.",
            currency=currency,
        )
    svg = line_chart(
        title,
        description,
        labels,
        [
            Series(column("sales"), tuple(_major(v, currency) for v in sold)),
            Series(column("recognised"), tuple(_major(v, currency) for v in earned)),
        ],
    )
    rows = tuple(
        (label, _figure(s, currency), _figure(e, currency))
        for label, s, e in zip(labels, sold, earned, strict=True)
    )
    columns = (
        _from(step),
        gettext("sales (%(currency)s)", currency=currency),
        gettext("recognised (%(currency)s)", currency=currency),
    )
    return Chart(title, svg, columns, rows)


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _major(minor: int, currency: str) -> float:
    return float(money(minor, currency))


def _figure(minor: int, currency: str) -> str:
    """An amount in the studio's language without its currency code (its column names it)."""
    return i18n.money(minor, currency).rsplit(" ", 1)[0]


def _passes(count: int) -> str:
    return ngettext("%(num)d pass", "%(num)d passes", count)
