"""Finding a client, adding one, and the client card with everything about the account."""

from __future__ import annotations

import io

from flask import render_template, request
from werkzeug.wrappers.response import Response

from sessionpacks.client_import import read_csv as read_client_csv
from sessionpacks.enums import PassState
from sessionpacks_flask import forms
from sessionpacks_flask.context import studio
from sessionpacks_flask.office import blueprint
from sessionpacks_flask.office.shared import actor, done, form, keyed, optional_id, to_client
from sessionpacks_flask.problems import BadRequest

# Passes that can still be used (or will be); the rest are the card's past passes.
CURRENT = {PassState.PENDING, PassState.ACTIVE, PassState.SUSPENDED}


@blueprint.get("/")
def clients() -> str:
    """Find a client by name, account ref, member code or email; add one."""
    query = (request.args.get("q") or "").strip()
    found = studio().find_accounts(query)
    return render_template("sessionpacks/office/clients.html", query=query, accounts=found)


@blueprint.post("/clients")
def add_client() -> Response:
    data = form()
    account = (
        studio()
        .add_client(
            forms.required_text(data, "ref"),
            forms.required_text(data, "name"),
            member_name=forms.text(data, "member_name", required=False),
            member_ref=forms.text(data, "member_ref", required=False),
            email=forms.text(data, "email", required=False),
            **keyed(data),
        )
        .account
    )
    return to_client(account.id, f"Client {account.name} added.")


@blueprint.get("/clients/<int:account_id>")
def client(account_id: int) -> str:
    """The client card: members, passes, credit and appointment history, plans and tasks."""
    core = studio()
    account = core.account(account_id)
    members = core.members(account_id)
    passes = core.passes(account_id, include_voided=True)
    current = [p for p in passes if p.state in CURRENT]
    return render_template(
        "sessionpacks/office/client.html",
        account=account,
        members=members,
        member_names={member.id: member.name for member in members},
        current=current,
        past=[p for p in passes if p.state not in CURRENT],
        usable=current,
        balance=core.account_balance(account_id),
        history=core.history(account_id=account_id, limit=100),
        bookings=core.bookings(account_id=account_id),
        services={service.id: service.name for service in core.services()},
        subscriptions=core.subscriptions(account_id=account_id),
        tasks=core.tasks(state="open", account_id=account_id),
    )


@blueprint.post("/clients/<int:account_id>/members")
def add_member(account_id: int) -> Response:
    data = form()
    member = studio().add_member(
        account_id,
        forms.required_text(data, "name"),
        ref=forms.text(data, "ref", required=False),
        email=forms.text(data, "email", required=False),
        **keyed(data),
    )
    return to_client(account_id, f"Member {member.name} added.")


@blueprint.post("/clients/<int:account_id>/members/<int:member_id>/default-pass")
def set_default_pass(account_id: int, member_id: int) -> Response:
    """Choose the pack a member's redemptions use first; "none" clears the choice."""
    pass_id = optional_id("pass_id")
    studio().set_default_pass(member_id, pass_id, actor=actor())
    message = "Default pack cleared." if pass_id is None else f"Pass {pass_id} is now the default."
    return done(message, "sessionpacks.office.client", account_id=account_id)


@blueprint.post("/clients/<int:account_id>/members/<int:member_id>/user")
def link_user(account_id: int, member_id: int) -> Response:
    """Link a member to the site's user who signs in as them; empty unlinks."""
    data = form()
    user_key = forms.text(data, "user_key", required=False)
    member = studio().link_user(member_id, user_key, **keyed(data))
    if member.user_key is None:
        return to_client(account_id, f"{member.name} is no longer linked to a site login.")
    return to_client(account_id, f"{member.name} now signs in as {member.user_key}.")


@blueprint.post("/clients/<int:account_id>/members/<int:member_id>/kiosk-pin")
def set_kiosk_pin(account_id: int, member_id: int) -> Response:
    """Set the PIN asked at the kiosk; the Clear button stops asking for one."""
    data = form()
    pin = None if "clear" in data else forms.required_text(data, "pin")
    member = studio().set_kiosk_pin(member_id, pin, **keyed(data))
    asked = "asks for a PIN" if member.has_kiosk_pin else "no longer asks for a PIN"
    return to_client(account_id, f"The kiosk {asked} from {member.name}.")


@blueprint.post("/clients/import")
def import_clients() -> str:
    """Add a client list from an uploaded CSV file: checked whole first, then written in chunks;
    the page says what was added, what was there already and which lines were refused, why."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise BadRequest("the field 'file' is required: choose a CSV file of clients")
    try:
        # Read whole: the host's MAX_CONTENT_LENGTH bounds an upload, and Python 3.10's spooled
        # upload file cannot be wrapped as text.
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadRequest(f"{upload.filename} is not a UTF-8 CSV file") from None
    rows = list(read_client_csv(io.StringIO(text, newline=""), upload.filename))
    report = studio().import_clients(rows, actor=actor())
    return render_template("sessionpacks/office/import_report.html", report=report)
