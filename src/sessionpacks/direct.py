"""Hot statements, compiled once per dialect and run straight on the driver's cursor.

Executing even a cached statement through SQLAlchemy costs tens of microseconds of Python per
statement (parameter processing, events, result metadata), and a redemption runs several: that was
most of what separated it from the raw driver. Here a statement is compiled once per dialect into
its SQL text, its parameters in order with their type conversions, and a row type with its result
conversions; a call builds the parameters, runs them on a cursor this module keeps for each of the
driver's connections, in the connection's own transaction, and converts what comes back. For
psycopg the SQL numbers its parameters ($1, $2, ...) and runs on a ``RawCursor``, so that psycopg
has no named parameters to rewrite on every execution.

The SQL, the parameter names and every value conversion are SQLAlchemy's own, taken from the same
column types, so both ways read and write the same values. Driver errors are raised as the
SQLAlchemy exceptions the callers expect (an ``IntegrityError`` still means "replay this key").
A connection whose engine logs or listens to statement execution goes the ordinary way, so that
echo, tracing and error hooks still see every statement; so does a statement this module cannot
take (one with "expanding" IN parameters, or result names that are not identifiers).
"""

from __future__ import annotations

import collections
import copy
import keyword
import logging
import weakref
from collections.abc import Callable, Mapping
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection, CursorResult, Dialect
from sqlalchemy.sql.compiler import SQLCompiler

# A row as the hot path reads it: SQLAlchemy's Row or this module's named tuple; both are read by
# attribute (``row.remaining``), so the callers do not care which way a statement went.
Record = Any
Processor = Callable[[Any], Any]


class _Compiled:
    """One statement on one dialect, ready for the driver."""

    def __init__(self, statement: sa.Executable, dialect: Dialect) -> None:
        self.statement = statement  # kept alive: the cache is keyed by its id
        self.lastrowid = False
        # Looked at through a copy: asking an INSERT or UPDATE for its RETURNING memoizes the
        # answer on it, and a later ``.returning()`` copy of it would keep the empty one.
        statement = statement.execution_options()
        written = _written_for(dialect)
        compiled = _compile(statement, written)
        if isinstance(statement, sa.Insert) and not compiled.returning:
            # A new row's key: the cursor's lastrowid where the driver has one, else RETURNING.
            if getattr(dialect, "postfetch_lastrowid", False):
                self.lastrowid = True
            else:
                statement = statement.returning(*statement.table.primary_key)
                compiled = _compile(statement, written)
        columns = _result_columns(statement, compiled)
        self.sql = compiled.string
        self.positional = bool(written.positional)
        escaped = getattr(compiled, "escaped_bind_names", None) or {}
        names = compiled.positiontup if self.positional else list(compiled.binds)
        self.binds = [
            (
                name,
                escaped.get(name, name),
                compiled.params.get(name),
                compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect),
            )
            for name in names or ()
        ]
        keys = [key for key, _ in columns]
        self.usable = "POSTCOMPILE" not in self.sql and _plain_names(keys)
        self.row: Any = collections.namedtuple("Record", keys) if keys and self.usable else None
        self.conversions = [
            (index, process)
            for index, (_, type_) in enumerate(columns)
            if (process := type_.dialect_impl(dialect).result_processor(dialect, None)) is not None
        ]

    def parameters(self, values: Mapping[str, Any]) -> Any:
        """The statement's parameters for the driver: a tuple or a dict, by its paramstyle."""
        get = values.get
        if self.positional:
            return tuple(
                get(name, default) if process is None else process(get(name, default))
                for name, _, default, process in self.binds
            )
        return {
            key: get(name, default) if process is None else process(get(name, default))
            for name, key, default, process in self.binds
        }

    def records(self, fetched: list[Any]) -> list[Record]:
        assert self.row is not None
        make = self.row._make
        if not self.conversions:
            return [make(raw) for raw in fetched]
        records = []
        for raw in fetched:
            values = list(raw)
            for index, process in self.conversions:
                values[index] = process(values[index])
            records.append(make(values))
        return records


def _written_for(dialect: Dialect) -> Dialect:
    """The dialect to write a statement's SQL with. For psycopg, a copy that numbers the
    parameters ($1, $2, ...), PostgreSQL's own form, taken as it is by a psycopg ``RawCursor``:
    psycopg then has no named parameters to rewrite and reorder on every execution."""
    if _raw_cursor(dialect) is None:
        return dialect
    numbered = _numbered.get(dialect)
    if numbered is None:
        numbered = _numbered[dialect] = copy.copy(dialect)
        numbered.paramstyle = "numeric_dollar"
        numbered.positional = True
        # The quoting rules follow the paramstyle: a % no longer needs doubling.
        numbered.identifier_preparer = numbered.preparer(numbered)
    return numbered


def _raw_cursor(dialect: Dialect) -> Any:
    """psycopg's cursor for SQL with numbered parameters, or None: another driver, or a psycopg
    older than 3.2, which has none (its statements keep named parameters then)."""
    if dialect.driver != "psycopg":
        return None
    return getattr(dialect.loaded_dbapi, "RawCursor", None)


_numbered: weakref.WeakKeyDictionary[Dialect, Dialect] = weakref.WeakKeyDictionary()


def _compile(statement: sa.Executable, dialect: Dialect) -> SQLCompiler:
    return cast(SQLCompiler, cast(sa.ClauseElement, statement).compile(dialect=dialect))


