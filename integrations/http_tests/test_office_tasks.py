"""Adding credits to many clients at once, and the staff tasks list."""

from __future__ import annotations

import pytest
from forms_seen import form_of, said_beside
from office_world import OFFICE, World, build, shown, ten_pack
from support import FRONT_DESK, OWNER, Client, Who, csrf, submit

from sessionpacks import Studio


@pytest.fixture
def world(studio: Studio) -> World:
    return build(studio)


def test_bulk_grant_gives_the_ticked_clients_a_pass_and_reports_each(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    bo = studio.add_client("crm-2", "Bo Lind").account
    studio.add_client("crm-3", "Cy Park")
    who.current = OWNER
    page = OFFICE + "/bulk-grant"
    listing = client.get(page).text
    assert "Bo Lind" in listing
    assert "Cy Park" in listing
    response = client.post(
        page,
        data={
            **csrf(client, page),
            "idempotency_key": "bulk-1",
            "account_id": [str(world.account_id), str(bo.id)],
            "quantity": "1",
            "label": "Snow day",
            "reason": "Closed for snow",
        },
    )
    assert response.status_code == 302
    report = client.get(response.location)
    assert "granted 2, skipped 0 of 2" in report.text
    assert "Ana Ruiz" in report.text
    assert "Bo Lind" in report.text
    assert [p.label for p in studio.passes(world.account_id)] == ["Snow day"]
    assert [p.label for p in studio.passes(bo.id)] == ["Snow day"]
    assert studio.passes(studio.account_by_ref("crm-3").id) == ()


def test_a_bulk_grant_is_undone_from_its_report(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    bo = studio.add_client("crm-2", "Bo Lind").account
    who.current = OWNER
    page = OFFICE + "/bulk-grant"
    data = {"account_id": [str(world.account_id), str(bo.id)], "quantity": "1", "reason": "Snow"}
    report = submit(client, page, page, data).location
    assert "Undo this bulk grant" in client.get(report).text
    batch = report.rsplit("/", 1)[-1]
    # A reason is asked: without one nothing is undone.
    refused = submit(client, report, f"{report}/undo", {})
    assert refused.status_code == 422
    assert len(studio.passes(bo.id)) == 1
    undone = submit(client, report, f"{report}/undo", {"reason": "Wrong list"})
    assert undone.status_code == 302
    assert undone.location.endswith(f"/bulk-grant/{batch}")
    shown_after = client.get(undone.location).text
    assert "Bulk grant undone: the credits of 2 clients taken back." in shown_after
    assert "Undo this bulk grant" not in shown_after
    assert studio.passes(world.account_id) == studio.passes(bo.id) == ()


def test_bulk_grant_is_refused_to_a_role_without_bulk_grant(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    # The front desk may grant but not bulk grant (this studio's policy): nothing is written.
    who.current = FRONT_DESK
    page = OFFICE + "/bulk-grant"
    data = {"account_id": str(world.account_id), "quantity": "1", "reason": "Snow"}
    assert submit(client, page, page, data).status_code == 403
    assert studio.passes(world.account_id) == ()


def test_bulk_grant_needs_clients_and_good_terms(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    who.current = OWNER
    page = OFFICE + "/bulk-grant"
    response = submit(client, page, page, {"quantity": "1", "reason": "Snow"})
    assert response.status_code == 422
    assert said_beside(response, page, "account_id") == "Tick at least one client"
    assert form_of(response, page).fields["reason"].value == "Snow"
    data = {"account_id": str(world.account_id), "quantity": "lots", "reason": "Snow"}
    response = submit(client, page, page, data)
    assert response.status_code == 422
    assert said_beside(response, page, "quantity").startswith("Enter a whole number")
    assert form_of(response, page).fields["account_id"].chosen == [str(world.account_id)]
    assert studio.passes(world.account_id) == ()


def _used_up(studio: Studio, world: World) -> None:
    ten_pack(studio, world)
    for number in range(10):
        studio.redeem(
            world.member_id,
            world.service_id,
            idempotency_key=f"use-{number}",
            actor=OWNER.actor,
            channel="office",
        )


def test_the_tasks_list_and_marking_a_task_done(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    _used_up(studio, world)
    (task,) = studio.tasks(state="open")
    who.current = FRONT_DESK
    page = OFFICE + "/tasks"
    assert task.title in client.get(page).text
    # Completing a task is not in the front desk's policy.
    action = f"{OFFICE}/tasks/{task.id}/complete"
    assert submit(client, page, action, {}).status_code == 403
    assert studio.tasks(state="open") == (task,)
    who.current = OWNER
    response = submit(client, page, action, {})
    assert response.status_code == 302
    assert studio.tasks(state="open") == ()
    assert task.title in client.get(page + "?state=done").text
    assert "No open task" in client.get(page).text
    bad = client.get(page + "?state=someday")
    assert bad.status_code == 422
    assert "someday" in shown(bad)


def test_completing_a_task_needs_the_csrf_token(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    _used_up(studio, world)
    (task,) = studio.tasks(state="open")
    who.current = OWNER
    response = client.post(f"{OFFICE}/tasks/{task.id}/complete", data={"idempotency_key": "k"})
    assert response.status_code == 400
    assert studio.tasks(state="open") == (task,)
