"""The office's confirmations: each GET checks the choice made on the page before, says what
pressing Confirm will do (the amount, the units, the people) and holds the real POST form.

Desk redeeming already shows its dry run before its button; marking attended or a no-show, and
booking a member, stay one click: they are the roster's fast path and each can be put right.
Adjust, like Add credits, acts on the number and reason typed on its own form."""

from __future__ import annotations

from collections.abc import Iterable

from sessionpacks.bookings import BookingPass
from sessionpacks.enums import BookingState, EntryKind
from sessionpacks.errors import InvalidState, NotFound
from sessionpacks.refunds import refund_amount
from sessionpacks.templates import TemplateInfo
from sessionpacks.web import forms
from sessionpacks.web.confirming import Confirmation, Reason, confirm_page, credit_outcome, typed
from sessionpacks.web.helpers import money, units, when
from sessionpacks.web.http import Page, Request, not_found
from sessionpacks.web.i18n import N_, gettext, ngettext
from sessionpacks.web.office import routes
from sessionpacks.web.office.shared import held_on
from sessionpacks.web.problems import BadRequest

PAGE = "sessionpacks/office/confirm.html"


# -- sell, assign, start a plan -----------------------------------------------------------------


def _chosen(request: Request, account_id: int) -> tuple[TemplateInfo, str, dict[str, str]]:
    """The template and member picked on the sell page: the template, who the pass is for, and
    the fields to post again."""
    query = request.query
    template = request.studio.template(forms.required_int(query, "template_id"))
    member_id = forms.integer(query, "member_id", required=False)
    whom = gettext("everyone on the account")
    if member_id is not None:
        member = request.studio.member(member_id)
        if member.account_id != account_id:
            raise NotFound("member", member_id)
        whom = member.name
    fields = {
        "template_id": str(template.id),
        "member_id": "" if member_id is None else str(member_id),
    }
    return template, whom, fields


def _pack(request: Request, template: TemplateInfo, whom: str) -> str:
    """What the pass will be, in a sentence: its clauses, each one whole, listed."""
    starts_at = forms.moment(request.query, "starts_at", request.zone)
    clauses = [
        gettext(
            "%(name)s, %(amount)s for %(whom)s",
            name=template.name,
            amount=units(template.quantity, template.metric, template.currency),
            whom=whom,
        )
    ]
    if starts_at:
        clauses.append(gettext("starting %(when)s", when=when(starts_at, request.zone)))
    if template.validity_days:
        days = template.validity_days
        clauses.append(ngettext("valid %(num)d day", "valid %(num)d days", days))
    elif template.validity_months:
        months = template.validity_months
        clauses.append(ngettext("valid %(num)d month", "valid %(num)d months", months))
    return ", ".join(clauses) + "."


@routes.get("/clients/<int:account_id>/sell/confirm")
def sell_confirm(request: Request, account_id: int) -> Page:
    account = request.studio.account(account_id)
    template, whom, fields = _chosen(request, account_id)
    fields["starts_at"] = typed(request, "starts_at")
    price = money(template.price_minor, template.currency)
    charged = (
        gettext(
            "%(client)s is charged %(price)s now, through the studio's payment provider.",
            client=account.name,
            price=price,
        )
        if template.price_minor
        else gettext("The template is free: nothing is charged.")
    )
    return confirm_page(
        request,
        PAGE,
        Confirmation(
            title=gettext("Sell %(name)s to %(client)s", name=template.name, client=account.name),
            happens=(
                charged,
                gettext("Then the pass is made: %(what)s", what=_pack(request, template, whom)),
            ),
            action=request.link("office.sell", account_id=account_id),
            back=request.link("office.sell_page", account_id=account_id),
            button=gettext("Charge %(price)s", price=price)
            if template.price_minor
            else gettext("Sell for nothing"),
            fields=fields,
        ),
    )


