"""The time-based behaviour the seed articles describe, one test each, named after the product."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.engine import Engine

from sessionpacks import (
    EntryKind,
    InsufficientCredit,
    ManualClock,
    PassState,
    PassUnusable,
    Settings,
    Studio,
    TaskState,
    allow_all,
    end_of_local_day,
)
from sessionpacks.directory import AccountInfo
from tests.conftest import START, Gym

UTC = dt.timezone.utc


def test_power_diary_task_when_the_last_appointment_in_a_session_pack_is_used(
    studio: Studio, gym: Gym
) -> None:
    """Power Diary: "Create a task when the last appointment in a session pack is used"."""
    account = gym.account()
    client = studio.add_member(account.id, "Sam Lee")
    physio = gym.service("Physio")
    pack = gym.grant(account, 2, member=client, label="Physio 2-pack")
    gym.redeem(client, physio)
    assert studio.tasks() == ()
    gym.redeem(client, physio)
    (task,) = studio.tasks(state=TaskState.OPEN)
    assert (task.pass_id, task.account_id) == (pack.pass_id, account.id)
    assert task.title == "Sam Lee used the last of Physio 2-pack"


def test_power_diary_task_when_a_session_pack_expires(
    studio: Studio, gym: Gym, clock: ManualClock
) -> None:
    """Power Diary: "... or a pack expires"."""
    account = gym.account()
    pack = gym.grant(account, 5, label="Physio 5-pack", expires_at=START + dt.timedelta(days=90))
    clock.advance(dt.timedelta(days=91))
    studio.run_due_work()
    (task,) = studio.tasks(state="open")
    assert (task.pass_id, task.title) == (pack.pass_id, "Physio 5-pack expired with 5 unused")


def test_trainerize_session_credits_expire_after_their_expiry_date(
    engine: Engine, clock: ManualClock
) -> None:
    """Trainerize: set an expiry date "if you would like the credits to expire"; the studio's
    zone decides when that date ends."""
    studio = Studio(
        engine,
        settings=Settings(policy=allow_all, studio_timezone="America/Los_Angeles"),
        clock=clock,
    )
    gym = Gym(studio)
    account = gym.account()
    client = gym.member(account)
    session = gym.service("PT session")
    last_day = dt.date(2026, 1, 31)
    expires = end_of_local_day(last_day, studio.settings.studio_timezone)
    assert expires == dt.datetime(2026, 2, 1, 8, 0, tzinfo=UTC)  # midnight in Los Angeles
    credits = gym.grant(account, 4, member=client, expires_at=expires)
    # Late on the last day in Los Angeles (already 1 February in UTC) a credit is still good.
    clock.set(dt.datetime(2026, 2, 1, 7, 30, tzinfo=UTC))
    gym.redeem(client, session)
    assert studio.expire_due().expired == ()
    clock.set(dt.datetime(2026, 2, 1, 8, 0, tzinfo=UTC))
    report = studio.expire_due()
    assert [(e.pass_id, e.units) for e in report.expired] == [(credits.pass_id, 3)]
    with pytest.raises(InsufficientCredit, match="expired"):
        gym.redeem(client, session)


def _client_card(studio: Studio, account: AccountInfo) -> dict[PassState, list[int]]:
    card: dict[PassState, list[int]] = {}
    for held in studio.passes(account.id):
        card.setdefault(held.state, []).append(held.remaining)
    return card


def test_pushpress_credits_tab_shows_active_and_expired_credits(
    studio: Studio, gym: Gym, clock: ManualClock
) -> None:
    """PushPress: a member's appointment credits, "both active and expired", with history."""
    account = gym.account()
    member = gym.member(account)
    old = gym.grant(
        account,
        3,
        member=member,
        expires_at=START + dt.timedelta(days=30),
        cost_basis_minor=9_000,
        cost_currency="USD",
    )
    gym.grant(account, 5, member=member)
    clock.advance(dt.timedelta(days=31))
    studio.run_due_work()
    assert _client_card(studio, account) == {PassState.EXPIRED: [0], PassState.ACTIVE: [5]}
    (expired_entry,) = [
        h for h in studio.history(pass_id=old.pass_id) if h.kind is EntryKind.EXPIRE
    ]
    assert (expired_entry.delta, expired_entry.value_minor) == (-3, 9_000)
    assert (expired_entry.actor_kind, expired_entry.channel.value) == ("system", "system")


def test_iclasspro_an_expired_punch_pass_cannot_be_redeemed(
    studio: Studio, gym: Gym, clock: ManualClock
) -> None:
    """iClassPro: a pass that will not redeem "may be suspended, expired, or fully used"."""
    account = gym.account()
    student = gym.member(account)
    punch = gym.grant(account, 10, expires_at=START + dt.timedelta(days=7))
    clock.advance(dt.timedelta(days=8))
    studio.run_due_work()
    with pytest.raises(PassUnusable, match="expired"):
        gym.redeem(student, gym.service(), pass_id=punch.pass_id)
