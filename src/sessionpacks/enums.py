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
