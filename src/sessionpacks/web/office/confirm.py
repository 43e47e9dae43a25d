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
    whom = "everyone on the account"
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
    """What the pass will be, in a sentence."""
    starts_at = forms.moment(request.query, "starts_at", request.zone)
    start = f", starting {when(starts_at, request.zone)}" if starts_at else ""
    return (
        f"{template.name}, {units(template.quantity, template.metric, template.currency)}"
        f" for {whom}{start}{_validity(template)}."
    )


def _validity(template: TemplateInfo) -> str:
    if template.validity_days:
        return ", valid " + _count(template.validity_days, "day")
    if template.validity_months:
        return ", valid " + _count(template.validity_months, "month")
    return ""


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"


@routes.get("/clients/<int:account_id>/sell/confirm")
def sell_confirm(request: Request, account_id: int) -> Page:
    account = request.studio.account(account_id)
    template, whom, fields = _chosen(request, account_id)
    fields["starts_at"] = typed(request, "starts_at")
    price = money(template.price_minor, template.currency)
    charged = (
        f"{account.name} is charged {price} now, through the studio's payment provider."
        if template.price_minor
        else "The template is free: nothing is charged."
    )
    return confirm_page(
        request,
        PAGE,
        Confirmation(
            title=f"Sell {template.name} to {account.name}",
            happens=(charged, "Then the pass is made: " + _pack(request, template, whom)),
            action=request.link("office.sell", account_id=account_id),
            back=request.link("office.sell_page", account_id=account_id),
            button=f"Charge {price}" if template.price_minor else "Sell for nothing",
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
            title=f"Assign {template.name} to {account.name}",
            happens=(
                "Nothing is charged, and the pass cannot be refunded.",
                "The pass: " + _pack(request, template, whom),
            ),
            action=request.link("office.assign", account_id=account_id),
            back=request.link("office.sell_page", account_id=account_id),
            button=f"Assign {units(template.quantity, template.metric, template.currency)}",
            fields=fields,
            reason=Reason("Paid in cash", typed(request)),
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
        charged = (
            f"{account.name} is charged {price} now, through the studio's payment provider,"
            f" and {price} again {period}."
        )
        button = f"Charge {price} and start the plan"
    else:
        charged = (
            "No money is taken here: the plan is billed elsewhere."
            if billing == "external"
            else "The plan is free: nothing is charged."
        )
        button = "Start the plan"
    credits = units(template.quantity, template.metric, template.currency)
    return confirm_page(
        request,
        PAGE,
        Confirmation(
            title=f"Start {template.name} for {account.name}",
            happens=(charged, f"Each period gives {credits} to {whom}; the first starts now."),
            action=request.link("office.subscribe", account_id=account_id),
            back=request.link("office.sell_page", account_id=account_id),
            button=button,
            fields=fields,
        ),
    )


def _period(template: TemplateInfo) -> str:
    if template.period_months:
        count = template.period_months
        return "every month" if count == 1 else f"every {count} months"
    if template.period_days:
        count = template.period_days
        return "every day" if count == 1 else f"every {count} days"
    return "each period"


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
            title=f"Cancel {plan.name} for {core.account(account_id).name}",
            happens=(
                "No further period is renewed or charged.",
                "This period's credits stay until it ends,"
                f" {when(found.period_end, request.zone)}.",
            ),
            action=request.link(
                "office.cancel_subscription", account_id=account_id, subscription_id=subscription_id
            ),
            back=request.link("office.client", account_id=account_id),
            button="Cancel the plan",
            danger=True,
        ),
    )


# -- one pass ------------------------------------------------------------------------------------


@routes.get("/clients/<int:account_id>/passes/<int:pass_id>/refund/confirm")
def refund_confirm(request: Request, account_id: int, pass_id: int) -> Page:
    account = request.studio.account(account_id)
    held = held_on(request, account_id, pass_id)
    name = held.label or "The pass"
    left = units(held.remaining, held.metric, held.currency)
    if held.cost_basis_minor:
        given = money(
            refund_amount(held.cost_basis_minor, held.remaining, held.initial_quantity),
            held.cost_currency,
        )
        happens = (
            f"{name} ends, with {left} unused of"
            f" {units(held.initial_quantity, held.metric, held.currency)}.",
            f"{account.name} gets {given} back through the studio's payment provider: the unused"
            f" part of the {money(held.cost_basis_minor, held.cost_currency)} paid.",
        )
        button = f"Refund {given}"
    else:
        happens = (
            f"{name} ends, with {left} unused.",
            "Nothing was paid for it: nothing is given back.",
        )
        button = "End the pass, refund nothing"
    return confirm_page(
        request,
        PAGE,
        Confirmation(
            title=f"Refund and end {name}",
            happens=happens,
            action=request.link("office.refund", account_id=account_id, pass_id=pass_id),
            back=request.link("office.pass_page", account_id=account_id, pass_id=pass_id),
            button=button,
            reason=Reason("Moving away", typed(request)),
            danger=True,
        ),
    )