@routes.get("/clients/<int:account_id>/assign/confirm")
def assign_confirm(request: Request, account_id: int) -> Page:
    account = request.studio.account(account_id)
    template, whom, fields = _chosen(request, account_id)
    fields["starts_at"] = typed(request, "starts_at")
    return confirm_page(
        request,
        PAGE,
        Confirmation(
            title=gettext("Assign %(name)s to %(client)s", name=template.name, client=account.name),
            happens=(
                gettext("Nothing is charged, and the pass cannot be refunded."),
                gettext("The pass: %(what)s", what=_pack(request, template, whom)),
            ),
            action=request.link("office.assign", account_id=account_id),
            back=request.link("office.sell_page", account_id=account_id),
            button=gettext(
                "Assign %(amount)s",
                amount=units(template.quantity, template.metric, template.currency),
            ),
            fields=fields,
            reason=Reason(gettext("Paid in cash"), typed(request)),
        ),
    )


@routes.get("/clients/<int:account_id>/subscribe/confirm")
def subscribe_confirm(request: Request, account_id: int) -> Page:
    account = request.studio.account(account_id)
    template, whom, fields = _chosen(request, account_id)
    billing = forms.text(request.query, "billing", required=False) or "studio"
    if billing not in ("studio", "external"):
        raise BadRequest(f"the field 'billing' must be one of studio, external, got {billing!r}")
    fields["billing"] = billing
    price = money(template.price_minor, template.currency)
    period = _period(template)
    if billing == "studio" and template.price_minor:
        charged = gettext(
            "%(client)s is charged %(price)s now, through the studio's payment provider,"
            " and %(price)s again %(period)s.",
            client=account.name,
            price=price,
            period=period,
        )
        button = gettext("Charge %(price)s and start the plan", price=price)
    else:
        charged = (
            gettext("No money is taken here: the plan is billed elsewhere.")
            if billing == "external"
            else gettext("The plan is free: nothing is charged.")
        )
        button = gettext("Start the plan")
    credits = units(template.quantity, template.metric, template.currency)
    return confirm_page(
        request,
        PAGE,
        Confirmation(
            title=gettext("Start %(name)s for %(client)s", name=template.name, client=account.name),
            happens=(
                charged,
                gettext(
                    "Each period gives %(credits)s to %(whom)s; the first starts now.",
                    credits=credits,
                    whom=whom,
                ),
            ),
            action=request.link("office.subscribe", account_id=account_id),
            back=request.link("office.sell_page", account_id=account_id),
            button=button,
            fields=fields,
        ),
    )


def _period(template: TemplateInfo) -> str:
    if template.period_months:
        return ngettext("every month", "every %(num)d months", template.period_months)
    if template.period_days:
        return ngettext("every day", "every %(num)d days", template.period_days)
    return gettext("each period")


@routes.get("/clients/<int:account_id>/subscriptions/<int:subscription_id>/cancel/confirm")
def cancel_subscription_confirm(request: Request, account_id: int, subscription_id: int) -> Page:
    core = request.studio
    found = core.subscription(subscription_id)
    if found.account_id != account_id:
        raise NotFound("subscription", subscription_id)
    plan = core.template(found.template_id)
    return confirm_page(
        request,
        PAGE,
        Confirmation(
            title=gettext(
                "Cancel %(name)s for %(client)s",
                name=plan.name,
                client=core.account(account_id).name,
            ),
            happens=(
                gettext("No further period is renewed or charged."),
                gettext(
                    "This period's credits stay until it ends, %(when)s.",
                    when=when(found.period_end, request.zone),
                ),
            ),
            action=request.link(
                "office.cancel_subscription", account_id=account_id, subscription_id=subscription_id
            ),
            back=request.link("office.client", account_id=account_id),
            button=gettext("Cancel the plan"),
            danger=True,
        ),
    )


# -- one pass ------------------------------------------------------------------------------------


