"""Bookings: the schedule's occurrences, bookings, each service's booking policy and members'
email addresses.

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-22 22:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sessionpacks.columns

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("sessionpacks_members") as batch:
        batch.add_column(sa.Column("email", sa.String(length=320), nullable=True))
    # Server defaults, so services that exist already take credit at booking as before.
    with op.batch_alter_table("sessionpacks_services") as batch:
        batch.add_column(
            sa.Column(
                "credit_taken", sa.String(length=16), server_default="at_booking", nullable=False
            )
        )
        batch.add_column(
            sa.Column("cancel_cutoff_minutes", sa.Integer(), server_default="0", nullable=False)
        )
        batch.add_column(
            sa.Column(
                "late_cancel_forfeits", sa.Boolean(), server_default=sa.true(), nullable=False
            )
        )
        batch.add_column(
            sa.Column("no_show_forfeits", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    op.create_table(
        "sessionpacks_occurrences",
        sa.Column("id", _ID, nullable=False),
        sa.Column("service_id", _ID, nullable=False),
        sa.Column("starts_at", sessionpacks.columns.UTCDateTime(), nullable=False),
        sa.Column("ends_at", sessionpacks.columns.UTCDateTime(), nullable=False),
        sa.Column("instructor_ref", sa.String(length=191), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("private", sa.Boolean(), nullable=False),
        sa.Column("cancelled_at", sessionpacks.columns.UTCDateTime(), nullable=True),
        sa.Column("created_at", sessionpacks.columns.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "capacity IS NULL OR capacity > 0",
            name=op.f("ck_sessionpacks_occurrences_capacity_positive"),
        ),
        sa.CheckConstraint(
            "ends_at > starts_at", name=op.f("ck_sessionpacks_occurrences_ends_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["sessionpacks_services.id"],
            name=op.f("fk_sessionpacks_occurrences_service_id_sessionpacks_services"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessionpacks_occurrences")),
    )
    op.create_index(
        "ix_sessionpacks_occurrences_schedule",
        "sessionpacks_occurrences",
        ["private", "starts_at"],
    )
    op.create_index(
        op.f("ix_sessionpacks_occurrences_service_id"), "sessionpacks_occurrences", ["service_id"]
    )
    op.create_table(
        "sessionpacks_bookings",
        sa.Column("id", _ID, nullable=False),
        sa.Column("account_id", _ID, nullable=False),
        sa.Column("member_id", _ID, nullable=False),
        sa.Column("service_id", _ID, nullable=False),
        sa.Column("occurrence_id", _ID, nullable=True),
        sa.Column("occurrence_ref", sa.String(length=191), nullable=True),
        sa.Column("starts_at", sessionpacks.columns.UTCDateTime(), nullable=False),
        sa.Column("private", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("active_key", sa.String(length=191), nullable=True),
        sa.Column("redemption_id", _ID, nullable=True),
        sa.Column("credit_taken", sa.String(length=16), nullable=False),
        sa.Column("hold", sa.String(length=16), nullable=True),
        sa.Column("reminder_sent_at", sessionpacks.columns.UTCDateTime(), nullable=True),
        sa.Column("attended_at", sessionpacks.columns.UTCDateTime(), nullable=True),
        sa.Column("cancelled_at", sessionpacks.columns.UTCDateTime(), nullable=True),
        sa.Column("created_at", sessionpacks.columns.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sessionpacks.columns.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "(occurrence_id IS NULL) <> (occurrence_ref IS NULL)",
            name=op.f("ck_sessionpacks_bookings_occurrence_or_ref"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["sessionpacks_accounts.id"],
            name=op.f("fk_sessionpacks_bookings_account_id_sessionpacks_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["sessionpacks_members.id"],
            name=op.f("fk_sessionpacks_bookings_member_id_sessionpacks_members"),
        ),
        sa.ForeignKeyConstraint(
            ["occurrence_id"],
            ["sessionpacks_occurrences.id"],
            name=op.f("fk_sessionpacks_bookings_occurrence_id_sessionpacks_occurrences"),
        ),
        sa.ForeignKeyConstraint(
            ["redemption_id"],
            ["sessionpacks_redemptions.id"],
            name=op.f("fk_sessionpacks_bookings_redemption_id_sessionpacks_redemptions"),
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["sessionpacks_services.id"],
            name=op.f("fk_sessionpacks_bookings_service_id_sessionpacks_services"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessionpacks_bookings")),
        sa.UniqueConstraint("active_key", name=op.f("uq_sessionpacks_bookings_active_key")),
    )
    op.create_index(
        op.f("ix_sessionpacks_bookings_account_id"), "sessionpacks_bookings", ["account_id"]
    )
    op.create_index(
        op.f("ix_sessionpacks_bookings_member_id"), "sessionpacks_bookings", ["member_id"]
    )
    op.create_index(
        "ix_sessionpacks_bookings_occurrence_state",
        "sessionpacks_bookings",
        ["occurrence_id", "state"],
    )
    op.create_index("ix_sessionpacks_bookings_due", "sessionpacks_bookings", ["state", "starts_at"])


def downgrade() -> None:
    op.drop_table("sessionpacks_bookings")
    op.drop_table("sessionpacks_occurrences")
    with op.batch_alter_table("sessionpacks_services") as batch:
        batch.drop_column("no_show_forfeits")
        batch.drop_column("late_cancel_forfeits")
        batch.drop_column("cancel_cutoff_minutes")
        batch.drop_column("credit_taken")
    with op.batch_alter_table("sessionpacks_members") as batch:
        batch.drop_column("email")
