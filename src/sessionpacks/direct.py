"""Hot statements, compiled once per dialect and run straight on the driver's cursor.

Executing even a cached statement through SQLAlchemy costs tens of microseconds of Python per
statement (parameter processing, events, result metadata), and a redemption runs several: that was
most of what separated it from the raw driver. Here a statement is compiled once per dialect into
its SQL text, its parameters in order with their type conversions, and a row type with its result
conversions; a call builds the parameters, runs them in the connection's own transaction, and
converts what comes back. Other drivers run them on a cursor this module keeps for each of the
driver's connections. On psycopg they go one level lower, to libpq (see :class:`_Libpq`): each is
prepared once per connection under a name of its own, with numbered parameters ($1, $2, ...),
and executed by that name, which spares the statement most of a cursor's Python.

The SQL, the parameter names and every value conversion are SQLAlchemy's own, taken from the same
column types, so both ways read and write the same values. Driver errors are raised as the
SQLAlchemy exceptions the callers expect (an ``IntegrityError`` still means "replay this key").
A connection whose engine logs or listens to statement execution goes the ordinary way, so that
echo, tracing and error hooks still see every statement; so does a statement this module cannot
take (one with "expanding" IN parameters, or result names that are not identifiers).
"""

from __future__ import annotations

import collections
import contextlib
import copy
import itertools
import keyword
import logging
import select
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
        # The name it is prepared under on a PostgreSQL connection (see _Libpq).
        self.name = b"sessionpacks_%d" % next(_serials)
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
    parameters ($1, $2, ...), the form PostgreSQL prepares a statement in (see _Libpq)."""
    if not _on_libpq(dialect):
        return dialect
    numbered = _numbered.get(dialect)
    if numbered is None:
        numbered = _numbered[dialect] = copy.copy(dialect)
        numbered.paramstyle = "numeric_dollar"
        numbered.positional = True
        # The quoting rules follow the paramstyle: a % no longer needs doubling.
        numbered.identifier_preparer = numbered.preparer(numbered)
    return numbered


def _on_libpq(dialect: Dialect) -> bool:
    return dialect.driver == "psycopg"


_serials = itertools.count(1)
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
        _channel(conn).run_text(sql)
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


def _execute(
    conn: Connection, prepared: _Compiled, values: Mapping[str, Any], commit: bool = False
) -> Any:
    """Run the statement in the connection's transaction; what it answered, read as from a
    cursor (``fetchall``, ``fetchone``, ``rowcount``; ``lastrowid`` where the dialect has one,
    never PostgreSQL). With ``commit``, see :func:`rows`."""
    parameters = prepared.parameters(values)
    channel = _channel(conn)
    try:
        return channel.run(prepared, parameters, commit and not conn.engine.dispatch.commit)
    except Exception as error:
        raise _translated(conn, prepared.sql, parameters, error) from error
    except BaseException:
        _interrupted(conn)
        raise


def _interrupted(conn: Connection) -> None:
    """Interrupted in mid-statement (Ctrl-C, say): what the driver's connection is in the middle
    of is unknown, so the pool replaces it, as SQLAlchemy does."""
    conn.invalidate()


_CHANNEL = "sessionpacks.channel"


def _channel(conn: Connection) -> Any:
    """What this module runs statements with on the driver's connection that ``conn`` holds: a
    :class:`_Libpq` on psycopg, else a :class:`_Cursor`.

    It lives in the pool's ``info`` for that driver connection, which is emptied when that
    connection is replaced, and serves every statement on it, each read to the end before the
    next runs: making a cursor per statement cost more than some statements take.
    """
    pooled = conn.connection
    channel = pooled.info.get(_CHANNEL)
    if channel is None:
        driver = pooled.driver_connection
        assert driver is not None  # a connection in use has its driver's connection
        channel = _Libpq(driver) if _on_libpq(conn.dialect) else _Cursor(driver.cursor())
        pooled.info[_CHANNEL] = channel
    return channel


class _Cursor:
    """A DB-API cursor, kept for one driver connection."""

    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor

    def run(self, prepared: _Compiled, parameters: Any, commit: bool = False) -> Any:
        # ``commit`` is left to the transaction's own commit: no round trip to save here.
        self.cursor.execute(prepared.sql, parameters)
        return self.cursor

    def run_text(self, sql: str) -> None:
        self.cursor.execute(sql)


class _Answer:
    """What a statement run through libpq answered, read as from a cursor."""

    __slots__ = ("rowcount", "rows")

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self.rows = rows
        self.rowcount = rowcount

    def fetchall(self) -> list[Any]:
        return self.rows

    def fetchone(self) -> Any:
        return self.rows[0] if self.rows else None


class _Libpq:
    """Runs statements on a psycopg connection's libpq connection, under psycopg's own
    transaction handling.

    Each statement is prepared once per connection, under its own name, and then executed by
    name: a psycopg cursor's execution costs about as much Python again as this, tens of
    microseconds a statement. Values go through the connection's own psycopg adapters, both
    ways, so they read and write as a cursor would. The transaction is psycopg's: the first
    statement begins it as psycopg would (with the connection's isolation level, read-only and
    deferrable settings), in the same round trip (a statement new to the connection is
    prepared just before), and psycopg's commit and rollback end it, as they look at libpq's
    own status. A statement run as its transaction's last (``commit``) takes the COMMIT along
    in its round trip. Every wait lets the process's other threads run: libpq's blocking calls
    release the GIL, and the pipelined commands wait in ``select``.

    psycopg deallocates every prepared statement of its session when it rolls back a
    transaction in which it had prepared some of its own, and a host may run DISCARD ALL: a
    statement whose name the server no longer knows is prepared again, transparently when it
    is the first of its transaction; later in a transaction, the transaction is lost and the
    error is one the writer retries (:func:`sessionpacks.database.is_retryable`).
    """

    def __init__(self, driver: Any) -> None:
        from psycopg import adapt, capabilities, pq

        self.driver = driver
        self.pgconn = driver.pgconn
        self.encoding = driver.info.encoding
        self.transformer = adapt.Transformer.from_context(driver)
        self.prepared: set[bytes] = set()
        self.formats = [adapt.PyFormat.TEXT]
        self.idle = pq.TransactionStatus.IDLE
        self.in_transaction = pq.TransactionStatus.INTRANS
        self.pipeline_off = pq.PipelineStatus.OFF
        self.pipelines = capabilities.has_pipeline()
        self.synced = pq.ExecStatus.PIPELINE_SYNC
        self.succeeded = (pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK)
        self.sqlstate = pq.DiagnosticField.SQLSTATE
        self.cursor: _Cursor | None = None

    def run(self, prepared: _Compiled, parameters: Any, commit: bool = False) -> Any:
        pgconn = self.pgconn
        if pgconn.pipeline_status != self.pipeline_off:
            # psycopg's pipeline must see every statement. A block of its own inside the host's
            # syncs when it ends, so that the answer (a row count, say) is there to read.
            with self.driver.pipeline():
                return self._by_cursor().run(prepared, parameters)
        status = pgconn.transaction_status
        fresh = status == self.idle and not self.driver.autocommit
        if prepared.name not in self.prepared:
            self._prepare(prepared)  # before BEGIN when it can, where a failure costs nothing
        if fresh:
            result = self._begin_and_exec(prepared, parameters)
        elif commit and status == self.in_transaction and self.pipelines:
            result = self._exec_and_commit(prepared, parameters)
        else:
            result = self._exec(prepared, parameters)
        if result.status not in self.succeeded and self._state(result) == b"26000":
            self.prepared.clear()
            if fresh:  # nothing of the transaction is lost yet: start it again
                self._command(b"ROLLBACK")
                self._prepare(prepared)
                result = self._begin_and_exec(prepared, parameters)
        if result.status not in self.succeeded:
            raise self._error(result)
        if result.nfields:
            transformer = self.transformer
            transformer.set_pgresult(result)
            rows = transformer.load_rows(0, result.ntuples, tuple)
        else:
            rows = []
        return _Answer(rows, result.command_tuples or 0)

    def run_text(self, sql: str) -> None:
        self._command(sql.encode(self.encoding))

    def commit(self) -> None:
        """COMMIT an open transaction that has not failed; psycopg's own commit then finds
        nothing to do."""
        pgconn = self.pgconn
        if pgconn.transaction_status == self.in_transaction and (
            pgconn.pipeline_status == self.pipeline_off
        ):
            self._command(b"COMMIT")

    def _prepare(self, prepared: _Compiled) -> None:
        made = self.pgconn.prepare(prepared.name, prepared.sql.encode(self.encoding))
        if made.status in self.succeeded:
            self.prepared.add(prepared.name)
            return
        if self._state(made) != b"42P05":
            raise self._error(made)
        # Already there: the server kept it when this module thought it gone. Inside a
        # transaction the failed PREPARE has ended it, and the writer retries (42P05).
        self.prepared.add(prepared.name)
        if self.pgconn.transaction_status != self.idle:
            raise self._error(made)

    def _values(self, parameters: Any) -> Any:
        """The parameters as text for libpq, through the connection's adapters."""
        return self.transformer.dump_sequence(parameters, self.formats * len(parameters))

    def _exec(self, prepared: _Compiled, parameters: Any) -> Any:
        return self.pgconn.exec_prepared(prepared.name, self._values(parameters))

    def _begin_and_exec(self, prepared: _Compiled, parameters: Any) -> Any:
        """BEGIN and a prepared statement, in one round trip where libpq can pipeline: the
        result of the statement, or of BEGIN if that failed."""
        if not self.pipelines:
            self._command(self._begin())
            return self._exec(prepared, parameters)
        began, result = self._pipeline(self._begin(), (prepared.name, self._values(parameters)))
        return result if began.status in self.succeeded else began

    def _exec_and_commit(self, prepared: _Compiled, parameters: Any) -> Any:
        """A prepared statement and COMMIT in one round trip: the result of the statement, or
        of COMMIT if that failed. A failed statement leaves the transaction failed, for the
        caller's rollback: the pipeline skips the COMMIT after it."""
        result, committed = self._pipeline((prepared.name, self._values(parameters)), b"COMMIT")
        succeeded = self.succeeded
        if result.status in succeeded and committed.status not in succeeded:
            return committed
        return result

    def _pipeline(self, *commands: bytes | tuple[bytes, Any]) -> list[Any]:
        """Commands in one round trip, in libpq's pipeline mode: each a query without
        parameters, or a prepared statement's name and values. Their results, in order; after
        a failure, the commands that follow are skipped (a result that says so)."""
        pgconn = self.pgconn
        pgconn.enter_pipeline_mode()
        try:
            for command in commands:
                if isinstance(command, bytes):
                    pgconn.send_query_params(command, None)
                else:
                    pgconn.send_query_prepared(*command)
            pgconn.pipeline_sync()
            self._flush()
            results = [self._next_result() for _ in commands]
            if self._next_result().status != self.synced:  # pragma: no cover - libpq's promise
                raise RuntimeError("libpq ended a pipeline without its sync")
        except BaseException:
            with contextlib.suppress(Exception):
                pgconn.exit_pipeline_mode()
            raise
        pgconn.exit_pipeline_mode()
        return results

    def _flush(self) -> None:
        """Send what libpq holds back: the connection does not block (psycopg's choice)."""
        pgconn = self.pgconn
        while pgconn.flush():
            readable, _, _ = select.select([pgconn.socket], [pgconn.socket], [])
            if readable:
                pgconn.consume_input()

    def _next_result(self) -> Any:
        """The next result of a pipeline, past the end marker that follows each statement's.

        It waits for the result in ``select``, which lets other threads run meanwhile: libpq's
        own wait in ``get_result`` would hold the GIL, and a thread waiting there for a lock
        that another thread of the process holds would never see it released."""
        pgconn = self.pgconn
        pgconn.consume_input()
        while pgconn.is_busy():
            select.select([pgconn.socket], [], [])
            pgconn.consume_input()
        result = pgconn.get_result()
        if result is None:
            from psycopg import OperationalError

            message = pgconn.get_error_message(self.encoding)
            raise OperationalError(f"the pipeline ended early: {message}")
        if result.status != self.synced:
            pgconn.get_result()
        return result

    def _begin(self) -> bytes:
        driver = self.driver
        words = [b"BEGIN"]
        if driver.isolation_level is not None:
            words.append(
                b"ISOLATION LEVEL " + driver.isolation_level.name.replace("_", " ").encode()
            )
        if driver.read_only is not None:
            words.append(b"READ ONLY" if driver.read_only else b"READ WRITE")
        if driver.deferrable is not None:
            words.append(b"DEFERRABLE" if driver.deferrable else b"NOT DEFERRABLE")
        return b" ".join(words)

    def _command(self, command: bytes) -> None:
        result = self.pgconn.exec_(command)
        if result.status not in self.succeeded:
            raise self._error(result)

    def _state(self, result: Any) -> bytes | None:
        state: bytes | None = result.error_field(self.sqlstate)
        return state

    def _error(self, result: Any) -> Exception:
        from psycopg import errors

        error: Exception = errors.error_from_result(result, encoding=self.encoding)
        return error

    def _by_cursor(self) -> _Cursor:
        """A cursor that takes numbered parameters, for a connection in pipeline mode, where
        psycopg must see every statement."""
        if self.cursor is None:
            from psycopg import RawCursor

            self.cursor = _Cursor(RawCursor(self.driver))
        return self.cursor


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


