"""A Flask host app with sessionpacks mounted, as the shared suite and the Flask tests use it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import attrs
from flask import Flask
from flask.testing import FlaskClient
from support import Who

from sessionpacks import ManualClock, Settings, Studio
from sessionpacks.testing import empty_tables
from sessionpacks.web import Identity
from sessionpacks_flask import Mounted, SessionPacks


@attrs.frozen
class Host:
    app: Flask
    client: FlaskClient
    studio: Studio
    session_cookie: str = "session"


def make_app(
    tmp_path: Path,
    clock: ManualClock,
    who: Who,
    server_url: str | None,
    settings: Settings,
    locale: str | None = None,
) -> Flask:
    app = Flask("studio", instance_path=str(tmp_path / "instance"))
    app.config.update(SECRET_KEY="test secret", SESSIONPACKS_STUDIO_NAME="Test Studio")
    if locale is not None:
        app.config.update(SESSIONPACKS_LOCALE=locale)
    if server_url is not None:
        # Upgraded once for the run; emptied below for this test.
        app.config.update(SESSIONPACKS_DATABASE_URL=server_url, SESSIONPACKS_AUTO_UPGRADE=False)
    packs = SessionPacks(settings=settings, clock=clock)

    @packs.identity_loader
    def current() -> Identity | None:
        return who.current

    packs.init_app(app)
    if server_url is not None:
        empty_tables(mounted(app).engine)
    return app


def mounted(app: Flask) -> Mounted:
    found: Mounted = app.extensions["sessionpacks"]
    return found


@contextlib.contextmanager
def make_host(
    tmp_path: Path,
    clock: ManualClock,
    who: Who,
    server_url: str | None,
    settings: Settings,
    locale: str | None = None,
) -> Iterator[Host]:
    app = make_app(tmp_path, clock, who, server_url, settings, locale)
    try:
        with app.app_context():
            studio = mounted(app).studio
        yield Host(app, app.test_client(), studio)
    finally:
        mounted(app).engine.dispose()
