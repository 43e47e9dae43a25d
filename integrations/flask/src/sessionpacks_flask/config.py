"""The ``SESSIONPACKS_*`` keys a host app sets in ``app.config``, read and checked once."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import attrs
import sqlalchemy as sa

from sessionpacks.errors import ConfigurationError
from sessionpacks.web.headers import DEFAULT_SECURITY_HEADERS
from sessionpacks.web.i18n import SOURCE, known_locale

PREFIX = "SESSIONPACKS_"


def _url_prefix(value: object) -> str:
    if value == "/":
        return ""
    if not isinstance(value, str) or not value.startswith("/") or value.endswith("/"):
        raise ConfigurationError(
            f"SESSIONPACKS_URL_PREFIX must start with '/' and not end with one, such as"
            f" '/sessionpacks', got {value!r}"
        )
    return value


def _database_url(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, (str, sa.URL)):
        raise ConfigurationError(f"SESSIONPACKS_DATABASE_URL must be a URL string, got {value!r}")
    try:
        return sa.make_url(value).render_as_string(hide_password=False)
    except sa.exc.ArgumentError as error:
        raise ConfigurationError(f"SESSIONPACKS_DATABASE_URL: {error}") from error


def _locale(value: object) -> str:
    try:
        return known_locale(value)
    except ConfigurationError as error:
        raise ConfigurationError(f"SESSIONPACKS_LOCALE: {error}") from error


def _key(attribute: attrs.Attribute[Any]) -> str:
    return PREFIX + attribute.name.upper()


def _is_flag(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bool):
        raise ConfigurationError(f"{_key(attribute)} must be True or False, got {value!r}")


def _is_text(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(f"{_key(attribute)} must be a non-empty string, got {value!r}")


def _is_link(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if not isinstance(value, str) or not value.strip() or any(c in value for c in "\r\n "):
        raise ConfigurationError(
            f"{_key(attribute)} must be a URL or path such as '/login', got {value!r}"
        )


def _security_headers(value: object) -> Mapping[str, str]:
    if not isinstance(value, Mapping):
        raise ConfigurationError(
            "SESSIONPACKS_SECURITY_HEADERS must map header names to values, such as"
            f" {{'X-Frame-Options': 'DENY'}}, got {value!r}"
        )
    for name, text in value.items():
        if not isinstance(name, str) or not name.strip() or not isinstance(text, str):
            raise ConfigurationError(
                "SESSIONPACKS_SECURITY_HEADERS must map header names to string values,"
                f" got {name!r}: {text!r}"
            )
        if any(character in name + text for character in "\r\n"):
            raise ConfigurationError(
                f"SESSIONPACKS_SECURITY_HEADERS: header {name!r} holds a line break"
            )
    return MappingProxyType(dict(value))


@attrs.frozen
class Config:
    """What the extension reads from ``app.config``; every key is optional.

    :param database_url: sessionpacks' own database. Unset, it uses the engine handed to
        :class:`~sessionpacks_flask.SessionPacks`, else Flask-SQLAlchemy's engine when the app has
        one, else a SQLite file ``sessionpacks.db`` in the app's instance folder.
    :param url_prefix: where the pages and the API are mounted (``/sessionpacks``).
    :param auto_upgrade: create or upgrade sessionpacks' tables when the app first uses them.
        Turn it off where deployments run ``flask sessionpacks db upgrade`` themselves.
    :param studio_name: the studio's name in page titles and headings.
    :param base_template: the host's template our pages go inside, providing the blocks
        ``title``, ``head`` and ``body``. Unset, the pages are whole documents of their own.
    :param login_url: where a visitor nobody has signed in is sent, with ``next=`` the page
        they asked for. Unset, Flask-Login's ``login_view`` when the app has one.
    :param logout_url: the host's sign-out page, linked from every page's header when set.
    :param home_url: the host site, linked from every page's header and from problem pages.
    :param security_headers: headers put on every sessionpacks response that does not carry
        them yet (:data:`~sessionpacks_flask.DEFAULT_SECURITY_HEADERS` unless set); ``{}``
        turns them off. A header the host sets, in a view hook or its own ``after_request``
        (Flask-Talisman's included), always wins.
    :param locale: the language of the portal's and kiosk's pages, ``"en"`` (the default) or
        ``"es"``.
    """

    database_url: str | None = attrs.field(default=None, converter=_database_url)
    url_prefix: str = attrs.field(default="/sessionpacks", converter=_url_prefix)
    auto_upgrade: bool = attrs.field(default=True, validator=_is_flag)
    studio_name: str = attrs.field(default="Studio", validator=_is_text)
    base_template: str | None = attrs.field(
        default=None, validator=attrs.validators.optional(_is_text)
    )
    login_url: str | None = attrs.field(default=None, validator=_is_link)
    logout_url: str | None = attrs.field(default=None, validator=_is_link)
    home_url: str = attrs.field(default="/", validator=_is_link)
    security_headers: Mapping[str, str] = attrs.field(
        default=DEFAULT_SECURITY_HEADERS, converter=_security_headers
    )
    locale: str = attrs.field(default=SOURCE, converter=_locale)

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any]) -> Config:
        """Read the ``SESSIONPACKS_*`` keys; an unknown one is an error, naming the likely key."""
        known = {_key(field): field.name for field in attrs.fields(cls)}
        given: dict[str, Any] = {}
        for key, value in config.items():
            if not key.startswith(PREFIX):
                continue
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = f"; did you mean {close[0]}?" if close else ""
                raise ConfigurationError(
                    f"unknown configuration key {key}{hint} (sessionpacks reads "
                    + ", ".join(sorted(known))
                    + ")"
                )
            given[known[key]] = value
        return cls(**given)
