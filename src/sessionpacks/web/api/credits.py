"""Credits: selling, granting, redeeming, correcting, the lifecycle of a pass, and the reads."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sessionpacks import limits
from sessionpacks.enums import Metric, PaymentState, RefundState
from sessionpacks.refunds import RefundInfo
from sessionpacks.selling import PaymentInfo
from sessionpacks.values import (
    Balance,
    BulkGrantReport,
    EntryResult,
    GrantResult,
    HistoryEntry,
    LifecycleResult,
    PassBalance,
    PassRefundResult,
    PassTerms,
    Recipient,
    RedeemResult,
    RedemptionPlan,
    SaleResult,
)
from sessionpacks.web.api.common import (
    AMOUNT,
    API,
    CATEGORY,
    CURRENCY,
    QUANTITY,
    REASON,
    REF,
    by_account,
    by_member,
    by_pass,
    ident,
)
from sessionpacks.web.api.endpoints import Call, Endpoint, Handler
from sessionpacks.web.api.fields import Array, Choice, Field, Int, Moment, Object, Text

PAYMENTS = (402, 502, 503, 504)
COUNT = Int(maximum=1000)

# What describes a pass being given, as the CLI's grant and bulk-grant take it.
_TERMS = (
    Field("quantity", QUANTITY, required=True, description="Credits in the pass."),
    Field("metric", Choice(Metric), default=Metric.SESSIONS.value),
    Field("currency", CURRENCY, description="The currency of a money pass."),
    Field("services", Array(Int()), description="Service ids it is valid for; none: all."),
    Field("categories", Array(CATEGORY), description="Service categories it is valid for."),
    Field("label", Text(max_length=limits.LABEL_LENGTH, min_length=0), default=""),
    Field("starts_at", Moment()),
    Field("expires_at", Moment()),
    Field("paid_minor", AMOUNT, default=0, description="What was paid for it, in minor units."),
    Field(
        "paid_currency", CURRENCY, description="The currency of paid_minor; by default currency."
    ),
)


def _terms(args: dict[str, Any]) -> PassTerms:
    paid = args["paid_minor"]
    return PassTerms(
        quantity=args["quantity"],
        metric=Metric(args["metric"]),
        currency=args["currency"],
        label=args["label"],
        services=args["services"] or (),
        categories=args["categories"] or (),
        starts_at=args["starts_at"],
        expires_at=args["expires_at"],
        cost_basis_minor=paid,
        cost_currency=args["paid_currency"] or (args["currency"] if paid else None),
    )


def _grant(call: Call) -> GrantResult:
    return call.studio.grant(
        call["account_id"],
        _terms(call.args),
        reason=call["reason"],
        member_id=call["member_id"],
        **call.keyed,
    )


def _bulk_grant(call: Call) -> BulkGrantReport:
    recipients = [Recipient(**item) for item in call["recipients"]]
    return call.studio.bulk_grant(
        recipients,
        _terms(call.args),
        reason=call["reason"],
        batch_key=call.key,
        actor=call.actor,
        channel=API,
    )


def _undo_bulk_grant(call: Call) -> BulkGrantReport:
    return call.studio.undo_bulk_grant(
        call["batch_id"],
        reason=call["reason"],
        **call.keyed,
    )


def _sell(call: Call) -> SaleResult:
    return call.studio.sell(
        call["template_id"],
        call["account_id"],
        member_id=call["member_id"],
        starts_at=call["starts_at"],
        **call.keyed,
    )


def _assign(call: Call) -> GrantResult:
    return call.studio.assign(
        call["template_id"],
        call["account_id"],
        member_id=call["member_id"],
        starts_at=call["starts_at"],
        reason=call["reason"],
        **call.keyed,
    )


def _redeem(call: Call) -> RedeemResult:
    return call.studio.redeem(
        call["member_id"],
        call["service_id"],
        pass_id=call["pass_id"],
        count=call["count"],
        occurrence_ref=call["occurrence_ref"],
        occurred_at=call["occurred_at"],
        **call.keyed,
    )


def _plan(call: Call) -> RedemptionPlan:
    return call.studio.plan_redemption(
        call["member_id"], call["service_id"], pass_id=call["pass_id"], count=call["count"]
    )


def _reverse(call: Call) -> EntryResult:
    return call.studio.reverse(
        call["redemption_id"],
        reason=call["reason"],
        **call.keyed,
    )


def _adjust(call: Call) -> EntryResult:
    return call.studio.adjust(
        call["pass_id"],
        call["delta"],
        reason=call["reason"],
        **call.keyed,
    )


def _void(call: Call) -> EntryResult:
    return call.studio.void(
        call["pass_id"],
        reason=call["reason"],
        **call.keyed,
    )


def _suspend(call: Call) -> LifecycleResult:
    return call.studio.suspend(
        call["pass_id"],
        reason=call["reason"],
        **call.keyed,
    )


def _unsuspend(call: Call) -> LifecycleResult:
    return call.studio.unsuspend(
        call["pass_id"],
        reason=call["reason"],
        **call.keyed,
    )


def _extend(call: Call) -> LifecycleResult:
    days = call["by_days"]
    return call.studio.extend(
        call["pass_id"],
        reason=call["reason"],
        expires_at=call["expires_at"],
        by=None if days is None else dt.timedelta(days=days),
        **call.keyed,
    )


def _refund(call: Call) -> PassRefundResult:
    return call.studio.refund(
        call["pass_id"],
        reason=call["reason"],
        **call.keyed,
    )


def _history(call: Call) -> tuple[HistoryEntry, ...]:
    return call.studio.history(
        account_id=call.args.get("account_id"),
        member_id=call.args.get("member_id"),
        pass_id=call.args.get("pass_id"),
        limit=call["limit"],
    )


_PASS = (ident("pass_id"),)
_LIMIT = Field("limit", Int(maximum=1000), description="At most this many, newest first.")
_FOR = (
    ident("template_id"),
    ident("account_id"),
    ident("member_id", "Only this member may use the pass.", required=False),
    Field("starts_at", Moment(), description="Date the pass ahead instead of by its rule."),
)


def _pass_write(
    name: str, summary: str, handler: Handler, returns: object, *extra: Field
) -> Endpoint:
    return Endpoint(
        "POST",
        f"/passes/{{pass_id}}/{name}",
        f"{name}_pass",
        summary,
        "passes",
        handler,
        returns,
        path_fields=_PASS,
        body=(*extra, REASON),
        extra_statuses=PAYMENTS if name == "refund" else (),
    )


ENDPOINTS = (
    Endpoint(
        "POST",
        "/sales",
        "sell",
        "Charge for a template through the payment hook, then make its pass",
        "selling",
        _sell,
        SaleResult,
        body=_FOR,
        members=True,
        status=201,
        extra_statuses=PAYMENTS,
    ),
    Endpoint(
        "POST",
        "/assignments",
        "assign",
        "Give a pass made from a template without charging",
        "selling",
        _assign,
        GrantResult,
        body=(*_FOR, REASON),
        status=201,
    ),
    Endpoint(
        "POST",
        "/grants",
        "grant",
        "Give an account (or one member) a new pass of credits",
        "credits",
        _grant,
        GrantResult,
        body=(
            ident("account_id"),
            ident("member_id", "Only this member may use the pass.", required=False),
            *_TERMS,
            REASON,
        ),
        status=201,
    ),
    Endpoint(
        "POST",
        "/bulk-grants",
        "bulk_grant",
        "Give each recipient a pass, as one batch under the Idempotency-Key",
        "credits",
        _bulk_grant,
        BulkGrantReport,
        body=(
            Field(
                "recipients",
                Array(
                    Object(
                        (
                            ident("account_id", required=False),
                            Field("account_ref", REF),
                            ident("member_id", required=False),
                        )
                    ),
                    max_items=10_000,
                ),
                required=True,
                description="Each an account_id or an account_ref, and optionally a member.",
            ),
            *_TERMS,
            REASON,
        ),
        status=201,
    ),
    Endpoint(
        "GET",
        "/bulk-grants/{batch_id}",
        "get_bulk_grant",
        "Where a bulk grant stands, with its counts",
        "credits",
        lambda call: call.studio.grant_batch(call["batch_id"]),
        BulkGrantReport,
        path_fields=(ident("batch_id"),),
    ),
    Endpoint(
        "POST",
        "/bulk-grants/{batch_id}/undo",
        "undo_bulk_grant",
        "Take back what a bulk grant gave",
        "credits",
        _undo_bulk_grant,
        BulkGrantReport,
        path_fields=(ident("batch_id"),),
        body=(REASON,),
    ),
    Endpoint(
        "GET",
        "/payments",
        "list_payments",
        "The sales' payments, oldest first; needs_attention lists the lost ones",
        "selling",
        lambda call: call.studio.payments(state=call["state"]),
        tuple[PaymentInfo, ...],
        query=(Field("state", Choice(PaymentState)),),
    ),
    Endpoint(
        "GET",
        "/refunds",
        "list_refunds",
        "The refunds of sold passes, oldest first; unknown lists those the provider has not"
        " answered yet",
        "selling",
        lambda call: call.studio.refunds(state=call["state"]),
        tuple[RefundInfo, ...],
        query=(Field("state", Choice(RefundState)),),
    ),
    Endpoint(
        "POST",
        "/redemptions",
        "redeem",
        "Take what sessions of a service cost for a member from the passes that pay",
        "credits",
        _redeem,
        RedeemResult,
        body=(
            ident("member_id"),
            ident("service_id"),
            ident("pass_id", "Take from this pass first.", required=False),
            Field("count", COUNT, default=1),
            Field("occurrence_ref", REF, description="The host's own id for the class."),
            Field("occurred_at", Moment()),
        ),
        status=201,
    ),
    Endpoint(
        "GET",
        "/redemption-plan",
        "plan_redemption",
        "A dry run of a redemption: which passes would pay and why",
        "credits",
        _plan,
        RedemptionPlan,
        query=(
            ident("member_id"),
            ident("service_id"),
            ident("pass_id", required=False),
            Field("count", COUNT, default=1),
        ),
        members=True,
        owner=by_member,
    ),
    Endpoint(
        "POST",
        "/redemptions/{redemption_id}/reverse",
        "reverse",
        "Give a redemption's units back to the passes it took them from",
        "credits",
        _reverse,
        EntryResult,
        path_fields=(ident("redemption_id"),),
        body=(REASON,),
    ),
    _pass_write(
        "adjust",
        "Correct a pass by hand, up or down",
        _adjust,
        EntryResult,
        Field("delta", Int.within(limits.DELTA, nonzero=True), required=True),
    ),
    _pass_write("suspend", "Freeze a pass", _suspend, LifecycleResult),
    _pass_write("unsuspend", "End a freeze", _unsuspend, LifecycleResult),
    _pass_write(
        "extend",
        "Move a pass's expiry to a moment, or out by days",
        _extend,
        LifecycleResult,
        Field("expires_at", Moment()),
        Field("by_days", Int.within(limits.DAYS)),
    ),
    _pass_write("refund", "End a sold pass, refunding its unused part", _refund, PassRefundResult),
    Endpoint(
        "DELETE",
        "/passes/{pass_id}",
        "void_pass",
        "Delete a pass: what remains is voided, its entries stay",
        "passes",
        _void,
        EntryResult,
        path_fields=_PASS,
        body=(REASON,),
    ),
    Endpoint(
        "GET",
        "/passes/{pass_id}",
        "get_pass",
        "A pass and its balance",
        "passes",
        lambda call: call.studio.pass_balance(call["pass_id"]),
        PassBalance,
        path_fields=_PASS,
        members=True,
        owner=by_pass,
    ),
    Endpoint(
        "GET",
        "/passes/{pass_id}/history",
        "pass_history",
        "A pass's ledger entries, newest first",
        "passes",
        _history,
        tuple[HistoryEntry, ...],
        path_fields=_PASS,
        query=(_LIMIT,),
        members=True,
        owner=by_pass,
    ),
    Endpoint(
        "GET",
        "/accounts/{account_id}/passes",
        "account_passes",
        "The account's passes with their balances",
        "passes",
        lambda call: call.studio.passes(call["account_id"]),
        tuple[PassBalance, ...],
        path_fields=(ident("account_id"),),
        members=True,
        owner=by_account,
    ),
    Endpoint(
        "GET",
        "/accounts/{account_id}/balance",
        "account_balance",
        "What the account can still spend, per metric and currency",
        "passes",
        lambda call: call.studio.account_balance(call["account_id"]),
        tuple[Balance, ...],
        path_fields=(ident("account_id"),),
        members=True,
        owner=by_account,
    ),
    Endpoint(
        "GET",
        "/accounts/{account_id}/history",
        "account_history",
        "The account's ledger entries, newest first",
        "passes",
        _history,
        tuple[HistoryEntry, ...],
        path_fields=(ident("account_id"),),
        query=(_LIMIT,),
        members=True,
        owner=by_account,
    ),
    Endpoint(
        "GET",
        "/members/{member_id}/balance",
        "member_balance",
        "What a member can spend on a service now",
        "passes",
        lambda call: call.studio.member_balance(call["member_id"], call["service_id"]),
        tuple[Balance, ...],
        path_fields=(ident("member_id"),),
        query=(ident("service_id"),),
        members=True,
        owner=by_member,
    ),
    Endpoint(
        "GET",
        "/members/{member_id}/history",
        "member_history",
        "A member's ledger entries, newest first",
        "passes",
        _history,
        tuple[HistoryEntry, ...],
        path_fields=(ident("member_id"),),
        query=(_LIMIT,),
        members=True,
        owner=by_member,
    ),
)
