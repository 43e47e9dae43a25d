"""The web layer both integrations share, whatever the framework: who is asking and the rules
of access that go with it, the office, portal, kiosk and JSON API as routes and handlers
(:mod:`sessionpacks.web.site`), their templates and static files. It imports no framework."""

from __future__ import annotations

from sessionpacks.web.config import WebConfig
from sessionpacks.web.identity import Identity, OwnAccountOnly

__all__ = ["Identity", "OwnAccountOnly", "WebConfig"]
