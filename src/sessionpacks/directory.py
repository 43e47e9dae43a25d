"""Accounts, members and services: who holds credits and what they pay for."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy import bindparam, insert, select
from sqlalchemy.engine import Connection

from sessionpacks import direct, pins, validation
from sessionpacks.database import inserted_id
from sessionpacks.errors import CurrencyMismatch, InvalidInput, NotFound
from sessionpacks.models import REF_LENGTH, Account, Member, Service, table

accounts = table(Account)
members = table(Member)
services = table(Service)


@attrs.frozen
class AccountInfo:
    id: int
    ref: str
    name: str

    @classmethod
    def from_row(cls, row: Any) -> AccountInfo:
        return cls(id=row.id, ref=row.ref, name=row.name)


@attrs.frozen
class MemberInfo:
    id: int
    account_id: int
    ref: str | None
    name: str
    default_pass_id: int | None
    email: str | None = None
    # The host's id for the user this member signs in as (see Studio.link_user).
    user_key: str | None = None
    # Whether the kiosk asks this member for a PIN; the PIN itself is never read back.
    has_kiosk_pin: bool = False

    @classmethod
    def from_row(cls, row: Any) -> MemberInfo:
        # Rows of the redemption's hot path carry only the columns it needs.
        return cls(
            id=row.id,
            account_id=row.account_id,
            ref=row.ref,
            name=row.name,
            default_pass_id=row.default_pass_id,
            email=row.email,
            user_key=getattr(row, "user_key", None),
            has_kiosk_pin=getattr(row, "kiosk_pin", None) is not None,
        )


@attrs.frozen
class ServiceInfo:
    id: int
    name: str
    category: str
    duration_minutes: int
    price_minor: int | None
    currency: str | None

    @classmethod
    def from_row(cls, row: Any) -> ServiceInfo:
        return cls(
            id=row.id,
            name=row.name,
            category=row.category,
            duration_minutes=row.duration_minutes,
            price_minor=row.price_minor,
            currency=row.currency,
        )


@attrs.frozen
class NewClient:
    """An account and its first member, added together."""

    account: AccountInfo
    member: MemberInfo


def add_account(conn: Connection, now: dt.datetime, ref: str, name: str) -> AccountInfo:
    ref = validation.name("account ref", ref, REF_LENGTH)
    name = validation.name("account name", name)
    _refuse_duplicate(conn, accounts.c.ref, ref, "an account")
    new_id = conn.execute(insert(accounts).values(ref=ref, name=name, created_at=now))
    return AccountInfo(id=inserted_id(new_id), ref=ref, name=name)


def add_member(
    conn: Connection,
    now: dt.datetime,
    account_id: int,
    name: str,
    ref: str | None,
    email: str | None = None,
) -> MemberInfo:
    name = validation.name("member name", name)
    email = check_email(email)
    if ref is not None:
        ref = validation.name("member ref", ref, REF_LENGTH)
        _refuse_duplicate(conn, members.c.ref, ref, "a member")
    get_account(conn, account_id)
    new_id = conn.execute(
        insert(members).values(
            account_id=account_id, name=name, ref=ref, email=email, created_at=now
        )
    )
    return MemberInfo(
        id=inserted_id(new_id),
        account_id=account_id,
        ref=ref,
        name=name,
        default_pass_id=None,
        email=email,
    )


def set_member_email(conn: Connection, member_id: int, email: str | None) -> MemberInfo:
    email = check_email(email)
    get_member(conn, member_id)
    conn.execute(sa.update(members).where(members.c.id == member_id).values(email=email))
    return get_member(conn, member_id)


def link_user(conn: Connection, member_id: int, user_key: str | None) -> MemberInfo:
    """Link the member to the host's user ``user_key`` (None unlinks). A user is one member."""
    if user_key is not None:
        user_key = validation.name("user_key", user_key, REF_LENGTH)
        taken = conn.execute(
            select(members.c.name).where(members.c.user_key == user_key, members.c.id != member_id)
        ).first()
        if taken is not None:
            raise InvalidInput(
                f"the user {user_key!r} is already linked to the member {taken.name}; unlink"
                " them first"
            )
    get_member(conn, member_id)
    conn.execute(sa.update(members).where(members.c.id == member_id).values(user_key=user_key))
    return get_member(conn, member_id)


def member_for_user(conn: Connection, user_key: str) -> MemberInfo:
    row = conn.execute(select(members).where(members.c.user_key == user_key)).one_or_none()
    if row is None:
        raise NotFound("member linked to the user", user_key)
    return MemberInfo.from_row(row)


def set_kiosk_pin(conn: Connection, member_id: int, pin: str | None) -> MemberInfo:
    stored = None if pin is None else pins.hashed(pin)
    get_member(conn, member_id)
    conn.execute(sa.update(members).where(members.c.id == member_id).values(kiosk_pin=stored))
    return get_member(conn, member_id)


def member_at_kiosk(conn: Connection, code: str, pin: str | None) -> MemberInfo:
    """The member whose kiosk code is ``code``, if their PIN (when they have one) is ``pin``.
    A wrong code and a wrong PIN are refused alike, so a guess learns nothing about either."""
    row = conn.execute(select(members).where(members.c.ref == code)).one_or_none()
    if row is None or (row.kiosk_pin is not None and not pins.matches(row.kiosk_pin, pin)):
        raise NotFound("member code and PIN", code)
    return MemberInfo.from_row(row)


def check_email(email: object) -> str | None:
    """A plausible address or None; sending is the host's business, so no deeper check."""
    if email is None:
        return None
    if not isinstance(email, str) or email.count("@") != 1 or len(email.strip()) > 320:
        raise InvalidInput(f"email must be an address such as ann@example.com, got {email!r}")
    local, domain = email.strip().split("@")
    if not local or "." not in domain or " " in email.strip():
        raise InvalidInput(f"email must be an address such as ann@example.com, got {email!r}")
    return email.strip()


