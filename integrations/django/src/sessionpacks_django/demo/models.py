"""The demo's users: Django's own, with the member id sessionpacks reads for the portal."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class DemoUser(AbstractUser):
    # SESSIONPACKS["MEMBER_ATTRIBUTE"]'s default name: a member signs in to the portal as this.
    sessionpacks_member_id: models.IntegerField[int | None, int | None] = models.IntegerField(
        null=True, blank=True
    )
