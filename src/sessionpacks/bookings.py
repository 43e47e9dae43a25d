"""Bookings: a member's place in an occurrence, the credit it takes, and what becomes of it.

Every booking takes its credit when it is made, through the same redemption as :meth:`redeem`
and in the same transaction. For a service whose policy takes credit *at attendance*, that
redemption is a **hold**: its units have left the pass, so nobody can spend them twice, and the
booking marks them ``held``. Attendance captures the hold (no ledger change); an early
cancellation releases it (a ``reverse`` entry gives the units back); a late cancellation or a
no-show forfeits it or releases it, as the service's policy says. For a service that takes credit
*at booking*, only a cancellation before the cut-off gives the credit back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from typing import Any

import attrs
import pluggy
from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.engine import Connection, Row

from sessionpacks import corrections, redeeming
from sessionpacks.database import inserted_id
from sessionpacks.directory import get_member, get_service, members, services
from sessionpacks.enums import BookingState, CreditTaken, EntryKind, HoldState, Metric
from sessionpacks.errors import InvalidInput, InvalidState, NotFound, OccurrenceFull
from sessionpacks.ledger import entries, passes
from sessionpacks.messages import EmailMessage
from sessionpacks.models import Booking, Redemption, table
from sessionpacks.reading import session_number
from sessionpacks.schedule import get_occurrence, get_policy, lock_occurrence, occurrences
from sessionpacks.transactions import WriteContext
from sessionpacks.values import EntryResult, RedeemResult, Target

bookings = table(Booking)
_redemptions = table(Redemption)

Authorize = Callable[[WriteContext, str, Target], None]


@attrs.frozen
class BookingResult:
    """What a booking write did. ``created`` is False when a check-in or an enrollment found the
    member's existing booking and used it instead of redeeming again."""

    booking_id: int
    account_id: int
    member_id: int
    service_id: int
    occurrence_id: int | None
    occurrence_ref: str | None
    starts_at: dt.datetime
    state: BookingState
    credit_taken: CreditTaken
    hold: HoldState | None
    redemption_id: int | None
    created: bool
    operation_id: int
    # The redemption this write made, with "session n of N" per pass; None when it made none.
    redeemed: RedeemResult | None = None
    # The reverse entries that gave the credit back; None when nothing was given back.
    returned: EntryResult | None = None


@attrs.frozen
class BookingPass:
    """What one pass paid for a booking: ``number`` is "session n" of ``of`` on that pass, None
    once the credit was given back."""

    pass_id: int
    units: int
    number: int | None
    of: int | None


@attrs.frozen
class BookingRecord:
    """One line of a member's or an account's booking history."""

    booking_id: int
    account_id: int
    member_id: int
    member_name: str
    service_id: int
    service_name: str
    occurrence_id: int | None
    occurrence_ref: str | None
    starts_at: dt.datetime
    private: bool
    instructor_ref: str | None
    state: BookingState
    credit_taken: CreditTaken
    hold: HoldState | None
    redemption_id: int | None
    given_back: bool
    passes: tuple[BookingPass, ...]
    created_at: dt.datetime
    attended_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    # Why staff cancelled it keeping the credit, when they did.
    cancel_reason: str | None = None


@attrs.frozen
class ReminderReport:
    """The bookings whose reminder this sweep sent."""

    sent: int
    booking_ids: tuple[int, ...]


def active_key(member_id: int, occurrence_id: int | None, occurrence_ref: str | None) -> str:
    if occurrence_id is not None:
        return f"{member_id}@{occurrence_id}"
    assert occurrence_ref is not None
    # A host's reference may be up to 191 characters itself: its digest keeps the key short.
    return f"{member_id}@ref:{hashlib.sha256(occurrence_ref.encode()).hexdigest()}"


