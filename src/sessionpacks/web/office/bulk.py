"""Adding credits to many clients at once: tick clients, describe the pass, then read the
report client by client."""

from __future__ import annotations

from sessionpacks.values import Recipient
from sessionpacks.web import forms
from sessionpacks.web.http import Page, Redirect, Request
from sessionpacks.web.office import routes
from sessionpacks.web.office.packs import METRICS, read_terms
from sessionpacks.web.office.shared import CHANNEL, actor, ids, keyed
from sessionpacks.web.problems import BadRequest


@routes.get("/bulk-grant")
def bulk_grant_page(request: Request) -> Page:
    query = (request.query.get("q") or "").strip()
    core = request.studio
    return request.page(
        "sessionpacks/office/bulk_grant.html",
        query=query,
        accounts=core.find_accounts(query, limit=500),
        services=core.services(),
        metrics=METRICS,
    )


@routes.post("/bulk-grant", form_page="office.bulk_grant_page")
def bulk_grant(request: Request) -> Redirect:
    data = request.form
    chosen = ids(request, "account_id")
    if not chosen:
        raise BadRequest(
            "the field 'account_id' is required: tick at least one client",
            field="account_id",
            said="Tick at least one client",
        )
    report = request.studio.bulk_grant(
        [Recipient(account_id=account_id) for account_id in chosen],
        read_terms(request),
        reason=forms.required_text(data, "reason"),
        batch_key=forms.key(data),
        actor=actor(request),
        channel=CHANNEL,
    )
    return Redirect(request.link("office.bulk_grant_report", batch_id=report.batch_id))


@routes.get("/bulk-grant/<int:batch_id>")
def bulk_grant_report(request: Request, batch_id: int) -> Page:
    core = request.studio
    report = core.grant_batch(batch_id)
    items = list(core.grant_batch_items(batch_id))
    names = {
        account.id: account.name
        for account in (core.account(item.account_id) for item in items if item.account_id)
    }
    return request.page(
        "sessionpacks/office/bulk_report.html", report=report, items=items, names=names
    )


@routes.post("/bulk-grant/<int:batch_id>/undo", form_page="office.bulk_grant_report")
def undo_bulk_grant(request: Request, batch_id: int) -> Redirect:
    """Take back what the batch gave: untouched passes go, used ones keep their visits."""
    report = request.studio.undo_bulk_grant(
        batch_id, reason=forms.required_text(request.form, "reason"), **keyed(request)
    )
    given = report.granted
    return request.done(
        f"Bulk grant undone: the credits of {given} client{'' if given == 1 else 's'} taken back.",
        "office.bulk_grant_report",
        batch_id=batch_id,
    )
