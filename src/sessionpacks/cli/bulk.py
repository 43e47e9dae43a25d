"""``sessionpacks bulk-grant``: credits for every client of a CSV file, as one batch, with its
report, and undone as one."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import click

from sessionpacks import codec, validation
from sessionpacks.cli import output, progress
from sessionpacks.cli.state import (
    CHANNEL,
    Failure,
    State,
    idempotency_key,
    json_option,
    key_option,
    pass_state,
    reason_option,
)
from sessionpacks.cli.terms import pass_terms_options, terms_from
from sessionpacks.enums import ItemOutcome
from sessionpacks.errors import InvalidInput
from sessionpacks.values import BulkGrantReport, Recipient

REF_COLUMN = "account_ref"
MEMBER_COLUMN = "member_id"


class _BulkGroup(click.Group):
    """``bulk-grant FILE QUANTITY`` runs a batch; ``bulk-grant undo|show ...`` are subcommands.

    A first argument that names no subcommand is taken as the CSV file of ``bulk-grant run``
    (write ``./undo`` for a file called ``undo``).
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_BulkGroup, name="bulk-grant")
def bulk_grant() -> None:
    """Give credits to many clients at once, from a CSV file, as one batch.

    \b
      sessionpacks bulk-grant FILE.csv QUANTITY --reason R --batch-key K [options]
      sessionpacks bulk-grant show BATCH_ID
      sessionpacks bulk-grant undo BATCH_ID --reason R

    The file has a header row with an account_ref column (your site's id of the account) and
    optionally member_id (the pass is then that member's alone). Every row is granted or skipped
    with a reason. Running the same command again with the same --batch-key finishes a batch that
    was interrupted, and grants nobody twice.
    """


