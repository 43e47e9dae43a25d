"""``sessionpacks db``: create, upgrade and downgrade the sessionpacks tables."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import attrs
import click
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import Engine

from sessionpacks import migrate
from sessionpacks.cli.state import Failure, State, json_option, pass_state, print_json


@attrs.frozen
class DatabaseRevision:
    """Where the database's sessionpacks tables stand, against what this version needs."""

    url: str
    revisions: tuple[str, ...]
    heads: tuple[str, ...]
    up_to_date: bool


@click.group()
def db() -> None:
    """Create, upgrade or downgrade the sessionpacks tables.

    sessionpacks keeps its own Alembic lineage (branch label "sessionpacks") and version table
    (sessionpacks_alembic_version), so it never touches a host's own migrations.
    """


@db.command()
@click.argument("revision", default=f"{migrate.BRANCH}@head")
@json_option
@pass_state
def upgrade(state: State, revision: str, as_json: bool) -> None:
    """Create the tables, or bring them up to REVISION (the newest by default)."""
    engine = state.engine(create=True)
    with _alembic_errors():
        migrate.upgrade(engine, revision)
    _report(state, engine, as_json)


@db.command()
@click.argument("revision")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@json_option
@pass_state
def downgrade(state: State, revision: str, yes: bool, as_json: bool) -> None:
    """Take the tables back to REVISION; "base" drops every sessionpacks table and its data."""
    if not yes:
        click.confirm(
            f"Downgrading {state.shown_url} to {revision} can drop tables and every credit in"
            " them. Continue?",
            abort=True,
            err=True,
        )
    engine = state.engine()
    with _alembic_errors():
        migrate.downgrade(engine, revision)
    _report(state, engine, as_json)


@db.command()
@json_option
@pass_state
def current(state: State, as_json: bool) -> None:
    """Show the database's revision, and whether it needs an upgrade."""
    _report(state, state.engine(), as_json)


@contextmanager
def _alembic_errors() -> Iterator[None]:
    try:
        yield
    except CommandError as error:
        raise Failure(f"alembic: {error}") from error


def revision_of(state: State, engine: Engine) -> DatabaseRevision:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": migrate.VERSION_TABLE})
        revisions = tuple(sorted(context.get_current_heads()))
    heads = tuple(sorted(ScriptDirectory.from_config(migrate.alembic_config()).get_heads()))
    return DatabaseRevision(state.shown_url, revisions, heads, revisions == heads)


def _report(state: State, engine: Engine, as_json: bool) -> None:
    found = revision_of(state, engine)
    if as_json:
        print_json(found)
    elif not found.revisions:
        click.echo(f"{found.url} has no sessionpacks tables")
    elif found.up_to_date:
        click.echo(f"{found.url} is at revision {', '.join(found.revisions)}, the newest")
    else:
        click.echo(
            f"{found.url} is at revision {', '.join(found.revisions)}; the newest is"
            f" {', '.join(found.heads)}: run `sessionpacks db upgrade`"
        )
