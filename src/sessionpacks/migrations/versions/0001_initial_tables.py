"""The initial tables: accounts, members, services, templates, passes, the ledger, operations,
the outbox, and the default plugins' emails and tasks.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 21:42:05.712974
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sessionpacks.columns

revision: str = "0001"
down_revision: str | None = None
branch_labels: Sequence[str] | None = ("sessionpacks",)
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sessionpacks_accounts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("ref", sa.String(length=191), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sessionpacks.columns.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessionpacks_accounts")),
        sa.UniqueConstraint("ref", name=op.f("uq_sessionpacks_accounts_ref")),
    )
    op.create_table(
        "sessionpacks_emails",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sessionpacks.columns.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessionpacks_emails")),
    )
    op.create_table(
        "sessionpacks_operations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("idempotency_key", sa.String(length=191), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("actor_kind", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.String(length=191), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("created_at", sessionpacks.columns.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessionpacks_operations")),
        sa.UniqueConstraint(
            "idempotency_key", name=op.f("uq_sessionpacks_operations_idempotency_key")
        ),
    )
    op.create_table(
        "sessionpacks_services",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=191), nullable=False),
        sa.Column("category", sa.String(length=191), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("price_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("created_at", sessionpacks.columns.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "duration_minutes > 0", name=op.f("ck_sessionpacks_services_duration_positive")
        ),
        sa.CheckConstraint(
            "price_minor IS NULL OR price_minor >= 0",
            name=op.f("ck_sessionpacks_services_price_not_negative"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessionpacks_services")),
        sa.UniqueConstraint("name", name=op.f("uq_sessionpacks_services_name")),
    )
    with op.batch_alter_table("sessionpacks_services", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sessionpacks_services_category"), ["category"], unique=False
        )

    op.create_table(
        "sessionpacks_side_effects",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("hook", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("claimed_at", sessionpacks.columns.UTCDateTime(), nullable=True),
        sa.Column("created_at", sessionpacks.columns.UTCDateTime(), nullable=False),
        sa.Column("done_at", sessionpacks.columns.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessionpacks_side_effects")),
    )
    with op.batch_alter_table("sessionpacks_side_effects", schema=None) as batch_op:
        batch_op.create_index("ix_sessionpacks_side_effects_state", ["state", "id"], unique=False)

    op.create_table(
        "sessionpacks_templates",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("metric", sa.String(length=16), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("price_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("archived_at", sessionpacks.columns.UTCDateTime(), nullable=True),
        sa.Column("created_at", sessionpacks.columns.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "price_minor >= 0", name=op.f("ck_sessionpacks_templates_price_not_negative")
        ),
        sa.CheckConstraint(
            "quantity > 0", name=op.f("ck_sessionpacks_templates_quantity_positive")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessionpacks_templates")),
    )
    op.create_table(
        "sessionpacks_members",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("ref", sa.String(length=191), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "default_pass_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("created_at", sessionpacks.columns.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["sessionpacks_accounts.id"],
            name=op.f("fk_sessionpacks_members_account_id_sessionpacks_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessionpacks_members")),
        sa.UniqueConstraint("ref", name=op.f("uq_sessionpacks_members_ref")),
    )
    with op.batch_alter_table("sessionpacks_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sessionpacks_members_account_id"), ["account_id"], unique=False
        )

    op.create_table(
        "sessionpacks_passes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "template_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("metric", sa.String(length=16), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("initial_quantity", sa.BigInteger(), nullable=False),
        sa.Column("remaining", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("starts_at", sessionpacks.columns.UTCDateTime(), nullable=True),
        sa.Column("expires_at", sessionpacks.columns.UTCDateTime(), nullable=True),
        sa.Column("cost_basis_minor", sa.BigInteger(), nullable=False),
        sa.Column("cost_currency", sa.String(length=3), nullable=True),
        sa.Column("first_rate_minor", sa.BigInteger(), nullable=True),
        sa.Column("subsequent_rate_minor", sa.BigInteger(), nullable=True),
        sa.Column("all_services", sa.Boolean(), nullable=False),
        sa.Column("member_cap", sa.BigInteger(), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("redeemed_count", sa.Integer(), nullable=False),
        sa.Column("last_entry_at", sessionpacks.columns.UTCDateTime(), nullable=False),
        sa.Column("created_at", sessionpacks.columns.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "cost_basis_minor >= 0", name=op.f("ck_sessionpacks_passes_cost_basis_not_negative")
        ),
        sa.CheckConstraint(
            "initial_quantity > 0", name=op.f("ck_sessionpacks_passes_initial_positive")
        ),
        sa.CheckConstraint(
            "redeemed_count >= 0", name=op.f("ck_sessionpacks_passes_redeemed_count_not_negative")
        ),
        sa.CheckConstraint(
            "remaining >= 0", name=op.f("ck_sessionpacks_passes_remaining_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["sessionpacks_accounts.id"],
            name=op.f("fk_sessionpacks_passes_account_id_sessionpacks_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["sessionpacks_members.id"],
            name=op.f("fk_sessionpacks_passes_member_id_sessionpacks_members"),
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["sessionpacks_templates.id"],
            name=op.f("fk_sessionpacks_passes_template_id_sessionpacks_templates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessionpacks_passes")),
    )
    with op.batch_alter_table("sessionpacks_passes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sessionpacks_passes_account_state", ["account_id", "state"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sessionpacks_passes_member_id"), ["member_id"], unique=False
        )

    op.create_table(
        "sessionpacks_redemptions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "operation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "service_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("occurrence_ref", sa.String(length=191), nullable=True),
        sa.Column("occurred_at", sessionpacks.columns.UTCDateTime(), nullable=False),
        sa.Column("reversed_at", sessionpacks.columns.UTCDateTime(), nullable=True),
        sa.Column("created_at", sessionpacks.columns.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["sessionpacks_accounts.id"],
            name=op.f("fk_sessionpacks_redemptions_account_id_sessionpacks_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["sessionpacks_members.id"],
            name=op.f("fk_sessionpacks_redemptions_member_id_sessionpacks_members"),
        ),
        sa.ForeignKeyConstraint(
            ["operation_id"],
            ["sessionpacks_operations.id"],
            name=op.f("fk_sessionpacks_redemptions_operation_id_sessionpacks_operations"),
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["sessionpacks_services.id"],
            name=op.f("fk_sessionpacks_redemptions_service_id_sessionpacks_services"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessionpacks_redemptions")),
    )
    with op.batch_alter_table("sessionpacks_redemptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sessionpacks_redemptions_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sessionpacks_redemptions_member_id"), ["member_id"], unique=False
        )

    op.create_table(
        "sessionpacks_ledger_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("pass_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "operation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("delta", sa.BigInteger(), nullable=False),
        sa.Column("balance_after", sa.BigInteger(), nullable=False),
        sa.Column(
            "redemption_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("number", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("created_at", sessionpacks.columns.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "balance_after >= 0",
            name=op.f("ck_sessionpacks_ledger_entries_balance_after_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["sessionpacks_members.id"],
            name=op.f("fk_sessionpacks_ledger_entries_member_id_sessionpacks_members"),
        ),
        sa.ForeignKeyConstraint(
            ["operation_id"],
            ["sessionpacks_operations.id"],
            name=op.f("fk_sessionpacks_ledger_entries_operation_id_sessionpacks_operations"),
        ),
        sa.ForeignKeyConstraint(
            ["pass_id"],
            ["sessionpacks_passes.id"],
            name=op.f("fk_sessionpacks_ledger_entries_pass_id_sessionpacks_passes"),
        ),
        sa.ForeignKeyConstraint(
            ["redemption_id"],
            ["sessionpacks_redemptions.id"],
            name=op.f("fk_sessionpacks_ledger_entries_redemption_id_sessionpacks_redemptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessionpacks_ledger_entries")),
    )
    with op.batch_alter_table("sessionpacks_ledger_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sessionpacks_ledger_entries_operation_id"),
            ["operation_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_sessionpacks_ledger_entries_pass_time",
            ["pass_id", "created_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_sessionpacks_ledger_entries_redemption_id"),
            ["redemption_id"],
            unique=False,
        )

    # Members and passes refer to each other, so the default pack's key comes once both exist.
    with op.batch_alter_table("sessionpacks_members", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_sessionpacks_members_default_pass_id_sessionpacks_passes"),
            "sessionpacks_passes",
            ["default_pass_id"],
            ["id"],
        )

    op.create_table(
        "sessionpacks_pass_applicability",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("pass_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "service_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("category", sa.String(length=191), nullable=True),
        sa.CheckConstraint(
            "(service_id IS NULL) <> (category IS NULL)",
            name=op.f("ck_sessionpacks_pass_applicability_service_or_category"),
        ),
        sa.ForeignKeyConstraint(
            ["pass_id"],
            ["sessionpacks_passes.id"],
            name=op.f("fk_sessionpacks_pass_applicability_pass_id_sessionpacks_passes"),
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["sessionpacks_services.id"],
            name=op.f("fk_sessionpacks_pass_applicability_service_id_sessionpacks_services"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessionpacks_pass_applicability")),
    )
    with op.batch_alter_table("sessionpacks_pass_applicability", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sessionpacks_pass_applicability_pass_id"), ["pass_id"], unique=False
        )

    op.create_table(
        "sessionpacks_tasks",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("pass_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sessionpacks.columns.UTCDateTime(), nullable=False),
        sa.Column("done_at", sessionpacks.columns.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["sessionpacks_accounts.id"],
            name=op.f("fk_sessionpacks_tasks_account_id_sessionpacks_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["pass_id"],
            ["sessionpacks_passes.id"],
            name=op.f("fk_sessionpacks_tasks_pass_id_sessionpacks_passes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessionpacks_tasks")),
    )


def downgrade() -> None:
    # Dropping a table drops its indexes; the members' key to passes goes first to break the cycle.
    with op.batch_alter_table("sessionpacks_members", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_sessionpacks_members_default_pass_id_sessionpacks_passes"),
            type_="foreignkey",
        )
    for table in (
        "sessionpacks_tasks",
        "sessionpacks_pass_applicability",
        "sessionpacks_ledger_entries",
        "sessionpacks_redemptions",
        "sessionpacks_passes",
        "sessionpacks_members",
        "sessionpacks_templates",
        "sessionpacks_side_effects",
        "sessionpacks_services",
        "sessionpacks_operations",
        "sessionpacks_emails",
        "sessionpacks_accounts",
    ):
        op.drop_table(table)
