"""The extension a host app registers: configuration, the studio, the blueprints, the CLI."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import Flask, current_app
from sqlalchemy.engine import Engine

from sessionpacks.clock import Clock
from sessionpacks.database import create_engine, own_engine
from sessionpacks.errors import ConfigurationError
from sessionpacks.migrate import upgrade
from sessionpacks.settings import Settings
from sessionpacks.studio import Studio
from sessionpacks.web import Identity, OwnAccountOnly, WebConfig
from sessionpacks_flask.config import Config
from sessionpacks_flask.identity import FlaskLoginIdentity, IdentityFunction, IdentitySpec

# Where the extension keeps an app's mounted state, as Flask extensions do.
EXTENSION_KEY = "sessionpacks"

EngineSource = Engine | Callable[[], Engine]
F = TypeVar("F", bound=Callable[[], Identity | None])


class Mounted:
    """sessionpacks on one app: its configuration and, made on first use, its studio."""

    def __init__(self, extension: SessionPacks, app: Flask, config: Config) -> None:
        self.extension = extension
        self.app = app
        self.config = config
        self.web = WebConfig.of(config, str(app.config.get("SESSION_COOKIE_NAME") or "session"))
        self._engine: Engine | None = None
        self._studio: Studio | None = None
        self._lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        """The engine sessionpacks works through, made once: never the host's own (see
        :func:`sessionpacks.database.own_engine`)."""
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    self._engine = own_engine(self.extension.engine_for(self.app, self.config))
        return self._engine

    @property
    def studio(self) -> Studio:
        """The app's :class:`~sessionpacks.Studio`, made (and its tables upgraded) on first use."""
        if self._studio is None:
            studio = self._make_studio()
            with self._lock:
                if self._studio is None:
                    self._studio = studio
        return self._studio

    def _make_studio(self) -> Studio:
        engine = self.engine
        if self.config.auto_upgrade:
            upgrade(engine)
        studio = Studio(
            engine,
            settings=self.extension.settings,
            plugins=self.extension.plugins,
            clock=self.extension.clock,
        )
        studio.hooks.add_hookspecs(IdentitySpec)
        studio.hooks.register(FlaskLoginIdentity(), name="sessionpacks_flask.flask_login")
        studio.hooks.register(OwnAccountOnly(studio), name="sessionpacks_flask.own_account")
        for function in self.extension.identity_loaders:
            studio.hooks.register(IdentityFunction(function))
        return studio

    def identity(self) -> Identity | None:
        """Who makes the current request, as the identity hook says."""
        found: Identity | None = self.studio.hooks.hook.sessionpacks_flask_identity()
        return found


class SessionPacks:
    """The sessionpacks extension: ``SessionPacks(app)``, or ``init_app(app)`` in a factory.

    :param app: the app to register with now; leave it out to call :meth:`init_app` later.
    :param engine: the host's SQLAlchemy engine, or a function returning it (called inside the
        app context on first use); overrides ``SESSIONPACKS_DATABASE_URL``.
    :param settings: the studio's :class:`~sessionpacks.Settings`, with the authorization policy.
    :param plugins: plugins for the core's hooks (payments, email, tasks) and for
        ``sessionpacks_flask_identity``.
    :param clock: the studio's clock; tests pass a :class:`~sessionpacks.ManualClock`.
    """

    def __init__(
        self,
        app: Flask | None = None,
        *,
        engine: EngineSource | None = None,
        settings: Settings | None = None,
        plugins: Iterable[object] = (),
        clock: Clock | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.plugins = tuple(plugins)
        self.clock = clock
        self.identity_loaders: list[Callable[[], Identity | None]] = []
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Register with ``app``: read its ``SESSIONPACKS_*`` keys, mount the pages and the API
        under the URL prefix, and add ``flask sessionpacks``.

        :param app: the Flask app; registering twice with the same app is an error.
        """
        if EXTENSION_KEY in app.extensions:
            raise ConfigurationError(
                f"a sessionpacks extension is already registered on the Flask app {app.name!r};"
                " create one SessionPacks per app and call init_app once"
            )
        config = Config.from_mapping(app.config)
        app.extensions[EXTENSION_KEY] = Mounted(self, app, config)
        # Imported here: the views import this module for `mounted()`.
        from sessionpacks_flask.cli import command
        from sessionpacks_flask.web import blueprint

        app.register_blueprint(blueprint, url_prefix=config.url_prefix or None)
        app.cli.add_command(command)
        if "migrate" in app.extensions:  # Flask-Migrate, set up before sessionpacks
            from sessionpacks_flask.host_migrations import leave_sessionpacks_tables_alone

            leave_sessionpacks_tables_alone(app.extensions["migrate"])

    def identity_loader(self, function: F) -> F:
        """Decorate the function that says who makes the current request: it returns an
        :class:`~sessionpacks_flask.Identity`, or None when nobody is signed in."""
        self.identity_loaders.append(function)
        return function

    @property
    def studio(self) -> Studio:
        """The current app's studio (inside an app context)."""
        return mounted().studio

    def member_identity(
        self, user_key: object, *roles: str, display_name: str | None = None
    ) -> Identity:
        """The portal identity of the site user ``user_key`` (your user's id): the member
        linked to that user (:meth:`~sessionpacks.Studio.link_user`), or, when none is,
        :meth:`Identity.no_access`, so the user gets a 403 page rather than a sign-in page."""
        return Identity.of_user(self.studio, user_key, *roles, display_name=display_name)

    def engine_for(self, app: Flask, config: Config) -> Engine:
        if self.engine is not None:
            found = self.engine if isinstance(self.engine, Engine) else self.engine()
            if not isinstance(found, Engine):
                raise ConfigurationError(
                    f"SessionPacks(engine=...) must be an Engine or return one, got {found!r}"
                )
            return found
        if config.database_url is not None:
            return create_engine(config.database_url)
        flask_sqlalchemy: Any = app.extensions.get("sqlalchemy")
        if flask_sqlalchemy is not None:
            with app.app_context():
                engine: Engine = flask_sqlalchemy.engine
            return engine
        os.makedirs(app.instance_path, exist_ok=True)
        return create_engine("sqlite:///" + os.path.join(app.instance_path, "sessionpacks.db"))


def mounted(app: Flask | None = None) -> Mounted:
    """sessionpacks as mounted on ``app`` (the current app by default)."""
    app = app or current_app
    found = app.extensions.get(EXTENSION_KEY)
    if not isinstance(found, Mounted):
        raise ConfigurationError(f"sessionpacks is not registered on the Flask app {app.name!r}")
    return found
