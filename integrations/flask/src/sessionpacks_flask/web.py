"""The Flask adapter: each of the web layer's routes as a Flask rule on one blueprint, Flask's
request made the neutral :class:`~sessionpacks.web.http.Request`, and the handler's outcome made
a Flask response. CSRF is Flask-WTF's; the API takes JSON only, which a cross-site form cannot
send."""

from __future__ import annotations

from importlib import resources
from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import generate_csrf, validate_csrf
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException
from wtforms import ValidationError

from sessionpacks.web.headers import add_security_headers
from sessionpacks.web.http import Body, HttpError, Outcome, Page, Redirect, Request, SignIn, Upload
from sessionpacks.web.routes import ANY, Route, Surface
from sessionpacks.web.site import ROUTES, form_expired, problem, respond
from sessionpacks_flask.extension import mounted

TEMPLATES = resources.files("sessionpacks.web") / "templates"
EVERY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE"]

blueprint = Blueprint("sessionpacks", __name__, template_folder=str(TEMPLATES))


def _view(route: Route) -> Any:
    def view(**values: Any) -> Any:
        return _response(respond({route.method: route}, _request(), values))

    view.__name__ = route.name.replace(".", "_")
    return view


# Flask names may not hold a dot: "office.client" is the rule "client" of a child blueprint
# "office", so url_for("sessionpacks.office.client") names it as the web layer does.
_children: dict[str, Blueprint] = {}
for _route in ROUTES:
    _group, _, _name = _route.name.rpartition(".")
    _owner = blueprint
    if _group:
        _owner = _children.setdefault(_group, Blueprint(_group, __name__))
    _owner.add_url_rule(
        _route.rule,
        _name,
        _view(_route),
        methods=EVERY_METHOD if _route.method == ANY else [_route.method],
    )
for _child in _children.values():
    blueprint.register_blueprint(_child)


def _surface() -> Surface:
    return Surface.API if (request.endpoint or "").startswith("sessionpacks.api.") else Surface.PAGE


@blueprint.before_request
def _csrf() -> Any:
    # Every form must carry this session's token; the API is JSON only.
    if request.method != "POST" or _surface() is Surface.API:
        return None
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError as error:
        return _response(form_expired(_request(), str(error)))
    return None


@blueprint.after_request
def _security_headers(response: Response) -> Response:
    add_security_headers(response.headers, mounted().config.security_headers)  # type: ignore[arg-type]
    return response


@blueprint.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Any:
    status = error.code or 500
    allow = tuple(getattr(error, "valid_methods", None) or ())
    found = HttpError(status, error.name, error.description or error.name, allow=allow)
    return _response(problem(_surface(), _request(), found))


def _request() -> Request:
    here = mounted()
    return Request(
        studio=here.studio,
        config=here.web,
        method=request.method,
        path=request.path,
        query_string=request.query_string.decode("latin-1"),
        base=url_for("sessionpacks.index").removesuffix("/"),
        query=request.args,
        form=request.form,
        files={
            name: Upload(found.filename or "", found.read())
            for name, found in request.files.items()
        },
        body=lambda: request.get_data(cache=True),
        headers=request.headers,
        session=session,
        identify=here.identity,
        host_signed_in=_host_user_signed_in,
    )


def _host_user_signed_in() -> bool:
    """Whether Flask-Login has a signed-in user (who then lacks a sessionpacks identity)."""
    if getattr(current_app, "login_manager", None) is None:
        return False
    from flask_login import current_user

    return bool(getattr(current_user, "is_authenticated", False))


def _csrf_field() -> Markup:
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(
        escape(generate_csrf())
    )


def _response(outcome: Outcome) -> Any:
    if isinstance(outcome, Page):
        html = render_template(outcome.template, **outcome.context, csrf_field=_csrf_field)
        return html, outcome.status
    if isinstance(outcome, Redirect):
        return redirect(outcome.location, outcome.status)
    if isinstance(outcome, Body):
        response = Response(outcome.content, outcome.status, content_type=outcome.media_type)
        response.headers.update(outcome.headers)
        return response
    return _sign_in(outcome)


def _sign_in(outcome: SignIn) -> Any:
    """Nobody signed in: the configured sign-in page, else Flask-Login's, else a 401 page."""
    login_url = mounted().config.login_url
    if login_url is not None:
        separator = "&" if "?" in login_url else "?"
        return redirect(f"{login_url}{separator}{urlencode({'next': outcome.next})}")
    login: Any = getattr(current_app, "login_manager", None)
    if login is not None and getattr(login, "login_view", None):
        return login.unauthorized()
    found = HttpError(401, "Unauthorized", outcome.detail)
    return _response(problem(Surface.PAGE, _request(), found))
