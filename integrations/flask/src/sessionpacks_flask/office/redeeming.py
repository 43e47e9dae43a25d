"""Using credits from the office: redeeming (after a dry run that shows which passes would
pay), reversing a redemption, and a private session booked in one step."""

from __future__ import annotations

from flask import render_template, request
from werkzeug.wrappers.response import Response

from sessionpacks.values import RedemptionPlan
from sessionpacks_flask import forms
from sessionpacks_flask.context import studio
from sessionpacks_flask.office import blueprint
from sessionpacks_flask.office.clients import CURRENT
from sessionpacks_flask.office.shared import (
    flag,
    form,
    keyed,
    moment,
    optional_id,
    to_client,
    units,
    when,
)


def _choices(account_id: int) -> dict[str, object]:
    """What the redeem and private-session forms offer: the account's members, the services,
    and its passes still in use."""
    core = studio()
    return {
        "account": core.account(account_id),
        "members": core.members(account_id),
        "services": core.services(),
        "passes": [p for p in core.passes(account_id) if p.state in CURRENT],
    }


@blueprint.get("/clients/<int:account_id>/redeem")
def redeem_page(account_id: int) -> str:
    """Pick member and service (and a pass, if one must pay first); with both picked, the page
    shows the dry run and a button that redeems exactly that."""
    args = request.args
    member_id = forms.integer(args, "member_id", required=False)
    service_id = forms.integer(args, "service_id", required=False)
    pass_id = forms.integer(args, "pass_id", required=False)
    plan: RedemptionPlan | None = None
    if member_id is not None and service_id is not None:
        plan = studio().plan_redemption(member_id, service_id, pass_id=pass_id)
    return render_template(
        "sessionpacks/office/redeem.html",
        plan=plan,
        # Every pass of the account, past ones too: the dry run says why each cannot pay.
        labels={
            held.pass_id: held.label or "Pass"
            for held in studio().passes(account_id, include_voided=True)
        },
        picked={"member_id": member_id, "service_id": service_id, "pass_id": pass_id},
        **_choices(account_id),
    )


@blueprint.post("/clients/<int:account_id>/redeem")
def redeem(account_id: int) -> Response:
    data = form()
    result = studio().redeem(
        forms.required_int(data, "member_id"),
        forms.required_int(data, "service_id"),
        **keyed(data),
        pass_id=optional_id("pass_id"),
    )
    counted = "; ".join(
        f"pass {part.pass_id}: session {part.number}" + (f" of {part.of}" if part.of else "")
        for part in result.parts
    )
    return to_client(
        account_id, f"Redeemed {units(result.units, result.metric, result.currency)} ({counted})."
    )


@blueprint.post("/clients/<int:account_id>/redemptions/<int:redemption_id>/reverse")
def reverse(account_id: int, redemption_id: int) -> Response:
    """Give a redemption's units back to the passes it took them from."""
    data = form()
    studio().reverse(
        redemption_id,
        reason=forms.required_text(data, "reason"),
        **keyed(data),
    )
    return to_client(account_id, f"Redemption {redemption_id} reversed.")


@blueprint.get("/clients/<int:account_id>/private-session")
def private_session_page(account_id: int) -> str:
    return render_template("sessionpacks/office/private_session.html", **_choices(account_id))


@blueprint.post("/clients/<int:account_id>/private-session")
def private_session(account_id: int) -> Response:
    """Book (or, ticked "attended", record after the fact) a one-off private session."""
    data = form()
    starts_at = moment("starts_at", required=True)
    assert starts_at is not None
    result = studio().book_private_session(
        forms.required_int(data, "member_id"),
        forms.required_int(data, "service_id"),
        starts_at,
        **keyed(data),
        instructor_ref=forms.text(data, "instructor_ref", required=False),
        ends_at=moment("ends_at"),
        pass_id=optional_id("pass_id"),
        attended=flag("attended"),
    )
    return to_client(
        account_id,
        f"Private session {result.state.value} for {when(starts_at)}"
        f" (booking {result.booking_id}).",
    )
