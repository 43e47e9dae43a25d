"""The confirmation step in front of every action that moves money, credits or bookings.

A page's button is a GET to a confirmation route, which checks the choice, says in words what
will happen and holds the real POST form; the POST endpoints themselves are unchanged, so the
API-like form posts (and tests) keep working. Nothing is written until Confirm is pressed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import attrs

from sessionpacks.bookings import BookingRecord
from sessionpacks.enums import CreditTaken
from sessionpacks.schedule import BookingPolicy
from sessionpacks.web.http import Page, Request
from sessionpacks.web.i18n import gettext


@attrs.frozen
class Reason:
    """A reason the ledger records, asked on the confirmation: what was typed before, if any."""

    placeholder: str
    value: str = ""
    # Made with the page, so it is said in the page's language.
    label: str = attrs.field(factory=lambda: gettext("Reason"))


@attrs.frozen
class Confirmation:
    """What one confirmation page says and submits.

    :param happens: sentences saying what Confirm does (who, what, the amount, how it is paid).
    :param listed: the people it touches (the bookings a cancelled class gives credit back to).
    :param fields: the hidden values the POST takes, as the original form sent them.
    :param button: the Confirm button's words, with the amount ("Charge 120.00 EUR").
    """

    title: str
    happens: tuple[str, ...]
    action: str
    back: str
    button: str
    fields: Mapping[str, str] = attrs.field(factory=dict)
    listed: tuple[str, ...] = ()
    listed_title: str = ""
    reason: Reason | None = None
    danger: bool = False


def confirm_page(request: Request, template: str, confirmation: Confirmation) -> Page:
    return request.page(template, confirmation=confirmation)


def typed(request: Request, name: str = "reason") -> str:
    """What was typed in the page's field before the confirmation, to fill it in again."""
    return str(request.query.get(name) or "").strip()


def credit_outcome(
    booking: BookingRecord, policy: BookingPolicy, now: dt.datetime
) -> tuple[bool, bool]:
    """Whether cancelling ``booking`` now is late, and whether its credit would come back: the
    core's rule (a credit taken at booking comes back before the cut-off; a held one is kept
    only when the policy forfeits late cancellations), read ahead of the write."""
    late = policy.is_late(booking.starts_at, now)
    if booking.credit_taken is CreditTaken.AT_BOOKING:
        return late, not late
    return late, not (late and policy.late_cancel_forfeits)
