"""What each database says its own way: moments grouped by week or month, a selective condition."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy import func
from sqlalchemy.engine import Connection


def week_start(column: sa.ColumnElement[dt.datetime], dialect: str) -> sa.ColumnElement[str]:
    """The Monday (UTC) of the week a moment falls in, as 'YYYY-MM-DD' text."""
    if dialect == "sqlite":
        # 'weekday 0' moves forward to the next Sunday (or stays on one); six days back is Monday.
        return func.date(column, "weekday 0", "-6 days")
    if dialect == "postgresql":
        return func.to_char(func.date_trunc("week", column), "YYYY-MM-DD")
    return func.date_format(func.subdate(func.date(column), func.weekday(column)), "%Y-%m-%d")


def month_start(column: sa.ColumnElement[dt.datetime], dialect: str) -> sa.ColumnElement[str]:
    """The first day of the month (UTC) a moment falls in, as 'YYYY-MM-DD' text."""
    if dialect == "sqlite":
        return func.strftime("%Y-%m-01", column)
    if dialect == "postgresql":
        return func.to_char(column, "YYYY-MM-01")
    return func.date_format(column, "%Y-%m-01")


def bucket(column: sa.ColumnElement[dt.datetime], dialect: str, step: str) -> sa.ColumnElement[str]:
    return month_start(column, dialect) if step == "month" else week_start(column, dialect)


def starts(start: dt.datetime, end: dt.datetime, step: str) -> list[str]:
    """Every week (its Monday) or month (its first day) that moments of (start, end] fall in,
    in UTC and written as the database writes them."""
    first = start.astimezone(dt.timezone.utc).date()
    last = end.astimezone(dt.timezone.utc).date()
    found = []
    if step == "week":
        day = first - dt.timedelta(days=first.weekday())
        while day <= last:
            found.append(f"{day:%Y-%m-%d}")
            day += dt.timedelta(weeks=1)
        return found
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        found.append(f"{year:04d}-{month:02d}-01")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def selective(condition: sa.ColumnElement[bool], conn: Connection) -> sa.ColumnElement[bool]:
    """A condition few rows meet, such as a pass being usable when most have ended. SQLite's
    statistics know only how many rows share a value on average, and would read every pass
    rather than use the index; ``likelihood`` tells it the truth."""
    if conn.dialect.name == "sqlite":
        return func.likelihood(condition, sa.literal_column("0.01"))
    return condition
