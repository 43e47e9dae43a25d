"""Plain words for members: what a redemption took, what a cancellation gave back, and why a
check-in was refused. The core decides; this only says it the way a front desk would, in the
studio's language (:mod:`sessionpacks.web.i18n`)."""

from __future__ import annotations

import datetime as dt

from sessionpacks import errors
from sessionpacks.bookings import BookingResult
from sessionpacks.enums import BookingState, EntryKind, Metric, PassState
from sessionpacks.errors import Unusable
from sessionpacks.values import RedeemResult
from sessionpacks.web.i18n import N_, gettext, money, ngettext

_UNUSABLE = {
    Unusable.SUSPENDED: N_("your pass is on hold (suspended)"),
    Unusable.EXPIRED: N_("your pass has expired"),
    Unusable.EXHAUSTED: N_("your pass is used up"),
    Unusable.NOT_STARTED: N_("your pass has not started yet"),
    Unusable.MEMBER_CAP_REACHED: N_("you have used your share of your account's pass"),
    Unusable.NOT_USABLE_BY_MEMBER: N_("your account's pass is for another member"),
    Unusable.NOT_APPLICABLE: N_("you have no pass for this"),
    Unusable.WRONG_METRIC: N_("your passes cannot be combined for this"),
    Unusable.VOIDED: N_("your pass was cancelled"),
    Unusable.REFUNDED: N_("your pass was refunded"),
}
# When several passes were refused, the reason a member can act on comes first.
_FIRST = tuple(_UNUSABLE)

NO_PASS = N_("you have no pass for this")


def amount(units: int, metric: Metric, currency: str | None) -> str:
    """``3 sessions``, ``45 minutes``, ``12.50 EUR`` (money is kept in minor units)."""
    if metric is Metric.MONEY:
        return money(units, currency or "")
    if metric is Metric.MINUTES:
        return ngettext("%(num)d minute", "%(num)d minutes", units)
    return ngettext("%(num)d session", "%(num)d sessions", units)


_ENTRY = {
    EntryKind.GRANT: N_("Added"),
    EntryKind.REDEEM: N_("Used"),
    EntryKind.REVERSE: N_("Given back"),
    EntryKind.ADJUST: N_("Corrected"),
    EntryKind.EXPIRE: N_("Expired"),
    EntryKind.EXTEND: N_("Extended"),
    EntryKind.VOID: N_("Deleted"),
    EntryKind.REFUND: N_("Refunded"),
}


def entry_word(kind: EntryKind) -> str:
    """What a ledger entry did, as a history says it: "Used", "Given back"."""
    return gettext(_ENTRY[kind])


def taken(redeemed: RedeemResult | None) -> str:
    """``Session 3 of 10, 7 left.`` for the pass that paid last; empty when nothing was taken."""
    if redeemed is None or not redeemed.parts:
        return ""
    last = redeemed.parts[-1]
    left = amount(last.balance_after, redeemed.metric, redeemed.currency)
    if last.number is not None and last.of is not None:
        if redeemed.metric is Metric.SESSIONS:
            return gettext(
                "Session %(number)d of %(of)d, %(left)d left.",
                number=last.number,
                of=last.of,
                left=last.balance_after,
            )
        return gettext(
            "Session %(number)d of %(of)d, %(left)s left.",
            number=last.number,
            of=last.of,
            left=left,
        )
    used = amount(redeemed.units, redeemed.metric, redeemed.currency)
    return gettext("%(used)s taken, %(left)s left.", used=used, left=left)


def booking_change(result: BookingResult) -> str:
    """What cancelling a booking did to its credit."""
    back = result.returned is not None
    if result.state is BookingState.LATE_CANCELLED:
        if back:
            return gettext("Cancelled after the cut-off; your credit is back.")
        return gettext(
            "Cancelled after the cut-off: by the studio's policy the credit is not returned."
        )
    if back:
        return gettext("Booking cancelled; your credit is back.")
    return gettext("Booking cancelled.")


