"""The life of a pass: suspend, unsuspend, extend, delete, and a member's default pack."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import click

from sessionpacks.cli import output
from sessionpacks.cli.credits import show_entries
from sessionpacks.cli.moments import moment_option
from sessionpacks.cli.state import (
    CHANNEL,
    State,
    idempotency_key,
    json_option,
    key_option,
    pass_state,
    print_json,
    reason_option,
)
from sessionpacks.values import LifecycleResult


def _freeze_command(name: str, summary: str) -> click.Command:
    """``suspend`` or ``unsuspend``: the Studio method of the same name on one pass."""

    @click.command(name, help=summary)
    @click.argument("pass_id", type=int)
    @reason_option
    @key_option
    @json_option
    @pass_state
    def command(state: State, pass_id: int, reason: str, key: str | None, as_json: bool) -> None:
        write: Callable[..., LifecycleResult] = getattr(state.studio, name)
        done = write(
            pass_id,
            reason=reason,
            idempotency_key=idempotency_key(key, as_json),
            actor=state.actor,
            channel=CHANNEL,
        )
        _show(done, f"{name}ed pass {pass_id}", as_json)

    return command


suspend = _freeze_command("suspend", "Freeze PASS_ID: it cannot be used until unsuspended.")
unsuspend = _freeze_command(
    "unsuspend",
    "End the freeze of PASS_ID; by its policy, its expiry moves out by the time suspended.",
)


@click.command()
@click.argument("pass_id", type=int)
@moment_option("--to", "through", "The new expiry; a date alone means through that whole day.")
@click.option("--days", type=int, help="Move the expiry out by this many days.")
@reason_option
@key_option
@json_option
@pass_state
def extend(
    state: State,
    pass_id: int,
    to: dt.datetime | None,
    days: int | None,
    reason: str,
    key: str | None,
    as_json: bool,
) -> None:
    """Move the expiry of PASS_ID (--to a date, or out by --days). An expired pass reopens with
    what it forfeited."""
    if (to is None) == (days is None):
        raise click.UsageError("give --to or --days, one of them")
    if days is not None and days < 1:
        raise click.BadParameter("must be at least 1", param_hint="'--days'")
    done = state.studio.extend(
        pass_id,
        expires_at=to,
        by=dt.timedelta(days=days) if days is not None else None,
        reason=reason,
        idempotency_key=idempotency_key(key, as_json),
        actor=state.actor,
        channel=CHANNEL,
    )
    _show(done, f"extended pass {pass_id}", as_json)


@click.command()
@click.argument("pass_id", type=int)
@reason_option
@key_option
@json_option
@pass_state
def delete(state: State, pass_id: int, reason: str, key: str | None, as_json: bool) -> None:
    """Delete PASS_ID: what remains is voided and the pass is hidden; its history stays, and it
    cannot be restored."""
    result = state.studio.void(
        pass_id,
        reason=reason,
        idempotency_key=idempotency_key(key, as_json),
        actor=state.actor,
        channel=CHANNEL,
    )
    show_entries(state, result, f"deleted pass {pass_id}", as_json)


@click.command("default-pack")
@click.argument("member_id", type=int)
@click.argument("pass_id", type=int, required=False)
@click.option("--clear", is_flag=True, help="The member has no default pack any more.")
@json_option
@pass_state
def default_pack(
    state: State, member_id: int, pass_id: int | None, clear: bool, as_json: bool
) -> None:
    """Make PASS_ID the pack that pays first for MEMBER_ID's redemptions (or show the current
    one when PASS_ID is left out)."""
    if clear and pass_id is not None:
        raise click.UsageError("give PASS_ID or --clear, not both")
    if clear or pass_id is not None:
        state.studio.set_default_pass(member_id, pass_id)
    member = state.studio.member(member_id)
    if as_json:
        print_json(member)
        return
    if member.default_pass_id is None:
        click.echo(f"{member.name} (member {member_id}) has no default pack")
        return
    held = state.studio.pass_balance(member.default_pass_id)
    click.echo(
        f"{member.name} (member {member_id}) uses pass {held.pass_id} ({held.label}) first:"
        f" {output.units(held.remaining, held.metric, held.currency)} left"
    )


def _show(done: LifecycleResult, what: str, as_json: bool) -> None:
    if as_json:
        print_json(done)
        return
    click.echo(f"{what}: now {done.state.value}")
    if done.expires_at != done.previous_expires_at:
        click.echo(
            f"expiry moved from {output.expiry(done.previous_expires_at) or 'none'}"
            f" to {output.expiry(done.expires_at)} UTC"
        )
    if done.delta:
        click.echo(f"reopened: {done.delta} units forfeited at expiry are back")
