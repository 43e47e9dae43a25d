"""Reading request fields: each bad field is an error that names it, never a 500."""

from __future__ import annotations

import datetime as dt
import uuid

from sessionpacks.web.http import Lookup
from sessionpacks.web.problems import BadRequest


def new_key() -> str:
    """A fresh idempotency key for a form about to be shown: submitting the form twice (a
    double tap, a reload) sends the same key, so the action applies once."""
    return uuid.uuid4().hex


def text(data: Lookup, name: str, *, required: bool = True) -> str | None:
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise BadRequest(f"the field {name!r} is required")
        return None
    if not isinstance(value, str):
        raise BadRequest(f"the field {name!r} must be text, got {value!r}")
    return value.strip()


def required_text(data: Lookup, name: str) -> str:
    found = text(data, name)
    assert found is not None
    return found


def integer(data: Lookup, name: str, *, required: bool = True) -> int | None:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise BadRequest(f"the field {name!r} is required")
        return None
    if isinstance(value, bool):
        raise BadRequest(f"the field {name!r} must be a whole number, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise BadRequest(f"the field {name!r} must be a whole number, got {value!r}")


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
            f" got {value!r}"
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
            f"the field {name!r} must be a date such as 2026-03-31, got {value!r}"
        ) from None


def key(data: Lookup, name: str = "idempotency_key") -> str:
    found = required_text(data, name)
    if len(found) > 200:
        raise BadRequest(f"the field {name!r} is longer than 200 characters")
    return found