def add_service(
    conn: Connection,
    now: dt.datetime,
    name: str,
    category: str,
    duration_minutes: int,
    price_minor: int | None,
    currency: str | None,
) -> ServiceInfo:
    name = validation.name("service name", name, REF_LENGTH)
    category = validation.name("service category", category, REF_LENGTH)
    validation.positive("duration_minutes", duration_minutes, validation.SMALL)
    if price_minor is not None:
        validation.not_negative("price_minor", price_minor)
        if currency is None:
            raise CurrencyMismatch("a service with a price needs its currency")
    if currency is not None:
        validation.currency("currency", currency)
        if price_minor is None:
            raise InvalidInput("a service with a currency needs its price_minor")
    _refuse_duplicate(conn, services.c.name, name, "a service")
    new_id = conn.execute(
        insert(services).values(
            name=name,
            category=category,
            duration_minutes=duration_minutes,
            price_minor=price_minor,
            currency=currency,
            created_at=now,
        )
    )
    return ServiceInfo(
        id=inserted_id(new_id),
        name=name,
        category=category,
        duration_minutes=duration_minutes,
        price_minor=price_minor,
        currency=currency,
    )


def get_account(conn: Connection, account_id: int) -> AccountInfo:
    row = conn.execute(select(accounts).where(accounts.c.id == account_id)).one_or_none()
    if row is None:
        raise NotFound("account", account_id)
    return AccountInfo.from_row(row)


def find_account(conn: Connection, ref: str) -> AccountInfo:
    row = conn.execute(select(accounts).where(accounts.c.ref == ref)).one_or_none()
    if row is None:
        raise NotFound("account ref", ref)
    return AccountInfo.from_row(row)


def find_accounts(conn: Connection, text: str, limit: int) -> tuple[AccountInfo, ...]:
    """Accounts whose name or ref, or a member's name, ref or email, contains ``text`` in any
    case; every account when ``text`` is blank. Ordered by name, at most ``limit``."""
    if not isinstance(text, str):
        raise InvalidInput(f"a search text must be a string, got {text!r}")
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InvalidInput(f"a search limit must be a positive whole number, got {limit!r}")
    query = select(accounts).order_by(accounts.c.name, accounts.c.id).limit(limit)
    needle = text.strip().lower()
    if needle:

        def matches(column: sa.Column[Any]) -> sa.ColumnElement[bool]:
            return sa.func.lower(column).contains(needle, autoescape=True)

        by_member = (
            select(members.c.id)
            .where(members.c.account_id == accounts.c.id)
            .where(
                sa.or_(matches(members.c.name), matches(members.c.ref), matches(members.c.email))
            )
            .exists()
        )
        query = query.where(sa.or_(matches(accounts.c.name), matches(accounts.c.ref), by_member))
    return tuple(AccountInfo.from_row(row) for row in conn.execute(query))


def find_member(conn: Connection, ref: str) -> MemberInfo:
    row = conn.execute(select(members).where(members.c.ref == ref)).one_or_none()
    if row is None:
        raise NotFound("member ref", ref)
    return MemberInfo.from_row(row)


def get_member(conn: Connection, member_id: int) -> MemberInfo:
    row = conn.execute(select(members).where(members.c.id == member_id)).one_or_none()
    if row is None:
        raise NotFound("member", member_id)
    return MemberInfo.from_row(row)


_MEMBER_AND_SERVICE = (
    select(
        members.c.id,
        members.c.account_id,
        members.c.ref,
        members.c.name,
        members.c.default_pass_id,
        members.c.email,
        services.c.id.label("service_id"),
        services.c.name.label("service_name"),
        services.c.category,
        services.c.duration_minutes,
        services.c.price_minor,
        services.c.currency,
    )
    .select_from(members.join(services, sa.true()))
    .where(members.c.id == bindparam("member"), services.c.id == bindparam("service"))
)


def member_and_service(
    conn: Connection, member_id: int, service_id: int
) -> tuple[MemberInfo, ServiceInfo]:
    """Both in one round trip, as every redemption needs them."""
    row = direct.first(conn, _MEMBER_AND_SERVICE, {"member": member_id, "service": service_id})
    if row is None:  # one of the two is unknown: say which
        return get_member(conn, member_id), get_service(conn, service_id)
    service = ServiceInfo(
        id=row.service_id,
        name=row.service_name,
        category=row.category,
        duration_minutes=row.duration_minutes,
        price_minor=row.price_minor,
        currency=row.currency,
    )
    return MemberInfo.from_row(row), service


def list_members(conn: Connection, account_id: int) -> tuple[MemberInfo, ...]:
    get_account(conn, account_id)
    rows = conn.execute(
        select(members).where(members.c.account_id == account_id).order_by(members.c.id)
    )
    return tuple(MemberInfo.from_row(row) for row in rows)


def get_service(conn: Connection, service_id: int) -> ServiceInfo:
    row = conn.execute(select(services).where(services.c.id == service_id)).one_or_none()
    if row is None:
        raise NotFound("service", service_id)
    return ServiceInfo.from_row(row)


def list_services(conn: Connection) -> tuple[ServiceInfo, ...]:
    rows = conn.execute(select(services).order_by(services.c.id))
    return tuple(ServiceInfo.from_row(row) for row in rows)


def _refuse_duplicate(conn: Connection, column: sa.Column[str], value: str, what: str) -> None:
    if conn.execute(select(column).where(column == value)).first() is not None:
        raise InvalidInput(f"{what} named {value!r} exists already")
