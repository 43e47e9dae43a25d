"""Packs on one client: selling or assigning a template, adding credits, and a pass's own page
with suspend, unsuspend, extend, delete (void) and refund; plans (subscribe, cancel)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sessionpacks.enums import Metric, PassState
from sessionpacks.errors import InvalidInput
from sessionpacks.refunds import refund_amount
from sessionpacks.values import LifecycleResult, PassTerms
from sessionpacks.web import forms
from sessionpacks.web.actors import actor_names
from sessionpacks.web.helpers import by_pass, money, pass_names, units, when
from sessionpacks.web.http import Page, Redirect, Request, not_found
from sessionpacks.web.i18n import N_, gettext
from sessionpacks.web.office import routes
from sessionpacks.web.office.shared import (
    choice,
    ids,
    keyed,
    moment,
    optional_id,
    pass_name,
    to_client,
    words,
)
from sessionpacks.web.problems import BadRequest
from sessionpacks.web.routes import Refusal

METRICS = tuple(metric.value for metric in Metric)
# The page of one pass, where its suspend, extend, adjust, refund and delete forms are.
PASS_PAGE = "office.pass_page"


def read_terms(request: Request) -> PassTerms:
    """The pass an "add credits" form describes; the core checks the terms themselves."""
    data = request.form
    metric = Metric(choice(request, "metric", METRICS, Metric.SESSIONS.value))
    currency = forms.text(data, "currency", required=False)
    # Money credit is typed as an amount ("25.50"), like every price; the core counts cents.
    quantity = (
        forms.money(data, "quantity", currency) if metric is Metric.MONEY else None
    ) or forms.required_int(data, "quantity")
    return PassTerms(
        quantity=quantity,
        metric=metric,
        currency=currency,
        label=forms.text(data, "label", required=False) or "",
        services=ids(request, "services"),
        categories=words(request, "categories"),
        expires_at=moment(request, "expires_at"),
    )


@routes.get("/clients/<int:account_id>/sell")
def sell_page(request: Request, account_id: int) -> Page:
    core = request.studio
    return request.page(
        "sessionpacks/office/sell.html",
        account=core.account(account_id),
        members=core.members(account_id),
        templates=core.templates(),
    )


@routes.post("/clients/<int:account_id>/sell", form_page="office.sell_page")
def sell(request: Request, account_id: int) -> Redirect:
    """Charge through the host's payment hook and make the pass; with no payment provider the
    core refuses and the page says so (503)."""
    data = request.form
    sale = request.studio.sell(
        forms.required_int(data, "template_id"),
        account_id,
        **keyed(request),
        member_id=optional_id(request, "member_id"),
        starts_at=moment(request, "starts_at"),
    )
    return to_client(
        request,
        account_id,
        gettext(
            "Sold: %(amount)s for %(price)s (%(name)s).",
            amount=units(sale.quantity, sale.metric, sale.currency),
            price=money(sale.amount_minor, sale.currency),
            name=pass_name(request, sale.pass_id),
        ),
    )


@routes.post("/clients/<int:account_id>/assign", form_page="office.sell_page")
def assign(request: Request, account_id: int) -> Redirect:
    """A template's pass without charging: complimentary, or paid outside sessionpacks."""
    data = request.form
    granted = request.studio.assign(
        forms.required_int(data, "template_id"),
        account_id,
        reason=forms.required_text(data, "reason"),
        **keyed(request),
        member_id=optional_id(request, "member_id"),
        starts_at=moment(request, "starts_at"),
    )
    return to_client(
        request,
        account_id,
        gettext(
            "Assigned: %(amount)s (%(name)s).",
            amount=units(granted.quantity, granted.metric, granted.currency),
            name=pass_name(request, granted.pass_id),
        ),
    )


@routes.get("/clients/<int:account_id>/grant")
def grant_page(request: Request, account_id: int) -> Page:
    core = request.studio
    return request.page(
        "sessionpacks/office/grant.html",
        account=core.account(account_id),
        members=core.members(account_id),
        services=core.services(),
        metrics=METRICS,
    )


