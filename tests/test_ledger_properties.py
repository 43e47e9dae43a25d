"""A hypothesis state machine over the ledger: whatever sequence of grants, redemptions,
reversals, adjustments, voids and replays happens, balances equal ledger sums, nothing is
negative, a redemption succeeds exactly when the member's usable credit covers it, and a replayed
idempotency key changes nothing."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
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
from tests.conftest import STAFF, START, empty_tables


class LedgerMachine(RuleBasedStateMachine):
    engine: Engine  # set by the test before the machine runs

    passes = Bundle("passes")
    redemptions = Bundle("redemptions")

    def __init__(self) -> None:
        super().__init__()
        empty_tables(self.engine)
        self.clock = ManualClock(START)
        self.studio = Studio(self.engine, settings=Settings(policy=allow_all), clock=self.clock)
        self.keys = itertools.count(1)
        self.balance: dict[int, int] = {}  # what the model says each pass holds
        self.scope: dict[int, int | None] = {}  # pass -> member it is scoped to
        self.voided: set[int] = set()
        self.done: list[tuple[Callable[[], Any], Any]] = []  # calls that may be replayed

    @initialize()
    def family(self) -> None:
        account = self.studio.add_account("family", "The family")
        self.account_id = account.id
        self.member_ids = [self.studio.add_member(account.id, n).id for n in ("Ann", "Bob")]
        self.service_id = self.studio.add_service(
            "Yoga", category="classes", duration_minutes=60
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
        return int(result.pass_id)

    def _usable(self, member_id: int) -> int:
        return sum(
            units
            for pass_id, units in self.balance.items()
            if pass_id not in self.voided and self.scope[pass_id] in (None, member_id)
        )

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
            # Only a redemption from a deleted pass cannot be given back.
            assert any(p in self.voided for p in self._passes_of(redemption))
            return
        for pass_id, delta in zip(result.pass_ids, result.deltas, strict=True):
            self.balance[pass_id] += delta

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
            assert pass_id in self.voided
            return
        except InvalidInput:
            assert self.balance[pass_id] + delta < 0
            return
        assert pass_id not in self.voided
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
        self.balance[pass_id] = 0

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
