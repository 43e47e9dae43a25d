"""The options that describe a pass being given, shared by ``grant`` and ``bulk-grant run``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

import click

from sessionpacks.cli.moments import moment_option
from sessionpacks.enums import Metric
from sessionpacks.values import PassTerms

F = TypeVar("F", bound=Callable[..., Any])

_OPTIONS = (
    click.option(
        "--metric",
        type=click.Choice([m.value for m in Metric]),
        default=Metric.SESSIONS.value,
        show_default=True,
        help="What QUANTITY counts: sessions, minutes, or minor units (cents) of --currency.",
    ),
    click.option("--currency", help="The ISO 4217 code of a money pass, such as EUR."),
    click.option(
        "--service",
        "service_ids",
        type=int,
        multiple=True,
        help="A service id the pass is valid for; repeat for several. Without --service or"
        " --category the pass is valid for every service.",
    ),
    click.option(
        "--category", "categories", multiple=True, help="A service category the pass is valid for."
    ),
    click.option("--label", default="", help="A name for the pass, such as '10-class pack'."),
    moment_option("--starts", "start", "When the pass starts; a date alone means 00:00 that day."),
    moment_option(
        "--expires",
        "through",
        "When the pass expires; a date alone means it is valid through that whole day.",
    ),
)


def pass_terms_options(command: F) -> F:
    """Add the options that :func:`terms_from` reads."""
    for option in reversed(_OPTIONS):
        command = option(command)
    return command


def terms_from(
    quantity: int,
    metric: str,
    currency: str | None,
    service_ids: tuple[int, ...],
    categories: tuple[str, ...],
    label: str,
    starts: dt.datetime | None,
    expires: dt.datetime | None,
    *,
    paid: int = 0,
    paid_currency: str | None = None,
) -> PassTerms:
    currency = currency.upper() if currency else None
    paid_currency = paid_currency.upper() if paid_currency else (currency if paid else None)
    return PassTerms(
        quantity=quantity,
        metric=Metric(metric),
        currency=currency,
        label=label,
        services=service_ids,
        categories=categories,
        starts_at=starts,
        expires_at=expires,
        cost_basis_minor=paid,
        cost_currency=paid_currency,
    )
