"""Members linked to the host's users, and an optional kiosk PIN.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 13:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sessionpacks_members") as batch:
        batch.add_column(sa.Column("user_key", sa.String(length=191), nullable=True))
        batch.add_column(sa.Column("kiosk_pin", sa.String(length=200), nullable=True))
        batch.create_unique_constraint(op.f("uq_sessionpacks_members_user_key"), ["user_key"])


def downgrade() -> None:
    with op.batch_alter_table("sessionpacks_members") as batch:
        batch.drop_constraint(op.f("uq_sessionpacks_members_user_key"), type_="unique")
        batch.drop_column("kiosk_pin")
        batch.drop_column("user_key")
