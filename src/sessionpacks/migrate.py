"""Upgrading a database to the tables this version of sessionpacks needs.

sessionpacks ships its own Alembic lineage with the branch label ``sessionpacks``. On its own it
keeps its version in ``sessionpacks_alembic_version``, so it never touches a host's Alembic table.
A host that runs Alembic itself adds ``sessionpacks:migrations/versions`` to its
``version_locations`` and upgrades ``sessionpacks@head``.

A host whose own migrations autogenerate from its models passes :func:`include_name` and
:func:`include_object` to its ``context.configure(...)``, so that its migrations never propose to
change or drop sessionpacks' tables that share its database.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

from sessionpacks.database import create_engine

SCRIPT_LOCATION = "sessionpacks:migrations"
VERSION_TABLE = "sessionpacks_alembic_version"
BRANCH = "sessionpacks"
TABLE_PREFIX = "sessionpacks_"


def is_sessionpacks_table(name: str | None) -> bool:
    """Whether a table of that name is sessionpacks' own (its version table included)."""
    return name is not None and name.startswith(TABLE_PREFIX)


def include_name(name: str | None, type_: str, parent_names: Mapping[str, str | None]) -> bool:
    """Alembic's ``include_name`` hook for a host's migrations: leaves sessionpacks' tables, and
    their columns, indexes and constraints, out of what the host's autogenerate reflects."""
    if type_ == "table":
        return not is_sessionpacks_table(name)
    return not is_sessionpacks_table(parent_names.get("table_name"))


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic's ``include_object`` hook for a host's migrations: leaves sessionpacks' tables, and
    everything on them, out of what the host's autogenerate compares."""
    if type_ == "table":
        return not is_sessionpacks_table(name)
    table = getattr(obj, "table", None)
    return not is_sessionpacks_table(getattr(table, "name", None))


def alembic_config(engine: Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.set_main_option("version_table", VERSION_TABLE)
    if engine is not None:
        config.set_main_option(
            "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
        )
    return config


def upgrade(engine: Engine | str, revision: str = f"{BRANCH}@head") -> None:
    """Bring the database behind ``engine`` (or a URL) up to ``revision``, the newest by default."""
    _run(engine, lambda config: command.upgrade(config, revision))


def downgrade(engine: Engine | str, revision: str) -> None:
    """Take the database back to ``revision`` (``base`` drops every sessionpacks table)."""
    _run(engine, lambda config: command.downgrade(config, revision))


def _run(engine: Engine | str, step: object) -> None:
    if isinstance(engine, str):
        engine = create_engine(engine)
    config = alembic_config(engine)
    with engine.connect() as connection:
        # SQLite changes a column by rebuilding its table (Alembic's batch mode), which the
        # foreign keys of the rows pointing at it would refuse: they are switched off around
        # the migration, outside its transaction as SQLite requires, and checked before commit.
        driver: Any = connection.connection.dbapi_connection
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            driver.execute("PRAGMA foreign_keys = OFF")
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                step(config)  # type: ignore[operator]
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"the migration left rows pointing nowhere: {broken}")
        finally:
            if sqlite:
                driver.execute("PRAGMA foreign_keys = ON")
