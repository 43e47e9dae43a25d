"""The hooks: authorization, pass selection, events after commit, and the outbox's retries."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import metadata

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from sessionpacks import (
    Actor,
    Candidate,
    EmailMessage,
    InsufficientCredit,
    ManualClock,
    NoPaymentProvider,
    NotAuthorized,
    SelectionRequest,
    Settings,
    Studio,
    Target,
    TaskRequest,
    hookimpl,
)
from sessionpacks.messages import ChargeRequest, RefundRequest
from sessionpacks.models import Email, SideEffect, StaffTask
from sessionpacks.testing import Recorder
from tests.conftest import STAFF, Gym


def test_without_a_policy_every_write_is_denied(engine: Engine, clock: ManualClock) -> None:
    studio = Studio(engine, clock=clock)
    gym = Gym(studio)
    family = gym.account()
    with pytest.raises(NotAuthorized, match="may not grant account"):
        gym.grant(family, 5)
    assert studio.passes(family.id) == ()


def test_a_policy_decides_per_actor_and_action(engine: Engine, clock: ManualClock) -> None:
    def front_desk_redeems_only(actor: Actor, action: str, target: Target) -> bool:
        return "owner" in actor.roles or action == "redeem"

    owner = Studio(engine, settings=Settings(policy=front_desk_redeems_only), clock=clock)
    gym = Gym(owner)
    family = gym.account()
    ann = gym.member(family)
    yoga = gym.service()
    pack = gym.grant(family, 5)  # STAFF has the owner role
    desk = Actor(kind="staff", id="desk", roles=("front_desk",))
    result = owner.redeem(ann.id, yoga.id, idempotency_key="r1", actor=desk, channel="office")
    with pytest.raises(NotAuthorized, match="staff 'desk' may not adjust pass"):
        owner.adjust(
            pack.pass_id, 3, reason="gift", idempotency_key="a1", actor=desk, channel="office"
        )
    with pytest.raises(NotAuthorized, match="may not reverse redemption"):
        owner.reverse(
            result.redemption_id, reason="x", idempotency_key="v1", actor=desk, channel="office"
        )
    assert owner.pass_balance(pack.pass_id).remaining == 4


def test_a_host_plugin_answers_before_the_default_policy(
    engine: Engine, clock: ManualClock
) -> None:
    class KioskOnly:
        @hookimpl
        def sessionpacks_authorize(self, actor: Actor, action: str, target: Target) -> bool | None:
            return False if actor.kind == "kiosk" else None

    from sessionpacks import allow_all

    studio = Studio(engine, settings=Settings(policy=allow_all), plugins=[KioskOnly()], clock=clock)
    gym = Gym(studio)
    family = gym.account()
    ann = gym.member(family)
    yoga = gym.service()
    gym.grant(family, 5)
    with pytest.raises(NotAuthorized):
        studio.redeem(
            ann.id, yoga.id, idempotency_key="k", actor=Actor("kiosk", "door"), channel="kiosk"
        )
    assert gym.redeem(ann, yoga).units == 1


def test_a_selection_plugin_replaces_the_order(engine: Engine, clock: ManualClock) -> None:
    class NewestFirst:
        @hookimpl
        def sessionpacks_select_passes(
            self, request: SelectionRequest, candidates: Sequence[Candidate]
        ) -> list[Candidate]:
            return sorted(candidates, key=lambda c: -c.pass_id)

    from sessionpacks import allow_all

    studio = Studio(
        engine, settings=Settings(policy=allow_all), plugins=[NewestFirst()], clock=clock
    )
    gym = Gym(studio)
    family = gym.account()
    ann = gym.member(family)
    yoga = gym.service()
    gym.grant(family, 5, member=ann)
    newest = gym.grant(family, 5)
    assert gym.redeem(ann, yoga).parts[0].pass_id == newest.pass_id


def _studio_with(engine: Engine, clock: ManualClock, *plugins: object) -> Studio:
    from sessionpacks import allow_all

    return Studio(engine, settings=Settings(policy=allow_all), plugins=plugins, clock=clock)


def test_events_follow_commits_only(
    engine: Engine, clock: ManualClock, sessionpacks_recorder: Recorder
) -> None:
    # The fixture is the opt-in pytest plugin's, asked for in conftest.py as a host would.
    recorder = sessionpacks_recorder
    gym = Gym(_studio_with(engine, clock, recorder))
    family = gym.account()
    ann = gym.member(family)
    yoga = gym.service()
    pack = gym.grant(family, 1)
    result = gym.redeem(ann, yoga, idempotency_key="tap-1")
    with pytest.raises(InsufficientCredit):
        gym.redeem(ann, yoga)
    assert [name for name, _ in recorder.events] == ["granted", "exhausted", "redeemed"]
    assert recorder.events_named("redeemed") == [result]
    exhausted = recorder.events_named("exhausted")[0]
    assert exhausted.pass_id == pack.pass_id  # type: ignore[attr-defined]
    # A replay is not a new redemption: nobody is told twice.
    assert gym.redeem(ann, yoga, idempotency_key="tap-1") == result
    assert len(recorder.events_named("redeemed")) == 1


class Listener:
    """Hears of redemptions, or fails to while ``fail`` is set."""

    def __init__(self, fail: bool) -> None:
        self.fail = fail
        self.told: list[int] = []

    @hookimpl
    def sessionpacks_redeemed(self, result: object) -> None:
        if self.fail:
            raise ConnectionError("webhook endpoint down")
        self.told.append(result.redemption_id)  # type: ignore[attr-defined]


def test_a_failing_listener_never_undoes_the_redemption_and_is_retried(
    engine: Engine, clock: ManualClock
) -> None:
    flaky = Listener(fail=True)
    studio = _studio_with(engine, clock, flaky)
    gym = Gym(studio)
    family = gym.account()
    ann = gym.member(family)
    yoga = gym.service()
    pack = gym.grant(family, 3)
    result = gym.redeem(ann, yoga)
    assert studio.pass_balance(pack.pass_id).remaining == 2
    with studio.session_factory() as session:
        state, error = session.execute(sa.select(SideEffect.state, SideEffect.last_error)).one()
    assert state == "failed"
    # The failing listener is named, by its class when registered without a name of its own.
    assert error == f"{__name__}.Listener: ConnectionError: webhook endpoint down"
    flaky.fail = False
    report = studio.retry_side_effects()
    assert (report.delivered, report.failed) == (1, 0)
    assert flaky.told == [result.redemption_id]
    assert studio.retry_side_effects().delivered == 0  # delivered once, never again


def test_a_retry_tells_only_the_listeners_that_failed(engine: Engine, clock: ManualClock) -> None:
    healthy, failing = Listener(fail=False), Listener(fail=True)
    studio = _studio_with(engine, clock)
    studio.hooks.register(healthy, name="crm-sync")
    studio.hooks.register(failing, name="webhooks")
    gym = Gym(studio)
    family = gym.account()
    ann = gym.member(family)
    gym.grant(family, 3)
    result = gym.redeem(ann, gym.service())
    assert healthy.told == [result.redemption_id]
    with studio.session_factory() as session:
        error = session.execute(sa.select(SideEffect.last_error)).scalar_one()
    assert error == "webhooks: ConnectionError: webhook endpoint down"
    assert studio.retry_side_effects().failed == 1  # still failing: healthy is not told again
    failing.fail = False
    assert studio.retry_side_effects().delivered == 1
    assert failing.told == [result.redemption_id]
    assert healthy.told == [result.redemption_id]  # told once in all
    assert studio.retry_side_effects().delivered == 0


def test_default_email_and_task_plugins_keep_them_in_tables(studio: Studio) -> None:
    studio.hooks.hook.sessionpacks_send_email(
        message=EmailMessage(to="ann@example.org", subject="Your pack", body="10 sessions")
    )
    studio.hooks.hook.sessionpacks_create_task(
        task=TaskRequest(title="Pack used up", body="Ann used her last session")
    )
    with studio.session_factory() as session:
        assert session.execute(sa.select(Email.to_address, Email.subject)).all() == [
            ("ann@example.org", "Your pack")
        ]
        assert session.execute(sa.select(StaffTask.title, StaffTask.state)).all() == [
            ("Pack used up", "open")
        ]


def test_default_payment_plugin_refuses_clearly(studio: Studio) -> None:
    with pytest.raises(NoPaymentProvider, match="no payment provider configured"):
        studio.hooks.hook.sessionpacks_charge(
            request=ChargeRequest(
                account_id=1,
                amount_minor=100,
                currency="EUR",
                description="10-pack",
                idempotency_key="sale-1",
            )
        )
    with pytest.raises(NoPaymentProvider, match="implements sessionpacks_refund"):
        studio.hooks.hook.sessionpacks_refund(
            request=RefundRequest(
                account_id=1,
                charge_reference="ch_1",
                amount_minor=100,
                currency="EUR",
                idempotency_key="refund-1",
            )
        )


def test_recorder_declines_charges_when_told(engine: Engine, clock: ManualClock) -> None:
    recorder = Recorder(decline_charges=True)
    studio = _studio_with(engine, clock, recorder)
    from sessionpacks import PaymentError

    with pytest.raises(PaymentError, match="card declined"):
        studio.hooks.hook.sessionpacks_charge(
            request=ChargeRequest(1, 100, "EUR", "pack", "sale-1")
        )
    assert recorder.charges == []


def test_a_side_effect_left_claimed_by_a_dead_process_is_retried_after_its_lease(
    engine: Engine, clock: ManualClock
) -> None:
    import datetime as dt

    recorder = Recorder()
    studio = _studio_with(engine, clock, recorder)
    message = EmailMessage(to="ann@example.org", subject="Booked", body="See you")
    # Written and claimed in a transaction whose process then died before delivering it.
    with engine.begin() as conn:
        studio.outbox.enqueue(conn, "sessionpacks_send_email", message)
    assert studio.retry_side_effects().delivered == 0  # still claimed: maybe being sent
    assert recorder.emails == []
    clock.advance(dt.timedelta(minutes=6))
    assert studio.retry_side_effects().delivered == 1
    assert recorder.emails == [message]
    assert studio.retry_side_effects().delivered == 0


def test_every_ledger_write_tells_its_event_once_after_commit(
    engine: Engine, clock: ManualClock
) -> None:
    recorder = Recorder()
    studio = _studio_with(engine, clock, recorder)
    gym = Gym(studio)
    family = gym.account()
    ann = gym.member(family)
    yoga = gym.service()
    granted = gym.grant(family, 5)
    redeemed = gym.redeem(ann, yoga)
    reversed_ = studio.reverse(
        redeemed.redemption_id,
        reason="cancelled",
        idempotency_key="e1",
        actor=STAFF,
        channel="office",
    )
    adjusted = studio.adjust(
        granted.pass_id, 2, reason="goodwill", idempotency_key="e2", actor=STAFF, channel="office"
    )
    voided = studio.void(
        granted.pass_id, reason="sold in error", idempotency_key="e3", actor=STAFF, channel="office"
    )
    assert recorder.events_named("granted") == [granted]
    assert recorder.events_named("redeemed") == [redeemed]
    assert recorder.events_named("reversed") == [reversed_]
    assert recorder.events_named("adjusted") == [adjusted]
    assert recorder.events_named("voided") == [voided]


def test_the_pytest_plugin_does_not_load_itself_into_other_test_runs() -> None:
    # An entry point in the pytest11 group would load it into every pytest run of a host site.
    loaded_everywhere = [
        point.value
        for point in metadata.entry_points(group="pytest11")
        if point.value.startswith("sessionpacks")
    ]
    assert loaded_everywhere == []
