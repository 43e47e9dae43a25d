"""The demo gym site for Django: a small Django project with sessionpacks mounted, on SQLite,
seeded with the studio that the Flask demo shows too (:mod:`sessionpacks.demo`).

    sessionpacks-django-demo [--port 8000] [--database sqlite:///sessionpacks-django-demo.db]

It is also the shape of a real Django host: the two mounting lines (``INSTALLED_APPS`` and
``include("sessionpacks_django.urls")``), Django's own users and sign-in, the front desk's role
given by a group, a member linked by the ``sessionpacks_member_id`` attribute of the user model.
"""

from __future__ import annotations

from sessionpacks_django.demo.site import main

__all__ = ["main"]
