"""The check-in kiosk: a front-desk device, signed in as staff, where members check in with their
member code, into one of the classes starting about now or, with no schedule, for a service.

A check-in posts, then redirects back to a fresh form showing the verdict, so a reload never
posts again; a double tap posts the same idempotency key and so redeems once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sessionpacks.enums import Channel
from sessionpacks.errors import ConfigurationError, NotFound, SessionPacksError
from sessionpacks.web import Identity, forms
from sessionpacks.web.guards import require_staff
from sessionpacks.web.http import Page, Redirect, Request
from sessionpacks.web.i18n import gettext
from sessionpacks.web.problems import BadRequest
from sessionpacks.web.routes import Routes
from sessionpacks.web.wording import refusal, taken

routes = Routes("/kiosk", "kiosk.", guard=require_staff)

# Classes offered: those starting within the next hours, or started a little while ago.
AHEAD = dt.timedelta(hours=3)
LATE = dt.timedelta(minutes=30)
# Where the last verdict waits for the page the check-in redirects to.
VERDICT = "sessionpacks_kiosk_verdict"


@routes.get("/")
def home(request: Request) -> Page:
    now = request.studio.clock.now()
    services = request.studio.services()
    occurrences = [
        found
        for found in request.studio.schedule(now - LATE, now + AHEAD)
        if found.cancelled_at is None
    ]
    return request.page(
        "sessionpacks/kiosk/home.html",
        verdict=request.session.pop(VERDICT, None),
        occurrences=occurrences,
        # Without classes about now, a visit is paid for a service instead.
        services=() if occurrences else services,
        names={service.id: service.name for service in services},
    )


@routes.post("/check-in")
def check_in(request: Request) -> Redirect:
    request.session[VERDICT] = _verdict(request, require_staff(request))
    return Redirect(request.link("kiosk.home"), 303)


def _verdict(request: Request, signed_in: Identity) -> dict[str, Any]:
    try:
        code = forms.required_text(request.form, "member_code")
    except BadRequest:
        return _no(gettext("Type your member code"), gettext("Then press Check in."))
    try:
        member = request.studio.member_at_kiosk(code, request.form.get("pin") or None)
    except NotFound:
        return _no(
            gettext("Code or PIN not recognised"),
            gettext("Check your member code, and your PIN if you have one, then try again."),
        )
    first = member.name.split()[0] if member.name.strip() else member.name
    try:
        occurrence_id = forms.integer(request.form, "occurrence_id", required=False)
        service_id = forms.integer(request.form, "service_id", required=False)
        if occurrence_id is None and service_id is None:
            return _no(
                gettext("%(name)s, choose a class", name=first),
                gettext("Pick the class you are here for."),
            )
        key = forms.key(request.form)
        welcome = gettext("Welcome, %(name)s", name=first)
        if occurrence_id is not None:
            booked = request.studio.check_in(
                member.id,
                occurrence_id,
                idempotency_key=key,
                actor=signed_in.actor,
                channel=Channel.KIOSK,
            )
            if not booked.created:
                return _ok(welcome, gettext("You are checked in; nothing more was taken."))
            return _ok(welcome, taken(booked.redeemed))
        assert service_id is not None
        redeemed = request.studio.redeem(
            member.id, service_id, idempotency_key=key, actor=signed_in.actor, channel=Channel.KIOSK
        )
        return _ok(welcome, taken(redeemed))
    except BadRequest as error:
        return _no(gettext("Cannot check in"), str(error))
    except ConfigurationError:
        raise  # the host's to fix, not the member's
    except SessionPacksError as error:
        reason = refusal(error)
        return _no(
            gettext("Cannot check in"),
            gettext(
                "Sorry %(name)s, %(reason)s. Please see the front desk.", name=first, reason=reason
            ),
        )


def _ok(headline: str, detail: str) -> dict[str, Any]:
    return {"ok": True, "headline": headline, "detail": detail}


def _no(headline: str, detail: str) -> dict[str, Any]:
    return {"ok": False, "headline": headline, "detail": detail}
