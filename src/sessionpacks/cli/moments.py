"""Reading moments from the command line: ISO 8601, with a zone, or a date alone.

A date alone is a day in the studio's zone (``--timezone``, UTC unless set), and what it means
depends on the option, so that it reads the way staff say it:

- ``--starts 2026-03-01``: from the start of that day (00:00 there);
- ``--expires 2026-03-31``: valid through the whole of that day, so it expires at midnight at
  its end (in UTC, shown as ``2026-03-31 24:00``);
- ``--as-of 2026-03-31``: at the close of that day, after everything that happened on it.

A date and time without a zone is refused: guessing the zone would move a balance or an expiry by
hours without anyone noticing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from datetime import tzinfo

import click
from click.decorators import FC

from sessionpacks.errors import InvalidInput
from sessionpacks.expiry import end_of_local_day, studio_zone

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_UTC = dt.timezone.utc
_DAY_PARTS = ("start", "through", "close")


def parse(text: str, day: str, zone: str = "UTC") -> dt.datetime:
    """An aware UTC datetime from ISO 8601 text; ``day`` says what a date alone means, in the
    IANA ``zone``.

    Raises :class:`click.BadParameter`, so a malformed or naive value is a usage error.
    """
    if day not in _DAY_PARTS:
        raise ValueError(f"unknown meaning of a date alone: {day!r}")
    text = text.strip()
    try:
        if _DATE.fullmatch(text):
            return _date(dt.date.fromisoformat(text), day, zone)
        # Python before 3.11 does not read a trailing Z.
        moment = dt.datetime.fromisoformat(
            text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
        )
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is neither a date (2026-03-31) nor an ISO 8601 date and time with a"
            " zone (2026-03-31T18:00:00+02:00 or 2026-03-31T16:00:00Z)"
        ) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise click.BadParameter(
            f"{text!r} has no time zone: add Z for UTC or an offset such as +02:00,"
            " or give a date alone"
        )
    return moment.astimezone(_UTC)


def _date(day: dt.date, part: str, zone: str) -> dt.datetime:
    if part == "start":
        return dt.datetime.combine(day, dt.time(), tzinfo=_zone(zone)).astimezone(_UTC)
    end = end_of_local_day(day, zone)
    if part == "through":
        return end
    # The last representable moment of the day: entries made at midnight belong to the next.
    return end - dt.timedelta(microseconds=1)


def _zone(zone: str) -> tzinfo:
    try:
        return studio_zone(zone)
    except InvalidInput as error:
        raise click.BadParameter(str(error), param_hint="'--timezone'") from None


def zone_of(ctx: click.Context) -> str:
    """The studio's zone the command runs with (the group's ``--timezone``)."""
    root = ctx.find_root()
    return str(root.params.get("timezone") or "UTC")


def moment_option(
    name: str, day: str, description: str, dest: str | None = None
) -> Callable[[FC], FC]:
    """A ``--name DATETIME`` option whose value arrives parsed (as ``dest`` if given), or None
    when not given."""

    def convert(
        ctx: click.Context, param: click.Parameter, value: str | None
    ) -> dt.datetime | None:
        return None if value is None else parse(value, day, zone_of(ctx))

    names = (name, dest) if dest else (name,)
    return click.option(*names, metavar="DATETIME", callback=convert, help=description)
