"""Checks on arguments, each naming the problem it finds."""

from __future__ import annotations

import datetime as dt
import re

from sessionpacks.clock import require_aware
from sessionpacks.errors import InvalidInput

_CURRENCY = re.compile(r"[A-Z]{3}")
MAX_REASON = 500

# The widths of the integer columns every supported database shares (BIGINT and INTEGER).
BIG = 64
SMALL = 32

# Validity and renewal periods stay within a century, so every date derived from them stays
# inside the years the databases and Python's datetime can hold.
MAX_DAYS = 36_600
MAX_MONTHS = 1_200


def whole_number(name: str, value: object, bits: int = BIG) -> int:
    # bool is an int in Python, but True credits is a mistake, not a quantity.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{name} must be a whole number, got {value!r}")
    limit = 2 ** (bits - 1)
    if not -limit <= value < limit:
        raise InvalidInput(f"{name} must be between {-limit} and {limit - 1}, got {value}")
    return value


def ident(name: str, value: object) -> int:
    """A row id: a whole number from 1 up to what a 64-bit column holds."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2 ** (BIG - 1):
        raise InvalidInput(
            f"{name} must be an id, a whole number from 1 to {2 ** (BIG - 1) - 1}, got {value!r}"
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


def text(field: str, value: str) -> str:
    """Refuse characters no database stores faithfully: NUL and lone surrogates."""
    if "\x00" in value:
        raise InvalidInput(f"{field} cannot contain a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(f"{field} contains a character that is not valid text") from None
    return value


def positive(name: str, value: object, bits: int = BIG) -> int:
    number = whole_number(name, value, bits)
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
    return require_aware(value, name)


def name(field: str, value: object, limit: int = 200) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{field} must be a non-empty string")
    text(field, value)
    if len(value) > limit:
        raise InvalidInput(f"{field} is at most {limit} characters long")
    return value.strip()
