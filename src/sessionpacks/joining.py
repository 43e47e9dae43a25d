"""Writes that run inside a host's own open transaction (:meth:`sessionpacks.Studio.joined`).

A host that writes its own rows (an order, an invoice line) and sessionpacks' in one go wants
them to commit or roll back together. Each sessionpacks write then runs in a savepoint on the
host's connection: a refused write (too little credit, say) undoes only its own part, and the
host decides what to do with the rest. Nothing here commits.

Side effects (emails, tasks, events) are written to the outbox in that same transaction and go
out only once the host has committed: on the host's ``Session`` right after its commit, on a bare
``Connection`` when the host calls :meth:`JoinedWriter.deliver`. Either way a side effect whose
row the host rolled back is never sent, and one left undelivered is sent by
:meth:`~sessionpacks.Studio.retry_side_effects` once its claim lapses.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, Transaction
from sqlalchemy.orm import Session, scoped_session

from sessionpacks.errors import ConfigurationError
from sessionpacks.outbox import Claimed, Outbox, RetryReport
from sessionpacks.transactions import WriteContext, Writer

T = TypeVar("T")

# Where a host session keeps the side effects that wait for its commit.
_WAITING = "sessionpacks.waiting_side_effects"

Host = Session | Connection | scoped_session[Any]


class JoinedWriter(Writer):
    """A writer whose writes run in savepoints of the host's transaction."""

    joined = True

    def __init__(self, base: Writer, host: Host, engine: Engine) -> None:
        super().__init__(
            engine,
            base._clock,
            base._outbox,
            # A deadlock ends the host's whole transaction on PostgreSQL and MySQL: only the host
            # can run it again.
            1,
            last_session_tasks=base._last_session_tasks,
        )
        if isinstance(host, scoped_session):
            host = host()
        if isinstance(host, Session):
            self._session: Session | None = host
            conn = host.connection()
        elif isinstance(host, Connection):
            self._session = None
            conn = host
            if not conn.in_transaction():
                raise ConfigurationError(
                    "the connection given to Studio.joined has no open transaction; begin one"
                    " (connection.begin()) so that sessionpacks' writes commit with yours"
                )
        else:
            raise ConfigurationError(
                f"Studio.joined takes a SQLAlchemy Session or Connection, not {type(host).__name__}"
            )
        _check_same_database(conn.engine.url, engine.url)
        self._conn = conn
        self._waiting: list[Claimed] = []
        if self._session is not None:
            _watch(self._session)

    @property
    def _host_conn(self) -> Connection:
        # A session hands out a new connection after each commit: ask it every time, so one
        # joined studio serves every transaction of that session.
        return self._conn if self._session is None else self._session.connection()

    @contextlib.contextmanager
    def _connection(self) -> Iterator[Connection]:
        yield self._host_conn

    def _begin(self, conn: Connection) -> Transaction:
        _really_begun(conn)
        return conn.begin_nested()

    def _commit(self, conn: Connection, transaction: Transaction) -> None:
        transaction.commit()  # releases the savepoint; the host commits

    def read(self, query: Callable[[Connection], T]) -> T:
        # On the host's connection, so a read sees what this transaction wrote so far.
        return query(self._host_conn)

    @contextlib.contextmanager
    def plain(self) -> Iterator[Connection]:
        conn = self._host_conn
        with self._begin(conn):
            yield conn

    def _deliver(self, context: WriteContext) -> None:
        if not context.side_effects:
            return
        if self._session is not None:
            self._session.info[_WAITING].extend(
                (self._outbox, item) for item in context.side_effects
            )
        else:
            self._waiting.extend(context.side_effects)

    def deliver(self) -> RetryReport:
        """Send the side effects of the writes made so far, once the host has committed. On a
        ``Session`` this happens by itself after its commit; on a ``Connection`` the host calls
        it after committing. What the host rolled back is not sent."""
        waiting, self._waiting = self._waiting, []
        return self._outbox.deliver_committed(waiting)


def _watch(session: Session) -> None:
    if _WAITING in session.info:
        return
    session.info[_WAITING] = []

    def committed(session: Session) -> None:
        waiting: list[tuple[Outbox, Claimed]] = session.info[_WAITING]
        session.info[_WAITING] = []
        for outbox in {id(outbox): outbox for outbox, _ in waiting}.values():
            outbox.deliver_committed([item for owner, item in waiting if owner is outbox])

    def rolled_back(session: Session) -> None:
        session.info[_WAITING] = []

    event.listen(session, "after_commit", committed)
    event.listen(session, "after_rollback", rolled_back)


def _really_begun(conn: Connection) -> None:
    """Python's sqlite3 driver sends BEGIN only before its first INSERT, UPDATE or DELETE, so a
    SAVEPOINT that comes first opens a transaction of its own, which its RELEASE commits: the
    host's later rollback would not undo it. Begin the host's transaction in SQLite first."""
    driver = conn.connection.dbapi_connection
    if conn.dialect.name == "sqlite" and getattr(driver, "in_transaction", True) is False:
        conn.exec_driver_sql("BEGIN")


def _check_same_database(host: sa.URL, ours: sa.URL) -> None:
    if _identity(host) != _identity(ours):
        raise ConfigurationError(
            "the host's transaction is on another database than the studio's"
            f" ({host.render_as_string(hide_password=True)} and"
            f" {ours.render_as_string(hide_password=True)}); a joined write must use the"
            " database the studio was made with"
        )


def _identity(url: sa.URL) -> tuple[object, ...]:
    backend = url.get_backend_name()
    if backend == "sqlite":
        return (backend, os.path.realpath(url.database or ""))
    backend = "mysql" if backend == "mariadb" else backend
    return (backend, url.host or "localhost", url.port, url.database)
