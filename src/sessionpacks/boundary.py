"""The checks at :class:`~sessionpacks.Studio`'s boundary: every argument that reaches a column is
checked against what that column holds (:mod:`sessionpacks.limits`) before anything is read or
written, so that out-of-range numbers, oversized or unstorable text and moments outside the
supported years are an :class:`~sessionpacks.InvalidInput` naming the field on every database,
never a driver's error (nor, on SQLite, a silently stored 10 MB label).

The modules behind Studio keep their own rules (a quantity is positive, a reason is not blank);
these are the bounds only, so they apply the same to every method by the argument's name.
"""

from __future__ import annotations

import enum
import functools
import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from sessionpacks import limits, validation
from sessionpacks.client_import import ClientRow
from sessionpacks.enums import (
    Billing,
    Channel,
    CreditTaken,
    ItemOutcome,
    Metric,
    PaymentState,
    RefundState,
    RenewalState,
    Scope,
    Source,
    StartRule,
    SubscriptionState,
    TemplateKind,
)
from sessionpacks.errors import InvalidInput
from sessionpacks.limits import Range
from sessionpacks.staff_tasks import TaskState
from sessionpacks.values import Actor, PassTerms, Recipient

R = TypeVar("R")
Check = Callable[[object], object]


def number(field: str, allowed: Range) -> Check:
    # Up to the column's largest value here; the smallest a value may take (a quantity above
    # zero, a price not below) is the domain's rule, refused behind in the domain's words.
    upto = Range(limits.DELTA.minimum, allowed.maximum)

    def check(value: object) -> object:
        return validation.whole_number(field, value, upto)

    return check


def chars(field: str, length: int) -> Check:
    def check(value: object) -> object:
        if not isinstance(value, str):
            raise InvalidInput(f"{field} must be text, got {type(value).__name__}")
        validation.text(field, value)
        if len(value) > length:
            raise InvalidInput(f"{field} is at most {length} characters long, got {len(value)}")
        return value

    return check


def moment(field: str) -> Check:
    return functools.partial(validation.moment, field)


def span(field: str) -> Check:
    return functools.partial(validation.span, field)


def each(check: Check, field: str) -> Check:
    def every(value: object) -> object:
        if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
            raise InvalidInput(f"{field} must be a list, got {type(value).__name__}")
        # Read once: a generator given here is the one the method reads too, so keep a copy.
        items = tuple(value)
        for item in items:
            check(item)
        return items

    return every


def actor(value: object) -> object:
    if not isinstance(value, Actor):
        raise InvalidInput(f"actor must be an Actor, got {type(value).__name__}")
    chars("actor kind", limits.ACTOR_KIND_LENGTH)(value.kind)
    chars("actor id", limits.ACTOR_ID_LENGTH)(value.id)
    roles = value.roles
    if not isinstance(roles, tuple) or not all(isinstance(role, str) for role in roles):
        raise InvalidInput(f"actor roles must be a tuple of text, got {roles!r}")
    return value


def _choice(field: str, kind: type[enum.Enum]) -> Check:
    def check(value: object) -> object:
        try:
            return kind(value)
        except ValueError:
            choices = ", ".join(str(member.value) for member in kind)
            raise InvalidInput(f"unknown {field} {value!r:.60}; use one of {choices}") from None

    return check


def _flag(field: str) -> Check:
    def check(value: object) -> object:
        if not isinstance(value, bool):
            raise InvalidInput(f"{field} must be True or False, got {value!r}")
        return value

    return check


# The fields of PassTerms, each against the pass column it becomes.
_TERMS: Mapping[str, Check] = {
    "quantity": number("quantity", limits.QUANTITY),
    "metric": _choice("metric", Metric),
    "currency": chars("currency", limits.CURRENCY_LENGTH),
    "label": chars("label", limits.LABEL_LENGTH),
    "services": each(functools.partial(validation.ident, "service id"), "services"),
    "categories": each(chars("category", limits.CATEGORY_LENGTH), "categories"),
    "starts_at": moment("starts_at"),
    "expires_at": moment("expires_at"),
    "cost_basis_minor": number("cost_basis_minor", limits.AMOUNT),
    "cost_currency": chars("cost_currency", limits.CURRENCY_LENGTH),
    "first_rate_minor": number("first_rate_minor", limits.RATE),
    "subsequent_rate_minor": number("subsequent_rate_minor", limits.RATE),
    "member_cap": number("member_cap", limits.MEMBER_CAP),
    "priority": number("priority", limits.PRIORITY),
    "source": _choice("source", Source),
    "template_id": functools.partial(validation.ident, "template_id"),
    "starts_on_first_use": _flag("starts_on_first_use"),
    "validity_days": number("validity_days", limits.DAYS),
    "validity_months": number("validity_months", limits.MONTHS),
    "extend_on_unsuspend": _flag("extend_on_unsuspend"),
}


