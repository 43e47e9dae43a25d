"""What the web integrations share, whatever the framework: who is asking, and the rules of
access that go with it."""

from __future__ import annotations

from sessionpacks.web.identity import Identity, OwnAccountOnly

__all__ = ["Identity", "OwnAccountOnly"]
