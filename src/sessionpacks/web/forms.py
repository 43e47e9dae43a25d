"""Reading request fields: each bad field is an error that names it, never a 500."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from sessionpacks.units import minor_digits
from sessionpacks.web.http import Lookup
from sessionpacks.web.i18n import N_, current, gettext
from sessionpacks.web.problems import BadRequest

# What a person is told beside an empty field that must be filled in (in the request's
# language: a form's words are said when it is read, within the request).
REQUIRED = N_("Required")


def new_key() -> str:
    """A fresh idempotency key for a form about to be shown: submitting the form twice (a
    double tap, a reload) sends the same key, so the action applies once."""
    return uuid.uuid4().hex


def text(data: Lookup, name: str, *, required: bool = True) -> str | None:
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise BadRequest(f"the field {name!r} is required", field=name, said=gettext(REQUIRED))
        return None
    if not isinstance(value, str):
        raise BadRequest(
            f"the field {name!r} must be text, got {value!r}",
            field=name,
            said=gettext("Enter text"),
        )
    return value.strip()


def required_text(data: Lookup, name: str) -> str:
    found = text(data, name)
    assert found is not None
    return found


def integer(data: Lookup, name: str, *, required: bool = True) -> int | None:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise BadRequest(f"the field {name!r} is required", field=name, said=gettext(REQUIRED))
        return None
    if isinstance(value, bool):
        raise _not_whole(name, value)
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise _not_whole(name, value)


def _not_whole(name: str, value: object) -> BadRequest:
    return BadRequest(
        f"the field {name!r} must be a whole number, got {value!r}",
        field=name,
        said=gettext("Enter a whole number, such as 3"),
    )


def required_int(data: Lookup, name: str) -> int:
    found = integer(data, name)
    assert found is not None
    return found


def moment(
    data: Lookup, name: str, zone: dt.tzinfo, *, required: bool = False
) -> dt.datetime | None:
    """An ISO 8601 moment; one without a zone (a ``datetime-local`` field) is read in ``zone``,
    the studio's."""
    value = text(data, name, required=required)
    if value is None:
        return None
    try:
        found = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(
            f"the field {name!r} must be a date and time such as 2026-03-31T18:00:00+02:00,"
            f" got {value!r}",
            field=name,
            said=gettext("Enter a date and time"),
        ) from None
    return found if found.tzinfo else found.replace(tzinfo=zone)


def day(data: Lookup, name: str, *, required: bool = False) -> dt.date | None:
    value = text(data, name, required=required)
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadRequest(
            f"the field {name!r} must be a date such as 2026-03-31, got {value!r}",
            field=name,
            said=gettext("Enter a date"),
        ) from None


_AMOUNT = re.compile(r"^(\d{1,15})(?:[.,](\d*))?$")


def money(data: Lookup, name: str, currency: str | None) -> int | None:
    """An amount typed as people write it, "120" or "120.50", in minor units of ``currency``
    (12050 for EUR); empty is None. More decimals than the currency has are refused."""
    value = text(data, name, required=False)
    if value is None:
        return None
    if not currency:
        raise BadRequest(
            f"the field {name!r} needs a currency: fill in the field 'currency'",
            field="currency",
            said=gettext("Enter the currency of this amount, such as USD"),
        )
    digits = minor_digits(currency.strip().upper())
    found = _AMOUNT.match(value.replace(" ", ""))
    if found is None or len(found.group(2) or "") > digits:
        example = "120" if digits == 0 else "120." + "5" * digits
        raise BadRequest(
            f"the field {name!r} must be an amount such as {example}, got {value!r}",
            field=name,
            said=gettext("Enter an amount such as %(example)s", example=_as_written(example)),
        )
    whole, fraction = found.group(1), (found.group(2) or "").ljust(digits, "0")
    scale: int = 10**digits
    return int(whole) * scale + (int(fraction) if fraction else 0)


def _as_written(example: str) -> str:
    """An amount as the request's language writes it: "120.55", "120,55" (either is read)."""
    from babel.numbers import get_decimal_symbol

    return example.replace(".", get_decimal_symbol(current()))


def signed_money(data: Lookup, name: str, currency: str | None) -> int:
    """A required amount with an optional sign, "-12.50" or "+5", in minor units of
    ``currency``: a correction to a money pass."""
    value = text(data, name)
    assert value is not None
    sign = -1 if value.startswith(("-", "\u2212")) else 1
    found = money({name: value.lstrip("+-\u2212 ")}, name, currency)
    if found is None:
        raise BadRequest(f"the field {name!r} is required", field=name, said=gettext(REQUIRED))
    return sign * found


def key(data: Lookup, name: str = "idempotency_key") -> str:
    found = required_text(data, name)
    if len(found) > 200:
        raise BadRequest(f"the field {name!r} is longer than 200 characters", field=name)
    return found
