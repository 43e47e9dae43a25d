"""Refunds recorded before the provider is asked; a claim on a payment while it is asked.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 13:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sessionpacks.columns

UTCDateTime = sessionpacks.columns.UTCDateTime
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sessionpacks_payments") as batch:
        batch.add_column(sa.Column("starts_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("claimed_until", UTCDateTime(), nullable=True))
    op.create_table(
        "sessionpacks_pass_refunds",
        sa.Column("id", _ID, nullable=False),
        sa.Column("pass_id", _ID, nullable=False),
        sa.Column("account_id", _ID, nullable=False),
        sa.Column("provider_key", sa.String(length=223), nullable=False),
        sa.Column("charge_reference", sa.String(length=191), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("refund_reference", sa.String(length=191), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("claimed_until", UTCDateTime(), nullable=True),
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.Column("operation_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "amount_minor >= 0", name=op.f("ck_sessionpacks_pass_refunds_amount_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["sessionpacks_accounts.id"],
            name=op.f("fk_sessionpacks_pass_refunds_account_id_sessionpacks_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["pass_id"],
            ["sessionpacks_passes.id"],
            name=op.f("fk_sessionpacks_pass_refunds_pass_id_sessionpacks_passes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessionpacks_pass_refunds")),
        sa.UniqueConstraint("provider_key", name=op.f("uq_sessionpacks_pass_refunds_provider_key")),
    )
    op.create_index(
        "ix_sessionpacks_pass_refunds_state", "sessionpacks_pass_refunds", ["state", "id"]
    )
    op.create_index(
        op.f("ix_sessionpacks_pass_refunds_pass_id"), "sessionpacks_pass_refunds", ["pass_id"]
    )
    op.create_index(
        op.f("ix_sessionpacks_pass_refunds_operation_id"),
        "sessionpacks_pass_refunds",
        ["operation_id"],
    )


def downgrade() -> None:
    op.drop_table("sessionpacks_pass_refunds")
    with op.batch_alter_table("sessionpacks_payments") as batch:
        batch.drop_column("claimed_until")
        batch.drop_column("starts_at")
