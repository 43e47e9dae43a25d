"""What the shared HTTP suite's tests use, whichever framework serves them: the studio's
policy and people, who is asking, and posting a form the way a browser does."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any, Protocol

import pytest

from sessionpacks import ALL, ManualClock, RolePolicy, create_engine, migrate
from sessionpacks.testing import drop_tables
from sessionpacks.web import Identity

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


def add_database_option(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database",
        choices=["sqlite", *SERVER_URL_VARIABLES],
        default="sqlite",
        help="a fresh SQLite file per test (default), or the server whose URL is in "
        + ", ".join(f"{v} (for {k})" for k, v in SERVER_URL_VARIABLES.items()),
    )


@pytest.fixture(scope="session")
def server_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """The chosen server's URL, its sessionpacks tables dropped and made anew once; None for
    SQLite."""
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


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def who() -> Who:
    return Who()


class Who:
    """Who the test's requests come from; the host's identity hook reads it."""

    def __init__(self) -> None:
        self.current: Identity | None = None


class Response(Protocol):
    """A test client's response, as Flask's test client has it (the Django host wraps its own)."""

    status_code: int

    @property
    def text(self) -> str: ...

    @property
    def headers(self) -> Any: ...

    @property
    def json(self) -> Any | None: ...

    @property
    def location(self) -> str: ...

    @property
    def mimetype(self) -> str | None: ...

    @property
    def content_type(self) -> str | None: ...


class Client(Protocol):
    """A test client, as Flask's has it: ``get``, ``post``, ``put`` and ``open``."""

    def get(self, url: str, **options: Any) -> Response: ...

    def post(self, url: str, **options: Any) -> Response: ...

    def put(self, url: str, **options: Any) -> Response: ...

    def open(self, url: str, **options: Any) -> Response: ...


# Flask-WTF names the field csrf_token, Django csrfmiddlewaretoken.
_TOKEN = re.compile(r'name="(csrf_token|csrfmiddlewaretoken)" value="([^"]+)"')


def csrf_field(client: Client, page: str) -> tuple[str, str]:
    """The CSRF field's name and token from a page's form, as a browser would send them back."""
    response = client.get(page)
    assert response.status_code == 200, response.text
    found = _TOKEN.search(response.text)
    assert found, f"no CSRF token on {page}"
    return found.group(1), found.group(2)


def csrf_token(client: Client, page: str) -> str:
    return csrf_field(client, page)[1]


_keys = itertools.count(1)


def submit(client: Client, page: str, action: str, data: dict[str, Any]) -> Response:
    """Post ``data`` to ``action`` as the form on ``page`` would: with its CSRF token and, unless
    given, a fresh idempotency key."""
    name, token = csrf_field(client, page)
    fields = {name: token, "idempotency_key": f"form-{next(_keys)}"}
    fields.update(data)
    return client.post(action, data=fields)


class InlineFinder(HTMLParser):
    """Notes what a Content-Security-Policy without 'unsafe-inline' would block."""

    def __init__(self) -> None:
        super().__init__()
        self.blocked: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.blocked.append("an inline <script>")
        if tag == "style":
            self.blocked.append("a <style> element")
        if "style" in names:
            self.blocked.append(f"a style attribute on <{tag}>")
        self.blocked += [f"an {name} handler on <{tag}>" for name in names if name.startswith("on")]
        if any(value and value.strip().lower().startswith("javascript:") for _, value in attrs):
            self.blocked.append(f"a javascript: URL on <{tag}>")
