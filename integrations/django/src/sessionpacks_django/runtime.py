"""The one :class:`~sessionpacks.Studio` of this process, built on first use from settings, or
handed over by :func:`install` (tests with their own clock and policy)."""

from __future__ import annotations

import threading

import attrs
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string
from sqlalchemy.engine import Engine

from sessionpacks import ROLE_PRESETS, RolePolicy, Settings, Studio, create_engine
from sessionpacks.web import OwnAccountOnly
from sessionpacks_django.config import Config
from sessionpacks_django.database import url_from_django
from sessionpacks_django.identity import IdentitySpec


@attrs.frozen
class Runtime:
    """What this process shares: the settings read, sessionpacks' engine, plugins and studio."""

    config: Config
    engine: Engine
    plugins: tuple[object, ...]
    studio: Studio
    timezone: str


_lock = threading.Lock()
_runtime: Runtime | None = None


def config() -> Config:
    """``settings.SESSIONPACKS``, checked."""
    return Config.from_setting(getattr(settings, "SESSIONPACKS", None))


def database_url(found: Config) -> str:
    """The URL of sessionpacks' database: ``DATABASE_URL``, else the ``DATABASE`` alias's."""
    if found.database_url is not None:
        return found.database_url
    url = url_from_django(found.database, settings.DATABASES)
    return url.render_as_string(hide_password=False)


def runtime() -> Runtime:
    """The process's runtime, made on first use; :func:`reset` forgets it."""
    global _runtime
    with _lock:
        if _runtime is None:
            _runtime = _build()
        return _runtime


def studio() -> Studio:
    """The studio on the project's database, with the host's plugins registered."""
    return runtime().studio


def reset() -> None:
    """Dispose of the engine and forget the studio; the next use builds them afresh from settings
    (for tests, and after the test runner switches to the test database)."""
    global _runtime
    with _lock:
        if _runtime is not None:
            _runtime.engine.dispose()
        _runtime = None


def install(studio: Studio) -> None:
    """Use ``studio`` (a test's, with its own clock, policy and plugins) instead of building one
    from settings, until :func:`reset`, which disposes of its engine. The rest of
    ``settings.SESSIONPACKS`` still applies."""
    global _runtime
    _prepare(studio)
    engine = studio.session_factory.kw["bind"]
    made = Runtime(config(), engine, (), studio, studio.settings.studio_timezone)
    with _lock:
        if _runtime is not None:
            _runtime.engine.dispose()
        _runtime = made


def _prepare(made: Studio) -> None:
    made.hooks.add_hookspecs(IdentitySpec)
    made.hooks.register(OwnAccountOnly(made), name="sessionpacks_django.own_account_only")


def _build() -> Runtime:
    found = config()
    engine = create_engine(database_url(found))
    plugins = tuple(_load(path) for path in found.plugins)
    timezone = found.timezone or settings.TIME_ZONE or "UTC"
    policy = RolePolicy(found.roles if found.roles is not None else ROLE_PRESETS)
    made = Studio(
        engine,
        settings=Settings(policy=policy, studio_timezone=timezone),
        plugins=plugins,
    )
    _prepare(made)
    return Runtime(found, engine, plugins, made, timezone)


def _load(path: str) -> object:
    try:
        found = import_string(path)
    except ImportError as error:
        raise ImproperlyConfigured(
            f"SESSIONPACKS['PLUGINS'] names {path!r}, which cannot be imported: {error}"
        ) from error
    return found() if isinstance(found, type) else found