@routes.post("/clients/<int:account_id>/grant", form_page="office.grant_page")
def grant(request: Request, account_id: int) -> Redirect:
    data = request.form
    terms = read_terms(request)
    granted = request.studio.grant(
        account_id,
        terms,
        reason=forms.required_text(data, "reason"),
        **keyed(request),
        member_id=optional_id(request, "member_id"),
    )
    return to_client(
        request,
        account_id,
        gettext(
            "Added %(amount)s (%(name)s).",
            amount=units(granted.quantity, granted.metric, granted.currency),
            name=pass_name(request, granted.pass_id),
        ),
    )


# -- one pass ------------------------------------------------------------------------------------


@routes.get("/clients/<int:account_id>/passes/<int:pass_id>")
def pass_page(request: Request, account_id: int, pass_id: int) -> Page:
    core = request.studio
    held = core.pass_balance(pass_id)
    if held.account_id != account_id:
        raise not_found(gettext("That pass is not on this client's account."))
    members = core.members(account_id)
    member_names = {member.id: member.name for member in members}
    history = core.history(pass_id=pass_id)
    return request.page(
        "sessionpacks/office/pass.html",
        account=core.account(account_id),
        held=held,
        member_names=member_names,
        pass_names=pass_names((held,)),
        passes_by_id=by_pass((held,)),
        # What Refund would give back, shown on its button before anyone presses it.
        refund_minor=refund_amount(held.cost_basis_minor, held.remaining, held.initial_quantity),
        services={service.id: service.name for service in core.services()},
        history=history,
        who=actor_names(core, history, member_names),
    )


def _lifecycle(
    request: Request, account_id: int, pass_id: int, change: Callable[..., LifecycleResult]
) -> Redirect:
    """Suspend or unsuspend: ``change`` is the studio's method."""
    data = request.form
    result = change(
        pass_id,
        reason=forms.required_text(data, "reason"),
        **keyed(request),
    )
    return _to_pass(request, account_id, pass_id, _NOW[result.state])


# What a pass is after a suspend or unsuspend, a whole sentence each (the English as it was).
_NOW = {
    PassState.PENDING: N_("%(name)s is now pending."),
    PassState.ACTIVE: N_("%(name)s is now active."),
    PassState.SUSPENDED: N_("%(name)s is now suspended."),
    PassState.EXHAUSTED: N_("%(name)s is now exhausted."),
    PassState.EXPIRED: N_("%(name)s is now expired."),
    PassState.VOIDED: N_("%(name)s is now voided."),
    PassState.REFUNDED: N_("%(name)s is now refunded."),
}


def _to_pass(
    request: Request, account_id: int, pass_id: int, said: str, **values: object
) -> Redirect:
    """Back to the pass's page, saying what happened to it, by its name: ``said`` is a
    catalogue message (marked ``N_``) with ``%(name)s`` and ``values``."""
    message = gettext(said, name=pass_name(request, pass_id), **values)
    return request.done(message, "office.pass_page", account_id=account_id, pass_id=pass_id)


@routes.post("/clients/<int:account_id>/passes/<int:pass_id>/suspend", form_page=PASS_PAGE)
def suspend(request: Request, account_id: int, pass_id: int) -> Redirect:
    return _lifecycle(request, account_id, pass_id, request.studio.suspend)


@routes.post("/clients/<int:account_id>/passes/<int:pass_id>/unsuspend", form_page=PASS_PAGE)
def unsuspend(request: Request, account_id: int, pass_id: int) -> Redirect:
    return _lifecycle(request, account_id, pass_id, request.studio.unsuspend)


@routes.post("/clients/<int:account_id>/passes/<int:pass_id>/extend", form_page=PASS_PAGE)
def extend(request: Request, account_id: int, pass_id: int) -> Redirect:
    """To a new expiry, or out by a number of days: one of the two."""
    data = request.form
    days = forms.integer(data, "days", required=False)
    result = request.studio.extend(
        pass_id,
        reason=forms.required_text(data, "reason"),
        **keyed(request),
        expires_at=moment(request, "expires_at"),
        by=None if days is None else _days(days),
    )
    return _to_pass(
        request,
        account_id,
        pass_id,
        N_("%(name)s now expires %(when)s."),
        when=when(result.expires_at, request.zone),
    )


