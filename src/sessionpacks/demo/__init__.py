"""The demo gym studio that both integrations' demo sites serve: its data (:func:`seed`), a
payment plugin that approves every charge, who may sign in, and the demo's home page.

Framework-neutral: the Flask demo (``sessionpacks-demo``) and the Django demo
(``sessionpacks-django-demo``) each add only their own sign-in and mounting.
"""

from __future__ import annotations

from sessionpacks.demo.payments import DemoPayments
from sessionpacks.demo.people import (
    ROLES,
    STAFF_NAME,
    STAFF_ROLE,
    STAFF_USER_ID,
    STUDIO_NAME,
    TEMPLATES,
    home_context,
    member_user_id,
    members_to_sign_in,
    parse_user_id,
)
from sessionpacks.demo.seed import is_seeded, seed

__all__ = [
    "ROLES",
    "STAFF_NAME",
    "STAFF_ROLE",
    "STAFF_USER_ID",
    "STUDIO_NAME",
    "TEMPLATES",
    "DemoPayments",
    "home_context",
    "is_seeded",
    "member_user_id",
    "members_to_sign_in",
    "parse_user_id",
    "seed",
]
