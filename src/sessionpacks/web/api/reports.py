"""The core's reports over HTTP, for staff: lists of passes, liability, revenue, money over
time, attendance and sales. Moments carry their offset; a period is ``(start, end]``."""

from __future__ import annotations

import datetime as dt
import enum

import attrs

from sessionpacks import validation
from sessionpacks.enums import PassState
from sessionpacks.reports import (
    AttendanceReport,
    LiabilityReport,
    MoneyOverTime,
    PassListReport,
    RevenueLine,
    SalesReport,
)
from sessionpacks.web.api.common import ident
from sessionpacks.web.api.endpoints import Call, Endpoint, Handler
from sessionpacks.web.api.fields import Choice, Field, Int, Moment

TAG = "reports"


class Step(str, enum.Enum):
    WEEK = "week"
    MONTH = "month"


@attrs.frozen
class Revenue:
    """The revenue report with its per-currency totals, each of which reconciles: deferred at
    start + sales - recognised - refunded + moved = deferred at end."""

    start: dt.datetime
    end: dt.datetime
    lines: tuple[RevenueLine, ...]
    totals: tuple[RevenueLine, ...]


AS_OF = Field("as_of", Moment(), description="The moment the report is as of; now when left out.")
START = Field("start", Moment(), required=True, description="The period's start (excluded).")
END = Field("end", Moment(), required=True, description="The period's end (included).")
STEP = Field("step", Choice(Step), default=Step.MONTH.value)


def _holders(call: Call) -> PassListReport:
    state = call["state"]
    return call.studio.reports.holders(
        as_of=call["as_of"],
        template_id=call["template_id"],
        service_id=call["service_id"],
        states=None if state is None else (state,),
    )


def _revenue(call: Call) -> Revenue:
    found = call.studio.reports.revenue(call["start"], call["end"])
    return Revenue(found.start, found.end, found.lines, found.totals())


def _list(path: str, name: str, summary: str, handler: Handler, *query: Field) -> Endpoint:
    return Endpoint(
        "GET",
        f"/reports/passes/{path}",
        name,
        summary,
        TAG,
        handler,
        PassListReport,
        query=(*query, AS_OF),
    )


ENDPOINTS = (
    _list(
        "holders",
        "report_holders",
        "Passes and who holds them; by default every pass that still holds or may hold credit",
        _holders,
        ident("template_id", "Only passes of this template.", required=False),
        ident("service_id", "Only passes that can pay for this service.", required=False),
        Field("state", Choice(PassState), description="Only passes in this state."),
    ),
    _list(
        "expiring",
        "report_expiring",
        "Passes that still hold credit and expire within the next days",
        lambda call: call.studio.reports.expiring(
            within_days=call["within_days"], as_of=call["as_of"]
        ),
        Field("within_days", Int(maximum=validation.MAX_DAYS), default=30),
    ),
    _list(
        "low-balance",
        "report_low_balance",
        "Passes that can pay for that many more sessions or fewer",
        lambda call: call.studio.reports.low_balance(
            sessions_left=call["sessions_left"], as_of=call["as_of"]
        ),
        Field("sessions_left", Int(minimum=0, maximum=10**6), default=1),
    ),
    _list(
        "unused",
        "report_unused",
        "Passes sold and never used",
        lambda call: call.studio.reports.unused(as_of=call["as_of"]),
    ),
    _list(
        "suspended",
        "report_suspended",
        "Suspended passes",
        lambda call: call.studio.reports.suspended(as_of=call["as_of"]),
    ),
    Endpoint(
        "GET",
        "/reports/liability",
        "report_liability",
        "The paid value of unused credits (deferred revenue) by template and currency",
        TAG,
        lambda call: call.studio.reports.liability(as_of=call["as_of"]),
        LiabilityReport,
        query=(AS_OF,),
    ),
    Endpoint(
        "GET",
        "/reports/revenue",
        "report_revenue",
        "Sales, revenue recognised, refunds and deferred revenue at both ends of a period",
        TAG,
        _revenue,
        Revenue,
        query=(START, END),
    ),
    Endpoint(
        "GET",
        "/reports/money",
        "report_money_over_time",
        "Sales, revenue recognised and the liability at the end of each week or month",
        TAG,
        lambda call: call.studio.reports.money_over_time(
            call["start"], call["end"], step=call["step"]
        ),
        MoneyOverTime,
        query=(START, END, STEP),
    ),
    Endpoint(
        "GET",
        "/reports/attendance",
        "report_attendance",
        "Visits paid with credits by service, channel and week; no-shows, late cancellations",
        TAG,
        lambda call: call.studio.reports.attendance(call["start"], call["end"]),
        AttendanceReport,
        query=(START, END),
    ),
    Endpoint(
        "GET",
        "/reports/sales",
        "report_sales",
        "Packs sold and refunded by template and week or month",
        TAG,
        lambda call: call.studio.reports.sales(call["start"], call["end"], step=call["step"]),
        SalesReport,
        query=(START, END, STEP),
    ),
)
