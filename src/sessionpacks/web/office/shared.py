"""What the office handlers share: the actor, and field readers the core's forms need."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sessionpacks.enums import Channel
from sessionpacks.errors import NotFound
from sessionpacks.values import Actor, PassBalance
from sessionpacks.web import forms
from sessionpacks.web.guards import require_staff
from sessionpacks.web.http import Redirect, Request
from sessionpacks.web.i18n import gettext
from sessionpacks.web.problems import BadRequest

CHANNEL = Channel.OFFICE


def actor(request: Request) -> Actor:
    """The signed-in staff member, as the core records them."""
    return require_staff(request).actor


def keyed(request: Request) -> dict[str, Any]:
    """Who submits and the form's key: the call asks the policy and applies once."""
    return {"actor": actor(request), "idempotency_key": forms.key(request.form), "channel": CHANNEL}


def to_client(request: Request, account_id: int, message: str) -> Redirect:
    return request.done(message, "office.client", account_id=account_id)


def optional_id(request: Request, name: str) -> int | None:
    """An id from a select whose first option is "none"."""
    return forms.integer(request.form, name, required=False)


def ids(request: Request, name: str) -> tuple[int, ...]:
    """Every id ticked in a group of checkboxes named ``name``."""
    found = []
    for value in request.form.getlist(name):
        try:
            found.append(int(value))
        except ValueError:
            raise BadRequest(
                f"the field {name!r} must hold ids, got {value!r}",
                field=name,
                said=gettext("Choose from the list"),
            ) from None
    return tuple(found)


def words(request: Request, name: str) -> tuple[str, ...]:
    """A comma-separated list (categories), blanks dropped."""
    value = forms.text(request.form, name, required=False) or ""
    return tuple(part.strip() for part in value.split(",") if part.strip())


def flag(request: Request, name: str) -> bool:
    """A checkbox: present means ticked."""
    return name in request.form


def moment(request: Request, name: str, *, required: bool = False) -> dt.datetime | None:
    """A ``datetime-local`` field, read in the studio's zone."""
    return forms.moment(request.form, name, request.zone, required=required)


def choice(request: Request, name: str, allowed: Sequence[str], default: str) -> str:
    value = forms.text(request.form, name, required=False) or default
    if value not in allowed:
        raise BadRequest(
            f"the field {name!r} must be one of {', '.join(allowed)}, got {value!r}",
            field=name,
            said=gettext("Choose one of %(allowed)s", allowed=", ".join(allowed)),
        )
    return value


def pass_name(request: Request, pass_id: int) -> str:
    """What staff call a pass: its label, never its id."""
    return request.studio.pass_balance(pass_id).label or gettext("The pass")


def held_on(request: Request, account_id: int, pass_id: int) -> PassBalance:
    """A pass of this account; another account's is not found here."""
    held = request.studio.pass_balance(pass_id)
    if held.account_id != account_id:
        raise NotFound("pass", pass_id)  # the page says so in words, without the id
    return held
