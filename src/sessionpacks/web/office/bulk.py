"""Adding credits to many clients at once: tick clients, describe the pass, then read the
report client by client."""

from __future__ import annotations

from sessionpacks.enums import ItemOutcome, SkipReason
from sessionpacks.values import BatchItem, Recipient
from sessionpacks.web import forms
from sessionpacks.web.http import Page, Redirect, Request
from sessionpacks.web.i18n import N_, gettext, ngettext
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
            said=gettext("Tick at least one client"),
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


# What became of each client, in words (the core's values are its own words, in English).
_OUTCOMES = {ItemOutcome.GRANTED: N_("granted"), ItemOutcome.SKIPPED: N_("skipped")}
_SKIPPED = {
    SkipReason.NO_ACCOUNT: N_("skipped: no account given"),
    SkipReason.UNKNOWN_ACCOUNT: N_("skipped: unknown account"),
    SkipReason.UNKNOWN_MEMBER: N_("skipped: unknown member"),
    SkipReason.MEMBER_NOT_IN_ACCOUNT: N_("skipped: member not in this account"),
    SkipReason.DUPLICATE: N_("skipped: already granted in this batch"),
    SkipReason.NOT_AUTHORIZED: N_("skipped: not authorized for this account"),
}


def _outcome(item: BatchItem) -> str:
    """Said here, as the page renders after the handler, outside the request's language."""
    if item.why is not None and item.outcome is ItemOutcome.SKIPPED:
        return gettext(_SKIPPED[item.why])
    return gettext(_OUTCOMES[item.outcome])


@routes.get("/bulk-grant/<int:batch_id>")
def bulk_grant_report(request: Request, batch_id: int) -> Page:
    core = request.studio
    report = core.grant_batch(batch_id)
    items = [(item, _outcome(item)) for item in core.grant_batch_items(batch_id)]
    names = {
        account.id: account.name
        for account in (core.account(item.account_id) for item, _ in items if item.account_id)
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
    return request.done(
        ngettext(
            "Bulk grant undone: the credits of %(num)d client taken back.",
            "Bulk grant undone: the credits of %(num)d clients taken back.",
            report.granted,
        ),
        "office.bulk_grant_report",
        batch_id=batch_id,
    )
