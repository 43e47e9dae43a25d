"""``sessionpacks walkthrough``: a short guided demo on a fresh SQLite file.

Each step prints the command a user would type, then runs exactly that command line through the
same group, so what the demo shows is what the commands really do.
"""

from __future__ import annotations

import datetime as dt
import shlex
import sqlite3
from pathlib import Path

import click

from sessionpacks.cli.state import Failure, State

DEFAULT_FILE = "sessionpacks-walkthrough.db"
# Stamped into the file's header (PRAGMA application_id), so that a rerun replaces only a file
# the walkthrough made and never a database that happens to have the same name.
APPLICATION_ID = 0x53504B57  # "SPKW"


@click.command()
@click.option(
    "--db",
    "path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_FILE,
    show_default=True,
    help="The SQLite file to create; a file left by an earlier walkthrough is replaced.",
)
@click.pass_context
def walkthrough(ctx: click.Context, path: Path) -> None:
    """Show sessionpacks at work: a 10-class pack sold, used twice, checked.

    It always uses its own SQLite file (ignoring --url), made fresh in the current directory.
    """
    _fresh_file(path)
    url = f"sqlite:///{path}"
    root = ctx.find_root().command

    def step(comment: str, *argv: str) -> None:
        click.echo()
        click.echo(f"# {comment}")
        click.echo(click.style(f"$ sessionpacks {shlex.join(argv)}", bold=True))
        code = root.main(["--url", url, *argv], prog_name="sessionpacks", standalone_mode=False)
        if code not in (None, 0):
            raise Failure(f"the walkthrough stopped at: sessionpacks {shlex.join(argv)}")

    click.echo("sessionpacks walkthrough: prepaid credits on a fresh SQLite file.")
    click.echo("Each step shows the command it runs. To type them yourself afterwards, first run")
    click.echo(f"    export SESSIONPACKS_DATABASE_URL={shlex.quote(url)}")

    step("Create the sessionpacks tables.", "db", "upgrade")
    step(
        "A service that credits pay for: a 60-minute yoga class, 18.00 EUR drop-in.",
        *("service", "add", "Vinyasa Yoga", "--category", "yoga", "--minutes", "60"),
        *("--price", "1800", "--currency", "EUR"),
    )
    step(
        "An account: who pays. Its ref is the id your own site knows it by.",
        *("account", "add", "lee-family", "The Lee family"),
    )
    step("A member: who attends.", "member", "add", "lee-family", "Ann Lee")

    lookup = State(url)
    try:
        ann = lookup.studio.members(lookup.account("lee-family").id)[0].id
        yoga = next(s.id for s in lookup.studio.services() if s.name == "Vinyasa Yoga")
    finally:
        lookup.close()
    member, service = str(ann), str(yoga)
    expires = (dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=90)).isoformat()

    step(
        "Ann buys a 10-class yoga pack at the desk for 150.00 EUR, valid for 90 days.",
        *("grant", "lee-family", "10", "--member", member, "--category", "yoga"),
        *("--label", "10-class yoga pack", "--expires", expires),
        *("--paid", "15000", "--paid-currency", "EUR"),
        *("--reason", "bought at the front desk", "--key", "walkthrough-sale"),
    )
    step(
        "Before her first class: which pass would pay? A dry run changes nothing.",
        *("redeem", member, service, "--dry-run"),
    )
    step(
        "Ann comes to class: take one session. The key makes a retry safe.",
        *("redeem", member, service, "--key", "walkthrough-visit-1"),
    )
    step("And again the next week.", "redeem", member, service, "--key", "walkthrough-visit-2")
    step(
        "The desk's network hiccups and it sends the same request again: same key, same answer,"
        " nothing taken twice.",
        *("redeem", member, service, "--key", "walkthrough-visit-2"),
    )
    step("What the account holds now.", "balance", "lee-family")
    step(
        "The ledger, newest first: every redemption knows its number in the pack.",
        *("history", "lee-family"),
    )
    step("Prove that every balance is the sum of its ledger entries.", "verify")

    click.echo()
    click.echo(f"Done: Ann has 8 of her 10 classes left. The data is in {path}; try")
    click.echo(f"    sessionpacks --url {shlex.quote(url)} history lee-family --json")


def _fresh_file(path: Path) -> None:
    if path.exists() and _application_id(path) != APPLICATION_ID:
        raise Failure(
            f"{path} exists and was not made by the walkthrough; move it away or choose another"
            " file with --db"
        )
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.close()


def _application_id(path: Path) -> int | None:
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            row = conn.execute("PRAGMA application_id").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError:  # not a SQLite file at all
        return None
    return int(row[0]) if row else None
