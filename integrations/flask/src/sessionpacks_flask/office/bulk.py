"""Adding credits to many clients at once: tick clients, describe the pass, then read the
report client by client."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from werkzeug.wrappers.response import Response

from sessionpacks.values import Recipient
from sessionpacks_flask import forms
from sessionpacks_flask.context import studio
from sessionpacks_flask.office import blueprint
from sessionpacks_flask.office.packs import METRICS, read_terms
from sessionpacks_flask.office.shared import CHANNEL, actor, form, ids
from sessionpacks_flask.problems import BadRequest


@blueprint.get("/bulk-grant")
def bulk_grant_page() -> str:
    query = (request.args.get("q") or "").strip()
    core = studio()
    return render_template(
        "sessionpacks/office/bulk_grant.html",
        query=query,
        accounts=core.find_accounts(query, limit=500),
        services=core.services(),
        metrics=METRICS,
    )


@blueprint.post("/bulk-grant")
def bulk_grant() -> Response:
    data = form()
    chosen = ids("account_id")
    if not chosen:
        raise BadRequest("the field 'account_id' is required: tick at least one client")
    report = studio().bulk_grant(
        [Recipient(account_id=account_id) for account_id in chosen],
        read_terms(),
        reason=forms.required_text(data, "reason"),
        batch_key=forms.key(data),
        actor=actor(),
        channel=CHANNEL,
    )
    return redirect(url_for("sessionpacks.office.bulk_grant_report", batch_id=report.batch_id))


@blueprint.get("/bulk-grant/<int:batch_id>")
def bulk_grant_report(batch_id: int) -> str:
    core = studio()
    report = core.grant_batch(batch_id)
    items = list(core.grant_batch_items(batch_id))
    names = {
        account.id: account.name
        for account in (core.account(item.account_id) for item in items if item.account_id)
    }
    return render_template(
        "sessionpacks/office/bulk_report.html", report=report, items=items, names=names
    )
