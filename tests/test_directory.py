"""Finding clients: the search the office's client list and the kiosk's member code rely on."""

from __future__ import annotations

import pytest

from sessionpacks import InvalidInput, NotFound, Studio


@pytest.fixture
def clients(studio: Studio) -> dict[str, int]:
    garcias = studio.add_account("crm-1", "The Garcias")
    studio.add_member(garcias.id, "Lucía García", ref="K-1001", email="lucia@example.org")
    studio.add_member(garcias.id, "Mateo García", ref="K-1002")
    lee = studio.add_account("crm-2", "Sam Lee")
    studio.add_member(lee.id, "Sam Lee", ref="K-2001", email="sam@lee.example")
    percent = studio.add_account("crm-3", "100% Fitness Club")
    return {"garcias": garcias.id, "lee": lee.id, "percent": percent.id}


def _found(studio: Studio, text: str, **options: int) -> list[int]:
    return [account.id for account in studio.find_accounts(text, **options)]


def test_blank_text_lists_every_account_by_name(studio: Studio, clients: dict[str, int]) -> None:
    expected = [clients["percent"], clients["lee"], clients["garcias"]]
    assert _found(studio, "") == expected
    assert _found(studio, "   ") == expected
    assert _found(studio, "", limit=2) == expected[:2]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("garc", ["garcias"]),  # the account's name, any case
        ("MATEO", ["garcias"]),  # a member's name
        ("k-2001", ["lee"]),  # a member's ref
        ("crm-3", ["percent"]),  # the account's ref
        ("lee.example", ["lee"]),  # a member's email
        ("100%", ["percent"]),  # a LIKE wildcard is taken literally
        ("%", ["percent"]),
        ("_", []),
        ("nobody", []),
    ],
)
def test_text_matches_account_and_member_fields(
    studio: Studio, clients: dict[str, int], text: str, expected: list[str]
) -> None:
    assert _found(studio, text) == [clients[name] for name in expected]


def test_an_account_with_two_matching_members_is_listed_once(
    studio: Studio, clients: dict[str, int]
) -> None:
    assert _found(studio, "garcía") == [clients["garcias"]]


@pytest.mark.parametrize("limit", [0, -1, True, 2.5])
def test_a_limit_that_is_not_a_positive_whole_number_is_refused(
    studio: Studio, clients: dict[str, int], limit: object
) -> None:
    with pytest.raises(InvalidInput, match="search limit"):
        studio.find_accounts("", limit=limit)  # type: ignore[arg-type]


def test_member_by_ref_is_the_kiosk_code_lookup(studio: Studio, clients: dict[str, int]) -> None:
    member = studio.member_by_ref("K-1002")
    assert (member.name, member.account_id) == ("Mateo García", clients["garcias"])
    with pytest.raises(NotFound, match="K-9999"):
        studio.member_by_ref("K-9999")


def test_add_client_adds_the_account_and_its_first_member_together(studio: Studio) -> None:
    added = studio.add_client("crm-9", "Ana Ruiz", member_ref="K-9", email="a@ruiz.test")
    account, member = added.account, added.member
    assert (member.account_id, member.name, member.ref) == (account.id, "Ana Ruiz", "K-9")
    assert studio.members(account.id) == (studio.member_by_ref("K-9"),)
    other = studio.add_client("crm-10", "The Ruiz family", member_name="Eva Ruiz").account
    assert [m.name for m in studio.members(other.id)] == ["Eva Ruiz"]


def test_add_client_writes_nothing_when_the_member_is_refused(
    studio: Studio, clients: dict[str, int]
) -> None:
    # The member code is taken: the account must not be left behind without its member.
    with pytest.raises(InvalidInput, match="K-1001"):
        studio.add_client("crm-11", "Half Written", member_ref="K-1001")
    with pytest.raises(NotFound):
        studio.account_by_ref("crm-11")
