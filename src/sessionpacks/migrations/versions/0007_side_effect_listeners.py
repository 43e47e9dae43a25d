"""Side effects per listener: the listeners of an event told of it already.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 10:55:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sessionpacks_side_effects") as batch:
        batch.add_column(sa.Column("delivered_to", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sessionpacks_side_effects") as batch:
        batch.drop_column("delivered_to")
