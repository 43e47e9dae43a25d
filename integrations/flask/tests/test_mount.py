from __future__ import annotations

import pytest
from flask import Flask

from sessionpacks.errors import ConfigurationError
from sessionpacks_flask import SessionPacks


def test_registering_with_the_app_keeps_the_extension_on_it() -> None:
    app = Flask("studio")
    extension = SessionPacks(app)
    assert app.extensions["sessionpacks"] is extension


def test_an_app_factory_registers_later_with_init_app() -> None:
    extension = SessionPacks()
    first, second = Flask("first"), Flask("second")
    for app in (first, second):
        assert "sessionpacks" not in app.extensions
        extension.init_app(app)
        assert app.extensions["sessionpacks"] is extension


def test_registering_twice_on_one_app_is_an_error() -> None:
    app = Flask("studio")
    SessionPacks(app)
    with pytest.raises(ConfigurationError, match="already registered"):
        SessionPacks(app)
