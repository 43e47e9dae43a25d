from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractUser
from django.db import models


class Athlete(AbstractUser):
    """The gym's own user model; a member signing in to the portal has a sessionpacks member."""

    sessionpacks_member_id: models.IntegerField[int | None, int | None] = models.IntegerField(
        null=True, blank=True
    )

    class Meta:
        permissions = [("run_studio", "Runs the studio")]  # noqa: RUF012


class Visit(models.Model):
    """The gym's own record of a check-in, written beside sessionpacks' redemption."""

    athlete: models.ForeignKey[Athlete, Athlete] = models.ForeignKey(
        Athlete, on_delete=models.CASCADE
    )
    redemption_id: models.IntegerField[int, int] = models.IntegerField()
    at: models.DateTimeField[dt.datetime, dt.datetime] = models.DateTimeField(auto_now_add=True)
