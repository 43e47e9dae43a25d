"""Pass reminders: expiring soon, low balance and last session used, each sent once per pass.

A reminder is claimed by a row in ``sessionpacks_notices`` (unique per pass and kind) written in
the transaction that enqueues its email. The sweep locks the passes it reminds about before it
looks for their notices, so two sweeps at once take turns on each pass and the second finds the
first one's notice: never two emails. The unique constraint is the last line.

Who is written to: the pass's member for a member pass; for a family pass, every member of the
account who has an address. A pass with nobody to write to gets no notice, so it is reminded
about once someone has an address (if it is still due).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from typing import Any

import attrs
from sqlalchemy import and_, exists, insert, or_, select
from sqlalchemy.engine import Connection, Row

from sessionpacks.enums import Metric, PassState
from sessionpacks.ledger import lock_passes, passes
from sessionpacks.messages import EmailMessage
from sessionpacks.models import Member, Notice, table
from sessionpacks.transactions import WriteContext

notices = table(Notice)
members = table(Member)


class NoticeKind(str, enum.Enum):
    EXPIRING_SOON = "expiring_soon"
    LOW_BALANCE = "low_balance"
    LAST_SESSION = "last_session"


@attrs.frozen
class ReminderRules:
    """Which reminders are on, from :class:`sessionpacks.Settings`."""

    expiring_soon_days: int
    low_balance_units: int
    last_session: bool


@attrs.frozen
class SentNotice:
    pass_id: int
    kind: NoticeKind
    to: tuple[str, ...]


@attrs.frozen
class PassReminderReport:
    """The pass reminders one sweep sent, one item per pass and kind."""

    sent: tuple[SentNotice, ...]

    def count(self, kind: NoticeKind) -> int:
        return sum(1 for s in self.sent if s.kind is kind)


def _not_noticed(kind: NoticeKind) -> Any:
    return ~exists().where(notices.c.pass_id == passes.c.id, notices.c.kind == kind.value)


def _criteria(kind: NoticeKind, rules: ReminderRules, now: dt.datetime) -> Any | None:
    if kind is NoticeKind.EXPIRING_SOON and rules.expiring_soon_days > 0:
        return and_(
            passes.c.state.in_((PassState.ACTIVE.value, PassState.PENDING.value)),
            passes.c.remaining > 0,
            passes.c.expires_at > now,
            passes.c.expires_at <= now + dt.timedelta(days=rules.expiring_soon_days),
        )
    if kind is NoticeKind.LOW_BALANCE and rules.low_balance_units > 0:
        # Only packs of sessions: "units left" of a minutes or money pass means something else.
        return and_(
            passes.c.state == PassState.ACTIVE.value,
            passes.c.metric == Metric.SESSIONS.value,
            passes.c.remaining > 0,
            passes.c.remaining <= rules.low_balance_units,
            # A pack that starts this small was sold small: it is not running low.
            passes.c.initial_quantity > rules.low_balance_units,
            or_(passes.c.expires_at.is_(None), passes.c.expires_at > now),
        )
    if kind is NoticeKind.LAST_SESSION and rules.last_session:
        return and_(
            passes.c.state == PassState.EXHAUSTED.value,
            passes.c.metric == Metric.SESSIONS.value,
            passes.c.remaining == 0,
        )
    return None


@attrs.frozen
class ReminderBatch:
    """What one batch of one kind sent, and the highest pass id it looked at (None: no more)."""

    sent: tuple[SentNotice, ...]
    last_pass_id: int | None


def send_batch(
    ctx: WriteContext,
    kind: NoticeKind,
    rules: ReminderRules,
    now: dt.datetime,
    limit: int,
    after: int,
) -> ReminderBatch:
    """Send the due reminders of one kind among the next ``limit`` candidate passes with ids above
    ``after``, in the caller's transaction. Batches go on by id, so passes with nobody to write
    to never hold back the ones after them."""
    criteria = _criteria(kind, rules, now)
    if criteria is None:
        return ReminderBatch(sent=(), last_pass_id=None)
    due = list(
        ctx.conn.execute(
            select(passes.c.id)
            .where(passes.c.id > after, criteria, _not_noticed(kind))
            .order_by(passes.c.id)
            .limit(limit)
        ).scalars()
    )
    if not due:
        return ReminderBatch(sent=(), last_pass_id=None)
    # Lock, then look for notices again in a new statement (a new snapshot under READ
    # COMMITTED): a sweep that held these passes first has committed its notices by now.
    locked = lock_passes(ctx.conn, passes.c.id.in_(due), criteria)
    noticed = set(
        ctx.conn.execute(
            select(notices.c.pass_id).where(
                notices.c.pass_id.in_([row.id for row in locked]),
                notices.c.kind == kind.value,
            )
        ).scalars()
    )
    addresses = _addresses(ctx.conn, locked)
    claimed = [row for row in locked if row.id not in noticed and addresses.get(row.id)]
    if claimed:
        ctx.conn.execute(
            insert(notices),
            [{"pass_id": row.id, "kind": kind.value, "created_at": ctx.now} for row in claimed],
        )
    sent = []
    for row in claimed:
        for to, name in addresses[row.id]:
            ctx.enqueue("sessionpacks_send_email", _message(kind, row, to, name))
        sent.append(
            SentNotice(pass_id=row.id, kind=kind, to=tuple(to for to, _ in addresses[row.id]))
        )
    return ReminderBatch(sent=tuple(sent), last_pass_id=due[-1])


def _addresses(conn: Connection, rows: Iterable[Row[Any]]) -> dict[int, list[tuple[str, str]]]:
    """For each pass: (address, name) of everyone to write to, in member id order."""
    rows = list(rows)
    if not rows:
        return {}
    member_ids = {row.member_id for row in rows if row.member_id is not None}
    account_ids = {row.account_id for row in rows if row.member_id is None}
    found = conn.execute(
        select(members.c.id, members.c.account_id, members.c.name, members.c.email)
        .where(
            members.c.email.is_not(None),
            or_(members.c.id.in_(member_ids), members.c.account_id.in_(account_ids)),
        )
        .order_by(members.c.id)
    ).all()
    by_member = {m.id: m for m in found}
    by_account: dict[int, list[Any]] = {}
    for m in found:
        by_account.setdefault(m.account_id, []).append(m)
    result: dict[int, list[tuple[str, str]]] = {}
    for row in rows:
        people: Sequence[Any]
        if row.member_id is not None:
            person = by_member.get(row.member_id)
            people = [person] if person is not None else []
        else:
            people = by_account.get(row.account_id, [])
        result[row.id] = [(p.email, p.name) for p in people]
    return result


def _message(kind: NoticeKind, row: Row[Any], to: str, name: str) -> EmailMessage:
    label = row.label or f"pass {row.id}"
    if kind is NoticeKind.EXPIRING_SOON:
        subject = f"{label} expires on {row.expires_at:%Y-%m-%d}"
        body = (
            f"Hello {name},\n\nyour {label} still holds {row.remaining} and expires on"
            f" {row.expires_at:%Y-%m-%d %H:%M} UTC. Book soon so nothing goes to waste.\n"
        )
    elif kind is NoticeKind.LOW_BALANCE:
        subject = f"{label}: {row.remaining} left"
        body = (
            f"Hello {name},\n\nyour {label} has {row.remaining} of {row.initial_quantity}"
            " sessions left. Time to think about your next pack.\n"
        )
    else:
        subject = f"You have used the last session of {label}"
        body = (
            f"Hello {name},\n\nyou have used all {row.initial_quantity} sessions of your"
            f" {label}. We would love to see you again: ask us about a new pack.\n"
        )
    return EmailMessage(to=to, subject=subject, body=body)
