"""What units are worth: each pass carries the paid value of the units it still holds, and each
entry says how much of it moved and how much became revenue (see :mod:`sessionpacks.reports`).

The value is carried, not recomputed from the cost basis, so every unit taken takes its share
of what is left and the last unit takes the rest: the shares of a pass add up to what was paid,
exactly, whatever the rounding, and units moved to another pass keep what they were worth.
"""

from __future__ import annotations

from typing import Any

import attrs


@attrs.frozen
class EntryValue:
    """An entry's effect on its pass's paid value: ``change`` to ``value_left_minor``, and the
    revenue it ``recognised`` (None: nothing was recognised, as on a move or free units)."""

    change: int
    recognised: int | None

    @classmethod
    def none(cls) -> EntryValue:
        return cls(0, None)

    @classmethod
    def recognising(cls, units_value: int) -> EntryValue:
        """Units worth ``units_value`` leave the pass and become revenue (used or forfeited)."""
        return cls(-units_value, units_value)

    @classmethod
    def restoring(cls, earlier: EntryValue) -> EntryValue:
        """Undo an earlier entry's value: a reversal, a reopened expiry or refund."""
        return cls(-earlier.change, None if earlier.recognised is None else -earlier.recognised)


def units_value(value_left: int, remaining: int, units: int) -> int:
    """The paid value of ``units`` of a pass that holds ``remaining`` units worth ``value_left``:
    pro rata, rounded down, and all of it for the last units, so nothing is left over."""
    if units <= 0 or value_left <= 0:
        return 0
    if units >= remaining:
        return value_left
    return value_left * units // remaining


def taking(locked: Any, units: int) -> EntryValue:
    """The value of an entry that takes ``units`` from a locked pass and recognises them."""
    return EntryValue.recognising(units_value(locked.value_left_minor, locked.remaining, units))


def of_entry(row: Any) -> EntryValue:
    """The value an entry row recorded."""
    return EntryValue(int(row.value_change_minor), row.value_minor)
