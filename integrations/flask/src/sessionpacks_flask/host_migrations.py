"""A Flask-Migrate host's ``flask db migrate`` leaves sessionpacks' tables alone.

Flask-Migrate hands its ``configure_args`` to Alembic's ``context.configure`` in the host's
``env.py``; through Flask-Migrate's public ``configure`` callback, sessionpacks adds its
``include_name`` and ``include_object`` filters there, beside any the host set itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app

from sessionpacks.migrate import include_name, include_object

Filter = Callable[..., bool]


def leave_sessionpacks_tables_alone(migrate_state: Any) -> None:
    """Register the filters with the Flask-Migrate state in ``app.extensions["migrate"]``."""
    migrate_state.migrate.configure(_add_filters)


def _add_filters(config: Any) -> Any:
    args: dict[str, Any] = current_app.extensions["migrate"].configure_args
    for key, ours in (("include_name", include_name), ("include_object", include_object)):
        hosts = args.get(key)
        if hosts is None or getattr(hosts, "includes_sessionpacks_filter", False):
            args[key] = hosts or ours
            continue
        args[key] = _both(hosts, ours)
    return config


def _both(hosts: Filter, ours: Filter) -> Filter:
    def include(*args: Any) -> bool:
        return ours(*args) and hosts(*args)

    include.includes_sessionpacks_filter = True  # type: ignore[attr-defined]
    return include
