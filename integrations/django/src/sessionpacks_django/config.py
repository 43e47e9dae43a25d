"""The ``SESSIONPACKS`` dict in Django's settings, read and checked once, at app ready."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import attrs
import sqlalchemy as sa
from django.core.exceptions import ImproperlyConfigured

from sessionpacks.errors import ConfigurationError
from sessionpacks.policies import RolePolicy
from sessionpacks.web.headers import DEFAULT_SECURITY_HEADERS
from sessionpacks.web.i18n import known_locale

SETTING = "SESSIONPACKS"


def _name(attribute: attrs.Attribute[Any]) -> str:
    return f"{SETTING}[{attribute.name.upper()!r}]"


def _optional_text(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise ImproperlyConfigured(f"{_name(attribute)} must be a non-empty string, got {value!r}")


def _text(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        raise ImproperlyConfigured(f"{_name(attribute)} must be a non-empty string, got None")
    _optional_text(instance, attribute, value)


def _link(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    _optional_text(instance, attribute, value)
    if isinstance(value, str) and any(c in value for c in "\r\n "):
        raise ImproperlyConfigured(
            f"{_name(attribute)} must be a URL or path such as '/login', got {value!r}"
        )


def _database_url(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, (str, sa.URL)):
        raise ImproperlyConfigured(f"{SETTING}['DATABASE_URL'] must be a URL string, got {value!r}")
    try:
        return sa.make_url(value).render_as_string(hide_password=False)
    except sa.exc.ArgumentError as error:
        raise ImproperlyConfigured(f"{SETTING}['DATABASE_URL']: {error}") from error


def _paths(value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise ImproperlyConfigured(
            f"{SETTING}['PLUGINS'] must be a list of dotted paths, such as"
            f" ['mygym.payments.StripePayments'], got {value!r}"
        )
    for path in value:
        if not isinstance(path, str) or "." not in path.strip(". "):
            raise ImproperlyConfigured(
                f"{SETTING}['PLUGINS'] holds {path!r}, which is not a dotted path such as"
                " 'mygym.payments.StripePayments'"
            )
    return tuple(value)


def _group_roles(value: object) -> Mapping[str, tuple[str, ...]]:
    return _role_map("GROUP_ROLES", value)


def _permission_roles(value: object) -> Mapping[str, tuple[str, ...]]:
    return _role_map("PERMISSION_ROLES", value)


def _role_map(key: str, value: object) -> Mapping[str, tuple[str, ...]]:
    if not isinstance(value, Mapping):
        raise ImproperlyConfigured(
            f"{SETTING}[{key!r}] must map names to sessionpacks roles, such as"
            f" {{'Front desk': 'front_desk'}}, got {value!r}"
        )
    mapped: dict[str, tuple[str, ...]] = {}
    for name, roles in value.items():
        listed = (roles,) if isinstance(roles, str) else roles
        if (
            not isinstance(name, str)
            or not isinstance(listed, (list, tuple))
            or not listed
            or not all(isinstance(role, str) and role for role in listed)
        ):
            raise ImproperlyConfigured(
                f"{SETTING}[{key!r}] must map names to a role or a list of roles,"
                f" got {name!r}: {roles!r}"
            )
        mapped[name] = tuple(listed)
    return MappingProxyType(mapped)


def _roles(value: object) -> Mapping[str, frozenset[str]] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ImproperlyConfigured(
            f"{SETTING}['ROLES'] must map role names to the actions they allow, such as"
            f" {{**sessionpacks.ROLE_PRESETS, 'coach': {{'attend'}}}}, got {value!r}"
        )
    try:
        RolePolicy(value)
    except ConfigurationError as error:
        raise ImproperlyConfigured(f"{SETTING}['ROLES']: {error}") from error
    return MappingProxyType(dict(value))


def _security_headers(value: object) -> Mapping[str, str]:
    given: dict[Any, Any] = dict(value) if isinstance(value, Mapping) else {None: None}
    for name, text in given.items():
        if not isinstance(name, str) or not name.strip() or not isinstance(text, str):
            raise ImproperlyConfigured(
                f"{SETTING}['SECURITY_HEADERS'] must map header names to string values, such as"
                f" {{'X-Frame-Options': 'DENY'}}, got {value!r}"
            )
        if any(character in name + text for character in "\r\n"):
            raise ImproperlyConfigured(
                f"{SETTING}['SECURITY_HEADERS']: {name!r} holds a line break"
            )
    return MappingProxyType(given)


def _locale(value: object) -> str:
    try:
        return known_locale(value)
    except ConfigurationError as error:
        raise ImproperlyConfigured(f"{SETTING}['LOCALE']: {error}") from error


@attrs.frozen
class Config:
    """What sessionpacks reads from ``settings.SESSIONPACKS``; every key is optional.

    :param database: the alias in ``DATABASES`` whose database sessionpacks uses, through an
        engine of its own; ``manage.py migrate`` on that alias upgrades sessionpacks' tables.
    :param database_url: a SQLAlchemy URL that overrides the alias's database.
    :param plugins: dotted paths of the host's pluggy plugins (payments, email, tasks); a class
        is instantiated without arguments.
    :param timezone: the studio's IANA zone; unset, Django's ``TIME_ZONE``.
    :param roles: each sessionpacks role with the actions it allows; unset,
        :data:`sessionpacks.ROLE_PRESETS`.
    :param group_roles: Django group name to role(s), such as ``{"Front desk": "front_desk"}``.
    :param permission_roles: permission (``"app_label.codename"``) to role(s).
    :param superuser_role: the role a superuser gets; ``None`` gives none.
    :param member_attribute: the user attribute (a value or a method) holding the user's
        sessionpacks member id, for the customer portal.
    :param studio_name: the studio's name in page titles.
    :param base_template: the host's Jinja2 template the pages go inside, providing the blocks
        ``title``, ``head`` and ``body``; unset, the pages are whole documents of their own.
    :param login_url: where anonymous visitors go, with ``next=``; unset, Django's
        ``LOGIN_URL``. When both are None, anonymous visitors get a 401 page.
    :param logout_url: the host's sign-out page, linked from every page.
    :param home_url: the host site, linked from every page.
    :param security_headers: headers put on every sessionpacks response that does not carry them
        yet (:data:`sessionpacks.web.headers.DEFAULT_SECURITY_HEADERS` unless set); ``{}`` turns
        them off. A header the host's own middleware sets wins.
    :param locale: the language of the portal's and kiosk's pages: "en" (default) or "es".
    """

    database: str = attrs.field(default="default", validator=_text)
    database_url: str | None = attrs.field(default=None, converter=_database_url)
    plugins: tuple[str, ...] = attrs.field(default=(), converter=_paths)
    timezone: str | None = attrs.field(default=None, validator=_optional_text)
    roles: Mapping[str, Any] | None = attrs.field(default=None, converter=_roles)
    group_roles: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict, converter=_group_roles)
    permission_roles: Mapping[str, tuple[str, ...]] = attrs.field(
        factory=dict, converter=_permission_roles
    )
    superuser_role: str | None = attrs.field(default="owner", validator=_optional_text)
    member_attribute: str | None = attrs.field(
        default="sessionpacks_member_id", validator=_optional_text
    )
    studio_name: str = attrs.field(default="Studio", validator=_text)
    base_template: str | None = attrs.field(default=None, validator=_optional_text)
    login_url: str | None = attrs.field(default=None, validator=_link)
    logout_url: str | None = attrs.field(default=None, validator=_link)
    home_url: str = attrs.field(default="/", validator=_link)
    security_headers: Mapping[str, str] = attrs.field(
        default=DEFAULT_SECURITY_HEADERS, converter=_security_headers
    )
    locale: str = attrs.field(default="en", converter=_locale)

    @classmethod
    def from_setting(cls, value: object) -> Config:
        """Read ``settings.SESSIONPACKS``; an unknown key is an error naming the closest one."""
        if value is None:
            return cls()
        if not isinstance(value, Mapping):
            raise ImproperlyConfigured(f"{SETTING} must be a dict, got {value!r}")
        known = {field.name.upper(): field.name for field in attrs.fields(cls)}
        given: dict[str, Any] = {}
        for key, item in value.items():
            if key not in known:
                close = difflib.get_close_matches(str(key).upper(), known, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise ImproperlyConfigured(
                    f"unknown key {key!r} in {SETTING}{hint} (sessionpacks reads "
                    + ", ".join(sorted(known))
                    + ")"
                )
            given[known[key]] = item
        return cls(**given)
