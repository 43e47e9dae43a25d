from __future__ import annotations

from tests.conftest import Gym


def test_a_redemption_takes_one_session(gym: Gym) -> None:
    family = gym.account()
    ann = gym.member(family, "Ann")
    yoga = gym.service("Yoga")
    granted = gym.grant(family, 10)
    result = gym.redeem(ann, yoga)
    assert [(p.pass_id, p.units, p.balance_after, p.number, p.of) for p in result.parts] == [
        (granted.pass_id, 1, 9, 1, 10)
    ]
    assert gym.studio.verify() == ()
