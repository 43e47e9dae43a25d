"""What the office views share: the staff guard, the actor, field readers the core's forms need,
and the helpers the templates use to show times and amounts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from flask import flash, redirect, request, url_for
from werkzeug.wrappers.response import Response

from sessionpacks.enums import Channel, Metric
from sessionpacks.units import format_money
from sessionpacks.values import Actor
from sessionpacks_flask import forms
from sessionpacks_flask.context import require_staff, zone
from sessionpacks_flask.problems import BadRequest

CHANNEL = Channel.OFFICE


def actor() -> Actor:
    """The signed-in staff member, as the core records them."""
    return require_staff().actor


def keyed(data: Any) -> dict[str, Any]:
    """Who submits and the form's key: the call asks the policy and applies once."""
    return {"actor": actor(), "idempotency_key": forms.key(data), "channel": CHANNEL}


def form() -> Any:
    return request.form


def done(message: str, endpoint: str, **values: Any) -> Response:
    """POST, redirect, GET: the next page shows what happened."""
    flash(message, "success")
    return redirect(url_for(endpoint, **values))


def to_client(account_id: int, message: str) -> Response:
    return done(message, "sessionpacks.office.client", account_id=account_id)


def optional_id(name: str) -> int | None:
    """An id from a select whose first option is "none"."""
    return forms.integer(form(), name, required=False)


def ids(name: str) -> tuple[int, ...]:
    """Every id ticked in a group of checkboxes named ``name``."""
    found = []
    for value in request.form.getlist(name):
        try:
            found.append(int(value))
        except ValueError:
            raise BadRequest(f"the field {name!r} must hold ids, got {value!r}") from None
    return tuple(found)


def words(name: str) -> tuple[str, ...]:
    """A comma-separated list (categories), blanks dropped."""
    value = forms.text(form(), name, required=False) or ""
    return tuple(part.strip() for part in value.split(",") if part.strip())


def flag(name: str) -> bool:
    """A checkbox: present means ticked."""
    return name in request.form


def moment(name: str, *, required: bool = False) -> dt.datetime | None:
    """A ``datetime-local`` field, read in the studio's zone."""
    return forms.moment(form(), name, zone(), required=required)


def choice(name: str, allowed: Sequence[str], default: str) -> str:
    value = forms.text(form(), name, required=False) or default
    if value not in allowed:
        raise BadRequest(f"the field {name!r} must be one of {', '.join(allowed)}, got {value!r}")
    return value


# -- for the templates ---------------------------------------------------------------------------


def when(value: dt.datetime | None, *, with_time: bool = True) -> str:
    """A moment in the studio's zone, or an em dash."""
    if value is None:
        return "—"
    local = value.astimezone(zone())
    return local.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


def time_of_day(value: dt.datetime) -> str:
    """The hour and minute of a moment in the studio's zone: "18:30"."""
    return value.astimezone(zone()).strftime("%H:%M")


def local_input(value: dt.datetime | None) -> str:
    """A moment as a ``datetime-local`` field's value, in the studio's zone."""
    return "" if value is None else value.astimezone(zone()).strftime("%Y-%m-%dT%H:%M")


def money(minor: int | None, currency: str | None) -> str:
    """Integer minor units as an amount: 2500 EUR is "25.00 EUR"."""
    if minor is None:
        return "—"
    return format_money(minor, currency or "").strip()


def units(quantity: int, metric: Metric | str, currency: str | None = None) -> str:
    """A quantity in its metric: "10 sessions", "90 minutes", "25.00 EUR"."""
    kind = Metric(metric)
    if kind is Metric.MONEY:
        return money(quantity, currency)
    return f"{quantity} {kind.value}"


def template_helpers() -> dict[str, Any]:
    return {
        "when": when,
        "money": money,
        "units": units,
        "local_input": local_input,
        "time_of_day": time_of_day,
    }
