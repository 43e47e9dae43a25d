"""The office pages."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("office", __name__)


@blueprint.route("/")
def clients() -> str:
    return "office"
