"""The gym site's tests: one database shared by the site's tables and sessionpacks', a SQLite
file by default or the server named by ``--database`` (its URL in the same variables as the
core's tests). The tests use that database as it is, emptied first, never a ``test_`` copy."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

SITE = Path(__file__).parent
SERVER_URL_VARIABLES = {
    "postgresql": "SESSIONPACKS_TEST_POSTGRESQL_URL",
    "mariadb": "SESSIONPACKS_TEST_MARIADB_URL",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database",
        choices=["sqlite", *SERVER_URL_VARIABLES],
        default="sqlite",
        help="run the gym site on a SQLite file (default) or on the server whose URL is in "
        + ", ".join(f"{v} (for {k})" for k, v in SERVER_URL_VARIABLES.items()),
    )


def pytest_configure(config: pytest.Config) -> None:
    choice = config.getoption("--database")
    if choice == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="gymsite-"))
        url = f"sqlite:///{folder / 'gym.db'}"
    else:
        variable = SERVER_URL_VARIABLES[choice]
        url = os.environ.get(variable, "").strip()
        if not url:
            pytest.exit(f"--database={choice} needs the server's URL in ${variable}", returncode=4)
    os.environ["GYMSITE_DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "gymsite.settings"
    sys.path.insert(0, str(SITE))
    from django.conf import settings

    settings.INSTALLED_APPS  # noqa: B018  (loads the settings, so pytest-django sets Django up)


def empty_database(url: str) -> None:
    """Drop every table, the site's and sessionpacks', so each run starts from nothing."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            if engine.dialect.name == "mysql":
                connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 0")
            metadata = sa.MetaData()
            metadata.reflect(connection)
            metadata.drop_all(connection)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def django_db_setup(django_db_blocker: object) -> Iterator[None]:
    """The database as ``manage.py migrate`` leaves it on a fresh site."""
    from django.core.management import call_command

    import sessionpacks_django

    empty_database(os.environ["GYMSITE_DATABASE_URL"])
    sessionpacks_django.reset()
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        call_command("migrate", verbosity=0)
    yield
    sessionpacks_django.reset()
    # The database is shared with the other suites (the Flask host's migrations compare it
    # with their models): leave it as empty as it was found.
    from django.db import connections

    connections.close_all()
    url = os.environ["GYMSITE_DATABASE_URL"]
    if not url.startswith("sqlite"):  # a SQLite file of its own goes with its folder
        empty_database(url)
