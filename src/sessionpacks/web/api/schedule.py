"""The schedule, bookings, staff tasks and plans."""

from __future__ import annotations

from sessionpacks import limits
from sessionpacks.bookings import BookingRecord, BookingResult, OccurrenceCancelled
from sessionpacks.enums import Billing, RenewalState, SubscriptionState
from sessionpacks.plans import SubscriptionInfo
from sessionpacks.renewals import RenewalInfo
from sessionpacks.schedule import OccurrenceInfo
from sessionpacks.staff_tasks import TaskInfo, TaskState
from sessionpacks.values import PlanPeriodResult
from sessionpacks.web.api.common import REF, by_account, by_member, ident
from sessionpacks.web.api.credits import PAYMENTS
from sessionpacks.web.api.endpoints import Call, Endpoint, Handler
from sessionpacks.web.api.fields import Bool, Choice, Field, Int, Moment, Text


def _add_occurrence(call: Call) -> OccurrenceInfo:
    return call.studio.add_occurrence(
        call["service_id"],
        call["starts_at"],
        ends_at=call["ends_at"],
        instructor_ref=call["instructor_ref"],
        capacity=call["capacity"],
        private=call["private"],
        **call.keyed,
    )


def _occurrences(call: Call) -> tuple[OccurrenceInfo, ...]:
    # Staff see private sessions on their calendar; members see the public schedule.
    listing = call.studio.calendar if call.identity.is_staff else call.studio.schedule
    return listing(call["start"], call["end"], service_id=call["service_id"])


def _places_taken(call: Call) -> int:
    occurrence = call.studio.occurrence(call["occurrence_id"])  # an unknown id is a 404
    return call.studio.places_taken((occurrence.id,))[occurrence.id]


def _cancel_occurrence(call: Call) -> OccurrenceCancelled:
    return call.studio.cancel_occurrence(
        call["occurrence_id"],
        **call.keyed,
    )


def _book(call: Call) -> BookingResult:
    return call.studio.book(
        call["member_id"],
        call["occurrence_id"],
        occurrence_ref=call["occurrence_ref"],
        service_id=call["service_id"],
        starts_at=call["starts_at"],
        pass_id=call["pass_id"],
        **call.keyed,
    )


def _enroll(call: Call) -> BookingResult:
    return call.studio.enroll(
        call["member_id"],
        call["occurrence_id"],
        pass_id=call["pass_id"],
        **call.keyed,
    )


def _check_in(call: Call) -> BookingResult:
    return call.studio.check_in(
        call["member_id"],
        call["occurrence_id"],
        pass_id=call["pass_id"],
        **call.keyed,
    )


def _cancel_booking(call: Call) -> BookingResult:
    return call.studio.cancel_booking(
        call["booking_id"],
        keep_credit=bool(call["keep_credit"]),
        reason=call["reason"],
        **call.keyed,
    )


def _attend(call: Call) -> BookingResult:
    return call.studio.mark_attended(
        call["booking_id"],
        **call.keyed,
    )


def _no_show(call: Call) -> BookingResult:
    return call.studio.mark_no_show(
        call["booking_id"],
        **call.keyed,
    )


def _private_session(call: Call) -> BookingResult:
    return call.studio.book_private_session(
        call["member_id"],
        call["service_id"],
        call["starts_at"],
        ends_at=call["ends_at"],
        instructor_ref=call["instructor_ref"],
        pass_id=call["pass_id"],
        attended=call["attended"],
        **call.keyed,
    )


def _complete_task(call: Call) -> TaskInfo:
    return call.studio.complete_task(
        call["task_id"],
        **call.keyed,
    )


def _subscribe(call: Call) -> PlanPeriodResult:
    return call.studio.subscribe(
        call["template_id"],
        call["account_id"],
        member_id=call["member_id"],
        billing=call["billing"],
        **call.keyed,
    )


def _cancel_subscription(call: Call) -> SubscriptionInfo:
    return call.studio.cancel_subscription(
        call["subscription_id"],
        **call.keyed,
    )


