"""The pages call the signed-in person by name, never by an internal id."""

from __future__ import annotations

import re

from support import Client, Who

from sessionpacks import Studio
from sessionpacks.web import Identity


def _who_is_shown(client: Client, page: str) -> str:
    found = re.search(r'<span class="sp-who">([^<]*)</span>', client.get(page).text)
    assert found is not None, page
    return found.group(1)


def test_staff_are_shown_by_the_display_name_the_host_gives(client: Client, who: Who) -> None:
    who.current = Identity.staff("user-8812", "owner", display_name="Dana Reyes")
    assert _who_is_shown(client, "/sessionpacks/office/") == "Dana Reyes"


def test_staff_without_a_display_name_are_shown_without_their_id(client: Client, who: Who) -> None:
    who.current = Identity.staff("user-8812", "owner")
    shown = _who_is_shown(client, "/sessionpacks/office/")
    assert shown == "Staff"
    assert "8812" not in client.get("/sessionpacks/office/").text


def test_a_member_is_shown_by_their_member_name_unless_the_host_names_them(
    client: Client, who: Who, studio: Studio
) -> None:
    account = studio.add_account("acct-1", "Ortiz family")
    member = studio.add_member(account.id, "Lucía Ortiz")
    who.current = Identity.member(member.id, "member")
    assert _who_is_shown(client, "/sessionpacks/my/") == "Lucía Ortiz"
    who.current = Identity.member(member.id, "member", display_name="Lu")
    assert _who_is_shown(client, "/sessionpacks/my/") == "Lu"


def test_nobody_signed_in_is_shown_no_name(client: Client, who: Who) -> None:
    who.current = None
    assert 'class="sp-who"' not in client.get("/sessionpacks/").text
