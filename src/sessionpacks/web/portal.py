"""The customer portal: a member's passes, history and classes, enrolling and cancelling.

Every page is scoped to the signed-in member's account: reads go through the account (a pass of
another account is "not found"), and writes name an account the core's authorization hook checks
(``OwnAccountOnly``), so another account's member, pass or booking id is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sessionpacks.enums import BookingState, Channel, PassState
from sessionpacks.errors import InvalidState, NotFound, SessionPacksError
from sessionpacks.values import PassBalance
from sessionpacks.web import forms
from sessionpacks.web.confirming import Confirmation, credit_outcome
from sessionpacks.web.guards import require_member
from sessionpacks.web.helpers import by_pass, pass_names, when
from sessionpacks.web.http import Fields, Page, Redirect, Request
from sessionpacks.web.i18n import gettext
from sessionpacks.web.problems import BadRequest
from sessionpacks.web.routes import Routes
from sessionpacks.web.wording import booking_change, taken

routes = Routes("/my", "portal.")

# How far ahead the class schedule reaches.
SCHEDULE_DAYS = 14


@routes.get("/")
def home(request: Request) -> Page:
    """My passes and what is left on them."""
    _, member_id = require_member(request)
    member = request.studio.member(member_id)
    return _page(
        request,
        "sessionpacks/portal/home.html",
        member=member,
        passes=request.studio.passes(member.account_id),
    )


@routes.get("/passes/<int:pass_id>")
def pass_history(request: Request, pass_id: int) -> Page:
    """One of my passes and every entry on it."""
    _, member_id = require_member(request)
    member = request.studio.member(member_id)
    held = _own_pass(request, pass_id, member.account_id)
    return _page(
        request,
        "sessionpacks/portal/pass.html",
        member=member,
        held=held,
        entries=request.studio.history(pass_id=pass_id),
        **_entries_context(request, member.account_id, (held,)),
    )


@routes.get("/history")
def history(request: Request) -> Page:
    """My account's credit history and my bookings."""
    _, member_id = require_member(request)
    member = request.studio.member(member_id)
    return _page(
        request,
        "sessionpacks/portal/history.html",
        member=member,
        entries=request.studio.history(account_id=member.account_id, limit=200),
        **_entries_context(
            request,
            member.account_id,
            request.studio.passes(member.account_id, include_voided=True),
        ),
        bookings=request.studio.bookings(member_id=member_id),
        now=request.studio.clock.now(),
    )


@routes.get("/classes")
def classes(request: Request) -> Page:
    """Upcoming classes to enroll in, with a credit."""
    _, member_id = require_member(request)
    member = request.studio.member(member_id)
    now = request.studio.clock.now()
    enrolled = {
        booking.occurrence_id: booking
        for booking in request.studio.bookings(member_id=member_id)
        if booking.state in (BookingState.RESERVED, BookingState.ATTENDED)
    }
    members = request.studio.members(member.account_id)
    passes = [p for p in request.studio.passes(member.account_id) if p.state is PassState.ACTIVE]
    # Who goes and what pays are chosen once, above the list; anything else is ignored.
    # A refused enrollment shows the page again with the choice its form sent.
    chosen = request.form if request.method == "POST" else request.query
    who = _picked(chosen, "member_id")
    who = who if who in {someone.id for someone in members} else member_id
    paying = _picked(chosen, "pass_id")
    paying = paying if paying in {held.pass_id for held in passes} else None
    occurrences = request.studio.schedule(now, now + dt.timedelta(days=SCHEDULE_DAYS))
    # Each class offers Enroll only when the choice can pay for it (asked once per service).
    payable = {
        service_id: _can_pay(request, who, service_id, paying)
        for service_id in {found.service_id for found in occurrences}
    }
    return _page(
        request,
        "sessionpacks/portal/classes.html",
        member=member,
        members=members,
        occurrences=occurrences,
        services={service.id: service for service in request.studio.services()},
        passes=passes,
        enrolled=enrolled,
        who=who,
        paying=paying,
        payable=payable,
    )


def _picked(values: Fields, name: str) -> int | None:
    """A choice above the list; one that is no number is no choice (an old or altered link)."""
    try:
        return forms.integer(values, name, required=False)
    except BadRequest:
        return None


def _can_pay(request: Request, member_id: int, service_id: int, pass_id: int | None) -> bool:
    try:
        plan = request.studio.plan_redemption(member_id, service_id, pass_id=pass_id)
    except SessionPacksError:  # the chosen pass cannot pay for this service at all
        return False
    return sum(part.units for part in plan.parts) >= plan.units > 0


