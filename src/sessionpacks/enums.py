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
