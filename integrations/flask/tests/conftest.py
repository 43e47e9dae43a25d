"""The Flask integration's own tests: mounting, the host's database and layout, sign-in, the
demo. They use the shared HTTP suite's Flask host (``integrations/http_tests``), which runs the
tests of the pages and the API against both frameworks."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

sys.path.insert(0, str(Path(__file__).parents[2] / "http_tests"))

from hosts.flask_host import make_app, mounted
from support import (
    FRONT_DESK,
    OWNER,
    POLICY,
    START,
    InlineFinder,
    Who,
    add_database_option,
    clock,  # noqa: F401  (a fixture, offered to the tests from here)
    csrf_token,
    server_url,  # noqa: F401
    submit,
    who,  # noqa: F401
)

from sessionpacks import ManualClock, Settings, Studio

__all__ = ["FRONT_DESK", "OWNER", "POLICY", "START", "InlineFinder", "Who", "csrf_token", "submit"]


def pytest_addoption(parser: pytest.Parser) -> None:
    add_database_option(parser)


@pytest.fixture
def app(tmp_path: Path, clock: ManualClock, who: Who, server_url: str | None) -> Iterator[Flask]:
    app = make_app(tmp_path, clock, who, server_url, Settings(policy=POLICY))
    yield app
    mounted(app).engine.dispose()


@pytest.fixture
def studio(app: Flask) -> Studio:
    with app.app_context():
        return mounted(app).studio


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
