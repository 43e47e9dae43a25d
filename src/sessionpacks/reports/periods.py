"""Grouping moments by week or month in the database: each dialect says it its own way."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy import func


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


def week_of(moment: dt.datetime) -> dt.date:
    return (moment - dt.timedelta(days=moment.weekday())).date()
