"""The names people who acted go by: the ledger records an actor's kind and id, and a history
shows the display name the host last gave that actor instead."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import insert, select, tuple_, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from sessionpacks.models import ActorName, table

names = table(ActorName)


def remember(conn: Connection, now: dt.datetime, kind: str, actor_id: str, name: str) -> None:
    """Keep ``name`` as what ``kind``/``actor_id`` is called, replacing an older one."""
    key = (names.c.kind == kind) & (names.c.actor_id == actor_id)
    known = conn.execute(select(names.c.display_name).where(key)).scalar_one_or_none()
    if known == name:
        return
    if known is None:
        try:
            # A savepoint, so that losing a race to insert leaves the transaction usable.
            with conn.begin_nested():
                conn.execute(
                    insert(names).values(
                        kind=kind, actor_id=actor_id, display_name=name, updated_at=now
                    )
                )
            return
        except IntegrityError:
            pass
    conn.execute(update(names).where(key).values(display_name=name, updated_at=now))


def lookup(conn: Connection, actors: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The names known for these (kind, id) pairs; an actor never named is left out."""
    wanted = sorted(set(actors))
    if not wanted:
        return {}
    found = conn.execute(
        select(names.c.kind, names.c.actor_id, names.c.display_name).where(
            tuple_(names.c.kind, names.c.actor_id).in_(wanted)
        )
    )
    return {(kind, actor_id): name for kind, actor_id, name in found}
