"""A host runs sessionpacks' writes inside its own transaction (``Studio.joined``): its order row
and the pass commit or roll back together, and emails, tasks and events go out only after the
host's commit, on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from sessionpacks import (
    Channel,
    ConfigurationError,
    ManualClock,
    PassTerms,
    Recipient,
    SessionPacksError,
    Settings,
    Studio,
    allow_all,
    create_engine,
    hookimpl,
    upgrade,
)
from sessionpacks.models import SideEffect
from tests.conftest import STAFF, Gym

host_metadata = sa.MetaData()
orders = sa.Table(
    "host_orders",
    host_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("item", sa.String(100), nullable=False),
)


class Heard:
    def __init__(self) -> None:
        self.grants: list[int] = []

    @hookimpl
    def sessionpacks_granted(self, result: object) -> None:
        self.grants.append(result.pass_id)  # type: ignore[attr-defined]


@pytest.fixture
def host(database_url: str, engine: Engine) -> Iterator[Engine]:
    """The host's own engine on the studio's database, with a table of its own."""
    host_engine = sa.create_engine(database_url)
    host_metadata.drop_all(host_engine)
    host_metadata.create_all(host_engine)
    yield host_engine
    host_metadata.drop_all(host_engine)
    host_engine.dispose()


@pytest.fixture
def heard(studio: Studio) -> Heard:
    listener = Heard()
    studio.hooks.register(listener)
    return listener


def _grant(packs: Studio, account_id: int, key: str) -> int:
    return packs.grant(
        account_id,
        PassTerms(quantity=5),
        reason="bought with the order",
        idempotency_key=key,
        actor=STAFF,
        channel=Channel.OFFICE,
    ).pass_id


def _orders(host: Engine) -> list[str]:
    with host.connect() as conn:
        return list(conn.scalars(sa.select(orders.c.item)))


def _side_effects(studio: Studio) -> int:
    with studio.session_factory() as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(SideEffect)) or 0)


def test_the_hosts_order_and_the_pass_commit_together_and_events_follow_the_commit(
    studio: Studio, gym: Gym, host: Engine, heard: Heard
) -> None:
    family = gym.account()
    with Session(host) as session:
        session.execute(orders.insert().values(item="5-class pack"))
        packs = studio.joined(session)
        pass_id = _grant(packs, family.id, "order-1")
        # The pass is visible inside the host's transaction, and nobody has heard of it yet.
        assert packs.pass_balance(pass_id).remaining == 5
        assert heard.grants == []
        # A repeated request inside the same transaction replays, granting nothing more.
        assert _grant(packs, family.id, "order-1") == pass_id
        session.commit()
    assert heard.grants == [pass_id]
    assert _orders(host) == ["5-class pack"]
    assert studio.pass_balance(pass_id).remaining == 5
    assert studio.retry_side_effects().delivered == 0  # told once, not again


def test_a_rollback_takes_the_pass_and_its_events_with_it(
    studio: Studio, gym: Gym, host: Engine, heard: Heard
) -> None:
    family = gym.account()
    with Session(host) as session:
        session.execute(orders.insert().values(item="5-class pack"))
        _grant(studio.joined(session), family.id, "order-2")
        session.rollback()
    assert _orders(host) == []
    assert studio.passes(family.id) == ()
    assert heard.grants == []
    assert _side_effects(studio) == 0
    assert studio.retry_side_effects().delivered == 0
    # The key was rolled back too: the host may run the order again.
    with Session(host) as session:
        pass_id = _grant(studio.joined(session), family.id, "order-2")
        session.commit()
    assert heard.grants == [pass_id]


def test_a_refused_write_undoes_only_its_own_part(studio: Studio, gym: Gym, host: Engine) -> None:
    family = gym.account()
    ann = gym.member(family)
    yoga = gym.service()
    with Session(host) as session:
        session.execute(orders.insert().values(item="drop-in"))
        packs = studio.joined(session)
        with pytest.raises(SessionPacksError):
            packs.redeem(
                ann.id,
                yoga.id,
                idempotency_key="no-credit",
                actor=STAFF,
                channel=Channel.KIOSK,
            )
        session.execute(orders.insert().values(item="paid at the desk"))
        session.commit()
    assert sorted(_orders(host)) == ["drop-in", "paid at the desk"]


def test_a_connection_delivers_when_the_host_says_it_committed(
    studio: Studio, gym: Gym, host: Engine, heard: Heard
) -> None:
    family = gym.account()
    with host.connect() as conn:
        with conn.begin():
            conn.execute(orders.insert().values(item="10-class pack"))
            packs = studio.joined(conn)
            pass_id = _grant(packs, family.id, "order-3")
        assert heard.grants == []
        assert packs.deliver_joined().delivered == 1
        with conn.begin():
            rolled_back = _grant(studio.joined(conn), family.id, "order-4")
            conn.rollback()
    assert heard.grants == [pass_id]
    assert rolled_back != pass_id
    assert [p.pass_id for p in studio.passes(family.id)] == [pass_id]


def test_what_cannot_join_is_refused_clearly(
    studio: Studio, gym: Gym, host: Engine, tmp_path_factory: pytest.TempPathFactory
) -> None:
    family = gym.account()
    with host.connect() as conn, pytest.raises(ConfigurationError, match="no open transaction"):
        studio.joined(conn)
    elsewhere = sa.create_engine(f"sqlite:///{tmp_path_factory.mktemp('other') / 'other.db'}")
    with Session(elsewhere) as session, pytest.raises(ConfigurationError, match="another database"):
        studio.joined(session)
    with Session(host) as session:
        packs = studio.joined(session)
        with pytest.raises(ConfigurationError, match=r"Studio\.bulk_grant"):
            packs.bulk_grant(
                [Recipient(account_id=family.id)],
                PassTerms(quantity=1),
                reason="everyone",
                batch_key="b-1",
                actor=STAFF,
                channel=Channel.OFFICE,
            )
        with pytest.raises(ConfigurationError, match="deliver_joined"):
            studio.deliver_joined()


def test_on_sqlite_a_request_that_wrote_a_host_row_writes_through_sessionpacks_at_once(
    tmp_path: Path, clock: ManualClock
) -> None:
    url = f"sqlite:///{tmp_path / 'site.db'}"
    upgrade(create_engine(url))
    host_engine = sa.create_engine(url)
    host_metadata.create_all(host_engine)
    studio = Studio(host_engine, settings=Settings(policy=allow_all), clock=clock)
    family = studio.add_account("client-1", "Ana")
    with Session(host_engine) as session:
        session.execute(orders.insert().values(item="5-class pack"))  # holds the file's lock
        # Through the studio's own connections this write would wait for that lock until the
        # busy timeout; joined, it runs on the connection that holds it.
        pass_id = _grant(studio.joined(session), family.id, "order-5")
        session.commit()
    assert studio.pass_balance(pass_id).remaining == 5
    assert _orders(host_engine) == ["5-class pack"]
