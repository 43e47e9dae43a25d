"""Who is asking: ``request.user`` turned into a sessionpacks actor.

A host plugin answering ``sessionpacks_django_identity(user)`` decides first; otherwise the user's
groups and permissions map to roles (``GROUP_ROLES``, ``PERMISSION_ROLES``, ``SUPERUSER_ROLE``),
and a user with none of them but a member id (``MEMBER_ATTRIBUTE``) is that member.
"""

from __future__ import annotations

from typing import Any

import pluggy

from sessionpacks.hookspecs import PROJECT
from sessionpacks.web.identity import Identity

hookspec = pluggy.HookspecMarker(PROJECT)


class IdentitySpec:
    @hookspec(firstresult=True)
    def sessionpacks_django_identity(self, user: Any) -> Identity | None:
        """Return who ``user`` (a signed-in ``request.user``) is to sessionpacks, or None to let
        the settings' group and permission mapping decide. The first non-None answer wins."""
