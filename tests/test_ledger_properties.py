"""A hypothesis state machine over the ledger: whatever sequence of grants, sales, redemptions,
reversals, adjustments, voids, refunds, suspensions, extensions, expiries and replays happens,
balances equal ledger sums, nothing is negative, a redemption succeeds exactly when the member's
usable credit covers it, a sale charges exactly once, an extended expired pass gets back what it
forfeited, and a replayed idempotency key changes nothing."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import hypothesis.strategies as st
from hypothesis import HealthCheck, event, settings
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    rule,
)
from sqlalchemy.engine import Engine

from sessionpacks import (
    InsufficientCredit,
    InvalidInput,
    InvalidState,
    ManualClock,
    PassState,
    PassTerms,
    Settings,
    Studio,
    allow_all,
)
from sessionpacks.testing import Recorder, empty_tables
from tests.conftest import STAFF, START


class LedgerMachine(RuleBasedStateMachine):
    engine: Engine  # set by the test before the machine runs

    passes = Bundle("passes")
    redemptions = Bundle("redemptions")

    def __init__(self) -> None:
        super().__init__()
        empty_tables(self.engine)
        self.clock = ManualClock(START)
        self.provider = Recorder()
        self.studio = Studio(
            self.engine,
            settings=Settings(policy=allow_all),
            plugins=[self.provider],
            clock=self.clock,
        )
        self.keys = itertools.count(1)
        self.balance: dict[int, int] = {}  # what the model says each pass holds
        self.scope: dict[int, int | None] = {}  # pass -> member it is scoped to
        self.voided: set[int] = set()
        self.sold: set[int] = set()
        self.refunded: set[int] = set()
        self.suspended: set[int] = set()
        self.expires: dict[int, dt.datetime | None] = {}  # pass -> its expiry, None: never
        self.suspended_at: dict[int, dt.datetime] = {}
        self.forfeited: dict[int, int] = {}  # expired pass -> what its expire entry took
        self.done: list[tuple[Callable[[], Any], Any]] = []  # calls that may be replayed

    @initialize()
    def family(self) -> None:
        account = self.studio.add_account("family", "The family")
        self.account_id = account.id
        self.member_ids = [self.studio.add_member(account.id, n).id for n in ("Ann", "Bob")]
        self.service_id = self.studio.add_service(
            "Yoga", category="classes", duration_minutes=60
        ).id
        # A year's validity: the machine's clock never reaches it.
        self.template_id = self.studio.create_template(
            "5 classes", quantity=5, price_minor=5000, currency="EUR", validity_days=365
        ).id

    def _key(self) -> str:
        return f"key-{next(self.keys)}"

    def _remember(self, call: Callable[[], Any]) -> Any:
        result = call()
        self.done.append((call, result))
        return result

    @rule(target=passes, quantity=st.integers(1, 6), member=st.sampled_from([None, 0, 1]))
    def grant(self, quantity: int, member: int | None) -> int:
        member_id = None if member is None else self.member_ids[member]
        key = self._key()
        result = self._remember(
            lambda: self.studio.grant(
                self.account_id,
                PassTerms(quantity=quantity),
                member_id=member_id,
                reason="property",
                idempotency_key=key,
                actor=STAFF,
                channel="office",
            )
        )
        self.balance[result.pass_id] = quantity
        self.scope[result.pass_id] = member_id
        self.expires[result.pass_id] = None
        return int(result.pass_id)

    def _usable(self, member_id: int) -> int:
        return sum(
            units
            for pass_id, units in self.balance.items()
            if pass_id not in self.voided | self.suspended | self.refunded | set(self.forfeited)
            and self.scope[pass_id] in (None, member_id)
            and not self._past_expiry(pass_id)
        )

    def _past_expiry(self, pass_id: int) -> bool:
        expiry = self.expires[pass_id]
        return expiry is not None and expiry <= self.clock.now()

    @rule(target=redemptions, member=st.sampled_from([0, 1]), count=st.integers(1, 4))
    def redeem(self, member: int, count: int) -> Any:
        member_id = self.member_ids[member]
        usable = self._usable(member_id)
        key = self._key()
        try:
            result = self._remember(
                lambda: self.studio.redeem(
                    member_id,
                    self.service_id,
                    count=count,
                    idempotency_key=key,
                    actor=STAFF,
                    channel="kiosk",
                )
            )
        except InsufficientCredit:
            assert usable < count, f"refused {count} although {usable} were usable"
            return None
        assert usable >= count
        assert sum(part.units for part in result.parts) == count
        for part in result.parts:
            assert self.scope[part.pass_id] in (None, member_id)
            assert part.pass_id not in self.voided
            self.balance[part.pass_id] -= part.units
            assert part.balance_after == self.balance[part.pass_id]
        return result.redemption_id

    @rule(redemption=consumes(redemptions))
    def reverse(self, redemption: int | None) -> None:
        if redemption is None:
            return
        key = self._key()
        try:
            result = self._remember(
                lambda: self.studio.reverse(
                    redemption,
                    reason="property",
                    idempotency_key=key,
                    actor=STAFF,
                    channel="office",
                )
            )
        except InvalidState:
            # Only a redemption from a deleted or refunded pass cannot be given back.
            ended = self.voided | self.refunded
            assert any(p in ended for p in self._passes_of(redemption))
            return
        for pass_id, delta, after in zip(
            result.pass_ids, result.deltas, result.balances_after, strict=True
        ):
            if pass_id in self.forfeited:
                # Given back to an expired pass, the credits expire with it at once; reopening
                # it gives them back with the rest.
                event("a redemption from an expired pass was reversed")
                self.forfeited[pass_id] += delta
            else:
                self.balance[pass_id] += delta
            assert after == self.balance[pass_id]

    def _passes_of(self, redemption: int) -> set[int]:
        return {
            h.pass_id
            for h in self.studio.history(account_id=self.account_id)
            if h.redemption_id == redemption
        }

    @rule(pass_id=passes, delta=st.integers(-4, 4).filter(bool))
    def adjust(self, pass_id: int, delta: int) -> None:
        key = self._key()
        try:
            self._remember(
                lambda: self.studio.adjust(
                    pass_id,
                    delta,
                    reason="property",
                    idempotency_key=key,
                    actor=STAFF,
                    channel="office",
                )
            )
        except InvalidState:
            assert pass_id in self.voided | self.refunded
            return
        except InvalidInput:
            assert self.balance[pass_id] + delta < 0
            return
        assert pass_id not in self.voided | self.refunded
        self.balance[pass_id] += delta

    @rule(pass_id=passes)
    def void(self, pass_id: int) -> None:
        key = self._key()
        try:
            self._remember(
                lambda: self.studio.void(
                    pass_id,
                    reason="property",
                    idempotency_key=key,
                    actor=STAFF,
                    channel="office",
                )
            )
        except InvalidState:
            assert pass_id in self.voided
            return
        self.voided.add(pass_id)
        self.refunded.discard(pass_id)
        self.suspended.discard(pass_id)
        self.suspended_at.pop(pass_id, None)
        self.forfeited.pop(pass_id, None)
        self.balance[pass_id] = 0

    @rule(target=passes)
    def sell(self) -> int:
        key = self._key()
        charged = len(self.provider.charges)
        result = self._remember(
            lambda: self.studio.sell(
                self.template_id,
                self.account_id,
                idempotency_key=key,
                actor=STAFF,
                channel="portal",
            )
        )
        assert len(self.provider.charges) == charged + 1
        self.balance[result.pass_id] = 5
        self.scope[result.pass_id] = None
        self.expires[result.pass_id] = self.clock.now() + dt.timedelta(days=365)
        assert result.expires_at == self.expires[result.pass_id]
        self.sold.add(result.pass_id)
        return int(result.pass_id)

    @rule(pass_id=passes)
    def refund(self, pass_id: int) -> None:
        key = self._key()
        refunds = len(self.provider.refunds)
        try:
            result = self._remember(
                lambda: self.studio.refund(
                    pass_id, reason="property", idempotency_key=key, actor=STAFF, channel="office"
                )
            )
        except InvalidState:
            assert (
                pass_id not in self.sold
                or pass_id in self.voided | self.refunded
                or self.balance[pass_id] == 0
            )
            return
        assert pass_id in self.sold
        assert result.units == self.balance[pass_id]
        # Only the 5 units sold were paid for: goodwill added since gives nothing back.
        assert result.amount_minor == 5000 * min(result.units, 5) // 5
        assert len(self.provider.refunds) == refunds + 1
        self.balance[pass_id] = 0
        event("a sold pass was refunded")
        self.refunded.add(pass_id)
        self.suspended.discard(pass_id)
        self.suspended_at.pop(pass_id, None)
        self.forfeited.pop(pass_id, None)

    @rule(pass_id=passes)
    def suspend(self, pass_id: int) -> None:
        key = self._key()
        try:
            self._remember(
                lambda: self.studio.suspend(
                    pass_id, reason="property", idempotency_key=key, actor=STAFF, channel="office"
                )
            )
        except InvalidState:
            assert (
                pass_id in self.voided | self.refunded | self.suspended | set(self.forfeited)
                or self.balance[pass_id] == 0
                or self._past_expiry(pass_id)
            )
            return
        assert self.balance[pass_id] > 0
        self.suspended.add(pass_id)
        self.suspended_at[pass_id] = self.clock.now()

    @rule(pass_id=passes)
    def unsuspend(self, pass_id: int) -> None:
        key = self._key()
        try:
            self._remember(
                lambda: self.studio.unsuspend(
                    pass_id, reason="property", idempotency_key=key, actor=STAFF, channel="office"
                )
            )
        except InvalidState:
            assert pass_id not in self.suspended
            return
        assert pass_id in self.suspended
        self.suspended.discard(pass_id)
        since = self.suspended_at.pop(pass_id)
        expiry = self.expires[pass_id]
        if expiry is not None:  # every pass here moves its expiry out by the time suspended
            self.expires[pass_id] = expiry + (self.clock.now() - since)

    @rule(pass_id=passes, days=st.integers(1, 400))
    def extend(self, pass_id: int, days: int) -> None:
        key = self._key()
        until = self.clock.now() + dt.timedelta(days=days)
        try:
            result = self._remember(
                lambda: self.studio.extend(
                    pass_id,
                    expires_at=until,
                    reason="property",
                    idempotency_key=key,
                    actor=STAFF,
                    channel="office",
                )
            )
        except InvalidState:
            assert pass_id in self.voided | self.refunded
            return
        # An expired pass gets back exactly what its expiry took; any other keeps its balance.
        back = self.forfeited.pop(pass_id, 0)
        if back:
            event("an expired pass reopened with what it forfeited")
        self.balance[pass_id] += back
        assert (result.delta, result.balance_after) == (back, self.balance[pass_id])
        self.expires[pass_id] = until
        assert self.studio.pass_balance(pass_id).expires_at == until

    @rule(data=st.data())
    def a_pass_runs_out(self, data: st.DataObject) -> None:
        """Time reaches one pass's expiry and the expiry sweep closes it; rarer by chance alone."""
        open_with_expiry = sorted(
            pass_id
            for pass_id, expiry in self.expires.items()
            if expiry is not None
            and pass_id not in self.voided | self.refunded | self.suspended | set(self.forfeited)
        )
        if not open_with_expiry:
            return
        pass_id = data.draw(st.sampled_from(open_with_expiry))
        expiry = self.expires[pass_id]
        assert expiry is not None
        if expiry > self.clock.now():
            self.clock.set(expiry)
        self.expire(pass_id)

    @rule(pass_id=passes)
    def expire(self, pass_id: int) -> None:
        key = self._key()
        try:
            result = self._remember(
                lambda: self.studio.expire(pass_id, idempotency_key=key, actor=STAFF)
            )
        except InvalidState:
            assert pass_id in self.voided | self.refunded | self.suspended | set(
                self.forfeited
            ) or not self._past_expiry(pass_id)
            return
        assert self._past_expiry(pass_id)
        assert result.delta == -self.balance[pass_id]
        self.forfeited[pass_id] = self.balance[pass_id]
        self.balance[pass_id] = 0
        event("a pass expired")

    @rule(data=st.data())
    def replay(self, data: st.DataObject) -> None:
        if not self.done:
            return
        call, first = data.draw(st.sampled_from(self.done))
        before = self._snapshot()
        assert call() == first
        assert self._snapshot() == before

    @rule(minutes=st.integers(1, 600))
    def time_passes(self, minutes: int) -> None:
        self.clock.advance(dt.timedelta(minutes=minutes))

    @rule(days=st.integers(200, 400))
    def months_pass(self, days: int) -> None:
        self.clock.advance(dt.timedelta(days=days))

    def _snapshot(self) -> tuple[object, ...]:
        return (
            self.studio.passes(self.account_id, include_voided=True),
            len(self.studio.history(account_id=self.account_id)),
        )

    @invariant()
    def balances_match_the_model_and_the_ledger(self) -> None:
        if not hasattr(self, "account_id"):
            return
        held = {p.pass_id: p for p in self.studio.passes(self.account_id, include_voided=True)}
        assert {pid: p.remaining for pid, p in held.items()} == self.balance
        assert all(p.remaining >= 0 for p in held.values())
        assert {pid for pid, p in held.items() if p.state is PassState.VOIDED} == self.voided
        assert {pid for pid, p in held.items() if p.state is PassState.REFUNDED} == self.refunded
        assert {pid for pid, p in held.items() if p.state is PassState.SUSPENDED} == self.suspended
        assert len(self.provider.charges) == len(self.sold)
        assert self.studio.verify() == ()


def test_ledger_state_machine(engine: Engine, request: Any) -> None:
    LedgerMachine.engine = engine
    is_sqlite = engine.dialect.name == "sqlite"
    test_case = LedgerMachine.TestCase
    test_case.settings = settings(
        max_examples=40 if is_sqlite else 20,
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    test_case().runTest()