def _result_columns(statement: sa.Executable, compiled: SQLCompiler) -> list[tuple[str, Any]]:
    """The names and types of what the statement returns."""
    if isinstance(statement, sa.Select):
        return [(str(column.key), column.type) for column in statement.selected_columns]
    return [(str(column.key), column.type) for column in compiled.returning or ()]


def _plain_names(keys: list[str]) -> bool:
    return len(set(keys)) == len(keys) and all(
        key.isidentifier() and not keyword.iskeyword(key) and not key.startswith("_")
        for key in keys
    )


# Per dialect (an engine's), per statement object: compiled once, the first time it runs.
_compiled: weakref.WeakKeyDictionary[Dialect, dict[int, _Compiled]] = weakref.WeakKeyDictionary()
# The last dialect's statements: most processes have one engine, and the weak lookup is slower.
_last: tuple[Dialect | None, dict[int, _Compiled]] = (None, {})


def observed(conn: Connection) -> bool:
    """Whether anything logs or listens to this connection's statements: then they go the
    ordinary way, where it sees them."""
    engine, dialect = conn.engine, conn.dialect
    return bool(
        engine.dispatch.before_cursor_execute
        or engine.dispatch.after_cursor_execute
        or engine.dispatch.before_execute
        or engine.dispatch.after_execute
        or dialect.dispatch.handle_error
        or dialect.dispatch.do_execute
        or engine.logger.isEnabledFor(logging.INFO)
    )


def run_text(conn: Connection, sql: str) -> None:
    """Run a statement without parameters or results, such as ``BEGIN IMMEDIATE``."""
    if observed(conn):
        conn.exec_driver_sql(sql)
        return
    try:
        _cursor(conn).execute(sql)
    except Exception as error:
        raise _translated(conn, sql, (), error) from error


def _prepared(conn: Connection, statement: sa.Executable) -> _Compiled | None:
    """The statement ready for this connection's driver, or None to go through SQLAlchemy."""
    if observed(conn):
        return None
    global _last
    dialect = conn.dialect
    last_dialect, by_statement = _last
    if dialect is not last_dialect:
        by_statement = _compiled.setdefault(dialect, {})
        _last = (dialect, by_statement)
    prepared = by_statement.get(id(statement))
    if prepared is None:
        prepared = by_statement[id(statement)] = _Compiled(statement, dialect)
    return prepared if prepared.usable else None


def _execute(conn: Connection, prepared: _Compiled, values: Mapping[str, Any]) -> Any:
    """Run the statement in the connection's transaction; the driver's cursor."""
    parameters = prepared.parameters(values)
    cursor = _cursor(conn)
    try:
        cursor.execute(prepared.sql, parameters)
    except Exception as error:
        raise _translated(conn, prepared.sql, parameters, error) from error
    return cursor


_CURSOR = "sessionpacks.cursor"


def _cursor(conn: Connection) -> Any:
    """The cursor this module keeps on the driver's connection that ``conn`` holds.

    One cursor serves every statement on that connection, each read to the end before the next
    runs: making a cursor per statement cost more than some statements take. It lives in the
    pool's ``info`` for the driver's connection, which is emptied when that connection is
    replaced.
    """
    pooled = conn.connection
    cursor = pooled.info.get(_CURSOR)
    if cursor is None:
        driver = pooled.driver_connection
        assert driver is not None  # a connection in use has its driver's connection
        raw = _raw_cursor(conn.dialect)
        cursor = pooled.info[_CURSOR] = driver.cursor() if raw is None else raw(driver)
    return cursor


def _translated(conn: Connection, sql: str, parameters: Any, error: Exception) -> Exception:
    """The SQLAlchemy exception SQLAlchemy would have raised for this driver error."""
    dialect = conn.dialect
    dbapi_error = dialect.loaded_dbapi.Error
    if not isinstance(error, dbapi_error):
        return error
    lost = dialect.is_disconnect(error, conn.connection.dbapi_connection, None)
    if lost:
        conn.invalidate(error)
    return sa.exc.DBAPIError.instance(
        sql, parameters, error, dbapi_error, connection_invalidated=lost, dialect=dialect
    )


def rows(conn: Connection, statement: sa.Executable, values: Mapping[str, Any]) -> list[Record]:
    """All the rows the statement returns."""
    prepared = _prepared(conn, statement)
    if prepared is None:
        return list(conn.execute(statement, dict(values)).all())
    return prepared.records(_execute(conn, prepared, values).fetchall())


def first(conn: Connection, statement: sa.Executable, values: Mapping[str, Any]) -> Record | None:
    """The statement's first row, or None."""
    found = rows(conn, statement, values)
    return found[0] if found else None


def count(conn: Connection, statement: sa.Executable, values: Mapping[str, Any]) -> int:
    """Run an UPDATE or DELETE; how many rows it matched."""
    prepared = _prepared(conn, statement)
    if prepared is None:
        result: CursorResult[Any] = conn.execute(statement, dict(values))
        return result.rowcount
    return int(_execute(conn, prepared, values).rowcount)


def insert(conn: Connection, statement: sa.Insert, values: Mapping[str, Any]) -> int:
    """Run an INSERT of one row; the new row's primary key."""
    prepared = _prepared(conn, statement)
    if prepared is None:
        key = conn.execute(statement, dict(values)).inserted_primary_key
        assert key is not None  # an INSERT of one row has its key
        return int(key[0])
    cursor = _execute(conn, prepared, values)
    if prepared.lastrowid:
        return int(cursor.lastrowid)
    return int(cursor.fetchone()[0])
