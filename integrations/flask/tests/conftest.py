"""A host app with sessionpacks mounted, on a fresh SQLite file per test, and ways to sign in
and to post forms the way a browser does (with the page's CSRF token)."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from sessionpacks import ALL, ManualClock, RolePolicy, Settings, Studio
from sessionpacks_flask import Identity, SessionPacks

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
def app(tmp_path: Path, clock: ManualClock, who: Who) -> Iterator[Flask]:
    app = Flask("studio", instance_path=str(tmp_path / "instance"))
    app.config.update(SECRET_KEY="test secret", SESSIONPACKS_STUDIO_NAME="Test Studio")
    packs = SessionPacks(settings=Settings(policy=POLICY), clock=clock)

    @packs.identity_loader
    def current() -> Identity | None:
        return who.current

    packs.init_app(app)
    yield app
    with app.app_context():
        packs.studio._engine.dispose()


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
