"""The root blueprint: the office, portal, kiosk and API beneath it, and what they share.

Every view parses the request, calls one method of the studio and renders; the rules live in
the core. HTML forms carry a CSRF token (Flask-WTF) and a fresh idempotency key; the API takes
JSON only, which a cross-site form cannot send.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request
from flask_wtf.csrf import CSRFError, generate_csrf
from werkzeug.exceptions import HTTPException

from sessionpacks.errors import SessionPacksError
from sessionpacks_flask import api, forms, kiosk, office, portal
from sessionpacks_flask.context import check_csrf, identity, render_problem
from sessionpacks_flask.extension import mounted
from sessionpacks_flask.headers import add_security_headers
from sessionpacks_flask.problems import Problem, problem_for

blueprint = Blueprint(
    "sessionpacks",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)


@blueprint.before_request
def _csrf() -> None:
    # The API takes JSON only, which a cross-site form cannot send; every form must carry a token.
    if request.blueprint != api.blueprint_name:
        check_csrf()


@blueprint.after_request
def _security_headers(response: Response) -> Response:
    return add_security_headers(response, mounted().config.security_headers)


@blueprint.context_processor
def _template_globals() -> dict[str, Any]:
    return {
        "csrf_token": generate_csrf,
        "new_key": forms.new_key,
        "studio_name": mounted().config.studio_name,
        "signed_in": identity(),
        "signed_in_name": _signed_in_name,
        "sessionpacks_base_template": mounted().config.base_template,
        "host_home_url": mounted().config.home_url,
        "host_logout_url": mounted().config.logout_url,
    }


def _signed_in_name() -> str:
    # Called by the template only when someone is signed in, so anonymous pages read nothing.
    found = identity()
    return "" if found is None else found.shown_name(mounted().studio)


@blueprint.errorhandler(SessionPacksError)
def _html_error(error: SessionPacksError) -> Any:
    found = problem_for(error)
    if found is None:
        raise error
    return render_problem(found)


@blueprint.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Any:
    status = error.code or 500
    return render_problem(Problem(status, str(status), error.name, error.description or error.name))


@blueprint.errorhandler(CSRFError)
def _csrf_error(error: CSRFError) -> Any:
    return render_problem(
        Problem(400, "csrf", "Form expired", f"{error.description} Reload the page and try again.")
    )


@blueprint.route("/")
def index() -> str:
    """Where to go: the office for staff, the portal for members, and the kiosk."""
    return render_template("sessionpacks/index.html")


for child, prefix in (
    (office.blueprint, "/office"),
    (portal.blueprint, "/my"),
    (kiosk.blueprint, "/kiosk"),
    (api.blueprint, "/api"),
):
    blueprint.register_blueprint(child, url_prefix=prefix)
