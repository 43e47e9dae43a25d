"""Plain words for members: what a redemption took, what a cancellation gave back, and why a
check-in was refused. The core decides; this only says it the way a front desk would."""

from __future__ import annotations

import datetime as dt
import enum

from sessionpacks import errors
from sessionpacks.bookings import BookingResult
from sessionpacks.enums import (
    BatchState,
    BookingState,
    EntryKind,
    Metric,
    PassState,
    Scope,
    StartRule,
    SubscriptionState,
    TemplateKind,
)
from sessionpacks.errors import Unusable
from sessionpacks.units import format_money
from sessionpacks.values import RedeemResult
from sessionpacks.web.product_terms import ProductTerms

_UNUSABLE = {
    Unusable.SUSPENDED: "your pass is on hold (suspended)",
    Unusable.EXPIRED: "your pass has expired",
    Unusable.EXHAUSTED: "your pass is used up",
    Unusable.NOT_STARTED: "your pass has not started yet",
    Unusable.MEMBER_CAP_REACHED: "you have used your share of your account's pass",
    Unusable.NOT_USABLE_BY_MEMBER: "your account's pass is for another member",
    Unusable.NOT_APPLICABLE: "you have no pass for this",
    Unusable.WRONG_METRIC: "your passes cannot be combined for this",
    Unusable.VOIDED: "your pass was cancelled",
    Unusable.REFUNDED: "your pass was refunded",
}
# When several passes were refused, the reason a member can act on comes first.
_FIRST = tuple(_UNUSABLE)

NO_PASS = "you have no pass for this"


def amount(units: int, metric: Metric, currency: str | None) -> str:
    """``3 sessions``, ``45 minutes``, ``12.50 EUR`` (money is kept in minor units)."""
    if metric is Metric.MONEY:
        return format_money(units, currency or "").strip()
    if metric is Metric.MINUTES:
        return f"{units} minute" if units == 1 else f"{units} minutes"
    return f"{units} session" if units == 1 else f"{units} sessions"


_ENTRY = {
    EntryKind.GRANT: "Added",
    EntryKind.REDEEM: "Used",
    EntryKind.REVERSE: "Given back",
    EntryKind.ADJUST: "Corrected",
    EntryKind.EXPIRE: "Expired",
    EntryKind.EXTEND: "Extended",
    EntryKind.VOID: "Deleted",
    EntryKind.REFUND: "Refunded",
}


def entry_word(kind: EntryKind) -> str:
    """What a ledger entry did, as a history says it: "Used", "Given back"."""
    return _ENTRY[kind]


def taken(redeemed: RedeemResult | None) -> str:
    """``Session 3 of 10, 7 left.`` for the pass that paid last; empty when nothing was taken."""
    if redeemed is None or not redeemed.parts:
        return ""
    last = redeemed.parts[-1]
    left = amount(last.balance_after, redeemed.metric, redeemed.currency)
    if last.number is not None and last.of is not None:
        if redeemed.metric is Metric.SESSIONS:
            return f"Session {last.number} of {last.of}, {last.balance_after} left."
        return f"Session {last.number} of {last.of}, {left} left."
    used = amount(redeemed.units, redeemed.metric, redeemed.currency)
    return f"{used} taken, {left} left."


def booking_change(result: BookingResult) -> str:
    """What cancelling a booking did to its credit."""
    back = result.returned is not None
    if result.state is BookingState.LATE_CANCELLED:
        if back:
            return "Cancelled after the cut-off; your credit is back."
        return "Cancelled after the cut-off: by the studio's policy the credit is not returned."
    return "Booking cancelled; your credit is back." if back else "Booking cancelled."


# What a person typed that named nobody, said in the words of the form they typed it in.
_TYPED = {
    "member ref": "No member has the code {!r}.",
    "account ref": "No client has the reference {!r}.",
    "member code and PIN": "That code or PIN is not recognised.",
}
# Everything else is found by a link or a list, so what is missing is a row gone since.
_GONE = {"occurrence": "class", "account": "client", "redemption": "visit"}


