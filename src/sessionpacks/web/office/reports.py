"""The office's reports: lists of passes, liability, revenue, attendance and sales, each a page
with its table (and charts where they help) and the same table as a CSV download.

Dates are read as whole days in the studio's zone: a period from the 1st to the 31st runs from
the start of the 1st to the end of the 31st. A bad date or number shows the page again with the
error and what was typed (status 400), never a 500.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from sessionpacks.enums import PassState
from sessionpacks.errors import InvalidInput
from sessionpacks.reports import PassListReport, Table
from sessionpacks.reports.holdings import HELD
from sessionpacks.web import forms, report_tables
from sessionpacks.web.helpers import when
from sessionpacks.web.http import Body, Page, Request, not_found
from sessionpacks.web.i18n import N_, gettext
from sessionpacks.web.office import routes
from sessionpacks.web.problems import BadRequest
from sessionpacks.web.report_charts import (
    attendance_by_service,
    expiring_by_week,
    money_charts,
)
from sessionpacks.web.wording import state_word

# The lists' titles: marked here, said in the studio's language where they are shown.
LISTS = {
    "holders": N_("Pass holders"),
    "expiring": N_("Passes expiring soon"),
    "low-balance": N_("Passes running low"),
    "unused": N_("Passes sold and never used"),
    "suspended": N_("Suspended passes"),
}
STEPS = ("month", "week")
# Dates outside these years are typing mistakes (and beyond them a day's end can overflow).
FIRST_YEAR, LAST_YEAR = 1970, 2999
# The liability page's chart looks back a year from its date.
LOOK_BACK = dt.timedelta(days=365)


@attrs.frozen
class Shown:
    """A report ready for its page and its CSV file."""

    title: str
    table: Table
    filename: str
    page: dict[str, Any]
    # The table as the page shows it: in the studio's language, its caption in the studio's
    # days; the core's (the CSV file, its JSON twin and the CLI) gives its moments in UTC.
    shown: Table | None = None


Builder = Callable[[Request, Mapping[str, str]], Shown]


@routes.get("/reports")
def reports(request: Request) -> Page:
    """Every report, with the month's headline figures: what is owed, what was earned."""
    core = request.studio.reports
    start, end = _period(request, _this_month(request))
    return request.page(
        "sessionpacks/office/reports.html",
        lists={name: gettext(title) for name, title in LISTS.items()},
        owed=core.liability().totals(),
        month=core.revenue(start, end).totals(),
    )


# Before the page's rule: a router trying rules in order must not read "holders.csv" as a list.
@routes.get("/reports/passes/<which>.csv")
def pass_report_csv(request: Request, which: str) -> Body | Page:
    _known_list(which)
    return _csv(
        request, lambda request, args: _passes(request, which, args), pass_report, which=which
    )


@routes.get("/reports/passes/<which>")
def pass_report(request: Request, which: str) -> Page:
    _known_list(which)
    return _page(
        request,
        "sessionpacks/office/report_passes.html",
        lambda request, args: _passes(request, which, args),
        which=which,
        title=gettext(LISTS[which]),
        **_choices(request),
    )


@routes.get("/reports/liability")
def liability_report(request: Request) -> Page:
    return _page(request, "sessionpacks/office/report_liability.html", _liability)


@routes.get("/reports/liability.csv")
def liability_report_csv(request: Request) -> Body | Page:
    return _csv(request, _liability, liability_report)


@routes.get("/reports/revenue")
def revenue_report(request: Request) -> Page:
    return _page(request, "sessionpacks/office/report_revenue.html", _revenue, _this_month(request))


@routes.get("/reports/revenue.csv")
def revenue_report_csv(request: Request) -> Body | Page:
    return _csv(request, _revenue, revenue_report)


@routes.get("/reports/attendance")
def attendance_report(request: Request) -> Page:
    return _page(
        request, "sessionpacks/office/report_attendance.html", _attendance, _this_month(request)
    )


@routes.get("/reports/attendance.csv")
def attendance_report_csv(request: Request) -> Body | Page:
    return _csv(request, _attendance, attendance_report)


@routes.get("/reports/sales")
def sales_report(request: Request) -> Page:
    return _page(request, "sessionpacks/office/report_sales.html", _sales, _this_month(request))


@routes.get("/reports/sales.csv")
def sales_report_csv(request: Request) -> Body | Page:
    return _csv(request, _sales, sales_report)


def _known_list(which: str) -> None:
    if which not in LISTS:
        raise not_found(f"there is no pass list {which!r}")


# -- the reports ---------------------------------------------------------------------------------


