"""Engines that keep the ledger's guarantees on every supported database."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import CursorResult, Engine

from sessionpacks import direct

DEFAULT_URL = "sqlite:///sessionpacks.db"

# The execution option that marks a connection as only reading.
READ_ONLY = "sessionpacks_read_only"


def create_engine(url: str | sa.URL = DEFAULT_URL, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` and prepare it with :func:`prepare_engine`.

    On MySQL and MariaDB the engine's connections start in READ COMMITTED, which the ledger's
    writes need, instead of switching to it for every transaction.
    """
    if sa.make_url(url).get_backend_name() in ("mysql", "mariadb"):
        kwargs.setdefault("isolation_level", "READ COMMITTED")
    engine = sa.create_engine(url, **kwargs)
    prepare_engine(engine)
    return engine


def prepare_engine(engine: Engine) -> Engine:
    """Make a SQLite engine lock for writing at the start of each transaction.

    SQLite's default deferred transactions take the write lock only at the first write, and two
    transactions that both read first then fail with "database is locked" instead of waiting. Each
    transaction here begins with ``BEGIN IMMEDIATE`` and waits up to 30 seconds for the lock; the
    file also gets write-ahead logging, full fsync and enforced foreign keys. Other databases are
    left as they are. Calling it twice is harmless.
    """
    if engine.dialect.name != "sqlite" or event.contains(engine, "begin", _begin_immediate):
        return engine
    event.listen(engine, "connect", _configure_sqlite_connection)
    event.listen(engine, "begin", _begin_immediate)
    # Connections made before the listeners were added lack the settings.
    engine.dispose()
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, connection_record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN instead of the driver's implicit deferred BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA busy_timeout = 30000")
    cursor.execute("PRAGMA journal_mode")
    if cursor.fetchone()[0] != "memory":
        cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.close()


def _begin_immediate(connection: sa.Connection) -> None:
    # A read asks for a deferred transaction, so that readers never wait for writers (WAL).
    # Straight to the driver unless something watches statements: every write begins here.
    if connection.get_execution_options().get(READ_ONLY):
        direct.run_text(connection, "BEGIN")
    else:
        direct.run_text(connection, "BEGIN IMMEDIATE")


def is_retryable(error: sa.exc.DBAPIError) -> bool:
    """Whether the database gave up on a transaction that would succeed if tried again."""
    orig = error.orig
    state = sqlstate(error)
    if state in ("40001", "40P01"):  # serialization failure, deadlock
        return True
    # A statement prepared by sessionpacks.direct vanished in mid-transaction (DEALLOCATE ALL),
    # or one thought vanished is still there: the next attempt prepares afresh.
    if state in ("26000", "42P05"):
        return True
    args = getattr(orig, "args", ())
    if args and args[0] in (1213, 1205):  # MySQL deadlock, lock wait timeout
        return True
    return isinstance(error, sa.exc.OperationalError) and "database is locked" in str(orig)


def sqlstate(error: sa.exc.DBAPIError) -> str | None:
    """PostgreSQL's code for the error (psycopg's and psycopg2's spelling), or None."""
    orig = error.orig
    state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return str(state) if state else None


def inserted_id(result: CursorResult[Any]) -> int:
    """The primary key of the row an INSERT just wrote."""
    key = result.inserted_primary_key
    if key is None:  # pragma: no cover - every sessionpacks table has an integer key
        raise TypeError("the statement inserted no row")
    return int(key[0])
