"""The office: the pages staff use to find clients, sell and grant packs, redeem, and set up
the studio's products. Every page needs a staff identity; every write goes to the core with the
signed-in actor and the ``office`` channel, and the core asks the authorization hook."""

from __future__ import annotations

from sessionpacks.web.guards import require_staff
from sessionpacks.web.routes import Routes

# Every office page, read or write: nobody signed in is sent to sign in, a member gets 403.
routes = Routes("/office", "office.", guard=require_staff)

# Imported for their routes, which register on the routes above.
from sessionpacks.web.office import (  # noqa: E402
    bulk,
    clients,
    confirm,
    packs,
    redeeming,
    reports,
    schedule,
    setup,
    tasks,
)

__all__ = [
    "bulk",
    "clients",
    "confirm",
    "packs",
    "redeeming",
    "reports",
    "schedule",
    "setup",
    "tasks",
]
