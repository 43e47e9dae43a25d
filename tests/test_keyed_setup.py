"""Setup writes under an idempotency key: what lets an HTTP client retry "add an account"."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from sessionpacks import (
    ALL,
    Actor,
    IdempotencyConflict,
    ManualClock,
    NotAuthorized,
    RolePolicy,
    Settings,
    Studio,
    directory,
)
from sessionpacks.directory import AccountInfo, ServiceInfo

OWNER = Actor(kind="staff", id="owner", roles=("owner",))


def _add(studio: Studio, key: str, ref: str, name: str) -> AccountInfo:
    return studio.keyed_setup(
        "add_account",
        {"ref": ref, "name": name},
        lambda conn, now: directory.add_account(conn, now, ref, name),
        result_type=AccountInfo,
        idempotency_key=key,
        actor=OWNER,
        channel="api",
    )


def test_a_retry_returns_the_first_result_and_adds_nothing(studio: Studio) -> None:
    first = _add(studio, "k-1", "crm-1", "Ana")
    again = _add(studio, "k-1", "crm-1", "Ana")
    assert again == first == studio.account(first.id)
    assert [a.id for a in studio.find_accounts()] == [first.id]


def test_the_same_key_with_other_arguments_is_refused(studio: Studio) -> None:
    _add(studio, "k-1", "crm-1", "Ana")
    with pytest.raises(IdempotencyConflict):
        _add(studio, "k-1", "crm-2", "Bo")
    assert [a.ref for a in studio.find_accounts()] == ["crm-1"]


def test_a_failed_setup_write_leaves_no_operation(studio: Studio, engine: sa.Engine) -> None:
    _add(studio, "k-1", "crm-1", "Ana")
    with pytest.raises(Exception, match="already"):
        _add(studio, "k-2", "crm-1", "Ana again")
    # The refused write kept nothing, so its key is free for a corrected request.
    assert _add(studio, "k-2", "crm-2", "Bo").ref == "crm-2"


def test_a_setup_write_with_a_permission_asks_the_authorization_hook(
    engine: sa.Engine, clock: ManualClock
) -> None:
    studio = Studio(engine, settings=Settings(policy=RolePolicy({"owner": ALL})), clock=clock)
    desk = Actor(kind="staff", id="desk", roles=("front_desk",))

    def add(actor: Actor, key: str) -> ServiceInfo:
        return studio.keyed_setup(
            "add_service",
            {"name": "Yoga"},
            lambda conn, now: directory.add_service(conn, now, "Yoga", "classes", 60, None, None),
            result_type=ServiceInfo,
            idempotency_key=key,
            actor=actor,
            channel="api",
            permission="configure",
        )

    with pytest.raises(NotAuthorized, match="configure studio 0"):
        add(desk, "k-1")
    assert studio.services() == ()
    assert add(OWNER, "k-2").name == "Yoga"
