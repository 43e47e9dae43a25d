"""sessionpacks' own SQLAlchemy URL, made from the project's ``DATABASES`` entry.

sessionpacks never uses Django's connections: it opens its own engine on the same database, so its
transactions (``BEGIN IMMEDIATE`` on SQLite, READ COMMITTED on MySQL) never mix with the host's.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from django.core.exceptions import ImproperlyConfigured

# OPTIONS that Django itself reads, never handed to the driver.
_DJANGO_ONLY_OPTIONS = frozenset(
    {
        "isolation_level",
        "pool",
        "server_side_binding",
        "assume_role",
        "init_command",
        "transaction_mode",
        "timeout",
        "read_default_file",
        "sql_mode",
    }
)


def url_from_django(alias: str, databases: Mapping[str, Mapping[str, Any]]) -> sa.URL:
    """The SQLAlchemy URL of ``DATABASES[alias]``; an in-memory SQLite database is refused."""
    if alias not in databases:
        raise ImproperlyConfigured(
            f"SESSIONPACKS['DATABASE'] names {alias!r}, which is not in DATABASES"
            f" ({', '.join(sorted(databases)) or 'none'})"
        )
    entry = databases[alias]
    engine = str(entry.get("ENGINE", ""))
    name = str(entry.get("NAME") or "")
    if engine.endswith("sqlite3"):
        if name in ("", ":memory:") or "mode=memory" in name or name.startswith("file::memory"):
            raise ImproperlyConfigured(
                f"DATABASES[{alias!r}] is an in-memory SQLite database, which only the"
                " connection that made it can see, so sessionpacks cannot open its own: give it"
                " a file NAME (and, for tests, TEST={'NAME': 'a file path'})"
            )
        return sa.URL.create("sqlite", database=name)
    options = {
        key: str(value)
        for key, value in dict(entry.get("OPTIONS") or {}).items()
        if key not in _DJANGO_ONLY_OPTIONS and isinstance(value, (str, int))
    }
    host = str(entry.get("HOST") or "") or None
    if engine.endswith("postgresql"):
        driver = "psycopg" if importlib.util.find_spec("psycopg") else "psycopg2"
    elif engine.endswith("mysql"):
        driver = _mysql_driver()
        if host and host.startswith("/"):
            options["unix_socket"], host = host, None
    else:
        raise ImproperlyConfigured(
            f"DATABASES[{alias!r}] uses {engine!r}; sessionpacks works on SQLite, PostgreSQL and"
            " MySQL/MariaDB; set SESSIONPACKS['DATABASE_URL'] to another database for it"
        )
    backend = "postgresql" if engine.endswith("postgresql") else "mysql"
    return sa.URL.create(
        f"{backend}+{driver}",
        username=str(entry.get("USER") or "") or None,
        password=str(entry.get("PASSWORD") or "") or None,
        host=host,
        port=int(entry["PORT"]) if entry.get("PORT") else None,
        database=name or None,
        query=options,
    )


def _mysql_driver() -> str:
    # Django's MySQL backend needs mysqlclient, or PyMySQL standing in for it.
    try:
        import MySQLdb  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:
        return "pymysql"
    return "pymysql" if MySQLdb.__name__ == "pymysql" else "mysqldb"
