"""Templates (the products staff set up once), selling them, refunds, and the sales' payments."""

from __future__ import annotations

import collections
import datetime as dt
from collections.abc import Sequence

import attrs
import click

from sessionpacks.cli import output
from sessionpacks.cli.moments import moment_option
from sessionpacks.cli.state import (
    CHANNEL,
    State,
    idempotency_key,
    json_option,
    key_option,
    pass_state,
    print_json,
    reason_option,
    setup_call,
    setup_key_option,
)
from sessionpacks.enums import Metric, PaymentState, Scope, StartRule, TemplateKind
from sessionpacks.refunds import RefundInfo
from sessionpacks.selling import PaymentInfo
from sessionpacks.templates import TemplateInfo
from sessionpacks.units import format_money


@click.group()
def template() -> None:
    """Templates: the packs, passes and plans staff set up once, then sell or assign."""


@template.command("add")
@click.argument("name")
@click.argument("quantity", type=int)
@click.option(
    "--kind",
    type=click.Choice([k.value for k in TemplateKind]),
    default=TemplateKind.PACK.value,
    show_default=True,
    help="A punch pass, a session pack, or a recurring plan.",
)
@click.option(
    "--metric",
    type=click.Choice([m.value for m in Metric]),
    default=Metric.SESSIONS.value,
    show_default=True,
    help="What QUANTITY counts: sessions, minutes, or minor units (cents) of --currency.",
)
@click.option("--price", "price_minor", type=int, default=0, show_default=True, help="In cents.")
@click.option("--currency", help="The ISO 4217 code of the price (and of a money pack's credit).")
@click.option("--first-rate", "first_rate_minor", type=int, help="Money packs: the first session.")
@click.option(
    "--subsequent-rate", "subsequent_rate_minor", type=int, help="Money packs: every later one."
)
@click.option("--days", "validity_days", type=int, help="Valid this many days after its start.")
@click.option("--months", "validity_months", type=int, help="Valid this many calendar months.")
@moment_option("--until", "through", "A fixed end (end of season); a date alone: through it.")
@click.option(
    "--start",
    "start_rule",
    type=click.Choice([r.value for r in StartRule]),
    default=StartRule.ON_PURCHASE.value,
    show_default=True,
    help="When a pass starts: when sold, on --start-date, or at its first use.",
)
@moment_option("--start-date", "start", "The start of an on_date template.")
@click.option("--service", "services", type=int, multiple=True, help="A service id it pays for.")
@click.option("--category", "categories", multiple=True, help="A category it pays for.")
@click.option(
    "--scope",
    type=click.Choice([s.value for s in Scope]),
    default=Scope.ACCOUNT.value,
    show_default=True,
    help="account: any member of the family may use it; member: one named member only.",
)
@click.option("--member-cap", type=int, help="A family pass: what each member may use at most.")
@click.option("--priority", type=int, default=0, show_default=True, help="Higher pays first.")
@click.option(
    "--keep-expiry-on-unsuspend",
    is_flag=True,
    help="Unsuspending does not move the expiry out by the time suspended.",
)
@click.option("--not-refundable", is_flag=True, help="Sold passes cannot be refunded.")
@click.option("--auto-renew", is_flag=True, help="Sell a pass again when it is used up or expires.")
@click.option("--period-days", type=int, help="Plans: each period lasts this many days.")
@click.option("--period-months", type=int, help="Plans: each period lasts this many months.")
@click.option("--rollover", is_flag=True, help="Plans: unused credits move into the next period.")
@click.option("--rollover-cap", type=int, help="Plans: roll over at most this many credits.")
@setup_key_option
@json_option
@pass_state
def template_add(
    state: State,
    name: str,
    quantity: int,
    kind: str,
    metric: str,
    price_minor: int,
    currency: str | None,
    first_rate_minor: int | None,
    subsequent_rate_minor: int | None,
    validity_days: int | None,
    validity_months: int | None,
    until: dt.datetime | None,
    start_rule: str,
    start_date: dt.datetime | None,
    services: tuple[int, ...],
    categories: tuple[str, ...],
    scope: str,
    member_cap: int | None,
    priority: int,
    keep_expiry_on_unsuspend: bool,
    not_refundable: bool,
    auto_renew: bool,
    period_days: int | None,
    period_months: int | None,
    rollover: bool,
    rollover_cap: int | None,
    key: str | None,
    as_json: bool,
) -> None:
    """Add a template called NAME holding QUANTITY credits (a plan: each period)."""
    made = state.studio.create_template(
        name,
        quantity=quantity,
        kind=kind,
        metric=metric,
        price_minor=price_minor,
        currency=currency.upper() if currency else None,
        first_rate_minor=first_rate_minor,
        subsequent_rate_minor=subsequent_rate_minor,
        validity_days=validity_days,
        validity_months=validity_months,
        valid_until=until,
        start_rule=start_rule,
        start_date=start_date,
        services=services,
        categories=categories,
        scope=scope,
        member_cap=member_cap,
        priority=priority,
        extend_on_unsuspend=not keep_expiry_on_unsuspend,
        refundable=not not_refundable,
        auto_renew=auto_renew,
        period_days=period_days,
        period_months=period_months,
        rollover=rollover,
        rollover_cap=rollover_cap,
        **setup_call(state, key),
    )
    if as_json:
        print_json(made)
    else:
        click.echo(f"added template {made.id}: {made.name}, {_describe(made)}")


