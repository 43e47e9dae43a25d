"""Accounts, members, services and templates: the setup a host does once."""

from __future__ import annotations

from sessionpacks import limits, pins
from sessionpacks.directory import AccountInfo, MemberInfo, NewClient, ServiceInfo
from sessionpacks.enums import CreditTaken, Metric, Scope, StartRule, TemplateKind
from sessionpacks.schedule import BookingPolicy
from sessionpacks.templates import TemplateInfo
from sessionpacks.web.api.common import (
    AMOUNT,
    CATEGORY,
    CURRENCY,
    EMAIL,
    QUANTITY,
    REF,
    by_account,
    by_member,
    ident,
)
from sessionpacks.web.api.endpoints import Call, Endpoint
from sessionpacks.web.api.fields import Array, Bool, Choice, Field, Int, Moment, Text

# Validity and period lengths: the core's own limits, so the schema states what it accepts.
DAYS = Int.within(limits.DAYS)
MONTHS = Int.within(limits.MONTHS)


def _add_account(call: Call) -> AccountInfo:
    return call.studio.add_account(call["ref"], call["name"], **call.keyed)


def _add_client(call: Call) -> NewClient:
    return call.studio.add_client(
        call["ref"],
        call["name"],
        member_name=call["member_name"],
        member_ref=call["member_ref"],
        email=call["email"],
        **call.keyed,
    )


def _add_member(call: Call) -> MemberInfo:
    return call.studio.add_member(
        call["account_id"], call["name"], ref=call["ref"], email=call["email"], **call.keyed
    )


def _add_service(call: Call) -> ServiceInfo:
    return call.studio.add_service(
        call["name"],
        category=call["category"],
        duration_minutes=call["duration_minutes"],
        price_minor=call["price_minor"],
        currency=call["currency"],
        **call.keyed,
    )


def _create_template(call: Call) -> TemplateInfo:
    # Fields left out take the core's defaults.
    options = {k: v for k, v in call.args.items() if v is not None and k != "name"}
    return call.studio.create_template(call["name"], **options, **call.keyed)


def _archive_template(call: Call) -> TemplateInfo:
    return call.studio.archive_template(call["template_id"], **call.keyed)


def _set_booking_policy(call: Call) -> BookingPolicy:
    changes = {name: value for name, value in call.args.items() if name != "service_id"}
    return call.studio.set_booking_policy(call["service_id"], **changes, **call.keyed)


def _set_member_email(call: Call) -> MemberInfo:
    return call.studio.set_member_email(call["member_id"], call["email"], **call.keyed)


def _link_user(call: Call) -> MemberInfo:
    return call.studio.link_user(call["member_id"], call["user_key"], **call.keyed)


def _set_kiosk_pin(call: Call) -> MemberInfo:
    return call.studio.set_kiosk_pin(call["member_id"], call["pin"], **call.keyed)


def _set_default_pass(call: Call) -> None:
    call.studio.set_default_pass(call["member_id"], call["pass_id"], actor=call.actor)


_TEMPLATE_FIELDS = (
    Field("name", Text(), required=True),
    Field("quantity", QUANTITY, required=True, description="Credits per pass."),
    Field("kind", Choice(TemplateKind), default=TemplateKind.PACK.value),
    Field("metric", Choice(Metric), default=Metric.SESSIONS.value),
    Field("price_minor", AMOUNT, description="The price in minor units of currency."),
    Field("currency", CURRENCY),
    Field("first_rate_minor", AMOUNT),
    Field("subsequent_rate_minor", AMOUNT),
    Field("validity_days", DAYS),
    Field("validity_months", MONTHS),
    Field("valid_until", Moment()),
    Field("start_rule", Choice(StartRule), default=StartRule.ON_PURCHASE.value),
    Field("start_date", Moment()),
    Field("services", Array(Int()), description="Service ids the passes are valid for."),
    Field(
        "categories", Array(CATEGORY), description="Service categories the passes are valid for."
    ),
    Field("scope", Choice(Scope), default=Scope.ACCOUNT.value),
    Field("member_cap", Int.within(limits.MEMBER_CAP)),
    Field("priority", Int.within(limits.PRIORITY)),
    Field("extend_on_unsuspend", Bool()),
    Field("refundable", Bool()),
    Field("period_days", DAYS),
    Field("period_months", MONTHS),
    Field("rollover", Bool()),
    Field("rollover_cap", Int.within(limits.MEMBER_CAP)),
    Field("auto_renew", Bool()),
)

