"""Packs on one client: selling or assigning a template, adding credits, and a pass's own page
with suspend, unsuspend, extend, delete (void) and refund; plans (subscribe, cancel)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask import abort, render_template
from werkzeug.wrappers.response import Response

from sessionpacks.enums import Metric
from sessionpacks.values import LifecycleResult, PassTerms
from sessionpacks_flask import forms
from sessionpacks_flask.context import studio
from sessionpacks_flask.office import blueprint
from sessionpacks_flask.office.shared import (
    choice,
    done,
    form,
    ids,
    keyed,
    moment,
    money,
    optional_id,
    to_client,
    units,
    when,
    words,
)
from sessionpacks_flask.problems import BadRequest

METRICS = tuple(metric.value for metric in Metric)


def read_terms() -> PassTerms:
    """The pass an "add credits" form describes; the core checks the terms themselves."""
    data = form()
    metric = Metric(choice("metric", METRICS, Metric.SESSIONS.value))
    return PassTerms(
        quantity=forms.required_int(data, "quantity"),
        metric=metric,
        currency=forms.text(data, "currency", required=False),
        label=forms.text(data, "label", required=False) or "",
        services=ids("services"),
        categories=words("categories"),
        expires_at=moment("expires_at"),
    )


@blueprint.get("/clients/<int:account_id>/sell")
def sell_page(account_id: int) -> str:
    core = studio()
    return render_template(
        "sessionpacks/office/sell.html",
        account=core.account(account_id),
        members=core.members(account_id),
        templates=core.templates(),
    )


@blueprint.post("/clients/<int:account_id>/sell")
def sell(account_id: int) -> Response:
    """Charge through the host's payment hook and make the pass; with no payment provider the
    core refuses and the page says so (503)."""
    data = form()
    sale = studio().sell(
        forms.required_int(data, "template_id"),
        account_id,
        **keyed(data),
        member_id=optional_id("member_id"),
        starts_at=moment("starts_at"),
    )
    return to_client(
        account_id,
        f"Sold: {units(sale.quantity, sale.metric, sale.currency)} for"
        f" {money(sale.amount_minor, sale.currency)} (pass {sale.pass_id}).",
    )


@blueprint.post("/clients/<int:account_id>/assign")
def assign(account_id: int) -> Response:
    """A template's pass without charging: complimentary, or paid outside sessionpacks."""
    data = form()
    granted = studio().assign(
        forms.required_int(data, "template_id"),
        account_id,
        reason=forms.required_text(data, "reason"),
        **keyed(data),
        member_id=optional_id("member_id"),
        starts_at=moment("starts_at"),
    )
    return to_client(
        account_id,
        f"Assigned: {units(granted.quantity, granted.metric, granted.currency)}"
        f" (pass {granted.pass_id}).",
    )


@blueprint.get("/clients/<int:account_id>/grant")
def grant_page(account_id: int) -> str:
    core = studio()
    return render_template(
        "sessionpacks/office/grant.html",
        account=core.account(account_id),
        members=core.members(account_id),
        services=core.services(),
        metrics=METRICS,
    )


@blueprint.post("/clients/<int:account_id>/grant")
def grant(account_id: int) -> Response:
    data = form()
    terms = read_terms()
    granted = studio().grant(
        account_id,
        terms,
        reason=forms.required_text(data, "reason"),
        **keyed(data),
        member_id=optional_id("member_id"),
    )
    return to_client(
        account_id,
        f"Added {units(granted.quantity, granted.metric, granted.currency)}"
        f" (pass {granted.pass_id}).",
    )


# -- one pass ------------------------------------------------------------------------------------


@blueprint.get("/clients/<int:account_id>/passes/<int:pass_id>")
def pass_page(account_id: int, pass_id: int) -> str:
    core = studio()
    held = core.pass_balance(pass_id)
    if held.account_id != account_id:
        abort(404)
    members = core.members(account_id)
    return render_template(
        "sessionpacks/office/pass.html",
        account=core.account(account_id),
        held=held,
        member_names={member.id: member.name for member in members},
        services={service.id: service.name for service in core.services()},
        history=core.history(pass_id=pass_id),
    )


