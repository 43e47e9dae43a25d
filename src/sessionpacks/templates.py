"""Templates: the products staff set up once and then sell or assign.

A pass made from a template copies every term when it is made, so archiving or changing the
template later never changes a pass a client already holds.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from typing import Any, TypeVar

import attrs
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from sessionpacks import validation
from sessionpacks.database import inserted_id
from sessionpacks.enums import Metric, Scope, Source, StartRule, TemplateKind
from sessionpacks.errors import CurrencyMismatch, InvalidInput, InvalidState, NotFound
from sessionpacks.models import Service, Template, TemplateApplicability, table
from sessionpacks.validity import expiry_after
from sessionpacks.values import PassTerms

E = TypeVar("E", bound=enum.Enum)

templates = table(Template)
_applicability = table(TemplateApplicability)
_services = table(Service)


@attrs.frozen
class TemplateInfo:
    """A template and every term a pass made from it copies.

    ``price_minor`` is in ``currency``; a money pack also counts its credit in ``currency``.
    Validity is at most one of ``validity_days``, ``validity_months`` (after the start) or
    ``valid_until`` (a fixed end); none of them means the pass never expires.
    """

    id: int
    name: str
    kind: TemplateKind
    metric: Metric
    quantity: int
    price_minor: int
    currency: str | None
    first_rate_minor: int | None
    subsequent_rate_minor: int | None
    validity_days: int | None
    validity_months: int | None
    valid_until: dt.datetime | None
    start_rule: StartRule
    start_date: dt.datetime | None
    services: tuple[int, ...]
    categories: tuple[str, ...]
    scope: Scope
    member_cap: int | None
    priority: int
    extend_on_unsuspend: bool
    refundable: bool
    archived_at: dt.datetime | None
    created_at: dt.datetime
    # A plan's period, and what its unused credits do at the period's end.
    period_days: int | None = None
    period_months: int | None = None
    rollover: bool = False
    rollover_cap: int | None = None
    # A pass or pack sold from this template is sold again when used up or expired.
    auto_renew: bool = False

    @classmethod
    def from_row(
        cls, row: Any, services: tuple[int, ...], categories: tuple[str, ...]
    ) -> TemplateInfo:
        return cls(
            id=row.id,
            name=row.name,
            kind=TemplateKind(row.kind),
            metric=Metric(row.metric),
            quantity=row.quantity,
            price_minor=row.price_minor,
            currency=row.currency,
            first_rate_minor=row.first_rate_minor,
            subsequent_rate_minor=row.subsequent_rate_minor,
            validity_days=row.validity_days,
            validity_months=row.validity_months,
            valid_until=row.valid_until,
            start_rule=StartRule(row.start_rule),
            start_date=row.start_date,
            services=services,
            categories=categories,
            scope=Scope(row.scope),
            member_cap=row.member_cap,
            priority=row.priority,
            extend_on_unsuspend=bool(row.extend_on_unsuspend),
            refundable=bool(row.refundable),
            archived_at=row.archived_at,
            created_at=row.created_at,
            period_days=row.period_days,
            period_months=row.period_months,
            rollover=bool(row.rollover),
            rollover_cap=row.rollover_cap,
            auto_renew=bool(row.auto_renew),
        )


def create(
    conn: Connection,
    now: dt.datetime,
    name: str,
    *,
    quantity: int,
    kind: TemplateKind | str = TemplateKind.PACK,
    metric: Metric | str = Metric.SESSIONS,
    price_minor: int = 0,
    currency: str | None = None,
    first_rate_minor: int | None = None,
    subsequent_rate_minor: int | None = None,
    validity_days: int | None = None,
    validity_months: int | None = None,
    valid_until: dt.datetime | None = None,
    start_rule: StartRule | str = StartRule.ON_PURCHASE,
    start_date: dt.datetime | None = None,
    services: tuple[int, ...] = (),
    categories: tuple[str, ...] = (),
    scope: Scope | str = Scope.ACCOUNT,
    member_cap: int | None = None,
    priority: int = 0,
    extend_on_unsuspend: bool = True,
    refundable: bool = True,
    period_days: int | None = None,
    period_months: int | None = None,
    rollover: bool = False,
    rollover_cap: int | None = None,
    auto_renew: bool = False,
) -> TemplateInfo:
    name = validation.name("template name", name)
    kind_ = _choice(TemplateKind, "kind", kind)
    metric_ = _choice(Metric, "metric", metric)
    rule = _choice(StartRule, "start_rule", start_rule)
    scope_ = _choice(Scope, "scope", scope)
    validation.positive("quantity", quantity)
    validation.not_negative("price_minor", price_minor)
    if currency is not None:
        validation.currency("currency", currency)
    if price_minor and currency is None:
        raise CurrencyMismatch("a template with a price needs the currency of its price")
    if metric_ is Metric.MONEY and currency is None:
        raise CurrencyMismatch("a money pack needs a currency: it counts credit in it")
    for rate_name, rate in (
        ("first_rate_minor", first_rate_minor),
        ("subsequent_rate_minor", subsequent_rate_minor),
    ):
        if rate is None:
            continue
        if metric_ is not Metric.MONEY:
            raise InvalidInput(f"{rate_name} applies only to money packs, not {metric_.value}")
        validation.positive(rate_name, rate)
    durations = [v for v in (validity_days, validity_months, valid_until) if v is not None]
    if len(durations) > 1:
        raise InvalidInput(
            "give at most one validity: validity_days, validity_months or valid_until"
        )
    if validity_days is not None:
        validation.days("validity_days", validity_days)
    if validity_months is not None:
        validation.months("validity_months", validity_months)
    valid_until = validation.moment("valid_until", valid_until)
    start_date = validation.moment("start_date", start_date)
    if rule is StartRule.ON_DATE and start_date is None:
        raise InvalidInput("a template that starts on a date needs start_date")
    if rule is not StartRule.ON_DATE and start_date is not None:
        raise InvalidInput(f"start_date applies only to start_rule on_date, not {rule.value}")
    if valid_until is not None and valid_until <= now:
        raise InvalidInput(f"valid_until ({valid_until}) is already past")
    if start_date is not None and valid_until is not None and valid_until <= start_date:
        raise InvalidInput(f"valid_until ({valid_until}) must be after start_date ({start_date})")
    if member_cap is not None:
        validation.positive("member_cap", member_cap)
        if scope_ is Scope.MEMBER:
            raise InvalidInput("member_cap applies to account-scoped (family) passes only")
    validation.whole_number("priority", priority, validation.SMALL)
    _check_recurrence(
        kind_, rule, period_days, period_months, rollover, rollover_cap, auto_renew, durations
    )
    for flag_name, flag in (
        ("extend_on_unsuspend", extend_on_unsuspend),
        ("refundable", refundable),
    ):
        if not isinstance(flag, bool):
            raise InvalidInput(f"{flag_name} must be True or False, got {flag!r}")
    services = tuple(validation.positive("service id", s) for s in services)
    categories = tuple(validation.name("category", c) for c in categories)
    if services:
        known = set(
            conn.execute(select(_services.c.id).where(_services.c.id.in_(services))).scalars()
        )
        missing = sorted(set(services) - known)
        if missing:
            raise NotFound("service", missing[0])
    template_id = inserted_id(
        conn.execute(
            insert(templates).values(
                name=name,
                kind=kind_.value,
                metric=metric_.value,
                quantity=quantity,
                price_minor=price_minor,
                currency=currency,
                first_rate_minor=first_rate_minor,
                subsequent_rate_minor=subsequent_rate_minor,
                validity_days=validity_days,
                validity_months=validity_months,
                valid_until=valid_until,
                start_rule=rule.value,
                start_date=start_date,
                all_services=not (services or categories),
                scope=scope_.value,
                member_cap=member_cap,
                priority=priority,
                extend_on_unsuspend=extend_on_unsuspend,
                refundable=refundable,
                period_days=period_days,
                period_months=period_months,
                rollover=rollover,
                rollover_cap=rollover_cap,
                auto_renew=auto_renew,
                created_at=now,
            )
        )
    )
    scope_rows: list[dict[str, object]] = [
        {"template_id": template_id, "service_id": s, "category": None} for s in services
    ]
    scope_rows += [
        {"template_id": template_id, "service_id": None, "category": c} for c in categories
    ]
    if scope_rows:
        conn.execute(insert(_applicability), scope_rows)
    return get(conn, template_id)


def get(conn: Connection, template_id: int) -> TemplateInfo:
    found = _load(conn, templates.c.id == template_id)
    if not found:
        raise NotFound("template", template_id)
    return found[0]


def listing(conn: Connection, include_archived: bool) -> tuple[TemplateInfo, ...]:
    if include_archived:
        return _load(conn)
    return _load(conn, templates.c.archived_at.is_(None))


def archive(conn: Connection, now: dt.datetime, template_id: int) -> TemplateInfo:
    """Stop selling a template; passes made from it keep their terms. Archiving twice is refused."""
    found = get(conn, template_id)
    if found.archived_at is not None:
        raise InvalidState(f"template {template_id} was already archived at {found.archived_at}")
    conn.execute(update(templates).where(templates.c.id == template_id).values(archived_at=now))
    return attrs.evolve(found, archived_at=now)


def check_usable(template: TemplateInfo, member_id: int | None, done: str) -> None:
    """Refuse to sell or assign an archived template, or one for the wrong kind of holder."""
    if template.archived_at is not None:
        raise InvalidState(
            f"template {template.id} ({template.name!r}) was archived and cannot be {done}"
        )
    if template.scope is Scope.MEMBER and member_id is None:
        raise InvalidInput(f"template {template.id} makes a member (student) pass: name the member")
    if template.scope is Scope.ACCOUNT and member_id is not None:
        raise InvalidInput(f"template {template.id} makes an account (family) pass: give no member")


def pass_terms(
    template: TemplateInfo,
    now: dt.datetime,
    *,
    source: Source,
    starts_at: dt.datetime | None = None,
    label: str = "",
) -> PassTerms:
    """The terms of a pass made from ``template`` at ``now``.

    ``starts_at`` names another start than the template's rule gives (a sale dated ahead); a pass
    that starts on first use takes none.
    """
    cost = template.price_minor if source is Source.SALE else 0
    first_use = template.start_rule is StartRule.ON_FIRST_USE
    if starts_at is not None and first_use:
        raise InvalidInput(
            f"template {template.id} starts on first use; a sale of it takes no starts_at"
        )
    if starts_at is None and not first_use:
        starts_at = template.start_date if template.start_rule is StartRule.ON_DATE else now
    expires_at = template.valid_until
    if expires_at is None and starts_at is not None:
        expires_at = expiry_after(starts_at, template.validity_days, template.validity_months)
    if template.kind is TemplateKind.PLAN and starts_at is not None:
        # A plan's pass lasts one period: the renewal that follows it starts the next.
        expires_at = expiry_after(starts_at, template.period_days, template.period_months)
    return PassTerms(
        quantity=template.quantity,
        metric=template.metric,
        currency=template.currency if template.metric is Metric.MONEY else None,
        label=label or template.name,
        services=template.services,
        categories=template.categories,
        # A start already reached is "now": the pass is active, not pending.
        starts_at=starts_at if starts_at is not None and starts_at > now else None,
        expires_at=expires_at,
        cost_basis_minor=cost,
        cost_currency=template.currency if cost else None,
        first_rate_minor=template.first_rate_minor,
        subsequent_rate_minor=template.subsequent_rate_minor,
        member_cap=template.member_cap,
        priority=template.priority,
        source=source,
        template_id=template.id,
        starts_on_first_use=first_use,
        validity_days=template.validity_days if first_use else None,
        validity_months=template.validity_months if first_use else None,
        extend_on_unsuspend=template.extend_on_unsuspend,
    )


def _load(conn: Connection, *criteria: Any) -> tuple[TemplateInfo, ...]:
    rows = conn.execute(select(templates).where(*criteria).order_by(templates.c.id)).all()
    if not rows:
        return ()
    scoped = [row.id for row in rows if not row.all_services]
    services: dict[int, list[int]] = {}
    categories: dict[int, list[str]] = {}
    if scoped:
        for entry in conn.execute(
            select(_applicability)
            .where(_applicability.c.template_id.in_(scoped))
            .order_by(_applicability.c.id)
        ):
            if entry.service_id is not None:
                services.setdefault(entry.template_id, []).append(entry.service_id)
            else:
                categories.setdefault(entry.template_id, []).append(entry.category)
    return tuple(
        TemplateInfo.from_row(
            row, tuple(services.get(row.id, ())), tuple(categories.get(row.id, ()))
        )
        for row in rows
    )


def period_end(template: TemplateInfo, start: dt.datetime) -> dt.datetime:
    """The end of a plan's period that begins at ``start``."""
    end = expiry_after(start, template.period_days, template.period_months)
    assert end is not None  # a plan template always has a period
    return end


