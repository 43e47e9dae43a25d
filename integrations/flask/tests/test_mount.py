"""Mounting: the extension on the app, its configuration, its database and the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from sessionpacks import ConfigurationError, Studio
from sessionpacks_flask import Identity, Mounted, SessionPacks, mounted


def _app(tmp_path: Path, name: str = "studio", **config: Any) -> Flask:
    app = Flask(name, instance_path=str(tmp_path / name))
    app.config.update(SECRET_KEY="secret", **config)
    return app


def test_registering_keeps_the_mounted_extension_on_the_app(tmp_path: Path) -> None:
    app = _app(tmp_path)
    extension = SessionPacks(app)
    found = app.extensions["sessionpacks"]
    assert isinstance(found, Mounted)
    assert found.extension is extension
    with app.app_context():
        assert mounted() is found
        assert extension.studio is found.studio


def test_an_app_factory_registers_later_with_init_app(tmp_path: Path) -> None:
    extension = SessionPacks()
    first, second = _app(tmp_path, "first"), _app(tmp_path, "second")
    for app in (first, second):
        assert "sessionpacks" not in app.extensions
        extension.init_app(app)
    studios = []
    for app in (first, second):
        with app.app_context():
            studios.append(extension.studio)
    # Each app has its own studio on its own database file.
    assert studios[0] is not studios[1]
    assert studios[0].add_account("a-1", "Ana").id == studios[1].add_account("b-1", "Bo").id


def test_registering_twice_on_one_app_is_an_error(tmp_path: Path) -> None:
    app = _app(tmp_path)
    SessionPacks(app)
    with pytest.raises(ConfigurationError, match="already registered"):
        SessionPacks(app)


def test_an_unknown_key_is_an_error_that_suggests_the_right_one(tmp_path: Path) -> None:
    app = _app(tmp_path, SESSIONPACKS_DATABSE_URL="sqlite://")
    with pytest.raises(ConfigurationError, match="did you mean SESSIONPACKS_DATABASE_URL"):
        SessionPacks(app)
    assert "sessionpacks" not in app.extensions


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("SESSIONPACKS_URL_PREFIX", "gym", "must start with '/'"),
        ("SESSIONPACKS_URL_PREFIX", "/gym/", "must start with '/'"),
        ("SESSIONPACKS_DATABASE_URL", "not a url", "SESSIONPACKS_DATABASE_URL"),
        ("SESSIONPACKS_DATABASE_URL", 5, "must be a URL string"),
        ("SESSIONPACKS_AUTO_UPGRADE", "yes", "SESSIONPACKS_AUTO_UPGRADE must be True or False"),
        ("SESSIONPACKS_STUDIO_NAME", " ", "SESSIONPACKS_STUDIO_NAME must be a non-empty string"),
    ],
)
def test_a_bad_value_is_an_error_naming_the_key(
    tmp_path: Path, key: str, value: object, message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        SessionPacks(_app(tmp_path, "studio", **{key: value}))


def test_the_default_database_is_a_sqlite_file_in_the_instance_folder(tmp_path: Path) -> None:
    app = _app(tmp_path)
    SessionPacks(app)
    with app.app_context():
        mounted().studio.add_account("a-1", "Ana")
    assert (Path(app.instance_path) / "sessionpacks.db").exists()


def test_the_database_url_key_names_sessionpacks_own_database(tmp_path: Path) -> None:
    target = tmp_path / "own.db"
    app = _app(tmp_path, SESSIONPACKS_DATABASE_URL=f"sqlite:///{target}")
    SessionPacks(app)
    with app.app_context():
        mounted().studio.add_account("a-1", "Ana")
    with sa.create_engine(f"sqlite:///{target}").connect() as conn:
        assert conn.execute(sa.text("SELECT name FROM sessionpacks_accounts")).scalar() == "Ana"


def test_the_hosts_engine_is_used_as_given_or_from_a_function(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'host.db'}")
    for source in (engine, lambda: engine):
        app = _app(tmp_path, f"host{id(source)}")
        SessionPacks(app, engine=source)
        with app.app_context():
            assert mounted().engine.url == engine.url


def test_an_engine_function_that_returns_something_else_is_an_error(tmp_path: Path) -> None:
    app = _app(tmp_path)
    SessionPacks(app, engine=lambda: "sqlite://")  # type: ignore[arg-type]
    with app.app_context(), pytest.raises(ConfigurationError, match="must be an Engine"):
        mounted().engine  # noqa: B018


def test_flask_sqlalchemys_engine_is_used_when_the_app_has_one(tmp_path: Path) -> None:
    flask_sqlalchemy = pytest.importorskip("flask_sqlalchemy")
    app = _app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'shared.db'}")
    db = flask_sqlalchemy.SQLAlchemy(app)
    SessionPacks(app)
    with app.app_context():
        assert mounted().engine.url == db.engine.url
        assert mounted().engine is not db.engine


def test_without_auto_upgrade_the_tables_are_left_to_the_cli(tmp_path: Path) -> None:
    app = _app(tmp_path, SESSIONPACKS_AUTO_UPGRADE=False)
    SessionPacks(app)
    runner = app.test_cli_runner()
    with app.app_context():
        assert sa.inspect(mounted().engine).get_table_names() == []
    result = runner.invoke(args=["sessionpacks", "db", "upgrade"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["sessionpacks", "account", "add", "crm-9", "Noor", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["name"] == "Noor"
    with app.app_context():
        assert mounted().studio.account_by_ref("crm-9").name == "Noor"


def test_the_cli_reports_a_library_error_in_one_line(tmp_path: Path) -> None:
    app = _app(tmp_path)
    SessionPacks(app)
    result = app.test_cli_runner().invoke(args=["sessionpacks", "balance", "no-such-account"])
    assert result.exit_code == 1
    assert "error: unknown account ref: 'no-such-account'" in result.output


def test_the_pages_mount_under_the_prefix_the_host_chooses(tmp_path: Path) -> None:
    app = _app(tmp_path, SESSIONPACKS_URL_PREFIX="/members-area")
    packs = SessionPacks(app)
    packs.identity_loader(lambda: Identity.staff("1", "owner"))
    client = app.test_client()
    page = client.get("/members-area/")
    assert page.status_code == 200
    assert 'href="/members-area/static/sessionpacks.css"' in page.text
    assert client.get("/members-area/static/sessionpacks.css").status_code == 200
    assert client.get("/sessionpacks/").status_code == 404


def test_a_host_template_at_the_same_path_overrides_the_packaged_one(tmp_path: Path) -> None:
    templates = tmp_path / "host_templates" / "sessionpacks"
    templates.mkdir(parents=True)
    (templates / "index.html").write_text("<p>our own front page</p>")
    app = Flask("studio", instance_path=str(tmp_path / "i"), template_folder=str(templates.parent))
    app.config["SECRET_KEY"] = "secret"
    SessionPacks(app)
    assert app.test_client().get("/sessionpacks/").text == "<p>our own front page</p>"


def test_an_identity_loader_must_return_an_identity(tmp_path: Path) -> None:
    app = _app(tmp_path)
    packs = SessionPacks(app)
    packs.identity_loader(lambda: "staff-1")  # type: ignore[type-var]
    with app.test_request_context(), pytest.raises(TypeError, match="must return"):
        mounted().identity()


def test_flask_login_users_bring_their_identity(tmp_path: Path) -> None:
    flask_login = pytest.importorskip("flask_login")

    class User(flask_login.UserMixin):  # type: ignore[misc, name-defined]
        id = "7"

        def sessionpacks_identity(self) -> Identity:
            return Identity.staff("7", "owner")

    app = _app(tmp_path)
    login = flask_login.LoginManager(app)
    login.user_loader(lambda user_id: User() if user_id == "7" else None)
    SessionPacks(app)
    with app.test_request_context():
        assert mounted().identity() is None
        flask_login.login_user(User())
        assert mounted().identity() == Identity.staff("7", "owner")


def test_a_member_actor_may_act_on_their_own_account_only(studio: Studio) -> None:
    from sessionpacks import Actor, Target

    mine = studio.add_account("a-1", "Mine")
    theirs = studio.add_account("a-2", "Theirs")
    me = studio.add_member(mine.id, "Me")
    actor = Actor(kind="member", id=str(me.id), roles=("member",))
    ask = studio.hooks.hook.sessionpacks_authorize
    assert ask(actor=actor, action="enroll", target=Target("member", me.id, mine.id)) is True
    assert ask(actor=actor, action="enroll", target=Target("member", 99, theirs.id)) is False
    stranger = Actor(kind="member", id="9999", roles=("member",))
    assert ask(actor=stranger, action="enroll", target=Target("member", me.id, mine.id)) is False
