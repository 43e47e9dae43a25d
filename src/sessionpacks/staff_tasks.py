"""Reading and completing the staff tasks that the default task plugin keeps.

The default plugin keeps every task in the ``sessionpacks_tasks`` table, also when a host registers
its own ``sessionpacks_create_task`` plugin (which is told besides).
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import attrs
from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from sessionpacks.errors import InvalidInput, NotFound
from sessionpacks.models import StaffTask, table

tasks = table(StaffTask)


class TaskState(str, enum.Enum):
    OPEN = "open"
    DONE = "done"


@attrs.frozen
class TaskInfo:
    id: int
    title: str
    body: str
    account_id: int | None
    pass_id: int | None
    state: TaskState
    created_at: dt.datetime
    done_at: dt.datetime | None

    @classmethod
    def from_row(cls, row: Any) -> TaskInfo:
        return cls(
            id=row.id,
            title=row.title,
            body=row.body,
            account_id=row.account_id,
            pass_id=row.pass_id,
            state=TaskState(row.state),
            created_at=row.created_at,
            done_at=row.done_at,
        )


def task_state(state: TaskState | str | None) -> TaskState | None:
    if state is None:
        return None
    try:
        return TaskState(state)
    except ValueError:
        raise InvalidInput(f"unknown task state {state!r}; use open or done") from None


def list_tasks(
    conn: Connection, state: TaskState | None, account_id: int | None
) -> tuple[TaskInfo, ...]:
    query = select(tasks).order_by(tasks.c.id)
    if state is not None:
        query = query.where(tasks.c.state == state.value)
    if account_id is not None:
        query = query.where(tasks.c.account_id == account_id)
    return tuple(TaskInfo.from_row(row) for row in conn.execute(query))


def complete(conn: Connection, task_id: int, now: dt.datetime) -> TaskInfo:
    """Mark a task done; a task done already stays as it was (completing twice is harmless)."""
    conn.execute(
        update(tasks)
        .where(tasks.c.id == task_id, tasks.c.state == TaskState.OPEN.value)
        .values(state=TaskState.DONE.value, done_at=now)
    )
    row = conn.execute(select(tasks).where(tasks.c.id == task_id)).one_or_none()
    if row is None:
        raise NotFound("task", task_id)
    return TaskInfo.from_row(row)
