"""``sessionpacks import-clients``: a studio's client list, from a CSV file, in chunks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click

from sessionpacks.cli import output, progress
from sessionpacks.cli.state import Failure, State, json_option, pass_state, print_json
from sessionpacks.client_import import ClientImportReport, ClientRow, read_csv
from sessionpacks.errors import InvalidInput


@click.command("import-clients")
@click.argument("csv_file", metavar="FILE.csv", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--chunk-size", default=1000, show_default=True, help="Rows written per transaction.")
@json_option
@pass_state
def import_clients(state: State, csv_file: Path, chunk_size: int, as_json: bool) -> None:
    """Add the clients of FILE.csv: a header with account_ref and name, and optionally
    member_name, member_ref (the kiosk code) and email; one member per row, rows with the same
    account_ref being members of one account. The whole file is checked before anything is
    written. Clients already there are counted, not added again, so running the same file again
    after an interruption finishes it."""
    rows = sum(1 for _ in _rows(csv_file))  # a bad file stops here, before any write
    if as_json:
        print_json(state.studio.import_clients(_rows(csv_file), chunk_size=chunk_size))
        return
    count = progress.running_count("imported", rows)

    def advance(report: ClientImportReport) -> None:
        if count is not None:
            count(report.processed)

    report = state.studio.import_clients(
        _rows(csv_file), chunk_size=chunk_size, on_progress=advance
    )
    progress.finish(count)
    click.echo(
        f"{report.accounts_added} accounts and {report.members_added} members added,"
        f" {report.already_present} already there, {len(report.refused)} refused"
        f" ({report.processed} rows)"
    )
    if report.refused:
        click.echo(
            output.table(["LINE", "WHY"], ((r.line, r.reason) for r in report.refused), right=(0,))
        )


def _rows(path: Path) -> Iterator[ClientRow]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as stream:
            yield from read_csv(stream, str(path))
    except OSError as error:
        raise Failure(f"cannot read {path}: {error.strerror or error}") from error
    except InvalidInput as error:
        raise Failure(str(error)) from None