@template.command("list")
@click.option("--archived", is_flag=True, help="Include archived templates.")
@json_option
@pass_state
def template_list(state: State, archived: bool, as_json: bool) -> None:
    """List the templates that can be sold (and, with --archived, the others)."""
    found = state.studio.templates(include_archived=archived)
    if as_json:
        print_json(found)
        return
    output.echo_table(
        ["ID", "NAME", "KIND", "HOLDS", "PRICE", "VALID", "SCOPE", "ARCHIVED"],
        [
            (
                t.id,
                t.name,
                t.kind.value,
                output.units(t.quantity, t.metric, t.currency),
                _price(t),
                _validity(t),
                t.scope.value,
                output.moment(t.archived_at),
            )
            for t in found
        ],
        right={0},
    )


@template.command("archive")
@click.argument("template_id", type=int)
@json_option
@pass_state
def template_archive(state: State, template_id: int, as_json: bool) -> None:
    """Stop selling TEMPLATE_ID; passes already made keep their terms."""
    archived = state.studio.archive_template(template_id)
    if as_json:
        print_json(archived)
    else:
        click.echo(f"archived template {archived.id} ({archived.name})")


@click.command()
@click.argument("template_id", type=int)
@click.argument("account_ref")
@click.option("--member", "member_id", type=int, help="The member of a member (student) pass.")
@moment_option("--starts", "start", "Date the pass ahead; a date alone means 00:00 UTC that day.")
@key_option
@json_option
@pass_state
def sell(
    state: State,
    template_id: int,
    account_ref: str,
    member_id: int | None,
    starts: dt.datetime | None,
    key: str | None,
    as_json: bool,
) -> None:
    """Sell TEMPLATE_ID to ACCOUNT_REF: charge through the payment plugin (see --plugin), then
    make the pass. A retry with the same --key never charges twice."""
    holder = state.account(account_ref)
    sold = state.studio.sell(
        template_id,
        holder.id,
        member_id=member_id,
        starts_at=starts,
        idempotency_key=idempotency_key(key, as_json),
        actor=state.actor,
        channel=CHANNEL,
    )
    if as_json:
        print_json(sold)
        return
    paid = format_money(sold.amount_minor, sold.currency) if sold.currency else "nothing"
    click.echo(
        f"sold pass {sold.pass_id} to account {holder.ref!r}:"
        f" {output.units(sold.quantity, sold.metric, sold.currency)} for {paid}"
        + (f" (charge {sold.charge_reference})" if sold.charge_reference else "")
    )
    if sold.starts_at:
        click.echo(f"starts {output.start(sold.starts_at)} UTC")
    if sold.expires_at:
        click.echo(f"expires {output.expiry(sold.expires_at)} UTC")


@click.command()
@click.argument("template_id", type=int)
@click.argument("account_ref")
@click.option("--member", "member_id", type=int, help="The member of a member (student) pass.")
@moment_option("--starts", "start", "Date the pass ahead; a date alone means 00:00 UTC that day.")
@reason_option
@key_option
@json_option
@pass_state
def assign(
    state: State,
    template_id: int,
    account_ref: str,
    member_id: int | None,
    starts: dt.datetime | None,
    reason: str,
    key: str | None,
    as_json: bool,
) -> None:
    """Give ACCOUNT_REF a pass made from TEMPLATE_ID without charging: complimentary, or paid
    outside sessionpacks. Like grant, it cannot be refunded."""
    holder = state.account(account_ref)
    granted = state.studio.assign(
        template_id,
        holder.id,
        member_id=member_id,
        starts_at=starts,
        reason=reason,
        idempotency_key=idempotency_key(key, as_json),
        actor=state.actor,
        channel=CHANNEL,
    )
    if as_json:
        print_json(granted)
        return
    made = state.studio.pass_balance(granted.pass_id)
    click.echo(
        f"assigned pass {granted.pass_id} ({made.label}) to account {holder.ref!r}:"
        f" {output.units(granted.quantity, granted.metric, granted.currency)}"
    )
    if made.expires_at:
        click.echo(f"expires {output.expiry(made.expires_at)} UTC")


