"""A plugin that records every hook call, for tests of host apps and of sessionpacks itself."""

from __future__ import annotations

import itertools
import threading

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


class FailingSend(RuntimeError):
    """What the recorder raises when told to fail emails or tasks."""


@attrs.define
class Recorder:
    """Records charges, refunds, emails, tasks and events, in the order they happened.

    :param decline_charges: raise :class:`~sessionpacks.errors.PaymentError` on every charge.
    :param fail_emails: raise :class:`FailingSend` on every email, until set back to False.
    :param fail_tasks: the same for staff tasks.
    :param fail_refunds: raise :class:`FailingSend` on every refund (no answer, as a time-out),
        until set back to False.
    :param decline_refunds: refuse every refund with :class:`~sessionpacks.errors.PaymentError`.

    Like a real provider, it honours idempotency keys: a charge or refund whose key it has seen
    returns the first answer and is not recorded again.
    """

    decline_charges: bool = False
    fail_emails: bool = False
    fail_tasks: bool = False
    fail_refunds: bool = False
    decline_refunds: bool = False
    charges: list[ChargeRequest] = attrs.field(factory=list)
    refunds: list[RefundRequest] = attrs.field(factory=list)
    emails: list[EmailMessage] = attrs.field(factory=list)
    tasks: list[TaskRequest] = attrs.field(factory=list)
    events: list[tuple[str, object]] = attrs.field(factory=list)
    _references: itertools.count[int] = attrs.field(factory=lambda: itertools.count(1))
    _answers: dict[str, str] = attrs.field(factory=dict)
    # Tests send the same request from several threads at once, as a double tap would.
    _lock: threading.Lock = attrs.field(factory=threading.Lock)

    def events_named(self, name: str) -> list[object]:
        return [value for event, value in self.events if event == name]

    @hookimpl
    def sessionpacks_charge(self, request: ChargeRequest) -> ChargeResult:
        with self._lock:
            if request.idempotency_key in self._answers:
                return ChargeResult(reference=self._answers[request.idempotency_key])
            if self.decline_charges:
                raise PaymentError(f"card declined for {request.amount_minor} {request.currency}")
            self.charges.append(request)
            reference = f"charge-{next(self._references)}"
            self._answers[request.idempotency_key] = reference
            return ChargeResult(reference=reference)

    @hookimpl
    def sessionpacks_refund(self, request: RefundRequest) -> RefundResult:
        with self._lock:
            if request.idempotency_key in self._answers:
                return RefundResult(reference=self._answers[request.idempotency_key])
            if self.fail_refunds:
                raise FailingSend(f"no answer to the refund of {request.charge_reference}")
            if self.decline_refunds:
                raise PaymentError(f"the provider refused to refund {request.charge_reference}")
            self.refunds.append(request)
            reference = f"refund-{next(self._references)}"
            self._answers[request.idempotency_key] = reference
            return RefundResult(reference=reference)

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

    @hookimpl
    def sessionpacks_sold(self, result: SaleResult) -> None:
        self.events.append(("sold", result))

    @hookimpl
    def sessionpacks_refunded(self, result: PassRefundResult) -> None:
        self.events.append(("refunded", result))

    @hookimpl
    def sessionpacks_renewed(self, result: PlanPeriodResult) -> None:
        self.events.append(("renewed", result))

    @hookimpl
    def sessionpacks_auto_renewed(self, result: AutoRenewResult) -> None:
        self.events.append(("auto_renewed", result))

    @hookimpl
    def sessionpacks_suspended(self, result: LifecycleResult) -> None:
        self.events.append(("suspended", result))

    @hookimpl
    def sessionpacks_unsuspended(self, result: LifecycleResult) -> None:
        self.events.append(("unsuspended", result))

    @hookimpl
    def sessionpacks_extended(self, result: LifecycleResult) -> None:
        self.events.append(("extended", result))

    @hookimpl
    def sessionpacks_expired(self, result: LifecycleResult) -> None:
        self.events.append(("expired", result))

    # -- bulk grants

    @hookimpl
    def sessionpacks_bulk_granted(self, report: BulkGrantReport) -> None:
        self.events.append(("bulk_granted", report))

    @hookimpl
    def sessionpacks_bulk_grant_undone(self, report: BulkGrantReport) -> None:
        self.events.append(("bulk_grant_undone", report))
