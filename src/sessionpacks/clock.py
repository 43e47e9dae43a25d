"""Where sessionpacks gets the time from, so tests can move it instead of waiting."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from sessionpacks.errors import InvalidInput


class Clock(Protocol):
    """Tells the current time as a timezone-aware UTC datetime."""

    def now(self) -> dt.datetime: ...


class SystemClock:
    """The real time."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.timezone.utc)


class ManualClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, start: dt.datetime) -> None:
        self._now = require_aware(start, "start")

    def now(self) -> dt.datetime:
        return self._now

    def set(self, moment: dt.datetime) -> None:
        self._now = require_aware(moment, "moment")

    def advance(self, delta: dt.timedelta) -> dt.datetime:
        self._now += delta
        return self._now


def require_aware(moment: dt.datetime, name: str) -> dt.datetime:
    """Return ``moment`` in UTC, refusing a naive datetime whose zone would be a guess."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(f"{name} must be timezone-aware, got the naive datetime {moment}")
    return moment.astimezone(dt.timezone.utc)