@bulk_grant.command(name="run")
@click.argument("csv_file", metavar="FILE.csv", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("quantity", type=int)
@pass_terms_options
@reason_option
@click.option(
    "--batch-key",
    required=True,
    help="The batch's idempotency key, such as the file's name and date. Run again with the same"
    " key, file and options to finish an interrupted batch.",
)
@json_option
@pass_state
def run(
    state: State,
    csv_file: Path,
    quantity: int,
    metric: str,
    currency: str | None,
    service_ids: tuple[int, ...],
    categories: tuple[str, ...],
    label: str,
    starts: dt.datetime | None,
    expires: dt.datetime | None,
    reason: str,
    batch_key: str,
    as_json: bool,
) -> None:
    """Give every client of FILE.csv a new pass holding QUANTITY credits."""
    rows = _check_file(csv_file)
    terms = terms_from(quantity, metric, currency, service_ids, categories, label, starts, expires)
    studio = state.studio

    def grant(on_progress: Callable[[BulkGrantReport], None] | None = None) -> BulkGrantReport:
        return studio.bulk_grant(
            _recipients(csv_file),
            terms,
            reason=reason,
            batch_key=batch_key,
            actor=state.actor,
            channel=CHANNEL,
            on_progress=on_progress,
        )

    if as_json:
        _print_json(state, grant())
        return
    count = progress.running_count("granted", rows)

    def advance(report: BulkGrantReport) -> None:
        if count is not None:
            count(report.processed)

    report = grant(advance)
    progress.finish(count)
    _show(state, report)


@bulk_grant.command()
@click.argument("batch_id", type=int)
@json_option
@pass_state
def show(state: State, batch_id: int, as_json: bool) -> None:
    """Where bulk grant BATCH_ID stands, and the rows it skipped with their reasons."""
    report = state.studio.grant_batch(batch_id)
    if as_json:
        _print_json(state, report)
    else:
        _show(state, report)


@bulk_grant.command()
@click.argument("batch_id", type=int)
@reason_option
@key_option
@json_option
@pass_state
def undo(state: State, batch_id: int, reason: str, key: str | None, as_json: bool) -> None:
    """Take back what bulk grant BATCH_ID gave.

    Passes never used are deleted; from passes already used, what remains is taken back and
    their redemptions stay. The batch grants no more afterwards.
    """
    report = state.studio.undo_bulk_grant(
        batch_id,
        reason=reason,
        idempotency_key=idempotency_key(key, as_json),
        actor=state.actor,
        channel=CHANNEL,
    )
    if as_json:
        _print_json(state, report)
        return
    counts: dict[str, int] = {}
    for item in state.studio.grant_batch_items(batch_id, outcome=ItemOutcome.GRANTED):
        if item.undo is not None:
            counts[item.undo.value] = counts.get(item.undo.value, 0) + 1
    said = ", ".join(f"{n} {how}" for how, n in counts.items()) or "nothing to take back"
    click.echo(f"undid bulk grant {batch_id} ({report.batch_key}): {said}")


def _check_file(path: Path) -> int:
    """Read the file once before anything is written: its header, its member ids, its rows."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as stream:
            reader = csv.DictReader(stream, strict=True)
            done = 0  # lines read in whole records; a broken record starts on the next one
            try:
                if reader.fieldnames is None or REF_COLUMN not in reader.fieldnames:
                    raise Failure(
                        f"{path} needs a header row with an {REF_COLUMN} column"
                        f" (and optionally {MEMBER_COLUMN})"
                    )
                rows = 0
                for rows, row in enumerate(reader, start=1):  # noqa: B007 - the count is the result
                    _check_row(f"{path}, line {reader.line_num}", row)
                    done = reader.line_num
                return rows
            except csv.Error as error:
                raise Failure(f"{path}, line {done + 1}: bad CSV: {error}") from error
    except OSError as error:
        raise Failure(f"cannot read {path}: {error.strerror or error}") from error
    except UnicodeDecodeError as error:
        raise Failure(f"{path} is not a UTF-8 CSV file: {error}") from error


def _check_row(where: str, row: dict[str | None, str | None]) -> None:
    # DictReader files surplus cells under None and fills missing ones with None.
    if None in row or None in row.values():
        raise Failure(f"{where}: has a different number of columns than the header")
    member = (row.get(MEMBER_COLUMN) or "").strip()
    if not member:
        return
    if not (member.isascii() and member.isdigit()):
        raise Failure(f"{where}: {MEMBER_COLUMN} must be a whole number, got {member!r}")
    try:
        validation.positive(MEMBER_COLUMN, int(member))
    except InvalidInput as error:
        raise Failure(f"{where}: {error}") from error


def _recipients(path: Path) -> Iterator[Recipient]:
    """The file's rows as recipients, one at a time."""
    with path.open(newline="", encoding="utf-8-sig") as stream:
        for row in csv.DictReader(stream, strict=True):
            member = (row.get(MEMBER_COLUMN) or "").strip()
            yield Recipient(
                account_ref=(row.get(REF_COLUMN) or "").strip(),
                member_id=int(member) if member else None,
            )


def _show(state: State, report: BulkGrantReport) -> None:
    click.echo(
        f"bulk grant {report.batch_id} ({report.batch_key}), {report.state.value}:"
        f" {report.granted} granted, {report.skipped} skipped of {report.processed};"
        f" {output.units(report.terms.quantity, report.terms.metric, report.terms.currency)}"
        " each"
    )
    if report.undone:
        click.echo(f"undone: {report.undone} passes taken back ({report.undo_reason})")
    skipped = state.studio.grant_batch_items(report.batch_id, outcome=ItemOutcome.SKIPPED)
    first = next(skipped, None)
    if first is None:
        return
    click.echo("skipped:")
    click.echo(
        output.table(
            ["LINE", "ACCOUNT", "MEMBER", "WHY"],
            (
                # The CSV's line: its header is line 1.
                (
                    item.position + 2,
                    item.account_ref or item.account_id,
                    item.member_id,
                    item.why.value if item.why else None,
                )
                for item in (first, *skipped)
            ),
            right=(0,),
        )
    )


def _print_json(state: State, report: BulkGrantReport) -> None:
    """The report and the skipped rows, written item by item rather than built in memory."""
    head = json.dumps(codec.encode(report), indent=2).replace("\n", "\n  ")
    click.echo('{\n  "report": ' + head + ',\n  "skipped": [', nl=False)
    items = state.studio.grant_batch_items(report.batch_id, outcome=ItemOutcome.SKIPPED)
    for number, item in enumerate(items):
        click.echo(("," if number else "") + "\n    " + json.dumps(codec.encode(item)), nl=False)
    click.echo("\n  ]\n}")
