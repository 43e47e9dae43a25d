"""Every public name has an entry in the docs' reference, so a name added later cannot be
forgotten there: each of ``sessionpacks.__all__`` is declared by a directive in docs/reference,
and each public method of ``Studio`` has the docstring its ``:members:`` entry is made from."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

import sessionpacks
from sessionpacks import Studio

REFERENCE = Path(__file__).resolve().parents[1] / "docs" / "reference"
DIRECTIVE = re.compile(r"^\.\. (?:auto\w+|py:\w+):: sessionpacks\.(\w+)\s*$", re.M)


def _declared() -> set[str]:
    return {name for page in REFERENCE.glob("*.md") for name in DIRECTIVE.findall(page.read_text())}


@pytest.mark.parametrize("name", sorted(sessionpacks.__all__))
def test_every_public_name_has_a_reference_entry(name: str) -> None:
    assert name in _declared(), f"docs/reference has no entry for sessionpacks.{name}"


@pytest.mark.parametrize(
    "method",
    sorted(
        name
        for name, _ in inspect.getmembers(Studio, inspect.isfunction)
        if not name.startswith("_")
    ),
)
def test_every_studio_method_is_documented(method: str) -> None:
    assert inspect.getdoc(getattr(Studio, method)), f"Studio.{method} has no docstring to show"
