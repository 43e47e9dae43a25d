"""Money and passes agree whatever point a process dies at.

A child process sells or refunds through a payment provider that keeps its books in a file (as a
real provider keeps them on its side), and is killed (``os._exit``, no clean-up) at one point:
just before the provider is asked, just after it took or gave back the money, or at the commit
after that. A fresh studio's ``retry_payments()`` then settles what was left: one charge and one
pass, or one refund and a closed pass, on SQLite, PostgreSQL and MariaDB. Eight processes retrying
one sale at once ask the provider once.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

from sessionpacks import (
    ChargeRequest,
    ChargeResult,
    ManualClock,
    PassState,
    PaymentState,
    PaymentUnknown,
    RefundRequest,
    RefundResult,
    RefundState,
    Settings,
    Studio,
    allow_all,
    create_engine,
    hookimpl,
)
from tests.conftest import STAFF
from tests.test_concurrency import _context

pytestmark = pytest.mark.slow

UTC = dt.timezone.utc
DIED = 70  # the child's exit status when it dies on purpose


class FileProvider:
    """A payment provider whose books survive the process: every call, and every charge and
    refund it made, are lines in a file. Like a real one it honours idempotency keys. ``die_at``
    kills the process at one point of a call."""

    def __init__(self, path: Path, die_at: str = "") -> None:
        self.path = path
        self.die_at = die_at
        self.asked = False

    def _book(self, kind: str, key: str, amount: int) -> str:
        with open(self.path, "a+") as books:
            fcntl.flock(books, fcntl.LOCK_EX)
            books.seek(0)
            lines = [json.loads(line) for line in books.read().splitlines()]
            books.write(json.dumps({"kind": "call", "key": key}) + "\n")
            books.flush()
            if self.die_at == f"before {kind}":
                os._exit(DIED)
            done = [line for line in lines if line["kind"] == kind and line["key"] == key]
            if done:
                reference = str(done[0]["reference"])
            else:
                reference = f"{kind}-{len(lines)}"
                books.write(
                    json.dumps({"kind": kind, "key": key, "amount": amount, "reference": reference})
                    + "\n"
                )
                books.flush()
        if self.die_at == f"after {kind}":
            os._exit(DIED)
        self.asked = True
        return reference

    @hookimpl
    def sessionpacks_charge(self, request: ChargeRequest) -> ChargeResult:
        return ChargeResult(
            reference=self._book("charge", request.idempotency_key, request.amount_minor)
        )

    @hookimpl
    def sessionpacks_refund(self, request: RefundRequest) -> RefundResult:
        return RefundResult(
            reference=self._book("refund", request.idempotency_key, request.amount_minor)
        )


def books(path: Path, kind: str) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [line for line in map(json.loads, path.read_text().splitlines()) if line["kind"] == kind]


def _child_studio(url: str, path: Path, die_at: str) -> Studio:
    engine = create_engine(url)
    provider = FileProvider(path, die_at)
    if die_at.startswith("commit"):
        # Dies at the given commit after the provider was asked, before the database has it.
        wanted = int(die_at.split()[1])
        seen = [0]

        def commit(conn: Any) -> None:
            if provider.asked:
                seen[0] += 1
                if seen[0] == wanted:
                    os._exit(DIED)

        event.listen(engine, "commit", commit)
    return Studio(engine, settings=Settings(policy=allow_all), plugins=[provider])


def sell_in_child(url: str, path: str, die_at: str, template_id: int, account_id: int) -> None:
    studio = _child_studio(url, Path(path), die_at)
    studio.sell(template_id, account_id, idempotency_key="sale-1", actor=STAFF, channel="office")


def refund_in_child(url: str, path: str, die_at: str, pass_id: int) -> None:
    studio = _child_studio(url, Path(path), die_at)
    studio.refund(
        pass_id, reason="moving away", idempotency_key="refund-1", actor=STAFF, channel="office"
    )


def _run(target: Any, *args: object) -> int:
    child = _context.Process(target=target, args=args, daemon=True)
    child.start()
    child.join(120)
    assert child.exitcode is not None, "the child did not finish"
    return child.exitcode


def _later_studio(engine: Engine, path: Path) -> Studio:
    """The studio of a process started after the crash, once the dead one's claims lapsed."""
    later = ManualClock(dt.datetime.now(UTC) + dt.timedelta(hours=1))
    return Studio(
        engine, settings=Settings(policy=allow_all), plugins=[FileProvider(path)], clock=later
    )


@pytest.fixture
def setup(engine: Engine) -> tuple[Studio, int, int]:
    studio = Studio(engine, settings=Settings(policy=allow_all))
    account = studio.add_account("fam", "Family")
    template = studio.create_template(
        "10 classes", quantity=10, price_minor=10000, currency="EUR", validity_days=90
    )
    return studio, template.id, account.id


SALE_POINTS = ["before charge", "after charge", "commit 1", "commit 2"]


@pytest.mark.parametrize("die_at", SALE_POINTS)
def test_a_sale_killed_at_any_point_ends_with_one_charge_and_one_pass(
    engine: Engine, database_url: str, tmp_path: Path, setup: tuple[Studio, int, int], die_at: str
) -> None:
    studio, template_id, account_id = setup
    path = tmp_path / "provider.jsonl"
    assert _run(sell_in_child, database_url, str(path), die_at, template_id, account_id) == DIED
    assert studio.passes(account_id) == ()  # nothing usable yet
    later = _later_studio(engine, path)
    (payment,) = later.retry_payments()
    assert payment.state is PaymentState.PASSED
    charges = books(path, "charge")
    assert [c["amount"] for c in charges] == [10000]
    (held,) = later.passes(account_id)
    assert (held.pass_id, held.remaining, held.state) == (payment.pass_id, 10, PassState.ACTIVE)
    assert payment.charge_reference == charges[0]["reference"]
    assert later.retry_payments() == ()  # nothing left to do
    assert len(books(path, "charge")) == 1


