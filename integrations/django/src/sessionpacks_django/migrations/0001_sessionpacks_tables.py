"""sessionpacks' tables, made by the core's own Alembic lineage on its own connection."""

from __future__ import annotations

from django.db import migrations

from sessionpacks_django import schema


class Migration(migrations.Migration):
    # The work happens on sessionpacks' connection, never inside Django's transaction.
    atomic = False
    initial = True
    operations = [migrations.RunPython(schema.upgrade, schema.downgrade, elidable=False)]  # noqa: RUF012
