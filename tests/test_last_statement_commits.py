"""A write's last statement may carry its COMMIT (on psycopg, in the same round trip): only when
nothing follows it, and never so that a failed statement or commit keeps anything."""

from __future__ import annotations

import types
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from sessionpacks import (
    Channel,
    InsufficientCredit,
    PassState,
    RedeemResult,
    Settings,
    Studio,
    allow_all,
    direct,
    hookimpl,
    ledger,
    redeeming,
    transactions,
)
from sessionpacks.database import READ_ONLY
from sessionpacks.models import LedgerEntry, Operation, Redemption, SideEffect
from sessionpacks.testing import Recorder
from tests.conftest import STAFF, START, Gym, operation_row

_INSERT = transactions._INSERT_OPERATION.returning(Operation.id)
_FIND = sa.select(Operation.id).where(Operation.idempotency_key == sa.bindparam("key"))


def _found(engine: Engine, key: str) -> list[int]:
    """The operations under ``key`` that another connection sees committed."""
    with engine.connect() as other:
        other.execution_options(**{READ_ONLY: True})  # SQLite: no wait for the write lock
        return list(other.execute(_FIND, {"key": key}).scalars())


@pytest.fixture
def keys(engine: Engine) -> Iterator[list[str]]:
    """Idempotency keys a test writes operations under, removed afterwards."""
    used: list[str] = []
    yield used
    with engine.begin() as conn:
        conn.execute(sa.delete(Operation).where(Operation.idempotency_key.in_(used)))


def test_the_statement_commits_its_transaction(engine: Engine, keys: list[str]) -> None:
    keys += ["commit-earlier", "commit-last"]
    with engine.connect() as conn:
        conn.begin()
        direct.rows(conn, _INSERT, operation_row("commit-earlier"))
        (row,) = direct.rows(conn, _INSERT, operation_row("commit-last"), commit=True)
        # On psycopg the COMMIT went with the statement: the whole transaction is there for
        # every other connection at once. Elsewhere it waits for the caller's commit.
        seen = _found(engine, "commit-last") + _found(engine, "commit-earlier")
        assert len(seen) == (2 if direct._on_libpq(engine.dialect) else 0)
        conn.commit()  # always follows; on psycopg it finds nothing left to commit
        assert _found(engine, "commit-last") == [row.id]
        assert len(_found(engine, "commit-earlier")) == 1
        # The connection goes on as usual: the next statement begins a transaction of its own.
        with conn.begin():
            assert [r.id for r in direct.rows(conn, _FIND, {"key": "commit-last"})] == [row.id]


def test_a_failed_statement_commits_nothing(engine: Engine, keys: list[str]) -> None:
    keys += ["commit-taken", "commit-before-failure"]
    with engine.begin() as conn:
        direct.rows(conn, _INSERT, operation_row("commit-taken"))
    with engine.connect() as conn:
        conn.begin()
        direct.rows(conn, _INSERT, operation_row("commit-before-failure"))
        with pytest.raises(sa.exc.IntegrityError):  # the key is taken
            direct.rows(conn, _INSERT, operation_row("commit-taken"), commit=True)
        conn.rollback()
        assert _found(engine, "commit-before-failure") == []
        with conn.begin():
            assert direct.rows(conn, _FIND, {"key": "commit-before-failure"}) == []


def test_a_commit_that_fails_is_raised_and_keeps_nothing(engine: Engine) -> None:
    # Only psycopg's COMMIT goes with the statement, and only PostgreSQL, of the three
    # databases, checks a constraint as late as COMMIT.
    if not direct._on_libpq(engine.dialect):
        return
    table = sa.Table(
        "commit_late_check", sa.MetaData(), sa.Column("n", sa.Integer), sa.Column("tag", sa.Text)
    )
    insert = table.insert().values(n=sa.bindparam("n"), tag=sa.bindparam("tag"))
    returning = insert.returning(table.c.n)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE commit_late_check (n INTEGER, tag TEXT,"
            " CONSTRAINT uq_commit_late_check UNIQUE (n) DEFERRABLE INITIALLY DEFERRED)"
        )
    try:
        with engine.connect() as conn:
            conn.begin()
            conn.execute(insert, {"n": 1, "tag": "first"})
            # The statement itself succeeds; its COMMIT finds the duplicate and fails.
            with pytest.raises(sa.exc.IntegrityError, match="uq_commit_late_check"):
                direct.rows(conn, returning, {"n": 1, "tag": "second"}, commit=True)
            conn.rollback()
            assert conn.execute(sa.select(table.c.tag)).all() == []
            conn.rollback()
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE commit_late_check")


# -- redemptions -----------------------------------------------------------------------------