REFUND_POINTS = ["before refund", "after refund", "commit 1"]


@pytest.mark.parametrize("die_at", REFUND_POINTS)
def test_a_refund_killed_at_any_point_ends_with_one_refund_and_a_closed_pass(
    engine: Engine, database_url: str, tmp_path: Path, setup: tuple[Studio, int, int], die_at: str
) -> None:
    _, template_id, account_id = setup
    path = tmp_path / "provider.jsonl"
    seller = Studio(engine, settings=Settings(policy=allow_all), plugins=[FileProvider(path)])
    sold = seller.sell(
        template_id, account_id, idempotency_key="sale-1", actor=STAFF, channel="office"
    )
    assert _run(refund_in_child, database_url, str(path), die_at, sold.pass_id) == DIED
    # Whatever the provider did, the pass can no longer be used.
    assert seller.pass_balance(sold.pass_id).state is PassState.REFUNDED
    later = _later_studio(engine, path)
    later.retry_payments()
    (refund,) = later.refunds()
    assert refund.state is RefundState.SUCCEEDED
    refunds = books(path, "refund")
    assert [r["amount"] for r in refunds] == [10000]
    assert refund.refund_reference == refunds[0]["reference"]
    held = later.pass_balance(sold.pass_id)
    assert (held.remaining, held.state) == (0, PassState.REFUNDED)
    # The caller's own retry answers with the settled refund and asks nothing more.
    again = later.refund(
        sold.pass_id,
        reason="moving away",
        idempotency_key="refund-1",
        actor=STAFF,
        channel="office",
    )
    assert (again.amount_minor, again.refund_reference) == (10000, refund.refund_reference)
    assert len(books(path, "refund")) == 1


class TimesOutAfterCharging(FileProvider):
    """Takes the money, then the answer is lost (a time-out)."""

    @hookimpl
    def sessionpacks_charge(self, request: ChargeRequest) -> ChargeResult:
        self._book("charge", request.idempotency_key, request.amount_minor)
        raise TimeoutError("the provider did not answer in time")


def test_a_charge_that_timed_out_gets_its_pass_even_after_the_template_was_archived(
    engine: Engine, tmp_path: Path, setup: tuple[Studio, int, int]
) -> None:
    studio, template_id, account_id = setup
    path = tmp_path / "provider.jsonl"
    flaky = Studio(
        engine, settings=Settings(policy=allow_all), plugins=[TimesOutAfterCharging(path)]
    )
    with pytest.raises(PaymentUnknown, match="did not answer"):
        flaky.sell(template_id, account_id, idempotency_key="sale-1", actor=STAFF, channel="portal")
    studio.archive_template(template_id)
    later = _later_studio(engine, path)
    (payment,) = later.retry_payments()
    assert payment.state is PaymentState.PASSED
    assert len(books(path, "charge")) == 1
    assert [p.pass_id for p in later.passes(account_id)] == [payment.pass_id]


def test_a_charge_that_timed_out_is_refunded_when_its_pass_can_no_longer_be_made(
    engine: Engine, tmp_path: Path, setup: tuple[Studio, int, int]
) -> None:
    studio, _, account_id = setup
    ends = dt.datetime.now(UTC) + dt.timedelta(days=1)
    term = studio.create_template(
        "Autumn term", quantity=8, price_minor=6400, currency="EUR", valid_until=ends
    )
    path = tmp_path / "provider.jsonl"
    flaky = Studio(
        engine, settings=Settings(policy=allow_all), plugins=[TimesOutAfterCharging(path)]
    )
    with pytest.raises(PaymentUnknown, match="did not answer"):
        flaky.sell(term.id, account_id, idempotency_key="sale-1", actor=STAFF, channel="portal")
    # The term is over by the time anyone retries: no pass can be made, the money goes back.
    after = ManualClock(ends + dt.timedelta(days=1))
    later = Studio(
        engine, settings=Settings(policy=allow_all), plugins=[FileProvider(path)], clock=after
    )
    (payment,) = later.retry_payments()
    assert payment.state is PaymentState.REFUNDED
    assert [c["amount"] for c in books(path, "charge")] == [6400]
    assert [r["amount"] for r in books(path, "refund")] == [6400]
    assert later.passes(account_id) == ()


def retry_sale(url: str, path: str, template_id: int, account_id: int) -> str:
    studio = _child_studio(url, Path(path), "")
    return (
        studio.sell(
            template_id, account_id, idempotency_key="sale-1", actor=STAFF, channel="office"
        ).charge_reference
        or ""
    )


def test_eight_processes_retrying_one_sale_ask_the_provider_once(
    engine: Engine, database_url: str, tmp_path: Path, setup: tuple[Studio, int, int]
) -> None:
    _, template_id, account_id = setup
    path = tmp_path / "provider.jsonl"
    children = [
        _context.Process(
            target=retry_sale, args=(database_url, str(path), template_id, account_id), daemon=True
        )
        for _ in range(8)
    ]
    for child in children:
        child.start()
    for child in children:
        child.join(120)
        assert child.exitcode == 0
    assert len(books(path, "call")) == 1  # one call, not eight deduplicated ones
    assert len(books(path, "charge")) == 1
    with engine.connect() as conn:
        made = conn.execute(sa.text("SELECT count(*) FROM sessionpacks_passes")).scalar_one()
    assert made == 1
