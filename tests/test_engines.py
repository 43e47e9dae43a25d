"""The engines sessionpacks works through on SQLite: its writes lock the file at BEGIN; a plain
connection of the same engine (a host's monitoring query) and a host's own engine do not."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from sessionpacks import ConfigurationError, Studio, create_engine, upgrade
from sessionpacks.cli import cli
from sessionpacks.database import own_engine
from tests.test_cli import make_runner


def _count(conn: sa.Connection) -> int:
    return int(conn.execute(sa.text("SELECT count(*) FROM sessionpacks_accounts")).scalar_one())


def test_a_plain_read_of_sessionpacks_engine_does_not_take_the_write_lock(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'studio.db'}")
    upgrade(engine)
    studio = Studio(engine)
    with engine.connect() as monitor:
        assert _count(monitor) == 0  # its transaction stays open across the write below
        studio.add_account("crm-1", "Ana")  # would wait for the lock and fail if it held it
    with engine.connect() as monitor:
        assert _count(monitor) == 1


def test_a_hosts_sqlite_engine_is_left_as_it_is(tmp_path: Path) -> None:
    host = sa.create_engine(f"sqlite:///{tmp_path / 'host.db'}")
    own = own_engine(host)
    assert own is not host
    assert own.url == host.url
    upgrade(own)
    Studio(host).add_account("crm-1", "Ana")
    with host.connect() as conn:
        assert _count(conn) == 1
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "delete"
        assert conn.execute(sa.text("PRAGMA foreign_keys")).scalar() == 0
    assert own_engine(own) is own


@pytest.mark.parametrize(
    ("url", "suggested"),
    [
        ("postgres://coach@db.example/gym", "postgresql+psycopg://"),
        ("postgres+psycopg2://coach@db.example/gym", "postgresql+psycopg://"),
        ("mysql+nosuchdriver://root@db.example/gym", "mysql+pymysql://"),
    ],
)
def test_a_url_sqlalchemy_cannot_use_gets_the_url_to_write_instead(
    url: str, suggested: str
) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(suggested)):
        create_engine(url)


def test_the_command_line_says_which_url_to_write(tmp_path: Path) -> None:
    result = make_runner().invoke(cli, ["--url", "postgres://coach@db.example/gym", "verify"])
    assert result.exit_code != 0
    assert "postgresql+psycopg://" in result.stderr
    assert "Traceback" not in result.stderr