@routes.get("/clients/<int:account_id>/passes/<int:pass_id>/refund/confirm")
def refund_confirm(request: Request, account_id: int, pass_id: int) -> Page:
    account = request.studio.account(account_id)
    held = held_on(request, account_id, pass_id)
    name = held.label or gettext("The pass")
    left = units(held.remaining, held.metric, held.currency)
    if held.cost_basis_minor:
        given = money(
            refund_amount(held.cost_basis_minor, held.remaining, held.initial_quantity),
            held.cost_currency,
        )
        happens = (
            gettext(
                "%(name)s ends, with %(left)s unused of %(initial)s.",
                name=name,
                left=left,
                initial=units(held.initial_quantity, held.metric, held.currency),
            ),
            gettext(
                "%(client)s gets %(given)s back through the studio's payment provider: the"
                " unused part of the %(paid)s paid.",
                client=account.name,
                given=given,
                paid=money(held.cost_basis_minor, held.cost_currency),
            ),
        )
        button = gettext("Refund %(amount)s", amount=given)
    else:
        happens = (
            gettext("%(name)s ends, with %(left)s unused.", name=name, left=left),
            gettext("Nothing was paid for it: nothing is given back."),
        )
        button = gettext("End the pass, refund nothing")
    return confirm_page(
        request,
        PAGE,
        Confirmation(
            title=gettext("Refund and end %(name)s", name=name),
            happens=happens,
            action=request.link("office.refund", account_id=account_id, pass_id=pass_id),
            back=request.link("office.pass_page", account_id=account_id, pass_id=pass_id),
            button=button,
            reason=Reason(gettext("Moving away"), typed(request)),
            danger=True,
        ),
    )


@routes.get("/clients/<int:account_id>/passes/<int:pass_id>/void/confirm")
def void_confirm(request: Request, account_id: int, pass_id: int) -> Page:
    held = held_on(request, account_id, pass_id)
    name = held.label or gettext("The pass")
    left = units(held.remaining, held.metric, held.currency)
    return confirm_page(
        request,
        PAGE,
        Confirmation(
            title=gettext("Delete %(name)s", name=name),
            happens=(
                gettext(
                    "%(name)s is deleted: the %(left)s left on it are taken away."
                    " Nothing is refunded.",
                    name=name,
                    left=left,
                ),
                gettext("Its history stays on the client's card."),
            ),
            action=request.link("office.void", account_id=account_id, pass_id=pass_id),
            back=request.link("office.pass_page", account_id=account_id, pass_id=pass_id),
            button=gettext("Delete the pass and its %(left)s", left=left),
            reason=Reason(gettext("Created by mistake"), typed(request)),
            danger=True,
        ),
    )


# -- a visit -------------------------------------------------------------------------------------


@routes.get("/clients/<int:account_id>/redemptions/<int:redemption_id>/reverse/confirm")
def reverse_confirm(request: Request, account_id: int, redemption_id: int) -> Page:
    core = request.studio
    account = core.account(account_id)
    entries = [e for e in core.history(account_id=account_id) if e.redemption_id == redemption_id]
    used = [e for e in entries if e.kind is EntryKind.REDEEM]
    if not used:
        raise NotFound("redemption", redemption_id)
    if any(e.kind is EntryKind.REVERSE for e in entries):
        raise InvalidState(
            gettext("this visit was already reversed: its credit is back on the pass")
        )
    first = used[0]
    members = {member.id: member.name for member in core.members(account_id)}
    visit = core.service(first.service_id).name if first.service_id else gettext("a visit")
    who = members.get(first.member_id or 0, account.name)
    back = []
    for entry in used:
        held = core.pass_balance(entry.pass_id)
        back.append(
            gettext(
                "%(amount)s to %(name)s",
                amount=units(-entry.delta, held.metric, held.currency),
                name=held.label or gettext("the pass"),
            )
        )
    total = sum(-entry.delta for entry in used)
    metric = core.pass_balance(first.pass_id)
    return confirm_page(
        request,
        PAGE,
        Confirmation(
            title=gettext("Reverse a visit"),
            happens=(
                gettext(
                    "%(who)s's %(visit)s of %(when)s no longer counts.",
                    who=who,
                    visit=visit,
                    when=when(first.created_at, request.zone),
                ),
                gettext("Given back: %(given)s.", given="; ".join(back)),
            ),
            action=request.link(
                "office.reverse", account_id=account_id, redemption_id=redemption_id
            ),
            back=request.link("office.client", account_id=account_id),
            button=gettext(
                "Give back %(amount)s", amount=units(total, metric.metric, metric.currency)
            ),
            reason=Reason(gettext("Recorded by mistake"), typed(request)),
            danger=True,
        ),
    )


# What cancelling a booking does to its credit, by (after the cut-off, credit back).
_OUTCOME = {
    (True, True): N_("It is after the cut-off; their credit is given back."),
    (True, False): N_("It is after the cut-off; by the policy the credit is kept."),
    (False, True): N_("Their credit is given back."),
    (False, False): N_("By the policy the credit is kept."),
}


