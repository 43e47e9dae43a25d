from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from sessionpacks_django import Config
from sessionpacks_django.database import url_from_django


def test_an_unknown_key_names_the_closest_real_one() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"'GROUP_ROLE'.*did you mean 'GROUP_ROLES'"):
        Config.from_setting({"GROUP_ROLE": {"Front desk": "front_desk"}})


def test_a_wrong_type_names_the_key() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"SESSIONPACKS\['PLUGINS'\] must be a list"):
        Config.from_setting({"PLUGINS": "mygym.payments.Stripe"})
    with pytest.raises(ImproperlyConfigured, match=r"SESSIONPACKS\['STUDIO_NAME'\]"):
        Config.from_setting({"STUDIO_NAME": 3})
    with pytest.raises(ImproperlyConfigured, match=r"'GROUP_ROLES'.*'Front desk': 7"):
        Config.from_setting({"GROUP_ROLES": {"Front desk": 7}})
    with pytest.raises(ImproperlyConfigured, match=r"'ROLES'.*unknown actions 'sel'"):
        Config.from_setting({"ROLES": {"desk": {"sel"}}})
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        Config.from_setting({"DATABASE_URL": "not a url"})


def test_the_settings_are_a_frozen_value_with_roles_as_tuples() -> None:
    config = Config.from_setting({"GROUP_ROLES": {"Coaches": "trainer"}, "STUDIO_NAME": "Iron"})
    assert config.group_roles["Coaches"] == ("trainer",)
    assert config.studio_name == "Iron"
    assert config.database == "default"
    with pytest.raises(AttributeError):
        config.studio_name = "Other"  # type: ignore[misc]


@pytest.mark.parametrize("name", ["", ":memory:", "file:memorydb_default?mode=memory&cache=shared"])
def test_an_in_memory_sqlite_database_is_refused(name: str) -> None:
    databases: dict[str, dict[str, Any]] = {
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": name}
    }
    with pytest.raises(ImproperlyConfigured, match="in-memory SQLite"):
        url_from_django("default", databases)


def test_the_urls_follow_django_databases() -> None:
    databases: dict[str, dict[str, Any]] = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": "gym",
            "USER": "coach",
            "PASSWORD": "s3cret@",
            "HOST": "db.local",
            "PORT": "5433",
            "OPTIONS": {"sslmode": "require", "pool": True},
        },
        "replica": {"ENGINE": "django.db.backends.mysql", "NAME": "gym", "HOST": "/run/my.sock"},
        "file": {"ENGINE": "django.db.backends.sqlite3", "NAME": "/srv/gym.db"},
        "odd": {"ENGINE": "django.db.backends.oracle", "NAME": "gym"},
    }
    pg = url_from_django("default", databases)
    assert pg.get_backend_name() == "postgresql"
    assert (pg.username, pg.password, pg.host, pg.port, pg.database) == (
        "coach",
        "s3cret@",
        "db.local",
        5433,
        "gym",
    )
    assert dict(pg.query) == {"sslmode": "require"}
    mysql = url_from_django("replica", databases)
    assert mysql.get_backend_name() == "mysql"
    assert mysql.host is None
    assert mysql.query["unix_socket"] == "/run/my.sock"
    assert url_from_django("file", databases).database == "/srv/gym.db"
    with pytest.raises(ImproperlyConfigured, match="oracle"):
        url_from_django("odd", databases)
    with pytest.raises(ImproperlyConfigured, match="'missing', which is not in DATABASES"):
        url_from_django("missing", databases)
