"""The check every sessionpacks view makes first: who is signed in, and may they be here."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.utils.html import escape

from sessionpacks.web import Identity
from sessionpacks_django.config import Config
from sessionpacks_django.runtime import runtime

NO_ROLE = (
    "Your account has no access to the studio's passes and credits. Ask the studio's owner to"
    " give you a role."
)
STAFF_ONLY = "This page is for the studio's staff."


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


def authenticate(request: HttpRequest, *, staff: bool = False) -> Identity | HttpResponse:
    """The request's identity, or the response to send instead: anonymous visitors go to the
    login page with ``next``; a user without a sessionpacks role (or not staff, when ``staff``)
    gets a 403 page saying so."""
    user = request.user
    if not user.is_authenticated:
        login_url = runtime().config.login_url or settings.LOGIN_URL
        return redirect_to_login(request.get_full_path(), login_url)
    found = identity_of(user)
    if found is None:
        return _forbidden(NO_ROLE)
    if staff and not found.is_staff:
        return _forbidden(STAFF_ONLY)
    return found


def identity_required(
    *, staff: bool = False
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorates a view ``view(request, identity, ...)`` with :func:`authenticate`."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            found = authenticate(request, staff=staff)
            if isinstance(found, HttpResponse):
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


def _forbidden(message: str) -> HttpResponse:
    return HttpResponseForbidden(
        f"<!doctype html><title>Not allowed</title><h1>Not allowed</h1><p>{escape(message)}</p>",
        content_type="text/html; charset=utf-8",
    )
