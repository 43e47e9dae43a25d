"""The shipped migrations build exactly the tables the models describe, undo cleanly, and run both
on their own version table and from a host's Alembic.

These tests share the run's database with every other test, so each one puts the sessionpacks
tables back at head, empty, when it ends, whatever happened.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from sessionpacks import Actor, PassTerms, Settings, Studio, allow_all, migrate
from sessionpacks.models import Base
from sessionpacks.testing import drop_tables
from tests.test_report_properties import _run as _run_studio

HOST_VERSION_TABLE = "host_alembic_version"
HOST_TABLE = "host_customers"


@pytest.fixture
def schema(engine: Engine) -> Iterator[Engine]:
    """The run's database, emptied; at head again, and empty, after the test."""
    try:
        yield engine
    finally:
        restore_head(engine)


def restore_head(engine: Engine) -> None:
    drop_tables(engine)
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP TABLE IF EXISTS {HOST_TABLE}"))
        conn.execute(sa.text(f"DROP TABLE IF EXISTS {HOST_VERSION_TABLE}"))
    migrate.upgrade(engine)


def sessionpacks_tables(engine: Engine) -> set[str]:
    """The tables the library owns, not counting its Alembic version table."""
    names = sa.inspect(engine).get_table_names()
    return {n for n in names if n.startswith("sessionpacks_") and n != migrate.VERSION_TABLE}


def model_tables() -> set[str]:
    return set(Base.metadata.tables)


def current_revisions(engine: Engine, version_table: str) -> set[str]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": version_table})
        return set(context.get_current_heads())


def head_revision() -> str:
    head = ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()
    assert head is not None
    return head


def differences(
    engine: Engine, metadata: sa.MetaData, version_table: str, *extra: str
) -> list[Any]:
    """What autogenerate would change to make the database match ``metadata``.

    Only the library's tables (and ``extra`` ones) are compared: a host's database holds others.
    """

    def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
        if type_ != "table":
            return True
        return name is not None and (name.startswith("sessionpacks_") or name in extra)

    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "version_table": version_table,
                "compare_type": True,
                "include_name": include_name,
                "target_metadata": metadata,
            },
        )
        return list(compare_metadata(context, metadata))


def test_the_lineage_carries_the_sessionpacks_branch_label() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    heads = script.get_revisions(f"{migrate.BRANCH}@head")
    assert [rev.revision for rev in heads if rev is not None] == [head_revision()]
    assert script.get_heads() == [head_revision()], "the lineage must have a single head"
    for revision in script.walk_revisions():
        assert migrate.BRANCH in revision.branch_labels, revision.revision


def test_downgrade_to_base_drops_every_table_and_upgrade_matches_the_models(
    schema: Engine,
) -> None:
    assert current_revisions(schema, migrate.VERSION_TABLE) == {head_revision()}

    migrate.downgrade(schema, "base")
    assert sessionpacks_tables(schema) == set()
    assert current_revisions(schema, migrate.VERSION_TABLE) == set()

    migrate.upgrade(schema)
    assert sessionpacks_tables(schema) == model_tables()
    assert current_revisions(schema, migrate.VERSION_TABLE) == {head_revision()}
    assert differences(schema, Base.metadata, migrate.VERSION_TABLE) == []

    # A second round trip proves the downgrade left nothing behind that the upgrade trips on.
    migrate.downgrade(schema, "base")
    assert sessionpacks_tables(schema) == set()
    migrate.upgrade(schema)
    assert differences(schema, Base.metadata, migrate.VERSION_TABLE) == []


def test_upgrading_an_upgraded_database_changes_nothing(schema: Engine) -> None:
    migrate.upgrade(schema)
    migrate.upgrade(schema.url.render_as_string(hide_password=False))
    assert current_revisions(schema, migrate.VERSION_TABLE) == {head_revision()}
    assert differences(schema, Base.metadata, migrate.VERSION_TABLE) == []


def test_a_studio_with_clients_and_passes_goes_down_to_0007_and_up_again(schema: Engine) -> None:
    """The columns added since 0007 come and go on tables other rows point at (SQLite rebuilds
    those tables), and nothing of the studio's data is lost on the way."""
    studio = Studio(schema, settings=Settings(policy=allow_all))
    client = studio.add_client("crm-1", "Ana", member_ref="K-1")
    studio.link_user(client.member.id, "u-1")
    granted = studio.grant(
        client.account.id,
        PassTerms(quantity=5),
        member_id=client.member.id,
        reason="opening balance",
        idempotency_key="g-1",
        actor=Actor.system(),
        channel="system",
    )
    migrate.downgrade(schema, "0007")
    assert current_revisions(schema, migrate.VERSION_TABLE) == {"0007"}
    migrate.upgrade(schema)
    assert differences(schema, Base.metadata, migrate.VERSION_TABLE) == []
    again = Studio(schema, settings=Settings(policy=allow_all))
    assert again.member_by_ref("K-1").user_key is None  # the link went with its column
    assert again.pass_balance(granted.pass_id).remaining == 5
    assert again.verify() == ()


