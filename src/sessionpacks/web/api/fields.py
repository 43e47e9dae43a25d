"""The fields an API request carries: each one both reads a value and describes it in JSON
Schema, so the OpenAPI document and the parsing cannot drift apart.

Every bad value is a :class:`~sessionpacks.web.problems.BadRequest` naming the field, never a
500: the bounds below keep numbers, moments and texts inside what every database stores.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from sessionpacks import limits
from sessionpacks.limits import Range
from sessionpacks.web.http import Fields
from sessionpacks.web.problems import BadFields, BadRequest, FieldError

# The bounds come from the core's (sessionpacks.limits, read from the columns), so that the API,
# its document and the tables agree. JSON integers past 2**53 lose digits in JavaScript clients,
# so the API's stop there even where a column holds more.
JSON_SAFE = 2**53 - 1
MAX_ID = min(limits.ID.maximum, JSON_SAFE)
MAX_AMOUNT = min(limits.AMOUNT.maximum, JSON_SAFE)
# Moments outside these years are mistakes, and their arithmetic (an expiry 30 days on) must not
# overflow what Python and the databases hold.
FIRST_YEAR, LAST_YEAR = limits.FIRST_YEAR, limits.LAST_YEAR
# The years, as the document states them: 1970 to 2999, as written.
YEARS = r"^(19[7-9][0-9]|2[0-9]{3})-"
# Text that is not blank, by JSON Schema's (ECMAScript's) idea of white space, which the
# document states and the reading uses alike (Python's also counts \x85 and \x1c-\x1f).
NOT_BLANK = r"[^\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
MISSING = object()


def _where(location: str, name: str) -> str:
    return {"body": "field", "query": "query parameter", "path": "path parameter"}[
        location
    ] + f" {name!r}"


@attrs.frozen
class Int:
    minimum: int = 1
    maximum: int = MAX_ID
    # A change by nothing (an adjustment of 0) is no change: refused, and the schema says so.
    nonzero: bool = False

    @classmethod
    def within(cls, allowed: Range, *, nonzero: bool = False) -> Int:
        """What one of the core's limits allows, inside what JSON carries safely."""
        return cls(max(allowed.minimum, -JSON_SAFE), min(allowed.maximum, JSON_SAFE), nonzero)

    def read(self, value: object, where: str, text: bool) -> int:
        if text and isinstance(value, str):
            stripped = value.strip()
            # \d is what int() reads (isdigit() also passes "²", which int() refuses).
            if re.fullmatch(r"-?\d+(\.0+)?", stripped) and len(stripped) <= 40:
                value = int(stripped.split(".")[0])
        # JSON Schema counts 596.0 as an integer, so the API does too.
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise BadRequest(f"the {where} must be a whole number, got {_shown(value)}")
        if not self.minimum <= value <= self.maximum:
            raise BadRequest(
                f"the {where} must be between {self.minimum} and {self.maximum}, got {value}"
            )
        if self.nonzero and value == 0:
            raise BadRequest(f"the {where} must not be 0")
        return value

    def schema(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "type": "integer",
            "minimum": self.minimum,
            "maximum": self.maximum,
        }
        if self.nonzero:
            found["not"] = {"const": 0}
        return found


@attrs.frozen
class Text:
    max_length: int = limits.NAME_LENGTH
    min_length: int = 1
    pattern: str | None = None

    def read(self, value: object, where: str, text: bool) -> str:
        if not isinstance(value, str):
            raise BadRequest(f"the {where} must be text, got {_shown(value)}")
        if len(value) < self.min_length or (self.min_length and not re.search(NOT_BLANK, value)):
            raise BadRequest(f"the {where} must not be empty")
        if len(value) > self.max_length:
            raise BadRequest(f"the {where} is longer than {self.max_length} characters")
        if "\x00" in value or not _encodable(value):
            raise BadRequest(f"the {where} holds characters that cannot be stored")
        if self.pattern is not None and not re.search(self.pattern, value):
            raise BadRequest(f"the {where} must match {self.pattern}, got {value!r}")
        return value

    def schema(self) -> dict[str, Any]:
        found: dict[str, Any] = {"type": "string", "maxLength": self.max_length}
        if self.min_length:
            found["minLength"] = self.min_length
            # Blank text is refused as empty: say so, so generated requests are valid ones.
            found["pattern"] = self.pattern or NOT_BLANK
        elif self.pattern:
            found["pattern"] = self.pattern
        # No database keeps a NUL character: refused, as the document says. The type is named
        # inside the "not", or it would refuse null where the field takes null.
        found["not"] = {"type": "string", "pattern": "\\u0000"}
        return found


