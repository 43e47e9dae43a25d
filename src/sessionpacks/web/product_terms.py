"""A product's terms as its summary needs them, read from a saved template or from the set-up
form as it is being filled in.

Reading the form is lenient on purpose: the summary follows a person typing, so a field that
cannot be read yet (an empty quantity, "12." half typed) is left out, never an error. Creating the
template reads the same fields strictly.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import TypeVar

import attrs

from sessionpacks.enums import Metric, Scope, StartRule, TemplateKind
from sessionpacks.templates import TemplateInfo
from sessionpacks.web import forms
from sessionpacks.web.http import Fields
from sessionpacks.web.problems import BadRequest

E = TypeVar("E", Metric, StartRule, Scope)

_CURRENCY = re.compile(r"^[A-Z]{3}$")


@attrs.frozen
class ProductTerms:
    """What a product is, pays and lasts; dates are days in the studio's zone."""

    kind: TemplateKind
    metric: Metric = Metric.SESSIONS
    quantity: int | None = None
    price_minor: int | None = None
    currency: str | None = None
    first_rate_minor: int | None = None
    subsequent_rate_minor: int | None = None
    validity_days: int | None = None
    validity_months: int | None = None
    valid_until: dt.date | None = None
    start_rule: StartRule = StartRule.ON_PURCHASE
    start_date: dt.date | None = None
    # The names of the services and categories it pays for; none: every service.
    pays_for: tuple[str, ...] = ()
    scope: Scope = Scope.ACCOUNT
    member_cap: int | None = None
    refundable: bool = True
    period_days: int | None = None
    period_months: int | None = None
    rollover: bool = False
    rollover_cap: int | None = None
    auto_renew: bool = False

    @classmethod
    def from_template(
        cls, template: TemplateInfo, service_names: Mapping[int, str], zone: dt.tzinfo
    ) -> ProductTerms:
        return cls(
            kind=template.kind,
            metric=template.metric,
            quantity=template.quantity,
            price_minor=template.price_minor,
            currency=template.currency,
            first_rate_minor=template.first_rate_minor,
            subsequent_rate_minor=template.subsequent_rate_minor,
            validity_days=template.validity_days,
            validity_months=template.validity_months,
            valid_until=_day(template.valid_until, zone),
            start_rule=template.start_rule,
            start_date=_day(template.start_date, zone),
            pays_for=_pays_for(template.services, template.categories, service_names),
            scope=template.scope,
            member_cap=template.member_cap,
            refundable=template.refundable,
            period_days=template.period_days,
            period_months=template.period_months,
            rollover=template.rollover,
            rollover_cap=template.rollover_cap,
            auto_renew=template.auto_renew,
        )

    @classmethod
    def from_fields(
        cls, kind: TemplateKind, fields: Fields, service_names: Mapping[int, str]
    ) -> ProductTerms:
        """The terms typed so far in the set-up form (or a query string with its names)."""
        currency = (_text(fields, "currency") or "").upper() or None
        if currency is not None and not _CURRENCY.match(currency):
            currency = None
        services = tuple(
            int(value) for value in fields.getlist("services") if str(value).strip().isdigit()
        )
        categories = tuple(
            part.strip() for part in (_text(fields, "categories") or "").split(",") if part.strip()
        )
        metric = _choice(Metric, fields, "metric", Metric.SESSIONS)
        # Money credit is typed as an amount ("150.00"), like a price.
        money_credit = metric is Metric.MONEY
        return cls(
            kind=kind,
            metric=metric,
            quantity=_money(fields, "quantity", currency)
            if money_credit
            else _whole(fields, "quantity"),
            price_minor=_money(fields, "price", currency),
            currency=currency,
            first_rate_minor=_money(fields, "first_rate", currency),
            subsequent_rate_minor=_money(fields, "subsequent_rate", currency),
            validity_days=_whole(fields, "validity_days"),
            validity_months=_whole(fields, "validity_months"),
            valid_until=_date(fields, "valid_until"),
            start_rule=_choice(StartRule, fields, "start_rule", StartRule.ON_PURCHASE),
            start_date=_date(fields, "start_date"),
            pays_for=_pays_for(services, categories, service_names),
            scope=_choice(Scope, fields, "scope", Scope.ACCOUNT),
            member_cap=_whole(fields, "member_cap"),
            # A checkbox is sent only when ticked.
            refundable="refundable" in fields,
            period_days=_whole(fields, "period_days"),
            period_months=_whole(fields, "period_months"),
            rollover="rollover" in fields,
            rollover_cap=_whole(fields, "rollover_cap", least=0),
            auto_renew="auto_renew" in fields,
        )


def _pays_for(
    services: tuple[int, ...], categories: tuple[str, ...], service_names: Mapping[int, str]
) -> tuple[str, ...]:
    return tuple(service_names[s] for s in services if s in service_names) + categories


def _day(moment: dt.datetime | None, zone: dt.tzinfo) -> dt.date | None:
    return None if moment is None else moment.astimezone(zone).date()


def _text(fields: Fields, name: str) -> str | None:
    value = fields.get(name)
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()


def _whole(fields: Fields, name: str, *, least: int = 1) -> int | None:
    value = _text(fields, name)
    if value is None or not value.isdigit() or len(value) > 9:
        return None
    found = int(value)
    return found if found >= least else None


def _money(fields: Fields, name: str, currency: str | None) -> int | None:
    if currency is None:
        return None
    try:
        return forms.money(fields, name, currency)
    except BadRequest:
        return None


def _date(fields: Fields, name: str) -> dt.date | None:
    """The day of a ``datetime-local`` or ``date`` field, as typed (the studio's zone)."""
    value = _text(fields, name)
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _choice(enum_type: type[E], fields: Fields, name: str, default: E) -> E:
    try:
        return enum_type(_text(fields, name) or default.value)
    except ValueError:
        return default
