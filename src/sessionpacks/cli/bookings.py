"""The schedule and bookings: occurrences, booking policies, bookings and what becomes of them,
private sessions, check-in, enrollment, the reminder sweep and booking history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import click

from sessionpacks.bookings import BookingResult
from sessionpacks.cli import output
from sessionpacks.cli.moments import moment_option, parse, zone_of
from sessionpacks.cli.state import (
    CHANNEL,
    Failure,
    State,
    idempotency_key,
    json_option,
    key_option,
    pass_state,
    print_json,
    setup_call,
    setup_key_option,
)
from sessionpacks.enums import CreditTaken
from sessionpacks.schedule import BookingPolicy


def _moment(ctx: click.Context, param: click.Parameter, value: str) -> dt.datetime:
    return parse(value, "start", zone_of(ctx))


def _optional_moment(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> dt.datetime | None:
    return None if value is None else parse(value, "start", zone_of(ctx))


pass_option = click.option(
    "--pass", "pass_id", type=int, help="Take the credit from this pass first."
)


@click.group()
def occurrence() -> None:
    """The schedule: classes and appointments, each an occurrence of a service."""


@occurrence.command("add")
@click.argument("service_id", type=int)
@click.argument("starts", metavar="STARTS", callback=_moment)
@moment_option("--ends", "start", "When it ends; by default after the service's duration.")
@click.option("--instructor", help="Your own site's id for the instructor.")
@click.option("--capacity", type=int, help="How many places; without it, no limit.")
@click.option("--private", is_flag=True, help="Keep it off the public schedule.")
@setup_key_option
@json_option
@pass_state
def occurrence_add(
    state: State,
    service_id: int,
    starts: dt.datetime,
    ends: dt.datetime | None,
    instructor: str | None,
    capacity: int | None,
    private: bool,
    key: str | None,
    as_json: bool,
) -> None:
    """Put SERVICE_ID on the schedule at STARTS (ISO 8601 with a zone)."""
    added = state.studio.add_occurrence(
        service_id,
        starts,
        ends_at=ends,
        instructor_ref=instructor,
        capacity=capacity,
        private=private,
        **setup_call(state, key),
    )
    if as_json:
        print_json(added)
    else:
        click.echo(
            f"added occurrence {added.id}: {state.studio.service(service_id).name}"
            f" {output.start(added.starts_at)}-{output.start(added.ends_at)[11:]} UTC"
            + (" (private)" if added.private else "")
        )


@occurrence.command("cancel")
@click.argument("occurrence_id", type=int)
@key_option
@json_option
@pass_state
def occurrence_cancel(state: State, occurrence_id: int, key: str | None, as_json: bool) -> None:
    """Call off OCCURRENCE_ID: every reservation is cancelled and its credit given back."""
    result = state.studio.cancel_occurrence(
        occurrence_id,
        idempotency_key=idempotency_key(key, as_json),
        actor=state.actor,
        channel=CHANNEL,
    )
    if as_json:
        print_json(result)
    else:
        click.echo(
            f"cancelled occurrence {occurrence_id} and {len(result.booking_ids)} reservation(s),"
            " their credit given back"
        )


@occurrence.command("list")
@click.option(
    "--from", "start", metavar="DATETIME", callback=_optional_moment, help="From; by default now."
)
@click.option(
    "--to", metavar="DATETIME", callback=_optional_moment, help="Up to; by default a week later."
)
@click.option("--service", "service_id", type=int, help="Only this service.")
@click.option(
    "--private", "include_private", is_flag=True, help="Include private sessions (staff view)."
)
@json_option
@pass_state
def occurrence_list(
    state: State,
    start: dt.datetime | None,
    to: dt.datetime | None,
    service_id: int | None,
    include_private: bool,
    as_json: bool,
) -> None:
    """The public schedule (with --private, the staff calendar)."""
    begin = start or state.studio.clock.now()
    end = to or begin + dt.timedelta(days=7)
    read = state.studio.calendar if include_private else state.studio.schedule
    found = read(begin, end, service_id=service_id)
    if as_json:
        print_json(found)
        return
    taken = state.studio.places_taken(o.id for o in found)
    output.echo_table(
        ["ID", "SERVICE", "STARTS (UTC)", "ENDS", "INSTRUCTOR", "TAKEN", "PRIVATE", "CANCELLED"],
        [
            (
                o.id,
                o.service_id,
                output.start(o.starts_at),
                output.start(o.ends_at)[11:],
                o.instructor_ref,
                f"{taken[o.id]} of {o.capacity}" if o.capacity is not None else taken[o.id],
                "yes" if o.private else "",
                "yes" if o.cancelled_at else "",
            )
            for o in found
        ],
        right={0, 1, 5},
        empty="nothing scheduled",
    )


@click.command("booking-policy")
@click.argument("service_id", type=int)
@click.option(
    "--credit-taken",
    type=click.Choice([c.value for c in CreditTaken]),
    help="Take credit when booking, or hold it at booking and capture it on attendance.",
)
@click.option(
    "--cutoff", type=int, help="Minutes before the start after which a cancellation is late."
)
@click.option(
    "--late-cancel-forfeits/--late-cancel-releases",
    default=None,
    help="Whether a late cancellation keeps a held credit (at attendance only).",
)
@click.option(
    "--no-show-forfeits/--no-show-releases",
    default=None,
    help="Whether a no-show keeps a held credit (at attendance only).",
)
@json_option
@pass_state
def booking_policy(
    state: State,
    service_id: int,
    credit_taken: str | None,
    cutoff: int | None,
    late_cancel_forfeits: bool | None,
    no_show_forfeits: bool | None,
    as_json: bool,
) -> None:
    """Show SERVICE_ID's booking policy, or change the parts given."""
    changes = (credit_taken, cutoff, late_cancel_forfeits, no_show_forfeits)
    if all(change is None for change in changes):
        _show_policy(state.studio.booking_policy(service_id), as_json)
        return
    changed = state.studio.set_booking_policy(
        service_id,
        credit_taken=credit_taken,
        cancel_cutoff_minutes=cutoff,
        late_cancel_forfeits=late_cancel_forfeits,
        no_show_forfeits=no_show_forfeits,
    )
    _show_policy(changed, as_json)


