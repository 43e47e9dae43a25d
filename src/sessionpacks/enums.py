"""The fixed vocabularies of the domain, stored as their string values."""

from __future__ import annotations

import enum


class Metric(str, enum.Enum):
    """What a pass counts."""

    SESSIONS = "sessions"
    MINUTES = "minutes"
    MONEY = "money"


class PassState(str, enum.Enum):
    PENDING = "pending"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    EXHAUSTED = "exhausted"
    EXPIRED = "expired"
    VOIDED = "voided"
    # Ended by a refund of its unused part: shown in lists, never usable again.
    REFUNDED = "refunded"


class Source(str, enum.Enum):
    """Where a pass came from."""

    SALE = "sale"
    GRANT = "grant"
    RENEWAL = "renewal"
    IMPORT = "import"


class EntryKind(str, enum.Enum):
    """What a ledger entry did to its pass."""

    GRANT = "grant"
    REDEEM = "redeem"
    REVERSE = "reverse"
    ADJUST = "adjust"
    EXPIRE = "expire"
    EXTEND = "extend"
    VOID = "void"
    # The unused part of a sold pass, given back as money; ends the pass.
    REFUND = "refund"


class Channel(str, enum.Enum):
    """Through which door a write came in."""

    OFFICE = "office"
    PORTAL = "portal"
    KIOSK = "kiosk"
    API = "api"
    CLI = "cli"
    SYSTEM = "system"


class SideEffectState(str, enum.Enum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class CreditTaken(str, enum.Enum):
    """When a service's bookings take their credit."""

    AT_BOOKING = "at_booking"
    AT_ATTENDANCE = "at_attendance"


class BookingState(str, enum.Enum):
    RESERVED = "reserved"
    ATTENDED = "attended"
    CANCELLED = "cancelled"
    LATE_CANCELLED = "late_cancelled"
    NO_SHOW = "no_show"


class HoldState(str, enum.Enum):
    """What became of the credit an at-attendance booking held."""

    HELD = "held"
    CAPTURED = "captured"
    RELEASED = "released"
    FORFEITED = "forfeited"


# -- bulk grants -------------------------------------------------------------------------------


class BatchState(str, enum.Enum):
    """Where a bulk grant stands."""

    # Recipients are still coming: a run stopped half-way, or is running.
    OPEN = "open"
    COMPLETE = "complete"
    UNDOING = "undoing"
    UNDONE = "undone"


class ItemOutcome(str, enum.Enum):
    GRANTED = "granted"
    SKIPPED = "skipped"


class SkipReason(str, enum.Enum):
    """Why a recipient of a bulk grant got nothing."""

    NO_ACCOUNT = "no account given"
    UNKNOWN_ACCOUNT = "unknown account"
    UNKNOWN_MEMBER = "unknown member"
    MEMBER_NOT_IN_ACCOUNT = "member not in this account"
    DUPLICATE = "already granted in this batch"
    NOT_AUTHORIZED = "not authorized for this account"


class UndoOutcome(str, enum.Enum):
    """What undoing a bulk grant did to one of its passes."""

    # Never used: deleted, as if never given.
    VOIDED = "voided"
    # Partly used: what remains is taken back; its redemptions stay.
    EMPTIED = "emptied"
    # Deleted or emptied before the undo: nothing to take back.
    NOTHING_LEFT = "nothing left"


# -- templates and selling (issue 3) -------------------------------------------------------------


class TemplateKind(str, enum.Enum):
    """What staff call the product: a punch pass, a session pack, a recurring plan."""

    PASS = "pass"
    PACK = "pack"
    PLAN = "plan"


class StartRule(str, enum.Enum):
    """When a pass made from a template starts."""

    ON_PURCHASE = "on_purchase"
    ON_DATE = "on_date"
    ON_FIRST_USE = "on_first_use"


class Scope(str, enum.Enum):
    """Who may use a pass: any member of the account (family pass) or one member (student pass)."""

    ACCOUNT = "account"
    MEMBER = "member"


class RefundState(str, enum.Enum):
    """How asking the provider for a pass's refund went. The pass is closed before the asking.

    ``pending``: asked, or about to be, with no answer yet; ``succeeded``: the money went back;
    ``failed``: the provider refused, and the pass was opened again with its units; ``unknown``:
    no answer (a timeout), to be asked again with the same key by ``retry_payments``.
    """

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    UNKNOWN = "unknown"


class PaymentState(str, enum.Enum):
    """Where a sale's payment stands; every state but ``passed`` and ``refunded`` is unfinished.

    ``pending``: the charge was asked for and its answer is not known (a crash or a timeout);
    ``charged``: the provider took the money and the pass is not made yet; ``passed``: the pass
    exists; ``refunding``: the pass could not be made and the refund is under way;
    ``refunded``: the charge was given back; ``needs_attention``: the refund failed too.

    Each step moves the row only from the states it may follow, so two tries of one sale never
    both make the pass, or make it and refund it.
    """

    PENDING = "pending"
    CHARGED = "charged"
    PASSED = "passed"
    REFUNDING = "refunding"
    REFUNDED = "refunded"
    NEEDS_ATTENTION = "needs_attention"


class Billing(str, enum.Enum):
    """Who takes a plan's money each period: the studio through the payment hook, or the host's
    own billing, which calls the renewal when a period is paid."""

    STUDIO = "studio"
    EXTERNAL = "external"


class SubscriptionState(str, enum.Enum):
    ACTIVE = "active"
    CANCELLED = "cancelled"


class RenewalState(str, enum.Enum):
    """An automatic re-sale of a used-up or expired pass."""

    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"
