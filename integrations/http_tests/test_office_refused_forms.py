"""A refused office form is no dead end: its own page again, menu and every other form intact,
with what was typed kept and the error beside the field at fault (issue 16)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from forms_seen import form_of, forms_of, others_clean, said_beside
from office_world import OFFICE, World, build, shown, ten_pack
from support import FRONT_DESK, OWNER, Client, Response, Who, submit

from sessionpacks import Studio


@pytest.fixture
def world(studio: Studio) -> World:
    return build(studio)


def _menu_intact(response: Response) -> None:
    for item in ("Clients", "Credits for many", "Schedule", "Tasks", "Reports"):
        assert f">{item}</a>" in response.text, item


def test_a_refused_adjustment_keeps_the_pass_page_and_what_was_typed(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    pass_id = ten_pack(studio, world)
    before = studio.history(pass_id=pass_id)
    who.current = OWNER
    page = f"{world.card}/passes/{pass_id}"
    response = submit(client, page, page + "/adjust", {"delta": "-25", "reason": "Miscounted"})
    assert response.status_code == 422
    # The pass's own page, its menu with it.
    assert "<h1>Ten classes" in response.text
    _menu_intact(response)
    # The error sits in the quantity's own container, tied to its input; no pass id in it.
    assert said_beside(response, "/adjust", "delta") == "That takes away more than the pass holds"
    adjust = form_of(response, "/adjust")
    assert adjust.fields["delta"].invalid
    assert (adjust.fields["delta"].value, adjust.fields["reason"].value) == ("-25", "Miscounted")
    assert adjust.fields["reason"].error == ""
    described = re.search(r'name="delta"[^>]*aria-describedby="([^"]+)"', response.text)
    assert described
    assert f'id="{described.group(1)}"' in response.text
    # Suspend, extend, refund and delete say nothing and keep nothing typed.
    others_clean(response, "/adjust")
    assert form_of(response, "/extend").fields["reason"].value == ""
    # Nothing was written.
    assert studio.history(pass_id=pass_id) == before
    assert studio.pass_balance(pass_id).remaining == 10
    # Mended, the same form goes through.
    response = submit(client, page, page + "/adjust", {"delta": "-2", "reason": "Miscounted"})
    assert response.status_code == 302
    assert studio.pass_balance(pass_id).remaining == 8


def test_a_bad_number_in_the_grant_form_keeps_everything_else_typed(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    who.current = FRONT_DESK
    page = f"{world.card}/grant"
    data = {
        "quantity": "ten",
        "label": "Make-up class",
        "member_id": str(world.other_member_id),
        "services": str(world.service_id),
        "metric": "minutes",
        "reason": "Cancelled class",
    }
    response = submit(client, page, page, data)
    assert response.status_code == 422
    assert "Add credits to" in response.text
    _menu_intact(response)
    assert said_beside(response, "/grant", "quantity") == "Enter a whole number, such as 3"
    grant = form_of(response, "/grant")
    assert grant.fields["quantity"].value == "ten"
    assert grant.fields["label"].value == "Make-up class"
    assert grant.fields["reason"].value == "Cancelled class"
    assert grant.fields["member_id"].chosen == [str(world.other_member_id)]
    assert grant.fields["services"].chosen == [str(world.service_id)]
    assert grant.fields["metric"].chosen == ["minutes"]
    assert [name for name, found in grant.fields.items() if found.error] == ["quantity"]
    assert studio.passes(world.account_id) == ()
    assert studio.history(account_id=world.account_id) == ()


def test_an_unknown_code_at_the_desk_keeps_the_code_on_the_roster_page(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    evening = studio.add_occurrence(
        world.service_id,
        dt.datetime(2026, 3, 2, 18, 0, tzinfo=dt.timezone.utc),
        capacity=5,
        idempotency_key="evening",
        actor=OWNER.actor,
        channel="office",
    )
    who.current = FRONT_DESK
    page = f"{OFFICE}/schedule/{evening.id}"
    response = submit(client, page, page + "/book", {"member_ref": "K-4O4"})
    assert response.status_code == 404
    # The class's page, the Schedule menu item still the current one.
    assert '"page">Schedule</a>' in response.text
    assert said_beside(response, "/book", "member_ref") == "No member has the code 'K-4O4'."
    assert form_of(response, "/book").fields["member_ref"].value == "K-4O4"
    others_clean(response, "/book")
    assert studio.roster(evening.id) == ()


def test_the_error_is_also_listed_at_the_top_of_the_page(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    """A form lower down, or one the page no longer shows, still has its error seen."""
    pass_id = ten_pack(studio, world)
    who.current = OWNER
    page = f"{world.card}/passes/{pass_id}"
    response = submit(client, page, page + "/adjust", {"delta": "abc", "reason": "x"})
    summary = shown(response).split('class="sp-error-summary"')[1].split("</section>")[0]
    assert "Not saved" in summary
    assert 'href="#adjust-delta"' in summary
    assert 'id="adjust-delta"' in response.text
    # Suspending a pass that is suspended meanwhile: the page shows Unsuspend, and says why.
    studio.suspend(
        pass_id, reason="travel", idempotency_key="s", actor=OWNER.actor, channel="office"
    )
    response = submit(client, page, page + "/suspend", {"reason": "again"})
    assert response.status_code == 409
    assert "Not possible now" in shown(response).split('class="sp-error-summary"')[1]
    assert [form.action for form in forms_of(response) if form.action.endswith("/suspend")] == []


def test_what_is_no_form_error_keeps_the_problem_page(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    pass_id = ten_pack(studio, world)
    page = f"{world.card}/passes/{pass_id}"
    # Not allowed: the problem page, not the form.
    who.current = FRONT_DESK
    response = submit(client, page, page + "/adjust", {"delta": "-1", "reason": "x"})
    assert response.status_code == 403
    assert 'class="sp-problem"' in response.text
    # A pass that is not there: nothing to show again.
    who.current = OWNER
    gone = f"{world.card}/passes/{pass_id + 100}"
    response = submit(client, page, gone + "/adjust", {"delta": "-1", "reason": "x"})
    assert response.status_code == 404
    assert 'class="sp-problem"' in response.text
