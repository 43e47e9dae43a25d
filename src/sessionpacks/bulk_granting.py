"""Bulk grants: the same credits for many clients, in one batch that is streamed in chunks,
resumed after a crash, reported client by client and undone as a whole.

A batch is opened by one write under its key (the batch's idempotency key), which records the
operation, its actor and its channel. Recipients then go in chunks of :data:`CHUNK`, each in a
transaction of its own that locks the batch row: the row's ``processed`` count says how many
recipients, in the order given, are done, so a second run with the same key and list skips
those (checking that they are the same recipients) and carries on. Passes, grant entries,
applicability rows and items are inserted set-based, a few statements per chunk.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, Row
from sqlalchemy.orm import Session, sessionmaker

from sessionpacks import codec, validation
from sessionpacks.database import inserted_id
from sessionpacks.enums import (
    BatchState,
    Channel,
    EntryKind,
    ItemOutcome,
    PassState,
    SkipReason,
    Source,
    UndoOutcome,
)
from sessionpacks.errors import (
    IdempotencyConflict,
    InvalidInput,
    InvalidState,
    ManualCreditsProtected,
    NotFound,
)
from sessionpacks.ledger import append_entry, lock_passes, state_for_balance
from sessionpacks.models import (
    REF_LENGTH,
    Account,
    GrantBatch,
    GrantBatchItem,
    LedgerEntry,
    Member,
    Pass,
    PassApplicability,
    Service,
    table,
)
from sessionpacks.transactions import WriteContext
from sessionpacks.units import format_units
from sessionpacks.values import BatchItem, BulkGrantReport, PassTerms, Recipient, Target

# Recipients per transaction: large enough that statements are few, small enough that a chunk's
# rows and locks stay small.
CHUNK = 500
# Items per query when a report is read back.
PAGE = 1000

_batches = table(GrantBatch)
_items = table(GrantBatchItem)
_accounts = table(Account)
_members = table(Member)
_passes = table(Pass)
_entries = table(LedgerEntry)
_applicability = table(PassApplicability)
_services = table(Service)

Authorize = Callable[[WriteContext, str, Target], None]
# Whether the actor of a run may grant to one account (the ``grant`` action).
MayGrant = Callable[[int], bool]


@attrs.frozen
class Opened:
    """What the opening write of a batch, or of its undo, stores for replays."""

    batch_id: int
    operation_id: int


def chunks(recipients: Iterable[Recipient]) -> Iterator[list[Recipient]]:
    """The recipients, :data:`CHUNK` at a time, consumed lazily."""
    iterator = iter(recipients)
    while chunk := list(islice(iterator, CHUNK)):
        yield chunk


def batch_target(batch_id: int) -> Target:
    # A batch spans accounts; account id 0 says it is none in particular.
    return Target("grant_batch", batch_id, 0)


# -- opening and granting ------------------------------------------------------------------------


def open_batch(
    ctx: WriteContext, authorize: Authorize, key: str, terms: PassTerms, reason: str
) -> Opened:
    if terms.services:
        known = set(
            ctx.conn.execute(
                select(_services.c.id).where(_services.c.id.in_(terms.services))
            ).scalars()
        )
        missing = sorted(set(terms.services) - known)
        if missing:
            raise NotFound("service", missing[0])
    batch_id = inserted_id(
        ctx.conn.execute(
            insert(_batches).values(
                key=key,
                operation_id=ctx.operation_id,
                terms=codec.dumps(terms),
                reason=reason,
                actor_kind=ctx.actor.kind,
                actor_id=ctx.actor.id,
                channel=ctx.channel.value,
                state=BatchState.OPEN.value,
                processed=0,
                granted=0,
                skipped=0,
                undone=0,
                created_at=ctx.now,
            )
        )
    )
    # Asked once the batch has an id to show; a refusal rolls the batch back with the rest.
    authorize(ctx, "bulk_grant", batch_target(batch_id))
    return Opened(batch_id, ctx.operation_id)


def grant_chunk(
    ctx: WriteContext, batch_id: int, start: int, chunk: Sequence[Recipient], may_grant: MayGrant
) -> BulkGrantReport:
    """Grant to the recipients at positions ``start`` onwards that no earlier run handled."""
    for recipient in chunk:
        if not isinstance(recipient, Recipient):
            raise InvalidInput(f"a bulk grant takes Recipient values, got {recipient!r}")
        for name in ("account_id", "member_id"):
            value = getattr(recipient, name)
            if value is not None:
                validation.positive(f"a recipient's {name}", value)
    batch = _lock_batch(ctx.conn, batch_id)
    state = BatchState(batch.state)
    if state is BatchState.COMPLETE:
        return report_from_row(batch)
    if state is not BatchState.OPEN:
        raise InvalidState(f"bulk grant {batch_id} was undone; it cannot grant any more")
    done, end = batch.processed, start + len(chunk)
    if done > start:
        _check_same_recipients(ctx.conn, batch, start, chunk[: done - start])
    if done >= end:
        return report_from_row(batch)
    fresh = chunk[done - start :]
    terms = _terms(batch.terms)
    outcomes = _decide(ctx.conn, batch_id, fresh, may_grant)
    granted = [
        (r, account_id) for r, (account_id, why) in zip(fresh, outcomes, strict=True) if why is None
    ]
    pass_ids = _insert_passes(ctx, terms, batch.reason, granted) if granted else []
    new_passes = iter(pass_ids)
    # One tuple per item, in _ITEM_COLUMNS' order.
    items = [
        (
            batch_id,
            done + offset,
            _stored_ref(recipient),
            account_id,
            recipient.member_id,
            _GRANTED if why is None else _SKIPPED,
            None if why is None else why.value,
            None if why else next(new_passes),
        )
        for offset, (recipient, (account_id, why)) in enumerate(zip(fresh, outcomes, strict=True))
    ]
    dialect = ctx.conn.dialect.name
    if dialect in _HOLDERS:
        # One statement with the rows as one value or an array per column (see _holders):
        # psycopg would send an executemany's rows one by one, each a round of its pipeline,
        # and SQLAlchemy would process each row's parameters.
        ctx.conn.execute(_insert_items(dialect), _items_parameters(dialect, items))
    else:
        ctx.conn.execute(
            insert(_items), [dict(zip(_ITEM_COLUMNS, item, strict=True)) for item in items]
        )
    ctx.conn.execute(
        update(_batches)
        .where(_batches.c.id == batch_id)
        .values(
            processed=end,
            granted=_batches.c.granted + len(granted),
            skipped=_batches.c.skipped + len(fresh) - len(granted),
        )
    )
    return report(ctx.conn, batch_id)


def complete(ctx: WriteContext, batch_id: int) -> BulkGrantReport:
    """Close the batch once every recipient went through; tells the plugins once."""
    batch = _lock_batch(ctx.conn, batch_id)
    if batch.state != BatchState.OPEN.value:
        return report_from_row(batch)
    ctx.conn.execute(
        update(_batches)
        .where(_batches.c.id == batch_id)
        .values(state=BatchState.COMPLETE.value, completed_at=ctx.now)
    )
    result = report(ctx.conn, batch_id)
    ctx.enqueue("sessionpacks_bulk_granted", result)
    return result


def _check_same_recipients(
    conn: Connection, batch: Row[Any], start: int, given: Sequence[Recipient]
) -> None:
    stored = conn.execute(
        select(_items.c.position, _items.c.account_ref, _items.c.account_id, _items.c.member_id)
        .where(
            _items.c.batch_id == batch.id,
            _items.c.position >= start,
            _items.c.position < start + len(given),
        )
        .order_by(_items.c.position)
    ).all()
    for row in stored:
        recipient = given[row.position - start]
        same_account = (
            row.account_id == recipient.account_id
            if recipient.account_ref is None
            else row.account_ref == _stored_ref(recipient)
        )
        if not same_account or row.member_id != recipient.member_id:
            raise IdempotencyConflict(
                f"bulk grant {batch.key!r} was run before with another recipient at position"
                f" {row.position} ({_describe(row)}, not {_describe(recipient)}); give the same"
                " list in the same order to finish it, or use a new batch key"
            )


def _stored_ref(recipient: Recipient) -> str | None:
    # A longer ref names no account (refs are at most this long); it is kept cut, not refused.
    ref = recipient.account_ref
    return None if ref is None else ref[:REF_LENGTH]


def _describe(holder: Any) -> str:
    account = (
        f"account {holder.account_id}"
        if holder.account_ref is None
        else f"account {holder.account_ref!r}"
    )
    return account if holder.member_id is None else f"{account} member {holder.member_id}"


def _decide(
    conn: Connection, batch_id: int, fresh: Sequence[Recipient], may_grant: MayGrant
) -> list[tuple[int | None, SkipReason | None]]:
    """For each recipient: its account id (None when unknown) and why it is skipped, if it is."""
    dialect = conn.dialect.name
    refs = {r.account_ref for r in fresh if r.account_id is None and r.account_ref}
    by_ref: dict[str, int] = {}
    if refs:
        rows = conn.execute(_accounts_by_ref(dialect), {"values": _listed(dialect, refs)})
        # Unpacked rather than read by name, which costs more; not dict(rows): a result has keys().
        by_ref = {ref: account_id for ref, account_id in rows}  # noqa: C416
    ids = {r.account_id for r in fresh if r.account_id is not None}
    known_ids: set[int] = set()
    if ids:
        known_ids = set(
            conn.execute(_known_accounts(dialect), {"values": _listed(dialect, ids)}).scalars()
        )
    member_ids = {r.member_id for r in fresh if r.member_id is not None}
    member_account: dict[int, int] = {}
    if member_ids:
        rows = conn.execute(_members_accounts(dialect), {"values": _listed(dialect, member_ids)})
        member_account = {member_id: account_id for member_id, account_id in rows}  # noqa: C416
    resolved = [
        (r.account_id if r.account_id in known_ids else None)
        if r.account_id is not None
        else by_ref.get(r.account_ref or "")
        for r in fresh
    ]
    accounts = {a for a in resolved if a is not None}
    seen: set[tuple[int, int | None]] = set()
    if accounts:
        rows = conn.execute(
            _granted_in_batch(dialect), {"batch": batch_id, "values": _listed(dialect, accounts)}
        )
        seen = {(account_id, member_id) for account_id, member_id in rows}
    allowed = {a: may_grant(a) for a in accounts}
    decided: list[tuple[int | None, SkipReason | None]] = []
    for recipient, account_id in zip(fresh, resolved, strict=True):
        why: SkipReason | None = None
        if recipient.account_id is None and not (recipient.account_ref or "").strip():
            why = SkipReason.NO_ACCOUNT
        elif account_id is None:
            why = SkipReason.UNKNOWN_ACCOUNT
        elif recipient.member_id is not None and recipient.member_id not in member_account:
            why = SkipReason.UNKNOWN_MEMBER
        elif recipient.member_id is not None and member_account[recipient.member_id] != account_id:
            why = SkipReason.MEMBER_NOT_IN_ACCOUNT
        elif (account_id, recipient.member_id) in seen:
            why = SkipReason.DUPLICATE
        elif not allowed[account_id]:
            why = SkipReason.NOT_AUTHORIZED
        else:
            seen.add((account_id, recipient.member_id))
        # An id that names no account is kept as given, so that a rerun can be checked against it.
        decided.append((recipient.account_id if account_id is None else account_id, why))
    return decided


def _insert_passes(
    ctx: WriteContext,
    terms: PassTerms,
    reason: str,
    granted: Sequence[tuple[Recipient, int | None]],
) -> list[int]:
    """One pass and one grant entry per recipient, in three or four statements."""
    pending = terms.starts_at is not None and terms.starts_at > ctx.now
    common = {
        "template_id": terms.template_id,
        "label": terms.label
        or f"{format_units(terms.quantity, terms.metric, terms.currency)} pack",
        "source": terms.source.value,
        "metric": terms.metric.value,
        "currency": terms.currency,
        "initial_quantity": terms.quantity,
        "remaining": terms.quantity,
        "state": (PassState.PENDING if pending else PassState.ACTIVE).value,
        "starts_at": terms.starts_at,
        "expires_at": terms.expires_at,
        "cost_basis_minor": terms.cost_basis_minor,
        "cost_currency": terms.cost_currency,
        "value_left_minor": terms.cost_basis_minor,
        "first_rate_minor": terms.first_rate_minor,
        "subsequent_rate_minor": terms.subsequent_rate_minor,
        "all_services": not (terms.services or terms.categories),
        "member_cap": terms.member_cap,
        "priority": terms.priority,
        "redeemed_count": 0,
        "last_entry_at": ctx.now,
        "created_at": ctx.now,
    }
    # Within a chunk no two passes have the same holder (duplicates were skipped), so the holder
    # ties each returned id to its recipient, whatever order the database returns them in.
    holders = [(a, r.member_id) for r, a in granted]
    dialect = ctx.conn.dialect.name
    if dialect in _HOLDERS:
        # One INSERT ... SELECT over the holders, passed as one value: the terms' columns are
        # sent once, not once per row, and no row is parsed or converted one by one.
        made = ctx.conn.execute(_insert_passes_from_holders(dialect), {
            **common, **_holders_parameters(dialect, holders)
        })  # fmt: skip
    else:
        rows = [{**common, "account_id": a, "member_id": m} for a, m in holders]
        made = ctx.conn.execute(
            insert(_passes).returning(_passes.c.id, _passes.c.account_id, _passes.c.member_id),
            rows,
        )
    by_holder = {(account_id, member_id): pass_id for pass_id, account_id, member_id in made}
    pass_ids = [by_holder[holder] for holder in holders]
    # The grant entries, computed by the database from the new passes in one statement.
    ctx.conn.execute(
        _insert_entries(dialect),
        {
            "operation": ctx.operation_id,
            "quantity": terms.quantity,
            "reason": reason,
            "now": ctx.now,
            "values": _listed(dialect, pass_ids),
        },
    )
    scope: list[dict[str, object]] = [{"service_id": s, "category": None} for s in terms.services]
    scope += [{"service_id": None, "category": c} for c in terms.categories]
    if scope:
        ctx.conn.execute(
            insert(_applicability), [{"pass_id": p, **s} for p in pass_ids for s in scope]
        )
    return pass_ids


# -- the set-based statements of a chunk ------------------------------------------------------

# The columns a chunk's passes share, each a parameter sent once per chunk.
_COMMON_COLUMNS = (
    "template_id", "label", "source", "metric", "currency", "initial_quantity", "remaining",
    "state", "starts_at", "expires_at", "cost_basis_minor", "cost_currency", "value_left_minor",
    "first_rate_minor", "subsequent_rate_minor", "all_services", "member_cap", "priority",
    "redeemed_count", "last_entry_at", "created_at",
)  # fmt: skip

# The databases whose chunk of holders goes as one parameter: PostgreSQL as two arrays
# (unnest), SQLite as one JSON array of [account, member] pairs (json_each). MariaDB and MySQL
# take a row each (an executemany).
_HOLDERS = ("postgresql", "sqlite")


def _holders(dialect: str) -> tuple[sa.ColumnElement[Any], sa.ColumnElement[Any], Any]:
    """The account and member columns of the holders' rows, and what they are selected from."""
    if dialect == "postgresql":
        ids = postgresql.ARRAY(sa.BigInteger)
        found = (
            sa.func.unnest(bindparam("accounts", type_=ids), bindparam("members", type_=ids))
            .table_valued("account_id", "member_id")
            .render_derived()
        )
        return found.c.account_id, found.c.member_id, found
    pairs = sa.func.json_each(bindparam("holders", type_=sa.String)).table_valued("value")
    return (
        sa.func.json_extract(pairs.c.value, "$[0]"),
        sa.func.json_extract(pairs.c.value, "$[1]"),
        pairs,
    )


