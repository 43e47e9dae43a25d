"""Idempotency: a retried write returns the first result and changes nothing."""

from __future__ import annotations

import pytest

from sessionpacks import IdempotencyConflict, InsufficientCredit, PassTerms
from tests.conftest import STAFF, Gym


def test_replayed_redemption_returns_the_first_result(gym: Gym) -> None:
    family = gym.account()
    ann = gym.member(family)
    yoga = gym.service()
    pack = gym.grant(family, 1)
    first = gym.redeem(ann, yoga, idempotency_key="tap-1")
    # The pass is empty now; a retry must still answer with the first result, not an error.
    again = gym.redeem(ann, yoga, idempotency_key="tap-1")
    assert again == first
    assert gym.studio.pass_balance(pack.pass_id).remaining == 0
    assert len(gym.studio.history(pass_id=pack.pass_id)) == 2
    with pytest.raises(InsufficientCredit):
        gym.redeem(ann, yoga, idempotency_key="tap-2")


def test_same_key_with_other_arguments_is_refused(gym: Gym) -> None:
    family = gym.account()
    ann = gym.member(family)
    yoga = gym.service()
    pilates = gym.service()
    gym.grant(family, 5)
    gym.redeem(ann, yoga, idempotency_key="tap-1")
    with pytest.raises(IdempotencyConflict, match="'tap-1' was already used"):
        gym.redeem(ann, pilates, idempotency_key="tap-1")
    with pytest.raises(IdempotencyConflict):
        gym.studio.grant(
            family.id,
            PassTerms(quantity=1),
            reason="x",
            idempotency_key="tap-1",
            actor=STAFF,
            channel="office",
        )
    assert gym.studio.account_balance(family.id)[0].units == 4


def test_replayed_grant_creates_one_pass(gym: Gym) -> None:
    family = gym.account()

    def grant() -> int:
        return gym.studio.grant(
            family.id,
            PassTerms(quantity=4),
            reason="welcome",
            idempotency_key="welcome-1",
            actor=STAFF,
            channel="office",
        ).pass_id

    assert grant() == grant()
    assert len(gym.studio.passes(family.id)) == 1


def test_a_refused_write_does_not_use_up_its_key(gym: Gym) -> None:
    family = gym.account()
    ann = gym.member(family)
    yoga = gym.service()
    with pytest.raises(InsufficientCredit):
        gym.redeem(ann, yoga, idempotency_key="early")
    gym.grant(family, 1)
    assert gym.redeem(ann, yoga, idempotency_key="early").units == 1
