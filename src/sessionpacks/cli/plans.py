"""Recurring plans (subscribe, renew, cancel, list) and the renewal sweep."""

from __future__ import annotations

import datetime as dt

import click

from sessionpacks.cli import output, progress
from sessionpacks.cli.moments import moment_option
from sessionpacks.cli.state import (
    CHANNEL,
    State,
    idempotency_key,
    json_option,
    key_option,
    pass_state,
    print_json,
)
from sessionpacks.enums import Billing, RenewalState, SubscriptionState
from sessionpacks.values import PlanPeriodResult


@click.command()
@click.argument("template_id", type=int)
@click.argument("account_ref")
@click.option("--member", "member_id", type=int, help="The member of a member (student) plan.")
@click.option(
    "--billing",
    type=click.Choice([b.value for b in Billing]),
    default=Billing.STUDIO.value,
    show_default=True,
    help="studio: charge each period through the payment plugin; external: your own billing"
    " renews it with renew-plan.",
)
@key_option
@json_option
@pass_state
def subscribe(
    state: State,
    template_id: int,
    account_ref: str,
    member_id: int | None,
    billing: str,
    key: str | None,
    as_json: bool,
) -> None:
    """Subscribe ACCOUNT_REF to the plan TEMPLATE_ID, starting now."""
    holder = state.account(account_ref)
    started = state.studio.subscribe(
        template_id,
        holder.id,
        member_id=member_id,
        billing=billing,
        idempotency_key=idempotency_key(key, as_json),
        actor=state.actor,
        channel=CHANNEL,
    )
    if as_json:
        print_json(started)
        return
    click.echo(f"subscription {started.subscription_id} for account {holder.ref!r}")
    _echo_period(started)


@click.command("renew-plan")
@click.argument("subscription_id", type=int)
@moment_option(
    "--paid-until", "through", "The end of the period paid: the same payment renews once."
)
@key_option
@json_option
@pass_state
def renew_plan(
    state: State,
    subscription_id: int,
    paid_until: dt.datetime | None,
    key: str | None,
    as_json: bool,
) -> None:
    """Begin the next period of SUBSCRIPTION_ID, once the current one has ended."""
    renewed = state.studio.renew_plan(
        subscription_id,
        period_paid_until=paid_until,
        idempotency_key=idempotency_key(key, as_json),
        actor=state.actor,
        channel=CHANNEL,
    )
    if as_json:
        print_json(renewed)
        return
    if not renewed.renewed:
        click.echo(f"subscription {subscription_id} already runs to {renewed.period_end:%Y-%m-%d}")
        return
    _echo_period(renewed)


@click.command("cancel-subscription")
@click.argument("subscription_id", type=int)
@key_option
@json_option
@pass_state
def cancel_subscription(state: State, subscription_id: int, key: str | None, as_json: bool) -> None:
    """Stop SUBSCRIPTION_ID: no further periods; the current one keeps its credits."""
    cancelled = state.studio.cancel_subscription(
        subscription_id,
        idempotency_key=idempotency_key(key, as_json),
        actor=state.actor,
        channel=CHANNEL,
    )
    if as_json:
        print_json(cancelled)
    else:
        click.echo(
            f"cancelled subscription {cancelled.id}; its period ends"
            f" {output.moment(cancelled.period_end)}"
        )


@click.command()
@click.option("--account", "account_ref", help="Only this account's subscriptions.")
@click.option("--state", "wanted", type=click.Choice([s.value for s in SubscriptionState]))
@json_option
@pass_state
def subscriptions(state: State, account_ref: str | None, wanted: str | None, as_json: bool) -> None:
    """List plan subscriptions and the period each is in."""
    account_id = state.account(account_ref).id if account_ref else None
    found = state.studio.subscriptions(account_id=account_id, state=wanted)
    if as_json:
        print_json(found)
        return
    output.echo_table(
        ["ID", "ACCOUNT", "TEMPLATE", "BILLING", "STATE", "PERIOD", "ENDS", "PASS"],
        [
            (
                s.id,
                s.account_id,
                s.template_id,
                s.billing.value,
                s.state.value,
                s.period_number,
                output.moment(s.period_end),
                s.current_pass_id,
            )
            for s in found
        ],
        right={0, 1, 2, 5, 7},
    )


@click.command()
@click.option("--state", "wanted", type=click.Choice([s.value for s in RenewalState]))
@json_option
@pass_state
def renewals(state: State, wanted: str | None, as_json: bool) -> None:
    """List the automatic re-sales of auto-renewing passes; --state failed shows why each was
    declined."""
    found = state.studio.renewals(state=wanted)
    if as_json:
        print_json(found)
        return
    output.echo_table(
        ["ID", "PASS", "STATE", "ATTEMPTS", "NEW PASS", "LAST ERROR"],
        [(r.id, r.pass_id, r.state.value, r.attempts, r.new_pass_id, r.last_error) for r in found],
        right={0, 1, 3, 4},
    )


@click.command("renew-due")
@json_option
@pass_state
def renew_due(state: State, as_json: bool) -> None:
    """Renew every studio-billed plan whose period ended, and sell again every auto-renewing
    pass used up or expired. Safe to run often and from several machines."""
    count = None if as_json else progress.running_count("renewals tried")
    report = state.studio.renew_due(on_progress=count)
    progress.finish(count)
    if as_json:
        print_json(report)
        return
    click.echo(
        f"renewed {len(report.plans)} plan period(s) and {len(report.passes)} pass(es);"
        f" {len(report.failures)} failed"
    )
    for failure in report.failures:
        click.echo(f"failed: {failure.kind} {failure.id}: {failure.error}")


def _echo_period(result: PlanPeriodResult) -> None:
    click.echo(
        f"period {result.period_number}: pass {result.pass_id} with {result.quantity} credits"
        f" until {output.moment(result.period_end)}"
        + (f"; {result.rolled_over} rolled over" if result.rolled_over else "")
        + (f"; {result.expired} expired" if result.expired else "")
    )


COMMANDS = (subscribe, renew_plan, cancel_subscription, subscriptions, renewals, renew_due)