def book(
    ctx: WriteContext,
    hooks: pluggy.PluginManager,
    authorize: Authorize,
    action: str | None,
    member_id: int,
    *,
    occurrence_id: int | None = None,
    occurrence_ref: str | None = None,
    service_id: int | None = None,
    starts_at: dt.datetime | None = None,
    pass_id: int | None = None,
    attend: bool = False,
    reuse_existing: bool = False,
    allow_private: bool = True,
) -> BookingResult:
    """Book (or, with ``attend``, record the attendance of) a member into an occurrence.

    ``reuse_existing`` makes a second check-in or enrollment of the same member into the same
    occurrence return the existing booking instead of failing; a check-in then marks it attended.
    ``action`` is what to ask the authorization hook; None when the caller asked already.
    """
    private = False
    if occurrence_id is not None:
        occurrence = lock_occurrence(ctx.conn, occurrence_id)
        if occurrence.cancelled_at is not None:
            raise InvalidState(f"occurrence {occurrence_id} was cancelled")
        service_id = occurrence.service_id
        starts_at = occurrence.starts_at
        private = bool(occurrence.private)
        if private and not allow_private:
            raise InvalidState(
                f"occurrence {occurrence_id} is a private session; staff book it for the client"
            )
    elif occurrence_ref is None or service_id is None or starts_at is None:
        raise InvalidInput(
            "a booking needs an occurrence_id, or the host's occurrence_ref with its service_id"
            " and starts_at"
        )
    if occurrence_id is None:
        # No occurrence row to queue on: the member's row serializes their bookings instead, so
        # two at once into the same host occurrence get a clear error, not a unique violation.
        ctx.conn.execute(
            select(members.c.id).where(members.c.id == member_id).with_for_update()
        ).all()
    member = get_member(ctx.conn, member_id)
    if action is not None:
        authorize(ctx, action, Target("member", member_id, member.account_id))
    key = active_key(member_id, occurrence_id, occurrence_ref)
    existing = ctx.conn.execute(
        select(bookings).where(bookings.c.active_key == key).with_for_update()
    ).one_or_none()
    if existing is not None:
        if not reuse_existing:
            where = occurrence_id if occurrence_id is not None else repr(occurrence_ref)
            raise InvalidState(
                f"member {member_id} already has booking {existing.id} for occurrence {where}"
            )
        if attend and existing.state == BookingState.RESERVED.value:
            return mark_attended(ctx, existing)
        return _result(ctx, existing, created=False)
    if occurrence_id is not None and occurrence.capacity is not None:
        taken = places_taken(ctx.conn, (occurrence_id,)).get(occurrence_id, 0)
        if taken >= occurrence.capacity:
            raise OccurrenceFull(
                f"occurrence {occurrence_id} is full: all {occurrence.capacity} places are taken"
            )
    policy = get_policy(ctx.conn, service_id)
    choice = redeeming.choose(
        ctx.conn,
        hooks,
        member_id,
        service_id,
        named_pass_id=pass_id,
        count=1,
        at=starts_at,
        lock=True,
    )
    reference = occurrence_ref if occurrence_ref is not None else f"occurrence:{occurrence_id}"
    redeemed = redeeming.redeem(ctx, choice, occurrence_ref=reference, occurred_at=starts_at)
    hold: HoldState | None = None
    if policy.credit_taken is CreditTaken.AT_ATTENDANCE:
        hold = HoldState.CAPTURED if attend else HoldState.HELD
    state = BookingState.ATTENDED if attend else BookingState.RESERVED
    booking_id = inserted_id(
        ctx.conn.execute(
            insert(bookings).values(
                account_id=member.account_id,
                member_id=member_id,
                service_id=service_id,
                occurrence_id=occurrence_id,
                occurrence_ref=occurrence_ref,
                starts_at=starts_at,
                private=private,
                state=state.value,
                active_key=key,
                redemption_id=redeemed.redemption_id,
                credit_taken=policy.credit_taken.value,
                hold=hold.value if hold else None,
                attended_at=ctx.now if attend else None,
                created_at=ctx.now,
                updated_at=ctx.now,
            )
        )
    )
    if private and not attend and member.email:
        service = get_service(ctx.conn, service_id)
        ctx.enqueue(
            "sessionpacks_send_email",
            EmailMessage(
                to=member.email,
                subject=f"Booked: {service.name} on {_when(starts_at)}",
                body=f"Hello {member.name},\n\nyour {service.name} is booked for"
                f" {_when(starts_at)}. Booking {booking_id}.\n",
            ),
        )
    return BookingResult(
        booking_id=booking_id,
        account_id=member.account_id,
        member_id=member_id,
        service_id=service_id,
        occurrence_id=occurrence_id,
        occurrence_ref=occurrence_ref,
        starts_at=starts_at,
        state=state,
        credit_taken=policy.credit_taken,
        hold=hold,
        redemption_id=redeemed.redemption_id,
        created=True,
        operation_id=ctx.operation_id,
        redeemed=redeemed,
    )


@attrs.frozen
class OccurrenceCancelled:
    """A class or appointment the studio called off, and the reservations it cancelled."""

    occurrence_id: int
    booking_ids: tuple[int, ...]
    operation_id: int
    # The cancelled bookings whose credit came back (not those staff had reversed by hand).
    given_back: tuple[int, ...] = ()