def _renew_plan(call: Call) -> PlanPeriodResult:
    return call.studio.renew_plan(
        call["subscription_id"],
        period_paid_until=call["period_paid_until"],
        **call.keyed,
    )


_BOOKING = (ident("booking_id"),)
_SEAT = (
    ident("member_id"),
    ident("occurrence_id"),
    ident("pass_id", "Pay with this pass first.", required=False),
)


def _booking_write(name: str, summary: str, handler: Handler, *, members: bool) -> Endpoint:
    return Endpoint(
        "POST",
        f"/bookings/{{booking_id}}/{name}",
        f"{name.replace('-', '_')}_booking",
        summary,
        "bookings",
        handler,
        BookingResult,
        path_fields=_BOOKING,
        members=members,
    )


ENDPOINTS = (
    Endpoint(
        "POST",
        "/occurrences",
        "add_occurrence",
        "Put a class or appointment on the schedule",
        "schedule",
        _add_occurrence,
        OccurrenceInfo,
        body=(
            ident("service_id"),
            Field("starts_at", Moment(), required=True),
            Field("ends_at", Moment(), description="By default after the service's duration."),
            Field("instructor_ref", REF),
            Field("capacity", Int(maximum=100_000), description="Places; none: no limit."),
            Field("private", Bool(), default=False),
        ),
        status=201,
    ),
    Endpoint(
        "GET",
        "/occurrences",
        "list_occurrences",
        "Occurrences starting in [start, end): the calendar for staff, the schedule for members",
        "schedule",
        _occurrences,
        tuple[OccurrenceInfo, ...],
        query=(
            Field("start", Moment(), required=True),
            Field("end", Moment(), required=True),
            ident("service_id", required=False),
        ),
        members=True,
    ),
    Endpoint(
        "GET",
        "/occurrences/{occurrence_id}/places-taken",
        "places_taken",
        "How many places of a class are taken, as its capacity counts them",
        "schedule",
        _places_taken,
        int,
        path_fields=(ident("occurrence_id"),),
    ),
    Endpoint(
        "GET",
        "/occurrences/{occurrence_id}/bookings",
        "roster",
        "One class's roster: every booking of it, cancelled ones too, in the order made",
        "schedule",
        lambda call: call.studio.roster(call["occurrence_id"]),
        tuple[BookingRecord, ...],
        path_fields=(ident("occurrence_id"),),
    ),
    Endpoint(
        "POST",
        "/occurrences/{occurrence_id}/cancel",
        "cancel_occurrence",
        "Call off a class: every reservation is cancelled and its credit given back",
        "schedule",
        _cancel_occurrence,
        OccurrenceCancelled,
        path_fields=(ident("occurrence_id"),),
    ),
    Endpoint(
        "POST",
        "/bookings",
        "book",
        "Reserve a place for a member in an occurrence (or in the host's own class by ref)",
        "bookings",
        _book,
        BookingResult,
        body=(
            ident("member_id"),
            ident("occurrence_id", required=False),
            Field("occurrence_ref", REF, description="The host's own id for the class."),
            ident("service_id", "The service of occurrence_ref.", required=False),
            Field("starts_at", Moment(), description="When the class of occurrence_ref starts."),
            ident("pass_id", "Pay with this pass first.", required=False),
        ),
        members=True,
        status=201,
    ),
    Endpoint(
        "POST",
        "/enrollments",
        "enroll",
        "A member enrolls in a class (enrolling again returns the enrollment)",
        "bookings",
        _enroll,
        BookingResult,
        body=_SEAT,
        members=True,
        status=201,
    ),
    Endpoint(
        "POST",
        "/check-ins",
        "check_in",
        "A member checks in: the right pass is redeemed and a visit made",
        "bookings",
        _check_in,
        BookingResult,
        body=_SEAT,
        status=201,
    ),
    Endpoint(
        "POST",
        "/bookings/{booking_id}/cancel",
        "cancel_booking",
        "Cancel a reservation; staff may keep the credit (keep_credit, with a reason)",
        "bookings",
        _cancel_booking,
        BookingResult,
        path_fields=_BOOKING,
        body=(
            Field(
                "keep_credit",
                Bool(),
                default=False,
                description="Cancel without giving the credit back, whatever the cut-off.",
            ),
            Field(
                "reason",
                Text(max_length=limits.REASON_LENGTH),
                description="Why, when keeping the credit.",
            ),
        ),
        members=True,
    ),
    _booking_write("attend", "The member came", _attend, members=False),
    _booking_write("no-show", "The member did not come", _no_show, members=False),
    Endpoint(
        "POST",
        "/private-sessions",
        "book_private_session",
        "A one-off private session and the member's reservation (or attendance) in it",
        "bookings",
        _private_session,
        BookingResult,
        body=(
            ident("member_id"),
            ident("service_id"),
            Field("starts_at", Moment(), required=True),
            Field("ends_at", Moment()),
            Field("instructor_ref", REF),
            ident("pass_id", required=False),
            Field("attended", Bool(), default=False),
        ),
        status=201,
    ),
    Endpoint(
        "GET",
        "/accounts/{account_id}/bookings",
        "account_bookings",
        "Every booking of the account, by start",
        "bookings",
        lambda call: call.studio.bookings(account_id=call["account_id"]),
        tuple[BookingRecord, ...],
        path_fields=(ident("account_id"),),
        members=True,
        owner=by_account,
    ),
    Endpoint(
        "GET",
        "/members/{member_id}/bookings",
        "member_bookings",
        "Every booking of the member, by start",
        "bookings",
        lambda call: call.studio.bookings(member_id=call["member_id"]),
        tuple[BookingRecord, ...],
        path_fields=(ident("member_id"),),
        members=True,
        owner=by_member,
    ),
    Endpoint(
        "GET",
        "/tasks",
        "list_tasks",
        "Staff tasks, oldest first",
        "tasks",
        lambda call: call.studio.tasks(state=call["state"], account_id=call["account_id"]),
        tuple[TaskInfo, ...],
        query=(Field("state", Choice(TaskState)), ident("account_id", required=False)),
    ),
    Endpoint(
        "POST",
        "/tasks/{task_id}/complete",
        "complete_task",
        "Mark a staff task done",
        "tasks",
        _complete_task,
        TaskInfo,
        path_fields=(ident("task_id"),),
    ),
    Endpoint(
        "POST",
        "/subscriptions",
        "subscribe",
        "Start a plan now, in its first period",
        "plans",
        _subscribe,
        PlanPeriodResult,
        body=(
            ident("template_id"),
            ident("account_id"),
            ident("member_id", required=False),
            Field("billing", Choice(Billing), default=Billing.STUDIO.value),
        ),
        members=True,
        status=201,
        extra_statuses=PAYMENTS,
    ),
    Endpoint(
        "GET",
        "/subscriptions",
        "list_subscriptions",
        "Plans, by account and state",
        "plans",
        lambda call: call.studio.subscriptions(account_id=call["account_id"], state=call["state"]),
        tuple[SubscriptionInfo, ...],
        query=(ident("account_id", required=False), Field("state", Choice(SubscriptionState))),
    ),
    Endpoint(
        "GET",
        "/renewals",
        "list_renewals",
        "The automatic re-sales of auto-renewing passes; failed ones say why",
        "plans",
        lambda call: call.studio.renewals(state=call["state"]),
        tuple[RenewalInfo, ...],
        query=(Field("state", Choice(RenewalState)),),
    ),
    Endpoint(
        "POST",
        "/subscriptions/{subscription_id}/cancel",
        "cancel_subscription",
        "Stop a plan: no further periods are renewed",
        "plans",
        _cancel_subscription,
        SubscriptionInfo,
        path_fields=(ident("subscription_id"),),
        members=True,
    ),
    Endpoint(
        "POST",
        "/subscriptions/{subscription_id}/renew",
        "renew_plan",
        "Begin a plan's next period, when the host's billing was paid",
        "plans",
        _renew_plan,
        PlanPeriodResult,
        path_fields=(ident("subscription_id"),),
        body=(Field("period_paid_until", Moment(), description="The end the payment covers."),),
    ),
)
