"""The customer portal: a member's passes, history and classes, enrolling and cancelling.

Every page is scoped to the signed-in member's account: reads go through the account (a pass of
another account is "not found"), and writes name an account the core's authorization hook checks
(``OwnAccountOnly``), so another account's member, pass or booking id is refused.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from sessionpacks.enums import BookingState, Channel
from sessionpacks.errors import NotFound
from sessionpacks.values import PassBalance
from sessionpacks_flask import forms
from sessionpacks_flask.context import require_member, studio, zone
from sessionpacks_flask.wording import amount, booking_change, taken, when

blueprint = Blueprint("portal", __name__)

# How far ahead the class schedule reaches.
SCHEDULE_DAYS = 14


@blueprint.route("/")
def home() -> str:
    """My passes and what is left on them."""
    _, member_id = require_member()
    member = studio().member(member_id)
    return _page(
        "sessionpacks/portal/home.html",
        member=member,
        passes=studio().passes(member.account_id),
    )


@blueprint.route("/passes/<int:pass_id>")
def pass_history(pass_id: int) -> str:
    """One of my passes and every entry on it."""
    _, member_id = require_member()
    member = studio().member(member_id)
    held = _own_pass(pass_id, member.account_id)
    return _page(
        "sessionpacks/portal/pass.html",
        member=member,
        held=held,
        entries=studio().history(pass_id=pass_id),
    )


@blueprint.route("/history")
def history() -> str:
    """My account's credit history and my bookings."""
    _, member_id = require_member()
    member = studio().member(member_id)
    return _page(
        "sessionpacks/portal/history.html",
        member=member,
        entries=studio().history(account_id=member.account_id, limit=200),
        bookings=studio().bookings(member_id=member_id),
        now=studio().clock.now(),
    )


@blueprint.route("/classes")
def classes() -> str:
    """Upcoming classes to enroll in, with a credit."""
    _, member_id = require_member()
    member = studio().member(member_id)
    now = studio().clock.now()
    enrolled = {
        booking.occurrence_id: booking
        for booking in studio().bookings(member_id=member_id)
        if booking.state in (BookingState.RESERVED, BookingState.ATTENDED)
    }
    return _page(
        "sessionpacks/portal/classes.html",
        member=member,
        members=studio().members(member.account_id),
        occurrences=studio().schedule(now, now + dt.timedelta(days=SCHEDULE_DAYS)),
        services={service.id: service for service in studio().services()},
        passes=studio().passes(member.account_id),
        enrolled=enrolled,
    )


@blueprint.route("/classes/<int:occurrence_id>/enroll", methods=["POST"])
def enroll(occurrence_id: int) -> Response:
    """Enroll me (or, on a family account, one of its members) in a class, using a credit."""
    signed_in, member_id = require_member()
    # Another member of the same account may be named; the core refuses any other account's.
    who = forms.integer(request.form, "member_id", required=False) or member_id
    pass_id = forms.integer(request.form, "pass_id", required=False)
    if pass_id is not None:
        # The core would refuse another account's pass too, but saying why would tell a
        # stranger that the pass exists.
        _own_pass(pass_id, studio().member(member_id).account_id)
    result = studio().enroll(
        who,
        occurrence_id,
        idempotency_key=forms.key(request.form),
        actor=signed_in.actor,
        channel=Channel.PORTAL,
        pass_id=pass_id,
    )
    at = when(result.starts_at, zone())
    if result.created:
        flash(f"Enrolled for {at}. {taken(result.redeemed)}".strip(), "success")
    else:
        flash(f"Already enrolled for {at}; nothing more was taken.", "success")
    return redirect(url_for(".classes"), 303)


@blueprint.route("/bookings/<int:booking_id>/cancel", methods=["POST"])
def cancel(booking_id: int) -> Response:
    """Cancel one of my bookings; the service's policy says whether the credit comes back."""
    signed_in, _ = require_member()
    result = studio().cancel_booking(
        booking_id,
        idempotency_key=forms.key(request.form),
        actor=signed_in.actor,
        channel=Channel.PORTAL,
    )
    flash(booking_change(result), "success")
    return redirect(_back(url_for(".history")), 303)


def _own_pass(pass_id: int, account_id: int) -> PassBalance:
    """A pass of the member's account; another account's is as good as unknown here."""
    held = studio().pass_balance(pass_id)
    if held.account_id != account_id:
        raise NotFound("pass", pass_id)
    return held


def _page(template: str, **values: Any) -> str:
    return render_template(template, zone=zone(), when=when, amount=amount, **values)


def _back(default: str) -> str:
    """Where a form asked to return to, if it is one of the portal's own pages."""
    target = request.form.get("next", "")
    prefix = url_for(".home")
    # Only a path under the portal: never a redirect to another site.
    if target.startswith(prefix) and "//" not in target and "\\" not in target:
        return target
    return default
