"""Balances and history, now and as of any past moment, and the verification of the ledger."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from sessionpacks import Balance, InvalidInput, Metric, NotFound, PassState
from sessionpacks.models import Pass
from tests.conftest import STAFF, START, Gym


def test_balances_as_of_past_moments(gym: Gym) -> None:
    clock = gym.studio.clock
    family = gym.account()
    ann = gym.member(family)
    yoga = gym.service()
    pack = gym.grant(family, 10)
    clock.advance(dt.timedelta(hours=1))  # type: ignore[attr-defined]
    gym.redeem(ann, yoga)
    after_first = clock.now()
    clock.advance(dt.timedelta(hours=1))  # type: ignore[attr-defined]
    gym.redeem(ann, yoga, count=2)
    clock.advance(dt.timedelta(hours=1))  # type: ignore[attr-defined]
    gym.studio.void(
        pack.pass_id, reason="refunded", idempotency_key="v", actor=STAFF, channel="office"
    )
    balance_at = {
        moment: gym.studio.pass_balance(pack.pass_id, as_of=moment)
        for moment in (START, after_first, after_first + dt.timedelta(minutes=90), clock.now())
    }
    assert [(b.remaining, b.state) for b in balance_at.values()] == [
        (10, PassState.ACTIVE),
        (9, PassState.ACTIVE),
        (7, PassState.ACTIVE),
        (0, PassState.VOIDED),
    ]
    assert gym.studio.account_balance(family.id, as_of=after_first) == (
        Balance(metric=Metric.SESSIONS, currency=None, units=9),
    )
    assert gym.studio.account_balance(family.id) == ()
    with pytest.raises(NotFound):
        gym.studio.pass_balance(pack.pass_id, as_of=START - dt.timedelta(seconds=1))


def test_history_as_of_and_by_member(gym: Gym) -> None:
    clock = gym.studio.clock
    family = gym.account()
    ann = gym.member(family, "Ann")
    bob = gym.member(family, "Bob")
    yoga = gym.service()
    gym.grant(family, 10)
    gym.grant(family, 3, member=bob)
    clock.advance(dt.timedelta(days=1))  # type: ignore[attr-defined]
    gym.redeem(ann, yoga)
    gym.redeem(bob, yoga)
    assert len(gym.studio.history(account_id=family.id)) == 4
    assert len(gym.studio.history(account_id=family.id, as_of=START)) == 2
    anns = gym.studio.history(member_id=ann.id)
    assert [(h.kind.value, h.member_id) for h in anns] == [("redeem", ann.id)]
    bobs = gym.studio.history(member_id=bob.id)
    assert [h.kind.value for h in bobs] == ["redeem", "grant"]
    assert len(gym.studio.history(account_id=family.id, limit=1)) == 1
    with pytest.raises(InvalidInput, match="needs an account_id"):
        gym.studio.history()


def test_totals_by_metric_and_currency(gym: Gym) -> None:
    family = gym.account()
    gym.grant(family, 10)
    gym.grant(family, 120, metric=Metric.MINUTES)
    gym.grant(family, 5000, metric=Metric.MONEY, currency="EUR")
    gym.grant(family, 7000, metric=Metric.MONEY, currency="USD")
    assert set(gym.studio.account_balance(family.id)) == {
        Balance(Metric.SESSIONS, None, 10),
        Balance(Metric.MINUTES, None, 120),
        Balance(Metric.MONEY, "EUR", 5000),
        Balance(Metric.MONEY, "USD", 7000),
    }


@pytest.mark.tampers
def test_verify_names_a_pass_whose_cached_balance_was_tampered_with(gym: Gym) -> None:
    family = gym.account()
    ann = gym.member(family)
    yoga = gym.service()
    good = gym.grant(family, 5)
    bad = gym.grant(family, 5, member=ann)
    gym.redeem(ann, yoga)
    assert gym.studio.verify() == ()
    with gym.studio.session_factory.begin() as session:
        session.execute(sa.update(Pass).where(Pass.id == bad.pass_id).values(remaining=9))
    (problem,) = gym.studio.verify()
    assert (problem.pass_id, problem.cached, problem.ledger_sum, problem.last_balance_after) == (
        bad.pass_id,
        9,
        4,
        4,
    )
    assert good.pass_id != problem.pass_id


def test_a_read_does_not_wait_for_a_write_in_progress(gym: Gym) -> None:
    family = gym.account()
    pack = gym.grant(family, 5)
    engine = gym.studio.session_factory.kw["bind"]
    with engine.connect() as writer:
        writer.execute(sa.update(Pass).where(Pass.id == pack.pass_id).values(priority=1))
        # The write above holds the database's write lock (on SQLite) or the row's lock until it
        # commits; reading a balance meanwhile answers at once with the committed state.
        assert gym.studio.pass_balance(pack.pass_id).remaining == 5
        writer.rollback()