def _passes(request: Request, which: str, args: Mapping[str, str]) -> Shown:
    as_of = _as_of(request, args)
    reports = request.studio.reports
    found: PassListReport
    if which == "holders":
        state = args.get("state") or ""
        if state and state not in {s.value for s in PassState}:
            raise BadRequest(
                gettext("choose a pass state from the list, not %(typed)r", typed=state)
            )
        found = reports.holders(
            as_of=as_of,
            template_id=_number(args, "template_id", 1, 2**31 - 1),
            service_id=_number(args, "service_id", 1, 2**31 - 1),
            states=(state,) if state else None,
        )
    elif which == "expiring":
        days = _number(args, "days", 1, 3660) or 30
        found = reports.expiring(within_days=days, as_of=as_of)
    elif which == "low-balance":
        left = _number(args, "sessions_left", 0, 1000)
        found = reports.low_balance(sessions_left=1 if left is None else left, as_of=as_of)
    elif which == "unused":
        found = reports.unused(as_of=as_of)
    else:
        found = reports.suspended(as_of=as_of)
    chart = expiring_by_week(found, request.zone) if which == "expiring" else None
    title = gettext(LISTS[which])
    caption = gettext(
        "%(title)s as of %(day)s", title=title, day=when(found.as_of, request.zone, with_time=False)
    )
    return Shown(
        title,
        found.table(),
        f"passes-{which}-{_dated(request, found.as_of)}.csv",
        {"report": found, "chart": chart},
        report_tables.pass_list(found, caption),
    )


def _liability(request: Request, args: Mapping[str, str]) -> Shown:
    as_of = _as_of(request, args)
    reports = request.studio.reports
    found = reports.liability(as_of=as_of)
    since = found.as_of - LOOK_BACK
    history = reports.money_over_time(since, found.as_of, step="month")
    return Shown(
        gettext("Liability"),
        found.table(),
        f"liability-{_dated(request, found.as_of)}.csv",
        {"report": found, "charts": money_charts(history, liability_only=True)},
        report_tables.shown(
            found.table(),
            gettext("Liability as of %(moment)s", moment=when(found.as_of, request.zone)),
        ),
    )


def _revenue(request: Request, args: Mapping[str, str]) -> Shown:
    start, end = _period(request, args)
    step = _step(args)
    reports = request.studio.reports
    found = reports.revenue(start, end)
    history = reports.money_over_time(start, end, step=step)
    return Shown(
        gettext("Revenue"),
        found.table(),
        f"revenue-{_days(request, start, end)}.csv",
        {"report": found, "totals": found.totals(), "charts": money_charts(history)},
        report_tables.shown(
            found.table(),
            gettext("Revenue from %(first)s to %(last)s", **_between(request, start, end)),
        ),
    )


def _attendance(request: Request, args: Mapping[str, str]) -> Shown:
    start, end = _period(request, args)
    found = request.studio.reports.attendance(start, end)
    return Shown(
        gettext("Attendance"),
        found.table(),
        f"attendance-{_days(request, start, end)}.csv",
        {
            "report": found,
            "chart": attendance_by_service(found),
            "channels": report_tables.shown(
                found.channel_table(), gettext("Redemptions by channel")
            ),
            "weeks": report_tables.shown(found.week_table(), gettext("Redemptions by week")),
        },
        report_tables.shown(
            found.table(),
            gettext("Attendance from %(first)s to %(last)s", **_between(request, start, end)),
        ),
    )


def _sales(request: Request, args: Mapping[str, str]) -> Shown:
    start, end = _period(request, args)
    step = _step(args)
    found = request.studio.reports.sales(start, end, step=step)
    return Shown(
        gettext("Sales"),
        found.table(),
        f"sales-{_days(request, start, end)}.csv",
        {"report": found},
        report_tables.shown(found.table(), _sales_caption(step, _between(request, start, end))),
    )


# -- pages and files -----------------------------------------------------------------------------


def _page(
    request: Request,
    template: str,
    build: Builder,
    defaults: Mapping[str, str] | None = None,
    **extra: Any,
) -> Page:
    """The report's page, or the same page with the error and the input kept (400). Fields
    left empty show the ``defaults`` the report used."""
    values = {**(defaults or {}), **{k: v for k, v in _values(request).items() if v}}
    try:
        shown = build(request, values)
    except InvalidInput as error:
        return Page(template, {"values": values, "error": str(error), **extra}, 400)
    page = {"title": shown.title, **extra}
    table = shown.table if shown.shown is None else shown.shown
    return request.page(template, values=values, table=table, **page, **shown.page)


def _csv(request: Request, build: Builder, page: Callable[..., Page], **path: str) -> Body | Page:
    try:
        shown = build(request, _values(request))
    except InvalidInput:
        # The page says what is wrong, in words, with the input kept.
        return page(request, **path)
    return Body(
        shown.table.to_csv().encode(),
        "text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{shown.filename}"'},
    )