def _holders_parameters(
    dialect: str, holders: Sequence[tuple[int | None, int | None]]
) -> dict[str, object]:
    if dialect == "postgresql":
        return {"accounts": [a for a, _ in holders], "members": [m for _, m in holders]}
    return {"holders": json.dumps(holders)}


@functools.cache
def _insert_passes_from_holders(dialect: str) -> sa.Insert:
    account_id, member_id, source = _holders(dialect)
    shared = [bindparam(name, type_=_passes.c[name].type) for name in _COMMON_COLUMNS]
    return (
        insert(_passes)
        .from_select(
            ["account_id", "member_id", *_COMMON_COLUMNS],
            select(account_id, member_id, *shared).select_from(source),
        )
        .returning(_passes.c.id, _passes.c.account_id, _passes.c.member_id)
    )


_GRANTED, _SKIPPED = ItemOutcome.GRANTED.value, ItemOutcome.SKIPPED.value
_ITEM_COLUMNS = (
    "batch_id", "position", "account_ref", "account_id", "member_id", "outcome", "why", "pass_id",
)  # fmt: skip


@functools.cache
def _insert_items(dialect: str) -> sa.Insert:
    """A chunk's items from one array per column (PostgreSQL, unnest reads them in step) or
    from one JSON array of rows (SQLite)."""
    columns: list[sa.ColumnElement[Any]]
    if dialect == "postgresql":
        arrays = [
            bindparam(name, type_=postgresql.ARRAY(_items.c[name].type)) for name in _ITEM_COLUMNS
        ]
        rows = sa.func.unnest(*arrays).table_valued(*_ITEM_COLUMNS).render_derived()
        columns = [rows.c[name] for name in _ITEM_COLUMNS]
    else:
        listed = sa.func.json_each(bindparam("rows", type_=sa.String)).table_valued("value")
        columns = [
            sa.func.json_extract(listed.c.value, f"$[{index}]")
            for index in range(len(_ITEM_COLUMNS))
        ]
    return insert(_items).from_select(list(_ITEM_COLUMNS), select(*columns))


