"""The shared HTTP suite: the same tests of the office, portal, kiosk and API against a host app
of either framework, ``--adapter=flask`` (default) or ``--adapter=django``.

Each test gets a fresh SQLite file, or with ``--database=postgresql|mariadb`` the server at
``$SESSIONPACKS_TEST_POSTGRESQL_URL`` or ``$SESSIONPACKS_TEST_MARIADB_URL``, its sessionpacks
tables emptied before every test."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support import (
    POLICY,
    Who,
    add_database_option,
    clock,  # noqa: F401  (a fixture, offered to the tests from here)
    server_url,  # noqa: F401
    who,  # noqa: F401
)

from sessionpacks import ManualClock, Settings, Studio


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--adapter",
        choices=["flask", "django"],
        default="flask",
        help="the framework of the host app the tests run against",
    )
    add_database_option(parser)


def pytest_report_header(config: pytest.Config) -> str:
    return f"sessionpacks host: {config.getoption('--adapter')}"


@pytest.fixture
def locale() -> str | None:
    """The studio's language as the host's settings say it; None, the default. A test module
    overrides this fixture to run its tests in another."""
    return None


@pytest.fixture
def host(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    clock: ManualClock,
    who: Who,
    server_url: str | None,
    locale: str | None,
) -> Iterator[Any]:
    """The host app of the chosen framework, with sessionpacks mounted at ``/sessionpacks``."""
    adapter = request.config.getoption("--adapter")
    module = importlib.import_module(f"hosts.{adapter}_host")
    settings = Settings(policy=POLICY)
    with module.make_host(tmp_path, clock, who, server_url, settings, locale) as made:
        yield made


@pytest.fixture
def studio(host: Any) -> Studio:
    found: Studio = host.studio
    return found


@pytest.fixture
def client(host: Any) -> Any:
    return host.client
