"""sessionpacks in a host built like a real one, sharing the host's database: Flask-SQLAlchemy
with the host's own models, Flask-Login with the host's own users. Requests that read a host row,
write through sessionpacks and write a host row must never wait on each other, and the host's
engine must be left exactly as the host made it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, request
from sqlalchemy import event

from sessionpacks import ALL, RolePolicy, Settings, database
from sessionpacks.testing import empty_tables
from sessionpacks_flask import Identity, SessionPacks, mounted

flask_login = pytest.importorskip("flask_login")
flask_sqlalchemy = pytest.importorskip("flask_sqlalchemy")


@pytest.fixture
def host(tmp_path: Path, server_url: str | None) -> Iterator[tuple[Flask, Any]]:
    """The host app: its own users and orders tables, its own login, one database for all."""
    url = server_url or f"sqlite:///{tmp_path / 'host.db'}"
    app = Flask("host", instance_path=str(tmp_path / "instance"))
    app.config.update(SECRET_KEY="host-secret", SQLALCHEMY_DATABASE_URI=url, TESTING=True)
    db = flask_sqlalchemy.SQLAlchemy(app)

    class User(db.Model, flask_login.UserMixin):  # type: ignore[name-defined,misc]
        __tablename__ = "host_users"
        id = db.Column(db.Integer, primary_key=True)
        name = db.Column(db.String(80), nullable=False)

        @property
        def sessionpacks_identity(self) -> Identity:
            return Identity.staff(str(self.id), "owner", display_name=self.name)

    class Order(db.Model):  # type: ignore[name-defined,misc]
        __tablename__ = "host_orders"
        id = db.Column(db.Integer, primary_key=True)
        user_id = db.Column(db.Integer, nullable=False)
        account_ref = db.Column(db.String(80), nullable=False)

    login = flask_login.LoginManager(app)

    @login.user_loader  # type: ignore[untyped-decorator]
    def load_user(user_id: str) -> Any:
        return db.session.get(User, int(user_id))  # a host read at the start of every request

    packs = SessionPacks(app, settings=Settings(policy=RolePolicy({"owner": ALL})))

    @app.post("/login/<int:user_id>")
    def sign_in(user_id: int) -> str:
        flask_login.login_user(db.session.get(User, user_id))
        return "signed in"

    @app.post("/orders/<ref>")
    def order(ref: str) -> str:
        user = flask_login.current_user
        account = packs.studio.add_account(ref, f"Client of {user.name}")  # a sessionpacks write
        db.session.add(Order(user_id=user.id, account_ref=account.ref))  # then a host write
        db.session.commit()
        return "ordered"

    @app.post("/orders/<ref>/together")
    def order_together(ref: str) -> str:
        user = flask_login.current_user
        db.session.add(Order(user_id=user.id, account_ref=ref))  # the host writes first
        packs.studio.joined(db.session).add_account(ref, f"Client of {user.name}")
        if request.args.get("fail"):
            db.session.rollback()
            return "cancelled"
        db.session.commit()  # the order and the account, or neither
        return "ordered"

    with app.app_context():
        db.drop_all()
        db.create_all()
        db.session.add(User(id=1, name="Alex Rivera"))
        db.session.commit()
    app.extensions["host_models"] = (User, Order)
    if server_url is not None:
        with app.app_context():
            empty_tables(mounted().engine)  # a server is shared by the tests, as in conftest
    yield app, db
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def test_host_reads_sessionpacks_writes_and_host_writes_share_one_request(
    host: tuple[Flask, Any],
) -> None:
    app, db = host
    client = app.test_client()
    assert client.post("/login/1").status_code == 200
    for n in range(3):
        response = client.post(f"/orders/crm-{n}")
        assert response.status_code == 200, response.text
    _, order_model = app.extensions["host_models"]
    with app.app_context():
        refs = sorted(o.account_ref for o in db.session.execute(sa.select(order_model)).scalars())
        assert refs == ["crm-0", "crm-1", "crm-2"]
        assert [a.ref for a in mounted().studio.find_accounts("crm-")] == refs
    # The office reads through sessionpacks after the user loader read the host's row.
    page = client.get("/sessionpacks/office/")
    assert page.status_code == 200, page.text
    assert "Alex Rivera" in page.text


def test_a_host_order_and_its_client_commit_or_roll_back_together(
    host: tuple[Flask, Any],
) -> None:
    app, db = host
    client = app.test_client()
    assert client.post("/login/1").status_code == 200
    assert client.post("/orders/crm-20/together").text == "ordered"
    assert client.post("/orders/crm-21/together?fail=1").text == "cancelled"
    _, order_model = app.extensions["host_models"]
    with app.app_context():
        refs = [o.account_ref for o in db.session.execute(sa.select(order_model)).scalars()]
        assert refs == ["crm-20"]
        assert [a.ref for a in mounted().studio.find_accounts("crm-2")] == ["crm-20"]


def test_the_hosts_engine_is_left_as_the_host_made_it(host: tuple[Flask, Any]) -> None:
    app, db = host
    with app.app_context():
        host_engine = db.engine
        journal_before = _journal_mode(host_engine)
        with host_engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        pool_before = host_engine.pool
        mounted().studio.add_account("crm-9", "Noor")
        assert mounted().engine is not host_engine
        assert not event.contains(host_engine, "begin", database._begin_immediate)
        assert host_engine.pool is pool_before
        assert _journal_mode(host_engine) == journal_before
        if host_engine.dialect.name == "sqlite":
            with host_engine.connect() as conn:
                # sessionpacks' own connections enforce foreign keys; the host's are untouched.
                assert conn.execute(sa.text("PRAGMA foreign_keys")).scalar() == 0


def test_a_host_connection_left_open_does_not_stop_a_sessionpacks_write(
    host: tuple[Flask, Any],
) -> None:
    app, db = host
    user_model, _ = app.extensions["host_models"]
    with app.app_context(), db.engine.connect() as conn:
        assert conn.execute(sa.select(user_model.name)).scalar() == "Alex Rivera"
        account = mounted().studio.add_account("crm-7", "Mateo")  # the host's read is still open
        assert mounted().studio.account(account.id).name == "Mateo"


def test_an_in_memory_sqlite_engine_of_the_hosts_is_refused_with_a_way_out() -> None:
    from sessionpacks import ConfigurationError, Studio

    with pytest.raises(ConfigurationError, match="in-memory SQLite"):
        Studio(sa.create_engine("sqlite://"))


def _journal_mode(engine: sa.Engine) -> str | None:
    if engine.dialect.name != "sqlite":
        return None
    with engine.connect() as conn:
        return str(conn.execute(sa.text("PRAGMA journal_mode")).scalar())


# Flask-Migrate's own env.py template still calls Flask-SQLAlchemy's deprecated get_engine().
@pytest.mark.filterwarnings("ignore:'get_engine' is deprecated:DeprecationWarning")
def test_the_hosts_flask_db_migrate_proposes_nothing_for_sessionpacks_tables(
    tmp_path: Path, server_url: str | None
) -> None:
    flask_migrate = pytest.importorskip("flask_migrate")
    url = server_url or f"sqlite:///{tmp_path / 'host.db'}"
    app = Flask("migrating_host", instance_path=str(tmp_path / "instance"))
    app.config.update(SECRET_KEY="host-secret", SQLALCHEMY_DATABASE_URI=url)
    db = flask_sqlalchemy.SQLAlchemy(app)

    class Visit(db.Model):  # type: ignore[name-defined,misc]
        __tablename__ = "host_visits"
        id = db.Column(db.Integer, primary_key=True)

    def hosts_own_filter(obj: Any, name: str | None, type_: str, *rest: Any) -> bool:
        seen.append(name)
        return True

    seen: list[str | None] = []
    flask_migrate.Migrate(app, db, include_object=hosts_own_filter)
    SessionPacks(app)
    directory = str(tmp_path / "migrations")
    with app.app_context():
        db.session.execute(sa.text("DROP TABLE IF EXISTS host_visits"))
        db.session.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        mounted().studio.add_account("crm-1", "Ana")  # sessionpacks' tables are in the database
        flask_migrate.init(directory=directory)
        flask_migrate.migrate(directory=directory, message="host tables")
    (script,) = (tmp_path / "migrations" / "versions").glob("*.py")
    text = script.read_text()
    assert "create_table('host_visits'" in text
    assert "sessionpacks_" not in text
    assert "host_visits" in seen  # the host's own filter still runs beside sessionpacks'
