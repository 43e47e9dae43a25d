"""What every view shares: the studio, who is asking, the guards, CSRF and problem pages."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from flask import abort, current_app, g, redirect, render_template, request
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError

from sessionpacks.expiry import studio_zone
from sessionpacks.studio import Studio
from sessionpacks.web import Identity
from sessionpacks_flask.extension import mounted
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
    """The signed-in person; nobody is sent to the host's sign-in page, to come back after."""
    found = identity()
    if (found is None and _host_user_signed_in()) or (found is not None and not found.has_access):
        abort(403, "You are signed in, but your account has no access to the studio's pages.")
    if found is None:
        login_url = mounted().config.login_url
        if login_url is not None:
            separator = "&" if "?" in login_url else "?"
            back = urlencode({"next": request.full_path.rstrip("?")})
            abort(redirect(f"{login_url}{separator}{back}"))
        login: Any = getattr(current_app, "login_manager", None)
        if login is not None and getattr(login, "login_view", None):
            abort(login.unauthorized())
        abort(401, "Sign in to the site first, then come back to this page.")
    return found


def _host_user_signed_in() -> bool:
    """Whether Flask-Login has a signed-in user (who then lacks a sessionpacks identity)."""
    if getattr(current_app, "login_manager", None) is None:
        return False
    from flask_login import current_user

    return bool(getattr(current_user, "is_authenticated", False))


def require_staff() -> Identity:
    """The signed-in staff user; anyone else gets 403, nobody signed in the sign-in page."""
    found = require_identity()
    if not found.is_staff:
        abort(403, "These pages are for the studio's staff; your account is not one of them.")
    return found


def require_member() -> tuple[Identity, int]:
    """The signed-in member and their member id, for the portal."""
    found = require_identity()
    if found.member_id is None:
        abort(403, "These pages are for the studio's members; your account is not linked to one.")
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
