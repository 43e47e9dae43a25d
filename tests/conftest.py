"""Fixtures that give each test a real database: a SQLite file by default, or the PostgreSQL or
MariaDB server named by an environment variable when pytest runs with ``--database``."""

from __future__ import annotations

import datetime as dt
import itertools
import os
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from sessionpacks import (
    Actor,
    Channel,
    ManualClock,
    PassTerms,
    Settings,
    Studio,
    allow_all,
    create_engine,
    migrate,
)
from sessionpacks.directory import AccountInfo, MemberInfo, ServiceInfo
from sessionpacks.reading import verify
from sessionpacks.testing import drop_tables, empty_tables
from sessionpacks.values import GrantResult

# The plugin is opt-in (no entry point): the project's own tests ask for it like a host's would.
pytest_plugins = ["sessionpacks.testing.pytest_plugin"]

# Which environment variable holds the server's URL, per --database choice.
SERVER_URL_VARIABLES = {
    "postgresql": "SESSIONPACKS_TEST_POSTGRESQL_URL",
    "mariadb": "SESSIONPACKS_TEST_MARIADB_URL",
}

START = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.timezone.utc)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database",
        choices=["sqlite", *SERVER_URL_VARIABLES],
        default="sqlite",
        help="run the tests on a SQLite file (default) or on the server whose URL is in "
        + ", ".join(f"{v} (for {k})" for k, v in SERVER_URL_VARIABLES.items()),
    )


@pytest.fixture(scope="session")
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    choice = request.config.getoption("--database")
    if choice == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'sessionpacks.db'}"
    variable = SERVER_URL_VARIABLES[choice]
    url = os.environ.get(variable, "").strip()
    if not url:
        pytest.exit(f"--database={choice} needs the server's URL in ${variable}", returncode=4)
    try:
        with sa.create_engine(url).connect():
            pass
    except sa.exc.OperationalError as error:
        pytest.exit(f"cannot reach the {choice} server at ${variable}: {error}", returncode=4)
    return url


@pytest.fixture(scope="session")
def migrated_engine(database_url: str) -> Iterator[Engine]:
    """One engine per test run, its database emptied of sessionpacks tables and upgraded."""
    engine = create_engine(database_url)
    drop_tables(engine)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(migrated_engine: Engine, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """The test database with every sessionpacks table empty.

    Whatever a test did, every cached balance must still equal the sum of its ledger entries
    afterwards; only a test marked ``tampers`` (it corrupts a balance on purpose) is exempt.
    """
    empty_tables(migrated_engine)
    yield migrated_engine
    if request.node.get_closest_marker("tampers") is None:
        with migrated_engine.connect() as conn:
            assert verify(conn) == (), "the ledger and the cached balances disagree"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def studio(engine: Engine, clock: ManualClock) -> Studio:
    """A studio that allows every action, so tests of other rules are not refused."""
    return Studio(engine, settings=Settings(policy=allow_all), clock=clock)


STAFF = Actor(kind="staff", id="front-desk-1", roles=("owner",))


def operation_row(key: str) -> dict[str, object]:
    """The values of an operation's row, for writing one straight through the driver."""
    return {
        "idempotency_key": key,
        "action": "test",
        "fingerprint": "x",
        "actor_kind": "staff",
        "actor_id": "1",
        "channel": "office",
        "result": "",
        "created_at": START,
    }


class Gym:
    """Makes the people, services and passes a test needs, with fresh idempotency keys."""

    def __init__(self, studio: Studio) -> None:
        self.studio = studio
        self._numbers = itertools.count(1)

    def key(self, prefix: str = "k") -> str:
        return f"{prefix}-{next(self._numbers)}"

    def account(self, name: str = "Family") -> AccountInfo:
        return self.studio.add_account(self.key("acct"), name)

    def member(self, account: AccountInfo, name: str = "Member") -> MemberInfo:
        return self.studio.add_member(account.id, name)

    def service(
        self, name: str | None = None, category: str = "classes", minutes: int = 60, **kw: object
    ) -> ServiceInfo:
        return self.studio.add_service(
            name or self.key("service"),
            category=category,
            duration_minutes=minutes,
            **kw,  # type: ignore[arg-type]
        )

    def grant(
        self,
        account: AccountInfo,
        quantity: int = 10,
        member: MemberInfo | None = None,
        **terms: object,
    ) -> GrantResult:
        return self.studio.grant(
            account.id,
            PassTerms(quantity=quantity, **terms),  # type: ignore[arg-type]
            member_id=member.id if member else None,
            reason="test grant",
            idempotency_key=self.key("grant"),
            actor=STAFF,
            channel=Channel.OFFICE,
        )

    def redeem(self, member: MemberInfo, service: ServiceInfo, **kw: object):  # type: ignore[no-untyped-def]
        return self.studio.redeem(
            member.id,
            service.id,
            idempotency_key=kw.pop("idempotency_key", None) or self.key("redeem"),  # type: ignore[arg-type]
            actor=STAFF,
            channel=Channel.OFFICE,
            **kw,  # type: ignore[arg-type]
        )


@pytest.fixture
def gym(studio: Studio) -> Gym:
    return Gym(studio)