def _lifecycle(account_id: int, pass_id: int, change: Callable[..., LifecycleResult]) -> Response:
    """Suspend or unsuspend: ``change`` is the studio's method."""
    data = form()
    result = change(
        pass_id,
        reason=forms.required_text(data, "reason"),
        **keyed(data),
    )
    return _to_pass(account_id, pass_id, f"Pass {pass_id} is now {result.state.value}.")


def _to_pass(account_id: int, pass_id: int, message: str) -> Response:
    return done(message, "sessionpacks.office.pass_page", account_id=account_id, pass_id=pass_id)


@blueprint.post("/clients/<int:account_id>/passes/<int:pass_id>/suspend")
def suspend(account_id: int, pass_id: int) -> Response:
    return _lifecycle(account_id, pass_id, studio().suspend)


@blueprint.post("/clients/<int:account_id>/passes/<int:pass_id>/unsuspend")
def unsuspend(account_id: int, pass_id: int) -> Response:
    return _lifecycle(account_id, pass_id, studio().unsuspend)


@blueprint.post("/clients/<int:account_id>/passes/<int:pass_id>/extend")
def extend(account_id: int, pass_id: int) -> Response:
    """To a new expiry, or out by a number of days: one of the two."""
    data = form()
    days = forms.integer(data, "days", required=False)
    result = studio().extend(
        pass_id,
        reason=forms.required_text(data, "reason"),
        **keyed(data),
        expires_at=moment("expires_at"),
        by=None if days is None else _days(days),
    )
    return _to_pass(account_id, pass_id, f"Pass {pass_id} now expires {when(result.expires_at)}.")


def _days(days: int) -> dt.timedelta:
    if days <= 0:
        raise BadRequest(f"the field 'days' must be a positive number of days, got {days}")
    return dt.timedelta(days=days)


@blueprint.post("/clients/<int:account_id>/passes/<int:pass_id>/adjust")
def adjust(account_id: int, pass_id: int) -> Response:
    """Correct a pass by hand, up or down (a signed number of units)."""
    data = form()
    result = studio().adjust(
        pass_id,
        forms.required_int(data, "delta"),
        reason=forms.required_text(data, "reason"),
        **keyed(data),
    )
    return _to_pass(
        account_id, pass_id, f"Pass {pass_id} adjusted: {result.balances_after[0]} left."
    )


@blueprint.post("/clients/<int:account_id>/passes/<int:pass_id>/void")
def void(account_id: int, pass_id: int) -> Response:
    """Delete a pass: what remains is voided; its history stays."""
    data = form()
    studio().void(
        pass_id,
        reason=forms.required_text(data, "reason"),
        **keyed(data),
    )
    return to_client(account_id, f"Pass {pass_id} deleted.")


@blueprint.post("/clients/<int:account_id>/passes/<int:pass_id>/refund")
def refund(account_id: int, pass_id: int) -> Response:
    data = form()
    result = studio().refund(
        pass_id,
        reason=forms.required_text(data, "reason"),
        **keyed(data),
    )
    return to_client(
        account_id,
        f"Pass {pass_id} refunded: {money(result.amount_minor, result.currency)}"
        f" for {result.units} unused.",
    )


# -- plans ---------------------------------------------------------------------------------------


@blueprint.post("/clients/<int:account_id>/subscribe")
def subscribe(account_id: int) -> Response:
    data = form()
    result = studio().subscribe(
        forms.required_int(data, "template_id"),
        account_id,
        **keyed(data),
        member_id=optional_id("member_id"),
        billing=choice("billing", ("studio", "external"), "studio"),
    )
    return to_client(account_id, f"Plan started (subscription {result.subscription_id}).")


@blueprint.post("/clients/<int:account_id>/subscriptions/<int:subscription_id>/cancel")
def cancel_subscription(account_id: int, subscription_id: int) -> Response:
    studio().cancel_subscription(subscription_id, **keyed(form()))
    return to_client(account_id, f"Subscription {subscription_id} cancelled.")