def test_0011_values_an_existing_ledger_as_new_entries_are_valued(schema: Engine) -> None:
    """A ledger written before the carried value existed gets, from the migration's replay, the
    same values the current code writes: sales, redemptions and their reversal, goodwill, a
    refund, an expiry reopened, plan periods rolled over."""
    _run_studio(
        schema,
        [
            ("subscribe", 0, 0),
            ("sell", 0, 0),
            ("sell", 1, 0),
            ("redeem", 0, 0),
            ("redeem", 1, 0),
            ("reverse", 0, 0),
            ("adjust", 1, 2),
            ("refund", 1, 0),
            ("wait", 7, 0),
            ("expire", 0, 0),
            ("renew", 0, 0),
            ("extend", 2, 0),
            ("wait", 7, 0),
            ("renew", 0, 0),
            ("void", 3, 0),
        ],
    )
    columns = ("id", "value_change_minor", "value_minor")
    written = _values(schema, "sessionpacks_ledger_entries", columns)
    carried = _values(schema, "sessionpacks_passes", ("id", "value_left_minor"))
    assert any(row[1] for row in written)  # the scenario moved money
    migrate.downgrade(schema, "0010")
    migrate.upgrade(schema)
    assert _values(schema, "sessionpacks_ledger_entries", columns) == written
    assert _values(schema, "sessionpacks_passes", ("id", "value_left_minor")) == carried
    assert Studio(schema, settings=Settings(policy=allow_all)).verify() == ()


def _values(engine: Engine, name: str, columns: tuple[str, ...]) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        found = sa.Table(name, sa.MetaData(), autoload_with=conn)
        query = sa.select(*(found.c[c] for c in columns)).order_by(found.c.id)
        return [tuple(row) for row in conn.execute(query)]


HOST_ENV = """\
from alembic import context
import sqlalchemy as sa

from sessionpacks.models import Base as SessionPacksBase

host_metadata = sa.MetaData()
sa.Table(
    "{table}",
    host_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(200), nullable=False),
)

context.configure(
    connection=context.config.attributes["connection"],
    target_metadata=[host_metadata, SessionPacksBase.metadata],
    version_table="{version_table}",
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
"""

HOST_REVISION = """\
import sqlalchemy as sa
from alembic import op

revision = "host0001"
down_revision = None
branch_labels = ("host",)
depends_on = None


def upgrade():
    op.create_table(
        "{table}",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(200), nullable=False),
    )


def downgrade():
    op.drop_table("{table}")
"""


def host_alembic(tmp_path: Path) -> tuple[Config, sa.MetaData]:
    """A host's own Alembic setup that takes in sessionpacks' lineage, and the host's metadata."""
    script_dir = tmp_path / "host_migrations"
    (script_dir / "versions").mkdir(parents=True)
    (script_dir / "env.py").write_text(
        HOST_ENV.format(table=HOST_TABLE, version_table=HOST_VERSION_TABLE)
    )
    (script_dir / "versions" / "host0001_customers.py").write_text(
        HOST_REVISION.format(table=HOST_TABLE)
    )
    config = Config()
    config.set_main_option("script_location", str(script_dir))
    # Spaces separate the locations: the package:path form holds a colon, os.pathsep on POSIX.
    config.set_main_option("path_separator", "space")
    config.set_main_option(
        "version_locations", f"{script_dir / 'versions'} sessionpacks:migrations/versions"
    )
    host_metadata = sa.MetaData(naming_convention=Base.metadata.naming_convention)
    sa.Table(
        HOST_TABLE,
        host_metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(200), nullable=False),
    )
    for table in Base.metadata.tables.values():
        table.to_metadata(host_metadata)
    return config, host_metadata


def run_host(config: Config, engine: Engine, step: str, revision: str) -> None:
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        getattr(command, step)(config, revision)


def test_a_hosts_alembic_runs_the_sessionpacks_lineage(schema: Engine, tmp_path: Path) -> None:
    # The host's database does not have the standalone lineage's tables yet.
    drop_tables(schema)
    config, host_metadata = host_alembic(tmp_path)

    run_host(config, schema, "upgrade", f"{migrate.BRANCH}@head")
    assert sessionpacks_tables(schema) == model_tables()
    assert current_revisions(schema, HOST_VERSION_TABLE) == {head_revision()}
    assert not sa.inspect(schema).has_table(HOST_TABLE)
    assert not sa.inspect(schema).has_table(migrate.VERSION_TABLE)

    run_host(config, schema, "upgrade", "heads")
    assert current_revisions(schema, HOST_VERSION_TABLE) == {head_revision(), "host0001"}
    assert differences(schema, host_metadata, HOST_VERSION_TABLE, HOST_TABLE) == []

    run_host(config, schema, "downgrade", f"{migrate.BRANCH}@base")
    assert sessionpacks_tables(schema) == set()
    assert sa.inspect(schema).has_table(HOST_TABLE)
    assert current_revisions(schema, HOST_VERSION_TABLE) == {"host0001"}