@attrs.frozen
class Bool:
    def read(self, value: object, where: str, text: bool) -> bool:
        if text and value in ("true", "false"):
            return value == "true"
        if not isinstance(value, bool):
            raise BadRequest(f"the {where} must be true or false, got {_shown(value)}")
        return value

    def schema(self) -> dict[str, Any]:
        return {"type": "boolean"}


# RFC 3339's date-time, as the document's format says: any number of second fractions, T or t,
# Z or z or an offset. Python 3.10's fromisoformat takes only what isoformat writes.
_DATE_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(?:([Zz])|([+-])(\d{2}):(\d{2}))"
)


def _rfc3339(text: str) -> dt.datetime:
    found = _DATE_TIME.fullmatch(text)
    if found is None:
        raise ValueError(text)
    year, month, day, hour, minute, second = (int(found[n]) for n in range(1, 7))
    micro = int((found[7] or "0")[:6].ljust(6, "0"))
    offset = dt.timedelta(0)
    if found[8] is None:
        offset = dt.timedelta(hours=int(found[10]), minutes=int(found[11]))
        offset = -offset if found[9] == "-" else offset
    zone = dt.timezone(offset)
    return dt.datetime(year, month, day, hour, minute, second, micro, tzinfo=zone)


@attrs.frozen
class Moment:
    """An RFC 3339 date and time with its UTC offset, such as 2026-03-31T18:00:00+02:00."""

    def read(self, value: object, where: str, text: bool) -> dt.datetime:
        example = "a date and time with its offset, such as 2026-03-31T18:00:00+02:00"
        if not isinstance(value, str):
            raise BadRequest(f"the {where} must be {example}, got {_shown(value)}")
        try:
            found = _rfc3339(value.strip())
            found.astimezone(dt.timezone.utc)  # a moment that has no UTC is refused too
        except (ValueError, OverflowError):
            raise BadRequest(f"the {where} must be {example}, got {value[:60]!r}") from None
        # The year as written, as the document's pattern states it (the core checks the same).
        if not FIRST_YEAR <= found.year <= LAST_YEAR or not re.match(YEARS, value):
            raise BadRequest(f"the {where} must be between the years {FIRST_YEAR} and {LAST_YEAR}")
        return found

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "date-time", "pattern": YEARS}


@attrs.frozen
class Choice:
    kind: type[enum.Enum]

    def read(self, value: object, where: str, text: bool) -> str:
        values = [member.value for member in self.kind]
        if value not in values:
            choices = ", ".join(values)
            raise BadRequest(f"the {where} must be one of {choices}, got {_shown(value)}")
        return str(value)

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "enum": [member.value for member in self.kind]}


@attrs.frozen
class Array:
    item: Kind
    max_items: int = 100

    def read(self, value: object, where: str, text: bool) -> tuple[Any, ...]:
        if not isinstance(value, list):
            raise BadRequest(f"the {where} must be a list, got {_shown(value)}")
        if len(value) > self.max_items:
            raise BadRequest(f"the {where} holds more than {self.max_items} items")
        return tuple(self.item.read(v, f"{where}[{i}]", text) for i, v in enumerate(value))

    def schema(self) -> dict[str, Any]:
        return {"type": "array", "items": self.item.schema(), "maxItems": self.max_items}


@attrs.frozen
class Object:
    fields: tuple[Field, ...]

    def read(self, value: object, where: str, text: bool) -> dict[str, Any]:
        return read_object(self.fields, value, where)

    def schema(self) -> dict[str, Any]:
        return object_schema(self.fields)