def _items_parameters(dialect: str, items: Sequence[tuple[object, ...]]) -> dict[str, object]:
    if dialect == "postgresql":
        return {
            name: list(column)
            for name, column in zip(_ITEM_COLUMNS, zip(*items, strict=True), strict=True)
        }
    return {"rows": json.dumps(items)}


def _one_of(column: sa.ColumnElement[Any], dialect: str) -> sa.ColumnElement[bool]:
    """``column`` is one of the values of the ``values`` parameter, a whole list sent as one
    value where the database takes one (see :func:`_listed`): expanding 500 parameters into
    the SQL costs more than the statement takes to run."""
    if dialect == "postgresql":
        return column == sa.any_(bindparam("values", type_=postgresql.ARRAY(column.type)))
    if dialect == "sqlite":
        listed = sa.func.json_each(bindparam("values", type_=sa.String)).table_valued("value")
        return column.in_(select(listed.c.value))
    return column.in_(bindparam("values", expanding=True))


def _listed(dialect: str, values: Iterable[object]) -> object:
    """The ``values`` parameter of :func:`_one_of`."""
    return json.dumps(list(values)) if dialect == "sqlite" else list(values)


@functools.cache
def _accounts_by_ref(dialect: str) -> sa.Select[Any]:
    return select(_accounts.c.ref, _accounts.c.id).where(_one_of(_accounts.c.ref, dialect))