def cancel_occurrence(
    ctx: WriteContext, authorize: Authorize, occurrence_id: int
) -> OccurrenceCancelled:
    """Call off an occurrence: every reservation is cancelled and its credit given back, whatever
    the cut-off, since the member did not choose it. Attended and no-show bookings stay."""
    occurrence = lock_occurrence(ctx.conn, occurrence_id)
    if occurrence.cancelled_at is not None:
        raise InvalidState(f"occurrence {occurrence_id} was already cancelled")
    reserved = ctx.conn.execute(
        select(bookings)
        .where(
            bookings.c.occurrence_id == occurrence_id,
            bookings.c.state == BookingState.RESERVED.value,
        )
        .order_by(bookings.c.id)
        .with_for_update()
    ).all()
    # Calling a class off changes the schedule, whoever is booked in it (or nobody).
    authorize(ctx, "manage_schedule", Target("studio", 0, 0))
    for row in reserved:
        authorize(ctx, "cancel", Target("booking", row.id, row.account_id))
    given_back = []
    for row in reserved:
        why = f"booking {row.id}: occurrence {occurrence_id} was cancelled"
        if _give_back(ctx, row, why) is not None:
            given_back.append(row.id)
        hold = HoldState.RELEASED if row.hold is not None else None
        _change(ctx, row, BookingState.CANCELLED, hold, None, cancelled_at=ctx.now, active_key=None)
    ctx.conn.execute(
        update(occurrences).where(occurrences.c.id == occurrence_id).values(cancelled_at=ctx.now)
    )
    return OccurrenceCancelled(
        occurrence_id=occurrence_id,
        booking_ids=tuple(row.id for row in reserved),
        operation_id=ctx.operation_id,
        given_back=tuple(given_back),
    )


def lock_booking(conn: Connection, booking_id: int) -> Row[Any]:
    row = conn.execute(
        select(bookings).where(bookings.c.id == booking_id).with_for_update()
    ).one_or_none()
    if row is None:
        raise NotFound("booking", booking_id)
    return row


def cancel(
    ctx: WriteContext,
    authorize: Authorize,
    booking_id: int,
    keep_credit_reason: str | None = None,
) -> BookingResult:
    """Cancel a reservation; late when after the service's cut-off. With
    ``keep_credit_reason``, staff cancel it without giving the credit back, whatever the
    cut-off, which needs the ``no_show`` permission (the same power to keep a member's credit)."""
    row = lock_booking(ctx.conn, booking_id)
    target = Target("booking", booking_id, row.account_id)
    authorize(ctx, "cancel", target)
    if keep_credit_reason is not None:
        authorize(ctx, "no_show", target)
    _require_reserved(row, "cancelled")
    policy = get_policy(ctx.conn, row.service_id)
    late = policy.is_late(row.starts_at, ctx.now)
    taken = CreditTaken(row.credit_taken)
    if keep_credit_reason is not None:
        give_back = False
        hold = HoldState.FORFEITED if taken is CreditTaken.AT_ATTENDANCE else None
    elif taken is CreditTaken.AT_BOOKING:
        give_back, hold = not late, None
    elif late and policy.late_cancel_forfeits:
        give_back, hold = False, HoldState.FORFEITED
    else:
        give_back, hold = True, HoldState.RELEASED
    state = BookingState.LATE_CANCELLED if late else BookingState.CANCELLED
    why = "late cancellation" if late else "cancellation before the cut-off"
    returned = _give_back(ctx, row, f"booking {booking_id}: {why}") if give_back else None
    return _change(
        ctx,
        row,
        state,
        hold,
        returned,
        cancelled_at=ctx.now,
        active_key=None,
        cancel_reason=keep_credit_reason,
    )


def mark_attended(ctx: WriteContext, row: Row[Any]) -> BookingResult:
    hold = HoldState.CAPTURED if row.hold == HoldState.HELD.value else _hold(row)
    return _change(ctx, row, BookingState.ATTENDED, hold, None, attended_at=ctx.now)


def attend(ctx: WriteContext, authorize: Authorize, booking_id: int) -> BookingResult:
    """The member came: a held credit is captured."""
    row = lock_booking(ctx.conn, booking_id)
    authorize(ctx, "attend", Target("booking", booking_id, row.account_id))
    _require_reserved(row, "marked attended")
    return mark_attended(ctx, row)


