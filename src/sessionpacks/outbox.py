"""Side effects that go out only after the transaction that caused them committed.

An email, a task or an event is first written to ``sessionpacks_side_effects`` in the same
transaction as the ledger entries. After commit it is delivered through its hook; a hook that
raises leaves it failed, to be tried again by :meth:`Outbox.retry`, and never undoes the write.

An event (a hook every plugin is told of) is delivered listener by listener: the row records who
has heard of it, so a retry after one listener failed tells only those that have not.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
import logging
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol, cast

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
from sessionpacks.models import SideEffect, StaffTask, table
from sessionpacks.values import (
    AutoRenewResult,
    BulkGrantReport,
    EntryResult,
    ExhaustedEvent,
    GrantResult,
    LifecycleResult,
    PassRefundResult,
    PlanPeriodResult,
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
    "sessionpacks_bulk_granted": ("report", BulkGrantReport),
    "sessionpacks_bulk_grant_undone": ("report", BulkGrantReport),
    "sessionpacks_sold": ("result", SaleResult),
    "sessionpacks_refunded": ("result", PassRefundResult),
    "sessionpacks_suspended": ("result", LifecycleResult),
    "sessionpacks_unsuspended": ("result", LifecycleResult),
    "sessionpacks_extended": ("result", LifecycleResult),
    "sessionpacks_expired": ("result", LifecycleResult),
    "sessionpacks_renewed": ("result", PlanPeriodResult),
    "sessionpacks_auto_renewed": ("result", AutoRenewResult),
}

TASK_HOOK = "sessionpacks_create_task"

# A delivery that has not finished after this long is taken to have died with its process.
CLAIM_LEASE = dt.timedelta(minutes=5)
# How many side effects a retry claims, delivers and records at a time.
RETRY_CHUNK = 500

_table = table(SideEffect)
_tasks = table(StaffTask)
_INSERT = insert(_table)
# The ids in the order of the rows, so that each claim gets its own row's id.
_INSERT_RETURNING = insert(_table).returning(_table.c.id, sort_by_parameter_order=True)


@attrs.frozen
class Claimed:
    """A side effect this process has taken to deliver, and the listeners told of it already."""

    id: int
    hook: str
    value: object
    delivered_to: frozenset[str] = frozenset()


@attrs.frozen
class RetryReport:
    delivered: int
    failed: int


class TaskStore(Protocol):
    """The default plugin's keeping of staff tasks, as the outbox uses it."""

    def collecting_tasks(self) -> AbstractContextManager[list[dict[str, object]]]: ...

    def keep_tasks(self, conn: Connection, tasks: Sequence[TaskRequest]) -> None: ...


