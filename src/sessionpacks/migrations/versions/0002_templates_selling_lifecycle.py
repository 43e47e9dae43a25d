"""Templates with every term, their applicability, the payments of sales, and the columns a pass
needs for its lifecycle: start on first use, suspension, refunds.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 22:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sessionpacks.columns

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("sessionpacks_templates") as batch:
        batch.add_column(sa.Column("first_rate_minor", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("subsequent_rate_minor", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("validity_days", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("validity_months", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("valid_until", sessionpacks.columns.UTCDateTime(), nullable=True)
        )
        batch.add_column(
            sa.Column(
                "start_rule", sa.String(length=16), server_default="on_purchase", nullable=False
            )
        )
        batch.add_column(sa.Column("start_date", sessionpacks.columns.UTCDateTime(), nullable=True))
        batch.add_column(
            sa.Column("all_services", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch.add_column(
            sa.Column("scope", sa.String(length=16), server_default="account", nullable=False)
        )
        batch.add_column(sa.Column("member_cap", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("priority", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(
            sa.Column("extend_on_unsuspend", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch.add_column(
            sa.Column("refundable", sa.Boolean(), server_default=sa.true(), nullable=False)
        )

    with op.batch_alter_table("sessionpacks_passes") as batch:
        batch.add_column(
            sa.Column(
                "starts_on_first_use", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
        batch.add_column(sa.Column("validity_days", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("validity_months", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("extend_on_unsuspend", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch.add_column(
            sa.Column("refundable", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(
            sa.Column("suspended_at", sessionpacks.columns.UTCDateTime(), nullable=True)
        )
        batch.add_column(sa.Column("charge_reference", sa.String(length=191), nullable=True))

    op.create_table(
        "sessionpacks_template_applicability",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("template_id", _BIG_ID, nullable=False),
        sa.Column("service_id", _BIG_ID, nullable=True),
        sa.Column("category", sa.String(length=191), nullable=True),
        sa.CheckConstraint(
            "(service_id IS NULL) <> (category IS NULL)",
            name=op.f("ck_sessionpacks_template_applicability_service_or_category"),
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["sessionpacks_services.id"],
            name=op.f("fk_sessionpacks_template_applicability_service_id_sessionpacks_services"),
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["sessionpacks_templates.id"],
            name=op.f("fk_sessionpacks_template_applicability_template_id_sessionpacks_templates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessionpacks_template_applicability")),
    )
    op.create_index(
        op.f("ix_sessionpacks_template_applicability_template_id"),
        "sessionpacks_template_applicability",
        ["template_id"],
        unique=False,
    )

    op.create_table(
        "sessionpacks_payments",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("idempotency_key", sa.String(length=191), nullable=False),
        sa.Column("template_id", _BIG_ID, nullable=False),
        sa.Column("account_id", _BIG_ID, nullable=False),
        sa.Column("member_id", _BIG_ID, nullable=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("charge_reference", sa.String(length=191), nullable=True),
        sa.Column("refund_reference", sa.String(length=191), nullable=True),
        sa.Column("pass_id", _BIG_ID, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sessionpacks.columns.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sessionpacks.columns.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "amount_minor >= 0", name=op.f("ck_sessionpacks_payments_amount_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["sessionpacks_accounts.id"],
            name=op.f("fk_sessionpacks_payments_account_id_sessionpacks_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["sessionpacks_members.id"],
            name=op.f("fk_sessionpacks_payments_member_id_sessionpacks_members"),
        ),
        sa.ForeignKeyConstraint(
            ["pass_id"],
            ["sessionpacks_passes.id"],
            name=op.f("fk_sessionpacks_payments_pass_id_sessionpacks_passes"),
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["sessionpacks_templates.id"],
            name=op.f("fk_sessionpacks_payments_template_id_sessionpacks_templates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessionpacks_payments")),
        sa.UniqueConstraint(
            "idempotency_key", name=op.f("uq_sessionpacks_payments_idempotency_key")
        ),
    )
    op.create_index(
        op.f("ix_sessionpacks_payments_account_id"),
        "sessionpacks_payments",
        ["account_id"],
        unique=False,
    )
    op.create_index(
        "ix_sessionpacks_payments_state", "sessionpacks_payments", ["state", "id"], unique=False
    )


def downgrade() -> None:
    # Dropping a table drops its indexes; MySQL refuses to drop an index a foreign key needs.
    op.drop_table("sessionpacks_payments")
    op.drop_table("sessionpacks_template_applicability")
    with op.batch_alter_table("sessionpacks_passes") as batch:
        for column in (
            "charge_reference",
            "suspended_at",
            "refundable",
            "extend_on_unsuspend",
            "validity_months",
            "validity_days",
            "starts_on_first_use",
        ):
            batch.drop_column(column)
    with op.batch_alter_table("sessionpacks_templates") as batch:
        for column in (
            "refundable",
            "extend_on_unsuspend",
            "priority",
            "member_cap",
            "scope",
            "all_services",
            "start_date",
            "start_rule",
            "valid_until",
            "validity_months",
            "validity_days",
            "subsequent_rate_minor",
            "first_rate_minor",
        ):
            batch.drop_column(column)