# What a person typed that named nobody, said in the words of the form they typed it in.
_TYPED = {
    "member ref": N_("No member has the code %(typed)r."),
    "account ref": N_("No client has the reference %(typed)r."),
    "member code and PIN": N_("That code or PIN is not recognised."),
}
# Everything else is found by a link or a list, so what is missing is a row gone since: one
# whole sentence each, as a language may need another word order or gender for each.
_GONE = {
    "occurrence": N_("That class does not exist, or no longer does. Go back and reload the page."),
    "account": N_("That client does not exist, or no longer does. Go back and reload the page."),
    "redemption": N_("That visit does not exist, or no longer does. Go back and reload the page."),
    "pass": N_("That pass does not exist, or no longer does. Go back and reload the page."),
    "booking": N_("That booking does not exist, or no longer does. Go back and reload the page."),
    "member": N_("That member does not exist, or no longer does. Go back and reload the page."),
    "service": N_("That service does not exist, or no longer does. Go back and reload the page."),
}
_GONE_ANY = N_("That %(kind)s does not exist, or no longer does. Go back and reload the page.")


def missing(error: errors.NotFound) -> str:
    """A page's words for something not found: what was typed, never an internal id."""
    typed = _TYPED.get(error.kind)
    if typed is not None:
        return gettext(typed, typed=error.ident) if "%" in typed else gettext(typed)
    gone = _GONE.get(error.kind)
    return gettext(gone) if gone is not None else gettext(_GONE_ANY, kind=error.kind)


_BOOKING = {
    BookingState.RESERVED: N_("booked"),
    BookingState.ATTENDED: N_("attended"),
    BookingState.CANCELLED: N_("cancelled"),
    BookingState.LATE_CANCELLED: N_("cancelled late"),
    BookingState.NO_SHOW: N_("missed"),
}


def booking_word(state: BookingState, starts_at: dt.datetime, now: dt.datetime) -> str:
    """Where a booking stands, in words; a booking whose class has begun and that nobody has
    marked yet says so, rather than "booked" for ever."""
    if state is BookingState.RESERVED and starts_at <= now:
        return gettext("not marked yet")
    return gettext(_BOOKING[state])


_PASS_STATE = {
    PassState.PENDING: N_("pending"),
    PassState.ACTIVE: N_("active"),
    PassState.SUSPENDED: N_("suspended"),
    PassState.EXHAUSTED: N_("exhausted"),
    PassState.EXPIRED: N_("expired"),
    PassState.VOIDED: N_("voided"),
    PassState.REFUNDED: N_("refunded"),
}


def pass_state_word(state: PassState | str) -> str:
    """Where a pass stands, in words a member reads (in English, the state's own word)."""
    return gettext(_PASS_STATE[PassState(state)])


def unusable(reason: Unusable) -> str:
    return gettext(_UNUSABLE[reason])


def refusal(error: errors.SessionPacksError) -> str:
    """Why a check-in could not happen, in a member's words."""
    if isinstance(error, errors.PassUnusable):
        return unusable(error.reason)
    if isinstance(error, errors.InsufficientCredit):
        reasons = {why for _, why in error.rejected}
        for reason in _FIRST:
            if reason in reasons:
                return unusable(reason)
        return gettext(NO_PASS)
    if isinstance(error, errors.OccurrenceFull):
        return gettext("this class is full")
    if isinstance(error, errors.NotAuthorized):
        return gettext("this device may not check members in; ask at the front desk")
    if isinstance(error, errors.NotFound):
        if error.kind == "occurrence":
            return gettext("that class is not on the schedule any more")
        if error.kind == "service":
            return gettext("that service is not on the schedule any more")
        return gettext("that %(kind)s is not on the schedule any more", kind=error.kind)
    if isinstance(error, errors.IdempotencyConflict):
        return gettext("this form was already used; please try again")
    if isinstance(error, errors.InvalidState):
        return gettext("this is not possible now (%(why)s)", why=error)
    return str(error)