def commit(conn: Connection) -> None:
    """Commit the connection's transaction ahead of SQLAlchemy where this module can do it more
    cheaply (on psycopg, straight through libpq: about 0.02 ms of client CPU less); SQLAlchemy's
    commit, which must follow, then finds nothing left to commit. Nothing happens here when
    something watches statements or commits."""
    if observed(conn) or conn.engine.dispatch.commit:
        return
    channel = conn.connection.info.get(_CHANNEL)
    if isinstance(channel, _Libpq):
        try:
            channel.commit()
        except Exception as error:
            raise _translated(conn, "COMMIT", (), error) from error
        except BaseException:
            _interrupted(conn)
            raise


def rows(
    conn: Connection, statement: sa.Executable, values: Mapping[str, Any], *, commit: bool = False
) -> list[Record]:
    """All the rows the statement returns.

    ``commit`` says that the statement is the last of its transaction, and that the transaction
    is to be committed once it has run. On psycopg the COMMIT then goes in the same round trip
    (unless something watches statements or commits), and the caller's commit that must still
    follow finds nothing left to do; elsewhere the transaction stays open for that commit. A
    statement that fails leaves the transaction uncommitted, to be rolled back.
    """
    prepared = _prepared(conn, statement)
    if prepared is None:
        return list(conn.execute(statement, dict(values)).all())
    return prepared.records(_execute(conn, prepared, values, commit).fetchall())


def first(
    conn: Connection, statement: sa.Executable, values: Mapping[str, Any], *, commit: bool = False
) -> Record | None:
    """The statement's first row, or None; ``commit`` as for :func:`rows`."""
    found = rows(conn, statement, values, commit=commit)
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
