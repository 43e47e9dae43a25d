"""Why staff cancelled a booking keeping its credit.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 13:25:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sessionpacks_bookings") as batch:
        batch.add_column(sa.Column("cancel_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sessionpacks_bookings") as batch:
        batch.drop_column("cancel_reason")
