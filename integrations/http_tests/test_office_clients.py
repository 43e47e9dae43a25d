"""The office's client list and client card: finding and adding clients and members, the card's
contents, the default pack; and who may see the office at all."""

from __future__ import annotations

import io
import re

import pytest
from forms_seen import form_of, said_beside
from office_world import OFFICE, World, build, shown, ten_pack
from support import FRONT_DESK, OWNER, Client, Response, Who, csrf, submit

from sessionpacks import NotFound, Studio
from sessionpacks.web import Identity


@pytest.fixture
def world(studio: Studio) -> World:
    return build(studio)


OFFICE_PAGES = [
    "/",
    "/clients/{account}",
    "/clients/{account}/sell",
    "/clients/{account}/grant",
    "/clients/{account}/redeem",
    "/clients/{account}/private-session",
    "/bulk-grant",
    "/tasks",
    "/templates",
    "/services",
]


@pytest.mark.parametrize("page", OFFICE_PAGES)
def test_every_office_page_is_for_staff_only(
    client: Client, who: Who, world: World, page: str
) -> None:
    url = OFFICE + page.format(account=world.account_id)
    assert client.get(url).status_code == 401
    who.current = Identity.member(world.member_id, "member")
    assert client.get(url).status_code == 403
    who.current = FRONT_DESK
    response = client.get(url)
    assert response.status_code == 200, response.text
    # The office's sections are in the navigation of every page.
    for section in ("Clients", "Credits for many", "Tasks", "Templates", "Services"):
        assert f">{section}</a>" in response.text


