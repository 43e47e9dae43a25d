"""A host's own Alembic autogenerate, on a database that also holds sessionpacks' tables, proposes
nothing for them once it passes sessionpacks' filters (and would drop them all without)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine

from sessionpacks.migrate import include_name, include_object, is_sessionpacks_table


def _host_metadata() -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table("host_members_area", metadata, sa.Column("id", sa.Integer, primary_key=True))
    return metadata


def _proposed(engine: Engine, **filters: object) -> list[Any]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts=dict(filters))
        return list(compare_metadata(context, _host_metadata()))


def _tables_touched(diffs: list[Any]) -> set[str]:
    """The names of the tables that autogenerate's diffs (tuples, or lists of them) touch."""
    touched = set()
    for diff in diffs:
        for part in diff if isinstance(diff, list) else [diff]:
            for value in part:
                name = getattr(value, "name", None)
                table = getattr(value, "table", None)
                for found in (name, getattr(table, "name", None)):
                    if isinstance(found, str):
                        touched.add(found)
    return touched


def test_without_the_filters_the_hosts_autogenerate_would_drop_sessionpacks_tables(
    engine: Engine,
) -> None:
    touched = _tables_touched(_proposed(engine))
    assert any(is_sessionpacks_table(name) for name in touched), touched


def test_with_the_filters_it_proposes_nothing_for_them(engine: Engine) -> None:
    diffs = _proposed(engine, include_name=include_name, include_object=include_object)
    touched = _tables_touched(diffs)
    assert not any(is_sessionpacks_table(name) for name in touched), touched
    assert "host_members_area" in touched  # the host's own table is still compared
