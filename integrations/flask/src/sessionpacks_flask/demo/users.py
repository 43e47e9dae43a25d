"""The demo's sign-ins as Flask-Login users: the front desk and the seeded members."""

from __future__ import annotations

import attrs
from flask_login import UserMixin

from sessionpacks.demo import STAFF_NAME, STAFF_ROLE, STAFF_USER_ID, member_user_id
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
    return DemoUser(
        STAFF_USER_ID, STAFF_NAME, Identity.staff("alex", STAFF_ROLE, display_name=STAFF_NAME)
    )


def member_user(member_id: int, name: str) -> DemoUser:
    return DemoUser(member_user_id(member_id), name, Identity.member(member_id, "member"))
