"""The values handed to the payment, email and task hooks."""

from __future__ import annotations

import attrs


@attrs.frozen
class ChargeRequest:
    account_id: int
    amount_minor: int
    currency: str
    description: str
    idempotency_key: str


@attrs.frozen
class ChargeResult:
    reference: str


@attrs.frozen
class RefundRequest:
    account_id: int
    charge_reference: str
    amount_minor: int
    currency: str
    idempotency_key: str


@attrs.frozen
class RefundResult:
    reference: str


@attrs.frozen
class EmailMessage:
    to: str
    subject: str
    body: str


@attrs.frozen
class TaskRequest:
    title: str
    body: str
    account_id: int | None = None
    pass_id: int | None = None
