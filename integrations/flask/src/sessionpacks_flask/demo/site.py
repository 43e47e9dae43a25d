"""The demo host app: its home page, its sign-in, and sessionpacks mounted into it."""

from __future__ import annotations

import argparse
import os
import secrets

from flask import Flask, abort, redirect, render_template, request, url_for
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf.csrf import generate_csrf, validate_csrf
from markupsafe import Markup, escape
from werkzeug.wrappers.response import Response
from wtforms import ValidationError

from sessionpacks import Clock, NotFound, RolePolicy, Settings, SystemClock
from sessionpacks.demo import (
    ROLES,
    STAFF_USER_ID,
    STUDIO_NAME,
    TEMPLATES,
    DemoPayments,
    home_context,
    is_seeded,
    parse_user_id,
    seed,
)
from sessionpacks_flask import SessionPacks, mounted
from sessionpacks_flask.demo.users import DemoUser, member_user, staff_user

DEFAULT_DATABASE = "sqlite:///sessionpacks-demo.db"


def create_app(
    database_url: str = DEFAULT_DATABASE, *, clock: Clock | None = None, locale: str = "en"
) -> Flask:
    """The demo site on ``database_url``, seeded on first start, its pages in ``locale``."""
    app = Flask(__name__, template_folder=str(TEMPLATES))
    app.config.update(
        # A fresh key per start: signing in again after a restart is fine for a demo.
        SECRET_KEY=secrets.token_hex(32),
        SESSIONPACKS_DATABASE_URL=database_url,
        SESSIONPACKS_STUDIO_NAME=STUDIO_NAME,
        SESSIONPACKS_LOCALE=locale,
    )
    login = LoginManager(app)
    login.login_view = "home"
    SessionPacks(
        app,
        settings=Settings(policy=RolePolicy(ROLES)),
        plugins=[DemoPayments()],
        clock=clock or SystemClock(),
    )
    with app.app_context():
        studio = mounted().studio
        if not is_seeded(studio):
            seed(mounted().engine, studio.clock.now())

    @app.after_request
    def strict_policy(response: Response) -> Response:
        # Many hosts run a strict Content-Security-Policy; the demo does too, to prove the pages
        # need no inline script or style and nothing from other sites.
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        )
        return response

    login.user_loader(_user)

    @app.route("/")
    def home() -> str:
        links = {
            "home": url_for("home"),
            "sign_in": url_for("sign_in"),
            "sign_out": url_for("sign_out"),
            "office": url_for("sessionpacks.office.clients"),
            "portal": url_for("sessionpacks.portal.home"),
            "kiosk": url_for("sessionpacks.kiosk.home"),
            "stylesheet": url_for("sessionpacks.static", filename="sessionpacks.css"),
            "icon": url_for("sessionpacks.static", filename="favicon.svg"),
        }
        signed_in = current_user.name if current_user.is_authenticated else None
        context = home_context(
            mounted().studio, user_name=signed_in, links=links, csrf_field=_csrf_field
        )
        return render_template("demo/home.html", **context)

    @app.post("/sign-in")
    def sign_in() -> Response:
        _check_csrf()
        user = _user(request.form.get("user", ""))
        if user is None:
            abort(400, "choose one of the demo users")
        login_user(user)
        staff = user.identity.is_staff
        return redirect(
            url_for("sessionpacks.office.clients" if staff else "sessionpacks.portal.home")
        )

    @app.post("/sign-out")
    def sign_out() -> Response:
        _check_csrf()
        logout_user()
        return redirect(url_for("home"))

    return app


def _user(user_id: str) -> DemoUser | None:
    found = parse_user_id(user_id)
    if found == STAFF_USER_ID:
        return staff_user()
    if not isinstance(found, int):
        return None
    try:
        member = mounted().studio.member(found)
    except NotFound:
        return None
    return member_user(member.id, member.name)


def _csrf_field() -> Markup:
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(
        escape(generate_csrf())
    )


def _check_csrf() -> None:
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError as error:
        abort(400, str(error))


def main(argv: list[str] | None = None) -> None:
    """The ``sessionpacks-demo`` command: start the demo site and say where to open it."""
    parser = argparse.ArgumentParser(prog="sessionpacks-demo", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="the address to listen on")
    parser.add_argument("--port", type=int, default=5000, help="the port to listen on")
    parser.add_argument(
        "--database", default=DEFAULT_DATABASE, help="a SQLAlchemy URL (default: %(default)s)"
    )
    parser.add_argument(
        "--locale",
        default=os.environ.get("SESSIONPACKS_LOCALE") or "en",
        help="the pages' language, en or es (default: $SESSIONPACKS_LOCALE, else en)",
    )
    args = parser.parse_args(argv)
    app = create_app(args.database, locale=args.locale)
    shown = "localhost" if args.host in ("127.0.0.1", "0.0.0.0") else args.host
    print(
        f"\nsessionpacks demo gym site on {args.database}\n"
        f"  open  http://{shown}:{args.port}/  to sign in as front-desk staff or as a member,\n"
        f"  then find the office, the customer portal and the check-in kiosk from there.\n"
        "  Press Ctrl+C to stop.\n",
        flush=True,
    )
    app.run(host=args.host, port=args.port)
