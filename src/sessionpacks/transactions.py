"""Runs every write once: in one transaction, under an idempotency key, retried on deadlock.

A write inserts its operation row first. The idempotency key is unique, so a second process with
the same key waits on that insert until the first commits, then fails it and replays the stored
result instead of doing the work again. Side effects written by the work are delivered after
commit.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

import attrs
import sqlalchemy as sa
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection, Engine, Transaction

from sessionpacks import codec, direct
from sessionpacks.clock import Clock
from sessionpacks.database import READ_ONLY, is_retryable
from sessionpacks.enums import Channel
from sessionpacks.errors import IdempotencyConflict, InvalidInput
from sessionpacks.models import REF_LENGTH, Operation, table
from sessionpacks.outbox import Claimed, Outbox
from sessionpacks.values import Actor

T = TypeVar("T")
log = logging.getLogger("sessionpacks")

operations = table(Operation)


@attrs.define
class WriteContext:
    """What the work of one write sees: its connection, its moment and its operation."""

    conn: Connection
    now: Any
    actor: Actor
    channel: Channel
    operation_id: int
    outbox: Outbox
    side_effects: list[Claimed] = attrs.field(factory=list)
    # Settings.task_on_last_session: a redemption that empties a pass also creates a staff task.
    last_session_tasks: bool = False
    # Whether the writer writes nothing after the work (it stores no result), so that the
    # work's last statement may commit the transaction (see may_end).
    ends_with_work: bool = False
    # Set by the work once its last statement has run with the commit (sessionpacks.direct.rows).
    ended: bool = False

    def may_end(self, *hooks: str) -> bool:
        """Whether the work's next statement may commit the transaction as it runs, the work
        writing nothing after it but side effects through ``hooks``: none of them may have a
        listener, as a listened side effect is a row to write."""
        return self.ends_with_work and not any(self.outbox.listened(hook) for hook in hooks)

    def enqueue(self, hook: str, value: object) -> None:
        """Send ``value`` through ``hook`` once this write has committed."""
        if self.ended and self.outbox.listened(hook):
            raise RuntimeError(f"{hook} enqueued after the statement that ended the transaction")
        claimed = self.outbox.enqueue(self.conn, hook, value)
        if claimed is not None:
            self.side_effects.append(claimed)

    def enqueue_many(self, hook: str, values: Sequence[object]) -> None:
        """:meth:`enqueue` for many values of one hook, written in one statement."""
        if self.ended and self.outbox.listened(hook):
            raise RuntimeError(f"{hook} enqueued after the statement that ended the transaction")
        self.side_effects.extend(self.outbox.enqueue_many(self.conn, hook, values))


# Built once: the hot path should not rebuild statements on every write.
OPERATION_COLUMNS = (
    "idempotency_key",
    "action",
    "fingerprint",
    "actor_kind",
    "actor_id",
    "channel",
    "result",
    "created_at",
)
# Its columns named, so that it compiles once for the driver (see sessionpacks.direct).
_INSERT_OPERATION = insert(operations).values(
    {column: bindparam(column) for column in OPERATION_COLUMNS}
)
_STORE_RESULT = (
    update(operations)
    .where(operations.c.id == bindparam("operation"))
    .values(result=bindparam("stored"))
)
_FIND_OPERATION = select(
    operations.c.id, operations.c.action, operations.c.fingerprint, operations.c.result
).where(operations.c.idempotency_key == bindparam("key"))


# Writes a write's operation row, given its values, and returns its id. It is the first statement
# of every write, and an IntegrityError from it means the key is taken: the write replays. A write
# may read in the same statement what its work needs next, saving a round trip (a redemption does
# on PostgreSQL); it must not change anything else there.
Begin = Callable[[Connection, Mapping[str, object]], int]


def record_operation(conn: Connection, operation: Mapping[str, object]) -> int:
    return direct.insert(conn, _INSERT_OPERATION, operation)


class Writer:
    """Runs writes in transactions of their own on sessionpacks' engine.

    Where a write runs is in the few methods a writer joined to a host's transaction
    (:class:`sessionpacks.joining.JoinedWriter`) overrides: the connection, how a transaction
    begins and ends, and when side effects go out."""

    # Whether the writes run inside a transaction that someone else commits.
    joined = False

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        outbox: Outbox,
        attempts: int,
        *,
        last_session_tasks: bool = False,
    ) -> None:
        self._last_session_tasks = last_session_tasks
        self._engine = engine
        self._clock = clock
        self._outbox = outbox
        self._attempts = attempts
        self._execution_options: dict[str, Any] | None = None

    @contextlib.contextmanager
    def _connection(self) -> Iterator[Connection]:
        with self._engine.connect() as conn:
            options = self._options(conn)
            if options:
                conn.execution_options(**options)
            yield conn

    def _begin(self, conn: Connection) -> Transaction:
        return conn.begin()

    def _commit(self, conn: Connection, transaction: Transaction) -> None:
        direct.commit(conn)
        transaction.commit()

    def read(self, query: Callable[[Connection], T]) -> T:
        """Run a read on a connection of its own."""
        with self._engine.connect() as conn:
            conn.execution_options(**{READ_ONLY: True})
            return query(conn)

    @contextlib.contextmanager
    def plain(self) -> Iterator[Connection]:
        """A transaction for a write that records no operation (a set-up call without a key)."""
        with self._engine.begin() as conn:
            yield conn

    def _options(self, conn: Connection) -> dict[str, Any]:
        """Each statement must see what other transactions committed while this one waited for
        a row lock; MySQL's default REPEATABLE READ would show it a stale snapshot instead. Only
        a connection that does not already start in READ COMMITTED is switched, once per write.
        The level is read off the write's own connection: asking a second one of the pool while
        holding this one would wait forever in a pool of one."""
        if self._execution_options is None:
            level = conn.default_isolation_level
            keep = self._engine.dialect.name == "sqlite" or level == "READ COMMITTED"
            self._execution_options = {} if keep else {"isolation_level": "READ COMMITTED"}
        return self._execution_options

    def write(
        self,
        action: str,
        arguments: Mapping[str, object],
        *,
        idempotency_key: str,
        actor: Actor,
        channel: Channel | str,
        result_type: type[T],
        work: Callable[[WriteContext], T],
        replay: Callable[[Connection, int], T] | None = None,
        begin: Begin | None = None,
    ) -> T:
        """Run ``work`` once for ``idempotency_key`` and return its result, or the stored one.

        With ``replay``, the result is not stored: a repeated call reads it back from the rows
        the first one wrote, given the operation id. With ``begin``, the operation's row is
        written by it (see :data:`Begin`) instead of :func:`record_operation`.
        """
        check_key(idempotency_key)
        fingerprint = _fingerprint(action, arguments)
        door = check_channel(channel)
        for attempt in range(1, self._attempts + 1):
            try:
                return self._attempt(
                    action,
                    fingerprint,
                    idempotency_key,
                    actor,
                    door,
                    result_type,
                    work,
                    replay,
                    begin or record_operation,
                )
            except sa.exc.DBAPIError as error:
                if attempt == self._attempts or not is_retryable(error):
                    raise
                time.sleep(random.uniform(0, 0.01 * 2**attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    def _attempt(
        self,
        action: str,
        fingerprint: str,
        key: str,
        actor: Actor,
        channel: Channel,
        result_type: type[T],
        work: Callable[[WriteContext], T],
        replay: Callable[[Connection, int], T] | None,
        begin: Begin,
    ) -> T:
        with self._connection() as conn:
            transaction = self._begin(conn)
            now = self._clock.now()
            operation = {
                "idempotency_key": key,
                "action": action,
                "fingerprint": fingerprint,
                "actor_kind": actor.kind,
                "actor_id": actor.id,
                "channel": channel.value,
                "result": "",
                "created_at": now,
            }
            try:
                operation_id = begin(conn, operation)
            except sa.exc.IntegrityError:
                transaction.rollback()
                return self._replay(conn, action, fingerprint, key, result_type, replay)
            context = WriteContext(
                conn,
                now,
                actor,
                channel,
                operation_id,
                self._outbox,
                last_session_tasks=self._last_session_tasks,
                # A joined write never commits: the host does.
                ends_with_work=replay is not None and not self.joined,
            )
            try:
                result = work(context)
                if replay is None:
                    conn.execute(
                        _STORE_RESULT, {"operation": operation_id, "stored": codec.dumps(result)}
                    )
            except BaseException:
                transaction.rollback()
                raise
            self._commit(conn, transaction)
        self._deliver(context)
        return result

    def resume(
        self,
        operation_id: int,
        actor: Actor,
        channel: Channel,
        work: Callable[[WriteContext], T],
    ) -> T:
        """Run one more step of a long write whose operation is already recorded (a bulk grant
        goes in chunks): in a transaction of its own, retried on deadlock, its side effects
        delivered after commit. ``work`` must be safe to run again after a failed attempt."""
        for attempt in range(1, self._attempts + 1):
            try:
                return self._step(operation_id, actor, channel, work)
            except sa.exc.DBAPIError as error:
                if attempt == self._attempts or not is_retryable(error):
                    raise
                time.sleep(random.uniform(0, 0.01 * 2**attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    def _step(
        self,
        operation_id: int,
        actor: Actor,
        channel: Channel,
        work: Callable[[WriteContext], T],
    ) -> T:
        with self._connection() as conn, self._begin(conn):
            context = WriteContext(
                conn, self._clock.now(), actor, channel, operation_id, self._outbox
            )
            result = work(context)
        self._deliver(context)
        return result

    def _deliver(self, context: WriteContext) -> None:
        if context.side_effects:
            try:
                self._outbox.deliver(context.side_effects)
            except Exception:
                # The write committed; what was not delivered stays pending for the retry command.
                log.exception("delivering side effects after commit failed; retry will send them")

    def _replay(
        self,
        conn: Connection,
        action: str,
        fingerprint: str,
        key: str,
        result_type: type[T],
        replay: Callable[[Connection, int], T] | None,
    ) -> T:
        with self._begin(conn):
            stored = conn.execute(_FIND_OPERATION, {"key": key}).one_or_none()
            if stored is None:  # the conflict was not on the key: let the caller see it
                raise InvalidInput(f"idempotency key {key!r} could not be recorded")
            if stored.action != action or stored.fingerprint != fingerprint:
                raise IdempotencyConflict(
                    f"idempotency key {key!r} was already used for a different"
                    f" {stored.action} call; use a new key for a new request"
                )
            if replay is not None:
                return replay(conn, stored.id)
        return codec.loads(result_type, stored.result)


def check_key(key: object) -> None:
    if not isinstance(key, str) or not key.strip():
        raise InvalidInput("an idempotency key is required: a non-empty string per request")
    if len(key) > REF_LENGTH:
        raise InvalidInput(f"an idempotency key is at most {REF_LENGTH} characters long")


def check_channel(channel: Channel | str) -> Channel:
    try:
        return Channel(channel)
    except ValueError:
        choices = ", ".join(c.value for c in Channel)
        raise InvalidInput(f"unknown channel {channel!r}; use one of {choices}") from None


def _fingerprint(action: str, arguments: Mapping[str, object]) -> str:
    canonical = codec.canonical(
        {"action": action, "arguments": {k: codec.encode(v) for k, v in arguments.items()}}
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
