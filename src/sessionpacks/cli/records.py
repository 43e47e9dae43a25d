"""Who holds credits and what they pay for: accounts, members and services."""

from __future__ import annotations

import click

from sessionpacks.cli.output import echo_table
from sessionpacks.cli.state import (
    State,
    json_option,
    pass_state,
    print_json,
    setup_call,
    setup_key_option,
)
from sessionpacks.directory import ServiceInfo
from sessionpacks.units import format_money


@click.group()
def account() -> None:
    """Accounts: who pays and owns credits (a family or a single client)."""


@account.command("add")
@click.argument("ref")
@click.argument("name")
@click.option(
    "--member",
    "member_name",
    metavar="NAME",
    help="Add the account's first member with it, in one step (both or neither).",
)
@click.option("--member-code", help="With --member: the member's ref, the kiosk code.")
@click.option("--email", help="With --member: where the member's booking emails go.")
@setup_key_option
@json_option
@pass_state
def account_add(
    state: State,
    ref: str,
    name: str,
    member_name: str | None,
    member_code: str | None,
    email: str | None,
    key: str | None,
    as_json: bool,
) -> None:
    """Add an account. REF is the id your own site knows it by; NAME is for people."""
    if member_name is None:
        if member_code is not None or email is not None:
            raise click.UsageError("--member-code and --email describe the --member to add")
        added = state.studio.add_account(ref, name, **setup_call(state, key))
        if as_json:
            print_json(added)
        else:
            click.echo(f"added account {added.ref!r} ({added.name}), id {added.id}")
        return
    client = state.studio.add_client(
        ref,
        name,
        member_name=member_name,
        member_ref=member_code,
        email=email,
        **setup_call(state, key),
    )
    if as_json:
        print_json(client)
    else:
        click.echo(
            f"added account {client.account.ref!r} ({client.account.name}), id"
            f" {client.account.id}, with member {client.member.id}: {client.member.name}"
        )


@account.command("find")
@click.argument("text", required=False, default="")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@json_option
@pass_state
def account_find(state: State, text: str, limit: int, as_json: bool) -> None:
    """Find clients: accounts whose name or ref, or a member's name, ref (member code) or email,
    contains TEXT in any case; without TEXT, every account by name."""
    found = state.studio.find_accounts(text, limit=limit)
    if as_json:
        print_json(found)
        return
    echo_table(
        ["ID", "REF", "NAME"],
        [(a.id, a.ref, a.name) for a in found],
        right={0},
        empty="no account matches",
    )


@click.group()
def member() -> None:
    """Members: the people who attend, each in one account."""


@member.command("add")
@click.argument("account_ref")
@click.argument("name")
@click.option("--ref", help="Your own site's id for the member.")
@click.option("--email", help="Where booking confirmations and reminders go.")
@setup_key_option
@json_option
@pass_state
def member_add(
    state: State,
    account_ref: str,
    name: str,
    ref: str | None,
    email: str | None,
    key: str | None,
    as_json: bool,
) -> None:
    """Add a member called NAME to the account ACCOUNT_REF."""
    holder = state.account(account_ref)
    added = state.studio.add_member(holder.id, name, ref=ref, email=email, **setup_call(state, key))
    if as_json:
        print_json(added)
    else:
        click.echo(f"added member {added.id}: {added.name}, of account {holder.ref!r}")


@member.command("email")
@click.argument("member_id", type=int)
@click.argument("email", required=False)
@json_option
@pass_state
def member_email(state: State, member_id: int, email: str | None, as_json: bool) -> None:
    """Set the EMAIL address of member MEMBER_ID (booking confirmations and reminders go there);
    without EMAIL, clear it."""
    changed = state.studio.set_member_email(member_id, email)
    if as_json:
        print_json(changed)
    else:
        click.echo(f"member {changed.id} ({changed.name}): email {changed.email or '(none)'}")


