"""The demo's sign-ins: one staff user and the members of the seeded families."""

from __future__ import annotations

import attrs
from flask_login import UserMixin

from sessionpacks_flask import Identity


@attrs.frozen
class DemoUser(UserMixin):  # type: ignore[misc]
    """A signed-in person; a real host keeps these in its own user table."""

    id: str
    name: str
    identity: Identity

    def sessionpacks_identity(self) -> Identity:
        # What Flask-Login hands sessionpacks: who this user is to the library.
        return self.identity


def staff_user() -> DemoUser:
    return DemoUser("staff", "Alex (front desk)", Identity.staff("alex", "owner"))


def member_user(member_id: int, name: str) -> DemoUser:
    return DemoUser(f"member-{member_id}", name, Identity.member(member_id, "member"))