def terms(value: object) -> object:
    if not isinstance(value, PassTerms):
        raise InvalidInput(f"terms must be a PassTerms, got {type(value).__name__}")
    for field, check in _TERMS.items():
        given = getattr(value, field)
        if given is not None:
            check(given)
    return value


def stream(field: str, kind: type, item: Callable[[Any], None] | None = None) -> Check:
    """Many values of one kind. A list or tuple is checked whole before anything is written;
    a stream (a bulk grant may read 100,000 recipients lazily) is checked as it is read."""

    def one(value: object) -> object:
        if not isinstance(value, kind):
            raise InvalidInput(f"{field} must hold {kind.__name__} values, got {value!r:.60}")
        if item is not None:
            item(value)
        return value

    def check(value: object) -> object:
        if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
            raise InvalidInput(f"{field} must be an iterable of {kind.__name__}, got {value!r:.60}")
        if isinstance(value, (list, tuple)):
            return tuple(one(each) for each in value)
        return (one(each) for each in value)

    return check


def _recipient(value: Recipient) -> None:
    # Too long a ref is the bulk grant's to skip, naming the line; a character no database
    # keeps would fail the query that looks the ref up, so it is refused here.
    if isinstance(value.account_ref, str):
        validation.text("a recipient's account_ref", value.account_ref)
    # An id no row can have is refused with the rest of a list, before the batch is opened.
    for name in ("account_id", "member_id"):
        found = getattr(value, name)
        if found is not None:
            validation.positive(f"a recipient's {name}", found)


_FLAGS = (
    "private",
    "attended",
    "keep_credit",
    "late_cancel_forfeits",
    "no_show_forfeits",
    "extend_on_unsuspend",
    "refundable",
    "rollover",
    "auto_renew",
    "include_archived",
    "include_voided",
)
_ref = chars("ref", limits.REF_LENGTH)


def _actor_key(value: object) -> object:
    """One (kind, id) pair, as a ledger entry records its actor."""
    if not (isinstance(value, tuple) and len(value) == 2):
        raise InvalidInput(f"each of actors must be a (kind, id) pair, got {value!r}")
    chars("actor kind", limits.ACTOR_KIND_LENGTH)(value[0])
    return chars("actor id", limits.ACTOR_ID_LENGTH)(value[1])


_moments = (
    "starts_at",
    "ends_at",
    "expires_at",
    "occurred_at",
    "as_of",
    "now",
    "at",
    "start",
    "end",
    "period_paid_until",
    "valid_until",
    "start_date",
)

# Each argument's check by its name, the same in every method ...
ARGUMENTS: Mapping[str, Check] = {
    "actor": actor,
    "idempotency_key": chars("idempotency_key", limits.KEY_LENGTH),
    "batch_key": chars("batch_key", limits.KEY_LENGTH),
    "reason": chars("reason", limits.REASON_LENGTH),
    "terms": terms,
    "recipients": stream("recipients", Recipient, _recipient),
    "rows": stream("rows", ClientRow),
    "ref": _ref,
    "member_ref": chars("member_ref", limits.REF_LENGTH),
    "user_key": chars("user_key", limits.REF_LENGTH),
    "code": chars("code", limits.REF_LENGTH),
    "occurrence_ref": chars("occurrence_ref", limits.REF_LENGTH),
    "instructor_ref": chars("instructor_ref", limits.REF_LENGTH),
    "email": chars("email", limits.EMAIL_LENGTH),
    "name": chars("name", limits.NAME_LENGTH),
    "member_name": chars("member_name", limits.NAME_LENGTH),
    "display_name": chars("display_name", limits.NAME_LENGTH),
    "actors": each(_actor_key, "actors"),
    "category": chars("category", limits.CATEGORY_LENGTH),
    "categories": each(chars("category", limits.CATEGORY_LENGTH), "categories"),
    "services": each(functools.partial(validation.ident, "service id"), "services"),
    "occurrence_ids": each(functools.partial(validation.ident, "occurrence id"), "occurrence_ids"),
    "outcome": _choice("outcome", ItemOutcome),
    "currency": chars("currency", limits.CURRENCY_LENGTH),
    "quantity": number("quantity", limits.QUANTITY),
    "price_minor": number("price_minor", limits.AMOUNT),
    "first_rate_minor": number("first_rate_minor", limits.RATE),
    "subsequent_rate_minor": number("subsequent_rate_minor", limits.RATE),
    "member_cap": number("member_cap", limits.MEMBER_CAP),
    "rollover_cap": number("rollover_cap", limits.MEMBER_CAP),
    "priority": number("priority", limits.PRIORITY),
    "validity_days": number("validity_days", limits.DAYS),
    "validity_months": number("validity_months", limits.MONTHS),
    "period_days": number("period_days", limits.DAYS),
    "period_months": number("period_months", limits.MONTHS),
    "duration_minutes": number("duration_minutes", limits.DURATION_MINUTES),
    "cancel_cutoff_minutes": number("cancel_cutoff_minutes", limits.CUTOFF_MINUTES),
    "capacity": number("capacity", limits.CAPACITY),
    "delta": number("delta", limits.DELTA),
    "count": number("count", limits.COUNT),
    "limit": number("limit", limits.COUNT),
    "batch_size": number("batch_size", limits.COUNT),
    "max_batches": number("max_batches", limits.COUNT),
    "chunk_size": number("chunk_size", limits.COUNT),
    # Choices and flags are recorded with the write's key before the modules behind read them.
    "channel": _choice("channel", Channel),
    "metric": _choice("metric", Metric),
    "start_rule": _choice("start_rule", StartRule),
    "scope": _choice("scope", Scope),
    "billing": _choice("billing", Billing),
    "credit_taken": _choice("credit_taken", CreditTaken),
    **{flag: _flag(flag) for flag in _FLAGS},
    "by": span("by"),
    "within": span("within"),
    **{field: moment(field) for field in _moments},
}

