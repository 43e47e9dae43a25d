"""The "Embed in an existing app" guide of docs/flask.md, run as written: its code blocks make a
gym site with Flask-SQLAlchemy, Flask-Login and Flask-Migrate on one database (SQLite, PostgreSQL
or MariaDB); the host's `flask db migrate` then proposes nothing for sessionpacks' tables, and
requests that read a host row, write through sessionpacks and write a host row all finish."""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import sqlalchemy as sa

from sessionpacks.testing import empty_tables

flask_migrate = pytest.importorskip("flask_migrate")

GUIDE = Path(__file__).resolve().parents[3] / "docs" / "flask.md"
HOST_TABLES = ("orders", "users", "alembic_version")


def guide_code() -> str:
    section = GUIDE.read_text().split("## Embed in an existing app\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) >= 4, "the guide lost its code"
    return "\n\n".join(blocks)


def _drop_host_tables(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for name in HOST_TABLES:
            conn.execute(sa.text(f"DROP TABLE IF EXISTS {name}"))
    engine.dispose()


@pytest.fixture
def site(
    tmp_path: Path, server_url: str | None, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ModuleType]:
    """The guide's site, imported from its code blocks as the module ``gym_site``."""
    url = server_url or f"sqlite:///{tmp_path / 'gym.db'}"
    _drop_host_tables(url)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    source = tmp_path / "gym_site.py"
    source.write_text(guide_code())
    spec = importlib.util.spec_from_file_location("gym_site", source)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "gym_site", module)
    spec.loader.exec_module(module)
    module.app.config["TESTING"] = True
    if server_url is not None:
        with module.app.app_context():
            empty_tables(module.packs.studio.session_factory.kw["bind"])
    yield module
    with module.app.app_context():
        module.db.engine.dispose()
    _drop_host_tables(url)


# Flask-Migrate's own env.py template still calls Flask-SQLAlchemy's deprecated get_engine().
@pytest.mark.filterwarnings("ignore:'get_engine' is deprecated:DeprecationWarning")
def test_the_guides_site_embeds_sessionpacks_as_it_says(site: Any, tmp_path: Path) -> None:
    app, db, packs = site.app, site.db, site.packs
    migrations = str(tmp_path / "migrations")
    with app.app_context():
        studio = packs.studio  # made on first use, its tables with it
        yoga = studio.add_service("Yoga", category="classes", duration_minutes=60)
        pack = studio.create_template("5-Class Pass", quantity=5, services=[yoga.id])
        # The host's own migrations: they create its tables and nothing of sessionpacks'.
        flask_migrate.init(directory=migrations)
        flask_migrate.migrate(directory=migrations, message="the gym's tables")
        flask_migrate.upgrade(directory=migrations)
        db.session.add_all(
            [
                site.User(id=1, name="Alex Rivera", role="owner"),
                site.User(id=2, name="Ana Ortiz", role=None),
                site.User(id=3, name="Sam Lee", role=None),
            ]
        )
        db.session.commit()
        account = studio.add_account("crm-2", "Ana Ortiz")
        ana = studio.add_member(account.id, "Ana Ortiz", ref="3001")
        studio.link_user(ana.id, "2")
    (script,) = (tmp_path / "migrations" / "versions").glob("*.py")
    proposed = script.read_text()
    assert "create_table('users'" in proposed
    assert "create_table('orders'" in proposed
    assert "sessionpacks_" not in proposed

    client = app.test_client()
    assert client.get("/studio/office/").headers["Location"].startswith("/sign-in")
    client.get("/sign-in?user=2")
    # Each request reads the host's user, writes a pass through sessionpacks, writes an order.
    for _ in range(3):
        bought = client.post(f"/shop/{pack.id}")
        assert bought.status_code == 302, bought.text
    portal = client.get("/studio/my/")
    assert portal.status_code == 200, portal.text
    assert "5-Class Pass" in portal.text
    with app.app_context():
        orders = db.session.execute(sa.select(site.Order.item)).scalars().all()
        assert orders == ["5-Class Pass"] * 3
        assert len(packs.studio.passes(account.id)) == 3
    client.get("/sign-in?user=3")  # a client of the site whom the studio has not linked
    assert client.get("/studio/my/").status_code == 403
    client.get("/sign-in?user=1")
    office = client.get("/studio/office/")
    assert office.status_code == 200
    assert "Alex Rivera" in office.text
