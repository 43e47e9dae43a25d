"""Selling a template through the payment hook, and refunding the unused part of a sold pass.

A payment provider is slow and outside the database, so a sale cannot be one transaction. Its
payment row (``sessionpacks_payments``) is committed before each step that touches money, so a
crash at any point leaves a state a retry with the same idempotency key can finish:

1. ``pending`` is written, then the charge is asked for with the sale's idempotency key. A decline
   deletes the row: nothing was sold. No answer (a timeout) leaves it ``pending``; the retry asks
   again with the same key, and the provider, seeing the key again, does not charge twice.
2. ``charged`` is written with the provider's reference.
3. The pass is made and the row set to ``passed`` in one ledger transaction.
4. If that transaction fails, the charge is refunded (the row becomes ``refunded``); if the refund
   fails too, the row becomes ``needs_attention``: a retried sale makes the pass without charging
   again, and :meth:`~sessionpacks.Studio.retry_payments` refunds it instead.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
from collections.abc import Callable
from typing import Any

import attrs
import pluggy
import sqlalchemy as sa
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from sessionpacks import claims, directory, granting, templates
from sessionpacks.clock import Clock
from sessionpacks.enums import Channel, PaymentState, Source
from sessionpacks.errors import (
    IdempotencyConflict,
    InvalidInput,
    InvalidState,
    PaymentError,
    PaymentUnknown,
    SaleFailed,
    SessionPacksError,
)
from sessionpacks.messages import ChargeRequest, RefundRequest
from sessionpacks.models import Member, Operation, Pass, Payment, table
from sessionpacks.transactions import WriteContext, Writer
from sessionpacks.values import Actor, PassTerms, SaleResult, Target

log = logging.getLogger("sessionpacks")

payments = table(Payment)
_members = table(Member)
_passes = table(Pass)
_operations = table(Operation)
_PAID = (PaymentState.CHARGED, PaymentState.NEEDS_ATTENTION)
# How long, in seconds, a try waits for another one's answer before saying it has none yet.
CLAIM_WAIT = 30.0
# The states each step may move a payment from; a row in another state was moved on by another
# try of the same sale, which then owns it.
_FOLLOWS = {
    PaymentState.PENDING: (PaymentState.PENDING,),
    PaymentState.CHARGED: (PaymentState.PENDING,),
    PaymentState.PASSED: _PAID,
    PaymentState.REFUNDING: (*_PAID, PaymentState.REFUNDING),
    PaymentState.REFUNDED: (PaymentState.REFUNDING,),
    PaymentState.NEEDS_ATTENTION: (PaymentState.REFUNDING,),
}

Allow = Callable[[Actor, str, Target], None]
Authorize = Callable[[WriteContext, str, Target], None]


@attrs.frozen
class PaymentInfo:
    id: int
    idempotency_key: str
    template_id: int
    account_id: int
    member_id: int | None
    amount_minor: int
    currency: str | None
    state: PaymentState
    charge_reference: str | None
    refund_reference: str | None
    pass_id: int | None
    last_error: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    starts_at: dt.datetime | None = None

    @classmethod
    def from_row(cls, row: Any) -> PaymentInfo:
        return cls(
            id=row.id,
            idempotency_key=row.idempotency_key,
            template_id=row.template_id,
            account_id=row.account_id,
            member_id=row.member_id,
            amount_minor=row.amount_minor,
            currency=row.currency,
            state=PaymentState(row.state),
            charge_reference=row.charge_reference,
            refund_reference=row.refund_reference,
            pass_id=row.pass_id,
            last_error=row.last_error,
            created_at=row.created_at,
            updated_at=row.updated_at,
            starts_at=row.starts_at,
        )


class Sales:
    """Runs sales and their recovery for one studio."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        hooks: pluggy.PluginManager,
        clock: Clock,
        writer: Writer,
        allow: Allow,
    ) -> None:
        self._session_factory = session_factory
        self._hooks = hooks
        self._clock = clock
        self._writer = writer
        self._allow = allow

    def sell(
        self,
        template_id: int,
        account_id: int,
        member_id: int | None,
        starts_at: dt.datetime | None,
        *,
        key: str,
        actor: Actor,
        channel: Channel,
        period: tuple[dt.datetime, dt.datetime] | None = None,
    ) -> SaleResult:
        """``period`` (internal, for a plan) is the pass's start and end instead of the
        template's; it is not part of the call's fingerprint, as the plan derives it from the
        key."""
        arguments: dict[str, object] = {
            "template_id": template_id,
            "account_id": account_id,
            "member_id": member_id,
            "starts_at": starts_at,
        }
        earlier = self._load(payments.c.idempotency_key == key)
        if earlier is not None and earlier.state is PaymentState.PASSED:
            # A replay returns the first result, even once the template is archived.
            return self._replay(arguments, key, actor, channel)
        # Money already taken, or perhaps taken (a charge that got no answer), is honoured even
        # if the template was archived since.
        paid = earlier is not None and earlier.state in (*_PAID, PaymentState.PENDING)
        template, terms = self._check(template_id, account_id, member_id, starts_at, paid=paid)
        if period is not None:
            terms = attrs.evolve(terms, starts_at=period[0], expires_at=period[1])
        self._allow(actor, "sell", Target("account", account_id, account_id))
        payment = self._payment_for(key, template, account_id, member_id, starts_at)
        if payment.state is PaymentState.PASSED:  # a concurrent try finished first
            return self._replay(arguments, key, actor, channel)
        if payment.state is PaymentState.PENDING:
            payment = self._charge(payment, template)
        if payment.state is PaymentState.PASSED:
            return self._replay(arguments, key, actor, channel)
        if payment.state in (PaymentState.REFUNDING, PaymentState.REFUNDED):
            raise SaleFailed(
                f"the sale under idempotency key {key!r} failed and its charge was"
                f" {payment.state.value} (payment {payment.id}); use a new key to sell again",
                payment.id,
                refunded=True,
            )
        try:
            return self._write(arguments, key, actor, channel, template, terms, payment)
        except Exception as error:
            self._recover(payment, error)
            # Another try of this sale made the pass while this one failed: answer as it did.
            return self._replay(arguments, key, actor, channel)

    def _check(
        self,
        template_id: int,
        account_id: int,
        member_id: int | None,
        starts_at: dt.datetime | None,
        *,
        paid: bool,
    ) -> tuple[templates.TemplateInfo, PassTerms]:
        """Everything that can be refused is refused before any money moves. When the money
        moved on an earlier try, the template's being archived since does not stop the pass."""
        now = self._clock.now()
        with self._session_factory() as session:
            conn = session.connection()
            template = templates.get(conn, template_id)
            directory.get_account(conn, account_id)
            if member_id is not None:
                member = directory.get_member(conn, member_id)
                if member.account_id != account_id:
                    raise InvalidInput(
                        f"member {member_id} does not belong to account {account_id}"
                    )
        templates.check_usable(
            attrs.evolve(template, archived_at=None) if paid else template, member_id, "sold"
        )
        if starts_at is not None and starts_at <= now and not paid:
            raise InvalidInput(f"starts_at ({starts_at}) must be in the future")
        terms = granting.check_terms(
            templates.pass_terms(template, now, source=Source.SALE, starts_at=starts_at)
        )
        if terms.expires_at is not None and terms.expires_at <= now:
            raise InvalidInput(
                f"a pass of template {template_id} would expire at {terms.expires_at},"
                " which is already past"
            )
        return template, terms

    def _payment_for(
        self,
        key: str,
        template: templates.TemplateInfo,
        account_id: int,
        member_id: int | None,
        starts_at: dt.datetime | None,
    ) -> PaymentInfo:
        """The payment row of this sale: the one a previous try left, or a new ``pending`` one."""
        found = self._load(payments.c.idempotency_key == key)
        if found is None:
            with self._session_factory() as session:
                used_for = session.execute(
                    select(_operations.c.action).where(_operations.c.idempotency_key == key)
                ).scalar_one_or_none()
            # "sell": another try of this sale finished meanwhile; its payment row is found below.
            if used_for is not None and used_for != "sell":
                raise IdempotencyConflict(
                    f"idempotency key {key!r} was already used for a different {used_for} call;"
                    " use a new key for a new request"
                )
            now = self._clock.now()
            try:
                with self._session_factory.begin() as session:
                    session.execute(
                        insert(payments).values(
                            idempotency_key=key,
                            template_id=template.id,
                            account_id=account_id,
                            member_id=member_id,
                            amount_minor=template.price_minor,
                            currency=template.currency,
                            state=PaymentState.PENDING.value,
                            starts_at=starts_at,
                            created_at=now,
                            updated_at=now,
                        )
                    )
            except sa.exc.IntegrityError:
                pass  # a concurrent try with the same key wrote it first
            found = self._load(payments.c.idempotency_key == key)
            assert found is not None
        if (found.template_id, found.account_id, found.member_id) != (
            template.id,
            account_id,
            member_id,
        ):
            raise IdempotencyConflict(
                f"idempotency key {key!r} was already used for a sale of template"
                f" {found.template_id} to account {found.account_id}; use a new key"
            )
        return found

    def _charge(self, payment: PaymentInfo, template: templates.TemplateInfo) -> PaymentInfo:
        if payment.amount_minor == 0:  # a free template: nothing to charge
            return self._set(payment, PaymentState.CHARGED)
        assert payment.currency is not None  # a template with a price has a currency
        # One try at a time asks the provider; the others wait for its answer (a double tap).
        waited_until = time.monotonic() + CLAIM_WAIT
        while not self._claim(payment):
            found = self._load(payments.c.id == payment.id)
            if found is None or found.state is not PaymentState.PENDING:
                # Answered meanwhile; a declined charge took its row with it.
                if found is None:
                    raise PaymentError("the payment provider declined the charge")
                return found
            if time.monotonic() > waited_until:
                raise PaymentUnknown(
                    "another try of this sale is asking the payment provider right now; retry"
                    f" in a moment with the same idempotency key {payment.idempotency_key!r}"
                )
            time.sleep(0.02)
        request = ChargeRequest(
            account_id=payment.account_id,
            amount_minor=payment.amount_minor,
            currency=payment.currency,
            description=template.name,
            idempotency_key=payment.idempotency_key,
        )
        try:
            answer = self._hooks.hook.sessionpacks_charge(request=request)
        except PaymentError:
            # Declined: nothing was charged and nothing is sold; the row goes too.
            self._delete(payment, PaymentState.PENDING)
            raise
        except Exception as error:
            self._set(payment, PaymentState.PENDING, last_error=describe(error), claimed_until=None)
            raise PaymentUnknown(
                f"the payment provider did not answer ({describe(error)}); nothing was sold."
                f" Retry with the same idempotency key {payment.idempotency_key!r}: the provider"
                " sees the same key and will not charge twice"
            ) from error
        return self._set(
            payment, PaymentState.CHARGED, charge_reference=answer.reference, claimed_until=None
        )

    def _claim(self, payment: PaymentInfo) -> bool:
        """Take the right to ask the provider for this sale's charge: however many processes
        retry one sale, one at a time asks."""
        waiting = (PaymentState.PENDING.value,)
        return claims.take(self._session_factory, payments, payment.id, waiting, self._clock.now())

    def _write(
        self,
        arguments: dict[str, object],
        key: str,
        actor: Actor,
        channel: Channel,
        template: templates.TemplateInfo,
        terms: PassTerms,
        payment: PaymentInfo,
    ) -> SaleResult:
        def work(ctx: WriteContext) -> SaleResult:
            granted = granting.grant(
                ctx,
                payment.account_id,
                payment.member_id,
                terms,
                f"sold: {template.name}",
                charge_reference=payment.charge_reference,
                refundable=template.refundable,
            )
            if template.auto_renew:
                ctx.conn.execute(
                    update(_passes).where(_passes.c.id == granted.pass_id).values(auto_renew=True)
                )
            moved = ctx.conn.execute(
                update(payments)
                .where(
                    payments.c.id == payment.id,
                    payments.c.state.in_([s.value for s in _FOLLOWS[PaymentState.PASSED]]),
                )
                .values(
                    state=PaymentState.PASSED.value, pass_id=granted.pass_id, updated_at=ctx.now
                )
            )
            if moved.rowcount != 1:
                # Another try of this sale is refunding the charge: make nothing.
                raise InvalidState(f"payment {payment.id} is being refunded; nothing was sold")
            result = SaleResult(
                pass_id=granted.pass_id,
                account_id=granted.account_id,
                member_id=granted.member_id,
                template_id=template.id,
                payment_id=payment.id,
                charge_reference=payment.charge_reference,
                amount_minor=payment.amount_minor,
                currency=payment.currency,
                metric=terms.metric,
                quantity=terms.quantity,
                starts_at=terms.starts_at,
                expires_at=terms.expires_at,
                operation_id=ctx.operation_id,
                created_at=ctx.now,
            )
            ctx.enqueue("sessionpacks_sold", result)
            return result

        return self._writer.write(
            "sell",
            arguments,
            idempotency_key=key,
            actor=actor,
            channel=channel,
            result_type=SaleResult,
            work=work,
        )

    def _replay(
        self, arguments: dict[str, object], key: str, actor: Actor, channel: Channel
    ) -> SaleResult:
        def work(ctx: WriteContext) -> SaleResult:
            # The pass and the ``passed`` state commit together, so the operation exists.
            raise InvalidState(f"sale {key!r} is recorded as passed but its operation is missing")

        return self._writer.write(
            "sell",
            arguments,
            idempotency_key=key,
            actor=actor,
            channel=channel,
            result_type=SaleResult,
            work=work,
        )

    def _recover(self, payment: PaymentInfo, error: Exception) -> None:
        """The pass could not be made after the money was taken: give it back, or keep the
        payment for a retry, and raise. Returns only when another try made the pass."""
        reason = describe(error)
        if payment.amount_minor == 0 or payment.charge_reference is None:
            self._delete(payment, PaymentState.CHARGED)
            raise error
        claimed = self._set(payment, PaymentState.REFUNDING, last_error=reason)
        if claimed.state is PaymentState.PASSED:
            return
        if claimed.state is not PaymentState.REFUNDING:
            raise error
        try:
            reference = self._refund_charge(payment)
        except Exception as refund_error:
            log.exception("refunding charge %s failed", payment.charge_reference)
            self._set_safely(
                payment,
                PaymentState.NEEDS_ATTENTION,
                last_error=f"{reason}; the refund failed: {describe(refund_error)}",
            )
            raise SaleFailed(
                f"the pass could not be made after charge {payment.charge_reference} ({reason}),"
                f" and refunding it failed ({describe(refund_error)}). Payment {payment.id} is"
                " kept as needing attention: retry the sale with the same idempotency key to make"
                " the pass without charging again, or run retry_payments to refund it",
                payment.id,
                refunded=False,
            ) from error
        self._set_safely(
            payment, PaymentState.REFUNDED, refund_reference=reference, last_error=reason
        )
        raise SaleFailed(
            f"the pass could not be made after charge {payment.charge_reference} ({reason});"
            f" the charge was refunded ({reference}) and nothing was sold",
            payment.id,
            refunded=True,
        ) from error

    def _refund_charge(self, payment: PaymentInfo) -> str:
        assert payment.charge_reference is not None
        assert payment.currency is not None
        answer = self._hooks.hook.sessionpacks_refund(
            request=RefundRequest(
                account_id=payment.account_id,
                charge_reference=payment.charge_reference,
                amount_minor=payment.amount_minor,
                currency=payment.currency,
                idempotency_key=f"{payment.idempotency_key}:refund",
            )
        )
        return str(answer.reference)

    def retry_payments(self) -> tuple[PaymentInfo, ...]:
        """Finish every sale a crash or a time-out left half done; returns them as they are
        after. A charge with no answer (``pending``, its claim lapsed) is asked for again under
        its key, which the provider does not charge twice, and a charge taken (``charged``)
        gets its pass, even if the template was archived since; when the pass cannot be made
        any more (its fixed end has passed), the charge is refunded. Payments left
        ``needs_attention`` (or ``refunding`` by a process that died) are refunded."""
        now = self._clock.now()
        with self._session_factory() as session:
            unfinished = session.scalars(
                select(payments.c.id).where(
                    sa.or_(
                        payments.c.state == PaymentState.CHARGED.value,
                        sa.and_(
                            payments.c.state == PaymentState.PENDING.value,
                            claims.lapsed(payments, now),
                        ),
                    )
                )
            ).all()
        finished = [self._finish(payment_id) for payment_id in sorted(unfinished)]
        stuck = (PaymentState.NEEDS_ATTENTION.value, PaymentState.REFUNDING.value)
        with self._session_factory() as session:
            ids = (
                session.execute(
                    select(payments.c.id).where(payments.c.state.in_(stuck)).order_by(payments.c.id)
                )
                .scalars()
                .all()
            )
        done = [found for found in finished if found.id not in ids]
        for payment_id in ids:
            payment = self._load(payments.c.id == payment_id)
            assert payment is not None
            claimed = self._set(payment, PaymentState.REFUNDING)
            if claimed.state is not PaymentState.REFUNDING:
                done.append(claimed)  # a retried sale made the pass meanwhile
                continue
            try:
                reference = self._refund_charge(payment)
            except Exception as error:
                done.append(
                    self._set(payment, PaymentState.NEEDS_ATTENTION, last_error=describe(error))
                )
                continue
            done.append(self._set(payment, PaymentState.REFUNDED, refund_reference=reference))
        return tuple(done)

    def _finish(self, payment_id: int) -> PaymentInfo:
        """Carry one unfinished sale on, as a retried sell would, for the system."""
        payment = self._load(payments.c.id == payment_id)
        assert payment is not None
        arguments: dict[str, object] = {
            "template_id": payment.template_id,
            "account_id": payment.account_id,
            "member_id": payment.member_id,
            "starts_at": payment.starts_at,
        }
        problem: SessionPacksError | None = None
        try:
            template, terms = self._check(
                payment.template_id,
                payment.account_id,
                payment.member_id,
                payment.starts_at,
                paid=True,
            )
        except SessionPacksError as error:
            problem = error  # no pass can be made now (its fixed end has passed, say)
            with self._session_factory() as session:
                template = templates.get(session.connection(), payment.template_id)
        try:
            if payment.state is PaymentState.PENDING:
                payment = self._charge(payment, template)
            if payment.state is PaymentState.CHARGED:
                if problem is not None:
                    raise problem
                self._write(
                    arguments,
                    payment.idempotency_key,
                    Actor.system(),
                    Channel.SYSTEM,
                    template,
                    terms,
                    payment,
                )
        except PaymentError as error:
            log.warning("payment %s is still unfinished: %s", payment_id, describe(error))
        except Exception as error:
            if payment.state is PaymentState.CHARGED:
                # The charge goes back (or waits as needs_attention); _recover says which.
                with contextlib.suppress(Exception):
                    self._recover(payment, error)
        found = self._load(payments.c.id == payment_id)
        return found if found is not None else payment

    def payments(self, state: PaymentState | None) -> tuple[PaymentInfo, ...]:
        criteria = () if state is None else (payments.c.state == PaymentState(state).value,)
        with self._session_factory() as session:
            rows = session.execute(select(payments).where(*criteria).order_by(payments.c.id)).all()
        return tuple(PaymentInfo.from_row(row) for row in rows)

    def _load(self, criterion: sa.ColumnElement[bool]) -> PaymentInfo | None:
        with self._session_factory() as session:
            row = session.execute(select(payments).where(criterion)).one_or_none()
        return None if row is None else PaymentInfo.from_row(row)

    def _set(self, payment: PaymentInfo, state: PaymentState, **values: Any) -> PaymentInfo:
        """Move the payment to ``state`` if it is in one that step may follow; returns the row as
        it is after, which another try may have moved on instead."""
        now = self._clock.now()
        with self._session_factory.begin() as session:
            session.execute(
                update(payments)
                .where(
                    payments.c.id == payment.id,
                    payments.c.state.in_([s.value for s in _FOLLOWS[state]]),
                )
                .values(state=state.value, updated_at=now, **values)
            )
        found = self._load(payments.c.id == payment.id)
        assert found is not None
        return found

    def _delete(self, payment: PaymentInfo, expected: PaymentState) -> None:
        with self._session_factory.begin() as session:
            session.execute(
                delete(payments).where(
                    payments.c.id == payment.id, payments.c.state == expected.value
                )
            )

    def _set_safely(self, payment: PaymentInfo, state: PaymentState, **values: object) -> None:
        """Record a new state when the database lets us; when it does not, the row stays
        ``refunding``, which :meth:`retry_payments` finishes, so the charge is still not lost."""
        try:
            self._set(payment, state, **values)
        except Exception:
            log.exception("recording payment %s as %s failed", payment.id, state.value)


def describe(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__
