"""The ledger state machine with bulk grants mixed in: batches (some interrupted and resumed),
undos, replays of both, beside the grants, redemptions and corrections of the ledger machine.
Whatever happens, balances equal ledger sums, nothing is negative, and a batch holds one pass
per recipient at most."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import hypothesis.strategies as st
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis.stateful import initialize, invariant, multiple, rule
from sqlalchemy.engine import Engine

from sessionpacks import (
    BatchState,
    EntryKind,
    PassTerms,
    Recipient,
    SkipReason,
    UndoOutcome,
    bulk_granting,
)
from sessionpacks.models import GrantBatchItem, Pass, table
from tests.conftest import STAFF
from tests.test_ledger_properties import LedgerMachine

_items = table(GrantBatchItem)
_passes = table(Pass)


class Crash(RuntimeError):
    pass


def _crashing(recipients: list[Recipient], after: int) -> Iterator[Recipient]:
    yield from recipients[:after]
    raise Crash("the process died")


class BulkMachine(LedgerMachine):
    @initialize()
    def neighbours(self) -> None:
        self.batch_numbers = itertools.count(1)
        # Each batch: its id, its key, its recipients, its quantity, and its passes by account.
        self.batches: list[dict[str, Any]] = []
        self.undone: set[int] = set()
        self.other_balance: dict[int, int] = {}  # passes of accounts other than the family's

    def _pool(self) -> list[tuple[Recipient, SkipReason | None]]:
        """Who may be in a batch, and why each would be skipped on its own."""
        if not hasattr(self, "other_id"):
            other = self.studio.add_account("neighbour", "The neighbour")
            self.other_id = other.id
        ann, bob = self.member_ids
        return [
            (Recipient(account_id=self.account_id), None),
            (Recipient(account_ref="family", member_id=ann), None),
            (Recipient(account_id=self.account_id, member_id=bob), None),
            (Recipient(account_ref="neighbour"), None),
            (Recipient(account_ref="ghost"), SkipReason.UNKNOWN_ACCOUNT),
            (Recipient(account_id=self.other_id, member_id=ann), SkipReason.MEMBER_NOT_IN_ACCOUNT),
        ]

    def _run(self, key: str, recipients: Any, quantity: int) -> Any:
        return self.studio.bulk_grant(
            recipients,
            PassTerms(quantity=quantity),
            reason="property batch",
            batch_key=key,
            actor=STAFF,
            channel="office",
        )

    @rule(
        target=LedgerMachine.passes,
        picks=st.lists(st.integers(0, 5), max_size=6),
        quantity=st.integers(1, 4),
        crash_after=st.none() | st.integers(0, 5),
    )
    def bulk_grant(self, picks: list[int], quantity: int, crash_after: int | None) -> Any:
        pool = self._pool()
        recipients = [pool[i][0] for i in picks]
        key = f"batch-{next(self.batch_numbers)}"
        if crash_after is not None and crash_after < len(recipients):
            with pytest.raises(Crash):
                self._run(key, _crashing(recipients, crash_after), quantity)
        report = self._run(key, recipients, quantity)
        assert report.state is BatchState.COMPLETE
        items = list(self.studio.grant_batch_items(report.batch_id))
        assert [item.position for item in items] == list(range(len(recipients)))
        seen: set[tuple[int, int | None]] = set()
        family_passes: list[int] = []
        for pick, item in zip(picks, items, strict=True):
            recipient, why = pool[pick]
            holder = (self.account_id if pick < 3 else self.other_id, recipient.member_id)
            if why is None and holder in seen:
                why = SkipReason.DUPLICATE
            assert item.why == why, (pick, item)
            if why is not None:
                assert item.pass_id is None
                continue
            seen.add(holder)
            assert item.pass_id is not None
            if pick < 3:
                self.balance[item.pass_id] = quantity
                self.scope[item.pass_id] = recipient.member_id
                self.expires[item.pass_id] = None
                family_passes.append(item.pass_id)
            else:
                self.other_balance[item.pass_id] = quantity
        assert report.granted == len(seen)
        self.batches.append(
            {"id": report.batch_id, "key": key, "recipients": recipients, "quantity": quantity}
        )
        return multiple(*family_passes)

    @rule(data=st.data())
    def replay_batch(self, data: st.DataObject) -> None:
        if not self.batches:
            return
        batch = data.draw(st.sampled_from(self.batches))
        before = self._snapshot(), self.studio.grant_batch(batch["id"])
        assert self._run(batch["key"], batch["recipients"], batch["quantity"]) == before[1]
        assert (self._snapshot(), self.studio.grant_batch(batch["id"])) == before

    @rule(data=st.data())
    def undo_batch(self, data: st.DataObject) -> None:
        if not self.batches:
            return
        batch = data.draw(st.sampled_from(self.batches))
        granted = list(self.studio.grant_batch_items(batch["id"], outcome="granted"))
        # What each pass should become: decided from its history, before the undo.
        expected: dict[int, UndoOutcome] = {}
        for item in granted:
            pass_id = item.pass_id or 0
            held = self.studio.pass_balance(pass_id)
            kinds = {h.kind for h in self.studio.history(pass_id=pass_id)}
            if item.undo is not None:
                expected[pass_id] = item.undo
            elif held.remaining == 0:
                expected[pass_id] = UndoOutcome.NOTHING_LEFT
            elif kinds == {EntryKind.GRANT}:
                expected[pass_id] = UndoOutcome.VOIDED
            else:
                expected[pass_id] = UndoOutcome.EMPTIED
        report = self.studio.undo_bulk_grant(
            batch["id"],
            reason="property undo",
            idempotency_key=f"undo-{batch['id']}",  # the same key again is a replay
            actor=STAFF,
            channel="office",
        )
        assert report.state is BatchState.UNDONE
        assert report.undone == report.granted == len(granted)
        for item in self.studio.grant_batch_items(batch["id"], outcome="granted"):
            pass_id = item.pass_id or 0
            assert item.undo is expected[pass_id]
            assert self.studio.pass_balance(pass_id).remaining == 0
            if pass_id in self.other_balance:
                self.other_balance[pass_id] = 0
                continue
            self.balance[pass_id] = 0
            if item.undo is UndoOutcome.VOIDED:
                # Voided, a suspended pass is suspended no longer.
                self.voided.add(pass_id)
                self.suspended.discard(pass_id)
                self.suspended_at.pop(pass_id, None)
        self.undone.add(batch["id"])

    @invariant()
    def one_pass_per_recipient_and_the_neighbour_holds_what_was_given(self) -> None:
        if not hasattr(self, "batches"):
            return
        with self.engine.connect() as conn:
            doubled = conn.execute(
                sa.select(_items.c.batch_id, _items.c.account_id, _items.c.member_id)
                .where(_items.c.outcome == "granted")
                .group_by(_items.c.batch_id, _items.c.account_id, _items.c.member_id)
                .having(sa.func.count() > 1)
            ).all()
            assert doubled == []
            passes_per_item = conn.execute(
                sa.select(_items.c.pass_id)
                .where(_items.c.pass_id.is_not(None))
                .group_by(_items.c.pass_id)
                .having(sa.func.count() > 1)
            ).all()
            assert passes_per_item == []
            negative = conn.execute(sa.select(_passes.c.id).where(_passes.c.remaining < 0)).all()
            assert negative == []
        if hasattr(self, "other_id"):
            held = {p.pass_id: p.remaining for p in self.studio.passes(self.other_id)}
            assert held == {p: n for p, n in self.other_balance.items() if n or p in held}


def test_bulk_state_machine(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    # Two recipients a chunk, so that batches of up to six span chunks and crash between them.
    monkeypatch.setattr(bulk_granting, "CHUNK", 2)
    BulkMachine.engine = engine
    is_sqlite = engine.dialect.name == "sqlite"
    test_case = BulkMachine.TestCase
    test_case.settings = settings(
        max_examples=20 if is_sqlite else 10,
        stateful_step_count=20,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    test_case().runTest()
