"""The pages call the signed-in person by name, never by an internal id."""

from __future__ import annotations

import datetime as dt
import re

from support import OWNER, START, Client, Who, submit

from sessionpacks import Actor, PassTerms, Studio
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


def _history_rows(client: Client, page: str) -> list[str]:
    """Each row of a page's credit history, its cells' text joined by " | "."""
    text = client.get(page).text
    table = text[text.index("<th>Who</th>") :]
    rows = re.findall(r"<tr>(.*?)</tr>", table[: table.index("</table>")], re.S)
    return [
        " | ".join(" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells)
        for row in rows
        if (cells := re.findall(r"<td[^>]*>(.*?)</td>", row, re.S))
    ]


def test_a_history_names_the_staff_who_acted_as_the_host_does(
    client: Client, who: Who, studio: Studio
) -> None:
    added = studio.add_client("crm-7", "Ana Ruiz")
    card = f"/sessionpacks/office/clients/{added.account.id}"
    who.current = Identity.staff("user-8812", "owner", display_name="Dana Reyes")
    data = {"quantity": "4", "metric": "sessions", "reason": "Make-up classes"}
    assert submit(client, card, f"{card}/grant", data).status_code == 302
    money = {"quantity": "25.50", "metric": "money", "currency": "EUR", "reason": "Voucher"}
    assert submit(client, card, f"{card}/grant", money).status_code == 302

    rows = _history_rows(client, card)
    assert any("+4 sessions" in row and "Dana Reyes (at the desk)" in row for row in rows), rows
    # A money pass's change and balance are amounts, never a count of cents.
    assert any("+25.50 EUR" in row and "| 25.50 EUR |" in row for row in rows), rows
    assert "8812" not in client.get(card).text

    # The name is the one the host gave when they acted, even once they sign in no more.
    who.current = Identity.staff("user-1", "owner")
    assert any("Dana Reyes" in row for row in _history_rows(client, card))


def test_a_history_names_a_member_who_acted_and_never_shows_an_actor_id(
    client: Client, who: Who, studio: Studio
) -> None:
    added = studio.add_client("crm-8", "Ana Ruiz")
    service = studio.add_service("Spin", category="cycling", duration_minutes=45)
    granted = studio.grant(
        added.account.id,
        PassTerms(quantity=3),
        reason="Trial",
        idempotency_key="g-1",
        actor=OWNER.actor,
        channel="system",
    )
    spin = studio.add_occurrence(service.id, START + dt.timedelta(days=1), capacity=10)
    studio.enroll(
        added.member.id,
        spin.id,
        idempotency_key="e-1",
        actor=Actor(kind="member", id=str(added.member.id), roles=("member",)),
    )
    who.current = Identity.staff("user-1", "owner")
    page = f"/sessionpacks/office/clients/{added.account.id}/passes/{granted.pass_id}"
    rows = _history_rows(client, page)
    assert any("Ana Ruiz (online)" in row for row in rows), rows
    assert not re.search(r"\b(system|member|staff) \w*\d", client.get(page).text)
