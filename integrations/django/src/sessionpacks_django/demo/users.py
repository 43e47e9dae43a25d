"""The demo's Django users: Alex at the front desk, by the group that gives the owner's role, and
one user for each seeded member, linked by ``sessionpacks_member_id``."""

from __future__ import annotations

from django.contrib.auth.models import Group

from sessionpacks import Studio
from sessionpacks.demo import STAFF_NAME, member_user_id, members_to_sign_in
from sessionpacks_django.demo.models import DemoUser
from sessionpacks_django.demo.settings import FRONT_DESK_GROUP

STAFF_USERNAME = "alex"


def add_users(studio: Studio) -> None:
    """Make the demo's users, once; their names are what the pages show."""
    users = DemoUser.objects
    if users.filter(username=STAFF_USERNAME).exists():
        return
    first, _, last = STAFF_NAME.partition(" ")
    alex = users.create_user(STAFF_USERNAME, first_name=first, last_name=last)
    alex.groups.add(Group.objects.get_or_create(name=FRONT_DESK_GROUP)[0])
    for member in members_to_sign_in(studio):
        first, _, last = member.name.partition(" ")
        users.create_user(
            member_user_id(member.id),
            first_name=first,
            last_name=last,
            sessionpacks_member_id=member.id,
        )
