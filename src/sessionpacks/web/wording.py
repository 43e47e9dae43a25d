"""Plain words for members: what a redemption took, what a cancellation gave back, and why a
check-in was refused. The core decides; this only says it the way a front desk would, in the
studio's language (:mod:`sessionpacks.web.i18n`)."""

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
from sessionpacks.values import RedeemResult
from sessionpacks.web.i18n import N_, current, gettext, money, ngettext
from sessionpacks.web.product_terms import ProductTerms

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


def not_allowed() -> str:
    """A page's words for an action the studio's policy does not allow this person."""
    return gettext(
        "Your role at the studio does not allow this. Ask the studio's owner if you need it."
    )


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


_STATE: dict[enum.Enum, str] = {
    PassState.PENDING: N_("not started"),
    PassState.ACTIVE: N_("active"),
    PassState.SUSPENDED: N_("on hold"),
    PassState.EXHAUSTED: N_("used up"),
    PassState.EXPIRED: N_("expired"),
    PassState.VOIDED: N_("deleted"),
    PassState.REFUNDED: N_("refunded"),
    SubscriptionState.ACTIVE: N_("active"),
    SubscriptionState.CANCELLED: N_("cancelled"),
    BatchState.OPEN: N_("in progress"),
    BatchState.COMPLETE: N_("done"),
    BatchState.UNDOING: N_("being undone"),
    BatchState.UNDONE: N_("undone"),
}


def state_word(state: enum.Enum) -> str:
    """Where a pass, a plan or a batch stands, in words: "used up", not ``exhausted``."""
    return gettext(_STATE[state])


_HELD_BACK = {
    Unusable.SUSPENDED: N_("it is on hold"),
    Unusable.EXPIRED: N_("it has expired"),
    Unusable.EXHAUSTED: N_("it is used up"),
    Unusable.NOT_STARTED: N_("it has not started yet"),
    Unusable.MEMBER_CAP_REACHED: N_("this member has used their share of it"),
    Unusable.NOT_USABLE_BY_MEMBER: N_("it is for another member"),
    Unusable.NOT_APPLICABLE: N_("it does not pay for this service"),
    Unusable.WRONG_METRIC: N_("it is counted in another unit"),
    Unusable.VOIDED: N_("it was deleted"),
    Unusable.REFUNDED: N_("it was refunded"),
}


def held_back(reason: Unusable | None) -> str:
    """Why a pass cannot pay, as staff are told it: "it has expired"."""
    return (
        gettext(_HELD_BACK[reason]) if reason is not None else gettext("it does not pay for this")
    )


# -- product set-up ----------------------------------------------------------------------------

# Each part of a summary is one whole message (a language may order its words otherwise); the
# parts are listed with commas, as a list of terms reads in every language the pages speak.


def template_summary(terms: ProductTerms) -> str:
    """What a product is, in one line: ``10 classes, 120.00 EUR, valid 3 months from first use``.

    The one description of a product: the templates list, the set-up form and its live preview
    all say it with this, so what a studio sets up reads the same everywhere."""
    parts = [_holds(terms), _price(terms)]
    if terms.kind is TemplateKind.PLAN:
        if terms.rollover:
            parts.append(_rollover(terms))
    else:
        parts.append(_validity(terms))
        parts.append(_rates(terms))
    if terms.pays_for:
        parts.append(gettext("for %(names)s", names=", ".join(terms.pays_for)))
    if terms.scope is Scope.MEMBER:
        parts.append(gettext("for one member"))
    elif terms.member_cap is not None:
        parts.append(gettext("up to %(most)s per member", most=_amount(terms, terms.member_cap)))
    if terms.auto_renew and terms.kind is not TemplateKind.PLAN:
        parts.append(gettext("sold again when used up or expired"))
    if not terms.refundable:
        parts.append(gettext("not refundable"))
    return ", ".join(part for part in parts if part)


def _rollover(terms: ProductTerms) -> str:
    minutes = terms.metric is Metric.MINUTES
    if terms.rollover_cap is None:
        if minutes:
            return gettext("unused minutes roll over")
        return gettext("unused sessions roll over")
    most = _amount(terms, terms.rollover_cap)
    if minutes:
        return gettext("unused minutes roll over, up to %(most)s", most=most)
    return gettext("unused sessions roll over, up to %(most)s", most=most)


