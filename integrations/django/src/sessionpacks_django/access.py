"""The check every sessionpacks view makes first: who is signed in, and may they be here."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponseBase

from sessionpacks.web import Identity
from sessionpacks_django.config import Config
from sessionpacks_django.runtime import runtime


def identity_of(user: Any) -> Identity | None:
    """Who a signed-in Django user is to sessionpacks, or None when they have no role."""
    here = runtime()
    answered = here.studio.hooks.hook.sessionpacks_django_identity(user=user)
    if answered is not None:
        if not isinstance(answered, Identity):
            raise TypeError(
                "sessionpacks_django_identity must return a sessionpacks_django.Identity or None,"
                f" got {answered!r}"
            )
        return answered
    name = _display_name(user)
    roles = _roles(user, here.config)
    if roles:
        return Identity.staff(str(user.pk), *roles, display_name=name)
    member_id = _member_id(user, here.config)
    if member_id is not None:
        return Identity.member(member_id, "member", display_name=name)
    return None


def authenticate(request: HttpRequest, *, staff: bool = False) -> Identity | HttpResponseBase:
    """The request's identity, or the response to send instead, as sessionpacks' own pages
    answer: anonymous visitors go to the login page with ``next``; a user without a
    sessionpacks role (or not staff, when ``staff``) gets the 403 page saying so."""
    from sessionpacks.web.guards import require_identity, require_staff
    from sessionpacks_django.views import guarded

    return guarded(request, require_staff if staff else require_identity)


def identity_required(
    *, staff: bool = False
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Decorates a view ``view(request, identity, ...)`` with :func:`authenticate`."""

    def decorate(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            found = authenticate(request, staff=staff)
            if isinstance(found, HttpResponseBase):
                return found
            return view(request, found, *args, **kwargs)

        return wrapped

    return decorate


def _display_name(user: Any) -> str | None:
    full = user.get_full_name() if hasattr(user, "get_full_name") else ""
    name = (full or "").strip() or str(user.get_username()).strip()
    return name or None


def _roles(user: Any, config: Config) -> tuple[str, ...]:
    roles: list[str] = []
    if config.superuser_role and getattr(user, "is_superuser", False):
        roles.append(config.superuser_role)
    if config.group_roles and hasattr(user, "groups"):
        for group in user.groups.values_list("name", flat=True):
            roles.extend(config.group_roles.get(group, ()))
    for permission, granted in config.permission_roles.items():
        if user.has_perm(permission):
            roles.extend(granted)
    return tuple(dict.fromkeys(roles))


def _member_id(user: Any, config: Config) -> int | None:
    if not config.member_attribute:
        return None
    found = getattr(user, config.member_attribute, None)
    if callable(found):
        found = found()
    return found if isinstance(found, int) and not isinstance(found, bool) else None
