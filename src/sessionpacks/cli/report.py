"""``sessionpacks report ...``: the owner's and the accountant's reports, as a table on the
terminal, as CSV for a spreadsheet (``--csv``) or as JSON (``--json``); the same figures the
office shows."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any, Protocol

import click

from sessionpacks.cli import output
from sessionpacks.cli.moments import moment_option
from sessionpacks.cli.state import State, pass_state, print_json
from sessionpacks.enums import PassState
from sessionpacks.reports import Table


class Tabled(Protocol):
    def table(self) -> Table: ...


as_of_option = moment_option(
    "--as-of",
    "close",
    "As of this moment (default now); a date alone means at the close of that day.",
)
# A period runs from the start of its first day to the close of its last.
from_option = moment_option("--from", "start", "The period's first day or moment.", "start")
to_option = moment_option("--to", "close", "The period's last day (included) or moment.", "end")
step_option = click.option(
    "--by", "step", type=click.Choice(["week", "month"]), default="month", show_default=True
)


def _formats(command: Callable[..., Any]) -> Callable[..., Any]:
    command = click.option(
        "--json", "as_json", is_flag=True, help="Print the report as one JSON document."
    )(command)
    return click.option(
        "--csv",
        "as_csv",
        is_flag=True,
        help="Print the report as CSV (safe to open in a spreadsheet).",
    )(command)


def _show(report: Tabled, as_json: bool, as_csv: bool, *more: Table) -> None:
    if as_json and as_csv:
        raise click.UsageError("give --json or --csv, not both")
    if as_json:
        print_json(report)
        return
    tables = (report.table(), *more)
    if as_csv:
        click.echo("\r\n".join(t.to_csv() for t in tables), nl=False)
        return
    for number, table in enumerate(tables):
        if number:
            click.echo()
        click.echo(table.title)
        output.echo_table(
            [c.upper() for c in table.columns],
            table.rows,
            right=_numeric(table),
            empty="(nothing)",
        )


def _numeric(table: Table) -> set[int]:
    """Columns whose cells are all numbers (or money), aligned right."""
    found = set()
    for index in range(len(table.columns)):
        cells = [row[index] for row in table.rows if row[index] is not None]
        if cells and all(isinstance(c, int) or _is_amount(c) for c in cells):
            found.add(index)
    return found


def _is_amount(cell: object) -> bool:
    return isinstance(cell, str) and cell.lstrip("-").replace(".", "", 1).isdigit()


Period = tuple[dt.datetime, dt.datetime]


def _over_a_period(command: Callable[..., Any]) -> Callable[..., Any]:
    """A report over the period of ``--from`` and ``--to``, given to it as ``period``."""

    @functools.wraps(command)
    def run(state: State, start: dt.datetime | None, end: dt.datetime | None, **given: Any) -> None:
        if start is None or end is None:
            raise click.UsageError("give the period with --from and --to")
        command(state, (start, end), **given)

    return from_option(to_option(_formats(pass_state(run))))


@click.group()
def report() -> None:
    """Reports: pass lists, liability, revenue, attendance and sales (see docs/reports.md)."""


@report.command()
@click.option("--template", "template_id", type=int, help="Only passes of this template id.")
@click.option("--service", "service_id", type=int, help="Only passes that pay for this service.")
@click.option(
    "--state",
    "states",
    multiple=True,
    type=click.Choice([s.value for s in PassState]),
    help="Only passes in this state (repeat for several); default: all that hold something.",
)
@as_of_option
@_formats
@pass_state
def holders(
    state: State,
    template_id: int | None,
    service_id: int | None,
    states: tuple[str, ...],
    as_of: dt.datetime | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    """Who holds which passes, and what they hold."""
    found = state.studio.reports.holders(
        as_of=as_of, template_id=template_id, service_id=service_id, states=states or None
    )
    _show(found, as_json, as_csv)


@report.command()
@click.option("--within", "within_days", type=int, default=30, show_default=True, help="Days.")
@as_of_option
@_formats
@pass_state
def expiring(
    state: State, within_days: int, as_of: dt.datetime | None, as_json: bool, as_csv: bool
) -> None:
    """Passes that still hold something and expire within the next days."""
    _show(state.studio.reports.expiring(within_days=within_days, as_of=as_of), as_json, as_csv)


@report.command("low-balance")
@click.option("--sessions-left", type=int, default=1, show_default=True)
@as_of_option
@_formats
@pass_state
def low_balance(
    state: State, sessions_left: int, as_of: dt.datetime | None, as_json: bool, as_csv: bool
) -> None:
    """Passes that can pay for that many more sessions or fewer (money and minutes too)."""
    found = state.studio.reports.low_balance(sessions_left=sessions_left, as_of=as_of)
    _show(found, as_json, as_csv)


@report.command()
@as_of_option
@_formats
@pass_state
def unused(state: State, as_of: dt.datetime | None, as_json: bool, as_csv: bool) -> None:
    """Passes sold and never used."""
    _show(state.studio.reports.unused(as_of=as_of), as_json, as_csv)


@report.command()
@as_of_option
@_formats
@pass_state
def suspended(state: State, as_of: dt.datetime | None, as_json: bool, as_csv: bool) -> None:
    """Suspended passes."""
    _show(state.studio.reports.suspended(as_of=as_of), as_json, as_csv)


@report.command()
@as_of_option
@_formats
@pass_state
def liability(state: State, as_of: dt.datetime | None, as_json: bool, as_csv: bool) -> None:
    """The paid value of unused credits (deferred revenue), by template and currency."""
    _show(state.studio.reports.liability(as_of=as_of), as_json, as_csv)


@report.command()
@_over_a_period
def revenue(state: State, period: Period, as_json: bool, as_csv: bool) -> None:
    """Sales, revenue recognised, refunds and deferred revenue over a period; the last lines,
    one per currency, reconcile: deferred at start + sales - recognised - refunded = at end."""
    _show(state.studio.reports.revenue(*period), as_json, as_csv)


@report.command()
@step_option
@_over_a_period
def money(state: State, period: Period, step: str, as_json: bool, as_csv: bool) -> None:
    """Sales, revenue and liability by week or month."""
    _show(state.studio.reports.money_over_time(*period, step=step), as_json, as_csv)


@report.command()
@_over_a_period
def attendance(state: State, period: Period, as_json: bool, as_csv: bool) -> None:
    """Redemptions by service, channel and week; no-shows and late cancellations."""
    found = state.studio.reports.attendance(*period)
    _show(found, as_json, as_csv, found.channel_table(), found.week_table())


@report.command()
@step_option
@_over_a_period
def sales(state: State, period: Period, step: str, as_json: bool, as_csv: bool) -> None:
    """Packs sold and refunded, by template and week or month."""
    _show(state.studio.reports.sales(*period, step=step), as_json, as_csv)