def _show_policy(policy: BookingPolicy, as_json: bool) -> None:
    if as_json:
        print_json(policy)
        return

    def fate(forfeits: bool) -> str:
        return "forfeits the held credit" if forfeits else "releases the held credit"

    click.echo(f"service {policy.service_id}: credit taken {policy.credit_taken.value}")
    click.echo(f"cancellation is late {policy.cancel_cutoff_minutes} minutes before the start")
    if policy.credit_taken is CreditTaken.AT_ATTENDANCE:
        click.echo(f"a late cancellation {fate(policy.late_cancel_forfeits)}")
        click.echo(f"a no-show {fate(policy.no_show_forfeits)}")


def _show(state: State, result: BookingResult, as_json: bool) -> None:
    if as_json:
        print_json(result)
        return
    where = (
        f"occurrence {result.occurrence_id}"
        if result.occurrence_id is not None
        else f"your occurrence {result.occurrence_ref!r}"
    )
    line = f"booking {result.booking_id}: {result.state.value.replace('_', ' ')}, {where}"
    line += f" at {output.start(result.starts_at)} UTC, member {result.member_id}"
    if result.hold is not None:
        line += f", credit {result.hold.value}"
    if not result.created and result.redeemed is None and result.returned is None:
        line += " (existing booking; nothing redeemed)"
    click.echo(line)
    if result.redeemed is not None:
        metric, currency = result.redeemed.metric, result.redeemed.currency
        for part in result.redeemed.parts:
            left = output.units(part.balance_after, metric, currency)
            click.echo(f"  pass {part.pass_id}: {output.nth(part.number, part.of)}, {left} left")
    if result.returned is not None:
        for pass_id, balance in zip(
            result.returned.pass_ids, result.returned.balances_after, strict=True
        ):
            click.echo(f"  credit given back to pass {pass_id}, which now holds {balance}")


