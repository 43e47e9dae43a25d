"""Pass reminders (each sent once), staff tasks, and the one call that runs all due work."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from sessionpacks import (
    Channel,
    ManualClock,
    Metric,
    NoticeKind,
    PassState,
    Settings,
    Studio,
    TaskState,
    allow_all,
)
from sessionpacks.errors import InvalidInput, NotFound
from sessionpacks.hookspecs import hookimpl
from sessionpacks.messages import TaskRequest
from sessionpacks.models import Email
from tests.conftest import STAFF, START, Gym

_emails = Email.__table__


def sent_emails(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return [
            (row.to_address, row.subject)
            for row in conn.execute(
                sa.select(_emails.c.to_address, _emails.c.subject).order_by(_emails.c.id)
            )
        ]


def studio_with(engine: Engine, clock: ManualClock, **settings: object) -> Studio:
    return Studio(
        engine,
        settings=Settings(policy=allow_all, **settings),  # type: ignore[arg-type]
        clock=clock,
    )


def test_expiring_soon_reminder_goes_out_once_days_ahead(
    studio: Studio, gym: Gym, clock: ManualClock, engine: Engine
) -> None:
    account = gym.account()
    member = studio.add_member(account.id, "Ana", email="ana@example.com")
    granted = gym.grant(
        account, 5, member=member, label="10-class pack", expires_at=START + dt.timedelta(days=10)
    )
    assert studio.send_pass_reminders().sent == ()  # ten days ahead: not yet (default 7)
    clock.advance(dt.timedelta(days=4))
    report = studio.send_pass_reminders()
    assert [(s.pass_id, s.kind, s.to) for s in report.sent] == [
        (granted.pass_id, NoticeKind.EXPIRING_SOON, ("ana@example.com",))
    ]
    clock.advance(dt.timedelta(days=1))
    assert studio.send_pass_reminders().sent == ()
    assert studio.send_pass_reminders().sent == ()
    assert sent_emails(engine) == [("ana@example.com", "10-class pack expires on 2026-01-15")]


def test_low_balance_reminder_at_the_configured_units_left(
    engine: Engine, clock: ManualClock
) -> None:
    studio = studio_with(engine, clock, low_balance_units=2)
    gym = Gym(studio)
    account = gym.account()
    member = studio.add_member(account.id, "Bo", email="bo@example.com")
    service = gym.service()
    gym.grant(account, 5, member=member, label="5-pack")
    gym.redeem(member, service)
    gym.redeem(member, service)
    assert studio.send_pass_reminders().sent == ()  # 3 left
    gym.redeem(member, service)
    report = studio.send_pass_reminders()
    assert [s.kind for s in report.sent] == [NoticeKind.LOW_BALANCE]
    gym.redeem(member, service)  # 1 left: still low, but already told
    assert studio.send_pass_reminders().sent == ()
    assert sent_emails(engine) == [("bo@example.com", "5-pack: 2 left")]


def test_last_session_used_reminder_and_task(studio: Studio, gym: Gym, engine: Engine) -> None:
    account = gym.account()
    member = studio.add_member(account.id, "Cy", email="cy@example.com")
    service = gym.service()
    granted = gym.grant(account, 2, member=member, label="2-pack")
    gym.redeem(member, service)
    gym.redeem(member, service)
    report = studio.send_pass_reminders()
    kinds = sorted(s.kind.value for s in report.sent)
    assert kinds == ["last_session"]  # empty already: no low-balance notice any more
    assert studio.send_pass_reminders().sent == ()
    assert ("cy@example.com", "You have used the last session of 2-pack") in sent_emails(engine)
    tasks = studio.tasks(state="open")
    assert [(t.pass_id, t.title) for t in tasks] == [
        (granted.pass_id, "Cy used the last of 2-pack")
    ]


def test_family_pass_reminds_every_member_with_an_address(
    studio: Studio, gym: Gym, clock: ManualClock, engine: Engine
) -> None:
    account = gym.account()
    studio.add_member(account.id, "Parent", email="parent@example.com")
    studio.add_member(account.id, "Child")  # no address: nobody to write to
    studio.add_member(account.id, "Teen", email="teen@example.com")
    gym.grant(account, 4, label="Family pack", expires_at=START + dt.timedelta(days=3))
    report = studio.send_pass_reminders()
    assert [s.to for s in report.sent] == [("parent@example.com", "teen@example.com")]
    assert len(sent_emails(engine)) == 2


def test_a_pass_with_nobody_to_write_to_is_reminded_once_someone_has_an_address(
    studio: Studio, gym: Gym, engine: Engine
) -> None:
    account = gym.account()
    member = gym.member(account)
    gym.grant(account, 4, member=member, expires_at=START + dt.timedelta(days=3))
    assert studio.send_pass_reminders().sent == ()
    studio.set_member_email(member.id, "late@example.com")
    assert len(studio.send_pass_reminders().sent) == 1
    assert len(studio.send_pass_reminders().sent) == 0


def test_reminders_switched_off(engine: Engine, clock: ManualClock) -> None:
    studio = studio_with(
        engine, clock, expiring_soon_days=0, low_balance_units=0, last_session_reminder=False
    )
    gym = Gym(studio)
    account = gym.account()
    member = studio.add_member(account.id, "Di", email="di@example.com")
    gym.grant(account, 1, member=member, expires_at=START + dt.timedelta(days=2))
    gym.redeem(member, gym.service())
    assert studio.send_pass_reminders().sent == ()


def test_settings_refuse_negative_thresholds() -> None:
    with pytest.raises(ValueError, match="expiring_soon_days"):
        Settings(expiring_soon_days=-1)


def test_power_diary_task_when_a_pack_expires(studio: Studio, gym: Gym, clock: ManualClock) -> None:
    account = gym.account()
    granted = gym.grant(account, 3, label="Physio 3-pack", expires_at=START + dt.timedelta(days=1))
    used_up = gym.grant(account, 1, expires_at=START + dt.timedelta(days=1))
    member = gym.member(account)
    gym.redeem(member, gym.service(), pass_id=used_up.pass_id)
    clock.advance(dt.timedelta(days=2))
    studio.expire_due()
    expired_tasks = [t for t in studio.tasks() if t.pass_id == granted.pass_id]
    assert [t.title for t in expired_tasks] == ["Physio 3-pack expired with 3 unused"]
    # The pack that was used up had its task when its last session went; none at expiry.
    assert [t.pass_id for t in studio.tasks()].count(used_up.pass_id) == 1


def test_power_diary_tasks_switched_off(engine: Engine, clock: ManualClock) -> None:
    studio = studio_with(engine, clock, task_on_expiry=False, task_on_last_session=False)
    gym = Gym(studio)
    account = gym.account()
    member = gym.member(account)
    gym.grant(account, 1, member=member)
    gym.grant(account, 2, expires_at=START + dt.timedelta(days=1))
    gym.redeem(member, gym.service())
    clock.advance(dt.timedelta(days=2))
    assert len(studio.expire_due().expired) == 1
    assert studio.tasks() == ()


def test_a_money_pack_that_cannot_pay_another_session_gets_its_last_session_task(
    studio: Studio, gym: Gym
) -> None:
    account = gym.account()
    ann = gym.member(account, "Ann")
    physio = gym.service("Physio", minutes=30)
    pack = gym.grant(
        account,
        50000,
        member=ann,
        label="$500 physio pack",
        metric=Metric.MONEY,
        currency="AUD",
        first_rate_minor=12000,
        subsequent_rate_minor=10000,
    )
    for _ in range(3):
        gym.redeem(ann, physio)
    assert studio.tasks() == ()  # 180.00 left pays another 100.00 session
    gym.redeem(ann, physio)
    assert studio.pass_balance(pack.pass_id).remaining == 8000
    assert [(t.pass_id, t.title) for t in studio.tasks()] == [
        (pack.pass_id, "Ann used the last of $500 physio pack")
    ]
    assert studio.plan_redemption(ann.id, physio.id).possible is False


def test_what_a_priced_money_pack_has_left_still_pays_cheaper_services(
    studio: Studio, gym: Gym
) -> None:
    account = gym.account()
    ann = gym.member(account, "Ann")
    physio = gym.service("Physio", price_minor=10000, currency="AUD")
    stretch = gym.service("Stretch", price_minor=5000, currency="AUD")
    pack = gym.grant(account, 18000, member=ann, metric=Metric.MONEY, currency="AUD")
    gym.redeem(ann, physio)
    assert [t.pass_id for t in studio.tasks()] == [pack.pass_id]  # 80.00 < 100.00
    assert gym.redeem(ann, stretch).units == 5000
    assert studio.pass_balance(pack.pass_id).remaining == 3000
    # 30.00 cannot pay another stretch either: its last session, for that service.
    assert [t.pass_id for t in studio.tasks()] == [pack.pass_id, pack.pass_id]


def test_a_minutes_pack_left_shorter_than_the_service_gets_its_last_session_task(
    studio: Studio, gym: Gym
) -> None:
    account = gym.account()
    ben = gym.member(account, "Ben")
    pt = gym.service("PT", minutes=45)
    pack = gym.grant(account, 100, member=ben, label="100 minutes", metric=Metric.MINUTES)
    gym.redeem(ben, pt)
    assert studio.tasks() == ()  # 55 minutes left: another 45 fit
    gym.redeem(ben, pt)
    assert [t.pass_id for t in studio.tasks()] == [pack.pass_id]


class HostTasks:
    """A host's own task plugin, as a to-do app would register it; it can be made to fail."""

    def __init__(self) -> None:
        self.told: list[str] = []
        self.fail = False

    @hookimpl
    def sessionpacks_create_task(self, task: TaskRequest) -> bool:
        if self.fail:
            raise ConnectionError("to-do app unreachable")
        self.told.append(task.title)
        return True