@functools.cache
def _known_accounts(dialect: str) -> sa.Select[Any]:
    return select(_accounts.c.id).where(_one_of(_accounts.c.id, dialect))


@functools.cache
def _members_accounts(dialect: str) -> sa.Select[Any]:
    return select(_members.c.id, _members.c.account_id).where(_one_of(_members.c.id, dialect))


@functools.cache
def _granted_in_batch(dialect: str) -> sa.Select[Any]:
    """Who the batch granted to already, among the ``values`` accounts."""
    return select(_items.c.account_id, _items.c.member_id).where(
        _items.c.batch_id == bindparam("batch"),
        _items.c.outcome == ItemOutcome.GRANTED.value,
        _one_of(_items.c.account_id, dialect),
    )


@functools.cache
def _insert_entries(dialect: str) -> sa.Insert:
    """One grant entry per listed pass, of all it holds."""
    quantity = bindparam("quantity", type_=_entries.c.delta.type)
    return insert(_entries).from_select(
        ["pass_id", "operation_id", "kind", "delta", "balance_after", "member_id", "reason",
         "value_change_minor", "created_at"],
        select(
            _passes.c.id,
            bindparam("operation", type_=_entries.c.operation_id.type),
            sa.literal(EntryKind.GRANT.value, _entries.c.kind.type),
            quantity,
            quantity,
            _passes.c.member_id,
            bindparam("reason", type_=_entries.c.reason.type),
            _passes.c.cost_basis_minor,  # a paid pass's value arrives with its grant
            bindparam("now", type_=_entries.c.created_at.type),
        ).where(_one_of(_passes.c.id, dialect)),
    )  # fmt: skip


