"""The ``sessionpacks`` command group, its global options, and how errors are shown."""

from __future__ import annotations

from typing import Any

import click
import sqlalchemy as sa

from sessionpacks.cli import (
    bookings,
    bulk,
    credits,
    db,
    due,
    imports,
    lifecycle,
    plans,
    products,
    records,
    report,
    reports,
    walkthrough,
)
from sessionpacks.cli.state import UPGRADE_HINT, Failure, State
from sessionpacks.database import DEFAULT_URL
from sessionpacks.errors import SessionPacksError
from sessionpacks.expiry import studio_zone

# What each database says when a table or column is missing: the schema is absent or older.
_MISSING_TABLE = ("no such table", "does not exist", "doesn't exist")
_MISSING_COLUMN = ("no such column", "unknown column", "undefinedcolumn")


class CommandGroup(click.Group):
    """Turns the library's errors into one line on stderr and exit code 1, with no traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SessionPacksError as error:
            raise Failure(str(error)) from error
        except sa.exc.DBAPIError as error:
            state = ctx.find_object(State)
            raise Failure(database_problem(error, state.shown_url if state else "")) from error


def database_problem(error: sa.exc.DBAPIError, url: str) -> str:
    said = str(error.orig).strip()
    lowered = said.lower()
    missing_table = "sessionpacks_" in lowered and any(m in lowered for m in _MISSING_TABLE)
    if missing_table or any(m in lowered for m in _MISSING_COLUMN):
        return (
            f"the database {url} lacks sessionpacks tables, or has older ones than this version"
            f" needs: {UPGRADE_HINT}"
        )
    first_line = said.splitlines()[0] if said else type(error.orig).__name__
    return f"the database {url} said: {first_line}"


def _check_url(ctx: click.Context, param: click.Parameter, value: str) -> str:
    try:
        sa.make_url(value)
    except sa.exc.ArgumentError as error:
        raise click.BadParameter(str(error)) from error
    return value


def _check_zone(ctx: click.Context, param: click.Parameter, value: str) -> str:
    try:
        studio_zone(value)
    except SessionPacksError as error:
        raise click.BadParameter(str(error)) from error
    return value


@click.group(cls=CommandGroup)
@click.option(
    "--url",
    envvar="SESSIONPACKS_DATABASE_URL",
    show_envvar=True,
    default=DEFAULT_URL,
    show_default=True,
    callback=_check_url,
    help="The SQLAlchemy URL of the database, such as postgresql+psycopg://user@host/db.",
)
@click.option(
    "--plugin",
    "plugins",
    multiple=True,
    envvar="SESSIONPACKS_PLUGINS",
    show_envvar=True,
    metavar="MODULE:NAME",
    help="A sessionpacks plugin to register, such as your payment provider for sell and refund;"
    " a class is instantiated without arguments. Repeat for several.",
)
@click.option(
    "--timezone",
    envvar="SESSIONPACKS_TIMEZONE",
    show_envvar=True,
    default="UTC",
    show_default=True,
    callback=_check_zone,
    help="The studio's IANA time zone, such as Europe/Paris: it decides when a date alone"
    " (--expires 2026-03-31) begins and ends.",
)
@click.version_option(package_name="sessionpacks")
@click.pass_context
def cli(ctx: click.Context, url: str, plugins: tuple[str, ...], timezone: str) -> None:
    """Prepaid credits from the command line: accounts, passes, redemptions and their ledger.

    The command line is a host of its own. Whoever runs it holds the database credentials, so it
    allows every action (a studio built with Settings(policy=allow_all)) and records each write
    as done by actor "cli:<your OS user name>" on channel "cli". Give its database URL only to
    people who may change every balance.

    Writes take --key, an idempotency key: repeating a command with the same key returns the
    first result and changes nothing. Reads and writes take --json.

    Moments are ISO 8601 with a zone (2026-03-31T18:00:00+02:00, or Z for UTC); a date alone is
    a day in the studio's --timezone (UTC unless set): --expires 2026-03-31 means valid through
    that whole day, --as-of 2026-03-31 means at the close of that day, --starts 2026-03-01 means
    from the start of that day.

    New here? Run `sessionpacks walkthrough`.
    """
    state = State(url, plugins, timezone)
    ctx.obj = state
    ctx.call_on_close(state.close)


for command in (
    db.db,
    records.account,
    records.member,
    records.service,
    records.services,
    credits.grant,
    credits.redeem,
    credits.reverse,
    credits.adjust,
    bulk.bulk_grant,
    imports.import_clients,
    reports.balance,
    reports.can_spend,
    reports.history,
    reports.verify,
    reports.retry,
    report.report,
    walkthrough.walkthrough,
    *bookings.COMMANDS,
    # -- templates, selling, lifecycle (issue 3) --
    products.template,
    products.sell,
    products.assign,
    products.refund,
    products.payments,
    lifecycle.suspend,
    lifecycle.unsuspend,
    lifecycle.extend,
    lifecycle.delete,
    lifecycle.default_pack,
    *due.COMMANDS,
    # -- plans and renewals (issue 5) --
    *plans.COMMANDS,
):
    cli.add_command(command)


def main() -> None:
    """The console script's entry point."""
    cli.main(prog_name="sessionpacks")