def test_tasks_are_kept_when_the_host_has_its_own_task_plugin(
    engine: Engine, clock: ManualClock
) -> None:
    host = HostTasks()
    studio = Studio(engine, settings=Settings(policy=allow_all), clock=clock, plugins=[host])
    gym = Gym(studio)
    account = gym.account()
    member = gym.member(account)
    used_up = gym.grant(account, 1, member=member, label="Drop-in")
    gym.redeem(member, gym.service())
    last = f"{member.name} used the last of Drop-in"
    assert host.told == [last]
    assert [(t.pass_id, t.title) for t in studio.tasks()] == [(used_up.pass_id, last)]

    # The host's plugin fails: the task waits for the retry, then is kept once.
    host.fail = True
    expiring = gym.grant(account, 2, label="Physio 2-pack", expires_at=START + dt.timedelta(days=1))
    clock.advance(dt.timedelta(days=2))
    studio.expire_due()
    assert [t.pass_id for t in studio.tasks()] == [used_up.pass_id]
    host.fail = False
    clock.advance(dt.timedelta(hours=1))  # the failed delivery's claim has lapsed
    assert studio.retry_side_effects().delivered == 1
    assert host.told == [last, "Physio 2-pack expired with 2 unused"]
    assert [t.pass_id for t in studio.tasks()] == [used_up.pass_id, expiring.pass_id]
    assert studio.retry_side_effects().delivered == 0


