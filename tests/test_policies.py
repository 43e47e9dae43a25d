"""Permissions: every write asks the authorization hook with its action name, and RolePolicy
allows what a role lists and denies everything else."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from sessionpacks import (
    ACTIONS,
    ALL,
    Actor,
    ConfigurationError,
    ManualClock,
    NotAuthorized,
    PassTerms,
    RolePolicy,
    Settings,
    Studio,
    Target,
    allow_all,
)
from sessionpacks.testing import Recorder
from tests.conftest import START

OWNER = Actor("staff", "olga", roles=("owner",))
DESK = Actor("staff", "dan", roles=("front_desk",))
TRAINER = Actor("staff", "tina", roles=("trainer",))
NOBODY = Actor("member", "m1")

POLICY = RolePolicy({"owner": ALL, "front_desk": {"sell", "redeem"}, "trainer": {"redeem"}})


def test_role_policy_allows_what_a_role_lists_and_denies_the_rest() -> None:
    target = Target("pass", 1, 1)
    assert all(POLICY(OWNER, action, target) for action in ACTIONS)
    assert POLICY(DESK, "sell", target)
    assert POLICY(DESK, "redeem", target)
    assert not POLICY(DESK, "refund", target)
    assert POLICY(TRAINER, "redeem", target)
    assert not POLICY(TRAINER, "sell", target)
    assert not POLICY(NOBODY, "redeem", target)
    assert not POLICY(Actor("staff", "x", roles=("janitor",)), "redeem", target)


def test_unknown_actions_in_a_policy_are_refused_at_once() -> None:
    with pytest.raises(ConfigurationError, match="unknown actions 'sel'"):
        RolePolicy({"front_desk": {"sel", "redeem"}})
    with pytest.raises(ConfigurationError, match="not a string"):
        RolePolicy({"trainer": "redeem"})


class Asked:
    """A policy that records what it was asked, and allows only what it is told to."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.allow: set[str] = set(ACTIONS)

    def __call__(self, actor: Actor, action: str, target: Target) -> bool:
        self.asked.append(action)
        return action in self.allow


@pytest.fixture
def asked() -> Asked:
    return Asked()


@pytest.fixture
def guarded(engine: Engine, asked: Asked) -> Studio:
    return Studio(
        engine, settings=Settings(policy=asked), plugins=[Recorder()], clock=ManualClock(START)
    )


def test_every_write_asks_the_hook_with_its_action(guarded: Studio, asked: Asked) -> None:
    studio = guarded
    family = studio.add_account("fam", "Family")
    ann = studio.add_member(family.id, "Ann")
    yoga = studio.add_service("Yoga", category="yoga", duration_minutes=60)
    pack = studio.create_template(
        "Pack", quantity=5, price_minor=500, currency="EUR", validity_days=30
    )
    keys = iter(range(1000))

    def w(**kw: object) -> dict[str, Any]:
        return {"idempotency_key": f"k{next(keys)}", "actor": OWNER, "channel": "office", **kw}

    sold = studio.sell(pack.id, family.id, **w())
    granted = studio.grant(family.id, PassTerms(quantity=3), reason="gift", **w())
    used = studio.redeem(ann.id, yoga.id, **w())
    studio.reverse(used.redemption_id, reason="oops", **w())
    studio.adjust(granted.pass_id, 1, reason="fix", **w())
    studio.suspend(sold.pass_id, reason="injury", **w())
    studio.unsuspend(sold.pass_id, reason="back", **w())
    studio.extend(sold.pass_id, by=dt.timedelta(days=7), reason="goodwill", **w())
    studio.refund(sold.pass_id, reason="moving", **w())
    studio.void(granted.pass_id, reason="mistake", **w())
    assert asked.asked == [
        "sell",
        "grant",
        "redeem",
        "reverse",
        "adjust",
        "suspend",
        "unsuspend",
        "extend",
        "refund",
        "void",
    ]


WRITES: dict[str, Callable[[Studio, int, int], object]] = {
    "sell": lambda s, acct, pid: s.sell(
        s.templates()[0].id, acct, idempotency_key="x", actor=DESK, channel="office"
    ),
    "refund": lambda s, acct, pid: s.refund(
        pid, reason="r", idempotency_key="x", actor=DESK, channel="office"
    ),
    "suspend": lambda s, acct, pid: s.suspend(
        pid, reason="r", idempotency_key="x", actor=DESK, channel="office"
    ),
    "extend": lambda s, acct, pid: s.extend(
        pid, by=dt.timedelta(days=1), reason="r", idempotency_key="x", actor=DESK, channel="office"
    ),
    "void": lambda s, acct, pid: s.void(
        pid, reason="r", idempotency_key="x", actor=DESK, channel="office"
    ),
}


@pytest.mark.parametrize("action", sorted(WRITES))
def test_a_denied_write_changes_nothing(guarded: Studio, asked: Asked, action: str) -> None:
    family = guarded.add_account("fam", "Family")
    pack = guarded.create_template(
        "Pack", quantity=5, price_minor=500, currency="EUR", validity_days=30
    )
    sold = guarded.sell(pack.id, family.id, idempotency_key="s", actor=OWNER, channel="office")
    asked.allow.discard(action)
    before = guarded.passes(family.id)
    with pytest.raises(NotAuthorized, match=f"may not {action}"):
        WRITES[action](guarded, family.id, sold.pass_id)
    assert guarded.passes(family.id) == before
    assert len(guarded.payments()) == 1