# Refused (full, no credit left), the classes page again, saying why above the list.
@routes.post("/classes/<int:occurrence_id>/enroll", form_page="portal.classes")
def enroll(request: Request, occurrence_id: int) -> Redirect:
    """Enroll me (or, on a family account, one of its members) in a class, using a credit."""
    signed_in, member_id = require_member(request)
    # Another member of the same account may be named; the core refuses any other account's.
    who = forms.integer(request.form, "member_id", required=False) or member_id
    pass_id = forms.integer(request.form, "pass_id", required=False)
    if pass_id is not None:
        # The core would refuse another account's pass too, but saying why would tell a
        # stranger that the pass exists.
        _own_pass(request, pass_id, request.studio.member(member_id).account_id)
    result = request.studio.enroll(
        who,
        occurrence_id,
        idempotency_key=forms.key(request.form),
        actor=signed_in.actor,
        channel=Channel.PORTAL,
        pass_id=pass_id,
    )
    at = when(result.starts_at, request.zone)
    if result.created:
        said = gettext("Enrolled for %(at)s. %(taken)s", at=at, taken=taken(result.redeemed))
        request.flash(said.strip())
    else:
        request.flash(gettext("Already enrolled for %(at)s; nothing more was taken.", at=at))
    return Redirect(request.link("portal.classes"), 303)


@routes.get("/bookings/<int:booking_id>/cancel")
def cancel_confirm(request: Request, booking_id: int) -> Page:
    """Before cancelling one of my bookings: the class, and whether my credit comes back."""
    _, member_id = require_member(request)
    account_id = request.studio.member(member_id).account_id
    booking = next(
        (b for b in request.studio.bookings(account_id=account_id) if b.booking_id == booking_id),
        None,
    )
    if booking is None:  # another account's booking is as good as unknown here
        raise NotFound("booking", booking_id)
    if booking.state is not BookingState.RESERVED:
        raise InvalidState(
            gettext("this booking is not booked any more: there is nothing to cancel")
        )
    policy = request.studio.booking_policy(booking.service_id)
    late, back = credit_outcome(booking, policy, request.studio.clock.now())
    if back:
        outcome = (
            gettext("Your credit comes back.")
            if booking.passes
            else gettext("Nothing was taken for it.")
        )
    else:
        outcome = gettext("By the studio's policy the credit is not returned.")
    if late:
        outcome = gettext("It is after the cut-off. %(outcome)s", outcome=outcome)
    back_to = _back(request, request.link("portal.history"), request.query)
    return request.page(
        "sessionpacks/portal/confirm.html",
        confirmation=Confirmation(
            title=gettext("Cancel your booking?"),
            happens=(
                gettext(
                    "%(member)s: %(service)s, %(when)s.",
                    member=booking.member_name,
                    service=booking.service_name,
                    when=when(booking.starts_at, request.zone),
                ),
                outcome,
            ),
            action=request.link("portal.cancel", booking_id=booking_id),
            back=back_to,
            button=gettext("Cancel the booking"),
            fields={"next": back_to},
            danger=True,
        ),
    )


@routes.post("/bookings/<int:booking_id>/cancel", form_page="portal.history")
def cancel(request: Request, booking_id: int) -> Redirect:
    """Cancel one of my bookings; the service's policy says whether the credit comes back."""
    signed_in, _ = require_member(request)
    result = request.studio.cancel_booking(
        booking_id,
        idempotency_key=forms.key(request.form),
        actor=signed_in.actor,
        channel=Channel.PORTAL,
    )
    request.flash(booking_change(result))
    return Redirect(_back(request, request.link("portal.history")), 303)


def _entries_context(
    request: Request, account_id: int, passes: Sequence[PassBalance]
) -> dict[str, Any]:
    """What a credit history needs: each pass's name and unit, and, on a family's account,
    who used each credit."""
    members = request.studio.members(account_id)
    return {
        "pass_names": pass_names(passes),
        "passes_by_id": by_pass(passes),
        "member_names": {found.id: found.name for found in members} if len(members) > 1 else {},
    }


def _own_pass(request: Request, pass_id: int, account_id: int) -> PassBalance:
    """A pass of the member's account; another account's is as good as unknown here."""
    held = request.studio.pass_balance(pass_id)
    if held.account_id != account_id:
        raise NotFound("pass", pass_id)
    return held


def _page(request: Request, template: str, **values: Any) -> Page:
    return request.page(template, **values)


def _back(request: Request, default: str, fields: Fields | None = None) -> str:
    """Where a form asked to return to, if it is one of the portal's own pages."""
    target = str((request.form if fields is None else fields).get("next") or "")
    prefix = request.link("portal.home")
    # Only a path under the portal: never a redirect to another site.
    if target.startswith(prefix) and "//" not in target and "\\" not in target:
        return target
    return default
