"""Set-up calls under an idempotency key: what lets a form or an HTTP client retry "add an
account" or "add a class" without adding two."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy.engine import Engine

from sessionpacks import (
    IdempotencyConflict,
    InvalidInput,
    ManualClock,
    NotAuthorized,
    Settings,
    Studio,
)
from tests.conftest import START
from tests.test_policies import DESK, OWNER, Asked

Call = Callable[[Studio, str, str], object]
Count = Callable[[Studio], int]


def _calls(studio: Studio) -> dict[str, tuple[Call, Count]]:
    """Each keyed set-up call (made with a key and a name) and how to count what it adds."""
    family = studio.add_account("keys-family", "Family")
    service = studio.add_service("Yoga", category="yoga", duration_minutes=60)
    at = START + dt.timedelta(days=1)
    return {
        "add_account": (
            lambda s, key, name: s.add_account(f"ref-{name}", name, idempotency_key=key),
            lambda s: len(s.find_accounts()),
        ),
        "add_member": (
            lambda s, key, name: s.add_member(family.id, name, idempotency_key=key),
            lambda s: len(s.members(family.id)),
        ),
        "add_client": (
            lambda s, key, name: s.add_client(f"client-{name}", name, idempotency_key=key),
            lambda s: len(s.find_accounts()),
        ),
        "add_service": (
            lambda s, key, name: s.add_service(
                name, category="c", duration_minutes=30, idempotency_key=key
            ),
            lambda s: len(s.services()),
        ),
        "create_template": (
            lambda s, key, name: s.create_template(name, quantity=5, idempotency_key=key),
            lambda s: len(s.templates()),
        ),
        "add_occurrence": (
            lambda s, key, name: s.add_occurrence(
                service.id, at, instructor_ref=name, idempotency_key=key, channel="office"
            ),
            lambda s: len(s.calendar(START, START + dt.timedelta(days=7))),
        ),
    }


@pytest.mark.parametrize(
    "operation",
    ["add_account", "add_member", "add_client", "add_service", "create_template", "add_occurrence"],
)
def test_a_retry_returns_the_first_result_and_adds_nothing(studio: Studio, operation: str) -> None:
    call, count = _calls(studio)[operation]
    before = count(studio)
    first = call(studio, "k-1", "Ana")
    assert call(studio, "k-1", "Ana") == first
    assert count(studio) == before + 1
    with pytest.raises(IdempotencyConflict):
        call(studio, "k-1", "Bo")
    assert count(studio) == before + 1


def test_archiving_and_a_booking_policy_under_a_key_apply_once(studio: Studio) -> None:
    template = studio.create_template("Ten", quantity=10)
    first = studio.archive_template(template.id, idempotency_key="k-a")
    assert studio.archive_template(template.id, idempotency_key="k-a") == first
    service = studio.add_service("Spin", category="cycling", duration_minutes=45)
    policy = studio.set_booking_policy(service.id, cancel_cutoff_minutes=90, idempotency_key="k-p")
    assert policy.cancel_cutoff_minutes == 90
    with pytest.raises(IdempotencyConflict):
        studio.set_booking_policy(service.id, cancel_cutoff_minutes=30, idempotency_key="k-p")
    assert studio.booking_policy(service.id).cancel_cutoff_minutes == 90


def test_a_refused_write_keeps_nothing_and_frees_its_key(studio: Studio) -> None:
    studio.add_account("crm-1", "Ana", idempotency_key="k-1")
    with pytest.raises(InvalidInput, match="exists already"):
        studio.add_account("crm-1", "Ana again", idempotency_key="k-2")
    assert studio.add_account("crm-2", "Bo", idempotency_key="k-2").ref == "crm-2"


def test_a_keyed_write_asks_the_hook_first(engine: Engine, clock: ManualClock) -> None:
    asked = Asked()
    guarded = Studio(engine, settings=Settings(policy=asked), clock=clock)
    asked.allow.discard("manage_products")
    with pytest.raises(NotAuthorized, match="may not manage_products studio 0"):
        guarded.add_service(
            "Yoga", category="y", duration_minutes=60, actor=DESK, idempotency_key="k-1"
        )
    assert guarded.services() == ()
    asked.allow.add("manage_products")
    added = guarded.add_service(
        "Yoga", category="y", duration_minutes=60, actor=OWNER, idempotency_key="k-1"
    )
    assert guarded.services() == (added,)


def test_a_bad_channel_is_refused_with_or_without_a_key(studio: Studio) -> None:
    for key in (None, "k-1"):
        with pytest.raises(InvalidInput, match="channel"):
            studio.add_account("crm-9", "Nine", idempotency_key=key, channel="carrier pigeon")
    assert studio.find_accounts() == ()
