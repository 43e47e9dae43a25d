"""Running the core's Alembic lineage from ``manage.py migrate``, on sessionpacks' own engine."""

from __future__ import annotations

from typing import Any

from sessionpacks import create_engine, migrate
from sessionpacks_django.runtime import config, database_url


def upgrade(apps: Any, schema_editor: Any) -> None:
    """Bring sessionpacks' tables to the newest revision; nothing happens when they are there."""
    _run(schema_editor, lambda engine: migrate.upgrade(engine))


def downgrade(apps: Any, schema_editor: Any) -> None:
    """Drop sessionpacks' tables (``manage.py migrate sessionpacks_django zero``), data included."""
    _run(schema_editor, lambda engine: migrate.downgrade(engine, "base"))


def _run(schema_editor: Any, step: Any) -> None:
    found = config()
    # sessionpacks lives on one alias: migrating another database leaves it alone.
    if schema_editor.connection.alias != found.database:
        return
    engine = create_engine(database_url(found))
    try:
        step(engine)
    finally:
        engine.dispose()