def _amount(terms: ProductTerms, units: int) -> str:
    if terms.metric is Metric.MONEY:
        return _money(units, terms.currency)
    if terms.metric is Metric.MINUTES:
        if units and units % 60 == 0:
            return ngettext("%(num)d hour", "%(num)d hours", units // 60)
        return ngettext("%(num)d minute", "%(num)d minutes", units)
    # A punch pass counts visits to classes; packs and plans count sessions (appointments too).
    if terms.kind is TemplateKind.PASS:
        return ngettext("%(num)d class", "%(num)d classes", units)
    return ngettext("%(num)d session", "%(num)d sessions", units)


def _holds(terms: ProductTerms) -> str:
    if terms.quantity is None:
        return ""
    held = _amount(terms, terms.quantity)
    if terms.metric is Metric.MONEY:
        held = gettext("%(amount)s of credit", amount=held)
    return _each_period(terms, held) if terms.kind is TemplateKind.PLAN else held


def _price(terms: ProductTerms) -> str:
    if not terms.price_minor:
        return gettext("free")
    price = _money(terms.price_minor, terms.currency)
    return _each_period(terms, price) if terms.kind is TemplateKind.PLAN else price


def _each_period(terms: ProductTerms, what: str) -> str:
    """What a plan gives or takes each period: "8 sessions a month", "30.00 EUR every 2 weeks"."""
    if terms.period_months is not None:
        months = terms.period_months
        if months == 1:
            return gettext("%(what)s a month", what=what)
        if months == 12:
            return gettext("%(what)s a year", what=what)
        return ngettext(
            "%(what)s every %(num)d month", "%(what)s every %(num)d months", months, what=what
        )
    if terms.period_days is not None:
        days = terms.period_days
        if days % 7 == 0:
            weeks = days // 7
            if weeks == 1:
                return gettext("%(what)s a week", what=what)
            return ngettext(
                "%(what)s every %(num)d week", "%(what)s every %(num)d weeks", weeks, what=what
            )
        if days == 1:
            return gettext("%(what)s a day", what=what)
        return ngettext(
            "%(what)s every %(num)d day", "%(what)s every %(num)d days", days, what=what
        )
    return what


def _validity(terms: ProductTerms) -> str:
    rule = terms.start_rule
    if rule is StartRule.ON_PURCHASE:
        starts = gettext("from purchase")
    elif rule is StartRule.ON_FIRST_USE:
        starts = gettext("from first use")
    elif terms.start_date is not None:
        starts = gettext("from %(day)s", day=_day(terms.start_date))
    else:
        starts = gettext("from a date")
    if terms.validity_months is not None:
        return ngettext(
            "valid %(num)d month %(starts)s",
            "valid %(num)d months %(starts)s",
            terms.validity_months,
            starts=starts,
        )
    if terms.validity_days is not None:
        return ngettext(
            "valid %(num)d day %(starts)s",
            "valid %(num)d days %(starts)s",
            terms.validity_days,
            starts=starts,
        )
    if terms.valid_until is not None:
        until = _day(terms.valid_until)
        if rule is StartRule.ON_DATE:
            return gettext("valid %(starts)s until %(day)s", starts=starts, day=until)
        return gettext("valid until %(day)s", day=until)
    if rule is StartRule.ON_DATE:
        if terms.start_date is not None:
            return gettext("starts %(day)s, no expiry", day=_day(terms.start_date))
        return gettext("starts a date, no expiry")
    return gettext("no expiry")


def _rates(terms: ProductTerms) -> str:
    """A money pack's price per session: "first session 30.00 EUR, then 20.00 EUR each"."""
    if terms.metric is not Metric.MONEY:
        return ""
    first, later = terms.first_rate_minor, terms.subsequent_rate_minor
    if first is not None and later is not None:
        return gettext(
            "first session %(first)s, then %(later)s each",
            first=_money(first, terms.currency),
            later=_money(later, terms.currency),
        )
    if first is not None:
        return gettext("first session %(first)s", first=_money(first, terms.currency))
    if later is not None:
        return gettext(
            "each session after the first %(later)s", later=_money(later, terms.currency)
        )
    return ""


def _money(minor: int, currency: str | None) -> str:
    return money(minor, currency or "")


def _day(day: dt.date) -> str:
    """A day as the pages show one (helpers.when, which imports this module): "Tue 03 Mar 2026"."""
    from babel.dates import format_date

    return format_date(day, gettext("EEE dd MMM y"), locale=current())
