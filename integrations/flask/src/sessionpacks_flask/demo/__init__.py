"""The demo gym site: a small Flask host app with sessionpacks mounted, on SQLite, seeded with a
studio's services, products, a family, a single client and some history.

    sessionpacks-demo [--port 5000] [--database sqlite:///sessionpacks-demo.db]

It is also the shape of a real host: its own home page and sign-in (Flask-Login), an identity
for each user, a policy, a payment plugin, and ``SessionPacks(app, ...)``.
"""

from __future__ import annotations

from sessionpacks_flask.demo.site import create_app, main

__all__ = ["create_app", "main"]