# ... except where one name reaches a narrower column in one method.
# The names match the messages of the modules behind, which say whose name it is.
OVERRIDES: Mapping[str, Mapping[str, Check]] = {
    "add_account": {
        "ref": chars("account ref", limits.REF_LENGTH),
        "name": chars("account name", limits.NAME_LENGTH),
    },
    "add_client": {
        "ref": chars("account ref", limits.REF_LENGTH),
        "name": chars("account name", limits.NAME_LENGTH),
    },
    "add_member": {
        "ref": chars("member ref", limits.REF_LENGTH),
        "name": chars("member name", limits.NAME_LENGTH),
    },
    "add_service": {
        "name": chars("service name", limits.SERVICE_NAME_LENGTH),
        "category": chars("service category", limits.CATEGORY_LENGTH),
    },
    "create_template": {
        "name": chars("template name", limits.TEMPLATE_NAME_LENGTH),
        "kind": _choice("kind", TemplateKind),
    },
    "payments": {"state": _choice("state", PaymentState)},
    "refunds": {"state": _choice("state", RefundState)},
    "renewals": {"state": _choice("state", RenewalState)},
    "subscriptions": {"state": _choice("state", SubscriptionState)},
    "tasks": {"state": _choice("state", TaskState)},
    "find_accounts": {
        "text": chars("a search text", limits.EMAIL_LENGTH),
        "limit": number("a search limit", limits.COUNT),
    },
}


def checked(cls: type[R]) -> type[R]:
    """Check every public method's arguments, by name, before it runs: ids (``..._id``) are row
    ids, the rest as :data:`ARGUMENTS` says. A None where the signature allows one means
    "not given" (or "clear it") and is left to the method."""
    for name, method in list(vars(cls).items()):
        if name.startswith("_") or not inspect.isfunction(method):
            continue
        parameters = list(inspect.signature(method).parameters.values())[1:]
        overrides = OVERRIDES.get(name, {})
        checks: list[tuple[int, str, Check, bool]] = []
        for position, parameter in enumerate(parameters):
            found = _check_for(parameter.name, overrides)
            if found is not None:
                # None means "not given" (or "clear it") where the signature allows it.
                optional = parameter.default is None or "None" in str(parameter.annotation)
                checks.append((position, parameter.name, found, optional))
        if checks:
            setattr(cls, name, _checking(method, tuple(checks)))
    return cls


def _check_for(name: str, overrides: Mapping[str, Check]) -> Check | None:
    if name.endswith("_id"):
        return functools.partial(validation.ident, name)
    return overrides.get(name, ARGUMENTS.get(name))


def _checking(method: Callable[..., Any], checks: tuple[tuple[int, str, Check, bool], ...]) -> Any:
    @functools.wraps(method)
    def run(self: object, *args: Any, **kwargs: Any) -> Any:
        args_ = list(args)
        for position, name, check, optional in checks:
            if position < len(args_):
                if args_[position] is not None or not optional:
                    args_[position] = _passed(check, args_[position])
            elif name in kwargs and (kwargs[name] is not None or not optional):
                kwargs[name] = _passed(check, kwargs[name])
        return method(self, *args_, **kwargs)

    return run


def _passed(check: Check, value: object) -> object:
    """The value the method gets: the one given, except an iterable read here, which is handed
    on as what was read (a generator cannot be read twice) or as the stream that checks it."""
    result = check(value)
    if isinstance(result, tuple) or inspect.isgenerator(result):
        return result
    return value


__all__ = ["ARGUMENTS", "OVERRIDES", "checked"]
