"""The portal pages."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("portal", __name__)


@blueprint.route("/")
def home() -> str:
    return "portal"