@routes.get("/clients/<int:account_id>/passes/<int:pass_id>/void/confirm")
def void_confirm(request: Request, account_id: int, pass_id: int) -> Page:
    held = held_on(request, account_id, pass_id)
    name = held.label or "The pass"
    left = units(held.remaining, held.metric, held.currency)
    return confirm_page(
        request,
        PAGE,
        Confirmation(
            title=f"Delete {name}",
            happens=(
                f"{name} is deleted: the {left} left on it are taken away. Nothing is refunded.",
                "Its history stays on the client's card.",
            ),
            action=request.link("office.void", account_id=account_id, pass_id=pass_id),
            back=request.link("office.pass_page", account_id=account_id, pass_id=pass_id),
            button=f"Delete the pass and its {left}",
            reason=Reason("Created by mistake", typed(request)),
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
        raise InvalidState("this visit was already reversed: its credit is back on the pass")
    first = used[0]
    members = {member.id: member.name for member in core.members(account_id)}
    visit = core.service(first.service_id).name if first.service_id else "a visit"
    who = members.get(first.member_id or 0, account.name)
    back = []
    for entry in used:
        held = core.pass_balance(entry.pass_id)
        back.append(
            f"{units(-entry.delta, held.metric, held.currency)} to {held.label or 'the pass'}"
        )
    total = sum(-entry.delta for entry in used)
    metric = core.pass_balance(first.pass_id)
    return confirm_page(
        request,
        PAGE,
        Confirmation(
            title="Reverse a visit",
            happens=(
                f"{who}'s {visit} of {when(first.created_at, request.zone)} no longer counts.",
                "Given back: " + "; ".join(back) + ".",
            ),
            action=request.link(
                "office.reverse", account_id=account_id, redemption_id=redemption_id
            ),
            back=request.link("office.client", account_id=account_id),
            button=f"Give back {units(total, metric.metric, metric.currency)}",
            reason=Reason("Recorded by mistake", typed(request)),
            danger=True,
        ),
    )


# -- a class and its bookings --------------------------------------------------------------------


@routes.get("/schedule/<int:occurrence_id>/cancel/confirm")
def cancel_occurrence_confirm(request: Request, occurrence_id: int) -> Page:
    core = request.studio
    found = core.occurrence(occurrence_id)
    if found.cancelled_at is not None:
        raise InvalidState("this class was already cancelled")
    service = core.service(found.service_id)
    booked = [b for b in core.roster(occurrence_id) if b.state is BookingState.RESERVED]
    listed = tuple(
        f"{b.member_name}: "
        + (
            "their credit is given back to " + ", ".join(_labels(request, b.passes))
            if b.passes
            else "nothing was taken yet; nothing is charged"
        )
        for b in booked
    )
    count = len(booked)
    return confirm_page(
        request,
        PAGE,
        Confirmation(
            title=f"Cancel {service.name}, {when(found.starts_at, request.zone)}",
            happens=(
                f"{count} booking{'' if count == 1 else 's'} cancelled, every credit given back,"
                " whatever the cut-off. The class stays on the schedule, marked cancelled, and"
                " takes no more bookings.",
            ),
            listed_title="Booked on it",
            listed=listed,
            action=request.link("office.cancel_occurrence", occurrence_id=occurrence_id),
            back=request.link("office.occurrence", occurrence_id=occurrence_id),
            button=f"Cancel the class and its {count} booking{'' if count == 1 else 's'}",
            danger=True,
        ),
    )


def _labels(request: Request, paid: Iterable[BookingPass]) -> list[str]:
    """Each pass that paid for a booking, with what it gets back."""
    found: list[str] = []
    for part in paid:
        held = request.studio.pass_balance(part.pass_id)
        found.append(
            f"{held.label or 'the pass'} ({units(part.units, held.metric, held.currency)})"
        )
    return found


@routes.get("/schedule/<int:occurrence_id>/bookings/<int:booking_id>/cancel/confirm")
def cancel_booking_confirm(request: Request, occurrence_id: int, booking_id: int) -> Page:
    core = request.studio
    found = core.occurrence(occurrence_id)
    booking = next((b for b in core.roster(occurrence_id) if b.booking_id == booking_id), None)
    if booking is None:
        raise not_found("that booking is not on this class")
    if booking.state is not BookingState.RESERVED:
        raise InvalidState(f"{booking.member_name} is no longer booked on this class")
    keep = bool(request.query.get("keep_credit"))
    service = core.service(found.service_id)
    at = when(found.starts_at, request.zone)
    if keep:
        outcome = "Their credit is kept, whatever the cut-off: it is not given back."
    else:
        late, back = credit_outcome(
            booking, core.booking_policy(found.service_id), core.clock.now()
        )
        outcome = (
            ("It is after the cut-off; " if late else "")
            + ("their credit is given back" if back else "by the policy the credit is kept")
            + "."
        )
        outcome = outcome[0].upper() + outcome[1:]
    return confirm_page(
        request,
        PAGE,
        Confirmation(
            title=f"Cancel {booking.member_name}'s booking",
            happens=(f"{booking.member_name} is taken off {service.name}, {at}.", outcome),
            action=request.link(
                "office.cancel_booking", occurrence_id=occurrence_id, booking_id=booking_id
            ),
            back=request.link("office.occurrence", occurrence_id=occurrence_id),
            button="Cancel the booking, keep the credit" if keep else "Cancel the booking",
            fields={"keep_credit": "1"} if keep else {},
            reason=Reason("", typed(request), f"Why keep {booking.member_name}'s credit")
            if keep
            else None,
            danger=True,
        ),
    )
