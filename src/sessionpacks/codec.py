"""Turns frozen result and event values into JSON and back.

Idempotent replays return the first result exactly, and side effects wait in a table until they
are delivered, so both are stored as JSON built from the attrs fields of the value.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import types
import typing
from typing import Any, TypeVar

import attrs

T = TypeVar("T")


# Built once: json.dumps with options builds a new encoder on every call.
_CANONICAL = json.JSONEncoder(separators=(",", ":"), sort_keys=True)


def dumps(value: object) -> str:
    return canonical(encode(value))


def canonical(data: object) -> str:
    """JSON with sorted keys and no spaces: equal data give equal text."""
    return _CANONICAL.encode(data)


def loads(cls: type[T], text: str) -> T:
    return typing.cast(T, _decode(cls, json.loads(text)))


# Exactly these types are stored as they are; checked first, as most values are one of them.
_PLAIN = (str, int, bool)


def encode(value: object) -> Any:
    if value is None or type(value) in _PLAIN:
        return value
    if attrs.has(type(value)):
        fields = attrs.fields(typing.cast("type[attrs.AttrsInstance]", type(value)))
        return {f.name: encode(getattr(value, f.name)) for f in fields}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return [encode(item) for item in value]
    if value is None or isinstance(value, (str, int, bool)):
        return value
    raise TypeError(f"cannot store a {type(value).__name__} as JSON")


def _decode(hint: Any, data: Any) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        if data is None:
            return None
        (inner,) = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return _decode(inner, data)
    if origin is tuple:
        item_hint = typing.get_args(hint)[0]
        return tuple(_decode(item_hint, item) for item in data)
    if isinstance(hint, type) and attrs.has(hint):
        hints = typing.get_type_hints(hint)
        # A field added with a default since the value was stored takes its default.
        return hint(
            **{
                f.name: _decode(hints[f.name], data[f.name])
                for f in attrs.fields(hint)
                if f.name in data or f.default is attrs.NOTHING
            }
        )
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(data)
    if hint is dt.datetime:
        return dt.datetime.fromisoformat(data)
    return data
