"""Arguments beyond what a column holds are refused up front, naming the field, writing nothing."""

from __future__ import annotations

import inspect

import pytest

from sessionpacks import InvalidInput, NotFound, Studio, TemplateKind


@pytest.mark.parametrize(
    ("terms", "field"),
    [
        ({"validity_days": 10**9}, "validity_days"),
        ({"validity_months": 10**6}, "validity_months"),
        ({"quantity": 2**63}, "quantity"),
        ({"price_minor": 10**23}, "price_minor"),
        ({"priority": 2**31}, "priority"),
        ({"member_cap": 2**64}, "member_cap"),
        ({"kind": TemplateKind.PLAN, "period_days": 10**9}, "period_days"),
        ({"kind": TemplateKind.PLAN, "period_months": 10**6}, "period_months"),
    ],
)
def test_out_of_range_template_terms_are_refused(
    studio: Studio, terms: dict[str, object], field: str
) -> None:
    arguments: dict[str, object] = {"quantity": 10, **terms}
    with pytest.raises(InvalidInput, match=field):
        studio.create_template("Ten classes", **arguments)  # type: ignore[arg-type]
    assert studio.templates() == ()


def test_the_longest_validity_still_sells(studio: Studio) -> None:
    made = studio.create_template("Century pass", quantity=1, validity_days=36_600)
    assert made.validity_days == 36_600


@pytest.mark.parametrize(
    ("name", "problem"),
    [("Ann\x00Lee", "NUL"), ("Ann \ud800", "not valid text")],
)
def test_names_refuse_characters_no_database_keeps(studio: Studio, name: str, problem: str) -> None:
    with pytest.raises(InvalidInput, match=f"account name.*{problem}"):
        studio.add_account("acct-1", name)
    with pytest.raises(InvalidInput, match=f"template name.*{problem}"):
        studio.create_template(name, quantity=1)
    with pytest.raises(NotFound):
        studio.account_by_ref("acct-1")
    assert studio.templates() == ()


def _id_arguments() -> list[tuple[str, str]]:
    found = []
    for name, method in inspect.getmembers(Studio, inspect.isfunction):
        if name.startswith("_"):
            continue
        for parameter in inspect.signature(method).parameters.values():
            if parameter.name.endswith("_id"):
                found.append((name, parameter.name))
    return found


@pytest.mark.parametrize(("method", "argument"), _id_arguments())
def test_every_id_argument_is_checked_before_anything_is_read_or_written(
    studio: Studio, method: str, argument: str
) -> None:
    for bad in (10**23, 2**63, 0, -1, True, 1.5, "7"):
        with pytest.raises(InvalidInput, match=f"^{argument} must be an id"):
            getattr(studio, method)(**{argument: bad})
