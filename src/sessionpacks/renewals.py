"""Auto-renewal: a pass sold from an ``auto_renew`` template is sold again, to the same holder,
when it is used up or expires.

The charge cannot run inside the redemption that used the pass up, so each renewal is a row in
``sessionpacks_renewals`` (one per old pass) and a sale whose idempotency key comes from the old
pass's id: however often the renewal is tried, from however many processes, the payment hook is
asked with the same key and the pass is sold at most once. A declined charge leaves the renewal
``failed`` with the reason; it is tried again by later sweeps up to :data:`MAX_ATTEMPTS` times.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy import and_, exists, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

from sessionpacks import selling
from sessionpacks.enums import Channel, PassState, RenewalState
from sessionpacks.errors import SessionPacksError
from sessionpacks.hookspecs import hookimpl
from sessionpacks.models import Pass, Renewal, table
from sessionpacks.transactions import WriteContext, Writer
from sessionpacks.values import Actor, AutoRenewResult, ExhaustedEvent, PlanPeriodResult

renewals = table(Renewal)
_passes = table(Pass)

# A renewal that failed this many times (a card declined again and again) waits for staff.
MAX_ATTEMPTS = 3


@attrs.frozen
class RenewalInfo:
    """The automatic re-sale of one pass."""

    id: int
    pass_id: int
    state: RenewalState
    attempts: int
    last_error: str | None
    new_pass_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def from_row(cls, row: Any) -> RenewalInfo:
        return cls(
            id=row.id,
            pass_id=row.pass_id,
            state=RenewalState(row.state),
            attempts=row.attempts,
            last_error=row.last_error,
            new_pass_id=row.new_pass_id,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


@attrs.frozen
class RenewalFailure:
    """A renewal the sweep could not make: ``kind`` is ``plan`` (``id`` a subscription) or
    ``pass`` (``id`` the old pass)."""

    kind: str
    id: int
    error: str


@attrs.frozen
class RenewalReport:
    """What one :meth:`~sessionpacks.Studio.renew_due` did."""

    plans: tuple[PlanPeriodResult, ...]
    passes: tuple[AutoRenewResult, ...]
    failures: tuple[RenewalFailure, ...]


def due_passes(
    conn: Connection, now: dt.datetime, *criteria: sa.ColumnElement[bool]
) -> tuple[int, ...]:
    """Auto-renewing passes used up or past their expiry (whether or not the expiry sweep has
    closed them yet) that have no finished renewal and have failures left."""
    settled = exists().where(
        renewals.c.pass_id == _passes.c.id,
        or_(
            renewals.c.state == RenewalState.DONE.value,
            renewals.c.attempts >= MAX_ATTEMPTS,
        ),
    )
    return tuple(
        conn.execute(
            select(_passes.c.id)
            .where(
                _passes.c.auto_renew.is_(True),
                or_(
                    _passes.c.state.in_([PassState.EXHAUSTED.value, PassState.EXPIRED.value]),
                    and_(
                        _passes.c.state.in_([PassState.ACTIVE.value, PassState.PENDING.value]),
                        _passes.c.expires_at <= now,
                    ),
                ),
                ~settled,
                *criteria,
            )
            .order_by(_passes.c.id)
        ).scalars()
    )


def is_due(conn: Connection, pass_id: int, now: dt.datetime) -> bool:
    return pass_id in due_passes(conn, now, _passes.c.id == pass_id)


def listing(conn: Connection, state: RenewalState | None) -> tuple[RenewalInfo, ...]:
    query = select(renewals).order_by(renewals.c.id)
    if state is not None:
        query = query.where(renewals.c.state == state.value)
    return tuple(RenewalInfo.from_row(row) for row in conn.execute(query))


def renew_pass(
    session_factory: sessionmaker[Session],
    sales: selling.Sales,
    writer: Writer,
    now: dt.datetime,
    pass_id: int,
) -> AutoRenewResult:
    """Sell the pass's template again to its holder; raises what the sale raised, after
    recording it on the renewal."""
    with session_factory.begin() as session:
        conn = session.connection()
        old = conn.execute(select(_passes).where(_passes.c.id == pass_id)).one()
        try:
            with conn.begin_nested():
                conn.execute(
                    insert(renewals).values(
                        pass_id=pass_id,
                        state=RenewalState.PENDING.value,
                        attempts=0,
                        created_at=now,
                        updated_at=now,
                    )
                )
        except sa.exc.IntegrityError:
            pass  # another try of this renewal wrote it first
    assert old.template_id is not None  # only sold passes renew, and a sale names its template
    system = Actor.system()
    try:
        sale = sales.sell(
            old.template_id,
            old.account_id,
            old.member_id,
            None,
            key=f"sessionpacks-renewal:{pass_id}",
            actor=system,
            channel=Channel.SYSTEM,
        )
    except SessionPacksError as error:
        _failed(session_factory, now, pass_id, error)
        raise

    def work(ctx: WriteContext) -> AutoRenewResult:
        ctx.conn.execute(
            update(renewals)
            .where(renewals.c.pass_id == pass_id)
            .values(
                state=RenewalState.DONE.value,
                attempts=renewals.c.attempts + 1,
                last_error=None,
                new_pass_id=sale.pass_id,
                updated_at=ctx.now,
            )
        )
        result = AutoRenewResult(
            previous_pass_id=pass_id,
            pass_id=sale.pass_id,
            account_id=sale.account_id,
            member_id=sale.member_id,
            template_id=sale.template_id,
            payment_id=sale.payment_id,
            charge_reference=sale.charge_reference,
            amount_minor=sale.amount_minor,
            currency=sale.currency,
            operation_id=ctx.operation_id,
            created_at=ctx.now,
        )
        ctx.enqueue("sessionpacks_auto_renewed", result)
        return result

    return writer.write(
        "renew",
        {"pass_id": pass_id},
        idempotency_key=f"sessionpacks-renewed:{pass_id}",
        actor=system,
        channel=Channel.SYSTEM,
        result_type=AutoRenewResult,
        work=work,
    )


def _failed(
    session_factory: sessionmaker[Session], now: dt.datetime, pass_id: int, error: Exception
) -> None:
    text = str(error).strip().splitlines()
    reason = f"{type(error).__name__}: {text[0]}" if text else type(error).__name__
    with session_factory.begin() as session:
        session.execute(
            update(renewals)
            .where(renewals.c.pass_id == pass_id, renewals.c.state != RenewalState.DONE.value)
            .values(
                state=RenewalState.FAILED.value,
                attempts=renewals.c.attempts + 1,
                last_error=reason[:2000],
                updated_at=now,
            )
        )


class RenewOnExhaust:
    """Sells an auto-renewing pass again as soon as the redemption that used it up commits.

    It listens to ``sessionpacks_exhausted``, which waits in the outbox written in the
    redemption's own transaction: the charge never runs inside that transaction, and a process
    that dies before it leaves the event for :meth:`~sessionpacks.Studio.retry_side_effects`
    (and the pass for :meth:`~sessionpacks.Studio.renew_due`).
    """

    def __init__(self, renew: Callable[[int], object]) -> None:
        self._renew = renew

    @hookimpl
    def sessionpacks_exhausted(self, event: ExhaustedEvent) -> None:
        self._renew(event.pass_id)
