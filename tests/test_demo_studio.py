"""The demo studio both demo sites serve (sessionpacks.demo): what the seed writes, and who may
sign in. The demo sites' own tests check only that they serve it."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from sessionpacks import RolePolicy, Studio
from sessionpacks.demo import (
    ROLES,
    STAFF_USER_ID,
    is_seeded,
    member_user_id,
    members_to_sign_in,
    parse_user_id,
    seed,
)
from tests.conftest import START


def test_the_seed_has_a_family_of_three_a_single_client_and_history(
    engine: Engine, studio: Studio
) -> None:
    assert not is_seeded(studio)
    seed(engine, START)
    assert is_seeded(studio)
    garcias = studio.account_by_ref("family-garcia")
    assert [m.name for m in studio.members(garcias.id)] == [
        "Maria Garcia",
        "Lucía Garcia",
        "Mateo Garcia",
    ]
    lee = studio.account_by_ref("client-lee")
    assert [m.ref for m in studio.members(lee.id)] == ["2001"]
    ten_pack = next(p for p in studio.passes(garcias.id) if p.label == "10-Class Pass")
    assert (ten_pack.remaining, ten_pack.initial_quantity) == (6, 10)
    # Two packs sold, five visits at the kiosk and one booked class.
    assert (
        sorted((h.kind.value, h.delta) for h in studio.history(account_id=garcias.id))
        == [("grant", 5), ("grant", 10)] + [("redeem", -1)] * 6
    )
    assert {t.name for t in studio.templates()} >= {"10-Class Pass", "Drop-in Class"}
    assert [m.name for m in members_to_sign_in(studio)] == [
        "Maria Garcia",
        "Lucía Garcia",
        "Mateo Garcia",
        "Sam Lee",
    ]


def test_the_sign_in_ids_name_the_front_desk_or_a_member() -> None:
    assert parse_user_id(STAFF_USER_ID) == STAFF_USER_ID
    assert parse_user_id(member_user_id(42)) == 42


@pytest.mark.parametrize("user_id", ["", "nobody", "member-", "member-x", "member--1", "42"])
def test_anything_else_names_nobody(user_id: str) -> None:
    assert parse_user_id(user_id) is None


def test_the_roles_make_a_policy_where_members_book_and_only_the_owner_sells() -> None:
    policy = RolePolicy(ROLES)
    assert policy.allows("owner", "sell")
    assert policy.allows("member", "enroll")
    assert not policy.allows("member", "sell")
