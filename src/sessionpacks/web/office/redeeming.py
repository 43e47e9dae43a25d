"""Using credits from the office: redeeming (after a dry run that shows which passes would
pay), reversing a redemption, and a private session booked in one step."""

from __future__ import annotations

from sessionpacks.directory import MemberInfo
from sessionpacks.values import PassBalance, RedemptionPlan
from sessionpacks.web import forms
from sessionpacks.web.helpers import units, when
from sessionpacks.web.http import Page, Redirect, Request
from sessionpacks.web.i18n import gettext
from sessionpacks.web.office import routes
from sessionpacks.web.office.clients import CURRENT
from sessionpacks.web.office.shared import (
    flag,
    keyed,
    moment,
    optional_id,
    pass_name,
    to_client,
)
from sessionpacks.web.wording import held_back


def _choices(request: Request, account_id: int) -> dict[str, object]:
    """What the redeem and private-session forms offer: the account's members, the services,
    and its passes still in use."""
    core = request.studio
    return {
        "account": core.account(account_id),
        "members": core.members(account_id),
        "services": core.services(),
        "passes": [p for p in core.passes(account_id) if p.state in CURRENT],
    }


@routes.get("/clients/<int:account_id>/redeem")
def redeem_page(request: Request, account_id: int) -> Page:
    """Pick member and service (and a pass, if one must pay first); with both picked, the page
    shows the dry run and a button that redeems exactly that."""
    # A refused redemption shows this page again with the dry run of what its form sent.
    args = request.form if request.method == "POST" else request.query
    member_id = forms.integer(args, "member_id", required=False)
    service_id = forms.integer(args, "service_id", required=False)
    pass_id = forms.integer(args, "pass_id", required=False)
    plan: RedemptionPlan | None = None
    reasons: dict[int, str] = {}
    # Every pass of the account, past ones too: the dry run says why each cannot pay.
    held = {p.pass_id: p for p in request.studio.passes(account_id, include_voided=True)}
    if member_id is not None and service_id is not None:
        plan = request.studio.plan_redemption(member_id, service_id, pass_id=pass_id)
        member = request.studio.member(member_id)
        reasons = {
            part.pass_id: _why_first(request, held[part.pass_id], member, pass_id)
            for part in plan.parts
        }
    return request.page(
        "sessionpacks/office/redeem.html",
        plan=plan,
        held=held,
        reasons=reasons,
        held_back=held_back,
        picked={"member_id": member_id, "service_id": service_id, "pass_id": pass_id},
        **_choices(request, account_id),
    )


def _why_first(request: Request, held: PassBalance, member: MemberInfo, named: int | None) -> str:
    """Why the usual order picks this pass, as the desk would say it."""
    if held.pass_id == named:
        return gettext("you chose it")
    if held.pass_id == member.default_pass_id:
        return gettext("%(name)s's default pack", name=member.name)
    # A list of reasons, each one whole: "Ana's own pass, never expires, paid credits".
    reasons = [
        gettext("%(name)s's own pass", name=member.name)
        if held.member_id
        else gettext("shared by everyone on the account")
    ]
    if held.expires_at is None:
        reasons.append(gettext("never expires"))
    else:
        reasons.append(gettext("expires %(when)s", when=when(held.expires_at, request.zone)))
    reasons.append(
        gettext("free credits") if held.cost_basis_minor == 0 else gettext("paid credits")
    )
    return ", ".join(reasons)


@routes.post("/clients/<int:account_id>/redeem", form_page="office.redeem_page")
def redeem(request: Request, account_id: int) -> Redirect:
    data = request.form
    result = request.studio.redeem(
        forms.required_int(data, "member_id"),
        forms.required_int(data, "service_id"),
        **keyed(request),
        pass_id=optional_id(request, "pass_id"),
    )
    counted = "; ".join(
        gettext(
            "%(name)s: session %(number)s of %(of)s",
            name=pass_name(request, part.pass_id),
            number=part.number,
            of=part.of,
        )
        if part.of
        else gettext(
            "%(name)s: session %(number)s",
            name=pass_name(request, part.pass_id),
            number=part.number,
        )
        for part in result.parts
    )
    return to_client(
        request,
        account_id,
        gettext(
            "Redeemed %(amount)s (%(counted)s).",
            amount=units(result.units, result.metric, result.currency),
            counted=counted,
        ),
    )


@routes.post(
    "/clients/<int:account_id>/redemptions/<int:redemption_id>/reverse", form_page="office.client"
)
def reverse(request: Request, account_id: int, redemption_id: int) -> Redirect:
    """Give a redemption's units back to the passes it took them from."""
    data = request.form
    request.studio.reverse(
        redemption_id,
        reason=forms.required_text(data, "reason"),
        **keyed(request),
    )
    return to_client(
        request, account_id, gettext("Visit reversed: its credit is back on the pass.")
    )


@routes.get("/clients/<int:account_id>/private-session")
def private_session_page(request: Request, account_id: int) -> Page:
    return request.page("sessionpacks/office/private_session.html", **_choices(request, account_id))


@routes.post("/clients/<int:account_id>/private-session", form_page="office.private_session_page")
def private_session(request: Request, account_id: int) -> Redirect:
    """Book (or, ticked "attended", record after the fact) a one-off private session."""
    data = request.form
    starts_at = moment(request, "starts_at", required=True)
    assert starts_at is not None
    attended = flag(request, "attended")
    request.studio.book_private_session(
        forms.required_int(data, "member_id"),
        forms.required_int(data, "service_id"),
        starts_at,
        **keyed(request),
        instructor_ref=forms.text(data, "instructor_ref", required=False),
        ends_at=moment(request, "ends_at"),
        pass_id=optional_id(request, "pass_id"),
        attended=attended,
    )
    return to_client(
        request,
        account_id,
        gettext("Private session recorded for %(when)s.", when=when(starts_at, request.zone))
        if attended
        else gettext("Private session booked for %(when)s.", when=when(starts_at, request.zone)),
    )
