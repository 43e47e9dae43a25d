"""Human output: aligned tables and the way quantities and moments are written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence

import click

from sessionpacks.enums import Metric, Source
from sessionpacks.units import format_units

_UTC = dt.timezone.utc


def table(
    headers: Sequence[str], rows: Iterable[Sequence[object]], right: Collection[int] = ()
) -> str:
    """Columns padded to their widest cell, two spaces apart; ``right`` columns are right-aligned
    so that numbers line up. None shows as an empty cell."""
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]

    def line(row: Sequence[str]) -> str:
        padded = (
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        return "  ".join(padded).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, cells)])


def echo_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    right: Collection[int] = (),
    empty: str = "(none)",
) -> None:
    click.echo(table(headers, rows, right) if rows else empty)


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def units(amount: int, metric: Metric, currency: str | None) -> str:
    return format_units(amount, metric, currency)


def change(delta: int, metric: Metric, currency: str | None) -> str:
    """A signed quantity: ``+10 sessions``, ``-1 session``."""
    return ("+" if delta > 0 else "") + format_units(delta, metric, currency)


def moment(value: dt.datetime | None) -> str:
    return "" if value is None else value.astimezone(_UTC).strftime("%Y-%m-%d %H:%M:%S")


def expiry(value: dt.datetime | None) -> str:
    """An expiry; one at midnight is written as 24:00 of the day before, which is the last day
    the pass can be used and the date staff typed."""
    if value is None:
        return ""
    value = value.astimezone(_UTC)
    if value.time() == dt.time():
        return f"{(value - dt.timedelta(days=1)).date()} 24:00"
    return value.strftime("%Y-%m-%d %H:%M")


def nth(number: int | None, of: int | None) -> str:
    """A redemption's place in its pass: "session 3 of 10", or "session 3" for minutes and money."""
    if number is None:
        return ""
    return f"session {number} of {of}" if of is not None else f"session {number}"


def start(value: dt.datetime | None) -> str:
    return "" if value is None else value.astimezone(_UTC).strftime("%Y-%m-%d %H:%M")


_SOURCES = {
    Source.SALE: "sold",
    Source.GRANT: "granted",
    Source.RENEWAL: "renewal",
    Source.IMPORT: "imported",
}


def source(value: Source) -> str:
    """Where a pass came from, in words."""
    return _SOURCES[value]
