"""The schedule, for staff: the week's calendar, adding a class or appointment, an occurrence's
roster (attended, no-show, cancel, book a member, call the class off) and each service's
booking policy."""

from __future__ import annotations

import datetime as dt
from itertools import groupby

from flask import render_template, request
from werkzeug.wrappers.response import Response

from sessionpacks.enums import CreditTaken
from sessionpacks_flask import forms
from sessionpacks_flask.context import studio, zone
from sessionpacks_flask.office import blueprint
from sessionpacks_flask.office.shared import done, flag, form, keyed, moment, when

WEEK = dt.timedelta(days=7)
CREDIT_TAKEN = tuple(taken.value for taken in CreditTaken)


def _midnight(day: dt.date) -> dt.datetime:
    """The start of ``day`` in the studio's zone."""
    return dt.datetime.combine(day, dt.time(), tzinfo=zone())


@blueprint.get("/schedule")
def schedule() -> str:
    """Seven days from ``from`` (default: today, in the studio's zone), grouped by day."""
    core = studio()
    first = forms.day(request.args, "from") or core.clock.now().astimezone(zone()).date()
    found = core.calendar(_midnight(first), _midnight(first + WEEK))
    taken = core.places_taken(o.id for o in found)
    days = [
        (day, list(group))
        for day, group in groupby(found, key=lambda o: o.starts_at.astimezone(zone()).date())
    ]
    return render_template(
        "sessionpacks/office/schedule.html",
        days=days,
        taken=taken,
        first=first,
        last=first + dt.timedelta(days=6),
        previous=first - WEEK,
        following=first + WEEK,
        services={s.id: s for s in core.services()},
    )


@blueprint.post("/schedule")
def add_occurrence() -> Response:
    data = form()
    starts_at = moment("starts_at", required=True)
    assert starts_at is not None
    found = studio().add_occurrence(
        forms.required_int(data, "service_id"),
        starts_at,
        ends_at=moment("ends_at"),
        instructor_ref=forms.text(data, "instructor_ref", required=False),
        capacity=forms.integer(data, "capacity", required=False),
        private=flag("private"),
        **keyed(data),
    )
    return done(
        f"Added for {when(found.starts_at)}.",
        "sessionpacks.office.occurrence",
        occurrence_id=found.id,
    )


@blueprint.get("/schedule/<int:occurrence_id>")
def occurrence(occurrence_id: int) -> str:
    core = studio()
    found = core.occurrence(occurrence_id)
    roster = core.roster(occurrence_id)
    return render_template(
        "sessionpacks/office/occurrence.html",
        occurrence=found,
        service=core.service(found.service_id),
        policy=core.booking_policy(found.service_id),
        roster=roster,
        taken=core.places_taken((occurrence_id,))[occurrence_id],
        week=found.starts_at.astimezone(zone()).date(),
    )


@blueprint.post("/schedule/<int:occurrence_id>/book")
def book_member(occurrence_id: int) -> Response:
    """Book a member found by their member code (the kiosk code or the host's id)."""
    data = form()
    core = studio()
    member = core.member_by_ref(forms.required_text(data, "member_ref"))
    result = core.book(
        member.id,
        occurrence_id,
        **keyed(data),
    )
    return _to_roster(occurrence_id, f"{member.name} booked (booking {result.booking_id}).")


def _booking_action(occurrence_id: int, booking_id: int, change: str, said: str) -> Response:
    """Attended, no-show or cancel: one of the core's booking writes, by name."""
    write = {
        "attended": studio().mark_attended,
        "no_show": studio().mark_no_show,
        "cancel": studio().cancel_booking,
    }[change]
    result = write(booking_id, **keyed(form()))
    state = result.state.value.replace("_", " ")
    return _to_roster(occurrence_id, f"Booking {booking_id} {said}: {state}.")


@blueprint.post("/schedule/<int:occurrence_id>/bookings/<int:booking_id>/attended")
def mark_attended(occurrence_id: int, booking_id: int) -> Response:
    return _booking_action(occurrence_id, booking_id, "attended", "marked attended")


@blueprint.post("/schedule/<int:occurrence_id>/bookings/<int:booking_id>/no-show")
def mark_no_show(occurrence_id: int, booking_id: int) -> Response:
    return _booking_action(occurrence_id, booking_id, "no_show", "marked a no-show")


@blueprint.post("/schedule/<int:occurrence_id>/bookings/<int:booking_id>/cancel")
def cancel_booking(occurrence_id: int, booking_id: int) -> Response:
    """Cancel by the policy, or (``keep_credit``) without giving the credit back, with a reason."""
    data = form()
    if not data.get("keep_credit"):
        return _booking_action(occurrence_id, booking_id, "cancel", "cancelled")
    result = studio().cancel_booking(
        booking_id, keep_credit=True, reason=forms.required_text(data, "reason"), **keyed(data)
    )
    who = studio().member(result.member_id).name
    return _to_roster(occurrence_id, f"{who}'s booking cancelled; the credit was kept.")


@blueprint.post("/schedule/<int:occurrence_id>/cancel")
def cancel_occurrence(occurrence_id: int) -> Response:
    """Call the class off: its reservations are cancelled and their credit given back."""
    result = studio().cancel_occurrence(occurrence_id, **keyed(form()))
    cancelled, returned = len(result.booking_ids), len(result.given_back)
    return _to_roster(
        occurrence_id,
        f"Class cancelled: {cancelled} booking{'' if cancelled == 1 else 's'} cancelled,"
        f" {returned} credit{'' if returned == 1 else 's'} given back.",
    )


def _to_roster(occurrence_id: int, message: str) -> Response:
    return done(message, "sessionpacks.office.occurrence", occurrence_id=occurrence_id)


@blueprint.get("/services/<int:service_id>/booking-policy")
def booking_policy(service_id: int) -> str:
    core = studio()
    return render_template(
        "sessionpacks/office/booking_policy.html",
        service=core.service(service_id),
        policy=core.booking_policy(service_id),
        credit_taken=CREDIT_TAKEN,
    )


@blueprint.post("/services/<int:service_id>/booking-policy")
def set_booking_policy(service_id: int) -> Response:
    """Every field is on the form, so an unticked box means "no" rather than "unchanged"."""
    data = form()
    found = studio().set_booking_policy(
        service_id,
        credit_taken=forms.required_text(data, "credit_taken"),
        cancel_cutoff_minutes=forms.required_int(data, "cancel_cutoff_minutes"),
        late_cancel_forfeits=flag("late_cancel_forfeits"),
        no_show_forfeits=flag("no_show_forfeits"),
        **keyed(data),
    )
    return done(
        "Booking policy saved.", "sessionpacks.office.booking_policy", service_id=found.service_id
    )