# -- undoing ---------------------------------------------------------------------------------


def open_undo(
    ctx: WriteContext,
    authorize: Authorize,
    batch_id: int,
    reason: str,
    allow_removing_manual_credits: bool,
) -> Opened:
    batch = _lock_batch(ctx.conn, batch_id)
    authorize(ctx, "undo_bulk_grant", batch_target(batch_id))
    terms = _terms(batch.terms)
    if terms.source is Source.GRANT and not allow_removing_manual_credits:
        raise ManualCreditsProtected(
            f"bulk grant {batch_id} gave manual credits, and this studio's settings forbid"
            " taking manual credits back (allow_removing_manual_credits is off)"
        )
    if batch.undo_operation_id is not None:
        raise InvalidState(
            f"bulk grant {batch_id} was already undone, or is being undone, under another"
            " idempotency key; repeat that request to finish it"
        )
    ctx.conn.execute(
        update(_batches)
        .where(_batches.c.id == batch_id)
        .values(
            state=BatchState.UNDOING.value, undo_operation_id=ctx.operation_id, undo_reason=reason
        )
    )
    return Opened(batch_id, ctx.operation_id)


def undo_chunk(ctx: WriteContext, batch_id: int) -> BulkGrantReport | None:
    """Take back the next chunk of the batch's passes; the final report once none are left.

    A pass with nothing but its grant entry is voided, as if never given. A pass that was used
    or corrected keeps its entries and shows as used: what it still holds is taken back with an
    adjust entry. A pass already deleted or empty is left as it is.
    """
    batch = _lock_batch(ctx.conn, batch_id)
    reason = batch.undo_reason
    items = ctx.conn.execute(
        select(_items.c.id, _items.c.pass_id)
        .where(
            _items.c.batch_id == batch_id,
            _items.c.outcome == ItemOutcome.GRANTED.value,
            _items.c.undone_at.is_(None),
        )
        .order_by(_items.c.position)
        .limit(CHUNK)
    ).all()
    if not items:
        if batch.state == BatchState.UNDOING.value:
            ctx.conn.execute(
                update(_batches)
                .where(_batches.c.id == batch_id)
                .values(state=BatchState.UNDONE.value, undone_at=ctx.now)
            )
            result = report(ctx.conn, batch_id)
            ctx.enqueue("sessionpacks_bulk_grant_undone", result)
            return result
        return report_from_row(batch)
    pass_ids = [item.pass_id for item in items]
    locked = {row.id: row for row in lock_passes(ctx.conn, _passes.c.id.in_(pass_ids))}
    touched = set(
        ctx.conn.execute(
            select(_entries.c.pass_id)
            .where(_entries.c.pass_id.in_(pass_ids), _entries.c.kind != EntryKind.GRANT.value)
            .distinct()
        ).scalars()
    )
    done: list[dict[str, object]] = []
    voided: list[int] = []
    for item in items:
        row = locked[item.pass_id]
        taken = 0
        if row.state == PassState.VOIDED.value or row.remaining == 0:
            outcome = UndoOutcome.NOTHING_LEFT
        elif row.id not in touched:
            append_entry(
                ctx, row, EntryKind.VOID, -row.remaining, state=PassState.VOIDED, reason=reason
            )
            outcome, taken = UndoOutcome.VOIDED, row.remaining
            voided.append(row.id)
        else:
            state = state_for_balance(PassState(row.state), 0)
            append_entry(ctx, row, EntryKind.ADJUST, -row.remaining, state=state, reason=reason)
            outcome, taken = UndoOutcome.EMPTIED, row.remaining
        done.append({"item_id": item.id, "how": outcome.value, "taken": taken})
    ctx.conn.execute(
        update(_items)
        .where(_items.c.id == bindparam("item_id"))
        .values(undo=bindparam("how"), taken_back=bindparam("taken"), undone_at=ctx.now),
        done,
    )
    if voided:
        # A deleted pass is nobody's default pack any more.
        ctx.conn.execute(
            update(_members)
            .where(_members.c.default_pass_id.in_(voided))
            .values(default_pass_id=None)
        )
    ctx.conn.execute(
        update(_batches)
        .where(_batches.c.id == batch_id)
        .values(undone=_batches.c.undone + len(items))
    )
    return None


