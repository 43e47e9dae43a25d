"""The demo project's settings, made for one database URL; :func:`settings_for` gives them to
``django.conf.settings.configure``."""

from __future__ import annotations

import secrets
from typing import Any

import sqlalchemy as sa

from sessionpacks.demo import ROLES, STUDIO_NAME

# The group whose users are the front desk, and the sessionpacks role it gives them.
FRONT_DESK_GROUP = "Front desk"
# The prefix the office, portal, kiosk and API are mounted at (urls.py).
MOUNT = "studio/"


def settings_for(
    database_url: str, *, hosts: tuple[str, ...] = (), locale: str = "en"
) -> dict[str, Any]:
    """The settings of the demo site on ``database_url`` (a SQLAlchemy URL), answering requests
    addressed to localhost and to ``hosts``, its pages in ``locale``."""
    return {
        "DEBUG": False,
        # A fresh key per start: signing in again after a restart is fine for a demo.
        "SECRET_KEY": secrets.token_hex(32),
        "ALLOWED_HOSTS": ["localhost", "127.0.0.1", "[::1]", *hosts],
        "USE_TZ": True,
        "ROOT_URLCONF": "sessionpacks_django.demo.urls",
        "AUTH_USER_MODEL": "sessionpacks_demo.DemoUser",
        "LOGIN_URL": "/",
        "DATABASES": {"default": _database(database_url)},
        "INSTALLED_APPS": [
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "sessionpacks_django.demo.apps.DemoConfig",
            # The first of the two mounting lines; urls.py has the other.
            "sessionpacks_django",
        ],
        "MIDDLEWARE": [
            "sessionpacks_django.demo.views.strict_policy",
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
        ],
        "SESSIONPACKS": {
            "STUDIO_NAME": STUDIO_NAME,
            "LOCALE": locale,
            "ROLES": ROLES,
            "GROUP_ROLES": {FRONT_DESK_GROUP: "owner"},
            "PLUGINS": ["sessionpacks.demo.DemoPayments"],
        },
        "LOGGING_CONFIG": None,
    }


def _database(url: str) -> dict[str, Any]:
    """Django's ``DATABASES`` entry for a SQLAlchemy URL."""
    found = sa.make_url(url)
    backend = found.get_backend_name()
    if backend == "sqlite":
        if not found.database or found.database == ":memory:":
            raise SystemExit("the demo needs a SQLite file, such as sqlite:///demo.db")
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": found.database}
    if backend not in ("postgresql", "mysql"):
        raise SystemExit(f"the demo runs on SQLite, PostgreSQL or MariaDB/MySQL, not {backend}")
    if backend == "mysql":
        _mysql_driver()
    return {
        "ENGINE": f"django.db.backends.{backend}",
        "NAME": found.database or "",
        "USER": found.username or "",
        "PASSWORD": found.password or "",
        "HOST": found.host or "",
        "PORT": str(found.port or ""),
    }


def _mysql_driver() -> None:
    # Django's MySQL backend wants mysqlclient; PyMySQL stands in for it, as Django documents.
    try:
        import MySQLdb  # type: ignore[import-untyped,import-not-found,unused-ignore]  # noqa: F401
    except ImportError:
        import pymysql

        pymysql.version_info = (2, 2, 7, "final", 0)
        pymysql.install_as_MySQLdb()
