"""Who may use a page: anyone signed in with access, staff, or a member."""

from __future__ import annotations

import contextlib

from sessionpacks.errors import InvalidInput
from sessionpacks.web.http import Request, SignInRequired, forbidden
from sessionpacks.web.i18n import gettext
from sessionpacks.web.identity import Identity


def require_identity(request: Request) -> Identity:
    """The signed-in person; nobody signed in is sent to the host's sign-in page."""
    found = request.identity
    if (found is None and request.host_signed_in()) or (found is not None and not found.has_access):
        raise forbidden(
            gettext("You are signed in, but your account has no access to the studio's pages.")
        )
    if found is None:
        raise SignInRequired()
    if request.method not in ("GET", "HEAD"):
        remember_name(request, found)
    return found


def remember_name(request: Request, found: Identity) -> None:
    """Staff about to act: keep their display name, so histories name them as the host does."""
    if found.is_staff and found.display_name:
        # A name no column can keep is simply not kept: histories then say "Staff".
        with contextlib.suppress(InvalidInput):
            request.studio.remember_actor_name(found.actor, found.display_name)


def require_staff(request: Request) -> Identity:
    """The signed-in staff user; anyone else gets 403, nobody signed in the sign-in page."""
    found = require_identity(request)
    if not found.is_staff:
        raise forbidden(
            gettext("These pages are for the studio's staff; your account is not one of them.")
        )
    return found


def require_member(request: Request) -> tuple[Identity, int]:
    """The signed-in member and their member id, for the portal."""
    found = require_identity(request)
    if found.member_id is None:
        raise forbidden(
            gettext("These pages are for the studio's members; your account is not linked to one.")
        )
    return found, found.member_id