def no_show(ctx: WriteContext, authorize: Authorize, booking_id: int) -> BookingResult:
    """The member did not come: a held credit is forfeited or released, by policy."""
    row = lock_booking(ctx.conn, booking_id)
    authorize(ctx, "no_show", Target("booking", booking_id, row.account_id))
    _require_reserved(row, "marked a no-show")
    if ctx.now < row.starts_at:
        raise InvalidState(
            f"booking {booking_id} starts at {row.starts_at}; it cannot be a no-show before then"
        )
    returned = None
    hold = _hold(row)
    if CreditTaken(row.credit_taken) is CreditTaken.AT_ATTENDANCE:
        if get_policy(ctx.conn, row.service_id).no_show_forfeits:
            hold = HoldState.FORFEITED
        else:
            hold = HoldState.RELEASED
            returned = _give_back(ctx, row, f"booking {booking_id}: no-show, credit released")
    return _change(ctx, row, BookingState.NO_SHOW, hold, returned)


def send_due_reminders(ctx: WriteContext, within: dt.timedelta) -> ReminderReport:
    """Email the reminder of every reserved private session that starts within ``within``.

    Each booking is claimed by a conditional update in the transaction that enqueues its email,
    so two sweeps running at once never both send it: the second waits on the row, then finds
    ``reminder_sent_at`` set and skips it.
    """
    due = ctx.conn.execute(
        select(
            bookings.c.id,
            bookings.c.starts_at,
            members.c.name,
            members.c.email,
            services.c.name.label("service_name"),
        )
        .join(members, members.c.id == bookings.c.member_id)
        .join(services, services.c.id == bookings.c.service_id)
        .where(
            bookings.c.state == BookingState.RESERVED.value,
            bookings.c.private.is_(True),
            bookings.c.reminder_sent_at.is_(None),
            bookings.c.starts_at > ctx.now,
            bookings.c.starts_at <= ctx.now + within,
            members.c.email.is_not(None),
        )
        .order_by(bookings.c.starts_at, bookings.c.id)
    ).all()
    sent = []
    for row in due:
        claimed = ctx.conn.execute(
            update(bookings)
            .where(
                bookings.c.id == row.id,
                bookings.c.reminder_sent_at.is_(None),
                bookings.c.state == BookingState.RESERVED.value,
            )
            .values(reminder_sent_at=ctx.now)
        )
        if claimed.rowcount != 1:
            continue
        ctx.enqueue(
            "sessionpacks_send_email",
            EmailMessage(
                to=row.email,
                subject=f"Reminder: {row.service_name} on {_when(row.starts_at)}",
                body=f"Hello {row.name},\n\na reminder that your {row.service_name} is at"
                f" {_when(row.starts_at)}. Booking {row.id}.\n",
            ),
        )
        sent.append(row.id)
    return ReminderReport(sent=len(sent), booking_ids=tuple(sent))


def history(
    conn: Connection,
    *,
    member_id: int | None,
    account_id: int | None,
    occurrence_id: int | None = None,
) -> tuple[BookingRecord, ...]:
    """Every booking of a member, an account or an occurrence, soonest start last (in booking
    order within one occurrence), with the passes that paid."""
    criteria = []
    if occurrence_id is not None:
        get_occurrence(conn, occurrence_id)
        criteria.append(bookings.c.occurrence_id == occurrence_id)
    if member_id is not None:
        get_member(conn, member_id)
        criteria.append(bookings.c.member_id == member_id)
    if account_id is not None:
        criteria.append(bookings.c.account_id == account_id)
    rows = conn.execute(
        select(
            bookings,
            services.c.name.label("service_name"),
            members.c.name.label("member_name"),
            occurrences.c.instructor_ref,
            _redemptions.c.reversed_at,
        )
        .join(services, services.c.id == bookings.c.service_id)
        .join(members, members.c.id == bookings.c.member_id)
        .outerjoin(occurrences, occurrences.c.id == bookings.c.occurrence_id)
        .outerjoin(_redemptions, _redemptions.c.id == bookings.c.redemption_id)
        .where(*criteria)
        .order_by(bookings.c.starts_at, bookings.c.id)
    ).all()
    paid = _parts([row.redemption_id for row in rows if row.redemption_id is not None], conn)
    return tuple(
        BookingRecord(
            booking_id=row.id,
            account_id=row.account_id,
            member_id=row.member_id,
            member_name=row.member_name,
            service_id=row.service_id,
            service_name=row.service_name,
            occurrence_id=row.occurrence_id,
            occurrence_ref=row.occurrence_ref,
            starts_at=row.starts_at,
            private=bool(row.private),
            instructor_ref=row.instructor_ref,
            state=BookingState(row.state),
            credit_taken=CreditTaken(row.credit_taken),
            hold=_hold(row),
            redemption_id=row.redemption_id,
            given_back=row.reversed_at is not None,
            passes=paid.get(row.redemption_id, ()),
            created_at=row.created_at,
            attended_at=row.attended_at,
            cancelled_at=row.cancelled_at,
            cancel_reason=row.cancel_reason,
        )
        for row in rows
    )


