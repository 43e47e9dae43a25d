"""Expiry, reminders and tasks: the value forfeited on expire entries, the notices that keep each
reminder to one, and the index the expiry sweep searches.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 22:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sessionpacks.columns

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("sessionpacks_ledger_entries") as batch:
        batch.add_column(sa.Column("value_minor", sa.BigInteger(), nullable=True))
    op.create_index(
        "ix_sessionpacks_passes_state_expires",
        "sessionpacks_passes",
        ["state", "expires_at", "id"],
    )
    op.create_table(
        "sessionpacks_notices",
        sa.Column("id", _ID, nullable=False),
        sa.Column("pass_id", _ID, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("created_at", sessionpacks.columns.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pass_id"],
            ["sessionpacks_passes.id"],
            name=op.f("fk_sessionpacks_notices_pass_id_sessionpacks_passes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessionpacks_notices")),
        sa.UniqueConstraint("pass_id", "kind", name=op.f("uq_sessionpacks_notices_pass_id")),
    )


def downgrade() -> None:
    op.drop_table("sessionpacks_notices")
    op.drop_index("ix_sessionpacks_passes_state_expires", table_name="sessionpacks_passes")
    with op.batch_alter_table("sessionpacks_ledger_entries") as batch:
        batch.drop_column("value_minor")
