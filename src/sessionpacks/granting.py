"""Granting credits: a new pass and the grant entry that fills it."""

from __future__ import annotations

import attrs
from sqlalchemy import insert, select

from sessionpacks import directory, validation
from sessionpacks.database import inserted_id
from sessionpacks.enums import EntryKind, Metric, PassState
from sessionpacks.errors import CurrencyMismatch, InvalidInput, NotFound
from sessionpacks.models import LedgerEntry, Pass, PassApplicability, Service, table
from sessionpacks.transactions import WriteContext
from sessionpacks.units import format_units
from sessionpacks.values import GrantResult, PassTerms

_passes = table(Pass)
_entries = table(LedgerEntry)
_applicability = table(PassApplicability)
_services = table(Service)


def check_terms(terms: PassTerms) -> PassTerms:
    """Refuse terms that make no sense, before anything is written."""
    if not isinstance(terms, PassTerms):
        raise InvalidInput(f"terms must be a PassTerms, got {type(terms).__name__}")
    validation.positive("quantity", terms.quantity)
    metric = Metric(terms.metric)
    if metric is Metric.MONEY:
        validation.currency("currency", terms.currency)
    elif terms.currency is not None:
        raise CurrencyMismatch(f"a pass counted in {metric.value} has no currency")
    for rate_name in ("first_rate_minor", "subsequent_rate_minor"):
        rate = getattr(terms, rate_name)
        if rate is None:
            continue
        if metric is not Metric.MONEY:
            raise InvalidInput(f"{rate_name} applies only to money packs, not {metric.value}")
        validation.positive(rate_name, rate)
    validation.not_negative("cost_basis_minor", terms.cost_basis_minor)
    if terms.cost_basis_minor and terms.cost_currency is None:
        raise CurrencyMismatch("a paid pass needs cost_currency for its cost_basis_minor")
    if terms.cost_currency is not None:
        validation.currency("cost_currency", terms.cost_currency)
    if terms.member_cap is not None:
        validation.positive("member_cap", terms.member_cap)
    validation.whole_number("priority", terms.priority)
    starts_at = validation.moment("starts_at", terms.starts_at)
    expires_at = validation.moment("expires_at", terms.expires_at)
    if starts_at and expires_at and expires_at <= starts_at:
        raise InvalidInput(f"expires_at ({expires_at}) must be after starts_at ({starts_at})")
    if terms.starts_on_first_use and starts_at is not None:
        raise InvalidInput("a pass that starts on first use has no starts_at")
    if (terms.validity_days or terms.validity_months) and not terms.starts_on_first_use:
        raise InvalidInput(
            "validity_days and validity_months apply to a pass that starts on first use;"
            " give other passes an expires_at"
        )
    if terms.validity_days is not None and terms.validity_months is not None:
        raise InvalidInput("give validity_days or validity_months, not both")
    for field in ("validity_days", "validity_months"):
        if getattr(terms, field) is not None:
            validation.positive(field, getattr(terms, field))
    for service_id in terms.services:
        validation.positive("service id", service_id)
    for category in terms.categories:
        validation.name("category", category)
    return attrs.evolve(terms, metric=metric, starts_at=starts_at, expires_at=expires_at)


def grant(
    ctx: WriteContext,
    account_id: int,
    member_id: int | None,
    terms: PassTerms,
    reason: str,
    *,
    charge_reference: str | None = None,
    refundable: bool = False,
) -> GrantResult:
    directory.get_account(ctx.conn, account_id)
    if member_id is not None:
        member = directory.get_member(ctx.conn, member_id)
        if member.account_id != account_id:
            raise InvalidInput(f"member {member_id} does not belong to account {account_id}")
    if terms.services:
        known = set(
            ctx.conn.execute(
                select(_services.c.id).where(_services.c.id.in_(terms.services))
            ).scalars()
        )
        missing = sorted(set(terms.services) - known)
        if missing:
            raise NotFound("service", missing[0])
    if terms.expires_at is not None and terms.expires_at <= ctx.now:
        raise InvalidInput(f"expires_at ({terms.expires_at}) is already past")
    pending = terms.starts_at is not None and terms.starts_at > ctx.now
    pass_id = int(
        inserted_id(
            ctx.conn.execute(
                insert(_passes).values(
                    account_id=account_id,
                    member_id=member_id,
                    template_id=terms.template_id,
                    label=terms.label or _default_label(terms),
                    source=terms.source.value,
                    metric=terms.metric.value,
                    currency=terms.currency,
                    initial_quantity=terms.quantity,
                    remaining=terms.quantity,
                    state=(PassState.PENDING if pending else PassState.ACTIVE).value,
                    starts_at=terms.starts_at,
                    expires_at=terms.expires_at,
                    cost_basis_minor=terms.cost_basis_minor,
                    cost_currency=terms.cost_currency,
                    value_left_minor=terms.cost_basis_minor,
                    first_rate_minor=terms.first_rate_minor,
                    subsequent_rate_minor=terms.subsequent_rate_minor,
                    all_services=not (terms.services or terms.categories),
                    member_cap=terms.member_cap,
                    priority=terms.priority,
                    redeemed_count=0,
                    last_entry_at=ctx.now,
                    created_at=ctx.now,
                    starts_on_first_use=terms.starts_on_first_use,
                    validity_days=terms.validity_days,
                    validity_months=terms.validity_months,
                    extend_on_unsuspend=terms.extend_on_unsuspend,
                    refundable=refundable,
                    charge_reference=charge_reference,
                )
            )
        )
    )
    scope: list[dict[str, object]] = [
        {"pass_id": pass_id, "service_id": s, "category": None} for s in terms.services
    ]
    scope += [{"pass_id": pass_id, "service_id": None, "category": c} for c in terms.categories]
    if scope:
        ctx.conn.execute(insert(_applicability), scope)
    entry_id = inserted_id(
        ctx.conn.execute(
            insert(_entries).values(
                pass_id=pass_id,
                operation_id=ctx.operation_id,
                kind=EntryKind.GRANT.value,
                delta=terms.quantity,
                balance_after=terms.quantity,
                member_id=member_id,
                reason=reason,
                value_change_minor=terms.cost_basis_minor,
                created_at=ctx.now,
            )
        )
    )
    result = GrantResult(
        pass_id=pass_id,
        account_id=account_id,
        member_id=member_id,
        metric=terms.metric,
        currency=terms.currency,
        quantity=terms.quantity,
        entry_id=int(entry_id),
        operation_id=ctx.operation_id,
        created_at=ctx.now,
    )
    ctx.enqueue("sessionpacks_granted", result)
    return result


def _default_label(terms: PassTerms) -> str:
    return f"{format_units(terms.quantity, terms.metric, terms.currency)} pack"
