"""Auto-renewal: a pass sold from an auto-renewing template is sold again when it is used up or
expires, charged through the payment hook once, however often or from wherever it is tried."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import uuid

import pytest
from sqlalchemy.engine import Engine

from sessionpacks import (
    Channel,
    InvalidInput,
    ManualClock,
    PassState,
    RenewalState,
    Settings,
    Studio,
    allow_all,
)
from sessionpacks.templates import TemplateInfo
from sessionpacks.testing import Recorder
from tests.conftest import STAFF
from tests.test_plans import ChargeCalls


@pytest.fixture
def provider() -> Recorder:
    return Recorder()


@pytest.fixture
def calls() -> ChargeCalls:
    return ChargeCalls()


@pytest.fixture
def shop(engine: Engine, clock: ManualClock, provider: Recorder, calls: ChargeCalls) -> Studio:
    return Studio(
        engine, settings=Settings(policy=allow_all), plugins=[provider, calls], clock=clock
    )


@pytest.fixture
def pack(shop: Studio) -> TemplateInfo:
    return shop.create_template(
        "2 classes, renewing",
        quantity=2,
        price_minor=3000,
        currency="EUR",
        validity_days=30,
        auto_renew=True,
    )


def buy(shop: Studio, template: TemplateInfo, account_id: int) -> int:
    sold = shop.sell(
        template.id, account_id, idempotency_key="sale-1", actor=STAFF, channel=Channel.OFFICE
    )
    return sold.pass_id


def use_up(shop: Studio, account_id: int, times: int = 2) -> None:
    member = shop.members(account_id)[0] if shop.members(account_id) else None
    member = member or shop.add_member(account_id, "Ben")
    found = [s for s in shop.services() if s.name == "Yoga"]
    service = (
        found[0] if found else shop.add_service("Yoga", category="classes", duration_minutes=60)
    )
    for _ in range(times):
        shop.redeem(
            member.id,
            service.id,
            idempotency_key=f"use-{uuid.uuid4()}",
            actor=STAFF,
            channel=Channel.OFFICE,
        )


def test_a_used_up_pass_is_sold_again_once_right_after_the_redemption(
    shop: Studio, pack: TemplateInfo, provider: Recorder, calls: ChargeCalls
) -> None:
    family = shop.add_account("fam", "Family")
    old = buy(shop, pack, family.id)
    use_up(shop, family.id, times=1)
    assert shop.renewals() == ()  # one class left: nothing to renew
    use_up(shop, family.id, times=1)
    (renewal,) = shop.renewals()
    assert renewal.state is RenewalState.DONE
    assert renewal.new_pass_id is not None
    new = shop.pass_balance(renewal.new_pass_id)
    assert (new.remaining, new.state, new.account_id) == (2, PassState.ACTIVE, family.id)
    assert shop.renew_due().passes == ()  # the sweep finds it done
    assert shop.retry_side_effects().failed == 0
    assert calls.keys == ["sale-1", f"sessionpacks-renewal:{old}"]
    assert [c.amount_minor for c in provider.charges] == [3000, 3000]
    (told,) = provider.events_named("auto_renewed")
    assert told.previous_pass_id == old  # type: ignore[attr-defined]
    assert told.pass_id == renewal.new_pass_id  # type: ignore[attr-defined]


def test_an_expired_pass_is_sold_again_before_or_after_the_sweep(
    shop: Studio, pack: TemplateInfo, clock: ManualClock
) -> None:
    family = shop.add_account("fam", "Family")
    old = buy(shop, pack, family.id)
    clock.advance(dt.timedelta(days=30))
    (renewed,) = shop.renew_due().passes  # the sweep has not closed it yet
    assert renewed.previous_pass_id == old
    assert shop.pass_balance(renewed.pass_id).expires_at == clock.now() + dt.timedelta(days=30)
    assert shop.renew_due().passes == ()


def test_a_declined_renewal_leaves_no_pass_and_says_why(
    shop: Studio, pack: TemplateInfo, provider: Recorder
) -> None:
    family = shop.add_account("fam", "Family")
    old = buy(shop, pack, family.id)
    provider.decline_charges = True
    use_up(shop, family.id)  # the redemption stands; its renewal is declined
    assert shop.pass_balance(old).state is PassState.EXHAUSTED
    (renewal,) = shop.renewals(state="failed")
    assert (renewal.attempts, renewal.new_pass_id) == (1, None)
    assert renewal.last_error is not None
    assert "declined" in renewal.last_error
    assert len(shop.passes(family.id)) == 1
    (failure,) = shop.renew_due().failures
    assert (failure.kind, failure.id) == ("pass", old)
    provider.decline_charges = False
    (renewed,) = shop.renew_due().passes
    assert shop.renewals()[0].state is RenewalState.DONE
    assert shop.pass_balance(renewed.pass_id).remaining == 2


def test_renewals_stop_after_repeated_declines(
    shop: Studio, pack: TemplateInfo, provider: Recorder
) -> None:
    family = shop.add_account("fam", "Family")
    buy(shop, pack, family.id)
    provider.decline_charges = True
    use_up(shop, family.id)
    for _ in range(3):
        shop.renew_due()
    (renewal,) = shop.renewals()
    assert (renewal.state, renewal.attempts) == (RenewalState.FAILED, 3)


def test_granted_and_not_renewing_passes_are_left_alone(
    shop: Studio, provider: Recorder, clock: ManualClock
) -> None:
    plain = shop.create_template("Drop-in", quantity=1, price_minor=1500, currency="EUR")
    family = shop.add_account("fam", "Family")
    buy(shop, plain, family.id)
    use_up(shop, family.id, times=1)
    assert shop.renew_due().passes == ()
    assert shop.renewals() == ()
    with pytest.raises(InvalidInput, match="auto_renew applies to passes and packs"):
        shop.create_template("Plan", kind="plan", quantity=4, period_days=7, auto_renew=True)


def test_concurrent_sweeps_renew_once(
    engine: Engine, clock: ManualClock, database_url: str
) -> None:
    provider, calls = Recorder(), ChargeCalls()
    shops = [
        Studio(engine, settings=Settings(policy=allow_all), plugins=[provider, calls], clock=clock)
        for _ in range(2)
    ]
    template = shops[0].create_template(
        "1 class, renewing",
        quantity=1,
        price_minor=1000,
        currency="EUR",
        validity_days=7,
        auto_renew=True,
    )
    family = shops[0].add_account("fam", "Family")
    olds = []
    for n in range(5):
        olds.append(
            shops[0]
            .sell(template.id, family.id, idempotency_key=f"s{n}", actor=STAFF, channel="office")
            .pass_id
        )
    clock.advance(dt.timedelta(days=7))
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(lambda shop: shop.renew_due(), shops))
    sold = {r.pass_id for report in reports for r in report.passes}
    assert len(sold) == 5
    renewals = shops[0].renewals()
    assert sorted(r.pass_id for r in renewals) == sorted(olds)
    assert all(r.state is RenewalState.DONE for r in renewals)
    assert len(provider.charges) == 10  # five sales and five renewals
    assert sum(1 for p in shops[0].passes(family.id) if p.state is PassState.ACTIVE) == 5
    assert all(k in calls.keys for k in (f"sessionpacks-renewal:{old}" for old in olds))
