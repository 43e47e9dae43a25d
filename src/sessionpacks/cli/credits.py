"""The writes: grant credits, redeem them, and correct what was done."""

from __future__ import annotations

import datetime as dt

import click

from sessionpacks.cli import output
from sessionpacks.cli.state import (
    CHANNEL,
    Failure,
    State,
    idempotency_key,
    json_option,
    key_option,
    pass_state,
    print_json,
    reason_option,
)
from sessionpacks.cli.terms import pass_terms_options, terms_from
from sessionpacks.values import EntryResult, RedemptionPlan


@click.command()
@click.argument("account_ref")
@click.argument("quantity", type=int)
@click.option(
    "--member",
    "member_id",
    type=int,
    help="Only this member may use the pass (a student pass). Without it, any member of the"
    " account may (a family pass).",
)
@pass_terms_options
@click.option(
    "--paid",
    type=int,
    default=0,
    show_default=True,
    help="What was paid for the whole pass, in minor units; 0 for complimentary credits.",
)
@click.option("--paid-currency", help="The currency of --paid; by default --currency.")
@reason_option
@key_option
@json_option
@pass_state
def grant(
    state: State,
    account_ref: str,
    quantity: int,
    member_id: int | None,
    metric: str,
    currency: str | None,
    service_ids: tuple[int, ...],
    categories: tuple[str, ...],
    label: str,
    starts: dt.datetime | None,
    expires: dt.datetime | None,
    paid: int,
    paid_currency: str | None,
    reason: str,
    key: str | None,
    as_json: bool,
) -> None:
    """Give the account ACCOUNT_REF a new pass holding QUANTITY credits.

    For credits given for free or paid outside sessionpacks (at the desk, by bank transfer).
    """
    holder = state.account(account_ref)
    terms = terms_from(
        quantity,
        metric,
        currency,
        service_ids,
        categories,
        label,
        starts,
        expires,
        paid=paid,
        paid_currency=paid_currency,
    )
    granted = state.studio.grant(
        holder.id,
        terms,
        member_id=member_id,
        reason=reason,
        idempotency_key=idempotency_key(key, as_json),
        actor=state.actor,
        channel=CHANNEL,
    )
    if as_json:
        print_json(granted)
        return
    made = state.studio.pass_balance(granted.pass_id)
    who = "any member"
    if granted.member_id is not None:
        who = f"{state.studio.member(granted.member_id).name} (member {granted.member_id}) only"
    click.echo(
        f"granted pass {granted.pass_id} ({made.label}) to account {holder.ref!r}, for {who}:"
        f" {output.units(granted.quantity, granted.metric, granted.currency)}"
    )
    if made.starts_at:
        click.echo(f"starts {output.start(made.starts_at)} UTC")
    if made.expires_at:
        click.echo(f"expires {output.expiry(made.expires_at)} UTC")


@click.command()
@click.argument("member_id", type=int)
@click.argument("service_id", type=int)
@click.option("--pass", "pass_id", type=int, help="Take from this pass first.")
@click.option("--count", type=int, default=1, show_default=True, help="How many sessions.")
@click.option("--occurrence", "occurrence_ref", help="Your own site's id for the class.")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Only say which passes would pay and why; change nothing. Exits 1 if it would fail.",
)
@key_option
@json_option
@pass_state
def redeem(
    state: State,
    member_id: int,
    service_id: int,
    pass_id: int | None,
    count: int,
    occurrence_ref: str | None,
    dry_run: bool,
    key: str | None,
    as_json: bool,
) -> None:
    """Take what COUNT sessions of SERVICE_ID cost for MEMBER_ID, from the passes that pay."""
    studio = state.studio
    if dry_run:
        plan = studio.plan_redemption(member_id, service_id, pass_id=pass_id, count=count)
        if as_json:
            print_json(plan)
        else:
            _show_plan(state, plan)
        if not plan.possible:
            raise Failure(f"the redemption would fail: {plan.problem}")
        return
    result = studio.redeem(
        member_id,
        service_id,
        idempotency_key=idempotency_key(key, as_json),
        actor=state.actor,
        channel=CHANNEL,
        pass_id=pass_id,
        count=count,
        occurrence_ref=occurrence_ref,
    )
    if as_json:
        print_json(result)
        return
    who = studio.member(member_id).name
    what = studio.service(service_id).name
    click.echo(
        f"redeemed {output.units(result.units, result.metric, result.currency)} of {what}"
        f" for {who} (member {member_id}): redemption {result.redemption_id}"
    )
    output.echo_table(
        ["PASS", "TAKEN", "LEFT", "NUMBER"],
        [
            (
                p.pass_id,
                output.units(p.units, result.metric, result.currency),
                output.units(p.balance_after, result.metric, result.currency),
                output.nth(p.number, p.of),
            )
            for p in result.parts
        ],
        right={0, 1, 2},
    )


