"""The plugins sessionpacks registers last, so that any plugin of the host's goes first."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
from collections.abc import Generator, Iterator, Sequence

from sqlalchemy import insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

from sessionpacks.clock import Clock
from sessionpacks.errors import NoPaymentProvider
from sessionpacks.hookspecs import hookimpl
from sessionpacks.messages import (
    ChargeRequest,
    ChargeResult,
    EmailMessage,
    RefundRequest,
    RefundResult,
    TaskRequest,
)
from sessionpacks.models import Email, StaffTask
from sessionpacks.selection import Candidate, SelectionRequest, default_order
from sessionpacks.settings import Settings
from sessionpacks.values import Actor, Target

log = logging.getLogger("sessionpacks")


class DefaultPlugins:
    """Deny unless a policy allows, refuse payments, keep emails and tasks in tables (tasks
    always, whatever other task plugin the host has)."""

    def __init__(self, session_factory: sessionmaker[Session], settings: Settings, clock: Clock):
        self._session_factory = session_factory
        self._settings = settings
        self._clock = clock
        # The tasks taken during one delivery of side effects, per thread (collecting_tasks).
        self._collected = threading.local()

    @contextlib.contextmanager
    def collecting_tasks(self) -> Iterator[list[dict[str, object]]]:
        """While open, tasks are gathered instead of written one transaction each; the outbox
        writes them in the transaction that records their delivery, so a task is kept exactly
        when its side effect is marked delivered."""
        rows: list[dict[str, object]] = []
        self._collected.rows = rows
        try:
            yield rows
        finally:
            self._collected.rows = None

    def keep_tasks(self, conn: Connection, tasks: Sequence[TaskRequest]) -> None:
        """Keep ``tasks`` in the caller's transaction, in one statement: what the outbox does
        when no other plugin hears of tasks, so that they are kept exactly when it commits."""
        now = self._clock.now()
        conn.execute(insert(StaffTask), [_task_row(task, now) for task in tasks])

    @hookimpl(trylast=True)
    def sessionpacks_authorize(self, actor: Actor, action: str, target: Target) -> bool:
        policy = self._settings.policy
        return policy is not None and policy(actor, action, target)

    @hookimpl(trylast=True)
    def sessionpacks_charge(self, request: ChargeRequest) -> ChargeResult:
        raise NoPaymentProvider(
            "no payment provider configured: register a plugin that implements sessionpacks_charge"
        )

    @hookimpl(trylast=True)
    def sessionpacks_refund(self, request: RefundRequest) -> RefundResult:
        raise NoPaymentProvider(
            "no payment provider configured: register a plugin that implements sessionpacks_refund"
        )

    @hookimpl(trylast=True)
    def sessionpacks_send_email(self, message: EmailMessage) -> bool:
        log.info("email to %s: %s", message.to, message.subject)
        with self._session_factory.begin() as session:
            session.execute(
                insert(Email).values(
                    to_address=message.to,
                    subject=message.subject,
                    body=message.body,
                    created_at=self._clock.now(),
                )
            )
        return True

    @hookimpl(wrapper=True)
    def sessionpacks_create_task(self, task: TaskRequest) -> Generator[None, bool | None, bool]:
        # A wrapper, so that a host's own task plugin (the first answer) cannot keep the task
        # from the office's list: the host is told, and once it took the task without raising
        # the task is kept here too (a raise leaves it to the outbox's retry, kept once then).
        answer = yield
        row = _task_row(task, self._clock.now())
        collected = getattr(self._collected, "rows", None)
        if collected is not None:
            collected.append(row)
        else:
            with self._session_factory.begin() as session:
                session.execute(insert(StaffTask).values(row))
        return True if answer is None else answer

    @hookimpl(trylast=True)
    def sessionpacks_select_passes(
        self, request: SelectionRequest, candidates: Sequence[Candidate]
    ) -> Sequence[Candidate]:
        return default_order(request, candidates)


def _task_row(task: TaskRequest, now: dt.datetime) -> dict[str, object]:
    return {
        "title": task.title,
        "body": task.body,
        "account_id": task.account_id,
        "pass_id": task.pass_id,
        "state": "open",
        "created_at": now,
    }
