"""The staff tasks the core raises (a pass ran out, expired, a renewal failed...)."""

from __future__ import annotations

from sessionpacks.web.http import Page, Redirect, Request
from sessionpacks.web.i18n import gettext
from sessionpacks.web.office import routes
from sessionpacks.web.office.shared import keyed

STATES = ("open", "done")


@routes.get("/tasks")
def tasks(request: Request) -> Page:
    state = request.query.get("state") or "open"
    found = request.studio.tasks(state=state)
    return request.page("sessionpacks/office/tasks.html", tasks=found, state=state)


@routes.post("/tasks/<int:task_id>/complete", form_page="office.tasks")
def complete_task(request: Request, task_id: int) -> Redirect:
    task = request.studio.complete_task(task_id, **keyed(request))
    return request.done(gettext("Task done: %(title)s", title=task.title), "office.tasks")