def _values(request: Request) -> dict[str, str]:
    """The form's fields as typed, to show them back."""
    return {name: str(request.query.get(name) or "").strip() for name in request.query}


def _choices(request: Request) -> dict[str, Any]:
    core = request.studio
    return {
        "templates": core.templates(include_archived=True),
        "services": core.services(),
        # Each state's value for the query, and its word for people.
        "states": [(s.value, state_word(s)) for s in PassState],
        "held": ", ".join(state_word(s) for s in HELD),
    }


# -- reading the form ----------------------------------------------------------------------------


# What a date field's errors say, by field: whole sentences, as a language may need another
# word order or gender for each.
_NOT_A_DAY = {
    "as_of": N_("the date must be a date such as 2026-03-31, got %(typed)r"),
    "start": N_("the start date must be a date such as 2026-03-31, got %(typed)r"),
    "end": N_("the end date must be a date such as 2026-03-31, got %(typed)r"),
}
_OUT_OF_YEARS = {
    "as_of": N_("the date must be between the years %(first)d and %(last)d"),
    "start": N_("the start date must be between the years %(first)d and %(last)d"),
    "end": N_("the end date must be between the years %(first)d and %(last)d"),
}


def _day(args: Mapping[str, str], name: str) -> dt.date | None:
    try:
        found = forms.day(args, name)
    except BadRequest:
        raise BadRequest(gettext(_NOT_A_DAY[name], typed=args.get(name))) from None
    if found is not None and not FIRST_YEAR <= found.year <= LAST_YEAR:
        raise BadRequest(gettext(_OUT_OF_YEARS[name], first=FIRST_YEAR, last=LAST_YEAR))
    return found


def _start_of(request: Request, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), request.zone)


def _as_of(request: Request, args: Mapping[str, str]) -> dt.datetime | None:
    """The end of the chosen day in the studio's zone; None (now) for today or later."""
    day = _day(args, "as_of")
    if day is None:
        return None
    end = _start_of(request, day + dt.timedelta(days=1))
    return None if end >= request.studio.clock.now() else end


def _dated(request: Request, moment: dt.datetime) -> str:
    """The day a report is as of: the chosen day, whose end it is at, or today."""
    return f"{(moment - dt.timedelta(microseconds=1)).astimezone(request.zone):%Y-%m-%d}"


def _this_month(request: Request) -> dict[str, str]:
    """The period a report shows unless told: this month so far."""
    today = request.studio.clock.now().astimezone(request.zone).date()
    return {"start": f"{today.replace(day=1):%Y-%m-%d}", "end": f"{today:%Y-%m-%d}"}


def _period(request: Request, args: Mapping[str, str]) -> tuple[dt.datetime, dt.datetime]:
    """From the start of the first day to the end of the last; this month so far by default."""
    month = _this_month(request)
    first = _day(args, "start") or dt.date.fromisoformat(month["start"])
    last = _day(args, "end") or dt.date.fromisoformat(month["end"])
    if last < first:
        raise BadRequest(
            gettext(
                "the end date (%(last)s) is before the start date (%(first)s)",
                last=str(last),
                first=str(first),
            )
        )
    return _start_of(request, first), _start_of(request, last + dt.timedelta(days=1))


def _days(request: Request, start: dt.datetime, end: dt.datetime) -> str:
    last = (end - dt.timedelta(days=1)).astimezone(request.zone)
    return f"{start.astimezone(request.zone):%Y-%m-%d}-to-{last:%Y-%m-%d}"


def _between(request: Request, start: dt.datetime, end: dt.datetime) -> dict[str, str]:
    """The period's first and last whole days, as a caption says them: ``Tue 01 Dec 2026``."""
    last = end - dt.timedelta(microseconds=1)
    return {
        "first": when(start, request.zone, with_time=False),
        "last": when(last, request.zone, with_time=False),
    }


def _sales_caption(step: str, period: dict[str, str]) -> str:
    if step == "week":
        return gettext("Sales by week from %(first)s to %(last)s", **period)
    return gettext("Sales by month from %(first)s to %(last)s", **period)


def _step(args: Mapping[str, str]) -> str:
    step = args.get("step") or "month"
    if step not in STEPS:
        raise BadRequest(gettext("group by week or month, not %(typed)r", typed=step))
    return step


def _number(args: Mapping[str, str], name: str, lowest: int, highest: int) -> int | None:
    found = forms.integer(args, name, required=False)
    if found is not None and not lowest <= found <= highest:
        raise BadRequest(
            gettext(
                "the field %(name)r must be between %(lowest)d and %(highest)d, got %(found)d",
                name=name,
                lowest=lowest,
                highest=highest,
                found=found,
            )
        )
    return found
