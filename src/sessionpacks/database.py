"""Engines that keep the ledger's guarantees on every supported database."""

from __future__ import annotations

import functools
import weakref
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import CursorResult, Engine

from sessionpacks import direct
from sessionpacks.errors import ConfigurationError

DEFAULT_URL = "sqlite:///sessionpacks.db"

# The execution option that marks a connection as only reading.
READ_ONLY = "sessionpacks_read_only"
# The execution option of the engine sessionpacks writes through: on SQLite only its transactions
# take the write lock at BEGIN; anyone else's plain connection begins deferred.
WRITES = "sessionpacks_writes"

# Engines that sessionpacks made or was told it may prepare: only these carry its settings.
_ours: weakref.WeakSet[Engine] = weakref.WeakSet()


def create_engine(url: str | sa.URL = DEFAULT_URL, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` and prepare it with :func:`prepare_engine`.

    On MySQL and MariaDB the engine's connections start in READ COMMITTED, which the ledger's
    writes need, instead of switching to it for every transaction.
    """
    parsed = _parsed(url)
    if parsed.get_backend_name() in ("mysql", "mariadb"):
        kwargs.setdefault("isolation_level", "READ COMMITTED")
    advice = _SUGGESTED.get(parsed.get_backend_name(), "name a driver in the URL")
    try:
        engine = sa.create_engine(parsed, **kwargs)
    except ModuleNotFoundError as missing:
        # A URL without a driver names the dialect's default driver, often not installed.
        raise ConfigurationError(
            f"the database driver for {parsed.drivername}:// is not installed ({missing.name});"
            f" {advice}"
        ) from None
    except sa.exc.NoSuchModuleError:
        raise ConfigurationError(
            f"{parsed.drivername}:// names a database or driver SQLAlchemy does not know; {advice}"
        ) from None
    prepare_engine(engine)
    return engine


# The drivers sessionpacks is tested with, and the extras that install them.
_SUGGESTED = {
    "postgresql": "use postgresql+psycopg://user@host/db (pip install 'sessionpacks[postgresql]')",
    "mysql": "use mysql+pymysql://user@host/db (pip install 'sessionpacks[mysql]')",
    "mariadb": "use mysql+pymysql://user@host/db (pip install 'sessionpacks[mysql]')",
}


def _parsed(url: str | sa.URL) -> sa.URL:
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError as error:
        raise ConfigurationError(f"not a database URL: {error}") from None
    if parsed.drivername.split("+")[0] == "postgres":
        # Heroku and many tutorials write postgres://, which SQLAlchemy does not know.
        raise ConfigurationError(
            f"{parsed.drivername}:// is not a database URL SQLAlchemy knows; "
            + _SUGGESTED["postgresql"]
        )
    return parsed


def own_engine(engine: Engine) -> Engine:
    """The engine sessionpacks works through on ``engine``'s database.

    An engine from :func:`create_engine` (or given to :func:`prepare_engine`) is used as it is.
    Any other engine is the host's: sessionpacks never adds listeners to it, changes its
    connections or disposes its pool, and opens an engine of its own on the same URL instead, so
    its own settings (``BEGIN IMMEDIATE``, busy timeout, foreign keys) apply only to the
    connections it opens. On a host's SQLite file it leaves the journal mode as the host set it.
    """
    if engine in _ours:
        return engine
    url = engine.url
    if url.get_backend_name() == "sqlite" and _in_memory(url):
        raise ConfigurationError(
            "an in-memory SQLite database lives inside the engine that made it, so sessionpacks"
            " cannot open its own connections to it; give sessionpacks a database file"
            " (sessionpacks.create_engine('sqlite:///studio.db')), or call"
            " sessionpacks.prepare_engine(engine) on an engine that only sessionpacks uses"
        )
    kwargs: dict[str, Any] = {}
    if url.get_backend_name() in ("mysql", "mariadb"):
        kwargs["isolation_level"] = "READ COMMITTED"
    own = sa.create_engine(url, **kwargs)
    _prepare(own, switch_to_wal=False)
    return own


def writing(engine: Engine) -> Engine:
    """``engine`` as sessionpacks writes: the same pool, its transactions marked as writes."""
    writer = engine.execution_options(**{WRITES: True})
    _ours.add(writer)
    return writer


def _in_memory(url: sa.URL) -> bool:
    return url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"


def prepare_engine(engine: Engine) -> Engine:
    """Make a SQLite engine lock for writing at the start of each transaction.

    SQLite's default deferred transactions take the write lock only at the first write, and two
    transactions that both read first then fail with "database is locked" instead of waiting. Each
    transaction here begins with ``BEGIN IMMEDIATE`` and waits up to 30 seconds for the lock; the
    file also gets write-ahead logging, full fsync and enforced foreign keys. Other databases are
    left as they are. Calling it twice is harmless.

    Only for an engine that sessionpacks alone uses: it changes every connection of the engine.
    Given a host's engine, :class:`~sessionpacks.Studio` opens its own instead (:func:`own_engine`).
    """
    return _prepare(engine, switch_to_wal=True)


def _prepare(engine: Engine, *, switch_to_wal: bool) -> Engine:
    _ours.add(engine)
    if engine.dialect.name != "sqlite" or event.contains(engine, "begin", _begin_immediate):
        return engine
    event.listen(
        engine,
        "connect",
        functools.partial(_configure_sqlite_connection, switch_to_wal=switch_to_wal),
    )
    event.listen(engine, "begin", _begin_immediate)
    # Connections made before the listeners were added lack the settings.
    engine.dispose()
    return engine


def _configure_sqlite_connection(
    dbapi_connection: Any, connection_record: Any, *, switch_to_wal: bool
) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN instead of the driver's implicit deferred BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA busy_timeout = 30000")
    cursor.execute("PRAGMA journal_mode")
    if switch_to_wal and cursor.fetchone()[0] != "memory":
        cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.close()


def _begin_immediate(connection: sa.Connection) -> None:
    # sessionpacks' writes lock at BEGIN, so two of them never both read and then fail to write.
    # A read, or any plain connection of the engine (a host's monitoring query), begins
    # deferred, so that readers never wait for writers (WAL). Straight to the driver unless
    # something watches statements: every write begins here.
    options = connection.get_execution_options()
    if options.get(WRITES) and not options.get(READ_ONLY):
        direct.run_text(connection, "BEGIN IMMEDIATE")
    else:
        direct.run_text(connection, "BEGIN")


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
