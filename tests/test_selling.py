"""Selling through the payment hook, with every way it can fail, and refunds of sold passes."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from sessionpacks import (
    Channel,
    IdempotencyConflict,
    InvalidInput,
    InvalidState,
    ManualClock,
    NoPaymentProvider,
    PassState,
    PassTerms,
    PaymentError,
    PaymentState,
    PaymentUnknown,
    RefundState,
    SaleFailed,
    Settings,
    Source,
    Studio,
    allow_all,
    granting,
)
from sessionpacks.hookspecs import hookimpl
from sessionpacks.messages import ChargeRequest, ChargeResult
from sessionpacks.models import Payment
from sessionpacks.templates import TemplateInfo
from sessionpacks.testing import Recorder
from tests.conftest import STAFF, START, Gym


@pytest.fixture
def provider() -> Recorder:
    return Recorder()


@pytest.fixture
def shop(engine: Engine, clock: ManualClock, provider: Recorder) -> Studio:
    return Studio(engine, settings=Settings(policy=allow_all), plugins=[provider], clock=clock)


@pytest.fixture
def pack(shop: Studio) -> TemplateInfo:
    return shop.create_template(
        "10 classes", quantity=10, price_minor=10000, currency="EUR", validity_days=90
    )


def sell(shop: Studio, template: TemplateInfo, account_id: int, key: str = "sale-1", **kw: object):  # type: ignore[no-untyped-def]
    return shop.sell(
        template.id,
        account_id,
        idempotency_key=key,
        actor=STAFF,
        channel=Channel.OFFICE,
        **kw,  # type: ignore[arg-type]
    )


def test_a_sale_charges_first_then_makes_the_pass(
    shop: Studio, pack: TemplateInfo, provider: Recorder
) -> None:
    family = shop.add_account("fam", "Family")
    sold = sell(shop, pack, family.id)
    assert len(provider.charges) == 1
    charge = provider.charges[0]
    assert (charge.amount_minor, charge.currency, charge.idempotency_key) == (
        10000,
        "EUR",
        "sale-1",
    )
    assert sold.charge_reference == "charge-1"
    held = shop.pass_balance(sold.pass_id)
    assert (held.remaining, held.state, held.label) == (10, PassState.ACTIVE, "10 classes")
    assert held.expires_at == START + dt.timedelta(days=90)
    (payment,) = shop.payments()
    assert (payment.state, payment.pass_id) == (PaymentState.PASSED, sold.pass_id)


def test_a_repeated_sale_returns_the_first_and_charges_once(
    shop: Studio, pack: TemplateInfo, provider: Recorder
) -> None:
    family = shop.add_account("fam", "Family")
    first = sell(shop, pack, family.id)
    again = sell(shop, pack, family.id)
    assert again == first
    assert len(provider.charges) == 1
    other = shop.add_account("other", "Other")
    with pytest.raises(IdempotencyConflict):
        sell(shop, pack, other.id)


def test_a_declined_charge_creates_nothing(
    shop: Studio, pack: TemplateInfo, provider: Recorder
) -> None:
    family = shop.add_account("fam", "Family")
    provider.decline_charges = True
    with pytest.raises(PaymentError, match="declined"):
        sell(shop, pack, family.id)
    assert shop.passes(family.id) == ()
    assert shop.payments() == ()


def test_without_a_payment_provider_nothing_is_sold(
    engine: Engine, clock: ManualClock, gym: Gym
) -> None:
    bare = Studio(engine, settings=Settings(policy=allow_all), clock=clock)
    made = bare.create_template("Pack", quantity=5, price_minor=500, currency="USD")
    family = gym.account()
    with pytest.raises(NoPaymentProvider):
        bare.sell(made.id, family.id, idempotency_key="s", actor=STAFF, channel="office")
    assert bare.passes(family.id) == ()


class TimingOut:
    """A provider whose first answer is lost: it charges, then the call times out."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder
        self.calls = 0

    @hookimpl(tryfirst=True)
    def sessionpacks_charge(self, request: ChargeRequest) -> ChargeResult:
        self.calls += 1
        answer = self.recorder.sessionpacks_charge(request)
        if self.calls == 1:
            raise TimeoutError("read timed out")
        return answer


