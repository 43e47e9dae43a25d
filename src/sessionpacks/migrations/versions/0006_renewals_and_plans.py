"""Auto-renewal and recurring plans: template terms for both, plan subscriptions and renewals.

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-22 23:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sessionpacks.columns

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = sessionpacks.columns.UTCDateTime


def upgrade() -> None:
    # Server defaults, so templates that exist already neither roll over nor renew.
    with op.batch_alter_table("sessionpacks_templates") as batch:
        batch.add_column(sa.Column("period_days", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("period_months", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("rollover", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(sa.Column("rollover_cap", sa.BigInteger(), nullable=True))
        batch.add_column(
            sa.Column("auto_renew", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("sessionpacks_passes") as batch:
        batch.add_column(
            sa.Column("auto_renew", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "sessionpacks_plan_subscriptions",
        sa.Column("id", _ID, nullable=False),
        sa.Column("account_id", _ID, nullable=False),
        sa.Column("member_id", _ID, nullable=True),
        sa.Column("template_id", _ID, nullable=False),
        sa.Column("billing", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("started_at", _AT(), nullable=False),
        sa.Column("period_number", sa.Integer(), nullable=False),
        sa.Column("period_start", _AT(), nullable=False),
        sa.Column("period_end", _AT(), nullable=False),
        sa.Column("current_pass_id", _ID, nullable=False),
        sa.Column("created_at", _AT(), nullable=False),
        sa.Column("cancelled_at", _AT(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["sessionpacks_accounts.id"],
            name=op.f("fk_sessionpacks_plan_subscriptions_account_id_sessionpacks_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["sessionpacks_members.id"],
            name=op.f("fk_sessionpacks_plan_subscriptions_member_id_sessionpacks_members"),
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["sessionpacks_templates.id"],
            name=op.f("fk_sessionpacks_plan_subscriptions_template_id_sessionpacks_templates"),
        ),
        sa.ForeignKeyConstraint(
            ["current_pass_id"],
            ["sessionpacks_passes.id"],
            name=op.f("fk_sessionpacks_plan_subscriptions_current_pass_id_sessionpacks_passes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessionpacks_plan_subscriptions")),
    )
    op.create_index(
        op.f("ix_sessionpacks_plan_subscriptions_account_id"),
        "sessionpacks_plan_subscriptions",
        ["account_id"],
    )
    op.create_index(
        "ix_sessionpacks_plan_subscriptions_due",
        "sessionpacks_plan_subscriptions",
        ["state", "period_end"],
    )
    op.create_table(
        "sessionpacks_renewals",
        sa.Column("id", _ID, nullable=False),
        sa.Column("pass_id", _ID, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("new_pass_id", _ID, nullable=True),
        sa.Column("created_at", _AT(), nullable=False),
        sa.Column("updated_at", _AT(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pass_id"],
            ["sessionpacks_passes.id"],
            name=op.f("fk_sessionpacks_renewals_pass_id_sessionpacks_passes"),
        ),
        sa.ForeignKeyConstraint(
            ["new_pass_id"],
            ["sessionpacks_passes.id"],
            name=op.f("fk_sessionpacks_renewals_new_pass_id_sessionpacks_passes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessionpacks_renewals")),
        sa.UniqueConstraint("pass_id", name=op.f("uq_sessionpacks_renewals_pass_id")),
    )
    op.create_index("ix_sessionpacks_renewals_state", "sessionpacks_renewals", ["state", "id"])


def downgrade() -> None:
    # Dropping a table drops its indexes; MariaDB refuses to drop one a foreign key needs first.
    op.drop_table("sessionpacks_renewals")
    op.drop_table("sessionpacks_plan_subscriptions")
    with op.batch_alter_table("sessionpacks_passes") as batch:
        batch.drop_column("auto_renew")
    with op.batch_alter_table("sessionpacks_templates") as batch:
        batch.drop_column("auto_renew")
        batch.drop_column("rollover_cap")
        batch.drop_column("rollover")
        batch.drop_column("period_months")
        batch.drop_column("period_days")
