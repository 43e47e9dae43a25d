"""What every view shares: the studio, who is asking, the guards, CSRF and problem pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort, current_app, g, render_template, request
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError

from sessionpacks.expiry import studio_zone
from sessionpacks.studio import Studio
from sessionpacks_flask.extension import mounted
from sessionpacks_flask.identity import Identity
from sessionpacks_flask.problems import Problem


def studio() -> Studio:
    return mounted().studio


def identity() -> Identity | None:
    """Who makes this request, asked of the hook once per request."""
    if "sessionpacks_identity" not in g:
        g.sessionpacks_identity = mounted().identity()
    found: Identity | None = g.sessionpacks_identity
    return found


def require_identity() -> Identity:
    found = identity()
    if found is None:
        login: Any = getattr(current_app, "login_manager", None)
        if login is not None and getattr(login, "login_view", None):
            abort(login.unauthorized())
        abort(401)
    return found


def require_staff() -> Identity:
    """The signed-in staff user; anyone else gets 403, nobody signed in 401."""
    found = require_identity()
    if not found.is_staff:
        abort(403)
    return found


def require_member() -> tuple[Identity, int]:
    """The signed-in member and their member id, for the portal."""
    found = require_identity()
    if found.member_id is None:
        abort(403)
    return found, found.member_id


def zone() -> dt.tzinfo:
    return studio_zone(studio().settings.studio_timezone)


def check_csrf() -> None:
    """Refuses a form POST without this session's CSRF token (400, saying so)."""
    if request.method == "POST":
        try:
            validate_csrf(request.form.get("csrf_token"))
        except ValidationError as error:
            raise CSRFError(str(error)) from None


def render_problem(found: Problem) -> tuple[str, int]:
    return render_template("sessionpacks/problem.html", problem=found), found.status
