"""The schedule, for staff: the week's calendar, adding a class or appointment, an occurrence's
roster (attended, no-show, cancel, book a member, call the class off) and each service's
booking policy."""

from __future__ import annotations

import datetime as dt
from itertools import groupby

from sessionpacks.enums import BookingState, CreditTaken
from sessionpacks.errors import NotFound
from sessionpacks.web import forms
from sessionpacks.web.helpers import pass_names, when
from sessionpacks.web.http import Page, Redirect, Request
from sessionpacks.web.i18n import current, gettext, ngettext
from sessionpacks.web.office import routes
from sessionpacks.web.office.shared import flag, keyed, moment
from sessionpacks.web.routes import Refusal

WEEK = dt.timedelta(days=7)
CREDIT_TAKEN = tuple(taken.value for taken in CreditTaken)
# An occurrence's page: its roster's forms and the booking by member code.
ROSTER = "office.occurrence"


def _midnight(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    """The start of ``day`` in the studio's zone."""
    return dt.datetime.combine(day, dt.time(), tzinfo=zone)


@routes.get("/schedule")
def schedule(request: Request) -> Page:
    """Seven days from ``from`` (default: today, in the studio's zone), grouped by day."""
    core = request.studio
    first = forms.day(request.query, "from") or core.clock.now().astimezone(request.zone).date()
    found = core.calendar(_midnight(first, request.zone), _midnight(first + WEEK, request.zone))
    taken = core.places_taken(o.id for o in found)
    days = [
        (day, _weekday(day), list(group))
        for day, group in groupby(found, key=lambda o: o.starts_at.astimezone(request.zone).date())
    ]
    return request.page(
        "sessionpacks/office/schedule.html",
        days=days,
        taken=taken,
        first=first,
        last=first + dt.timedelta(days=6),
        previous=first - WEEK,
        following=first + WEEK,
        services={s.id: s for s in core.services()},
    )


def _weekday(day: dt.date) -> str:
    """The day's name in the studio's language: "Monday", "lunes"."""
    from babel.dates import format_date

    return format_date(day, "EEEE", locale=current())


@routes.post("/schedule", form_page="office.schedule")
def add_occurrence(request: Request) -> Redirect:
    data = request.form
    starts_at = moment(request, "starts_at", required=True)
    assert starts_at is not None
    found = request.studio.add_occurrence(
        forms.required_int(data, "service_id"),
        starts_at,
        ends_at=moment(request, "ends_at"),
        instructor_ref=forms.text(data, "instructor_ref", required=False),
        capacity=forms.integer(data, "capacity", required=False),
        private=flag(request, "private"),
        **keyed(request),
    )
    return request.done(
        gettext("Added for %(when)s.", when=when(found.starts_at, request.zone)),
        "office.occurrence",
        occurrence_id=found.id,
    )


@routes.get("/schedule/<int:occurrence_id>")
def occurrence(request: Request, occurrence_id: int) -> Page:
    core = request.studio
    found = core.occurrence(occurrence_id)
    roster = core.roster(occurrence_id)
    return request.page(
        "sessionpacks/office/occurrence.html",
        occurrence=found,
        service=core.service(found.service_id),
        policy=core.booking_policy(found.service_id),
        roster=roster,
        pass_names=pass_names(
            core.pass_balance(pass_id)
            for pass_id in {part.pass_id for booking in roster for part in booking.passes}
        ),
        taken=core.places_taken((occurrence_id,))[occurrence_id],
        week=found.starts_at.astimezone(request.zone).date(),
    )


@routes.post(
    "/schedule/<int:occurrence_id>/book",
    form_page=ROSTER,
    refusals=(Refusal(NotFound, "member_ref"),),
)
def book_member(request: Request, occurrence_id: int) -> Redirect:
    """Book a member found by their member code (the kiosk code or the host's id)."""
    data = request.form
    core = request.studio
    member = core.member_by_ref(forms.required_text(data, "member_ref"))
    core.book(member.id, occurrence_id, **keyed(request))
    return _to_roster(request, occurrence_id, gettext("%(name)s booked.", name=member.name))


def _booking_action(request: Request, occurrence_id: int, booking_id: int, change: str) -> Redirect:
    """Attended, no-show or cancel: one of the core's booking writes, by name."""
    write = {
        "attended": request.studio.mark_attended,
        "no_show": request.studio.mark_no_show,
        "cancel": request.studio.cancel_booking,
    }[change]
    result = write(booking_id, **keyed(request))
    who = request.studio.member(result.member_id).name
    # Whole sentences, so each language words them its own way.
    if change == "attended":
        said = gettext("%(name)s marked attended.", name=who)
    elif change == "no_show":
        said = gettext("%(name)s marked a no-show.", name=who)
    elif result.returned is not None:
        said = gettext("%(name)s's booking cancelled; the credit is back.", name=who)
    elif result.state is BookingState.LATE_CANCELLED:
        said = gettext(
            "%(name)s's booking cancelled after the cut-off; by the policy the credit is kept.",
            name=who,
        )
    else:
        said = gettext("%(name)s's booking cancelled.", name=who)
    return _to_roster(request, occurrence_id, said)


@routes.post("/schedule/<int:occurrence_id>/bookings/<int:booking_id>/attended", form_page=ROSTER)
def mark_attended(request: Request, occurrence_id: int, booking_id: int) -> Redirect:
    return _booking_action(request, occurrence_id, booking_id, "attended")


@routes.post("/schedule/<int:occurrence_id>/bookings/<int:booking_id>/no-show", form_page=ROSTER)
def mark_no_show(request: Request, occurrence_id: int, booking_id: int) -> Redirect:
    return _booking_action(request, occurrence_id, booking_id, "no_show")


@routes.post("/schedule/<int:occurrence_id>/bookings/<int:booking_id>/cancel", form_page=ROSTER)
def cancel_booking(request: Request, occurrence_id: int, booking_id: int) -> Redirect:
    """Cancel by the policy, or (``keep_credit``) without giving the credit back, with a reason."""
    data = request.form
    if not data.get("keep_credit"):
        return _booking_action(request, occurrence_id, booking_id, "cancel")
    result = request.studio.cancel_booking(
        booking_id, keep_credit=True, reason=forms.required_text(data, "reason"), **keyed(request)
    )
    who = request.studio.member(result.member_id).name
    return _to_roster(
        request,
        occurrence_id,
        gettext("%(name)s's booking cancelled; the credit was kept.", name=who),
    )


@routes.post("/schedule/<int:occurrence_id>/cancel", form_page=ROSTER)
def cancel_occurrence(request: Request, occurrence_id: int) -> Redirect:
    """Call the class off: its reservations are cancelled and their credit given back."""
    result = request.studio.cancel_occurrence(occurrence_id, **keyed(request))
    cancelled, returned = len(result.booking_ids), len(result.given_back)
    # Two counts in one sentence: ngettext follows the bookings', and the credits' count picks
    # between two whole sentences (one credit, or any other number), never joined from pieces.
    if returned == 1:
        said = ngettext(
            "Class cancelled: %(num)d booking cancelled, %(returned)d credit given back.",
            "Class cancelled: %(num)d bookings cancelled, %(returned)d credit given back.",
            cancelled,
            returned=returned,
        )
    else:
        said = ngettext(
            "Class cancelled: %(num)d booking cancelled, %(returned)d credits given back.",
            "Class cancelled: %(num)d bookings cancelled, %(returned)d credits given back.",
            cancelled,
            returned=returned,
        )
    return _to_roster(request, occurrence_id, said)


def _to_roster(request: Request, occurrence_id: int, message: str) -> Redirect:
    return request.done(message, "office.occurrence", occurrence_id=occurrence_id)


@routes.get("/services/<int:service_id>/booking-policy")
def booking_policy(request: Request, service_id: int) -> Page:
    core = request.studio
    return request.page(
        "sessionpacks/office/booking_policy.html",
        service=core.service(service_id),
        policy=core.booking_policy(service_id),
        credit_taken=CREDIT_TAKEN,
    )


@routes.post("/services/<int:service_id>/booking-policy", form_page="office.booking_policy")
def set_booking_policy(request: Request, service_id: int) -> Redirect:
    """Every field is on the form, so an unticked box means "no" rather than "unchanged"."""
    data = request.form
    found = request.studio.set_booking_policy(
        service_id,
        credit_taken=forms.required_text(data, "credit_taken"),
        cancel_cutoff_minutes=forms.required_int(data, "cancel_cutoff_minutes"),
        late_cancel_forfeits=flag(request, "late_cancel_forfeits"),
        no_show_forfeits=flag(request, "no_show_forfeits"),
        **keyed(request),
    )
    return request.done(
        gettext("Booking policy saved."), "office.booking_policy", service_id=found.service_id
    )
