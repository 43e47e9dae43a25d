"""A plugin the gym registers through SESSIONPACKS["PLUGINS"] in one test."""

from __future__ import annotations

from typing import Any

from sessionpacks.hookspecs import hookimpl
from sessionpacks_django import Identity


class KioskAccounts:
    """Users named ``kiosk-...`` are check-in kiosks of the front desk."""

    @hookimpl
    def sessionpacks_django_identity(self, user: Any) -> Identity | None:
        name = user.get_username()
        if not name.startswith("kiosk-"):
            return None
        return Identity.staff(name, "front_desk", display_name="Check-in kiosk")
