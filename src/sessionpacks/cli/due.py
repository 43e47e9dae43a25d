"""Time-based work: the expiry sweep, pass reminders, staff tasks and ``run-due`` for cron."""

from __future__ import annotations

import datetime as dt

import attrs
import click

from sessionpacks.cli import output, progress
from sessionpacks.cli.bookings import reminders
from sessionpacks.cli.moments import moment_option
from sessionpacks.cli.state import CHANNEL, Failure, State, json_option, pass_state, print_json
from sessionpacks.expiry import ExpiredPass, ForfeitedValue
from sessionpacks.staff_tasks import TaskState
from sessionpacks.units import format_money

now_option = moment_option(
    "--now",
    "close",
    "Act as if it were this moment (default: now); a date alone means the close of that day.",
)


@attrs.frozen
class ExpiryOutput:
    """What ``expire --json`` prints: every pass expired, with the totals."""

    expired: tuple[ExpiredPass, ...]
    batches: int
    units: int
    value: tuple[ForfeitedValue, ...]


@click.command()
@now_option
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=500,
    show_default=True,
    help="Passes per transaction.",
)
@click.option("--max-batches", type=click.IntRange(min=1), help="Stop after this many batches.")
@click.option(
    "--key",
    metavar="KEY",
    help="Idempotency key of this run: repeating it with the same key prints the same report.",
)
@click.option("--detail", is_flag=True, help="List every pass expired, not only the totals.")
@json_option
@pass_state
def expire(
    state: State,
    now: dt.datetime | None,
    batch_size: int,
    max_batches: int | None,
    key: str | None,
    detail: bool,
    as_json: bool,
) -> None:
    """Expire every pass whose expiry has come, recording the units and value forfeited, and
    print the totals (--detail: every pass too).

    Safe to run as often as you like, and to run again after a run that was killed.
    """
    count = None if as_json else progress.running_count("expired")
    report = state.studio.expire_due(
        now,
        batch_size=batch_size,
        max_batches=max_batches,
        idempotency_key=key,
        on_progress=count,
    )
    progress.finish(count)
    if as_json:
        print_json(ExpiryOutput(report.expired, report.batches, report.units, report.value))
        return
    value = ", ".join(format_money(v.value_minor, v.currency) for v in report.value if v.currency)
    click.echo(
        f"expired {len(report.expired)} pass(es) in {report.batches} batch(es),"
        f" {report.units} unit(s) forfeited" + (f" worth {value}" if value else "")
    )
    if not detail:
        return
    output.echo_table(
        ["PASS", "ACCOUNT", "FORFEITED", "VALUE", "EXPIRED AT (UTC)"],
        [
            (
                e.pass_id,
                e.account_id,
                e.units,
                f"{e.value_minor} {e.currency}" if e.currency else e.value_minor,
                output.moment(e.at),
            )
            for e in report.expired
        ],
        right={0, 1, 2, 3},
        empty="nothing was due",
    )


@reminders.command("passes")
@now_option
@json_option
@pass_state
def reminders_passes(state: State, now: dt.datetime | None, as_json: bool) -> None:
    """Send the expiring-soon, low-balance and last-session reminders that are due, each once."""
    report = state.studio.send_pass_reminders(now)
    if as_json:
        print_json(report)
        return
    for sent in report.sent:
        click.echo(f"pass {sent.pass_id}: {sent.kind.value} to {', '.join(sent.to)}")
    click.echo(f"sent {len(report.sent)} pass reminder(s)")


@click.command("run-due")
@now_option
@json_option
@pass_state
def run_due(state: State, now: dt.datetime | None, as_json: bool) -> None:
    """Run all due time-based work: expiry, renewals of plans and auto-renewing passes, pass and
    appointment reminders, and retries of emails and tasks that failed. Meant for cron or a
    periodic task; safe to run again.

    Exits 1 when some side effects still fail, so that a scheduled run gets noticed.
    """
    count = None if as_json else progress.running_count("expired")
    report = state.studio.run_due_work(now, on_progress=count)
    progress.finish(count)
    if as_json:
        print_json(report)
    else:
        click.echo(
            f"expired {report.expired} pass(es) ({report.units_forfeited} unit(s) forfeited);"
            f" renewed {report.renewed} ({report.renewals_failed} renewal(s) failed);"
            f" sent {report.pass_reminders} pass reminder(s) and"
            f" {report.appointment_reminders} appointment reminder(s);"
            f" delivered {report.side_effects_delivered} side effect(s),"
            f" {report.side_effects_failed} still failing"
        )
    if report.side_effects_failed:
        raise Failure(
            f"{report.side_effects_failed} side effect(s) still failing; see the log for why"
        )


@click.group()
def tasks() -> None:
    """Staff to-dos: a pack used up, a pack expired."""


@tasks.command("list")
@click.option(
    "--state",
    "task_state",
    type=click.Choice([s.value for s in TaskState]),
    help="Only open or only done tasks (default: all).",
)
@click.option("--account", "account_ref", help="Only the tasks of the account with this ref.")
@json_option
@pass_state
def tasks_list(
    state: State, task_state: str | None, account_ref: str | None, as_json: bool
) -> None:
    """List staff tasks, oldest first."""
    account_id = state.account(account_ref).id if account_ref is not None else None
    found = state.studio.tasks(state=task_state, account_id=account_id)
    if as_json:
        print_json(found)
        return
    output.echo_table(
        ["ID", "STATE", "CREATED (UTC)", "PASS", "TITLE"],
        [(t.id, t.state.value, output.moment(t.created_at), t.pass_id, t.title) for t in found],
        right={0, 3},
        empty="no tasks",
    )


@tasks.command("done")
@click.argument("task_id", type=int)
@json_option
@pass_state
def tasks_done(state: State, task_id: int, as_json: bool) -> None:
    """Mark task TASK_ID done (doing it twice changes nothing)."""
    task = state.studio.complete_task(task_id, actor=state.actor, channel=CHANNEL)
    if as_json:
        print_json(task)
    else:
        click.echo(f"task {task.id} done at {output.moment(task.done_at)} UTC: {task.title}")


COMMANDS = (expire, run_due, tasks)