# -- reading -----------------------------------------------------------------------------------


def report(conn: Connection, batch_id: int) -> BulkGrantReport:
    row = conn.execute(select(_batches).where(_batches.c.id == batch_id)).one_or_none()
    if row is None:
        raise NotFound("bulk grant", batch_id)
    return report_from_row(row)


def report_by_key(conn: Connection, key: str) -> BulkGrantReport:
    row = conn.execute(select(_batches).where(_batches.c.key == key)).one_or_none()
    if row is None:
        raise NotFound("bulk grant key", key)
    return report_from_row(row)


def report_from_row(row: Row[Any]) -> BulkGrantReport:
    return BulkGrantReport(
        batch_id=row.id,
        batch_key=row.key,
        state=BatchState(row.state),
        terms=_terms(row.terms),
        reason=row.reason,
        actor_kind=row.actor_kind,
        actor_id=row.actor_id,
        channel=Channel(row.channel),
        processed=row.processed,
        granted=row.granted,
        skipped=row.skipped,
        undone=row.undone,
        operation_id=row.operation_id,
        created_at=row.created_at,
        completed_at=row.completed_at,
        undo_operation_id=row.undo_operation_id,
        undo_reason=row.undo_reason,
        undone_at=row.undone_at,
    )


def iter_items(
    session_factory: sessionmaker[Session], batch_id: int, outcome: ItemOutcome | None
) -> Iterator[BatchItem]:
    """The batch's items in order, a page per query, so that no more than a page is held."""
    after = -1
    while True:
        query = select(_items).where(_items.c.batch_id == batch_id, _items.c.position > after)
        if outcome is not None:
            query = query.where(_items.c.outcome == outcome.value)
        with session_factory() as session:
            rows = session.connection().execute(query.order_by(_items.c.position).limit(PAGE))
            page = [item_from_row(row) for row in rows]
        yield from page
        if len(page) < PAGE:
            return
        after = page[-1].position


def item_from_row(row: Row[Any]) -> BatchItem:
    return BatchItem(
        position=row.position,
        account_ref=row.account_ref,
        account_id=row.account_id,
        member_id=row.member_id,
        outcome=ItemOutcome(row.outcome),
        why=SkipReason(row.why) if row.why is not None else None,
        pass_id=row.pass_id,
        undo=UndoOutcome(row.undo) if row.undo is not None else None,
        taken_back=row.taken_back,
    )


@functools.lru_cache(maxsize=64)
def _terms(text: str) -> PassTerms:
    """A batch's terms, decoded once: each chunk and each report reads them again, and they
    are frozen, so one copy serves every reader."""
    return codec.loads(PassTerms, text)


def _lock_batch(conn: Connection, batch_id: int) -> Row[Any]:
    row = conn.execute(
        select(_batches).where(_batches.c.id == batch_id).with_for_update()
    ).one_or_none()
    if row is None:
        raise NotFound("bulk grant", batch_id)
    return row