@click.command()
@click.argument("member_id", type=int)
@click.argument("occurrence_id", type=int, required=False)
@click.option("--ref", "occurrence_ref", help="Your own site's id for the class, instead.")
@click.option("--service", "service_id", type=int, help="The service of --ref.")
@moment_option("--starts", "start", "When the class of --ref starts.")
@pass_option
@key_option
@json_option
@pass_state
def book(
    state: State,
    member_id: int,
    occurrence_id: int | None,
    occurrence_ref: str | None,
    service_id: int | None,
    starts: dt.datetime | None,
    pass_id: int | None,
    key: str | None,
    as_json: bool,
) -> None:
    """Book MEMBER_ID into OCCURRENCE_ID (or, with --ref, --service and --starts, into a class of
    your own schedule), taking or holding the credit as the service's policy says."""
    if occurrence_id is None and occurrence_ref is None:
        raise Failure("give an OCCURRENCE_ID, or --ref with --service and --starts")
    result = state.studio.book(
        member_id,
        occurrence_id,
        occurrence_ref=occurrence_ref,
        service_id=service_id,
        starts_at=starts,
        pass_id=pass_id,
        idempotency_key=idempotency_key(key, as_json),
        actor=state.actor,
        channel=CHANNEL,
    )
    _show(state, result, as_json)


def _booking_command(name: str, method: str, summary: str) -> click.Command:
    @click.command(name, help=summary)
    @click.argument("booking_id", type=int)
    @key_option
    @json_option
    @pass_state
    def command(state: State, booking_id: int, key: str | None, as_json: bool) -> None:
        write: Callable[..., BookingResult] = getattr(state.studio, method)
        result = write(
            booking_id,
            idempotency_key=idempotency_key(key, as_json),
            actor=state.actor,
            channel=CHANNEL,
        )
        _show(state, result, as_json)

    return command


@click.command("cancel")
@click.argument("booking_id", type=int)
@click.option(
    "--keep-credit",
    "reason",
    metavar="REASON",
    help="Cancel without giving the credit back, whatever the cut-off, saying why.",
)
@key_option
@json_option
@pass_state
def cancel(
    state: State, booking_id: int, reason: str | None, key: str | None, as_json: bool
) -> None:
    """Cancel the reservation BOOKING_ID. Before the service's cut-off the credit comes back;
    after it the booking is late-cancelled and the policy decides."""
    result = state.studio.cancel_booking(
        booking_id,
        idempotency_key=idempotency_key(key, as_json),
        actor=state.actor,
        channel=CHANNEL,
        keep_credit=reason is not None,
        reason=reason,
    )
    _show(state, result, as_json)


attend = _booking_command(
    "attend", "mark_attended", "Mark BOOKING_ID attended; a held credit is captured."
)
no_show = _booking_command(
    "no-show",
    "mark_no_show",
    "Mark BOOKING_ID a no-show (once it started); a held credit is forfeited or released.",
)


@click.command("private-session")
@click.argument("member_id", type=int)
@click.argument("service_id", type=int)
@click.argument("starts", metavar="STARTS", callback=_moment)
@click.option("--instructor", help="Your own site's id for the instructor.")
@moment_option("--ends", "start", "When it ends; by default after the service's duration.")
@pass_option
@click.option(
    "--attended", is_flag=True, help="Record an attendance after the fact instead of a booking."
)
@key_option
@json_option
@pass_state
def private_session(
    state: State,
    member_id: int,
    service_id: int,
    starts: dt.datetime,
    instructor: str | None,
    ends: dt.datetime | None,
    pass_id: int | None,
    attended: bool,
    key: str | None,
    as_json: bool,
) -> None:
    """In one step, a private session of SERVICE_ID at STARTS and MEMBER_ID's reservation in it
    (a confirmation email goes out), or with --attended an attendance after the fact."""
    result = state.studio.book_private_session(
        member_id,
        service_id,
        starts,
        instructor_ref=instructor,
        ends_at=ends,
        pass_id=pass_id,
        attended=attended,
        idempotency_key=idempotency_key(key, as_json),
        actor=state.actor,
        channel=CHANNEL,
    )
    _show(state, result, as_json)


