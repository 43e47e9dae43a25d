"""The paid value each pass carries and each entry moves, for liability and revenue reports; the
indexes the reports search.

Existing ledgers are valued by replaying each pass's entries in order with the rules new entries
follow (see sessionpacks.valuation), so reports agree with the past as well as the future. One
old case has no new counterpart: credits given back to a pass that had expired stayed on it;
their value stays recognised, as the credits stay forfeited (new reversals expire them at once).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 17:50:00
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

_BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table("sessionpacks_passes") as batch:
        batch.add_column(
            sa.Column("value_left_minor", sa.BigInteger(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("sessionpacks_ledger_entries") as batch:
        batch.add_column(
            sa.Column("value_change_minor", sa.BigInteger(), server_default="0", nullable=False)
        )
    _value_existing(op.get_bind())
    op.create_index(
        "ix_sessionpacks_ledger_entries_time",
        "sessionpacks_ledger_entries",
        ["created_at", "id"],
    )
    op.create_index("ix_sessionpacks_redemptions_time", "sessionpacks_redemptions", ["occurred_at"])


def downgrade() -> None:
    op.drop_index("ix_sessionpacks_redemptions_time", table_name="sessionpacks_redemptions")
    op.drop_index("ix_sessionpacks_ledger_entries_time", table_name="sessionpacks_ledger_entries")
    with op.batch_alter_table("sessionpacks_ledger_entries") as batch:
        batch.drop_column("value_change_minor")
    with op.batch_alter_table("sessionpacks_passes") as batch:
        batch.drop_column("value_left_minor")


def _value_existing(conn: sa.Connection) -> None:
    meta = sa.MetaData()
    passes = sa.Table("sessionpacks_passes", meta, autoload_with=conn)
    entries = sa.Table("sessionpacks_ledger_entries", meta, autoload_with=conn)
    refunds = sa.Table("sessionpacks_pass_refunds", meta, autoload_with=conn)
    refunded = dict(conn.execute(sa.select(refunds.c.entry_id, refunds.c.amount_minor)).all())
    cost = dict(conn.execute(sa.select(passes.c.id, passes.c.cost_basis_minor)).all())
    rows = conn.execute(
        sa.select(
            entries.c.id,
            entries.c.pass_id,
            entries.c.operation_id,
            entries.c.kind,
            entries.c.delta,
            entries.c.balance_after,
            entries.c.redemption_id,
            entries.c.reason,
        ).order_by(entries.c.pass_id, entries.c.created_at, entries.c.id)
    ).all()
    entry_updates: list[dict[str, Any]] = []
    pass_updates: list[dict[str, Any]] = []
    carried: dict[int, int] = {}  # a rollover's moved value, by its operation
    for pass_id, valued in _replay(rows, cost, refunded, carried):
        for entry_id, change, recognised in valued[1]:
            entry_updates.append({"e_id": entry_id, "change": change, "recognised": recognised})
        pass_updates.append({"p_id": pass_id, "left": valued[0]})
    set_entry = (
        sa.update(entries)
        .where(entries.c.id == sa.bindparam("e_id"))
        .values(value_change_minor=sa.bindparam("change"), value_minor=sa.bindparam("recognised"))
    )
    set_pass = (
        sa.update(passes)
        .where(passes.c.id == sa.bindparam("p_id"))
        .values(value_left_minor=sa.bindparam("left"))
    )
    for start in range(0, len(entry_updates), _BATCH):
        conn.execute(set_entry, entry_updates[start : start + _BATCH])
    for start in range(0, len(pass_updates), _BATCH):
        conn.execute(set_pass, pass_updates[start : start + _BATCH])


Valued = tuple[int, list[tuple[int, int, int | None]]]


def _replay(
    rows: Sequence[Any], cost: dict[int, int], refunded: dict[int, int], carried: dict[int, int]
) -> Iterator[tuple[int, Valued]]:
    """Each pass's value left and its entries' (id, change, recognised), pass by pass. A
    rollover's old pass has the lower id, so its move out is valued before the move in."""
    current: int | None = None
    value = 0
    valued: list[tuple[int, int, int | None]] = []
    by_redemption: dict[int, tuple[int, int | None]] = {}
    last_expiry: tuple[int, int] = (0, 0)  # units, value
    ended = False
    for row in rows:
        if row.pass_id != current:
            if current is not None:
                yield current, (value, valued)
            current, value, valued, by_redemption, last_expiry = row.pass_id, 0, [], {}, (0, 0)
            ended = False
        before = row.balance_after - row.delta
        reason = row.reason or ""
        change: int
        recognised: int | None = None
        if row.kind == "grant":
            change = cost[row.pass_id]
        elif row.delta < 0:
            taken = _share(value, before, -row.delta)
            change, recognised = -taken, taken
            if row.kind == "refund":
                recognised = value - refunded.get(row.id, value)
                change = -value
            elif row.kind == "adjust" and reason.startswith("rollover:") and "moved into" in reason:
                carried[row.operation_id] = taken
                recognised = None
            elif row.kind == "redeem" and row.redemption_id is not None:
                by_redemption[row.redemption_id] = (change, recognised)
            elif row.kind == "expire":
                last_expiry = (-row.delta, taken)
        elif row.delta > 0 and row.kind == "reverse" and ended:
            change, recognised = 0, 0
        elif row.delta > 0 and row.kind == "reverse" and row.redemption_id in by_redemption:
            earlier_change, earlier_recognised = by_redemption[row.redemption_id]
            change = -earlier_change
            recognised = None if earlier_recognised is None else -earlier_recognised
        elif row.delta > 0 and row.kind == "extend":
            change, recognised = last_expiry[1], -last_expiry[1]
        elif row.delta > 0 and reason.startswith("rollover:") and "kept for" in reason:
            kept = _share(last_expiry[1], last_expiry[0], row.delta)
            change, recognised = kept, -kept
        elif row.delta > 0 and reason.startswith("rollover:") and "moved from" in reason:
            change = carried.get(row.operation_id, 0)
        else:
            change = 0  # free units, or a change of dates
        if row.kind in ("expire", "void", "refund"):
            ended = True
        elif row.delta > 0 and row.kind in ("extend", "adjust"):
            ended = False  # reopened: extended, a refund refused, or rollover units kept
        value += change
        valued.append((row.id, change, recognised))
    if current is not None:
        yield current, (value, valued)


def _share(value: int, remaining: int, units: int) -> int:
    if units <= 0 or value <= 0:
        return 0
    if units >= remaining:
        return value
    return value * units // remaining