class Outbox:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        hooks: pluggy.PluginManager,
        clock: Clock,
        max_attempts: int,
        task_store: TaskStore,
    ) -> None:
        self._session_factory = session_factory
        self._hooks = hooks
        self._clock = clock
        self._max_attempts = max_attempts
        self._task_store = task_store

    def enqueue(self, conn: Connection, hook: str, value: object) -> Claimed | None:
        """Write a side effect in the caller's transaction; None when nobody listens to it, or
        when it is a task that only the default task store hears of (see :meth:`enqueue_many`).

        It is written already claimed by this process, which delivers it right after commit;
        should the process die first, the claim lapses and :meth:`retry` delivers it.
        """
        if hook not in DEFERRED_HOOKS:
            raise ValueError(f"{hook} is not a hook that goes through the outbox")
        if not self.listened(hook):
            return None
        if hook == TASK_HOOK and self.keeps_tasks_alone():
            self._task_store.keep_tasks(conn, [cast(TaskRequest, value)])
            return None
        inserted = conn.execute(_INSERT, _claimed_row(hook, value, self._clock.now()))
        return Claimed(id=inserted_id(inserted), hook=hook, value=value)

    def enqueue_many(self, conn: Connection, hook: str, values: Sequence[object]) -> list[Claimed]:
        """:meth:`enqueue` for many values of one hook, in one statement.

        Staff tasks that only the default task store listens to are not side effects at all: the
        store's rows are written here, in the caller's transaction, so they are kept exactly
        when the write commits, with nothing to deliver afterwards.
        """
        if hook not in DEFERRED_HOOKS:
            raise ValueError(f"{hook} is not a hook that goes through the outbox")
        if not values or not self.listened(hook):
            return []
        if hook == TASK_HOOK and self.keeps_tasks_alone():
            self._task_store.keep_tasks(conn, cast(Sequence[TaskRequest], values))
            return []
        now = self._clock.now()
        rows = [_claimed_row(hook, value, now) for value in values]
        if conn.dialect.insert_executemany_returning_sort_by_parameter_order:
            ids = conn.execute(_INSERT_RETURNING, rows).scalars().all()
        else:  # MySQL has no RETURNING: one insert each, for its id
            ids = [inserted_id(conn.execute(_INSERT, row)) for row in rows]
        return [Claimed(id=i, hook=hook, value=v) for i, v in zip(ids, values, strict=True)]

    def keeps_tasks_alone(self) -> bool:
        """Whether the default task store is the only plugin that hears of staff tasks: then a
        task is a row of its table, written in the transaction that makes it, not a side
        effect to deliver."""
        impls = getattr(self._hooks.hook, TASK_HOOK).get_hookimpls()
        return all(impl.plugin is self._task_store for impl in impls)

    def listened(self, hook: str) -> bool:
        """Whether a plugin implements ``hook``: only then does enqueueing it write a row."""
        return bool(getattr(self._hooks.hook, hook).get_hookimpls())

    def deliver(
        self, claimed: Iterable[Claimed], failures: Iterable[tuple[int, str]] = ()
    ) -> RetryReport:
        """Call the hook of each claimed side effect, then record in one go what went out and
        what failed (with ``failures`` found before delivery)."""
        done: list[int] = []
        failed: list[tuple[int, str, frozenset[str] | None]] = [
            (side_effect_id, problem, None) for side_effect_id, problem in failures
        ]
        with self._task_store.collecting_tasks() as tasks:
            for item in claimed:
                told, problem = self._call(item)
                if problem is None:
                    done.append(item.id)
                else:
                    failed.append((item.id, problem, told))
        now = self._clock.now()
        with self._session_factory.begin() as session:
            if tasks:
                session.execute(insert(_tasks), tasks)
            if done:
                session.execute(
                    update(_table)
                    .where(_table.c.id.in_(done))
                    .values(state=SideEffectState.DONE.value, claimed_at=None, done_at=now)
                )
            for side_effect_id, problem, listeners in failed:
                values: dict[str, Any] = {
                    "state": SideEffectState.FAILED.value,
                    "claimed_at": None,
                    "last_error": problem,
                }
                if listeners:
                    values["delivered_to"] = json.dumps(sorted(listeners))
                session.execute(update(_table).where(_table.c.id == side_effect_id).values(values))
        return RetryReport(delivered=len(done), failed=len(failed))

    def deliver_committed(self, claimed: Iterable[Claimed]) -> RetryReport:
        """Deliver those of ``claimed`` whose rows exist: written in a transaction that someone
        else committed or rolled back (a host's, see :mod:`sessionpacks.joining`), a side effect
        rolled back with it is never sent."""
        waiting = list(claimed)
        if not waiting:
            return RetryReport(delivered=0, failed=0)
        ids = [item.id for item in waiting]
        with self._session_factory() as session:
            kept = set(session.scalars(select(_table.c.id).where(_table.c.id.in_(ids))))
        return self.deliver([item for item in waiting if item.id in kept])

    def _call(self, item: Claimed) -> tuple[frozenset[str], str | None]:
        """Deliver one side effect: the listeners told of it by now, and the failure if any.

        An event goes to each listener not yet told, one at a time, so that one failing
        listener neither stops the others nor makes a retry tell them twice. A hook whose first
        answer wins (an email, a task) is one call, as pluggy makes it.
        """
        keyword, _ = DEFERRED_HOOKS[item.hook]
        caller = getattr(self._hooks.hook, item.hook)
        impls = caller.get_hookimpls()
        firstresult = bool(caller.spec and caller.spec.opts.get("firstresult"))
        if firstresult or any(impl.hookwrapper or impl.wrapper for impl in impls):
            try:
                caller(**{keyword: item.value})
            except Exception as error:
                log.exception("side effect %s (%s) failed; it will be retried", item.id, item.hook)
                return item.delivered_to, f"{type(error).__name__}: {error}"
            return item.delivered_to, None
        told = set(item.delivered_to)
        problems: list[str] = []
        for impl in reversed(impls):  # pluggy's own calling order
            name = listener_name(impl)
            if name in told:
                continue
            try:
                impl.function(**{keyword: item.value})
            except Exception as error:
                log.exception(
                    "side effect %s (%s) failed for %s; it will be retried",
                    item.id,
                    item.hook,
                    name,
                )
                problems.append(f"{name}: {type(error).__name__}: {error}")
            else:
                told.add(name)
        return frozenset(told), "; ".join(problems) or None

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
        report = RetryReport(delivered=0, failed=0)
        # In chunks: one transaction claims a chunk, one records how its delivery went, so a
        # run after a crash takes time in proportion to what is left, not a commit per item.
        for start in range(0, len(ids), RETRY_CHUNK):
            claimed: list[Claimed] = []
            undecodable: list[tuple[int, str]] = []
            for side_effect_id, hook, payload, delivered_to in self._claim(
                ids[start : start + RETRY_CHUNK]
            ):
                try:
                    value = codec.loads(DEFERRED_HOOKS[hook][1], payload)
                except Exception as error:
                    undecodable.append((side_effect_id, f"cannot read its payload: {error!r}"))
                else:
                    told = frozenset(json.loads(delivered_to)) if delivered_to else frozenset()
                    claimed.append(Claimed(side_effect_id, hook, value, told))
            done = self.deliver(claimed, undecodable)
            report = RetryReport(report.delivered + done.delivered, report.failed + done.failed)
        return report

    def _claim(self, ids: Sequence[int]) -> list[tuple[int, str, str, str | None]]:
        """Take the side effects of ``ids`` that nobody has taken or delivered meanwhile, for this
        process: rows another process holds locked are skipped, not waited for."""
        now = self._clock.now()
        with self._session_factory.begin() as session:
            rows = session.execute(
                select(_table.c.id, _table.c.hook, _table.c.payload, _table.c.delivered_to)
                .where(
                    _table.c.id.in_(ids),
                    _table.c.state != SideEffectState.DONE.value,
                    or_(_table.c.claimed_at.is_(None), _table.c.claimed_at < now - CLAIM_LEASE),
                )
                .order_by(_table.c.id)
                .with_for_update(skip_locked=True)
            ).all()
            if rows:
                session.execute(
                    update(_table)
                    .where(_table.c.id.in_([row.id for row in rows]))
                    .values(claimed_at=now, attempts=_table.c.attempts + 1)
                )
        return [(row.id, row.hook, row.payload, row.delivered_to) for row in rows]


def listener_name(impl: Any) -> str:
    """A name for a plugin that is the same in every process: the name it was registered under,
    else (pluggy made one up from its id) its class's or module's dotted name."""
    plugin = impl.plugin
    if impl.plugin_name != str(id(plugin)):
        return str(impl.plugin_name)
    if inspect.ismodule(plugin):
        return plugin.__name__
    return f"{type(plugin).__module__}.{type(plugin).__qualname__}"


def _claimed_row(hook: str, value: object, now: dt.datetime) -> dict[str, object]:
    """A side effect's row, written already claimed by the process that writes it."""
    return {
        "hook": hook,
        "payload": codec.dumps(value),
        "state": SideEffectState.PENDING.value,
        "attempts": 1,
        "claimed_at": now,
        "created_at": now,
    }
