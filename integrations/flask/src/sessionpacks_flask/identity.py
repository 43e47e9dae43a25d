"""Who is asking: the host's signed-in user, turned into a sessionpacks actor through a hook.

The host answers ``sessionpacks_flask_identity`` (a pluggy hook on the studio's plugin manager,
beside the core's hooks), or decorates a function with
:meth:`~sessionpacks_flask.SessionPacks.identity_loader`. Without either, a Flask-Login user that
has a ``sessionpacks_identity`` attribute (a value or a method) is used.
"""

from __future__ import annotations

from typing import Any

import pluggy

from sessionpacks.hookspecs import PROJECT, hookimpl
from sessionpacks.web.identity import Identity

hookspec = pluggy.HookspecMarker(PROJECT)


class IdentitySpec:
    @hookspec(firstresult=True)
    def sessionpacks_flask_identity(self) -> Identity | None:
        """Return who makes the current request, or None for nobody signed in.

        Called inside the request; read the host's session or login library. The first
        non-None answer wins.
        """


class FlaskLoginIdentity:
    """The default answer: Flask-Login's ``current_user.sessionpacks_identity``, when present."""

    @hookimpl(trylast=True)
    def sessionpacks_flask_identity(self) -> Identity | None:
        try:
            from flask_login import current_user
        except ImportError:
            return None
        if not getattr(current_user, "is_authenticated", False):
            return None
        found: Any = getattr(current_user, "sessionpacks_identity", None)
        if callable(found):
            found = found()
        return found if isinstance(found, Identity) else None


class IdentityFunction:
    """Wraps the function given to ``identity_loader`` as a plugin."""

    def __init__(self, function: Any) -> None:
        self.function = function

    @hookimpl
    def sessionpacks_flask_identity(self) -> Identity | None:
        found = self.function()
        return found if found is None else _checked(found)


def _checked(found: object) -> Identity:
    if not isinstance(found, Identity):
        raise TypeError(
            f"an identity loader must return a sessionpacks_flask.Identity or None, got {found!r}"
        )
    return found
