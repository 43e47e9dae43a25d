"""How long a pass lasts: an expiry a number of days or calendar months after its start."""

from __future__ import annotations

import calendar
import datetime as dt


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """The same time ``months`` calendar months later; the 31st of January plus one month is the
    last day of February, as a member reading "valid for one month" expects."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def expiry_after(start: dt.datetime, days: int | None, months: int | None) -> dt.datetime | None:
    """The expiry of a pass that starts at ``start``; None when it has no duration."""
    if days is not None:
        return start + dt.timedelta(days=days)
    if months is not None:
        return add_months(start, months)
    return None
