"""Templates: every term DOMAIN.md lists, validation, archiving, and passes keeping their terms."""

from __future__ import annotations

import datetime as dt

import pytest

from sessionpacks import (
    Channel,
    CurrencyMismatch,
    InvalidInput,
    InvalidState,
    ManualClock,
    Metric,
    NotFound,
    Scope,
    StartRule,
    Studio,
    TemplateKind,
)
from tests.conftest import STAFF, START, Gym


def test_a_template_keeps_every_term(studio: Studio, gym: Gym) -> None:
    yoga = gym.service("Yoga", category="yoga")
    made = studio.create_template(
        "10 yoga classes",
        kind=TemplateKind.PASS,
        quantity=10,
        price_minor=12000,
        currency="EUR",
        validity_months=3,
        services=(yoga.id,),
        categories=("pilates",),
        scope=Scope.ACCOUNT,
        member_cap=4,
        priority=2,
        extend_on_unsuspend=False,
        refundable=False,
    )
    assert studio.template(made.id) == made
    assert made.kind is TemplateKind.PASS
    assert made.metric is Metric.SESSIONS
    assert (made.quantity, made.price_minor, made.currency) == (10, 12000, "EUR")
    assert made.validity_months == 3
    assert made.services == (yoga.id,)
    assert made.categories == ("pilates",)
    assert (made.member_cap, made.priority) == (4, 2)
    assert made.extend_on_unsuspend is False
    assert made.refundable is False
    assert made.start_rule is StartRule.ON_PURCHASE
    assert made.created_at == START
    assert studio.templates() == (made,)


def test_a_money_pack_with_rates(studio: Studio) -> None:
    made = studio.create_template(
        "Physio credit",
        metric="money",
        quantity=50000,
        price_minor=45000,
        currency="AUD",
        first_rate_minor=9000,
        subsequent_rate_minor=7000,
        valid_until=START + dt.timedelta(days=365),
    )
    assert (made.first_rate_minor, made.subsequent_rate_minor) == (9000, 7000)
    assert made.valid_until == START + dt.timedelta(days=365)


@pytest.mark.parametrize(
    ("terms", "message"),
    [
        ({"quantity": 0}, "quantity must be greater than zero"),
        ({"quantity": 5, "price_minor": 100}, "needs the currency of its price"),
        ({"quantity": 5, "metric": "money"}, "money pack needs a currency"),
        ({"quantity": 5, "metric": "hours"}, "unknown metric 'hours'"),
        ({"quantity": 5, "kind": "bundle"}, "unknown kind 'bundle'"),
        ({"quantity": 5, "first_rate_minor": 10}, "applies only to money packs"),
        ({"quantity": 5, "validity_days": 30, "validity_months": 1}, "at most one validity"),
        ({"quantity": 5, "validity_days": 0}, "validity_days must be greater than zero"),
        ({"quantity": 5, "start_rule": "on_date"}, "needs start_date"),
        ({"quantity": 5, "start_date": START}, "start_date applies only"),
        ({"quantity": 5, "scope": "member", "member_cap": 2}, "account-scoped"),
        ({"quantity": 5, "valid_until": START - dt.timedelta(days=1)}, "already past"),
        ({"quantity": 5, "services": (999,)}, "unknown service: 999"),
        ({"quantity": 5, "refundable": "yes"}, "refundable must be True or False"),
    ],
)
def test_bad_templates_are_refused_with_the_reason(
    studio: Studio, terms: dict[str, object], message: str
) -> None:
    with pytest.raises((InvalidInput, NotFound, CurrencyMismatch), match=message):
        studio.create_template("Bad", **terms)  # type: ignore[arg-type]
    assert studio.templates(include_archived=True) == ()


def test_archived_templates_are_hidden_and_cannot_be_sold_or_assigned(
    studio: Studio, gym: Gym
) -> None:
    made = studio.create_template("Old pack", quantity=5)
    archived = studio.archive_template(made.id)
    assert archived.archived_at == START
    assert studio.templates() == ()
    assert studio.templates(include_archived=True) == (archived,)
    with pytest.raises(InvalidState, match="already archived"):
        studio.archive_template(made.id)
    family = gym.account()
    with pytest.raises(InvalidState, match="archived and cannot be sold"):
        studio.sell(made.id, family.id, idempotency_key="s1", actor=STAFF, channel="office")
    with pytest.raises(InvalidState, match="archived"):
        studio.template_terms(made.id)
    with pytest.raises(InvalidState, match="archived"):
        studio.assign(
            made.id, family.id, reason="r", idempotency_key="a", actor=STAFF, channel="office"
        )


def test_a_pass_keeps_its_terms_when_the_template_is_archived(studio: Studio, gym: Gym) -> None:
    made = studio.create_template("Trial", quantity=3, validity_days=14)
    family = gym.account()
    granted = studio.grant(
        family.id,
        studio.template_terms(made.id),
        reason="assigned from the profile",
        idempotency_key="g1",
        actor=STAFF,
        channel=Channel.OFFICE,
    )
    studio.archive_template(made.id)
    held = studio.pass_balance(granted.pass_id)
    assert (held.label, held.initial_quantity, held.remaining) == ("Trial", 3, 3)
    assert held.expires_at == START + dt.timedelta(days=14)


def test_validity_in_months_follows_the_calendar(studio: Studio, clock: ManualClock) -> None:
    clock.set(dt.datetime(2026, 1, 31, 12, tzinfo=dt.timezone.utc))
    made = studio.create_template("Month", quantity=8, validity_months=1)
    terms = studio.template_terms(made.id)
    assert terms.expires_at == dt.datetime(2026, 2, 28, 12, tzinfo=dt.timezone.utc)


def test_assigning_a_template_grants_its_terms_without_a_charge(studio: Studio, gym: Gym) -> None:
    family = gym.account()
    kid = gym.member(family)
    student = studio.create_template(
        "Student pass", quantity=8, price_minor=8000, currency="USD", scope="member"
    )
    with pytest.raises(InvalidInput, match="name the member"):
        studio.assign(
            student.id, family.id, reason="r", idempotency_key="a1", actor=STAFF, channel="office"
        )
    assigned = studio.assign(
        student.id,
        family.id,
        member_id=kid.id,
        reason="paid in cash",
        idempotency_key="a2",
        actor=STAFF,
        channel="office",
    )
    assert (assigned.member_id, assigned.quantity) == (kid.id, 8)
    held = studio.pass_balance(assigned.pass_id)
    assert (held.label, held.member_id) == ("Student pass", kid.id)
    with pytest.raises(InvalidState, match="cannot be refunded"):
        studio.refund(
            assigned.pass_id, reason="r", idempotency_key="f", actor=STAFF, channel="office"
        )
