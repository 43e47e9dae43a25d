"""Side effects that go out only after the transaction that caused them committed.

An email, a task or an event is first written to ``sessionpacks_side_effects`` in the same
transaction as the ledger entries. After commit it is delivered through its hook; a hook that
raises leaves it failed, to be tried again by :meth:`Outbox.retry`, and never undoes the write.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

import attrs
import pluggy
from sqlalchemy import insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

from sessionpacks import codec
from sessionpacks.clock import Clock
from sessionpacks.database import inserted_id
from sessionpacks.enums import SideEffectState
from sessionpacks.messages import EmailMessage, TaskRequest
from sessionpacks.models import SideEffect, table
from sessionpacks.values import (
    EntryResult,
    ExhaustedEvent,
    GrantResult,
    LifecycleResult,
    PassRefundResult,
    RedeemResult,
    SaleResult,
)

log = logging.getLogger("sessionpacks")

# For each hook that goes through the outbox: its keyword and the type of its value.
DEFERRED_HOOKS: dict[str, tuple[str, type[Any]]] = {
    "sessionpacks_send_email": ("message", EmailMessage),
    "sessionpacks_create_task": ("task", TaskRequest),
    "sessionpacks_granted": ("result", GrantResult),
    "sessionpacks_redeemed": ("result", RedeemResult),
    "sessionpacks_reversed": ("result", EntryResult),
    "sessionpacks_adjusted": ("result", EntryResult),
    "sessionpacks_voided": ("result", EntryResult),
    "sessionpacks_exhausted": ("event", ExhaustedEvent),
    "sessionpacks_sold": ("result", SaleResult),
    "sessionpacks_refunded": ("result", PassRefundResult),
    "sessionpacks_suspended": ("result", LifecycleResult),
    "sessionpacks_unsuspended": ("result", LifecycleResult),
    "sessionpacks_extended": ("result", LifecycleResult),
    "sessionpacks_expired": ("result", LifecycleResult),
}

# A delivery that has not finished after this long is taken to have died with its process.
CLAIM_LEASE = dt.timedelta(minutes=5)

_table = table(SideEffect)


@attrs.frozen
class RetryReport:
    delivered: int
    failed: int


class Outbox:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        hooks: pluggy.PluginManager,
        clock: Clock,
        max_attempts: int,
    ) -> None:
        self._session_factory = session_factory
        self._hooks = hooks
        self._clock = clock
        self._max_attempts = max_attempts

    def enqueue(self, conn: Connection, hook: str, value: object) -> int | None:
        """Write a side effect in the caller's transaction; None when nobody listens to it."""
        if hook not in DEFERRED_HOOKS:
            raise ValueError(f"{hook} is not a hook that goes through the outbox")
        if not getattr(self._hooks.hook, hook).get_hookimpls():
            return None
        inserted = conn.execute(
            insert(_table).values(
                hook=hook,
                payload=codec.dumps(value),
                state=SideEffectState.PENDING.value,
                attempts=0,
                created_at=self._clock.now(),
            )
        )
        return inserted_id(inserted)

    def deliver(self, ids: Iterable[int]) -> RetryReport:
        delivered = failed = 0
        for side_effect_id in ids:
            if self._deliver_one(side_effect_id):
                delivered += 1
            else:
                failed += 1
        return RetryReport(delivered=delivered, failed=failed)

    def retry(self) -> RetryReport:
        """Deliver every side effect that is still pending or failed, oldest first."""
        now = self._clock.now()
        with self._session_factory() as session:
            ids = session.scalars(
                select(_table.c.id)
                .where(
                    _table.c.state != SideEffectState.DONE.value,
                    _table.c.attempts < self._max_attempts,
                    or_(_table.c.claimed_at.is_(None), _table.c.claimed_at < now - CLAIM_LEASE),
                )
                .order_by(_table.c.id)
            ).all()
        return self.deliver(ids)

    def _claim(self, side_effect_id: int) -> tuple[str, str] | None:
        now = self._clock.now()
        with self._session_factory.begin() as session:
            claimed = session.execute(
                update(_table)
                .where(
                    _table.c.id == side_effect_id,
                    _table.c.state != SideEffectState.DONE.value,
                    or_(_table.c.claimed_at.is_(None), _table.c.claimed_at < now - CLAIM_LEASE),
                )
                .values(claimed_at=now, attempts=_table.c.attempts + 1)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                return None
            row = session.execute(
                select(_table.c.hook, _table.c.payload).where(_table.c.id == side_effect_id)
            ).one()
        return row.hook, row.payload

    def _deliver_one(self, side_effect_id: int) -> bool:
        claimed = self._claim(side_effect_id)
        if claimed is None:
            return True  # delivered already, or being delivered by another process
        hook, payload = claimed
        keyword, value_type = DEFERRED_HOOKS[hook]
        try:
            getattr(self._hooks.hook, hook)(**{keyword: codec.loads(value_type, payload)})
        except Exception as error:
            log.exception("side effect %s (%s) failed; it will be retried", side_effect_id, hook)
            self._finish(side_effect_id, SideEffectState.FAILED, f"{type(error).__name__}: {error}")
            return False
        self._finish(side_effect_id, SideEffectState.DONE, None)
        return True

    def _finish(self, side_effect_id: int, state: SideEffectState, error: str | None) -> None:
        with self._session_factory.begin() as session:
            session.execute(
                update(_table)
                .where(_table.c.id == side_effect_id)
                .values(
                    state=state.value,
                    last_error=error,
                    claimed_at=None,
                    done_at=self._clock.now() if state is SideEffectState.DONE else None,
                )
            )