ENDPOINTS = (
    Endpoint(
        "POST",
        "/accounts",
        "create_account",
        "Register a paying account under the host's own id for it",
        "directory",
        _add_account,
        AccountInfo,
        body=(Field("ref", REF, required=True), Field("name", Text(), required=True)),
        status=201,
    ),
    Endpoint(
        "POST",
        "/clients",
        "create_client",
        "Register an account and its first member together: both are added or neither",
        "directory",
        _add_client,
        NewClient,
        body=(
            Field("ref", REF, required=True),
            Field("name", Text(), required=True),
            Field(
                "member_name", Text(), description="The member's name; the account's if left out."
            ),
            Field("member_ref", REF, description="The host's own id, or a kiosk member code."),
            Field("email", EMAIL, description="Where booking emails go."),
        ),
        status=201,
    ),
    Endpoint(
        "GET",
        "/accounts",
        "find_accounts",
        "Find accounts by name, ref, or a member's name, ref or email",
        "directory",
        lambda call: call.studio.find_accounts(call["q"] or "", limit=call["limit"]),
        tuple[AccountInfo, ...],
        query=(
            Field("q", Text(min_length=0), description="Text to look for; blank lists all."),
            Field("limit", Int(maximum=500), default=50),
        ),
    ),
    Endpoint(
        "GET",
        "/accounts/{account_id}",
        "get_account",
        "One account",
        "directory",
        lambda call: call.studio.account(call["account_id"]),
        AccountInfo,
        path_fields=(ident("account_id"),),
        members=True,
        owner=by_account,
    ),
    Endpoint(
        "GET",
        "/accounts/{account_id}/members",
        "list_members",
        "The account's members",
        "directory",
        lambda call: call.studio.members(call["account_id"]),
        tuple[MemberInfo, ...],
        path_fields=(ident("account_id"),),
        members=True,
        owner=by_account,
    ),
    Endpoint(
        "POST",
        "/accounts/{account_id}/members",
        "create_member",
        "Add a member to an account",
        "directory",
        _add_member,
        MemberInfo,
        path_fields=(ident("account_id"),),
        body=(
            Field("name", Text(), required=True),
            Field("ref", REF, description="The host's own id, or a kiosk member code."),
            Field("email", EMAIL, description="Where booking emails go."),
        ),
        status=201,
    ),
    Endpoint(
        "GET",
        "/members",
        "find_member",
        "The member with this ref (the member code typed at the kiosk)",
        "directory",
        lambda call: call.studio.member_by_ref(call["ref"]),
        MemberInfo,
        query=(Field("ref", REF, required=True),),
    ),
    Endpoint(
        "GET",
        "/members/{member_id}",
        "get_member",
        "One member",
        "directory",
        lambda call: call.studio.member(call["member_id"]),
        MemberInfo,
        path_fields=(ident("member_id"),),
        members=True,
        owner=by_member,
    ),
    Endpoint(
        "POST",
        "/members/{member_id}/email",
        "set_member_email",
        "Set (or, with null, clear) where a member's booking emails go",
        "directory",
        _set_member_email,
        MemberInfo,
        path_fields=(ident("member_id"),),
        body=(Field("email", EMAIL),),
    ),
    Endpoint(
        "POST",
        "/members/{member_id}/user",
        "link_user",
        "Link a member to your site's user, so that user sees the member in the portal"
        " (null unlinks)",
        "directory",
        _link_user,
        MemberInfo,
        path_fields=(ident("member_id"),),
        body=(Field("user_key", REF, description="Your site's id for the user."),),
    ),
    Endpoint(
        "GET",
        "/users/{user_key}/member",
        "member_for_user",
        "The member linked to your site's user",
        "directory",
        lambda call: call.studio.member_for_user(call["user_key"]),
        MemberInfo,
        path_fields=(Field("user_key", REF, required=True),),
    ),
    Endpoint(
        "POST",
        "/members/{member_id}/kiosk-pin",
        "set_kiosk_pin",
        "Set the PIN a member types at the kiosk after their code (null: ask none)",
        "directory",
        _set_kiosk_pin,
        MemberInfo,
        path_fields=(ident("member_id"),),
        body=(Field("pin", Text(max_length=pins.MAX_DIGITS), description="4 to 12 digits."),),
    ),
    Endpoint(
        "POST",
        "/members/{member_id}/default-pass",
        "set_default_pass",
        "Make a pass the one used first for a member (null clears it)",
        "directory",
        _set_default_pass,
        None,
        path_fields=(ident("member_id"),),
        body=(ident("pass_id", required=False),),
        members=True,
        owner=by_member,
        status=204,
    ),
    Endpoint(
        "POST",
        "/services",
        "create_service",
        "Add a service (a class type, an appointment kind)",
        "directory",
        _add_service,
        ServiceInfo,
        body=(
            Field("name", Text(max_length=limits.SERVICE_NAME_LENGTH), required=True),
            Field("category", CATEGORY, required=True),
            Field("duration_minutes", Int(maximum=24 * 60 * 7), required=True),
            Field("price_minor", AMOUNT),
            Field("currency", CURRENCY),
        ),
        status=201,
    ),
    Endpoint(
        "GET",
        "/services",
        "list_services",
        "Every service",
        "directory",
        lambda call: call.studio.services(),
        tuple[ServiceInfo, ...],
        members=True,
    ),
    Endpoint(
        "GET",
        "/services/{service_id}/booking-policy",
        "get_booking_policy",
        "How a service's bookings take credit, and its cancellation cut-off",
        "directory",
        lambda call: call.studio.booking_policy(call["service_id"]),
        BookingPolicy,
        path_fields=(ident("service_id"),),
        members=True,
    ),
    Endpoint(
        "POST",
        "/services/{service_id}/booking-policy",
        "set_booking_policy",
        "Change a service's booking policy; what is not given stays as it was",
        "directory",
        _set_booking_policy,
        BookingPolicy,
        path_fields=(ident("service_id"),),
        body=(
            Field("credit_taken", Choice(CreditTaken)),
            Field("cancel_cutoff_minutes", Int(minimum=0, maximum=60 * 24 * 365)),
            Field("late_cancel_forfeits", Bool()),
            Field("no_show_forfeits", Bool()),
        ),
    ),
    Endpoint(
        "POST",
        "/templates",
        "create_template",
        "Set up a product (a pack, a pass, a plan) to sell or assign",
        "templates",
        _create_template,
        TemplateInfo,
        body=_TEMPLATE_FIELDS,
        status=201,
    ),
    Endpoint(
        "GET",
        "/templates",
        "list_templates",
        "The products on sale (and, asked, the archived ones)",
        "templates",
        lambda call: call.studio.templates(include_archived=call["include_archived"]),
        tuple[TemplateInfo, ...],
        query=(Field("include_archived", Bool(), default=False),),
        members=True,
    ),
    Endpoint(
        "POST",
        "/templates/{template_id}/archive",
        "archive_template",
        "Stop selling a template; passes made from it keep their terms",
        "templates",
        _archive_template,
        TemplateInfo,
        path_fields=(ident("template_id"),),
    ),
)
