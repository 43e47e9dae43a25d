"""The Django app: add ``"sessionpacks_django"`` to ``INSTALLED_APPS``."""

from __future__ import annotations

from django.apps import AppConfig


class SessionPacksConfig(AppConfig):
    """sessionpacks as a Django app.

    The label stays ``sessionpacks_django``: a label of ``sessionpacks`` would give any Django model
    added here a table name in the ``sessionpacks_`` prefix that the core's own tables use.
    """

    name = "sessionpacks_django"
    verbose_name = "Session packs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # A typo in settings.SESSIONPACKS fails at start-up, not at the first sale.
        from django.db.models.signals import post_migrate

        from sessionpacks_django.runtime import config
        from sessionpacks_django.schema import upgrade_after_migrate

        config()
        post_migrate.connect(upgrade_after_migrate, sender=self)
