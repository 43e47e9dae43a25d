"""Who may sign in to a demo site, what each may do, and the home page that offers the choice.

The sign-in form posts one user id: :data:`STAFF_USER_ID` for the front desk, or
``member-<id>`` (:func:`member_user_id`) for a seeded member. Each demo site turns that id into
its own framework's signed-in user.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import resources
from typing import Any

from sessionpacks.directory import MemberInfo
from sessionpacks.policies import ACTIONS
from sessionpacks.studio import Studio

STUDIO_NAME = "Riverside Yoga & Fitness"
STAFF_USER_ID = "staff"
STAFF_NAME = "Alex (front desk)"
STAFF_ROLE = "owner"
# The studio's policy: the owner does everything; members enroll in classes and cancel them.
ROLES: Mapping[str, frozenset[str]] = {
    STAFF_ROLE: frozenset(ACTIONS),
    "member": frozenset({"enroll", "book", "cancel"}),
}
# The accounts whose members the home page offers to sign in as, in the order shown.
SIGN_IN_ACCOUNTS = ("family-garcia", "client-lee")
# The home page (``demo/home.html``), rendered by each demo site with its own Jinja2.
TEMPLATES = resources.files("sessionpacks.demo") / "templates"


def members_to_sign_in(studio: Studio) -> list[MemberInfo]:
    """The seeded members, family first, each a user of the demo site."""
    return [
        member
        for ref in SIGN_IN_ACCOUNTS
        for member in studio.members(studio.account_by_ref(ref).id)
    ]


def member_user_id(member_id: int) -> str:
    return f"member-{member_id}"


def parse_user_id(user_id: str) -> int | str | None:
    """The member id in ``member-<id>``, :data:`STAFF_USER_ID` itself, or None for anything
    else (whether that member exists is the site's to check)."""
    if user_id == STAFF_USER_ID:
        return STAFF_USER_ID
    number = user_id.removeprefix("member-")
    if number == user_id or not number.isdigit():
        return None
    return int(number)


def home_context(
    studio: Studio,
    *,
    user_name: str | None,
    links: Mapping[str, str],
    csrf_field: Callable[[], object],
) -> dict[str, Any]:
    """What ``demo/home.html`` reads; ``links`` and ``csrf_field`` are the site's own."""
    return {
        "studio_name": STUDIO_NAME,
        "user_name": user_name,
        "members": members_to_sign_in(studio),
        "staff_user_id": STAFF_USER_ID,
        "staff_name": STAFF_NAME,
        "member_user_id": member_user_id,
        "links": links,
        "csrf_field": csrf_field,
    }
