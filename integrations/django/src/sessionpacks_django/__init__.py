"""sessionpacks for Django.

The app a project adds to ``INSTALLED_APPS``: the office, portal, kiosk and JSON API mounted with
``include("sessionpacks_django.urls")``, settings from one ``SESSIONPACKS`` dict, the studio on
the project's database (:func:`studio`), ``manage.py migrate`` and ``manage.py sessionpacks``,
and who is asking (:func:`authenticate`, :func:`identity_required`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sessionpacks.web import Identity
from sessionpacks_django.apps import SessionPacksConfig
from sessionpacks_django.config import Config

if TYPE_CHECKING:
    from sessionpacks_django.access import authenticate, identity_of, identity_required
    from sessionpacks_django.runtime import reset, studio

__all__ = [
    "Config",
    "Identity",
    "SessionPacksConfig",
    "authenticate",
    "identity_of",
    "identity_required",
    "reset",
    "studio",
]


def __getattr__(name: str) -> object:
    # These read Django's settings and models, so they load after the app registry is ready.
    if name in ("studio", "reset"):
        from sessionpacks_django import runtime

        return getattr(runtime, name)
    if name in ("authenticate", "identity_of", "identity_required"):
        from sessionpacks_django import access

        return getattr(access, name)
    raise AttributeError(name)
