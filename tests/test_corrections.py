"""Reverse, adjust and void: correcting the ledger without ever editing it."""

from __future__ import annotations

import pytest

from sessionpacks import InvalidInput, InvalidState, NotFound, PassState, Studio
from sessionpacks.values import EntryResult
from tests.conftest import STAFF, Gym


def _reverse(studio: Studio, redemption_id: int, key: str) -> EntryResult:
    return studio.reverse(
        redemption_id,
        reason="class cancelled",
        idempotency_key=key,
        actor=STAFF,
        channel="office",
    )


def _adjust(studio: Studio, pass_id: int, delta: int, key: str, reason: str = "fix") -> EntryResult:
    return studio.adjust(
        pass_id, delta, reason=reason, idempotency_key=key, actor=STAFF, channel="office"
    )


def _void(studio: Studio, pass_id: int, key: str) -> EntryResult:
    return studio.void(
        pass_id, reason="sold in error", idempotency_key=key, actor=STAFF, channel="office"
    )


def test_reverse_gives_back_to_every_pass_it_took_from(gym: Gym) -> None:
    family = gym.account()
    ann = gym.member(family)
    yoga = gym.service()
    small = gym.grant(family, 1, member=ann)
    big = gym.grant(family, 5)
    redemption = gym.redeem(ann, yoga, count=3)
    assert gym.studio.pass_balance(small.pass_id).state is PassState.EXHAUSTED
    result = _reverse(gym.studio, redemption.redemption_id, "rev-1")
    given_back = dict(zip(result.pass_ids, result.deltas, strict=True))
    assert given_back == {small.pass_id: 1, big.pass_id: 2}
    assert gym.studio.pass_balance(small.pass_id).remaining == 1
    assert gym.studio.pass_balance(small.pass_id).state is PassState.ACTIVE
    assert gym.studio.pass_balance(big.pass_id).remaining == 5
    with pytest.raises(InvalidState, match="already reversed"):
        _reverse(gym.studio, redemption.redemption_id, "rev-2")
    with pytest.raises(NotFound, match="unknown redemption"):
        _reverse(gym.studio, 999999, "rev-3")
    assert gym.studio.verify() == ()


def test_reverse_into_a_deleted_pass_is_refused(gym: Gym) -> None:
    family = gym.account()
    ann = gym.member(family)
    yoga = gym.service()
    pack = gym.grant(family, 5)
    redemption = gym.redeem(ann, yoga)
    _void(gym.studio, pack.pass_id, "void-1")
    with pytest.raises(InvalidState, match="was deleted"):
        _reverse(gym.studio, redemption.redemption_id, "rev-1")
    assert gym.studio.pass_balance(pack.pass_id).remaining == 0


def test_adjust_up_and_down_with_a_reason(gym: Gym) -> None:
    family = gym.account()
    pack = gym.grant(family, 5)
    assert _adjust(gym.studio, pack.pass_id, 3, "a1").balances_after == (8,)
    assert _adjust(gym.studio, pack.pass_id, -8, "a2").balances_after == (0,)
    assert gym.studio.pass_balance(pack.pass_id).state is PassState.EXHAUSTED
    assert _adjust(gym.studio, pack.pass_id, 2, "a3").balances_after == (2,)
    assert gym.studio.pass_balance(pack.pass_id).state is PassState.ACTIVE
    with pytest.raises(InvalidInput, match="would leave -1; it holds 2"):
        _adjust(gym.studio, pack.pass_id, -3, "a4")
    with pytest.raises(InvalidInput, match="an adjustment of zero"):
        _adjust(gym.studio, pack.pass_id, 0, "a5")
    with pytest.raises(InvalidInput, match="a reason is required"):
        _adjust(gym.studio, pack.pass_id, 1, "a6", reason="")
    reasons = [h.reason for h in gym.studio.history(pass_id=pack.pass_id)]
    assert reasons == ["fix", "fix", "fix", "test grant"]


def test_void_hides_the_pass_keeps_its_entries_and_cannot_be_undone(gym: Gym) -> None:
    family = gym.account()
    ann = gym.member(family)
    yoga = gym.service()
    pack = gym.grant(family, 5)
    gym.studio.set_default_pass(ann.id, pack.pass_id)
    gym.redeem(ann, yoga)
    result = _void(gym.studio, pack.pass_id, "void-1")
    assert (result.deltas, result.balances_after) == ((-4,), (0,))
    assert gym.studio.passes(family.id) == ()
    assert [p.state for p in gym.studio.passes(family.id, include_voided=True)] == [
        PassState.VOIDED
    ]
    assert [h.kind.value for h in gym.studio.history(pass_id=pack.pass_id)] == [
        "void",
        "redeem",
        "grant",
    ]
    assert gym.studio.member(ann.id).default_pass_id is None
    with pytest.raises(InvalidState, match="already deleted"):
        _void(gym.studio, pack.pass_id, "void-2")
    with pytest.raises(InvalidState, match="deleted and cannot be adjusted"):
        _adjust(gym.studio, pack.pass_id, 1, "a1")
    assert gym.studio.verify() == ()
