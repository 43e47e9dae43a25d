"""Each seed article's behaviour about packs, passes and credits, done through the Python API.

One test per behaviour, named after the product and what its article describes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from sessionpacks import (
    ALL,
    Actor,
    Balance,
    Channel,
    EntryKind,
    InsufficientCredit,
    InvalidState,
    ManualClock,
    Metric,
    NotAuthorized,
    PassState,
    PassTerms,
    RolePolicy,
    Settings,
    Studio,
    allow_all,
)
from sessionpacks.testing import Recorder
from tests.conftest import STAFF, START, Gym

DAY = dt.timedelta(days=1)


def write(gym: Gym) -> dict[str, Any]:
    return {"idempotency_key": gym.key("w"), "actor": STAFF, "channel": Channel.OFFICE}


@pytest.fixture
def shop(engine: Engine, clock: ManualClock) -> Studio:
    return Studio(engine, settings=Settings(policy=allow_all), plugins=[Recorder()], clock=clock)


# -- Power Diary: session packs -----------------------------------------------------------------


def test_power_diary_assign_a_pack_from_a_clients_profile(studio: Studio, gym: Gym) -> None:
    client = gym.account("Client")
    template = studio.create_template("5 physio sessions", quantity=5, validity_months=6)
    assigned = studio.grant(
        client.id, studio.template_terms(template.id), reason="assigned in profile", **write(gym)
    )
    (held,) = studio.passes(client.id)
    assert (held.pass_id, held.label, held.remaining) == (assigned.pass_id, "5 physio sessions", 5)


def test_power_diary_a_pack_template_sold_opens_a_new_pack(shop: Studio) -> None:
    client = shop.add_account("c", "Client")
    template = shop.create_template("10 PT", quantity=10, price_minor=90000, currency="AUD")
    sold = shop.sell(template.id, client.id, idempotency_key="inv-1", actor=STAFF, channel="office")
    assert shop.pass_balance(sold.pass_id).remaining == 10


def test_power_diary_packs_track_sessions_hours_or_money(studio: Studio, gym: Gym) -> None:
    client = gym.account()
    me = gym.member(client)
    massage = gym.service(minutes=90, price_minor=12000, currency="AUD")
    for metric, quantity, currency in (
        ("sessions", 5, None),
        ("minutes", 600, None),
        ("money", 50000, "AUD"),
    ):
        template = studio.create_template(
            f"{metric} pack", quantity=quantity, metric=metric, currency=currency
        )
        studio.grant(client.id, studio.template_terms(template.id), reason="r", **write(gym))
    balance = studio.member_balance(me.id, massage.id)
    assert balance == (
        Balance(Metric.MINUTES, None, 600),
        Balance(Metric.MONEY, "AUD", 50000),
        Balance(Metric.SESSIONS, None, 5),
    )


def test_power_diary_subsequent_sessions_at_a_reduced_rate(studio: Studio, gym: Gym) -> None:
    client = gym.account()
    me = gym.member(client)
    physio = gym.service(price_minor=9000, currency="AUD")
    template = studio.create_template(
        "Physio credit",
        metric="money",
        quantity=30000,
        currency="AUD",
        first_rate_minor=12000,
        subsequent_rate_minor=9000,
    )
    studio.grant(client.id, studio.template_terms(template.id), reason="r", **write(gym))
    assert gym.redeem(me, physio).units == 12000
    assert gym.redeem(me, physio).units == 9000
    assert gym.redeem(me, physio).units == 9000


def test_power_diary_see_which_session_of_a_pack_a_client_is_on(studio: Studio, gym: Gym) -> None:
    client = gym.account()
    me = gym.member(client)
    pt = gym.service()
    template = studio.create_template("10 PT", quantity=10)
    studio.grant(client.id, studio.template_terms(template.id), reason="r", **write(gym))
    gym.redeem(me, pt)
    gym.redeem(me, pt)
    third = gym.redeem(me, pt).parts[0]
    assert (third.number, third.of) == (3, 10)
    assert (studio.history(member_id=me.id)[0].number, studio.history(member_id=me.id)[0].of) == (
        3,
        10,
    )


def test_power_diary_a_default_pack_pays_every_appointment(studio: Studio, gym: Gym) -> None:
    client = gym.account()
    me = gym.member(client)
    pt = gym.service()
    gym.grant(client, 5, expires_at=START + 10 * DAY)  # would be chosen first by expiry
    preferred = gym.grant(client, 5)
    studio.set_default_pass(me.id, preferred.pass_id)
    assert gym.redeem(me, pt).parts[0].pass_id == preferred.pass_id


def test_power_diary_a_task_when_the_last_session_is_used(
    engine: Engine, clock: ManualClock, gym: Gym
) -> None:
    recorder = Recorder()
    studio = Studio(engine, settings=Settings(policy=allow_all), plugins=[recorder], clock=clock)
    client = gym.account()
    me = gym.member(client)
    pt = gym.service()
    template = studio.create_template("1 PT", quantity=1)
    granted = studio.grant(client.id, studio.template_terms(template.id), reason="r", **write(gym))
    studio.redeem(me.id, pt.id, **write(gym))
    assert [e.pass_id for e in recorder.events_named("exhausted")] == [granted.pass_id]  # type: ignore[attr-defined]


# -- iClassPro: punch passes --------------------------------------------------------------------


def test_iclasspro_family_pass_and_student_pass(shop: Studio, gym: Gym) -> None:
    family = shop.add_account("fam", "The Smiths")
    ann = shop.add_member(family.id, "Ann")
    bob = shop.add_member(family.id, "Bob")
    gym_class = gym.service()
    family_pass = shop.create_template(
        "Family 20", quantity=20, price_minor=20000, currency="USD", member_cap=15
    )
    student_pass = shop.create_template(
        "Student 10", quantity=10, price_minor=12000, currency="USD", scope="member"
    )
    ours = shop.sell(family_pass.id, family.id, idempotency_key="f", actor=STAFF, channel="office")
    anns = shop.sell(
        student_pass.id,
        family.id,
        member_id=ann.id,
        idempotency_key="s",
        actor=STAFF,
        channel="office",
    )
    # Ann uses her own pass first; Bob can only use the family's.
    assert gym.redeem(ann, gym_class).parts[0].pass_id == anns.pass_id
    assert gym.redeem(bob, gym_class).parts[0].pass_id == ours.pass_id


def test_iclasspro_suspend_and_reactivate_a_pass(studio: Studio, gym: Gym) -> None:
    family = gym.account()
    kid = gym.member(family)
    gym_class = gym.service()
    punch = gym.grant(family, 10)
    studio.suspend(punch.pass_id, reason="family on holiday", **write(gym))
    with pytest.raises(InsufficientCredit, match="suspended"):
        gym.redeem(kid, gym_class)
    studio.unsuspend(punch.pass_id, reason="back", **write(gym))
    assert gym.redeem(kid, gym_class).parts[0].pass_id == punch.pass_id


def test_iclasspro_delete_a_pass(studio: Studio, gym: Gym) -> None:
    family = gym.account()
    punch = gym.grant(family, 10)
    studio.void(punch.pass_id, reason="entered twice", **write(gym))
    assert studio.passes(family.id) == ()
    assert studio.history(pass_id=punch.pass_id)[0].kind is EntryKind.VOID
    with pytest.raises(InvalidState):
        studio.extend(punch.pass_id, by=DAY, reason="undo", **write(gym))


# -- Trainerize: manually added session credits -------------------------------------------------


def test_trainerize_manual_credits_with_event_type_and_expiry_are_not_refundable(
    shop: Studio, gym: Gym
) -> None:
    client = shop.add_account("c", "Client")
    pt = gym.service("PT 45", category="personal training")
    added = shop.grant(
        client.id,
        PassTerms(quantity=3, services=(pt.id,), expires_at=START + 30 * DAY),
        reason="complimentary",
        **write(gym),
    )
    with pytest.raises(InvalidState, match="cannot be refunded"):
        shop.refund(added.pass_id, reason="asked", **write(gym))


def test_trainerize_only_staff_with_the_permission_add_credits(engine: Engine) -> None:
    studio = Studio(
        engine,
        settings=Settings(policy=RolePolicy({"owner": ALL, "trainer": {"redeem"}})),
        clock=ManualClock(START),
    )
    client = studio.add_account("c", "Client")
    trainer = Actor("staff", "t", roles=("trainer",))
    with pytest.raises(NotAuthorized):
        studio.grant(
            client.id,
            PassTerms(quantity=1),
            reason="r",
            idempotency_key="g",
            actor=trainer,
            channel="office",
        )
    assert studio.passes(client.id) == ()


# -- PushPress: appointment credits -------------------------------------------------------------


def test_pushpress_a_members_credits_active_and_expired(
    studio: Studio, gym: Gym, clock: ManualClock
) -> None:
    member = gym.account()
    short = gym.grant(member, 4, expires_at=START + 7 * DAY)
    lasting = gym.grant(member, 8)
    clock.advance(8 * DAY)
    states = {p.pass_id: p.state for p in studio.passes(member.id)}
    assert states == {short.pass_id: PassState.EXPIRED, lasting.pass_id: PassState.ACTIVE}


def test_pushpress_manually_adjust_credits(studio: Studio, gym: Gym) -> None:
    member = gym.account()
    package = gym.grant(member, 10)
    studio.adjust(package.pass_id, -3, reason="used at the old system", **write(gym))
    assert studio.pass_balance(package.pass_id).remaining == 7
    assert studio.history(pass_id=package.pass_id)[0].reason == "used at the old system"
