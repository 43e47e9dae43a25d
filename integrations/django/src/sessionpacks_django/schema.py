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


def upgrade_after_migrate(using: str, **kwargs: Any) -> None:
    """``post_migrate``: a newer sessionpacks brings new Alembic revisions but no new Django
    migration, so every ``manage.py migrate`` upgrades the tables once the app's own migration
    has made them (never after ``migrate sessionpacks_django zero`` took them away)."""
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    applied = MigrationRecorder(connections[using]).applied_migrations()
    if any(app == "sessionpacks_django" for app, _ in applied):
        _run_on(using, lambda engine: migrate.upgrade(engine))


def _run(schema_editor: Any, step: Any) -> None:
    _run_on(schema_editor.connection.alias, step)


def _run_on(alias: str, step: Any) -> None:
    found = config()
    # sessionpacks lives on one alias: migrating another database leaves it alone.
    if alias != found.database:
        return
    engine = create_engine(database_url(found))
    try:
        step(engine)
    finally:
        engine.dispose()
