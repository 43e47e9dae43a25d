from __future__ import annotations

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "sessionpacks_django.demo"
    # Its own label: "demo" alone could be any project's app.
    label = "sessionpacks_demo"
    verbose_name = "sessionpacks demo gym"
    default_auto_field = "django.db.models.BigAutoField"