def test_a_member_cannot_write_through_the_office(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    who.current = OWNER
    token = csrf(client, OFFICE + "/")
    who.current = Identity.member(world.member_id, "member")
    response = client.post(
        f"{world.card}/members",
        data={"name": "Intruder", **token, "idempotency_key": "k-member"},
    )
    assert response.status_code == 403
    assert [m.name for m in studio.members(world.account_id)] == ["Ana Ruiz", "Eva Ruiz"]


def test_search_finds_clients_by_member_code_and_links_to_the_card(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    studio.add_client("crm-2", "Bo Lind")
    who.current = FRONT_DESK
    page = client.get(OFFICE + "/?q=k-1002").text
    assert f'href="{world.card}"' in page
    assert "Ana Ruiz" in page
    assert "Bo Lind" not in page
    everyone = client.get(OFFICE + "/").text
    assert "Ana Ruiz" in everyone
    assert "Bo Lind" in everyone
    assert "No client found" in client.get(OFFICE + "/?q=nobody").text


def test_adding_a_client_adds_the_account_and_its_first_member(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    who.current = FRONT_DESK
    response = submit(
        client,
        OFFICE + "/",
        OFFICE + "/clients",
        {"name": "Carla Diaz", "ref": "crm-7", "member_ref": "K-7", "email": "carla@diaz.test"},
    )
    assert response.status_code == 302
    account = studio.account_by_ref("crm-7")
    assert response.location.endswith(f"/office/clients/{account.id}")
    (member,) = studio.members(account.id)
    assert (member.name, member.ref, member.email) == ("Carla Diaz", "K-7", "carla@diaz.test")
    assert "Client Carla Diaz added." in client.get(response.location).text


def test_adding_a_client_without_a_name_names_the_field_and_writes_nothing(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    who.current = FRONT_DESK
    response = submit(client, OFFICE + "/", OFFICE + "/clients", {"ref": "crm-8"})
    assert response.status_code == 422
    assert said_beside(response, "/clients", "name") == "Required"
    assert form_of(response, "/clients").fields["ref"].value == "crm-8"
    with pytest.raises(NotFound):
        studio.account_by_ref("crm-8")
    # A taken member code: refused, and the account is not left behind without its member.
    response = submit(
        client,
        OFFICE + "/",
        OFFICE + "/clients",
        {"name": "X", "ref": "crm-9", "member_ref": "K-1001"},
    )
    assert response.status_code == 422
    with pytest.raises(NotFound):
        studio.account_by_ref("crm-9")


def test_a_post_without_the_csrf_token_is_refused_and_writes_nothing(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    who.current = OWNER
    response = client.post(
        OFFICE + f"/clients/{world.account_id}/members",
        data={"name": "Nina Ruiz", "idempotency_key": "k1"},
    )
    assert response.status_code == 400
    assert "Form expired" in response.text
    assert len(studio.members(world.account_id)) == 2


def test_the_card_shows_members_passes_history_and_tasks(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    pass_id = ten_pack(studio, world)
    for number in range(1, 11):
        studio.redeem(
            world.member_id,
            world.service_id,
            idempotency_key=f"r{number}",
            actor=OWNER.actor,
            channel="office",
        )
    who.current = FRONT_DESK
    page = client.get(world.card).text
    assert "K-1001" in page
    assert "Eva Ruiz" in page
    assert "ana@ruiz.test" in page
    # The pass by its label, linked to its page; its id is in no text a person reads.
    assert f'/passes/{pass_id}">Ten classes</a>' in page
    assert f"#{pass_id}" not in page.replace(f'/passes/{pass_id}"', "")
    assert "sp-state-exhausted" in page  # used up: under past passes
    assert "10 of 10" in page
    assert "session 1 of 10" in page
    assert "session 10 of 10" in page
    assert "Vinyasa flow" in page
    # Using the last session raised a staff task for the account.
    (task,) = studio.tasks(state="open", account_id=world.account_id)
    assert task.title in page


def test_the_card_of_an_unknown_client_is_404(client: Client, who: Who) -> None:
    who.current = OWNER
    assert client.get(OFFICE + "/clients/999").status_code == 404


def test_adding_a_member_from_the_card(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    who.current = FRONT_DESK
    response = submit(
        client,
        world.card,
        world.card + "/members",
        {"name": "Nina Ruiz", "ref": "K-1003", "email": ""},
    )
    assert response.status_code == 302
    assert studio.member_by_ref("K-1003").account_id == world.account_id
    assert "Member Nina Ruiz added." in client.get(world.card).text
    response = submit(client, world.card, world.card + "/members", {"name": "", "ref": "K-9"})
    assert response.status_code == 422
    assert said_beside(response, "/members", "name") == "Required"
    assert form_of(response, "/members").fields["ref"].value == "K-9"


def test_setting_and_clearing_a_members_default_pack(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    pass_id = ten_pack(studio, world)
    who.current = FRONT_DESK
    action = f"{world.card}/members/{world.member_id}/default-pass"
    assert submit(client, world.card, action, {"pass_id": str(pass_id)}).status_code == 302
    assert studio.member(world.member_id).default_pass_id == pass_id
    assert "is now the default" in client.get(world.card).text
    assert submit(client, world.card, action, {"pass_id": ""}).status_code == 302
    assert studio.member(world.member_id).default_pass_id is None
    response = submit(client, world.card, action, {"pass_id": "many"})
    assert response.status_code == 422
    assert said_beside(response, action, "pass_id") == "Enter a whole number, such as 3"
    # Only this member's form says so: the other member's is as it was.
    other = f"{world.card}/members/{world.other_member_id}/default-pass"
    assert form_of(response, other).errors == []


def test_linking_a_member_to_a_site_login_and_setting_a_kiosk_pin(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    who.current = FRONT_DESK
    link = f"{world.card}/members/{world.member_id}/user"
    assert submit(client, world.card, link, {"user_key": "u-42"}).status_code == 302
    assert studio.member_for_user("u-42").id == world.member_id
    card = client.get(world.card).text
    assert "now signs in as u-42" in card
    assert 'value="u-42"' in card
    pin = f"{world.card}/members/{world.member_id}/kiosk-pin"
    assert submit(client, world.card, pin, {"pin": "4821"}).status_code == 302
    assert studio.member(world.member_id).has_kiosk_pin
    card = client.get(world.card).text
    assert "The kiosk asks for a PIN" in card
    assert "4821" not in card
    refused = submit(client, world.card, pin, {"pin": "12"})
    assert refused.status_code == 422
    assert "4 to 12 digits" in shown(refused)
    assert submit(client, world.card, pin, {"clear": "1"}).status_code == 302
    assert not studio.member(world.member_id).has_kiosk_pin
    assert submit(client, world.card, link, {"user_key": ""}).status_code == 302
    assert studio.member(world.member_id).user_key is None


def test_importing_a_client_list_from_the_office(
    client: Client, who: Who, world: World, studio: Studio
) -> None:
    who.current = FRONT_DESK
    page = client.get(OFFICE + "/").text
    assert "Import clients" in page
    listing = (
        "account_ref,name,member_name,member_ref,email\n"
        "crm-20,The Okafor family,Ada Okafor,K-20,\n"
        "crm-20,The Okafor family,Obi Okafor,K-21,\n"
        "crm-21,Lena Berg,,K-1001,\n"  # the world's member code: refused
    )

    def upload(text: str | bytes) -> Response:
        raw = text.encode() if isinstance(text, str) else text
        data = {"file": (io.BytesIO(raw), "clients.csv")}
        return submit(client, OFFICE + "/", OFFICE + "/clients/import", data)

    report = upload(listing)
    assert report.status_code == 200, report.text
    said = " ".join(re.sub(r"<[^>]+>", "", shown(report)).split())  # the words, not the tags
    assert "1 client and 2 members added; 0 already here; 1 line refused, of 3." in said
    assert "member code 'K-1001' is another account's member's" in said
    okafor = studio.account_by_ref("crm-20")
    assert [m.name for m in studio.members(okafor.id)] == ["Ada Okafor", "Obi Okafor"]
    assert "2 already here" in shown(upload(listing))
    ragged = upload("account_ref,name\ncrm-30,Ana,extra\n")
    assert ragged.status_code == 422
    assert "line 2: 3 cells" in shown(ragged)
    with pytest.raises(NotFound):
        studio.account_by_ref("crm-30")
    not_utf8 = upload("account_ref,name\ncrm-31,José\n".encode("latin-1"))
    assert not_utf8.status_code == 422
    assert "clients.csv is not a UTF-8 CSV file" in shown(not_utf8)