@pytest.fixture
def commits(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each redemption asked to commit with its statement, as it asked."""
    asked: list[bool] = []
    append = ledger.append_redemption

    def spy(*args: Any, **kwargs: Any) -> Any:
        asked.append(kwargs.get("commit", False))
        return append(*args, **kwargs)

    monkeypatch.setattr(redeeming, "append_redemption", spy)
    return asked


class OnRedeemed:
    def __init__(self) -> None:
        self.seen: list[RedeemResult] = []

    @hookimpl
    def sessionpacks_redeemed(self, result: RedeemResult) -> None:
        self.seen.append(result)


def _side_effects(engine: Engine, hook: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                sa.select(sa.func.count()).select_from(SideEffect).where(SideEffect.hook == hook)
            ).scalar_one()
        )


def test_a_redemption_commits_with_its_statement_only_when_nothing_follows(
    gym: Gym, engine: Engine, commits: list[bool]
) -> None:
    family = gym.account()
    ann = gym.member(family, "Ann")
    yoga = gym.service()
    small = gym.grant(family, 2)
    # Nothing listens to the redemption's event, and the pass keeps a credit.
    assert gym.redeem(ann, yoga).parts[0].balance_after == 1
    # Emptying the pass enqueues its exhaustion, which auto-renewal always listens to.
    assert gym.redeem(ann, yoga).parts[0].balance_after == 0
    assert _side_effects(engine, "sessionpacks_exhausted") == 1
    # Two passes pay for one redemption: more than one statement writes.
    gym.grant(family, 1)
    gym.grant(family, 1, member=ann)
    assert len(gym.redeem(ann, yoga, count=2).parts) == 2
    # A listener on the redemption's event: its side effect is written after the statement.
    gym.grant(family, 5)
    listener = OnRedeemed()
    gym.studio.hooks.register(listener)
    redeemed = gym.redeem(ann, yoga)
    assert listener.seen == [redeemed]
    assert commits == [True, False, False, False]
    assert gym.studio.pass_balance(small.pass_id).remaining == 0


def test_a_booking_leaves_the_commit_to_the_writer(gym: Gym, commits: list[bool]) -> None:
    family = gym.account()
    ann = gym.member(family, "Ann")
    yoga = gym.service()
    gym.grant(family, 5)
    starts = START.replace(hour=18)
    gym.studio.book(
        ann.id,
        service_id=yoga.id,
        occurrence_ref="yoga-monday",
        starts_at=starts,
        idempotency_key=gym.key("book"),
        actor=STAFF,
        channel=Channel.OFFICE,
    )
    # The booking's own row is written after the redemption.
    assert commits == [False]


def test_a_staff_task_on_the_last_session_is_written_before_the_commit(
    engine: Engine, clock: Any, commits: list[bool]
) -> None:
    studio = Studio(
        engine, settings=Settings(policy=allow_all, task_on_last_session=True), clock=clock
    )
    gym = Gym(studio)
    family = gym.account()
    ann = gym.member(family, "Ann")
    yoga = gym.service()
    gym.grant(family, 2)
    gym.redeem(ann, yoga)
    gym.redeem(ann, yoga)
    assert commits == [True, False]
    # Only the default task store hears of tasks: the task is its row, written in the
    # redemption's transaction, not a side effect to deliver after it.
    assert [t.title for t in studio.tasks()] == ["Ann used the last of 2 sessions pack"]
    assert _side_effects(engine, "sessionpacks_create_task") == 0


def test_nothing_is_enqueued_with_a_listener_once_the_transaction_ended(studio: Studio) -> None:
    recorder = Recorder()
    with studio._engine.connect() as conn:
        ctx = transactions.WriteContext(
            conn, START, STAFF, Channel.OFFICE, 0, studio.outbox, ended=True
        )
        # Nobody listens: nothing would be written, so nothing is wrong.
        ctx.enqueue("sessionpacks_adjusted", None)
        studio.hooks.register(recorder)
        with pytest.raises(RuntimeError, match="sessionpacks_adjusted enqueued after"):
            ctx.enqueue("sessionpacks_adjusted", None)
    assert ctx.side_effects == []


def test_a_pass_holding_less_than_the_redemption_read_writes_nothing(
    gym: Gym, engine: Engine
) -> None:
    family = gym.account()
    ann = gym.member(family, "Ann")
    yoga = gym.service()
    granted = gym.grant(family, 1)
    key = gym.key("stale")

    def work(ctx: transactions.WriteContext) -> None:
        locked = ledger.lock_pass(ctx.conn, granted.pass_id)
        # What a stale read would have seen: more than the pass holds.
        stale = types.SimpleNamespace(
            id=locked.id, remaining=3, value_left_minor=0, last_entry_at=locked.last_entry_at
        )
        redemption = {
            "operation_id": ctx.operation_id,
            "account_id": family.id,
            "member_id": ann.id,
            "service_id": yoga.id,
            "occurrence_ref": None,
            "occurred_at": ctx.now,
            "created_at": ctx.now,
        }
        ledger.append_redemption(
            ctx,
            stale,
            -2,
            redemption,
            state=PassState.ACTIVE,
            member_id=ann.id,
            redeemed=2,
            number=2,
            commit=ctx.may_end(),
        )

    with pytest.raises(InsufficientCredit, match=f"pass {granted.pass_id} holds less than 2"):
        gym.studio._writer.write(
            "stale-redeem",
            {},
            idempotency_key=key,
            actor=STAFF,
            channel=Channel.KIOSK,
            result_type=type(None),
            work=work,
            replay=lambda conn, operation_id: None,
        )
    assert _found(engine, key) == []
    with engine.connect() as conn:
        for model in (Redemption, LedgerEntry):
            written = conn.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()
            assert written == (0 if model is Redemption else 1)  # the grant's entry only
    assert gym.studio.pass_balance(granted.pass_id).remaining == 1
