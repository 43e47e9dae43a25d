"""What the templates use to show times and amounts, in the studio's zone."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from typing import Any

from sessionpacks.enums import Metric
from sessionpacks.units import format_money
from sessionpacks.values import PassBalance
from sessionpacks.web.actors import channel_word
from sessionpacks.web.wording import amount, booking_word, entry_word, state_word


def money(minor: int | None, currency: str | None) -> str:
    """Integer minor units as an amount: 2500 EUR is "25.00 EUR"."""
    if minor is None:
        return "—"
    return format_money(minor, currency or "").strip()


def units(quantity: int, metric: Metric | str, currency: str | None = None) -> str:
    """A quantity in its metric: "1 session", "90 minutes", "25.00 EUR"."""
    return amount(quantity, Metric(metric), currency)


def signed_units(delta: int, metric: Metric | str, currency: str | None = None) -> str:
    """A change to a balance in its metric, with its sign: "+1 session", "-15.00 EUR"."""
    sign = "+" if delta > 0 else "-" if delta < 0 else ""
    return sign + units(abs(delta), metric, currency)


def when(value: dt.datetime | None, zone: dt.tzinfo, *, with_time: bool = True) -> str:
    """A moment in the studio's zone, the one way every page shows one: ``Mon 02 Mar 2026,
    18:00`` (or the day alone); a dash for none."""
    if value is None:
        return "—"
    local = value.astimezone(zone)
    return local.strftime("%a %d %b %Y, %H:%M" if with_time else "%a %d %b %Y")


def time_of_day(value: dt.datetime, zone: dt.tzinfo) -> str:
    """The hour and minute of a moment in the studio's zone: "18:30"."""
    return value.astimezone(zone).strftime("%H:%M")


def local_input(value: dt.datetime | None, zone: dt.tzinfo) -> str:
    """A moment as a ``datetime-local`` field's value, in the studio's zone."""
    return "" if value is None else value.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def pass_names(passes: Iterable[PassBalance]) -> dict[int, str]:
    """What people call each of these passes, by id, for the pages' tables: its label."""
    return {held.pass_id: held.label or "Pass" for held in passes}


def by_pass(passes: Iterable[PassBalance]) -> dict[int, PassBalance]:
    """These passes by id, for a history's rows to show amounts in their pass's metric."""
    return {held.pass_id: held for held in passes}


def template_helpers(zone: dt.tzinfo, now: dt.datetime) -> dict[str, Any]:
    """The helpers, the zone and the moment given: templates call ``when(moment)``."""
    return {
        "booking_word": functools.partial(booking_word, now=now),
        "when": functools.partial(when, zone=zone),
        "money": money,
        "units": units,
        "signed_units": signed_units,
        "entry_word": entry_word,
        "channel_word": channel_word,
        "state_word": state_word,
        "local_input": functools.partial(local_input, zone=zone),
        "time_of_day": functools.partial(time_of_day, zone=zone),
    }