def test_staff_complete_a_task(studio: Studio, gym: Gym, clock: ManualClock) -> None:
    account = gym.account()
    member = gym.member(account)
    gym.grant(account, 1, member=member)
    gym.redeem(member, gym.service())
    (task,) = studio.tasks(state=TaskState.OPEN)
    clock.advance(dt.timedelta(hours=1))
    done = studio.complete_task(task.id, actor=STAFF)
    assert (done.state, done.done_at) == (TaskState.DONE, clock.now())
    assert studio.complete_task(task.id, actor=STAFF) == done
    assert studio.tasks(state="open") == ()
    assert studio.tasks(state="done") == (done,)
    assert studio.tasks(account_id=account.id) == (done,)
    with pytest.raises(InvalidInput, match="finished"):
        studio.tasks(state="finished")
    with pytest.raises(NotFound):
        studio.complete_task(999_999, actor=STAFF)


def test_run_due_work_does_everything_due(
    studio: Studio, gym: Gym, clock: ManualClock, engine: Engine
) -> None:
    account = gym.account()
    member = studio.add_member(account.id, "Eve", email="eve@example.com")
    expiring = gym.grant(account, 4, member=member, expires_at=START + dt.timedelta(days=1))
    soon = gym.grant(account, 4, member=member, expires_at=START + dt.timedelta(days=5))
    occurrence = studio.add_occurrence(
        gym.service().id,
        starts_at=START + dt.timedelta(days=1, hours=12),
        private=True,
    )
    studio.book(
        member.id,
        occurrence.id,
        idempotency_key=gym.key(),
        actor=STAFF,
        channel=Channel.OFFICE,
    )
    clock.advance(dt.timedelta(days=1, hours=1))
    report = studio.run_due_work()
    assert (report.expired, report.units_forfeited) == (1, 4)
    assert report.pass_reminders == 1
    assert report.appointment_reminders == 1
    assert report.renewed == 0
    assert studio.pass_balance(expiring.pass_id).state is PassState.EXPIRED
    assert studio.pass_balance(soon.pass_id).state is PassState.ACTIVE
    again = studio.run_due_work()
    assert (again.expired, again.pass_reminders, again.appointment_reminders) == (0, 0, 0)
    assert studio.verify() == ()


def test_passes_with_nobody_to_write_to_do_not_hold_back_the_rest(
    studio: Studio, gym: Gym, engine: Engine
) -> None:
    account = gym.account()
    for _ in range(5):
        gym.grant(account, 4, member=gym.member(account), expires_at=START + dt.timedelta(days=3))
    reachable = studio.add_member(account.id, "Fay", email="fay@example.com")
    last = gym.grant(account, 4, member=reachable, expires_at=START + dt.timedelta(days=3))
    report = studio.send_pass_reminders(batch_size=2)
    assert [(s.pass_id, s.kind) for s in report.sent] == [(last.pass_id, NoticeKind.EXPIRING_SOON)]
    assert sent_emails(engine) == [("fay@example.com", f"{studio.pass_balance(last.pass_id).label}"
                                    f" expires on 2026-01-08")]  # fmt: skip
