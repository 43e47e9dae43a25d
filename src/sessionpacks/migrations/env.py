"""Alembic environment for sessionpacks' own lineage (branch label ``sessionpacks``).

Run through :func:`sessionpacks.migrate.upgrade` or ``sessionpacks db upgrade``, which pass a
connection in ``config.attributes``; or from a host's Alembic, whose own env.py then runs instead.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

from sessionpacks.models import Base

config = context.config
target_metadata = Base.metadata
VERSION_TABLE = config.get_main_option("version_table", "sessionpacks_alembic_version")


def run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        version_table=VERSION_TABLE,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        version_table=VERSION_TABLE,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()
elif (connection := config.attributes.get("connection")) is not None:
    run(connection)
else:
    engine = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with engine.connect() as connection:
        run(connection)