def places_taken(conn: Connection, occurrence_ids: Iterable[int]) -> dict[int, int]:
    """Per occurrence, the places its bookings take as the capacity check counts them (reserved,
    attended, no-show: every booking not cancelled); an occurrence with none is left out."""
    wanted = sorted(set(occurrence_ids))
    if not wanted:
        return {}
    rows = conn.execute(
        select(bookings.c.occurrence_id, func.count())
        .where(bookings.c.occurrence_id.in_(wanted), bookings.c.active_key.is_not(None))
        .group_by(bookings.c.occurrence_id)
    ).all()
    return {row[0]: row[1] for row in rows}


def _parts(redemption_ids: list[int], conn: Connection) -> dict[int, tuple[BookingPass, ...]]:
    """Per redemption, what each pass paid and its "session n of N", counted as the ledger
    history counts it: redemptions of the pass up to this one that were not reversed."""
    if not redemption_ids:
        return {}
    number = session_number()
    rows = conn.execute(
        select(
            entries.c.redemption_id,
            entries.c.pass_id,
            entries.c.delta,
            passes.c.metric,
            passes.c.initial_quantity,
            _redemptions.c.reversed_at,
            number.label("number"),
        )
        .join(passes, passes.c.id == entries.c.pass_id)
        .join(_redemptions, _redemptions.c.id == entries.c.redemption_id)
        .where(
            and_(
                entries.c.redemption_id.in_(redemption_ids),
                entries.c.kind == EntryKind.REDEEM.value,
            )
        )
        .order_by(entries.c.id)
    ).all()
    found: dict[int, list[BookingPass]] = {}
    for row in rows:
        counts = row.reversed_at is None
        found.setdefault(row.redemption_id, []).append(
            BookingPass(
                pass_id=row.pass_id,
                units=-row.delta,
                number=int(row.number) if counts else None,
                of=row.initial_quantity if counts and row.metric == Metric.SESSIONS.value else None,
            )
        )
    return {key: tuple(value) for key, value in found.items()}


def _give_back(ctx: WriteContext, row: Row[Any], reason: str) -> EntryResult | None:
    """Reverse the booking's redemption, unless staff reversed it by hand already."""
    if row.redemption_id is None:
        return None
    reversed_at = ctx.conn.execute(
        select(_redemptions.c.reversed_at).where(_redemptions.c.id == row.redemption_id)
    ).scalar_one()
    if reversed_at is not None:
        return None
    # The caller was authorized for the cancellation or no-show that gives the credit back.
    return corrections.reverse(ctx, _already_authorized, row.redemption_id, reason)


def _already_authorized(ctx: WriteContext, action: str, target: Target) -> None:
    return None


def _require_reserved(row: Row[Any], becoming: str) -> None:
    if row.state != BookingState.RESERVED.value:
        raise InvalidState(
            f"booking {row.id} is {row.state.replace('_', ' ')}; only a reserved booking can be"
            f" {becoming}"
        )


def _hold(row: Row[Any]) -> HoldState | None:
    return HoldState(row.hold) if row.hold is not None else None


def _change(
    ctx: WriteContext,
    row: Row[Any],
    state: BookingState,
    hold: HoldState | None,
    returned: EntryResult | None,
    **values: object,
) -> BookingResult:
    ctx.conn.execute(
        update(bookings)
        .where(bookings.c.id == row.id)
        .values(state=state.value, hold=hold.value if hold else None, updated_at=ctx.now, **values)
    )
    return attrs.evolve(_result(ctx, row, created=False), state=state, hold=hold, returned=returned)


def _result(ctx: WriteContext, row: Row[Any], *, created: bool) -> BookingResult:
    return BookingResult(
        booking_id=row.id,
        account_id=row.account_id,
        member_id=row.member_id,
        service_id=row.service_id,
        occurrence_id=row.occurrence_id,
        occurrence_ref=row.occurrence_ref,
        starts_at=row.starts_at,
        state=BookingState(row.state),
        credit_taken=CreditTaken(row.credit_taken),
        hold=HoldState(row.hold) if row.hold is not None else None,
        redemption_id=row.redemption_id,
        created=created,
        operation_id=ctx.operation_id,
    )


def _when(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
