"""Reports a studio owner and an accountant read: who holds what, what is owed in unused paid
credits, what was earned, attendance and sales. Each is a read, as of a moment or over a period,
answered by set-based SQL that gives the same figures on every database.

``studio.reports`` is a :class:`Reports`; every report turns into a :class:`Table` for the
command line, the office, CSV and JSON.
"""

from __future__ import annotations

import datetime as dt

from sessionpacks import validation
from sessionpacks.clock import Clock
from sessionpacks.enums import PassState
from sessionpacks.errors import InvalidInput
from sessionpacks.reports.activity import (
    AttendanceReport,
    SalesLine,
    SalesReport,
    ServiceAttendance,
    attendance,
    sales,
)
from sessionpacks.reports.holdings import (
    HELD,
    HeldPass,
    ListFilter,
    PassList,
    PassListReport,
    pass_list,
)
from sessionpacks.reports.money import (
    LiabilityLine,
    LiabilityReport,
    MoneyOverTime,
    MoneyPoint,
    RevenueLine,
    RevenueReport,
    liability,
    over_time,
    revenue,
)
from sessionpacks.reports.tables import Table
from sessionpacks.transactions import Writer

STEPS = ("week", "month")
# Ten years of weeks is as long a period as a chart or a table can show.
MAX_PERIOD = dt.timedelta(days=3660)


class Reports:
    """The studio's reports; reads only, on a connection of their own."""

    def __init__(self, writer: Writer, clock: Clock) -> None:
        self._read = writer.read
        self._clock = clock

    def holders(
        self,
        *,
        as_of: dt.datetime | None = None,
        template_id: int | None = None,
        service_id: int | None = None,
        states: tuple[PassState | str, ...] | None = None,
    ) -> PassListReport:
        """Passes and who holds them, optionally of one template, usable for one service or in
        some states (by default every pass that still holds or may hold something)."""
        chosen = HELD if states is None else tuple(_state(s) for s in states)
        if not chosen:
            raise InvalidInput("states must name at least one pass state")
        return self._list(
            PassList.HOLDERS,
            as_of,
            ListFilter(
                template_id=_id("template_id", template_id),
                service_id=_id("service_id", service_id),
                states=chosen,
            ),
        )

    def expiring(
        self, *, within_days: int = 30, as_of: dt.datetime | None = None
    ) -> PassListReport:
        """Passes that still hold something and expire within the next ``within_days`` days."""
        days = validation.days("within_days", within_days)
        return self._list(PassList.EXPIRING, as_of, ListFilter(within_days=days))

    def low_balance(
        self, *, sessions_left: int = 1, as_of: dt.datetime | None = None
    ) -> PassListReport:
        """Passes that can pay for ``sessions_left`` more sessions or fewer, whatever they count:
        sessions, money at the pass's rate, or minutes of the shortest service it pays for."""
        left = validation.whole_number("sessions_left", sessions_left, validation.SMALL)
        if left < 0:
            raise InvalidInput(f"sessions_left cannot be negative, got {left}")
        return self._list(PassList.LOW_BALANCE, as_of, ListFilter(sessions_left=left))

    def unused(self, *, as_of: dt.datetime | None = None) -> PassListReport:
        """Passes sold (paid for) and never used."""
        return self._list(PassList.UNUSED, as_of, ListFilter())

    def suspended(self, *, as_of: dt.datetime | None = None) -> PassListReport:
        return self._list(PassList.SUSPENDED, as_of, ListFilter())

    def liability(self, *, as_of: dt.datetime | None = None) -> LiabilityReport:
        """The paid value of unused units at a moment (deferred revenue), by template and
        currency."""
        moment = validation.moment("as_of", as_of) or self._clock.now()
        return self._read(lambda conn: liability(conn, moment))

    def revenue(self, start: dt.datetime, end: dt.datetime) -> RevenueReport:
        """Sales, revenue recognised (used, expired or written off, kept on refunds), refunds and
        deferred revenue at both ends, between ``start`` (excluded) and ``end``."""
        first, last = self._period(start, end)
        return self._read(lambda conn: revenue(conn, first, last))

    def money_over_time(
        self, start: dt.datetime, end: dt.datetime, *, step: str = "month"
    ) -> MoneyOverTime:
        """Sales, revenue and the liability at the end of each week or month."""
        first, last = self._period(start, end)
        return self._read(lambda conn: over_time(conn, first, last, _step(step)))

    def attendance(self, start: dt.datetime, end: dt.datetime) -> AttendanceReport:
        first, last = self._period(start, end)
        return self._read(lambda conn: attendance(conn, first, last))

    def sales(self, start: dt.datetime, end: dt.datetime, *, step: str = "month") -> SalesReport:
        """Packs sold and refunded, by template and week or month."""
        first, last = self._period(start, end)
        return self._read(lambda conn: sales(conn, first, last, _step(step)))

    def _list(
        self, which: PassList, as_of: dt.datetime | None, chosen: ListFilter
    ) -> PassListReport:
        moment = validation.moment("as_of", as_of)
        now = self._clock.now()
        return self._read(lambda conn: pass_list(conn, which, now, moment, chosen))

    def _period(self, start: dt.datetime, end: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
        first = validation.moment("start", start)
        last = validation.moment("end", end)
        if first is None or last is None:
            raise InvalidInput("a report's period needs a start and an end")
        if last <= first:
            raise InvalidInput(f"the period's end ({last}) must be after its start ({first})")
        if last - first > MAX_PERIOD:
            raise InvalidInput("a report's period is at most ten years long")
        return first, last


def _id(name: str, value: int | None) -> int | None:
    return None if value is None else validation.ident(name, value)


def _step(step: str) -> str:
    if step not in STEPS:
        raise InvalidInput(f"step must be 'week' or 'month', got {step!r}")
    return step


def _state(value: PassState | str) -> PassState:
    try:
        return PassState(value)
    except ValueError:
        known = ", ".join(s.value for s in PassState)
        raise InvalidInput(f"unknown pass state {value!r}; one of {known}") from None


__all__ = [
    "AttendanceReport",
    "HeldPass",
    "LiabilityLine",
    "LiabilityReport",
    "MoneyOverTime",
    "MoneyPoint",
    "PassList",
    "PassListReport",
    "Reports",
    "RevenueLine",
    "RevenueReport",
    "SalesLine",
    "SalesReport",
    "ServiceAttendance",
    "Table",
]
