"""The JSON API."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("api", __name__)
# The name requests under it carry, once nested beneath the root blueprint.
blueprint_name = "sessionpacks.api"
