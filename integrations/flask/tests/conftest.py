"""A host app with sessionpacks mounted, and ways to sign in and to post forms the way a browser
does (with the page's CSRF token).

Each test gets a fresh SQLite file, or with ``--database=postgresql|mariadb`` the server at
``$SESSIONPACKS_TEST_POSTGRESQL_URL`` or ``$SESSIONPACKS_TEST_MARIADB_URL``, its sessionpacks
tables emptied before every test, as the core's tests do."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from sessionpacks import ALL, ManualClock, RolePolicy, Settings, Studio, create_engine, migrate
from sessionpacks.testing import drop_tables, empty_tables
from sessionpacks_flask import Identity, Mounted, SessionPacks

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)

# What a small studio would configure: owners do everything, the front desk sells and checks
# in, members enroll and cancel their own bookings.
POLICY = RolePolicy(
    {
        "owner": ALL,
        "front_desk": {"sell", "grant", "redeem", "check_in", "book", "attend", "manage_clients"},
        "member": {"enroll", "cancel", "book"},
    }
)
OWNER = Identity.staff("owner-1", "owner")
FRONT_DESK = Identity.staff("desk-1", "front_desk")


SERVER_URL_VARIABLES = {
    "postgresql": "SESSIONPACKS_TEST_POSTGRESQL_URL",
    "mariadb": "SESSIONPACKS_TEST_MARIADB_URL",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database",
        choices=["sqlite", *SERVER_URL_VARIABLES],
        default="sqlite",
        help="a fresh SQLite file per test (default), or the server whose URL is in "
        + ", ".join(f"{v} (for {k})" for k, v in SERVER_URL_VARIABLES.items()),
    )


@pytest.fixture(scope="session")
def server_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """The server's URL, its sessionpacks tables dropped and made anew once; None for SQLite."""
    choice = request.config.getoption("--database")
    if choice == "sqlite":
        yield None
        return
    variable = SERVER_URL_VARIABLES[choice]
    url = os.environ.get(variable, "").strip()
    if not url:
        pytest.exit(f"--database={choice} needs the server's URL in ${variable}", returncode=4)
    engine = create_engine(url)
    drop_tables(engine)
    migrate.upgrade(engine)
    yield url
    engine.dispose()


class Who:
    """Who the test's requests come from; the app's identity loader reads it."""

    def __init__(self) -> None:
        self.current: Identity | None = None


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def who() -> Who:
    return Who()


@pytest.fixture
def app(tmp_path: Path, clock: ManualClock, who: Who, server_url: str | None) -> Iterator[Flask]:
    app = Flask("studio", instance_path=str(tmp_path / "instance"))
    app.config.update(SECRET_KEY="test secret", SESSIONPACKS_STUDIO_NAME="Test Studio")
    if server_url is not None:
        # Upgraded once for the run; emptied below for this test.
        app.config.update(SESSIONPACKS_DATABASE_URL=server_url, SESSIONPACKS_AUTO_UPGRADE=False)
    packs = SessionPacks(settings=Settings(policy=POLICY), clock=clock)

    @packs.identity_loader
    def current() -> Identity | None:
        return who.current

    packs.init_app(app)
    mounted: Mounted = app.extensions["sessionpacks"]
    if server_url is not None:
        empty_tables(mounted.engine)
    yield app
    mounted.engine.dispose()


@pytest.fixture
def studio(app: Flask) -> Studio:
    with app.app_context():
        return app.extensions["sessionpacks"].studio  # type: ignore[no-any-return]


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
_KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')


def csrf_token(client: FlaskClient, page: str) -> str:
    """The CSRF token from a page's form, as a browser would send it back."""
    response = client.get(page)
    assert response.status_code == 200, response.text
    found = _TOKEN.search(response.text)
    assert found, f"no CSRF token on {page}"
    return found.group(1)


_keys = itertools.count(1)


def submit(client: FlaskClient, page: str, action: str, data: dict[str, Any]) -> TestResponse:
    """Post ``data`` to ``action`` as the form on ``page`` would: with its CSRF token and, unless
    given, a fresh idempotency key."""
    fields = {"csrf_token": csrf_token(client, page), "idempotency_key": f"form-{next(_keys)}"}
    fields.update(data)
    return client.post(action, data=fields)
