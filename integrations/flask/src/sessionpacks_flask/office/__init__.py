"""The office: the pages staff use to find clients, sell and grant packs, redeem, and set up
the studio's products. Every page needs a staff identity; every write goes to the core with the
signed-in actor and the ``office`` channel, and the core asks the authorization hook."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from sessionpacks_flask.context import require_staff
from sessionpacks_flask.office.shared import template_helpers

blueprint = Blueprint("office", __name__)


@blueprint.before_request
def _staff_only() -> None:
    # Every office page, read or write: nobody signed in gets 401, a member 403.
    require_staff()


@blueprint.context_processor
def _helpers() -> dict[str, Any]:
    return template_helpers()


# Imported for their routes, which register on the blueprint above.
from sessionpacks_flask.office import (  # noqa: E402
    bulk,
    clients,
    packs,
    redeeming,
    reports,
    schedule,
    setup,
    tasks,
)

__all__ = [
    "blueprint",
    "bulk",
    "clients",
    "packs",
    "redeeming",
    "reports",
    "schedule",
    "setup",
    "tasks",
]
