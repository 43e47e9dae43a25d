"""The limits are read from the columns, and every argument of Studio's public methods is
checked against one, but for the few that never reach a column."""

from __future__ import annotations

import inspect

import pytest

from sessionpacks import Studio, boundary, limits
from sessionpacks.limits import Range
from sessionpacks.models import Account, Member, Occurrence, Pass, Template

# Callbacks and a host's transaction, and the kiosk PIN (only its hash is kept, after the pin
# module's own check of 4 to 12 digits).
NOT_STORED = {"host", "on_progress", "pin"}


def test_integer_ranges_are_the_columns_widths() -> None:
    assert limits.integer_range(Pass.remaining) == Range(-(2**63), 2**63 - 1)
    assert limits.integer_range(Account.id) == Range(-(2**63), 2**63 - 1)
    assert limits.integer_range(Template.priority) == Range(-(2**31), 2**31 - 1)
    assert limits.integer_range(Occurrence.capacity) == Range(-(2**31), 2**31 - 1)
    assert Range(1, 2**63 - 1) == limits.ID
    assert Range(1, limits.MAX_DAYS) == limits.DAYS
    with pytest.raises(TypeError):
        limits.integer_range(Account.name)


def test_text_lengths_are_the_columns_sizes() -> None:
    assert limits.REF_LENGTH == 191
    assert limits.NAME_LENGTH == 200
    assert limits.EMAIL_LENGTH == 320
    assert limits.CURRENCY_LENGTH == 3
    with pytest.raises(TypeError):
        limits.text_length(Member.created_at)


def test_every_argument_of_every_public_method_has_its_check() -> None:
    unchecked = set()
    for name, method in inspect.getmembers(Studio, inspect.isfunction):
        if name.startswith("_"):
            continue
        overrides = boundary.OVERRIDES.get(name, {})
        for parameter in list(inspect.signature(method).parameters.values())[1:]:
            if boundary._check_for(parameter.name, overrides) is None:
                unchecked.add(parameter.name)
    assert unchecked == NOT_STORED
