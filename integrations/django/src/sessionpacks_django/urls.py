"""The office, portal, kiosk and JSON API, mounted by the host's URLconf:
``path("studio/", include("sessionpacks_django.urls"))``."""

from __future__ import annotations

from sessionpacks_django.views import urlpatterns as _patterns

app_name = "sessionpacks"

urlpatterns = _patterns()
