"""Who is asking: ``request.user`` turned into a sessionpacks actor.

A host plugin answering ``sessionpacks_django_identity(user)`` decides first; otherwise the user's
groups and permissions map to roles (``GROUP_ROLES``, ``PERMISSION_ROLES``, ``SUPERUSER_ROLE``),
and a user with none of them but a member id (``MEMBER_ATTRIBUTE``) is that member.
"""

from __future__ import annotations

from typing import Any

import attrs
import pluggy

from sessionpacks.hookspecs import PROJECT, hookimpl
from sessionpacks.studio import Studio
from sessionpacks.values import Actor, Target

hookspec = pluggy.HookspecMarker(PROJECT)


@attrs.frozen
class Identity:
    """The person behind a request.

    :param actor: recorded on every write and handed to the authorization policy.
    :param member_id: the sessionpacks member this person is, for the customer portal.
    :param display_name: what the pages call this person: never an id.
    """

    actor: Actor
    member_id: int | None = None
    display_name: str | None = attrs.field(default=None, kw_only=True)

    @property
    def is_staff(self) -> bool:
        return self.actor.kind == "staff"

    @classmethod
    def staff(cls, user_id: str, *roles: str, display_name: str | None = None) -> Identity:
        return cls(Actor(kind="staff", id=user_id, roles=roles), display_name=display_name)

    @classmethod
    def member(cls, member_id: int, *roles: str, display_name: str | None = None) -> Identity:
        return cls(
            Actor(kind="member", id=str(member_id), roles=roles),
            member_id=member_id,
            display_name=display_name,
        )


class IdentitySpec:
    @hookspec(firstresult=True)
    def sessionpacks_django_identity(self, user: Any) -> Identity | None:
        """Return who ``user`` (a signed-in ``request.user``) is to sessionpacks, or None to let
        the settings' group and permission mapping decide. The first non-None answer wins."""


class OwnAccountOnly:
    """A member actor may act on their own account and nothing else, whatever the policy says."""

    def __init__(self, studio: Studio) -> None:
        self.studio = studio

    @hookimpl(tryfirst=True)
    def sessionpacks_authorize(self, actor: Actor, action: str, target: Target) -> bool | None:
        if actor.kind != "member":
            return None
        try:
            account_id = self.studio.member(int(actor.id)).account_id
        except (ValueError, LookupError):
            return False
        return None if target.account_id == account_id else False