def _visit_command(name: str, method: str, summary: str) -> click.Command:
    @click.command(name, help=summary)
    @click.argument("member_id", type=int)
    @click.argument("occurrence_id", type=int)
    @pass_option
    @key_option
    @json_option
    @pass_state
    def command(
        state: State,
        member_id: int,
        occurrence_id: int,
        pass_id: int | None,
        key: str | None,
        as_json: bool,
    ) -> None:
        write: Callable[..., BookingResult] = getattr(state.studio, method)
        result = write(
            member_id,
            occurrence_id,
            pass_id=pass_id,
            idempotency_key=idempotency_key(key, as_json),
            actor=state.actor,
            channel=CHANNEL,
        )
        _show(state, result, as_json)

    return command


check_in = _visit_command(
    "check-in",
    "check_in",
    "Check MEMBER_ID in to OCCURRENCE_ID (a visit): the right pass is redeemed once; checking"
    " in again finds the visit.",
)
enroll = _visit_command(
    "enroll",
    "enroll",
    "Enroll MEMBER_ID in OCCURRENCE_ID (a single-day enrollment), paid by the right pass;"
    " enrolling again finds the enrollment.",
)


@click.group()
def reminders() -> None:
    """Reminders, each sent once: private sessions (send) and passes (passes)."""


@reminders.command("send")
@click.option(
    "--within",
    "hours",
    type=int,
    default=24,
    show_default=True,
    help="Remind of sessions starting within this many hours.",
)
@json_option
@pass_state
def reminders_send(state: State, hours: int, as_json: bool) -> None:
    """Send every reminder that is due and was not sent yet; safe to run as often as you like."""
    if hours <= 0:
        raise click.BadParameter("must be at least 1", param_hint="'--within'")
    report = state.studio.send_due_reminders(
        dt.timedelta(hours=hours), actor=state.actor, channel=CHANNEL
    )
    if as_json:
        print_json(report)
    else:
        click.echo(f"sent {report.sent} reminder(s)")


@click.command("bookings")
@click.option("--member", "member_id", type=int, help="One member's bookings.")
@click.option("--account", "account_ref", help="Every booking of the account with this ref.")
@click.option(
    "--occurrence", "occurrence_id", type=int, help="One class's roster, cancelled bookings too."
)
@json_option
@pass_state
def bookings_history(
    state: State,
    member_id: int | None,
    account_ref: str | None,
    occurrence_id: int | None,
    as_json: bool,
) -> None:
    """Booking history: every booking with its state, the pass it used and "session n of N"."""
    if [member_id, account_ref, occurrence_id].count(None) != 2:
        raise Failure("give one of --member, --account or --occurrence")
    if occurrence_id is not None:
        found = state.studio.roster(occurrence_id)
    else:
        account_id = state.account(account_ref).id if account_ref is not None else None
        found = state.studio.bookings(member_id=member_id, account_id=account_id)
    if as_json:
        print_json(found)
        return
    output.echo_table(
        ["ID", "STARTS (UTC)", "MEMBER", "SERVICE", "STATE", "CREDIT", "PASS", "NUMBER"],
        [
            (
                r.booking_id,
                output.start(r.starts_at),
                r.member_id,
                r.service_name + (" (private)" if r.private else ""),
                r.state.value.replace("_", " "),
                "given back" if r.given_back else (r.hold.value if r.hold else "taken"),
                ", ".join(str(p.pass_id) for p in r.passes),
                ", ".join(output.nth(p.number, p.of) for p in r.passes),
            )
            for r in found
        ],
        right={0, 2},
        empty="no bookings",
    )


COMMANDS = (
    occurrence,
    booking_policy,
    book,
    cancel,
    attend,
    no_show,
    private_session,
    check_in,
    enroll,
    reminders,
    bookings_history,
)
