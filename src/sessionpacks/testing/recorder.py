"""A plugin that records every hook call, for tests of host apps and of sessionpacks itself."""

from __future__ import annotations

import itertools

import attrs

from sessionpacks.errors import PaymentError
from sessionpacks.hookspecs import hookimpl
from sessionpacks.messages import (
    ChargeRequest,
    ChargeResult,
    EmailMessage,
    RefundRequest,
    RefundResult,
    TaskRequest,
)
from sessionpacks.values import (
    BulkGrantReport,
    EntryResult,
    ExhaustedEvent,
    GrantResult,
    RedeemResult,
)


class FailingSend(RuntimeError):
    """What the recorder raises when told to fail emails or tasks."""


@attrs.define
class Recorder:
    """Records charges, refunds, emails, tasks and events, in the order they happened.

    :param decline_charges: raise :class:`~sessionpacks.errors.PaymentError` on every charge.
    :param fail_emails: raise :class:`FailingSend` on every email, until set back to False.
    :param fail_tasks: the same for staff tasks.
    """

    decline_charges: bool = False
    fail_emails: bool = False
    fail_tasks: bool = False
    charges: list[ChargeRequest] = attrs.field(factory=list)
    refunds: list[RefundRequest] = attrs.field(factory=list)
    emails: list[EmailMessage] = attrs.field(factory=list)
    tasks: list[TaskRequest] = attrs.field(factory=list)
    events: list[tuple[str, object]] = attrs.field(factory=list)
    _references: itertools.count[int] = attrs.field(factory=lambda: itertools.count(1))

    def events_named(self, name: str) -> list[object]:
        return [value for event, value in self.events if event == name]

    @hookimpl
    def sessionpacks_charge(self, request: ChargeRequest) -> ChargeResult:
        if self.decline_charges:
            raise PaymentError(f"card declined for {request.amount_minor} {request.currency}")
        self.charges.append(request)
        return ChargeResult(reference=f"charge-{next(self._references)}")

    @hookimpl
    def sessionpacks_refund(self, request: RefundRequest) -> RefundResult:
        self.refunds.append(request)
        return RefundResult(reference=f"refund-{next(self._references)}")

    @hookimpl
    def sessionpacks_send_email(self, message: EmailMessage) -> bool:
        if self.fail_emails:
            raise FailingSend(f"mail server refused the email to {message.to}")
        self.emails.append(message)
        return True

    @hookimpl
    def sessionpacks_create_task(self, task: TaskRequest) -> bool:
        if self.fail_tasks:
            raise FailingSend(f"task tracker refused {task.title!r}")
        self.tasks.append(task)
        return True

    @hookimpl
    def sessionpacks_granted(self, result: GrantResult) -> None:
        self.events.append(("granted", result))

    @hookimpl
    def sessionpacks_redeemed(self, result: RedeemResult) -> None:
        self.events.append(("redeemed", result))

    @hookimpl
    def sessionpacks_reversed(self, result: EntryResult) -> None:
        self.events.append(("reversed", result))

    @hookimpl
    def sessionpacks_adjusted(self, result: EntryResult) -> None:
        self.events.append(("adjusted", result))

    @hookimpl
    def sessionpacks_voided(self, result: EntryResult) -> None:
        self.events.append(("voided", result))

    @hookimpl
    def sessionpacks_exhausted(self, event: ExhaustedEvent) -> None:
        self.events.append(("exhausted", event))

    # -- bulk grants

    @hookimpl
    def sessionpacks_bulk_granted(self, report: BulkGrantReport) -> None:
        self.events.append(("bulk_granted", report))

    @hookimpl
    def sessionpacks_bulk_grant_undone(self, report: BulkGrantReport) -> None:
        self.events.append(("bulk_grant_undone", report))
