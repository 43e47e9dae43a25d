"""Bulk grants: the batches and their items, client by client.

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-22 22:05:03.415229
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sessionpacks.columns

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sessionpacks_grant_batches",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("key", sa.String(length=191), nullable=False),
        sa.Column(
            "operation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("actor_kind", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.String(length=191), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("processed", sa.BigInteger(), nullable=False),
        sa.Column("granted", sa.BigInteger(), nullable=False),
        sa.Column("skipped", sa.BigInteger(), nullable=False),
        sa.Column("undone", sa.BigInteger(), nullable=False),
        sa.Column(
            "undo_operation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("undo_reason", sa.String(length=500), nullable=True),
        sa.Column("created_at", sessionpacks.columns.UTCDateTime(), nullable=False),
        sa.Column("completed_at", sessionpacks.columns.UTCDateTime(), nullable=True),
        sa.Column("undone_at", sessionpacks.columns.UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "processed = granted + skipped",
            name=op.f("ck_sessionpacks_grant_batches_counts_add_up"),
        ),
        sa.CheckConstraint(
            "processed >= 0", name=op.f("ck_sessionpacks_grant_batches_processed_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["operation_id"],
            ["sessionpacks_operations.id"],
            name=op.f("fk_sessionpacks_grant_batches_operation_id_sessionpacks_operations"),
        ),
        sa.ForeignKeyConstraint(
            ["undo_operation_id"],
            ["sessionpacks_operations.id"],
            name=op.f("fk_sessionpacks_grant_batches_undo_operation_id_sessionpacks_operations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessionpacks_grant_batches")),
        sa.UniqueConstraint("key", name=op.f("uq_sessionpacks_grant_batches_key")),
    )
    op.create_table(
        "sessionpacks_grant_batch_items",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("account_ref", sa.String(length=191), nullable=True),
        sa.Column("account_id", sa.BigInteger(), nullable=True),
        sa.Column("member_id", sa.BigInteger(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("why", sa.String(length=200), nullable=True),
        sa.Column("pass_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("taken_back", sa.BigInteger(), nullable=True),
        sa.Column("undo", sa.String(length=16), nullable=True),
        sa.Column("undone_at", sessionpacks.columns.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["sessionpacks_grant_batches.id"],
            name=op.f("fk_sessionpacks_grant_batch_items_batch_id_sessionpacks_grant_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["pass_id"],
            ["sessionpacks_passes.id"],
            name=op.f("fk_sessionpacks_grant_batch_items_pass_id_sessionpacks_passes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessionpacks_grant_batch_items")),
        sa.UniqueConstraint(
            "batch_id", "position", name=op.f("uq_sessionpacks_grant_batch_items_batch_id")
        ),
    )
    op.create_index(
        "ix_sessionpacks_grant_batch_items_holder",
        "sessionpacks_grant_batch_items",
        ["batch_id", "account_id", "member_id"],
    )


def downgrade() -> None:
    op.drop_index(
        "ix_sessionpacks_grant_batch_items_holder", table_name="sessionpacks_grant_batch_items"
    )
    op.drop_table("sessionpacks_grant_batch_items")
    op.drop_table("sessionpacks_grant_batches")