@member.command("link-user")
@click.argument("member_id", type=int)
@click.argument("user_key", required=False)
@json_option
@pass_state
def member_link_user(state: State, member_id: int, user_key: str | None, as_json: bool) -> None:
    """Link member MEMBER_ID to your site's user USER_KEY (the id your login knows them by),
    so that user sees this member in the portal; without USER_KEY, unlink them."""
    changed = state.studio.link_user(member_id, user_key)
    if as_json:
        print_json(changed)
    elif changed.user_key is None:
        click.echo(f"member {changed.id} ({changed.name}): linked to no user")
    else:
        click.echo(f"member {changed.id} ({changed.name}): linked to user {changed.user_key!r}")


@member.command("kiosk-pin")
@click.argument("member_id", type=int)
@click.option("--clear", is_flag=True, help="Stop asking this member for a PIN.")
@json_option
@pass_state
def member_kiosk_pin(state: State, member_id: int, clear: bool, as_json: bool) -> None:
    """Set the PIN (4 to 12 digits) that member MEMBER_ID types at the kiosk after their code,
    asked for without echo; with --clear, no PIN is asked any more."""
    pin = None if clear else click.prompt("PIN", hide_input=True, confirmation_prompt=True)
    changed = state.studio.set_kiosk_pin(member_id, pin)
    if as_json:
        print_json(changed)
    else:
        asked = "asks for a PIN" if changed.has_kiosk_pin else "asks for no PIN"
        click.echo(f"member {changed.id} ({changed.name}): the kiosk {asked}")


@member.command("find")
@click.argument("code")
@json_option
@pass_state
def member_find(state: State, code: str, as_json: bool) -> None:
    """The member whose ref (the member code typed at the kiosk) is CODE."""
    found = state.studio.member_by_ref(code)
    if as_json:
        print_json(found)
    else:
        click.echo(f"member {found.id}: {found.name}, of account id {found.account_id}")


@member.command("list")
@click.argument("account_ref")
@json_option
@pass_state
def member_list(state: State, account_ref: str, as_json: bool) -> None:
    """List the members of the account ACCOUNT_REF, with the ids that redeem takes."""
    found = state.studio.members(state.account(account_ref).id)
    if as_json:
        print_json(found)
        return
    echo_table(
        ["ID", "NAME", "REF", "DEFAULT PASS"],
        [(m.id, m.name, m.ref, m.default_pass_id) for m in found],
        right={0, 3},
        empty="no members",
    )


@click.group()
def service() -> None:
    """Services: the class and appointment types that credits pay for."""


@service.command("add")
@click.argument("name")
@click.option("--category", required=True, help="A group of services, such as yoga or massage.")
@click.option("--minutes", type=int, required=True, help="How long one session lasts.")
@click.option("--price", type=int, help="The price of one session in minor units (cents).")
@click.option("--currency", help="The ISO 4217 code of --price, such as EUR.")
@setup_key_option
@json_option
@pass_state
def service_add(
    state: State,
    name: str,
    category: str,
    minutes: int,
    price: int | None,
    currency: str | None,
    key: str | None,
    as_json: bool,
) -> None:
    """Add a service called NAME."""
    added = state.studio.add_service(
        name,
        category=category,
        duration_minutes=minutes,
        price_minor=price,
        currency=currency.upper() if currency else None,
        **setup_call(state, key),
    )
    if as_json:
        print_json(added)
    else:
        click.echo(f"added service {added.id}: {added.name} ({_describe(added)})")


@click.command()
@json_option
@pass_state
def services(state: State, as_json: bool) -> None:
    """List the services, with the ids that grant and redeem take."""
    found = state.studio.services()
    if as_json:
        print_json(found)
        return
    echo_table(
        ["ID", "NAME", "CATEGORY", "MINUTES", "PRICE"],
        [(s.id, s.name, s.category, s.duration_minutes, _price(s)) for s in found],
        right={0, 3, 4},
        empty="no services",
    )


def _price(s: ServiceInfo) -> str:
    return "" if s.price_minor is None else format_money(s.price_minor, s.currency or "")


def _describe(s: ServiceInfo) -> str:
    price = _price(s)
    return f"{s.category}, {s.duration_minutes} min" + (f", {price}" if price else "")
