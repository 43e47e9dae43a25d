"""Upgrading a database to the tables this version of sessionpacks needs.

sessionpacks ships its own Alembic lineage with the branch label ``sessionpacks``. On its own it
keeps its version in ``sessionpacks_alembic_version``, so it never touches a host's Alembic table.
A host that runs Alembic itself adds ``sessionpacks:migrations/versions`` to its
``version_locations`` and upgrades ``sessionpacks@head``.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

from sessionpacks.database import create_engine

SCRIPT_LOCATION = "sessionpacks:migrations"
VERSION_TABLE = "sessionpacks_alembic_version"
BRANCH = "sessionpacks"


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
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        step(config)  # type: ignore[operator]
