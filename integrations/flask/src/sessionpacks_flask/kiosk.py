"""The kiosk pages."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("kiosk", __name__)


@blueprint.route("/")
def home() -> str:
    return "kiosk"