def _days(days: int) -> dt.timedelta:
    if days <= 0:
        raise BadRequest(
            f"the field 'days' must be a positive number of days, got {days}",
            field="days",
            said=gettext("Enter a number of days above 0"),
        )
    return dt.timedelta(days=days)


def _change_refused(error: Exception) -> str:
    """Why the core refused an adjustment, in a sentence with no pass id."""
    said = str(error)
    if "zero" in said:
        return gettext("Enter a change other than 0")
    if "more than a pass holds" in said:
        return gettext("That would put more on the pass than a pass can hold")
    if "would leave" in said:
        return gettext("That takes away more than the pass holds")
    return gettext("Enter a whole number of units, such as 2 or -1")


@routes.post(
    "/clients/<int:account_id>/passes/<int:pass_id>/adjust",
    form_page=PASS_PAGE,
    # A change the pass cannot take is the number's fault, said without the pass's id.
    refusals=(Refusal(InvalidInput, "delta", _change_refused),),
)
def adjust(request: Request, account_id: int, pass_id: int) -> Redirect:
    """Correct a pass by hand, up or down (a signed number of units)."""
    data = request.form
    held = request.studio.pass_balance(pass_id)
    # A money pass is corrected by an amount ("-12.50"), like every price; others by units.
    delta = (
        forms.signed_money(data, "delta", held.currency)
        if held.metric is Metric.MONEY
        else forms.required_int(data, "delta")
    )
    result = request.studio.adjust(
        pass_id, delta, reason=forms.required_text(data, "reason"), **keyed(request)
    )
    return _to_pass(
        request,
        account_id,
        pass_id,
        N_("%(name)s adjusted: %(left)s left."),
        left=units(result.balances_after[0], held.metric, held.currency),
    )


@routes.post("/clients/<int:account_id>/passes/<int:pass_id>/void", form_page=PASS_PAGE)
def void(request: Request, account_id: int, pass_id: int) -> Redirect:
    """Delete a pass: what remains is voided; its history stays."""
    data = request.form
    name = pass_name(request, pass_id)
    request.studio.void(
        pass_id,
        reason=forms.required_text(data, "reason"),
        **keyed(request),
    )
    return to_client(request, account_id, gettext("%(name)s deleted.", name=name))


@routes.post("/clients/<int:account_id>/passes/<int:pass_id>/refund", form_page=PASS_PAGE)
def refund(request: Request, account_id: int, pass_id: int) -> Redirect:
    data = request.form
    result = request.studio.refund(
        pass_id,
        reason=forms.required_text(data, "reason"),
        **keyed(request),
    )
    return to_client(
        request,
        account_id,
        gettext(
            "%(name)s refunded: %(amount)s for %(units)s unused.",
            name=pass_name(request, pass_id),
            amount=money(result.amount_minor, result.currency),
            units=result.units,
        ),
    )


# -- plans ---------------------------------------------------------------------------------------


@routes.post("/clients/<int:account_id>/subscribe", form_page="office.sell_page")
def subscribe(request: Request, account_id: int) -> Redirect:
    data = request.form
    template_id = forms.required_int(data, "template_id")
    request.studio.subscribe(
        template_id,
        account_id,
        **keyed(request),
        member_id=optional_id(request, "member_id"),
        billing=choice(request, "billing", ("studio", "external"), "studio"),
    )
    name = request.studio.template(template_id).name
    said = gettext("Plan %(name)s started.", name=name)
    return to_client(request, account_id, said)


@routes.post(
    "/clients/<int:account_id>/subscriptions/<int:subscription_id>/cancel",
    form_page="office.client",
)
def cancel_subscription(request: Request, account_id: int, subscription_id: int) -> Redirect:
    cancelled = request.studio.cancel_subscription(subscription_id, **keyed(request))
    name = request.studio.template(cancelled.template_id).name
    said = gettext("Plan %(name)s cancelled.", name=name)
    return to_client(request, account_id, said)
