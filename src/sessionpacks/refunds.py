"""Refunding a sold pass, with the provider asked outside the ledger transaction.

A provider is slow and outside the database, so a refund is three steps, each committed:

1. The pass is closed (a ``refund`` entry takes its units) and a ``sessionpacks_pass_refunds``
   row records the amount and the provider key, ``pending``. From here the pass cannot be used.
2. The provider is asked, by one process at a time (a claim with a lease on the row).
3. Its answer is recorded: ``succeeded`` (and the ``sessionpacks_refunded`` event goes out);
   ``failed`` when it refused, and the pass is opened again with its units; ``unknown`` when no
   answer came, to be asked again with the same key and amount by
   :meth:`~sessionpacks.Studio.retry_payments`.

A crash anywhere leaves a ``pending`` or ``unknown`` row that the retry finishes. The amount and
the key are fixed in step 1, so a retry never asks for a different refund under the same key, and
a pass never stays usable after the provider gave the money back.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

import attrs
import pluggy
import sqlalchemy as sa
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

from sessionpacks import claims
from sessionpacks.clock import Clock
from sessionpacks.database import inserted_id
from sessionpacks.enums import Channel, EntryKind, PassState, RefundState, Source
from sessionpacks.errors import InvalidState, PaymentError, PaymentUnknown
from sessionpacks.ledger import append_entry, lock_pass
from sessionpacks.messages import RefundRequest
from sessionpacks.models import LedgerEntry, Member, PassRefund, table
from sessionpacks.selling import describe
from sessionpacks.transactions import WriteContext, Writer
from sessionpacks.valuation import EntryValue, of_entry
from sessionpacks.values import Actor, PassRefundResult, Target

refunds = table(PassRefund)
entries = table(LedgerEntry)
_members = table(Member)
# Refunds the provider has not answered yet.
_WAITING = (RefundState.PENDING.value, RefundState.UNKNOWN.value)
# What has gone back, or may have: counted against what a pass may still give back.
_MAY_HAVE_GONE = (RefundState.PENDING.value, RefundState.SUCCEEDED.value, RefundState.UNKNOWN.value)


@attrs.frozen
class RefundInfo:
    """One refund of a pass: its amount, how asking the provider went, the provider's reference."""

    id: int
    pass_id: int
    account_id: int
    units: int
    amount_minor: int
    currency: str | None
    state: RefundState
    refund_reference: str | None
    last_error: str | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def from_row(cls, row: Any) -> RefundInfo:
        return cls(
            id=row.id,
            pass_id=row.pass_id,
            account_id=row.account_id,
            units=row.units,
            amount_minor=row.amount_minor,
            currency=row.currency,
            state=RefundState(row.state),
            refund_reference=row.refund_reference,
            last_error=row.last_error,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


def close(
    ctx: WriteContext,
    authorize: Any,
    pass_id: int,
    reason: str,
    key: str,
) -> int:
    """Step 1: close the pass and record the refund to ask for; returns the refund's id."""
    row = lock_pass(ctx.conn, pass_id)
    authorize(ctx, "refund", Target("pass", pass_id, row.account_id))
    if row.state in (PassState.VOIDED.value, PassState.REFUNDED.value):
        raise InvalidState(f"pass {pass_id} is {row.state} and cannot be refunded")
    if row.source != Source.SALE.value or row.charge_reference is None:
        raise InvalidState(
            f"pass {pass_id} was not sold through sessionpacks (source {row.source}): manually"
            " granted credits cannot be refunded; remove them with an adjustment and a reason"
        )
    if not row.refundable:
        raise InvalidState(f"pass {pass_id} was sold as not refundable")
    if row.remaining == 0:
        raise InvalidState(f"pass {pass_id} holds nothing to refund")
    given_back = ctx.conn.execute(
        select(sa.func.coalesce(sa.func.sum(refunds.c.amount_minor), 0)).where(
            refunds.c.pass_id == pass_id, refunds.c.state.in_(_MAY_HAVE_GONE)
        )
    ).scalar_one()
    amount = min(
        refund_amount(row.cost_basis_minor, row.remaining, row.initial_quantity),
        max(0, row.cost_basis_minor - int(given_back)),
    )
    # The units' paid value leaves the pass; what is not given back is revenue the studio keeps
    # (a fraction of a cent). The refund counts paid units first while the carried value spreads
    # over free units too, so after a goodwill adjustment the refund can exceed the value left:
    # then revenue recognised earlier is taken back, and the entry's revenue is negative.
    value = row.value_left_minor
    entry_id, _, at = append_entry(
        ctx,
        row,
        EntryKind.REFUND,
        -row.remaining,
        state=PassState.REFUNDED,
        reason=reason,
        value=EntryValue(-value, value - amount),
    )
    ctx.conn.execute(
        update(_members).where(_members.c.default_pass_id == pass_id).values(default_pass_id=None)
    )
    inserted = ctx.conn.execute(
        insert(refunds).values(
            pass_id=pass_id,
            account_id=row.account_id,
            provider_key=f"sessionpacks-refund:{key}",
            charge_reference=row.charge_reference,
            units=row.remaining,
            amount_minor=amount,
            currency=row.cost_currency,
            # Nothing to give back is a refund already done.
            state=(RefundState.PENDING if amount else RefundState.SUCCEEDED).value,
            entry_id=entry_id,
            operation_id=ctx.operation_id,
            created_at=at,
            updated_at=at,
        )
    )
    refund_id = inserted_id(inserted)
    if not amount:
        ctx.enqueue("sessionpacks_refunded", result_of(ctx.conn, refund_id))
    return refund_id


def refund_amount(cost_basis_minor: int, remaining: int, initial_quantity: int) -> int:
    """The unused share of what was paid, in whole minor units, rounded down: a fraction of a
    cent stays with the studio.

    Only the units sold were paid for: units added later (a goodwill adjustment) give nothing
    back, so at most ``initial_quantity`` of the remaining units count and the refund is never
    more than the charge.
    """
    return cost_basis_minor * min(remaining, initial_quantity) // initial_quantity


def made_by(conn: Connection, operation_id: int) -> int:
    """The refund a refund call's operation recorded: how a repeated call finds it."""
    found = select(refunds.c.id).where(refunds.c.operation_id == operation_id)
    return int(conn.execute(found).scalar_one())


def result_of(conn: Connection, refund_id: int) -> PassRefundResult:
    row = conn.execute(select(refunds).where(refunds.c.id == refund_id)).one()
    return PassRefundResult(
        pass_id=row.pass_id,
        account_id=row.account_id,
        units=row.units,
        amount_minor=row.amount_minor,
        currency=row.currency,
        refund_reference=row.refund_reference,
        entry_id=row.entry_id,
        operation_id=row.operation_id,
        created_at=row.created_at,
    )


class Refunds:
    """Steps 2 and 3 of a refund, for a new refund call and for the retry."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        hooks: pluggy.PluginManager,
        clock: Clock,
        writer: Writer,
    ) -> None:
        self._session_factory = session_factory
        self._hooks = hooks
        self._clock = clock
        self._writer = writer

    def settle(self, refund_id: int) -> PassRefundResult:
        """Ask the provider if nobody has an answer yet, record it, and say how it went."""
        row = self._row(refund_id)
        if row.state in _WAITING:
            if not self._claim(refund_id):
                raise PaymentUnknown(
                    "another try of this refund is asking the payment provider right now; the"
                    " pass is closed, and asking again with the same key gives its answer"
                )
            self._ask(row)
            row = self._row(refund_id)
        if row.state == RefundState.FAILED.value:
            raise PaymentError(
                f"the payment provider refused the refund ({row.last_error}); the pass was"
                " opened again with its units"
            )
        if row.state == RefundState.UNKNOWN.value:
            raise PaymentUnknown(
                f"the payment provider did not answer the refund ({row.last_error}). The pass is"
                " closed; retry_payments asks again with the same key and amount, and the"
                " provider, seeing the key again, refunds once"
            )
        with self._session_factory() as session:
            return result_of(session.connection(), refund_id)

    def retry(self) -> tuple[RefundInfo, ...]:
        """Settle every refund left ``pending`` or ``unknown`` whose claim has lapsed."""
        now = self._clock.now()
        with self._session_factory() as session:
            ids = session.scalars(
                select(refunds.c.id)
                .where(refunds.c.state.in_(_WAITING), claims.lapsed(refunds, now))
                .order_by(refunds.c.id)
            ).all()
        for refund_id in ids:
            # What happened is recorded on the row, which is read back below.
            with contextlib.suppress(PaymentError):
                self.settle(refund_id)
        with self._session_factory() as session:
            rows = session.execute(select(refunds).where(refunds.c.id.in_(ids))).all()
        return tuple(RefundInfo.from_row(row) for row in sorted(rows, key=lambda r: r.id))

    def listed(self, state: RefundState | None) -> tuple[RefundInfo, ...]:
        criteria = () if state is None else (refunds.c.state == RefundState(state).value,)
        with self._session_factory() as session:
            rows = session.execute(select(refunds).where(*criteria).order_by(refunds.c.id)).all()
        return tuple(RefundInfo.from_row(row) for row in rows)

    def _row(self, refund_id: int) -> Any:
        with self._session_factory() as session:
            return session.execute(select(refunds).where(refunds.c.id == refund_id)).one()

    def _claim(self, refund_id: int) -> bool:
        return claims.take(self._session_factory, refunds, refund_id, _WAITING, self._clock.now())

    def _ask(self, row: Any) -> None:
        request = RefundRequest(
            account_id=row.account_id,
            charge_reference=row.charge_reference,
            amount_minor=row.amount_minor,
            currency=row.currency,
            idempotency_key=row.provider_key,
        )
        try:
            answer = self._hooks.hook.sessionpacks_refund(request=request)
        except PaymentError as refused:
            self._reopen(row, describe(refused))
            return
        except Exception as error:
            self._set(row.id, RefundState.UNKNOWN, last_error=describe(error))
            return
        self._succeeded(row, str(answer.reference))

    def _succeeded(self, row: Any, reference: str) -> None:
        def work(ctx: WriteContext) -> None:
            _move(ctx.conn, row.id, RefundState.SUCCEEDED, ctx.now, refund_reference=reference)
            ctx.enqueue("sessionpacks_refunded", result_of(ctx.conn, row.id))

        self._step(row, "refund_succeeded", work)

    def _reopen(self, row: Any, problem: str) -> None:
        """The provider kept the money: the client keeps the units, on the pass as it was."""

        def work(ctx: WriteContext) -> None:
            if not _move(ctx.conn, row.id, RefundState.FAILED, ctx.now, last_error=problem):
                return
            locked = lock_pass(ctx.conn, row.pass_id)
            append_entry(
                ctx,
                locked,
                EntryKind.ADJUST,
                row.units,
                state=PassState.ACTIVE,
                reason=f"refund refused by the payment provider: {problem}",
                value=EntryValue.restoring(of_entry(_closing_entry(ctx.conn, row.entry_id))),
            )

        self._step(row, "refund_refused", work)

    def _step(self, row: Any, action: str, work: Any) -> None:
        self._writer.write(
            action,
            {"refund": row.id},
            idempotency_key=f"{row.provider_key}:{action}",
            actor=Actor.system(),
            channel=Channel.SYSTEM,
            result_type=type(None),
            work=work,
            replay=lambda conn, operation_id: None,
        )

    def _set(self, refund_id: int, state: RefundState, **values: Any) -> None:
        with self._session_factory.begin() as session:
            _move(session.connection(), refund_id, state, self._clock.now(), **values)


def _closing_entry(conn: Connection, entry_id: int) -> Any:
    return conn.execute(
        select(entries.c.value_change_minor, entries.c.value_minor).where(entries.c.id == entry_id)
    ).one()


def _move(
    conn: Connection, refund_id: int, state: RefundState, now: dt.datetime, **values: Any
) -> bool:
    """Record an answer on a refund still waiting for one; False if another try recorded one."""
    moved = conn.execute(
        update(refunds)
        .where(
            refunds.c.id == refund_id,
            refunds.c.state.in_(_WAITING),
        )
        .values(state=state.value, claimed_until=None, updated_at=now, **values)
    )
    return bool(moved.rowcount == 1)
