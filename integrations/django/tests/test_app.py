from __future__ import annotations

import django
from django.apps import apps
from django.conf import settings

from sessionpacks_django import SessionPacksConfig


def test_django_sets_up_with_the_app_installed() -> None:
    settings.configure(
        INSTALLED_APPS=["sessionpacks_django"],
        DATABASES={},
    )
    django.setup()
    config = apps.get_app_config("sessionpacks_django")
    assert isinstance(config, SessionPacksConfig)
    assert config.name == "sessionpacks_django"
    assert config.verbose_name == "Session packs"
