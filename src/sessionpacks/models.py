"""The tables sessionpacks owns, as SQLAlchemy 2 typed declarative models.

Every table is prefixed ``sessionpacks_`` so it can live in a host's own database. The services
write through Core statements on these tables for speed; the classes are here for hosts that want
to query them and for the migrations.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

import sqlalchemy as sa
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from sessionpacks.columns import BigId, UTCDateTime, metadata

# 191 characters keeps a unique index within MySQL's limit for utf8mb4.
REF_LENGTH = 191


class Base(DeclarativeBase):
    metadata = metadata


class Account(Base):
    """Who pays and owns credits: a family or a single client, known to the host by ``ref``."""

    __tablename__ = "sessionpacks_accounts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ref: Mapped[str] = mapped_column(String(REF_LENGTH), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Member(Base):
    """A person who attends, belonging to one account."""

    __tablename__ = "sessionpacks_members"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("sessionpacks_accounts.id"), index=True)
    ref: Mapped[str | None] = mapped_column(String(REF_LENGTH), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Where confirmations and reminders go; None when the member has no address on file.
    email: Mapped[str | None] = mapped_column(String(320))
    # The host's own id for the user this member signs in as: separate from ``ref``, the code
    # typed at the kiosk, so a kiosk code can change without unlinking the login.
    user_key: Mapped[str | None] = mapped_column(String(REF_LENGTH), unique=True)
    # An optional PIN asked at the kiosk, as a salted scrypt hash (sessionpacks.pins).
    kiosk_pin: Mapped[str | None] = mapped_column(String(200))
    # The member's default pack: used first for every new redemption.
    default_pass_id: Mapped[int | None] = mapped_column(
        ForeignKey("sessionpacks_passes.id", use_alter=True)
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ActorName(Base):
    """What the host called someone who acted (a staff user's display name), kept so a history
    says "Alex" rather than the id the ledger records, even after the user is gone."""

    __tablename__ = "sessionpacks_actor_names"

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    actor_id: Mapped[str] = mapped_column(String(REF_LENGTH), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Service(Base):
    """A class type or appointment type that credits pay for."""

    __tablename__ = "sessionpacks_services"
    __table_args__ = (
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
        CheckConstraint("price_minor IS NULL OR price_minor >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(REF_LENGTH), unique=True)
    category: Mapped[str] = mapped_column(String(REF_LENGTH), index=True)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    price_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # The booking policy (see bookings.md): when credit is taken, the cancellation cut-off in
    # minutes before the start, and whether a late cancellation or a no-show keeps a held credit.
    credit_taken: Mapped[str] = mapped_column(String(16), server_default="at_booking")
    cancel_cutoff_minutes: Mapped[int] = mapped_column(Integer, server_default="0")
    late_cancel_forfeits: Mapped[bool] = mapped_column(Boolean, server_default=sa.true())
    no_show_forfeits: Mapped[bool] = mapped_column(Boolean, server_default=sa.true())


class Template(Base):
    """A product staff set up once and then sell or assign."""

    __tablename__ = "sessionpacks_templates"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("price_minor >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    metric: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[int] = mapped_column(BigInteger)
    price_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    archived_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # -- the terms every pass made from the template copies (issue 3) --
    first_rate_minor: Mapped[int | None] = mapped_column(BigInteger)
    subsequent_rate_minor: Mapped[int | None] = mapped_column(BigInteger)
    # At most one of a duration in days, one in months, or a fixed end; none means no expiry.
    validity_days: Mapped[int | None] = mapped_column(Integer)
    validity_months: Mapped[int | None] = mapped_column(Integer)
    valid_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    start_rule: Mapped[str] = mapped_column(String(16), server_default="on_purchase")
    start_date: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    all_services: Mapped[bool] = mapped_column(Boolean, server_default=true())
    scope: Mapped[str] = mapped_column(String(16), server_default="account")
    member_cap: Mapped[int | None] = mapped_column(BigInteger)
    priority: Mapped[int] = mapped_column(Integer, server_default="0")
    extend_on_unsuspend: Mapped[bool] = mapped_column(Boolean, server_default=true())
    refundable: Mapped[bool] = mapped_column(Boolean, server_default=true())
    # Recurring plans: the period each pass of the plan lasts, and what unused credits do at its
    # end (expire, or roll over into the next period up to rollover_cap).
    period_days: Mapped[int | None] = mapped_column(Integer)
    period_months: Mapped[int | None] = mapped_column(Integer)
    rollover: Mapped[bool] = mapped_column(Boolean, server_default=false())
    rollover_cap: Mapped[int | None] = mapped_column(BigInteger)
    # Sell a new pass of this template when a sold one is used up or expires.
    auto_renew: Mapped[bool] = mapped_column(Boolean, server_default=false())


class TemplateApplicability(Base):
    """One service or one category a template's passes are valid for, when not valid for all."""

    __tablename__ = "sessionpacks_template_applicability"
    __table_args__ = (
        CheckConstraint("(service_id IS NULL) <> (category IS NULL)", name="service_or_category"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("sessionpacks_templates.id"), index=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("sessionpacks_services.id"))
    category: Mapped[str | None] = mapped_column(String(REF_LENGTH))


class Pass(Base):
    """A block of credits held by an account (and, when member-scoped, by one member).

    ``remaining`` caches the sum of the pass's ledger entries; it is only ever changed in the
    transaction that appends the entry, and ``sessionpacks verify`` proves the two agree.
    """

    __tablename__ = "sessionpacks_passes"
    __table_args__ = (
        CheckConstraint("remaining >= 0", name="remaining_not_negative"),
        CheckConstraint("initial_quantity > 0", name="initial_positive"),
        CheckConstraint("cost_basis_minor >= 0", name="cost_basis_not_negative"),
        CheckConstraint("redeemed_count >= 0", name="redeemed_count_not_negative"),
        Index("ix_sessionpacks_passes_account_state", "account_id", "state"),
        # The expiry sweep's and the reminders' search: open passes by expiry.
        Index("ix_sessionpacks_passes_state_expires", "state", "expires_at", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("sessionpacks_accounts.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("sessionpacks_members.id"), index=True)
    template_id: Mapped[int | None] = mapped_column(ForeignKey("sessionpacks_templates.id"))
    label: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(16))
    metric: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str | None] = mapped_column(String(3))
    initial_quantity: Mapped[int] = mapped_column(BigInteger)
    remaining: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(16))
    starts_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # What was paid for the whole pass, in minor units of ``cost_currency``; zero when free.
    cost_basis_minor: Mapped[int] = mapped_column(BigInteger)
    cost_currency: Mapped[str | None] = mapped_column(String(3))
    # The paid value of the units the pass still holds (deferred revenue), in ``cost_currency``
    # minor units: the sum of its entries' ``value_change_minor``. Free units carry none.
    value_left_minor: Mapped[int] = mapped_column(BigInteger, server_default="0")
    first_rate_minor: Mapped[int | None] = mapped_column(BigInteger)
    subsequent_rate_minor: Mapped[int | None] = mapped_column(BigInteger)
    all_services: Mapped[bool] = mapped_column(Boolean)
    member_cap: Mapped[int | None] = mapped_column(BigInteger)
    priority: Mapped[int] = mapped_column(Integer)
    # Redemptions that still count: the next one is "session redeemed_count + 1 of N".
    redeemed_count: Mapped[int] = mapped_column(Integer)
    # The time of the newest entry; entries never get an earlier time, so the balance as of any
    # moment is the balance_after of the last entry at or before it.
    last_entry_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # -- lifecycle and selling (issue 3): a pass keeps its own copy of its template's terms --
    # A pass that starts on first use gets its start, and an expiry this long after it, then.
    starts_on_first_use: Mapped[bool] = mapped_column(Boolean, server_default=false())
    validity_days: Mapped[int | None] = mapped_column(Integer)
    validity_months: Mapped[int | None] = mapped_column(Integer)
    # Whether unsuspending moves the expiry out by the time spent suspended.
    extend_on_unsuspend: Mapped[bool] = mapped_column(Boolean, server_default=true())
    refundable: Mapped[bool] = mapped_column(Boolean, server_default=false())
    suspended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # The payment provider's reference for the charge that paid for a sold pass.
    charge_reference: Mapped[str | None] = mapped_column(String(REF_LENGTH))
    # Copied from the template at the sale: sell this pass again when it is used up or expires.
    auto_renew: Mapped[bool] = mapped_column(Boolean, server_default=false())


class PassApplicability(Base):
    """One service or one category a pass is valid for, when not valid for all."""

    __tablename__ = "sessionpacks_pass_applicability"
    __table_args__ = (
        CheckConstraint("(service_id IS NULL) <> (category IS NULL)", name="service_or_category"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    pass_id: Mapped[int] = mapped_column(ForeignKey("sessionpacks_passes.id"), index=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("sessionpacks_services.id"))
    category: Mapped[str | None] = mapped_column(String(REF_LENGTH))


class Operation(Base):
    """One write: who did it, through which channel, under which idempotency key, and its result."""

    __tablename__ = "sessionpacks_operations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(REF_LENGTH), unique=True)
    action: Mapped[str] = mapped_column(String(32))
    # SHA-256 of the action and its arguments: a replay with other arguments is refused.
    fingerprint: Mapped[str] = mapped_column(String(64))
    actor_kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[str] = mapped_column(String(REF_LENGTH))
    channel: Mapped[str] = mapped_column(String(16))
    result: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Redemption(Base):
    """Units taken for one service for one member, possibly from several passes."""

    __tablename__ = "sessionpacks_redemptions"
    __table_args__ = (Index("ix_sessionpacks_redemptions_time", "occurred_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("sessionpacks_operations.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("sessionpacks_accounts.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("sessionpacks_members.id"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("sessionpacks_services.id"))
    occurrence_ref: Mapped[str | None] = mapped_column(String(REF_LENGTH))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    reversed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class LedgerEntry(Base):
    """An append-only change to what one pass holds. Never updated, never deleted.

    ``balance_after`` makes any past balance one index lookup, however long the ledger grows.
    """

    __tablename__ = "sessionpacks_ledger_entries"
    __table_args__ = (
        CheckConstraint("balance_after >= 0", name="balance_after_not_negative"),
        Index("ix_sessionpacks_ledger_entries_pass_time", "pass_id", "created_at", "id"),
        # Reports sum the entries of a period.
        Index("ix_sessionpacks_ledger_entries_time", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    pass_id: Mapped[int] = mapped_column(ForeignKey("sessionpacks_passes.id"))
    operation_id: Mapped[int] = mapped_column(ForeignKey("sessionpacks_operations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    delta: Mapped[int] = mapped_column(BigInteger)
    balance_after: Mapped[int] = mapped_column(BigInteger)
    redemption_id: Mapped[int | None] = mapped_column(
        ForeignKey("sessionpacks_redemptions.id"), index=True
    )
    member_id: Mapped[int | None] = mapped_column(ForeignKey("sessionpacks_members.id"))
    # On a redeem entry, "session n" of the pass when it was written.
    number: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str | None] = mapped_column(String(500))
    # Both in the pass's ``cost_currency`` minor units. ``value_change_minor``: what the entry
    # changed in the pass's ``value_left_minor`` (a sale adds its price, a redemption takes the
    # used units' share). ``value_minor``: the revenue the entry recognised: the used units'
    # share on a redeem (negative on its reverse), breakage on an expire or void, the part kept
    # on a refund; None where nothing was recognised (a grant, free units, a rollover's move).
    # What leaves the pass and is neither recognised nor moved is money refunded.
    value_change_minor: Mapped[int] = mapped_column(BigInteger, server_default="0")
    value_minor: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class SideEffect(Base):
    """An email, task or event waiting to go out after its transaction committed."""

    __tablename__ = "sessionpacks_side_effects"
    __table_args__ = (Index("ix_sessionpacks_side_effects_state", "state", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    hook: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    # Set while a process delivers it, so two retry runs do not both send it.
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # The listeners of an event told of it already (a JSON list), so a retry skips them.
    delivered_to: Mapped[str | None] = mapped_column(Text)


class Payment(Base):
    """One sale's charge, recorded before the provider is asked, so that no charge is ever lost.

    The charge happens outside the ledger transaction (a provider is slow), so this row walks
    through the states of :class:`~sessionpacks.enums.PaymentState`, each committed on its own; a
    retried sale with the same idempotency key reads it and carries on where the last try stopped.
    """

    __tablename__ = "sessionpacks_payments"
    __table_args__ = (
        CheckConstraint("amount_minor >= 0", name="amount_not_negative"),
        Index("ix_sessionpacks_payments_state", "state", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(REF_LENGTH), unique=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("sessionpacks_templates.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("sessionpacks_accounts.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("sessionpacks_members.id"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    state: Mapped[str] = mapped_column(String(16))
    charge_reference: Mapped[str | None] = mapped_column(String(REF_LENGTH))
    refund_reference: Mapped[str | None] = mapped_column(String(REF_LENGTH))
    pass_id: Mapped[int | None] = mapped_column(ForeignKey("sessionpacks_passes.id"))
    last_error: Mapped[str | None] = mapped_column(Text)
    # The moment the sale's start was asked for, so a retry can finish the very sale.
    starts_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # While set and in the future, one process is asking the provider: no other asks too.
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class PassRefund(Base):
    """One refund of a sold pass, recorded (with the pass closed) before the provider is asked.

    Its amount and provider key are fixed when it is written, so every retry asks the provider
    for the same refund; :class:`~sessionpacks.enums.RefundState` says how the asking went.
    """

    __tablename__ = "sessionpacks_pass_refunds"
    __table_args__ = (
        CheckConstraint("amount_minor >= 0", name="amount_not_negative"),
        Index("ix_sessionpacks_pass_refunds_state", "state", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    pass_id: Mapped[int] = mapped_column(ForeignKey("sessionpacks_passes.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("sessionpacks_accounts.id"))
    provider_key: Mapped[str] = mapped_column(String(REF_LENGTH + 32), unique=True)
    charge_reference: Mapped[str] = mapped_column(String(REF_LENGTH))
    units: Mapped[int] = mapped_column(BigInteger)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    state: Mapped[str] = mapped_column(String(16))
    refund_reference: Mapped[str | None] = mapped_column(String(REF_LENGTH))
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # The ledger entry that closed the pass, and the operation of the refund call.
    entry_id: Mapped[int] = mapped_column(BigInteger)
    operation_id: Mapped[int] = mapped_column(BigInteger, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Email(Base):
    """An email kept by the default email plugin, which logs instead of sending."""

    __tablename__ = "sessionpacks_emails"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class StaffTask(Base):
    """A to-do for staff, kept by the default task plugin."""

    __tablename__ = "sessionpacks_tasks"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("sessionpacks_accounts.id"))
    pass_id: Mapped[int | None] = mapped_column(ForeignKey("sessionpacks_passes.id"))
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Notice(Base):
    """A reminder that went out for a pass: unique per pass and kind, so it goes out once."""

    __tablename__ = "sessionpacks_notices"
    __table_args__ = (sa.UniqueConstraint("pass_id", "kind"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    pass_id: Mapped[int] = mapped_column(ForeignKey("sessionpacks_passes.id"))
    kind: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Occurrence(Base):
    """One class or appointment on the schedule: a service at a time, public or private."""

    __tablename__ = "sessionpacks_occurrences"
    __table_args__ = (
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_sessionpacks_occurrences_schedule", "private", "starts_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("sessionpacks_services.id"), index=True)
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # The host's own id of the instructor, if any.
    instructor_ref: Mapped[str | None] = mapped_column(String(REF_LENGTH))
    # None means no limit.
    capacity: Mapped[int | None] = mapped_column(Integer)
    private: Mapped[bool] = mapped_column(Boolean)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Booking(Base):
    """A member's place in an occurrence (or in the host's own occurrence ``occurrence_ref``)."""

    __tablename__ = "sessionpacks_bookings"
    __table_args__ = (
        CheckConstraint(
            "(occurrence_id IS NULL) <> (occurrence_ref IS NULL)", name="occurrence_or_ref"
        ),
        Index("ix_sessionpacks_bookings_occurrence_state", "occurrence_id", "state"),
        Index("ix_sessionpacks_bookings_due", "state", "starts_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("sessionpacks_accounts.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("sessionpacks_members.id"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("sessionpacks_services.id"))
    occurrence_id: Mapped[int | None] = mapped_column(ForeignKey("sessionpacks_occurrences.id"))
    occurrence_ref: Mapped[str | None] = mapped_column(String(REF_LENGTH))
    # Copied from the occurrence, so the cut-off and reminders need no join.
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    private: Mapped[bool] = mapped_column(Boolean)
    state: Mapped[str] = mapped_column(String(16))
    # "member:occurrence" while the booking is not cancelled, NULL after: unique, so a member
    # holds at most one live place per occurrence on every database (no partial indexes needed).
    active_key: Mapped[str | None] = mapped_column(String(REF_LENGTH), unique=True)
    redemption_id: Mapped[int | None] = mapped_column(ForeignKey("sessionpacks_redemptions.id"))
    credit_taken: Mapped[str] = mapped_column(String(16))
    hold: Mapped[str | None] = mapped_column(String(16))
    reminder_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    attended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Why staff cancelled it keeping the credit (a cancellation without refund), if they did.
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


# -- bulk grants -----------------------------------------------------------------------------


class GrantBatch(Base):
    """One bulk grant: the same terms given to many clients, done in chunks, undone as one.

    ``key`` is the batch's idempotency key; ``processed`` counts the recipients handled so far,
    in the order they were given, so a run that stopped half-way resumes after the last one.
    """

    __tablename__ = "sessionpacks_grant_batches"
    __table_args__ = (
        CheckConstraint("processed >= 0", name="processed_not_negative"),
        CheckConstraint("processed = granted + skipped", name="counts_add_up"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(REF_LENGTH), unique=True)
    # The operation that opened the batch: its actor, channel, and the grant entries' operation.
    operation_id: Mapped[int] = mapped_column(ForeignKey("sessionpacks_operations.id"))
    # The PassTerms every pass of the batch is made from, as JSON.
    terms: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(500))
    actor_kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[str] = mapped_column(String(REF_LENGTH))
    channel: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    processed: Mapped[int] = mapped_column(BigInteger)
    granted: Mapped[int] = mapped_column(BigInteger)
    skipped: Mapped[int] = mapped_column(BigInteger)
    undone: Mapped[int] = mapped_column(BigInteger)
    undo_operation_id: Mapped[int | None] = mapped_column(ForeignKey("sessionpacks_operations.id"))
    undo_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    undone_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class GrantBatchItem(Base):
    """One recipient of a bulk grant, as given, and what became of it.

    ``account_id`` and ``member_id`` are kept as given even when they name nothing (the item is
    then skipped and says why), so they carry no foreign key.
    """

    __tablename__ = "sessionpacks_grant_batch_items"
    __table_args__ = (
        UniqueConstraint("batch_id", "position"),
        Index("ix_sessionpacks_grant_batch_items_holder", "batch_id", "account_id", "member_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("sessionpacks_grant_batches.id"))
    position: Mapped[int] = mapped_column(BigInteger)
    account_ref: Mapped[str | None] = mapped_column(String(REF_LENGTH))
    account_id: Mapped[int | None] = mapped_column(BigInteger)
    member_id: Mapped[int | None] = mapped_column(BigInteger)
    outcome: Mapped[str] = mapped_column(String(16))
    why: Mapped[str | None] = mapped_column(String(200))
    pass_id: Mapped[int | None] = mapped_column(ForeignKey("sessionpacks_passes.id"))
    # What the batch's undo took back from the pass, and how: voided or emptied.
    taken_back: Mapped[int | None] = mapped_column(BigInteger)
    undo: Mapped[str | None] = mapped_column(String(16))
    undone_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class PlanSubscription(Base):
    """An account's (or member's) recurring plan: the period it is in and that period's pass.

    ``billing`` says who takes the money each period: ``studio`` (the payment hook, renewed by
    the sweep) or ``external`` (the host's billing, which calls the renewal when it is paid).
    """

    __tablename__ = "sessionpacks_plan_subscriptions"
    __table_args__ = (Index("ix_sessionpacks_plan_subscriptions_due", "state", "period_end"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("sessionpacks_accounts.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("sessionpacks_members.id"))
    template_id: Mapped[int] = mapped_column(ForeignKey("sessionpacks_templates.id"))
    billing: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    # Period n runs from started_at + (n-1) periods to started_at + n periods, counted from the
    # first start so that monthly periods keep their day of the month.
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    period_number: Mapped[int] = mapped_column(Integer)
    period_start: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    period_end: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    current_pass_id: Mapped[int] = mapped_column(ForeignKey("sessionpacks_passes.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Renewal(Base):
    """The automatic sale that replaces one used-up or expired auto-renewing pass."""

    __tablename__ = "sessionpacks_renewals"
    __table_args__ = (Index("ix_sessionpacks_renewals_state", "state", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    pass_id: Mapped[int] = mapped_column(ForeignKey("sessionpacks_passes.id"), unique=True)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    new_pass_id: Mapped[int | None] = mapped_column(ForeignKey("sessionpacks_passes.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


def table(model: type[Base]) -> Table:
    """The Core table behind a model: the services write with Core statements, for speed."""
    return cast(Table, model.__table__)
