"""Who makes a web request, as the office, the portal, the kiosk and the API of every
integration see it, and the rule that a member acts on their own account only.

Framework-neutral: the Flask and Django integrations turn their framework's signed-in user into
an :class:`Identity`, and register :class:`OwnAccountOnly` on their studio.
"""

from __future__ import annotations

import attrs

from sessionpacks.errors import NotFound
from sessionpacks.hookspecs import hookimpl
from sessionpacks.studio import Studio
from sessionpacks.values import Actor, Target
from sessionpacks.web.i18n import gettext


@attrs.frozen
class Identity:
    """The person behind a request.

    :param actor: recorded on every write and handed to the authorization hook. Staff are
        ``Actor(kind="staff", ...)``; the office and the kiosk are for them.
    :param member_id: the sessionpacks member this person is, for the customer portal; a member
        actor acts on their own account only.
    :param display_name: what the pages call this person, such as the host user's name. Unset,
        a member is shown by their member name and staff as "Staff": never by an id.
    :param has_access: False for someone signed in to the host site who is neither staff nor a
        member here (see :meth:`no_access`): they get a 403 page rather than the sign-in page.
    """

    actor: Actor
    member_id: int | None = None
    display_name: str | None = attrs.field(default=None, kw_only=True)
    has_access: bool = attrs.field(default=True, kw_only=True)

    @property
    def is_staff(self) -> bool:
        return self.actor.kind == "staff"

    @classmethod
    def staff(cls, user_id: str, *roles: str, display_name: str | None = None) -> Identity:
        return cls(Actor(kind="staff", id=user_id, roles=roles), display_name=display_name)

    @classmethod
    def member(cls, member_id: int, *roles: str, display_name: str | None = None) -> Identity:
        """A member using the portal; ``roles`` are what the host's policy allows members."""
        return cls(
            Actor(kind="member", id=str(member_id), roles=roles),
            member_id=member_id,
            display_name=display_name,
        )

    @classmethod
    def no_access(cls, display_name: str | None = None) -> Identity:
        """Someone signed in to the host site with no access to sessionpacks' pages: a loader
        returns it (rather than None, which means nobody is signed in) so the person is told
        so with a 403 page instead of being sent to sign in again."""
        return cls(Actor(kind="visitor", id=""), display_name=display_name, has_access=False)

    @classmethod
    def of_user(
        cls, studio: Studio, user_key: object, *roles: str, display_name: str | None = None
    ) -> Identity:
        """The portal identity of the host's user ``user_key``: the member linked to that user
        (:meth:`~sessionpacks.Studio.link_user`), or, when none is, :meth:`no_access`."""
        try:
            member = studio.member_for_user(str(user_key))
        except NotFound:
            return cls.no_access(display_name)
        return cls.member(member.id, *roles, display_name=display_name)

    def shown_name(self, studio: Studio) -> str:
        """What the pages call this person: the display name, else the member's name."""
        if self.display_name and self.display_name.strip():
            return self.display_name.strip()
        if self.member_id is not None:
            try:
                return studio.member(self.member_id).name
            except LookupError:
                pass
        return gettext("Staff") if self.is_staff else gettext("Member")


class OwnAccountOnly:
    """A member actor may act on their own account and nothing else, whatever the host's policy
    says; for everyone else it has no opinion and the host's policy decides."""

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
