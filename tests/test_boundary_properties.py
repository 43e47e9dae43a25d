"""Arbitrary values at Studio's set-up calls: each is kept or refused with InvalidInput, and a
refusal writes nothing, on every database."""

from __future__ import annotations

from collections.abc import Callable

import hypothesis.strategies as st
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from sqlalchemy.engine import Engine

from sessionpacks import InvalidInput, Settings, Studio, allow_all
from sessionpacks.models import Account, Service, Template
from sessionpacks.testing import empty_tables

# Near the edges of 32- and 64-bit columns as well as anywhere at all.
numbers = st.one_of(
    st.integers(),
    st.sampled_from([0, 1, -1, 2**31 - 1, 2**31, 2**63 - 1, 2**63, -(2**63) - 1, 10**23]),
)
texts = st.one_of(st.text(max_size=300), st.sampled_from(["", " ", "a\x00b", "\ud800", "x" * 201]))


def _rows(engine: Engine) -> tuple[int, ...]:
    with engine.connect() as conn:
        return tuple(
            conn.execute(sa.select(sa.func.count()).select_from(model.__table__)).scalar_one()
            for model in (Account, Service, Template)
        )


def _kept_or_refused(engine: Engine, call: Callable[[], object]) -> None:
    before = _rows(engine)
    refusal = ""
    try:
        call()
    except InvalidInput as error:
        refusal = str(error) or "(no message)"
    if refusal:
        assert refusal != "(no message)", "a refusal names the problem"
        assert _rows(engine) == before
    else:
        assert sum(_rows(engine)) == sum(before) + 1


def test_set_up_calls_keep_or_refuse_any_value(engine: Engine) -> None:
    studio = Studio(engine, settings=Settings(policy=allow_all))

    @settings(
        max_examples=60 if engine.dialect.name == "sqlite" else 25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(
        name=texts,
        other=texts,
        quantity=numbers,
        price=numbers,
        days=st.none() | numbers,
        priority=numbers,
        cap=st.none() | numbers,
    )
    def check(
        name: str,
        other: str,
        quantity: int,
        price: int,
        days: int | None,
        priority: int,
        cap: int | None,
    ) -> None:
        empty_tables(engine)
        _kept_or_refused(engine, lambda: studio.add_account(other, name))
        _kept_or_refused(
            engine,
            lambda: studio.add_service(
                name, category=other, duration_minutes=quantity, price_minor=price, currency="EUR"
            ),
        )
        _kept_or_refused(
            engine,
            lambda: studio.create_template(
                name,
                quantity=quantity,
                price_minor=price,
                currency="EUR",
                validity_days=days,
                priority=priority,
                member_cap=cap,
            ),
        )

    check()
