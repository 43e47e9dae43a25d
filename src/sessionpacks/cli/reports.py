"""The reads: balances, history, verification, and delivering side effects that failed."""

from __future__ import annotations

import datetime as dt

import attrs
import click

from sessionpacks.cli import output
from sessionpacks.cli.moments import moment_option
from sessionpacks.cli.state import Failure, State, json_option, pass_state, print_json
from sessionpacks.directory import AccountInfo
from sessionpacks.reading import totals
from sessionpacks.values import Balance, PassBalance

as_of_option = moment_option(
    "--as-of",
    "close",
    "Answer as of this moment; a date alone means at the close of that day (UTC).",
)


@attrs.frozen
class AccountBalance:
    """An account's passes and what it can still spend, as ``balance --json`` prints them."""

    account: AccountInfo
    as_of: dt.datetime | None
    passes: tuple[PassBalance, ...]
    totals: tuple[Balance, ...]


@click.command()
@click.argument("account_ref")
@as_of_option
@json_option
@pass_state
def balance(state: State, account_ref: str, as_of: dt.datetime | None, as_json: bool) -> None:
    """Show the passes of ACCOUNT_REF with what each holds, and the totals it can spend."""
    holder = state.account(account_ref)
    held = state.studio.passes(holder.id, as_of=as_of)
    # Totals from the same read as the table, so the two always agree.
    report = AccountBalance(holder, as_of, held, totals(held))
    if as_json:
        print_json(report)
        return
    when = f"as of {output.moment(as_of)} UTC" if as_of else "now"
    click.echo(f"account {holder.ref!r} ({holder.name}), {when}")
    names = _member_names(state, holder.id)
    output.echo_table(
        ["PASS", "LABEL", "FOR", "STATE", "FROM", "REMAINING", "OF", "STARTS", "EXPIRES (UTC)"],
        [
            (
                p.pass_id,
                p.label,
                names.get(p.member_id, "") if p.member_id else "everyone",
                p.state.value,
                output.source(p.source),
                output.units(p.remaining, p.metric, p.currency),
                output.units(p.initial_quantity, p.metric, p.currency),
                output.start(p.starts_at),
                output.expiry(p.expires_at),
            )
            for p in held
        ],
        right={0, 5, 6},
        empty="no passes",
    )
    if report.totals:
        spendable = ", ".join(output.units(t.units, t.metric, t.currency) for t in report.totals)
        click.echo(f"can spend: {spendable}")
    else:
        click.echo("can spend: nothing")


@click.command()
@click.argument("account_ref")
@click.option("--member", "member_id", type=int, help="Only what concerns this member.")
@click.option("--pass", "pass_id", type=int, help="Only this pass.")
@as_of_option
@click.option("--limit", type=int, help="At most this many entries, the newest.")
@json_option
@pass_state
def history(
    state: State,
    account_ref: str,
    member_id: int | None,
    pass_id: int | None,
    as_of: dt.datetime | None,
    limit: int | None,
    as_json: bool,
) -> None:
    """Show the ledger of ACCOUNT_REF, newest first, with "session n of N" on redemptions."""
    studio = state.studio
    holder = state.account(account_ref)
    # Name a member or pass of another account rather than answer with an empty list.
    if member_id is not None and studio.member(member_id).account_id != holder.id:
        raise Failure(f"member {member_id} does not belong to account {holder.ref!r}")
    if pass_id is not None and studio.pass_balance(pass_id).account_id != holder.id:
        raise Failure(f"pass {pass_id} does not belong to account {holder.ref!r}")
    entries = studio.history(
        account_id=holder.id, member_id=member_id, pass_id=pass_id, as_of=as_of, limit=limit
    )
    if as_json:
        print_json(entries)
        return
    held = {p.pass_id: p for p in studio.passes(holder.id, include_voided=True)}
    names = _member_names(state, holder.id)
    services = {s.id: s.name for s in studio.services()}
    rows = []
    for e in entries:
        p = held[e.pass_id]
        rows.append(
            (
                output.moment(e.created_at),
                e.pass_id,
                e.kind.value,
                e.redemption_id,
                output.change(e.delta, p.metric, p.currency),
                output.units(e.balance_after, p.metric, p.currency),
                names.get(e.member_id, "") if e.member_id else "",
                services.get(e.service_id, "") if e.service_id else "",
                f"{e.actor_kind}:{e.actor_id} ({e.channel.value})",
                output.nth(e.number, e.of) or e.reason or "",
            )
        )
    when = f", as of {output.moment(as_of)} UTC" if as_of else ""
    click.echo(f"history of account {holder.ref!r} ({holder.name}){when}, newest first")
    output.echo_table(
        [
            "WHEN (UTC)",
            "PASS",
            "KIND",
            "REDEMPTION",
            "CHANGE",
            "BALANCE",
            "MEMBER",
            "SERVICE",
            "BY",
            "NOTE",
        ],
        rows,
        right={1, 3, 4, 5},
        empty="no entries",
    )


@click.command("can-spend")
@click.argument("member_id", type=int)
@click.argument("service_id", type=int)
@json_option
@pass_state
def can_spend(state: State, member_id: int, service_id: int, as_json: bool) -> None:
    """What MEMBER_ID can spend on SERVICE_ID now: their own passes and the family's, within any
    per-member cap, counted per metric."""
    found = state.studio.member_balance(member_id, service_id)
    if as_json:
        print_json(found)
        return
    if not found:
        click.echo("nothing: no usable pass for this service")
    for usable in found:
        click.echo(output.units(usable.units, usable.metric, usable.currency))


@click.command()
@json_option
@pass_state
def verify(state: State, as_json: bool) -> None:
    """Prove that every pass's cached balance and carried value equal the sums of its ledger
    entries.

    Exits 0 when all agree, 1 naming every pass that does not.
    """
    problems = state.studio.verify()
    if as_json:
        print_json(problems)
    elif not problems:
        click.echo("all balances agree: every pass holds the sum of its ledger entries")
    else:
        output.echo_table(
            [
                "PASS",
                "CACHED BALANCE",
                "LEDGER SUM",
                "LAST ENTRY'S BALANCE",
                "VALUE",
                "LEDGER VALUE",
            ],
            [
                (
                    p.pass_id,
                    p.cached,
                    p.ledger_sum,
                    p.last_balance_after,
                    p.value_left_minor,
                    p.ledger_value_minor,
                )
                for p in problems
            ],
            right={0, 1, 2, 3, 4, 5},
        )
    if problems:
        named = ", ".join(str(p.pass_id) for p in problems)
        raise Failure(
            f"pass {named} disagrees with its ledger"
            if len(problems) == 1
            else f"{len(problems)} passes disagree with their ledger: passes {named}"
        )


@click.command()
@json_option
@pass_state
def retry(state: State, as_json: bool) -> None:
    """Deliver the emails, tasks and events that failed or were never sent.

    Exits 1 while some still fail, so that a scheduled run gets noticed.
    """
    report = state.studio.retry_side_effects()
    if as_json:
        print_json(report)
    else:
        click.echo(f"delivered {report.delivered} side effect(s); {report.failed} still failing")
    if report.failed:
        raise Failure(f"{report.failed} side effect(s) still failing; see the log for why")


def _member_names(state: State, account_id: int) -> dict[int | None, str]:
    return {m.id: m.name for m in state.studio.members(account_id)}
