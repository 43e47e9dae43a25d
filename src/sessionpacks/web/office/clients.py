"""Finding a client, adding one, and the client card with everything about the account."""

from __future__ import annotations

import io

from sessionpacks.client_import import read_csv as read_client_csv
from sessionpacks.enums import PassState
from sessionpacks.web import forms
from sessionpacks.web.actors import actor_names
from sessionpacks.web.helpers import by_pass, pass_names
from sessionpacks.web.http import Page, Redirect, Request
from sessionpacks.web.i18n import gettext
from sessionpacks.web.office import routes
from sessionpacks.web.office.shared import (
    actor,
    keyed,
    optional_id,
    pass_name,
    to_client,
)
from sessionpacks.web.problems import BadRequest

# Passes that can still be used (or will be); the rest are the card's past passes.
CURRENT = {PassState.PENDING, PassState.ACTIVE, PassState.SUSPENDED}
# The client card, where the member forms are.
CARD = "office.client"


@routes.get("/")
def clients(request: Request) -> Page:
    """Find a client by name, account ref, member code or email; add one."""
    query = (request.query.get("q") or "").strip()
    found = request.studio.find_accounts(query)
    return request.page("sessionpacks/office/clients.html", query=query, accounts=found)


@routes.post("/clients", form_page="office.clients")
def add_client(request: Request) -> Redirect:
    data = request.form
    account = request.studio.add_client(
        forms.required_text(data, "ref"),
        forms.required_text(data, "name"),
        member_name=forms.text(data, "member_name", required=False),
        member_ref=forms.text(data, "member_ref", required=False),
        email=forms.text(data, "email", required=False),
        **keyed(request),
    ).account
    return to_client(request, account.id, gettext("Client %(name)s added.", name=account.name))


@routes.get("/clients/<int:account_id>")
def client(request: Request, account_id: int) -> Page:
    """The client card: members, passes, credit and appointment history, plans and tasks."""
    core = request.studio
    account = core.account(account_id)
    members = core.members(account_id)
    passes = core.passes(account_id, include_voided=True)
    current = [p for p in passes if p.state in CURRENT]
    member_names = {member.id: member.name for member in members}
    history = core.history(account_id=account_id, limit=100)
    return request.page(
        "sessionpacks/office/client.html",
        account=account,
        members=members,
        member_names=member_names,
        pass_names=pass_names(passes),
        passes_by_id=by_pass(passes),
        current=current,
        past=[p for p in passes if p.state not in CURRENT],
        usable=current,
        balance=core.account_balance(account_id),
        history=history,
        who=actor_names(core, history, member_names),
        bookings=core.bookings(account_id=account_id),
        services={service.id: service.name for service in core.services()},
        subscriptions=core.subscriptions(account_id=account_id),
        plan_names={found.id: found.name for found in core.templates(include_archived=True)},
        tasks=core.tasks(state="open", account_id=account_id),
    )


@routes.post("/clients/<int:account_id>/members", form_page=CARD)
def add_member(request: Request, account_id: int) -> Redirect:
    data = request.form
    member = request.studio.add_member(
        account_id,
        forms.required_text(data, "name"),
        ref=forms.text(data, "ref", required=False),
        email=forms.text(data, "email", required=False),
        **keyed(request),
    )
    return to_client(request, account_id, gettext("Member %(name)s added.", name=member.name))


@routes.post("/clients/<int:account_id>/members/<int:member_id>/default-pass", form_page=CARD)
def set_default_pass(request: Request, account_id: int, member_id: int) -> Redirect:
    """Choose the pack a member's redemptions use first; "none" clears the choice."""
    pass_id = optional_id(request, "pass_id")
    request.studio.set_default_pass(member_id, pass_id, actor=actor(request))
    if pass_id is None:
        message = gettext("Default pack cleared.")
    else:
        message = gettext("%(name)s is now the default.", name=pass_name(request, pass_id))
    return request.done(message, "office.client", account_id=account_id)


@routes.post("/clients/<int:account_id>/members/<int:member_id>/user", form_page=CARD)
def link_user(request: Request, account_id: int, member_id: int) -> Redirect:
    """Link a member to the site's user who signs in as them; empty unlinks."""
    data = request.form
    user_key = forms.text(data, "user_key", required=False)
    member = request.studio.link_user(member_id, user_key, **keyed(request))
    if member.user_key is None:
        said = gettext("%(name)s is no longer linked to a site login.", name=member.name)
        return to_client(request, account_id, said)
    said = gettext("%(name)s now signs in as %(login)s.", name=member.name, login=member.user_key)
    return to_client(request, account_id, said)


@routes.post("/clients/<int:account_id>/members/<int:member_id>/kiosk-pin", form_page=CARD)
def set_kiosk_pin(request: Request, account_id: int, member_id: int) -> Redirect:
    """Set the PIN asked at the kiosk; the Clear button stops asking for one."""
    data = request.form
    pin = None if "clear" in data else forms.required_text(data, "pin")
    member = request.studio.set_kiosk_pin(member_id, pin, **keyed(request))
    if member.has_kiosk_pin:
        said = gettext("The kiosk asks for a PIN from %(name)s.", name=member.name)
    else:
        said = gettext("The kiosk no longer asks for a PIN from %(name)s.", name=member.name)
    return to_client(request, account_id, said)


@routes.post("/clients/import", form_page="office.clients")
def import_clients(request: Request) -> Page:
    """Add a client list from an uploaded CSV file: checked whole first, then written in chunks;
    the page says what was added, what was there already and which lines were refused, why."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise BadRequest(
            "the field 'file' is required: choose a CSV file of clients",
            field="file",
            said=gettext("Choose a CSV file of clients"),
        )
    try:
        # Read whole: the host's MAX_CONTENT_LENGTH bounds an upload, and Python 3.10's spooled
        # upload file cannot be wrapped as text.
        text = upload.content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadRequest(
            f"{upload.filename} is not a UTF-8 CSV file",
            field="file",
            said=gettext("%(file)s is not a UTF-8 CSV file", file=upload.filename),
        ) from None
    rows = list(read_client_csv(io.StringIO(text, newline=""), upload.filename))
    report = request.studio.import_clients(rows, actor=actor(request))
    return request.page("sessionpacks/office/import_report.html", report=report)