def missing(error: errors.NotFound) -> str:
    """A page's words for something not found: what was typed, never an internal id."""
    typed = _TYPED.get(error.kind)
    if typed is not None:
        return typed.format(error.ident)
    kind = _GONE.get(error.kind, error.kind)
    return f"That {kind} does not exist, or no longer does. Go back and reload the page."


_BOOKING = {
    BookingState.RESERVED: "booked",
    BookingState.ATTENDED: "attended",
    BookingState.CANCELLED: "cancelled",
    BookingState.LATE_CANCELLED: "cancelled late",
    BookingState.NO_SHOW: "missed",
}


def booking_word(state: BookingState, starts_at: dt.datetime, now: dt.datetime) -> str:
    """Where a booking stands, in words; a booking whose class has begun and that nobody has
    marked yet says so, rather than "booked" for ever."""
    if state is BookingState.RESERVED and starts_at <= now:
        return "not marked yet"
    return _BOOKING[state]


def unusable(reason: Unusable) -> str:
    return _UNUSABLE[reason]


def refusal(error: errors.SessionPacksError) -> str:
    """Why a check-in could not happen, in a member's words."""
    if isinstance(error, errors.PassUnusable):
        return unusable(error.reason)
    if isinstance(error, errors.InsufficientCredit):
        reasons = {why for _, why in error.rejected}
        for reason in _FIRST:
            if reason in reasons:
                return unusable(reason)
        return NO_PASS
    if isinstance(error, errors.OccurrenceFull):
        return "this class is full"
    if isinstance(error, errors.NotAuthorized):
        return "this device may not check members in; ask at the front desk"
    if isinstance(error, errors.NotFound):
        kind = "class" if error.kind == "occurrence" else error.kind
        return f"that {kind} is not on the schedule any more"
    if isinstance(error, errors.IdempotencyConflict):
        return "this form was already used; please try again"
    if isinstance(error, errors.InvalidState):
        return f"this is not possible now ({error})"
    return str(error)


_STATE: dict[enum.Enum, str] = {
    PassState.PENDING: "not started",
    PassState.ACTIVE: "active",
    PassState.SUSPENDED: "on hold",
    PassState.EXHAUSTED: "used up",
    PassState.EXPIRED: "expired",
    PassState.VOIDED: "deleted",
    PassState.REFUNDED: "refunded",
    SubscriptionState.ACTIVE: "active",
    SubscriptionState.CANCELLED: "cancelled",
    BatchState.OPEN: "in progress",
    BatchState.COMPLETE: "done",
    BatchState.UNDOING: "being undone",
    BatchState.UNDONE: "undone",
}


def state_word(state: enum.Enum) -> str:
    """Where a pass, a plan or a batch stands, in words: "used up", not ``exhausted``."""
    return _STATE[state]


_HELD_BACK = {
    Unusable.SUSPENDED: "it is on hold",
    Unusable.EXPIRED: "it has expired",
    Unusable.EXHAUSTED: "it is used up",
    Unusable.NOT_STARTED: "it has not started yet",
    Unusable.MEMBER_CAP_REACHED: "this member has used their share of it",
    Unusable.NOT_USABLE_BY_MEMBER: "it is for another member",
    Unusable.NOT_APPLICABLE: "it does not pay for this service",
    Unusable.WRONG_METRIC: "it is counted in another unit",
    Unusable.VOIDED: "it was deleted",
    Unusable.REFUNDED: "it was refunded",
}


def held_back(reason: Unusable | None) -> str:
    """Why a pass cannot pay, as staff are told it: "it has expired"."""
    return _HELD_BACK[reason] if reason is not None else "it does not pay for this"


# -- product set-up ----------------------------------------------------------------------------

# A punch pass counts visits to classes; packs and plans count sessions (appointments too).
_COUNTED = {TemplateKind.PASS: ("class", "classes")}


