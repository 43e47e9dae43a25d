"""The staff tasks the core raises (a pass ran out, expired, a renewal failed...)."""

from __future__ import annotations

from flask import render_template, request
from werkzeug.wrappers.response import Response

from sessionpacks_flask.context import studio
from sessionpacks_flask.office import blueprint
from sessionpacks_flask.office.shared import done, form, keyed

STATES = ("open", "done")


@blueprint.get("/tasks")
def tasks() -> str:
    state = request.args.get("state") or "open"
    found = studio().tasks(state=state)
    return render_template("sessionpacks/office/tasks.html", tasks=found, state=state)


@blueprint.post("/tasks/<int:task_id>/complete")
def complete_task(task_id: int) -> Response:
    task = studio().complete_task(task_id, **keyed(form()))
    return done(f"Task done: {task.title}", "sessionpacks.office.tasks")
