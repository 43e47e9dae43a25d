"""Checks on arguments, each naming the problem it finds."""

from __future__ import annotations

import datetime as dt
import re

from sessionpacks import limits
from sessionpacks.clock import require_aware
from sessionpacks.errors import InvalidInput
from sessionpacks.limits import MAX_DAYS, MAX_MONTHS, Range

_CURRENCY = re.compile(r"[A-Z]{3}")
MAX_REASON = limits.REASON_LENGTH
# A BIGINT column's range: what a number with no narrower column may take.
BIG = limits.DELTA
SMALL = limits.PRIORITY

__all__ = ["MAX_DAYS", "MAX_MONTHS"]


def whole_number(name: str, value: object, allowed: Range = BIG) -> int:
    # bool is an int in Python, but True credits is a mistake, not a quantity.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{name} must be a whole number, got {value!r}")
    if not allowed.minimum <= value <= allowed.maximum:
        raise InvalidInput(
            f"{name} must be between {allowed.minimum} and {allowed.maximum}, got {value}"
        )
    return value


def ident(name: str, value: object) -> int:
    """A row id: a whole number from 1 up to what a 64-bit column holds."""
    if isinstance(value, bool) or not isinstance(value, int) or not _inside(value, limits.ID):
        raise InvalidInput(
            f"{name} must be an id, a whole number from 1 to {limits.ID.maximum}, got {value!r}"
        )
    return value


def days(name: str, value: object) -> int:
    number = positive(name, value, SMALL)
    if number > MAX_DAYS:
        raise InvalidInput(f"{name} is at most {MAX_DAYS} days, got {number}")
    return number


def months(name: str, value: object) -> int:
    number = positive(name, value, SMALL)
    if number > MAX_MONTHS:
        raise InvalidInput(f"{name} is at most {MAX_MONTHS} months, got {number}")
    return number


def _inside(value: int, allowed: Range) -> bool:
    return allowed.minimum <= value <= allowed.maximum


def text(field: str, value: str) -> str:
    """Refuse characters no database stores faithfully: NUL and lone surrogates."""
    if "\x00" in value:
        raise InvalidInput(f"{field} cannot contain a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(f"{field} contains a character that is not valid text") from None
    return value


def positive(name: str, value: object, allowed: Range = BIG) -> int:
    number = whole_number(name, value, allowed)
    if number <= 0:
        raise InvalidInput(f"{name} must be greater than zero, got {number}")
    return number


def not_negative(name: str, value: object) -> int:
    number = whole_number(name, value)
    if number < 0:
        raise InvalidInput(f"{name} cannot be negative, got {number}")
    return number


def currency(name: str, value: object) -> str:
    if not isinstance(value, str) or not _CURRENCY.fullmatch(value):
        raise InvalidInput(f"{name} must be an ISO 4217 code such as 'EUR' or 'USD', got {value!r}")
    return value


def reason(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("a reason is required: say why, for the audit trail")
    text("reason", value)
    if len(value) > MAX_REASON:
        raise InvalidInput(f"a reason is at most {MAX_REASON} characters long")
    return value.strip()


def moment(name: str, value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        raise InvalidInput(f"{name} must be a datetime, got {value!r}")
    aware = require_aware(value, name)
    # The year as written (the JSON API's schema states the same); a century either side of
    # these years is still far inside what every database holds.
    if not limits.FIRST_YEAR <= value.year <= limits.LAST_YEAR:
        raise InvalidInput(
            f"{name} must be in the years {limits.FIRST_YEAR} to {limits.LAST_YEAR}, got {value}"
        )
    return aware


def span(name: str, value: object) -> dt.timedelta:
    """A length of time added to a moment: positive and at most MAX_DAYS, so a date derived
    from a supported moment stays supported."""
    if not isinstance(value, dt.timedelta):
        raise InvalidInput(f"{name} must be a timedelta, got {value!r}")
    if not dt.timedelta(0) < value <= dt.timedelta(days=MAX_DAYS):
        raise InvalidInput(f"{name} must be longer than nothing and at most {MAX_DAYS} days")
    return value


def name(field: str, value: object, limit: int = limits.NAME_LENGTH) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{field} must be a non-empty string")
    text(field, value)
    if len(value) > limit:
        raise InvalidInput(f"{field} is at most {limit} characters long")
    return value.strip()