Kind = Int | Text | Bool | Moment | Choice | Array | Object


@attrs.frozen
class Field:
    """One named value of a request: where it is, what it holds, whether it must be there."""

    name: str
    kind: Kind
    required: bool = False
    description: str = ""
    # A default is what the core assumes anyway; it is shown in the document.
    default: object = MISSING

    def schema(self, *, nullable: bool = True) -> dict[str, Any]:
        found = self.kind.schema()
        # An optional body field may be sent as null, meaning "not given".
        if nullable and not self.required and not isinstance(self.kind, (Array, Object)):
            found["type"] = [found["type"], "null"]
            if "enum" in found:
                found["enum"] = [*found["enum"], None]
        if self.description:
            found["description"] = self.description
        if self.default is not MISSING:
            found["default"] = self.default
        return found


def read_object(fields: tuple[Field, ...], value: object, where: str = "body") -> dict[str, Any]:
    """The fields of a JSON object: unknown names, missing required ones and bad values are
    refused, every one of them at once, each naming its field."""
    if not isinstance(value, dict):
        raise BadRequest(f"the {where} must be a JSON object, got {_shown(value)}")
    known = {field.name: field for field in fields}
    bad = Mistakes()
    unknown = sorted(set(value) - set(known))
    if unknown:
        said = (
            f"the {where} has unknown fields {', '.join(map(repr, unknown))};"
            f" the fields are {', '.join(known) or 'none'}"
        )
        bad.add(unknown[0], said, also=unknown[1:])
    found: dict[str, Any] = {}
    for field in fields:
        given = value.get(field.name)
        name = field.name if where == "body" else f"{where}.{field.name}"
        with bad.of(name):
            if given is None:
                if field.required:
                    raise BadRequest(f"the field {name!r} is required")
                found[field.name] = None if field.default is MISSING else field.default
                continue
            found[field.name] = field.kind.read(given, f"field {name!r}", False)
    bad.raise_any()
    return found


def read_parameters(
    fields: tuple[Field, ...], values: Fields | Mapping[str, str], location: str
) -> dict[str, Any]:
    """Path or query parameters: text, read as each field says; every bad one said at once."""
    bad = Mistakes()
    if location == "query":
        unknown = sorted(set(values) - {field.name for field in fields})
        if unknown:
            said = f"unknown query parameters {', '.join(map(repr, unknown))}"
            bad.add(unknown[0], said, also=unknown[1:])
    found: dict[str, Any] = {}
    for field in fields:
        given = values.get(field.name)
        with bad.of(field.name):
            # An empty value is refused like any other the field does not take (``?state=`` is
            # no state), unless the field takes empty text; only a parameter left out is not
            # given.
            if given == "" and not (isinstance(field.kind, Text) and field.kind.min_length == 0):
                raise BadRequest(f"the {_where(location, field.name)} must not be empty")
            if given is None:
                if field.required:
                    raise BadRequest(f"the {_where(location, field.name)} is required")
                found[field.name] = None if field.default is MISSING else field.default
                continue
            found[field.name] = field.kind.read(given, _where(location, field.name), True)
    bad.raise_any()
    return found


class Mistakes:
    """The bad fields of one request, gathered so that all are said at once."""

    def __init__(self) -> None:
        self.found: list[FieldError] = []

    def add(self, field: str, detail: str, *, also: Iterable[str] = ()) -> None:
        self.found.append(FieldError(field, detail))
        # Fields named by the same sentence are listed, each under its own name, after it.
        self.found += [FieldError(other, detail) for other in also]

    @contextlib.contextmanager
    def of(self, field: str) -> Iterator[None]:
        try:
            yield
        except BadRequest as error:
            self.add(field, str(error))

    def raise_any(self) -> None:
        if self.found:
            raise BadFields(tuple(self.found))


def object_schema(fields: tuple[Field, ...]) -> dict[str, Any]:
    found: dict[str, Any] = {
        "type": "object",
        "properties": {field.name: field.schema() for field in fields},
        "additionalProperties": False,
    }
    required = [field.name for field in fields if field.required]
    if required:
        found["required"] = required
    return found


def _shown(value: object) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