def template_summary(terms: ProductTerms) -> str:
    """What a product is, in one line: ``10 classes, 120.00 EUR, valid 3 months from first use``.

    The one description of a product: the templates list, the set-up form and its live preview
    all say it with this, so what a studio sets up reads the same everywhere."""
    parts = [_holds(terms), _price(terms)]
    if terms.kind is TemplateKind.PLAN:
        if terms.rollover:
            unused = f"unused {_noun(terms, 2)} roll over"
            if terms.rollover_cap is not None:
                unused += f", up to {_amount(terms, terms.rollover_cap)}"
            parts.append(unused)
    else:
        parts.append(_validity(terms))
        parts.append(_rates(terms))
    if terms.pays_for:
        parts.append("for " + ", ".join(terms.pays_for))
    if terms.scope is Scope.MEMBER:
        parts.append("for one member")
    elif terms.member_cap is not None:
        parts.append(f"up to {_amount(terms, terms.member_cap)} per member")
    if terms.auto_renew and terms.kind is not TemplateKind.PLAN:
        parts.append("sold again when used up or expired")
    if not terms.refundable:
        parts.append("not refundable")
    return ", ".join(part for part in parts if part)


def _noun(terms: ProductTerms, count: int) -> str:
    one, many = _COUNTED.get(terms.kind, ("session", "sessions"))
    if terms.metric is Metric.MINUTES:
        one, many = "minute", "minutes"
    return one if count == 1 else many


def _amount(terms: ProductTerms, units: int) -> str:
    if terms.metric is Metric.MONEY:
        return _money(units, terms.currency)
    if terms.metric is Metric.MINUTES and units and units % 60 == 0:
        hours = units // 60
        return "1 hour" if hours == 1 else f"{hours} hours"
    return f"{units} {_noun(terms, units)}"


def _holds(terms: ProductTerms) -> str:
    if terms.quantity is None:
        return ""
    held = _amount(terms, terms.quantity)
    if terms.metric is Metric.MONEY:
        held += " of credit"
    return f"{held} {_period(terms)}".strip() if terms.kind is TemplateKind.PLAN else held


def _price(terms: ProductTerms) -> str:
    if not terms.price_minor:
        return "free"
    price = _money(terms.price_minor, terms.currency)
    return f"{price} {_period(terms)}".strip() if terms.kind is TemplateKind.PLAN else price


def _period(terms: ProductTerms) -> str:
    """How often a plan gives its credits and takes its price: "a month", "every 2 weeks"."""
    if terms.period_months is not None:
        months = terms.period_months
        return "a month" if months == 1 else "a year" if months == 12 else f"every {months} months"
    if terms.period_days is not None:
        days = terms.period_days
        if days % 7 == 0:
            weeks = days // 7
            return "a week" if weeks == 1 else f"every {weeks} weeks"
        return "a day" if days == 1 else f"every {days} days"
    return ""


def _validity(terms: ProductTerms) -> str:
    starts = {
        StartRule.ON_PURCHASE: "from purchase",
        StartRule.ON_FIRST_USE: "from first use",
        StartRule.ON_DATE: f"from {_day(terms.start_date)}" if terms.start_date else "from a date",
    }[terms.start_rule]
    if terms.validity_months is not None:
        months = terms.validity_months
        return f"valid {months} month{'' if months == 1 else 's'} {starts}"
    if terms.validity_days is not None:
        days = terms.validity_days
        return f"valid {days} day{'' if days == 1 else 's'} {starts}"
    if terms.valid_until is not None:
        until = f"until {_day(terms.valid_until)}"
        return (
            f"valid {starts} {until}" if terms.start_rule is StartRule.ON_DATE else f"valid {until}"
        )
    if terms.start_rule is StartRule.ON_DATE:
        return f"starts {starts.removeprefix('from ')}, no expiry"
    return "no expiry"


def _rates(terms: ProductTerms) -> str:
    """A money pack's price per session: "first session 30.00 EUR, then 20.00 EUR each"."""
    if terms.metric is not Metric.MONEY:
        return ""
    first, later = terms.first_rate_minor, terms.subsequent_rate_minor
    if first is not None and later is not None:
        first_said, later_said = _money(first, terms.currency), _money(later, terms.currency)
        return f"first session {first_said}, then {later_said} each"
    if first is not None:
        return f"first session {_money(first, terms.currency)}"
    if later is not None:
        return f"each session after the first {_money(later, terms.currency)}"
    return ""


def _money(minor: int, currency: str | None) -> str:
    return format_money(minor, currency or "").strip()


def _day(day: dt.date | None) -> str:
    # As the pages show a day (helpers.when), which imports this module.
    return "" if day is None else f"{day:%a %d %b %Y}"
