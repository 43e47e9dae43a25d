"""Granting credits: the new pass, its terms, and every way a grant can be refused."""

from __future__ import annotations

import datetime as dt

import pytest

from sessionpacks import (
    CurrencyMismatch,
    InvalidInput,
    Metric,
    NotFound,
    PassState,
    PassTerms,
)
from tests.conftest import STAFF, START, Gym


def test_grant_creates_an_active_pass_with_its_grant_entry(gym: Gym) -> None:
    family = gym.account()
    granted = gym.grant(family, 10, label="Spring 10-pack")
    balance = gym.studio.pass_balance(granted.pass_id)
    assert (balance.remaining, balance.initial_quantity, balance.state, balance.label) == (
        10,
        10,
        PassState.ACTIVE,
        "Spring 10-pack",
    )
    (entry,) = gym.studio.history(pass_id=granted.pass_id)
    assert (entry.kind.value, entry.delta, entry.balance_after, entry.reason) == (
        "grant",
        10,
        10,
        "test grant",
    )
    assert (entry.actor_kind, entry.actor_id, entry.channel.value) == ("staff", STAFF.id, "office")


def test_grant_with_a_future_start_is_pending(gym: Gym) -> None:
    family = gym.account()
    granted = gym.grant(family, 5, starts_at=START + dt.timedelta(days=3))
    assert gym.studio.pass_balance(granted.pass_id).state is PassState.PENDING
    assert gym.studio.account_balance(family.id)[0].units == 5


def test_grant_to_a_member_of_another_account_is_refused(gym: Gym) -> None:
    family = gym.account()
    other = gym.account()
    stranger = gym.member(other)
    with pytest.raises(InvalidInput, match=f"member {stranger.id} does not belong"):
        gym.grant(family, 5, member=stranger)
    assert gym.studio.passes(family.id) == ()


def _grant(gym: Gym, account_id: int, terms: PassTerms, reason: str = "why") -> object:
    return gym.studio.grant(
        account_id,
        terms,
        reason=reason,
        idempotency_key=gym.key(),
        actor=STAFF,
        channel="office",
    )


@pytest.mark.parametrize(
    ("terms", "error", "words"),
    [
        (PassTerms(quantity=0), InvalidInput, "quantity must be greater than zero, got 0"),
        (PassTerms(quantity=-5), InvalidInput, "quantity must be greater than zero, got -5"),
        (PassTerms(quantity=2.5), InvalidInput, "quantity must be a whole number"),  # type: ignore[arg-type]
        (PassTerms(quantity=True), InvalidInput, "quantity must be a whole number"),
        (PassTerms(quantity=100, metric=Metric.MONEY, currency="eur"), InvalidInput, "ISO 4217"),
        (PassTerms(quantity=5, currency="EUR"), CurrencyMismatch, "has no currency"),
        (PassTerms(quantity=5, first_rate_minor=100), InvalidInput, "only to money packs"),
        (PassTerms(quantity=5, cost_basis_minor=-1), InvalidInput, "cannot be negative"),
        (PassTerms(quantity=5, cost_basis_minor=500), CurrencyMismatch, "needs cost_currency"),
        (PassTerms(quantity=5, member_cap=0), InvalidInput, "member_cap must be greater"),
        (
            PassTerms(quantity=5, expires_at=dt.datetime(2027, 1, 1)),
            InvalidInput,
            "expires_at must be timezone-aware",
        ),
        (
            PassTerms(quantity=5, expires_at=START - dt.timedelta(days=1)),
            InvalidInput,
            "already past",
        ),
        (
            PassTerms(
                quantity=5,
                starts_at=START + dt.timedelta(days=5),
                expires_at=START + dt.timedelta(days=2),
            ),
            InvalidInput,
            "must be after starts_at",
        ),
        (PassTerms(quantity=5, services=(424242,)), NotFound, "unknown service: 424242"),
    ],
)
def test_bad_terms_are_refused_and_nothing_is_written(
    gym: Gym, terms: PassTerms, error: type[Exception], words: str
) -> None:
    family = gym.account()
    with pytest.raises(error, match=words):
        _grant(gym, family.id, terms)
    assert gym.studio.passes(family.id) == ()


def test_a_grant_needs_a_reason_and_a_known_account(gym: Gym) -> None:
    family = gym.account()
    with pytest.raises(InvalidInput, match="a reason is required"):
        _grant(gym, family.id, PassTerms(quantity=1), reason="  ")
    with pytest.raises(NotFound, match="unknown account: 987654"):
        _grant(gym, 987654, PassTerms(quantity=1))


def test_directory_refuses_duplicates_and_bad_values(gym: Gym) -> None:
    gym.studio.add_account("host-7", "Lee")
    with pytest.raises(InvalidInput, match="'host-7' exists already"):
        gym.studio.add_account("host-7", "Someone else")
    with pytest.raises(InvalidInput, match="duration_minutes must be greater than zero"):
        gym.studio.add_service("Nap", category="rest", duration_minutes=0)
    with pytest.raises(CurrencyMismatch, match="needs its currency"):
        gym.studio.add_service("Paid", category="x", duration_minutes=30, price_minor=100)
    with pytest.raises(NotFound, match="unknown account: 55555"):
        gym.studio.add_member(55555, "Nobody")
    assert gym.studio.account_by_ref("host-7").name == "Lee"
