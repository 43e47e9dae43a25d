"""A member linked to the host's user (separate from the kiosk code) and an optional kiosk PIN,
on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from sessionpacks import InvalidInput, NotFound, Studio
from sessionpacks.models import Member
from tests.conftest import Gym


def test_a_member_is_found_by_the_hosts_user_and_the_link_is_one_to_one(
    studio: Studio, gym: Gym
) -> None:
    family = gym.account()
    ana = studio.add_member(family.id, "Ana", ref="3001")
    leo = studio.add_member(family.id, "Leo")
    linked = studio.link_user(ana.id, "user-17")
    assert linked.user_key == "user-17"
    assert linked.ref == "3001"  # the kiosk code is untouched
    assert studio.member_for_user("user-17").id == ana.id
    with pytest.raises(InvalidInput, match="already linked to the member Ana"):
        studio.link_user(leo.id, "user-17")
    assert studio.link_user(ana.id, None).user_key is None
    with pytest.raises(NotFound):
        studio.member_for_user("user-17")
    assert studio.link_user(leo.id, "user-17").user_key == "user-17"
    with pytest.raises(InvalidInput, match="user_key"):
        studio.link_user(leo.id, "x" * 500)


def test_a_kiosk_pin_is_asked_when_set_and_a_wrong_one_tells_nothing(
    studio: Studio, gym: Gym
) -> None:
    family = gym.account()
    ana = studio.add_member(family.id, "Ana", ref="3001")
    assert studio.member_at_kiosk("3001").id == ana.id  # no PIN yet: the code is enough
    assert studio.set_kiosk_pin(ana.id, "4821").has_kiosk_pin
    assert studio.member_at_kiosk("3001", "4821").id == ana.id
    refusals = []
    for code, pin in (("3001", None), ("3001", "1111"), ("9999", "4821")):
        with pytest.raises(NotFound) as refused:
            studio.member_at_kiosk(code, pin)
        refusals.append(str(refused.value).replace(code, "CODE"))
    assert len(set(refusals)) == 1  # a wrong PIN reads exactly like an unknown code
    with studio.session_factory() as session:
        stored = session.scalar(sa.select(Member.kiosk_pin).where(Member.id == ana.id))
    assert stored is not None
    assert "4821" not in stored
    assert studio.member(ana.id).has_kiosk_pin
    assert not studio.set_kiosk_pin(ana.id, None).has_kiosk_pin
    assert studio.member_at_kiosk("3001").id == ana.id


@pytest.mark.parametrize("pin", ["12", "1234567890123", "12a4", "١٢٣٤", 1234])
def test_a_pin_that_is_not_4_to_12_digits_is_refused(studio: Studio, gym: Gym, pin: object) -> None:
    member = gym.member(gym.account())
    with pytest.raises(InvalidInput, match="kiosk PIN"):
        studio.set_kiosk_pin(member.id, pin)  # type: ignore[arg-type]
    assert not studio.member(member.id).has_kiosk_pin