@click.command()
@click.argument("pass_id", type=int)
@reason_option
@key_option
@json_option
@pass_state
def refund(state: State, pass_id: int, reason: str, key: str | None, as_json: bool) -> None:
    """Refund the unused part of sold pass PASS_ID, pro rata to what was paid (rounded down),
    and end the pass."""
    done = state.studio.refund(
        pass_id,
        reason=reason,
        idempotency_key=idempotency_key(key, as_json),
        actor=state.actor,
        channel=CHANNEL,
    )
    if as_json:
        print_json(done)
        return
    held = state.studio.pass_balance(pass_id)
    amount = format_money(done.amount_minor, done.currency) if done.currency else "nothing"
    click.echo(
        f"refunded pass {pass_id}: {output.units(done.units, held.metric, held.currency)} unused,"
        f" {amount} back" + (f" ({done.refund_reference})" if done.refund_reference else "")
    )


@click.group(invoke_without_command=True)
@click.option(
    "--state",
    "wanted",
    type=click.Choice([s.value for s in PaymentState]),
    help="Only payments in this state; needs_attention lists charges a failed sale left.",
)
@json_option
@click.pass_context
def payments(ctx: click.Context, wanted: str | None, as_json: bool) -> None:
    """The payments of sales; `payments retry` finishes what a crash or a time-out left."""
    if ctx.invoked_subcommand is None:
        state = ctx.find_object(State)
        assert state is not None  # the root command made it
        _payment_table(state.studio.payments(state=wanted), as_json)


@attrs.frozen
class RetryOutcome:
    """What `payments retry --json` prints: the sales retried, the refunds still unanswered."""

    payments: tuple[PaymentInfo, ...]
    refunds_waiting: tuple[RefundInfo, ...]


@payments.command("retry")
@json_option
@pass_state
def payments_retry(state: State, as_json: bool) -> None:
    """Finish every half-done sale and refund: ask the provider again under the same key (it
    never charges or refunds twice), make the passes of charges taken, give back charges whose
    pass can no longer be made. Prints a summary by state, then the sales and refunds."""
    sales = state.studio.retry_payments()
    refunds = state.studio.refunds()
    waiting = [r for r in refunds if r.state.value in ("pending", "unknown")]
    if as_json:
        print_json(RetryOutcome(payments=sales, refunds_waiting=tuple(waiting)))
        return
    counts = collections.Counter(p.state.value for p in sales)
    summary = ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in sorted(counts.items()))
    click.echo(f"sales retried: {len(sales)}" + (f" ({summary})" if summary else ""))
    click.echo(f"refunds still waiting for the provider: {len(waiting)}")
    if sales:
        _payment_table(sales, as_json=False)


def _payment_table(found: Sequence[PaymentInfo], as_json: bool) -> None:
    if as_json:
        print_json(found)
        return
    output.echo_table(
        ["ID", "KEY", "ACCOUNT", "AMOUNT", "STATE", "CHARGE", "PASS", "LAST ERROR"],
        [
            (
                p.id,
                p.idempotency_key,
                p.account_id,
                format_money(p.amount_minor, p.currency) if p.currency else "0",
                p.state.value,
                p.charge_reference,
                p.pass_id,
                p.last_error,
            )
            for p in found
        ],
        right={0, 2, 3, 6},
    )


def _price(t: TemplateInfo) -> str:
    return format_money(t.price_minor, t.currency) if t.currency else "free"


def _validity(t: TemplateInfo) -> str:
    if t.validity_days:
        return f"{t.validity_days} days"
    if t.validity_months:
        return f"{t.validity_months} months"
    if t.valid_until:
        return f"until {output.expiry(t.valid_until)}"
    return "no expiry"


def _describe(t: TemplateInfo) -> str:
    return (
        f"{t.kind.value} of {output.units(t.quantity, t.metric, t.currency)} for {_price(t)},"
        f" {_validity(t)}, starts {t.start_rule.value.replace('_', ' ')}"
    )
