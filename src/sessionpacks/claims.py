"""One process at a time asks a payment provider about a row (a sale's charge, a refund).

A process takes the row for a lease with a conditional update; another process finds it taken
and waits or answers that it is being asked. A process that dies lets its lease lapse, and a
retry takes the row then.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

# How long one process may ask the provider before another may ask again with the same key.
LEASE = dt.timedelta(minutes=2)


def take(
    session_factory: sessionmaker[Session],
    table: sa.Table,
    row_id: int,
    waiting: Iterable[str],
    now: dt.datetime,
) -> bool:
    """Take ``row_id`` of ``table`` (in one of the ``waiting`` states, with no live lease) for
    this process; False when another process holds it or it has an answer already."""
    with session_factory.begin() as session:
        taken = session.connection().execute(
            update(table)
            .where(
                table.c.id == row_id,
                table.c.state.in_(list(waiting)),
                sa.or_(table.c.claimed_until.is_(None), table.c.claimed_until < now),
            )
            .values(claimed_until=now + LEASE)
        )
    return bool(taken.rowcount == 1)


def lapsed(table: sa.Table, now: dt.datetime) -> sa.ColumnElement[bool]:
    """Rows no process holds: never taken, or their lease is over."""
    return sa.or_(table.c.claimed_until.is_(None), table.c.claimed_until < now)