def _check_recurrence(
    kind: TemplateKind,
    rule: StartRule,
    period_days: int | None,
    period_months: int | None,
    rollover: bool,
    rollover_cap: int | None,
    auto_renew: bool,
    durations: Sequence[object],
) -> None:
    for flag_name, flag in (("rollover", rollover), ("auto_renew", auto_renew)):
        if not isinstance(flag, bool):
            raise InvalidInput(f"{flag_name} must be True or False, got {flag!r}")
    if kind is not TemplateKind.PLAN:
        for field, value in (
            ("period_days", period_days),
            ("period_months", period_months),
            ("rollover_cap", rollover_cap),
        ):
            if value is not None:
                raise InvalidInput(f"{field} applies only to plan templates, not {kind.value}")
        if rollover:
            raise InvalidInput(f"rollover applies only to plan templates, not {kind.value}")
        return
    if auto_renew:
        raise InvalidInput(
            "auto_renew applies to passes and packs; a plan renews each period by itself"
        )
    if (period_days is None) == (period_months is None):
        raise InvalidInput("a plan template needs one period: period_days or period_months")
    if period_days is not None:
        validation.days("period_days", period_days)
    else:
        validation.months("period_months", period_months)
    if durations:
        raise InvalidInput("a plan's passes last one period; give it no other validity")
    if rule is not StartRule.ON_PURCHASE:
        raise InvalidInput(f"a plan starts when subscribed; start_rule {rule.value} does not apply")
    if rollover_cap is not None:
        if not rollover:
            raise InvalidInput("rollover_cap applies only when rollover is on")
        validation.positive("rollover_cap", rollover_cap)


def _choice(enum_type: type[E], field: str, value: object) -> E:
    try:
        return enum_type(value)
    except ValueError:
        choices = ", ".join(member.value for member in enum_type)
        raise InvalidInput(f"unknown {field} {value!r}; use one of {choices}") from None
