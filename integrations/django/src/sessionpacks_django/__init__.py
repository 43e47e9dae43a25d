"""sessionpacks for Django.

For now this holds only the app a project adds to ``INSTALLED_APPS``; the office pages, the
customer portal, the check-in kiosk and the JSON API will come with it. They parse a request, call
one method of the core's :class:`~sessionpacks.Studio`, and render: no business rule lives here.
"""

from __future__ import annotations

from sessionpacks_django.apps import SessionPacksConfig

__all__ = ["SessionPacksConfig"]