def test_the_studio_uses_role_policy_through_settings(engine: Engine) -> None:
    studio = Studio(engine, settings=Settings(policy=POLICY), clock=ManualClock(START))
    family = studio.add_account("fam", "Family")
    with pytest.raises(NotAuthorized):
        studio.grant(
            family.id,
            PassTerms(quantity=1),
            reason="r",
            idempotency_key="g",
            actor=DESK,
            channel="office",
        )
    made = studio.grant(
        family.id,
        PassTerms(quantity=1),
        reason="r",
        idempotency_key="g2",
        actor=OWNER,
        channel="office",
    )
    assert made.quantity == 1
    assert allow_all(NOBODY, "grant", Target("account", 1, 1))


def test_expire_asks_the_hook(guarded: Studio, asked: Asked) -> None:
    family = guarded.add_account("fam", "Family")
    granted = guarded.grant(
        family.id,
        PassTerms(quantity=2, expires_at=START + dt.timedelta(days=1)),
        reason="r",
        idempotency_key="g",
        actor=OWNER,
        channel="office",
    )
    assert isinstance(guarded.clock, ManualClock)
    guarded.clock.advance(dt.timedelta(days=2))
    asked.allow.discard("expire")
    with pytest.raises(NotAuthorized, match="may not expire"):
        guarded.expire(granted.pass_id, idempotency_key="x", actor=OWNER)
    assert asked.asked[-1] == "expire"
    assert guarded.pass_balance(granted.pass_id).remaining == 2


def _set_up_calls(
    studio: Studio, actor: Actor | None, tag: str = ""
) -> list[tuple[str, Callable[[], object]]]:
    """Each set-up call, made as ``actor``, with the action it should ask about."""
    family = studio.add_account(f"setup-family{tag}", "Family")
    member = studio.add_member(family.id, "Ana")
    service = studio.add_service(f"Pilates{tag}", category="pilates", duration_minutes=50)
    template = studio.create_template("Pilates 5", quantity=5, validity_days=30)
    at = START + dt.timedelta(days=1)
    return [
        ("manage_clients", lambda: studio.add_account(f"setup-new{tag}", "New", actor=actor)),
        ("manage_clients", lambda: studio.add_member(family.id, "Bo", actor=actor)),
        ("manage_clients", lambda: studio.add_client(f"setup-c{tag}", "C", actor=actor)),
        ("manage_clients", lambda: studio.set_member_email(member.id, "a@b.example", actor=actor)),
        ("manage_clients", lambda: studio.set_default_pass(member.id, None, actor=actor)),
        (
            "manage_products",
            lambda: studio.add_service(
                f"Barre{tag}", category="barre", duration_minutes=45, actor=actor
            ),
        ),
        (
            "manage_products",
            lambda: studio.create_template("Barre 10", quantity=10, actor=actor),
        ),
        ("manage_products", lambda: studio.archive_template(template.id, actor=actor)),
        ("manage_schedule", lambda: studio.add_occurrence(service.id, at, actor=actor)),
        (
            "manage_schedule",
            lambda: studio.set_booking_policy(service.id, cancel_cutoff_minutes=60, actor=actor),
        ),
    ]


def test_set_up_calls_with_an_actor_ask_the_hook_and_change_nothing_when_refused(
    guarded: Studio, asked: Asked
) -> None:
    asked.allow = set(ACTIONS) - {"manage_clients", "manage_products", "manage_schedule"}
    calls = _set_up_calls(guarded, DESK)
    accounts, services = guarded.find_accounts(), guarded.services()
    templates, policy = guarded.templates(), guarded.booking_policy(guarded.services()[0].id)
    for action, call in calls:
        asked.asked.clear()
        with pytest.raises(NotAuthorized, match=f"may not {action}"):
            call()
        assert asked.asked == [action]
    assert guarded.find_accounts() == accounts
    assert guarded.services() == services
    assert guarded.templates() == templates
    assert guarded.booking_policy(guarded.services()[0].id) == policy


def test_set_up_calls_with_an_allowed_actor_or_none_go_through(
    guarded: Studio, asked: Asked
) -> None:
    for action, call in _set_up_calls(guarded, OWNER):
        asked.asked.clear()
        call()
        assert asked.asked == [action]
    for _action, call in _set_up_calls(guarded, None, "-host"):
        asked.asked.clear()
        call()
        assert asked.asked == []


def test_role_presets_name_what_each_kind_of_person_at_a_studio_may_do() -> None:
    from sessionpacks import ACTIONS, ROLE_PRESETS, Actor, RolePolicy, Target

    policy = RolePolicy(ROLE_PRESETS)  # every preset action is a known one, or this raises
    target = Target("account", 1, 1)

    def may(role: str, action: str) -> bool:
        return policy(Actor(kind="staff", id="someone", roles=(role,)), action, target)

    assert all(may("owner", action) for action in ACTIONS)
    assert [a for a in ACTIONS if may("member", a)] == ["enroll", "cancel"]
    for role in ("front_desk", "trainer"):
        assert all(may(role, action) for action in ("check_in", "redeem", "attend"))
        assert not any(may(role, action) for action in ("refund", "void", "adjust"))
    assert may("front_desk", "sell")
    assert not may("trainer", "sell")
    assert not may("member", "sell")
    assert not may("nobody", "enroll")
    with pytest.raises(TypeError):
        ROLE_PRESETS["member"] = frozenset(ACTIONS)  # type: ignore[index]
