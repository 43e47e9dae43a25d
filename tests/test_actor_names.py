"""The names histories give those who acted, kept as the host gave them, on SQLite, PostgreSQL
and MariaDB."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from sessionpacks import Actor, Settings, Studio, allow_all
from sessionpacks.clock import ManualClock
from sessionpacks.models import ActorName

DANA = Actor(kind="staff", id="user-8812", roles=("owner",))


def _rows(engine: Engine) -> list[tuple[str, str, str, dt.datetime]]:
    names = ActorName.__table__
    with engine.connect() as conn:
        found = conn.execute(
            sa.select(names.c.kind, names.c.actor_id, names.c.display_name, names.c.updated_at)
        )
        return [tuple(row) for row in found]  # type: ignore[misc]


def test_a_name_is_kept_renamed_and_looked_up_by_kind_and_id(
    studio: Studio, engine: Engine, clock: ManualClock
) -> None:
    assert studio.actor_names([("staff", "user-8812")]) == {}
    studio.remember_actor_name(DANA, "  Dana Reyes ")
    studio.remember_actor_name(Actor(kind="kiosk", id="user-8812"), "Front door")
    assert studio.actor_names([("staff", "user-8812"), ("staff", "nobody")]) == {
        ("staff", "user-8812"): "Dana Reyes"
    }
    # Another process (its own Studio) renames her: the new name replaces the old one.
    clock.advance(dt.timedelta(days=3))
    other = Studio(engine, settings=Settings(policy=allow_all), clock=clock)
    other.remember_actor_name(DANA, "Dana R.")
    assert studio.actor_names([("staff", "user-8812")]) == {("staff", "user-8812"): "Dana R."}
    assert sorted(row[:3] for row in _rows(engine)) == [
        ("kiosk", "user-8812", "Front door"),
        ("staff", "user-8812", "Dana R."),
    ]


def test_the_same_name_again_writes_nothing_and_a_blank_one_is_ignored(
    studio: Studio, engine: Engine, clock: ManualClock
) -> None:
    studio.remember_actor_name(DANA, "Dana Reyes")
    first = _rows(engine)
    clock.advance(dt.timedelta(hours=1))
    # A second process asking with the name already kept changes no row either.
    Studio(engine, settings=Settings(policy=allow_all), clock=clock).remember_actor_name(
        DANA, "Dana Reyes"
    )
    studio.remember_actor_name(DANA, "   ")
    assert _rows(engine) == first
