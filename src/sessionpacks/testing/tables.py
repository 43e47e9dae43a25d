"""Emptying and dropping sessionpacks' tables, for a host's tests that share one database."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from sessionpacks import migrate
from sessionpacks.models import Base, Member


def empty_tables(engine: Engine) -> None:
    """Delete every row of every sessionpacks table (and none of the host's), children first."""
    with engine.begin() as conn:
        # Members and passes refer to each other: the members' default packs go first.
        conn.execute(sa.update(Member).values(default_pass_id=None))
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


def drop_tables(engine: Engine) -> None:
    """Drop every sessionpacks table and its migration version table, if they exist."""
    with engine.begin() as conn:
        if Member.__tablename__ in sa.inspect(conn).get_table_names():
            conn.execute(sa.update(Member).values(default_pass_id=None))
    Base.metadata.drop_all(engine)
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP TABLE IF EXISTS {migrate.VERSION_TABLE}"))