def test_a_timeout_sells_nothing_and_the_retry_charges_once(
    shop: Studio, pack: TemplateInfo, provider: Recorder
) -> None:
    flaky = TimingOut(provider)
    shop.hooks.register(flaky)
    family = shop.add_account("fam", "Family")
    with pytest.raises(PaymentUnknown, match="did not answer"):
        sell(shop, pack, family.id)
    assert shop.passes(family.id) == ()
    (pending,) = shop.payments()
    assert pending.state is PaymentState.PENDING
    sold = sell(shop, pack, family.id)
    assert flaky.calls == 2
    assert len(provider.charges) == 1  # the provider saw the same key twice
    assert shop.pass_balance(sold.pass_id).remaining == 10


@pytest.fixture
def broken_database(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Makes the ledger step of a sale fail, as a database that went away would."""

    def fail(*args: object, **kwargs: object) -> None:
        raise ConnectionError("server closed the connection unexpectedly")

    monkeypatch.setattr(granting, "grant", fail)
    yield
    monkeypatch.undo()


def test_a_database_failure_after_the_charge_refunds_it(
    shop: Studio, pack: TemplateInfo, provider: Recorder, broken_database: None
) -> None:
    family = shop.add_account("fam", "Family")
    with pytest.raises(SaleFailed, match="was refunded") as failed:
        sell(shop, pack, family.id)
    assert failed.value.refunded
    assert [r.charge_reference for r in provider.refunds] == ["charge-1"]
    assert provider.refunds[0].amount_minor == 10000
    assert provider.refunds[0].idempotency_key == "sale-1:refund"
    assert shop.passes(family.id) == ()
    (payment,) = shop.payments()
    assert payment.state is PaymentState.REFUNDED
    assert "server closed the connection" in (payment.last_error or "")
    with pytest.raises(SaleFailed, match="use a new key"):
        sell(shop, pack, family.id)
    assert len(provider.charges) == 1


def test_when_the_refund_fails_too_the_charge_is_kept_for_retry(
    shop: Studio,
    pack: TemplateInfo,
    provider: Recorder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    family = shop.add_account("fam", "Family")
    real_grant = granting.grant

    def fail(*args: object, **kwargs: object) -> None:
        raise ConnectionError("server closed the connection unexpectedly")

    monkeypatch.setattr(granting, "grant", fail)
    provider.fail_refunds = True
    with pytest.raises(SaleFailed, match="needing attention") as failed:
        sell(shop, pack, family.id)
    assert not failed.value.refunded
    (kept,) = shop.payments(state="needs_attention")
    assert kept.charge_reference == "charge-1"
    # The database is back: retrying the sale makes the pass without a second charge.
    monkeypatch.setattr(granting, "grant", real_grant)
    sold = sell(shop, pack, family.id)
    assert len(provider.charges) == 1
    assert shop.pass_balance(sold.pass_id).remaining == 10
    assert shop.payments()[0].state is PaymentState.PASSED


def test_retry_payments_refunds_what_needs_attention(
    shop: Studio, pack: TemplateInfo, provider: Recorder, broken_database: None
) -> None:
    family = shop.add_account("fam", "Family")
    provider.fail_refunds = True
    with pytest.raises(SaleFailed):
        sell(shop, pack, family.id)
    (still,) = shop.retry_payments()
    assert still.state is PaymentState.NEEDS_ATTENTION
    provider.fail_refunds = False
    (done,) = shop.retry_payments()
    assert done.state is PaymentState.REFUNDED
    assert done.refund_reference == "refund-2"
    assert shop.payments(state="needs_attention") == ()


def test_member_and_account_scope_are_enforced_before_charging(
    shop: Studio, provider: Recorder
) -> None:
    family = shop.add_account("fam", "Family")
    kid = shop.add_member(family.id, "Kid")
    student = shop.create_template(
        "Student pass", quantity=8, price_minor=8000, currency="USD", scope="member"
    )
    family_pass = shop.create_template(
        "Family pass", quantity=20, price_minor=15000, currency="USD", member_cap=8
    )
    with pytest.raises(InvalidInput, match="name the member"):
        sell(shop, student, family.id)
    with pytest.raises(InvalidInput, match="give no member"):
        sell(shop, family_pass, family.id, member_id=kid.id)
    assert provider.charges == []
    mine = sell(shop, student, family.id, key="s2", member_id=kid.id)
    assert mine.member_id == kid.id
    ours = sell(shop, family_pass, family.id, key="s3")
    assert ours.member_id is None


def test_a_sale_dated_ahead_is_pending_until_then(shop: Studio, pack: TemplateInfo) -> None:
    family = shop.add_account("fam", "Family")
    later = START + dt.timedelta(days=7)
    sold = sell(shop, pack, family.id, starts_at=later)
    held = shop.pass_balance(sold.pass_id)
    assert (held.state, held.starts_at) == (PassState.PENDING, later)
    assert held.expires_at == later + dt.timedelta(days=90)
    with pytest.raises(InvalidInput, match="must be in the future"):
        sell(shop, pack, family.id, key="s2", starts_at=START - dt.timedelta(days=1))


def test_a_free_template_is_sold_without_a_charge(shop: Studio, provider: Recorder) -> None:
    free = shop.create_template("Intro class", quantity=1)
    family = shop.add_account("fam", "Family")
    sold = sell(shop, free, family.id)
    assert provider.charges == []
    assert sold.charge_reference is None
    assert shop.pass_balance(sold.pass_id).remaining == 1


# -- refunds -------------------------------------------------------------------------------------


def test_a_refund_gives_back_the_unused_part_rounded_down_and_ends_the_pass(
    shop: Studio, provider: Recorder, gym: Gym
) -> None:
    three = shop.create_template("3 classes", quantity=3, price_minor=1000, currency="EUR")
    family = shop.add_account("fam", "Family")
    member = shop.add_member(family.id, "Ann")
    yoga = gym.service()
    sold = sell(shop, three, family.id)
    shop.redeem(member.id, yoga.id, idempotency_key="r1", actor=STAFF, channel="office")
    refunded = shop.refund(
        sold.pass_id, reason="moving away", idempotency_key="f1", actor=STAFF, channel="office"
    )
    # 2 of 3 unused: 1000 * 2 / 3 = 666.67, rounded down in the studio's favour.
    assert (refunded.units, refunded.amount_minor, refunded.currency) == (2, 666, "EUR")
    assert provider.refunds[-1].charge_reference == sold.charge_reference
    assert provider.refunds[-1].amount_minor == 666
    held = shop.pass_balance(sold.pass_id)
    assert (held.remaining, held.state) == (0, PassState.REFUNDED)
    assert shop.history(pass_id=sold.pass_id)[0].kind.value == "refund"
    assert shop.verify() == ()
    again = shop.refund(
        sold.pass_id, reason="moving away", idempotency_key="f1", actor=STAFF, channel="office"
    )
    assert again == refunded
    assert len(provider.refunds) == 1
    with pytest.raises(InvalidState, match="refunded and cannot be refunded"):
        shop.refund(
            sold.pass_id, reason="twice", idempotency_key="f2", actor=STAFF, channel="office"
        )


def test_a_refund_after_a_goodwill_adjustment_pays_back_at_most_the_charge(
    shop: Studio, provider: Recorder, gym: Gym
) -> None:
    ten = shop.create_template("10 classes", quantity=10, price_minor=10000, currency="EUR")
    family = shop.add_account("fam", "Family")
    member = shop.add_member(family.id, "Ann")
    yoga = gym.service()
    sold = sell(shop, ten, family.id)
    shop.adjust(
        sold.pass_id, 5, reason="goodwill", idempotency_key="a1", actor=STAFF, channel="office"
    )
    for n in range(3):  # 12 left: still more than the 10 paid for
        shop.redeem(member.id, yoga.id, idempotency_key=f"r{n}", actor=STAFF, channel="office")
    refunded = shop.refund(
        sold.pass_id, reason="moving away", idempotency_key="f1", actor=STAFF, channel="office"
    )
    assert (refunded.units, refunded.amount_minor) == (12, 10000)
    assert provider.refunds[-1].amount_minor == 10000


def test_manually_granted_credits_cannot_be_refunded(shop: Studio, gym: Gym) -> None:
    family = gym.account()
    granted = gym.grant(family, 5, cost_basis_minor=500, cost_currency="EUR")
    with pytest.raises(InvalidState, match="manually granted credits cannot be refunded"):
        shop.refund(
            granted.pass_id, reason="asked", idempotency_key="f1", actor=STAFF, channel="office"
        )
    assert shop.pass_balance(granted.pass_id).remaining == 5


def test_a_template_can_forbid_refunds(shop: Studio, provider: Recorder) -> None:
    final = shop.create_template(
        "Sale item", quantity=5, price_minor=2500, currency="EUR", refundable=False
    )
    family = shop.add_account("fam", "Family")
    sold = sell(shop, final, family.id)
    with pytest.raises(InvalidState, match="not refundable"):
        shop.refund(
            sold.pass_id, reason="asked", idempotency_key="f1", actor=STAFF, channel="office"
        )
    assert provider.refunds == []


def test_a_refused_refund_opens_the_pass_again_with_its_units(
    shop: Studio, pack: TemplateInfo, provider: Recorder
) -> None:
    family = shop.add_account("fam", "Family")
    sold = sell(shop, pack, family.id)
    provider.decline_refunds = True
    with pytest.raises(PaymentError, match="refused to refund"):
        shop.refund(
            sold.pass_id, reason="asked", idempotency_key="f1", actor=STAFF, channel="office"
        )
    held = shop.pass_balance(sold.pass_id)
    assert (held.remaining, held.state) == (10, PassState.ACTIVE)
    (refund,) = shop.refunds()
    assert refund.state is RefundState.FAILED
    assert provider.refunds == []


def test_a_refund_without_an_answer_keeps_the_pass_closed_until_the_retry_settles_it(
    shop: Studio, pack: TemplateInfo, provider: Recorder
) -> None:
    family = shop.add_account("fam", "Family")
    sold = sell(shop, pack, family.id)
    provider.fail_refunds = True
    with pytest.raises(PaymentUnknown, match="retry_payments asks again"):
        shop.refund(
            sold.pass_id, reason="asked", idempotency_key="f1", actor=STAFF, channel="office"
        )
    # The provider may have refunded: the pass cannot be used meanwhile.
    held = shop.pass_balance(sold.pass_id)
    assert (held.remaining, held.state) == (0, PassState.REFUNDED)
    (waiting,) = shop.refunds(state="unknown")
    provider.fail_refunds = False
    shop.retry_payments()
    (settled,) = shop.refunds()
    assert settled.state is RefundState.SUCCEEDED
    assert settled.amount_minor == waiting.amount_minor
    assert [r.amount_minor for r in provider.refunds] == [waiting.amount_minor]
    # The caller's retry with the same key answers with the settled refund, asking nothing more.
    again = shop.refund(
        sold.pass_id, reason="asked", idempotency_key="f1", actor=STAFF, channel="office"
    )
    assert again.refund_reference == settled.refund_reference
    assert len(provider.refunds) == 1


def test_sold_passes_record_their_source_and_cost(shop: Studio, pack: TemplateInfo) -> None:
    from sqlalchemy import select

    from sessionpacks.models import Pass

    family = shop.add_account("fam", "Family")
    sold = sell(shop, pack, family.id)
    with shop.session_factory() as session:
        row = session.execute(select(Pass).where(Pass.id == sold.pass_id)).scalar_one()
        assert (row.source, row.cost_basis_minor, row.cost_currency) == (
            Source.SALE.value,
            10000,
            "EUR",
        )
        assert row.template_id == pack.id
        assert row.refundable is True


def test_a_pass_balance_says_where_the_pass_came_from_and_what_it_cost(
    shop: Studio, pack: TemplateInfo, gym: Gym
) -> None:
    family = shop.add_account("fam", "Family")
    sold = shop.pass_balance(sell(shop, pack, family.id).pass_id)
    assert (sold.source, sold.cost_basis_minor, sold.cost_currency) == (Source.SALE, 10000, "EUR")
    gift = shop.pass_balance(
        gym.grant(family, 5, cost_basis_minor=500, cost_currency="EUR").pass_id
    )
    assert (gift.source, gift.cost_basis_minor, gift.cost_currency) == (Source.GRANT, 500, "EUR")
    free = shop.pass_balance(gym.grant(family, 2).pass_id)
    assert (free.source, free.cost_basis_minor) == (Source.GRANT, 0)
    assert {p.pass_id: p.source for p in shop.passes(family.id)} == {
        sold.pass_id: Source.SALE,
        gift.pass_id: Source.GRANT,
        free.pass_id: Source.GRANT,
    }


def test_sales_refunds_and_lifecycle_changes_are_told_after_commit(
    shop: Studio, pack: TemplateInfo, provider: Recorder, clock: ManualClock
) -> None:
    family = shop.add_account("fam", "Family")
    sold = sell(shop, pack, family.id)
    assert provider.events_named("sold") == [sold]
    common: dict[str, Any] = {"actor": STAFF, "channel": "office"}
    suspended = shop.suspend(sold.pass_id, reason="r", idempotency_key="e1", **common)
    unsuspended = shop.unsuspend(sold.pass_id, reason="r", idempotency_key="e2", **common)
    extended = shop.extend(
        sold.pass_id, by=dt.timedelta(days=1), reason="r", idempotency_key="e3", **common
    )
    refunded = shop.refund(sold.pass_id, reason="r", idempotency_key="e4", **common)
    assert provider.events_named("suspended") == [suspended]
    assert provider.events_named("unsuspended") == [unsuspended]
    assert provider.events_named("extended") == [extended]
    assert provider.events_named("refunded") == [refunded]
    other = sell(shop, pack, family.id, key="sale-2")
    clock.advance(dt.timedelta(days=91))
    expired = shop.expire(other.pass_id, idempotency_key="e5", actor=STAFF)
    assert provider.events_named("expired") == [expired]
    assert expired.delta == -10


def test_a_key_used_by_another_write_is_refused_before_charging(
    shop: Studio, pack: TemplateInfo, provider: Recorder, gym: Gym
) -> None:
    family = shop.add_account("fam", "Family")
    shop.grant(
        family.id,
        PassTerms(quantity=1),
        reason="r",
        idempotency_key="shared",
        actor=STAFF,
        channel="office",
    )
    with pytest.raises(IdempotencyConflict, match="different grant call"):
        sell(shop, pack, family.id, key="shared")
    assert provider.charges == []
    assert shop.payments() == ()


def test_a_replay_returns_the_sale_after_the_template_is_archived(
    shop: Studio, pack: TemplateInfo, provider: Recorder
) -> None:
    family = shop.add_account("fam", "Family")
    sold = sell(shop, pack, family.id)
    shop.archive_template(pack.id)
    assert sell(shop, pack, family.id) == sold
    assert len(provider.charges) == 1
    with pytest.raises(InvalidState, match="archived"):
        sell(shop, pack, family.id, key="sale-2")


def test_the_same_sale_sent_at_once_charges_once_and_makes_one_pass(
    shop: Studio, pack: TemplateInfo, provider: Recorder
) -> None:
    family = shop.add_account("fam", "Family")
    start = threading.Barrier(4)

    def double_tap() -> int:
        start.wait()
        return sell(shop, pack, family.id, key="tap").pass_id  # type: ignore[no-any-return]

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        made = {f.result() for f in [pool.submit(double_tap) for _ in range(4)]}
    assert len(made) == 1
    assert len(provider.charges) == 1
    assert [p.pass_id for p in shop.passes(family.id)] == list(made)
    assert [p.state for p in shop.payments()] == [PaymentState.PASSED]


def test_a_refund_left_half_done_by_a_dead_process_is_finished_by_retry_payments(
    shop: Studio, pack: TemplateInfo, provider: Recorder, broken_database: None
) -> None:
    family = shop.add_account("fam", "Family")
    provider.fail_refunds = True
    with pytest.raises(SaleFailed):
        sell(shop, pack, family.id)
    # As if the process died between claiming the refund and recording its answer.
    with shop.session_factory.begin() as session:
        session.execute(sa.update(Payment).values(state=PaymentState.REFUNDING.value))
    with pytest.raises(SaleFailed, match="refunding"):
        sell(shop, pack, family.id)
    provider.fail_refunds = False
    (done,) = shop.retry_payments()
    assert done.state is PaymentState.REFUNDED
    assert len(provider.refunds) == 1
    assert len(provider.charges) == 1