# -- a class and its bookings --------------------------------------------------------------------


@routes.get("/schedule/<int:occurrence_id>/cancel/confirm")
def cancel_occurrence_confirm(request: Request, occurrence_id: int) -> Page:
    core = request.studio
    found = core.occurrence(occurrence_id)
    if found.cancelled_at is not None:
        raise InvalidState(gettext("this class was already cancelled"))
    service = core.service(found.service_id)
    booked = [b for b in core.roster(occurrence_id) if b.state is BookingState.RESERVED]
    listed = tuple(
        gettext(
            "%(name)s: their credit is given back to %(passes)s",
            name=b.member_name,
            passes=", ".join(_labels(request, b.passes)),
        )
        if b.passes
        else gettext("%(name)s: nothing was taken yet; nothing is charged", name=b.member_name)
        for b in booked
    )
    count = len(booked)
    return confirm_page(
        request,
        PAGE,
        Confirmation(
            title=gettext(
                "Cancel %(name)s, %(when)s",
                name=service.name,
                when=when(found.starts_at, request.zone),
            ),
            happens=(
                ngettext(
                    "%(num)d booking cancelled, every credit given back, whatever the cut-off."
                    " The class stays on the schedule, marked cancelled, and takes no more"
                    " bookings.",
                    "%(num)d bookings cancelled, every credit given back, whatever the cut-off."
                    " The class stays on the schedule, marked cancelled, and takes no more"
                    " bookings.",
                    count,
                ),
            ),
            listed_title=gettext("Booked on it"),
            listed=listed,
            action=request.link("office.cancel_occurrence", occurrence_id=occurrence_id),
            back=request.link("office.occurrence", occurrence_id=occurrence_id),
            button=ngettext(
                "Cancel the class and its %(num)d booking",
                "Cancel the class and its %(num)d bookings",
                count,
            ),
            danger=True,
        ),
    )


def _labels(request: Request, paid: Iterable[BookingPass]) -> list[str]:
    """Each pass that paid for a booking, with what it gets back."""
    found: list[str] = []
    for part in paid:
        held = request.studio.pass_balance(part.pass_id)
        found.append(
            gettext(
                "%(name)s (%(amount)s)",
                name=held.label or gettext("the pass"),
                amount=units(part.units, held.metric, held.currency),
            )
        )
    return found


@routes.get("/schedule/<int:occurrence_id>/bookings/<int:booking_id>/cancel/confirm")
def cancel_booking_confirm(request: Request, occurrence_id: int, booking_id: int) -> Page:
    core = request.studio
    found = core.occurrence(occurrence_id)
    booking = next((b for b in core.roster(occurrence_id) if b.booking_id == booking_id), None)
    if booking is None:
        raise not_found(gettext("that booking is not on this class"))
    if booking.state is not BookingState.RESERVED:
        raise InvalidState(
            gettext("%(name)s is no longer booked on this class", name=booking.member_name)
        )
    keep = bool(request.query.get("keep_credit"))
    service = core.service(found.service_id)
    at = when(found.starts_at, request.zone)
    if keep:
        outcome = gettext("Their credit is kept, whatever the cut-off: it is not given back.")
    else:
        late, back = credit_outcome(
            booking, core.booking_policy(found.service_id), core.clock.now()
        )
        outcome = gettext(_OUTCOME[late, back])
    return confirm_page(
        request,
        PAGE,
        Confirmation(
            title=gettext("Cancel %(name)s's booking", name=booking.member_name),
            happens=(
                gettext(
                    "%(name)s is taken off %(service)s, %(when)s.",
                    name=booking.member_name,
                    service=service.name,
                    when=at,
                ),
                outcome,
            ),
            action=request.link(
                "office.cancel_booking", occurrence_id=occurrence_id, booking_id=booking_id
            ),
            back=request.link("office.occurrence", occurrence_id=occurrence_id),
            button=gettext("Cancel the booking, keep the credit")
            if keep
            else gettext("Cancel the booking"),
            fields={"keep_credit": "1"} if keep else {},
            reason=Reason(
                "",
                typed(request),
                gettext("Why keep %(name)s's credit", name=booking.member_name),
            )
            if keep
            else None,
            danger=True,
        ),
    )
