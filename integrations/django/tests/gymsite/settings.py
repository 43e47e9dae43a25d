"""A gym's Django site, as a host project would write it, with sessionpacks mounted.

The database comes from ``GYMSITE_DATABASE_URL`` (set by the tests' conftest): a SQLite file, or
a PostgreSQL or MariaDB server, shared by the site's own tables and sessionpacks'.
"""

from __future__ import annotations

import os

import sqlalchemy as sa

SECRET_KEY = "gymsite-tests-only"
DEBUG = False
ALLOWED_HOSTS = ["testserver"]
USE_TZ = True
TIME_ZONE = "Europe/Paris"
ROOT_URLCONF = "gymsite.urls"
AUTH_USER_MODEL = "gym.Athlete"
LOGIN_URL = "/accounts/login/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "gymsite.gym",
    "sessionpacks_django",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]

_url = sa.make_url(os.environ["GYMSITE_DATABASE_URL"])
if _url.get_backend_name() == "sqlite":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": _url.database,
            "TEST": {"NAME": _url.database},
        }
    }
else:
    if _url.get_backend_name() == "mysql":
        # No mysqlclient build here: PyMySQL stands in for it, as Django documents.
        import pymysql

        pymysql.version_info = (2, 2, 7, "final", 0)
        pymysql.install_as_MySQLdb()
    DATABASES = {
        "default": {
            "ENGINE": (
                "django.db.backends.postgresql"
                if _url.get_backend_name() == "postgresql"
                else "django.db.backends.mysql"
            ),
            "NAME": _url.database,
            "USER": _url.username or "",
            "PASSWORD": _url.password or "",
            "HOST": _url.host or "",
            "PORT": str(_url.port or ""),
            # The tests use this database as it is, never a test_ copy (see conftest).
            "TEST": {"NAME": _url.database},
        }
    }

SESSIONPACKS = {
    "GROUP_ROLES": {"Front desk": "front_desk", "Coaches": ["trainer"]},
    "PERMISSION_ROLES": {"gym.run_studio": "owner"},
    "MEMBER_ATTRIBUTE": "sessionpacks_member_id",
    "STUDIO_NAME": "Iron Gym",
}
