"""A hypothesis state machine over bookings: whatever sequence of bookings, cancellations,
attendances, no-shows and passing time happens, under either credit policy, the pass holds
exactly what the policy table in docs/bookings.md says, no occurrence has more live bookings
than places, and the ledger verifies."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlalchemy.engine import Engine

from sessionpacks import (
    BookingState,
    Channel,
    CreditTaken,
    InsufficientCredit,
    InvalidState,
    ManualClock,
    OccurrenceFull,
    PassTerms,
    Settings,
    Studio,
    allow_all,
)
from sessionpacks.testing import empty_tables
from tests.conftest import STAFF, START

CAPACITY = 2
LIVE = (BookingState.RESERVED, BookingState.ATTENDED, BookingState.NO_SHOW)


class BookingMachine(RuleBasedStateMachine):
    engine: Engine  # set by the test before the machine runs

    def __init__(self) -> None:
        super().__init__()
        empty_tables(self.engine)
        self.clock = ManualClock(START)
        self.studio = Studio(self.engine, settings=Settings(policy=allow_all), clock=self.clock)
        self.keys = itertools.count(1)
        # booking id -> [member index, occurrence index, state, credit taken now]
        self.model: dict[int, list[Any]] = {}

    @initialize(
        quantity=st.integers(1, 4),
        at_attendance=st.booleans(),
        cutoff=st.sampled_from([0, 60, 24 * 60]),
        late_forfeits=st.booleans(),
        no_show_forfeits=st.booleans(),
    )
    def studio_with_a_pack(
        self,
        quantity: int,
        at_attendance: bool,
        cutoff: int,
        late_forfeits: bool,
        no_show_forfeits: bool,
    ) -> None:
        account = self.studio.add_account("family", "The family")
        self.members = [self.studio.add_member(account.id, n).id for n in ("Ann", "Bob", "Cy")]
        service = self.studio.add_service("Yoga", category="classes", duration_minutes=60)
        self.policy = self.studio.set_booking_policy(
            service.id,
            credit_taken=CreditTaken.AT_ATTENDANCE if at_attendance else CreditTaken.AT_BOOKING,
            cancel_cutoff_minutes=cutoff,
            late_cancel_forfeits=late_forfeits,
            no_show_forfeits=no_show_forfeits,
        )
        self.pass_id = self.studio.grant(
            account.id,
            PassTerms(quantity=quantity),
            reason="pack",
            idempotency_key="pack",
            actor=STAFF,
            channel=Channel.OFFICE,
        ).pass_id
        self.quantity = quantity
        self.occurrences = [
            self.studio.add_occurrence(service.id, START + dt.timedelta(hours=h), capacity=CAPACITY)
            for h in (3, 30)
        ]

    def _kw(self) -> dict[str, Any]:
        return {"idempotency_key": f"k-{next(self.keys)}", "actor": STAFF, "channel": "office"}

    def _taken(self) -> int:
        return sum(1 for _, _, _, taken in self.model.values() if taken)

    def _live(self, occurrence: int) -> list[int]:
        return [b for b, (_, o, s, _) in self.model.items() if o == occurrence and s in LIVE]

    def _reserved(self) -> list[int]:
        return sorted(b for b, m in self.model.items() if m[2] is BookingState.RESERVED)

    @precondition(lambda self: hasattr(self, "pass_id"))
    @rule(member=st.integers(0, 2), occurrence=st.integers(0, 1))
    def book(self, member: int, occurrence: int) -> None:
        live = self._live(occurrence)
        again = any(self.model[b][0] == member for b in live)
        try:
            booked = self.studio.book(
                self.members[member], self.occurrences[occurrence].id, **self._kw()
            )
        except OccurrenceFull:
            assert not again
            assert len(live) >= CAPACITY
            return
        except InsufficientCredit:
            assert not again
            assert len(live) < CAPACITY
            assert self._taken() == self.quantity
            return
        except InvalidState:
            assert again
            return
        assert not again
        assert len(live) < CAPACITY
        assert self._taken() < self.quantity
        self.model[booked.booking_id] = [member, occurrence, BookingState.RESERVED, True]

    @precondition(lambda self: hasattr(self, "pass_id") and self._reserved())
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        booking_id = data.draw(st.sampled_from(self._reserved()))
        entry = self.model[booking_id]
        starts = self.occurrences[entry[1]].starts_at
        late = self.clock.now() > starts - dt.timedelta(minutes=self.policy.cancel_cutoff_minutes)
        result = self.studio.cancel_booking(booking_id, **self._kw())
        entry[2] = BookingState.LATE_CANCELLED if late else BookingState.CANCELLED
        assert result.state is entry[2]
        if self.policy.credit_taken is CreditTaken.AT_BOOKING:
            entry[3] = late
        else:
            entry[3] = late and self.policy.late_cancel_forfeits

    @precondition(lambda self: hasattr(self, "pass_id") and self._reserved())
    @rule(data=st.data())
    def attend(self, data: st.DataObject) -> None:
        booking_id = data.draw(st.sampled_from(self._reserved()))
        assert self.studio.mark_attended(booking_id, **self._kw()).state is BookingState.ATTENDED
        self.model[booking_id][2] = BookingState.ATTENDED

    @precondition(lambda self: hasattr(self, "pass_id") and self._reserved())
    @rule(data=st.data())
    def no_show(self, data: st.DataObject) -> None:
        booking_id = data.draw(st.sampled_from(self._reserved()))
        entry = self.model[booking_id]
        if self.clock.now() < self.occurrences[entry[1]].starts_at:
            try:
                self.studio.mark_no_show(booking_id, **self._kw())
            except InvalidState:
                return
            raise AssertionError("a no-show before the start was accepted")
        self.studio.mark_no_show(booking_id, **self._kw())
        entry[2] = BookingState.NO_SHOW
        if self.policy.credit_taken is CreditTaken.AT_ATTENDANCE:
            entry[3] = self.policy.no_show_forfeits

    @rule(minutes=st.sampled_from([30, 90, 600, 1500]))
    def time_passes(self, minutes: int) -> None:
        self.clock.advance(dt.timedelta(minutes=minutes))

    @invariant()
    def credit_capacity_and_states_match_the_model(self) -> None:
        if not hasattr(self, "pass_id"):
            return
        held = self.studio.pass_balance(self.pass_id).remaining
        assert held == self.quantity - self._taken()
        for occurrence in (0, 1):
            assert len(self._live(occurrence)) <= CAPACITY
        records = self.studio.bookings(account_id=self.studio.member(self.members[0]).account_id)
        assert {r.booking_id: r.state for r in records} == {b: m[2] for b, m in self.model.items()}
        assert {r.booking_id for r in records if r.given_back} == {
            b for b, m in self.model.items() if not m[3]
        }
        assert self.studio.verify() == ()


def test_booking_state_machine(engine: Engine) -> None:
    BookingMachine.engine = engine
    is_sqlite = engine.dialect.name == "sqlite"
    test_case = BookingMachine.TestCase
    test_case.settings = settings(
        max_examples=30 if is_sqlite else 12,
        stateful_step_count=20,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    test_case().runTest()