def _show_plan(state: State, plan: RedemptionPlan) -> None:
    studio = state.studio
    who = studio.member(plan.member_id)
    what = studio.service(plan.service_id).name
    held = {p.pass_id: p for p in studio.passes(who.account_id, include_voided=True)}

    def amount(pass_id: int, units: int) -> str:
        found = held.get(pass_id)
        return str(units) if found is None else output.units(units, found.metric, found.currency)

    click.echo("dry run: nothing was changed")
    if plan.possible:
        click.echo(f"{what} for {who.name} (member {who.id}) would be paid by:")
        output.echo_table(
            ["PASS", "TAKES", "WHY"],
            [(p.pass_id, amount(p.pass_id, p.units), p.why) for p in plan.parts],
            right={0, 1},
        )
    else:
        click.echo(f"{what} for {who.name} (member {who.id}) cannot be paid: {plan.problem}")
    click.echo("passes considered:")
    # What each pass holds comes from the passes read: a plan that cannot be paid reports every
    # considered pass as holding 0.
    output.echo_table(
        ["PASS", "USABLE", "REMAINING", "RANK", "WHY NOT"],
        [
            (
                c.pass_id,
                "yes" if c.usable else "no",
                amount(c.pass_id, held[c.pass_id].remaining if c.pass_id in held else c.remaining),
                c.rank,
                c.reason.value if c.reason else "",
            )
            for c in plan.considered
        ],
        right={0, 2, 3},
    )


@click.command()
@click.argument("redemption_id", type=int)
@reason_option
@key_option
@json_option
@pass_state
def reverse(state: State, redemption_id: int, reason: str, key: str | None, as_json: bool) -> None:
    """Give a redemption's credits back to the passes it took them from."""
    result = state.studio.reverse(
        redemption_id,
        reason=reason,
        idempotency_key=idempotency_key(key, as_json),
        actor=state.actor,
        channel=CHANNEL,
    )
    show_entries(state, result, f"reversed redemption {redemption_id}", as_json)


# A negative DELTA looks like an option to click; unknown options are kept as arguments instead.
@click.command(context_settings={"ignore_unknown_options": True})
@click.argument("pass_id", type=int)
@click.argument("delta", type=int)
@reason_option
@key_option
@json_option
@pass_state
def adjust(
    state: State, pass_id: int, delta: int, reason: str, key: str | None, as_json: bool
) -> None:
    """Correct PASS_ID by hand by DELTA units, up (5) or down (-2)."""
    result = state.studio.adjust(
        pass_id,
        delta,
        reason=reason,
        idempotency_key=idempotency_key(key, as_json),
        actor=state.actor,
        channel=CHANNEL,
    )
    show_entries(state, result, f"adjusted pass {pass_id}", as_json)


def show_entries(state: State, result: EntryResult, done: str, as_json: bool) -> None:
    if as_json:
        print_json(result)
        return
    click.echo(done)
    rows = []
    for pass_id, delta, after in zip(
        result.pass_ids, result.deltas, result.balances_after, strict=True
    ):
        held = state.studio.pass_balance(pass_id)
        rows.append(
            (
                pass_id,
                output.change(delta, held.metric, held.currency),
                output.units(after, held.metric, held.currency),
            )
        )
    output.echo_table(["PASS", "CHANGE", "BALANCE"], rows, right={0, 1, 2})
