"""The one object a host builds to use sessionpacks: every service is a method on it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import TypeVar

import pluggy
from sqlalchemy import update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from sessionpacks import (
    corrections,
    directory,
    granting,
    hookspecs,
    lifecycle,
    reading,
    redeeming,
    selling,
    templates,
    validation,
)
from sessionpacks.clock import Clock, SystemClock
from sessionpacks.database import prepare_engine
from sessionpacks.defaults import DefaultPlugins
from sessionpacks.enums import (
    Channel,
    Metric,
    PassState,
    PaymentState,
    Scope,
    Source,
    StartRule,
    TemplateKind,
)
from sessionpacks.errors import (
    ConfigurationError,
    InvalidInput,
    InvalidState,
    NotAuthorized,
    PassUnusable,
    Unusable,
)
from sessionpacks.models import Member, table
from sessionpacks.outbox import Outbox, RetryReport
from sessionpacks.settings import Settings
from sessionpacks.templates import TemplateInfo
from sessionpacks.transactions import WriteContext, Writer, check_channel, check_key
from sessionpacks.values import (
    Actor,
    Balance,
    EntryResult,
    GrantResult,
    HistoryEntry,
    LifecycleResult,
    PassBalance,
    PassRefundResult,
    PassTerms,
    RedeemResult,
    RedemptionPlan,
    SaleResult,
    Target,
    VerifyProblem,
)

T = TypeVar("T")
_members = table(Member)


class Studio:
    """sessionpacks for one studio's database.

    Built from a session factory bound to an engine, the settings, the host's plugins and a clock;
    it keeps no module globals, so a test or a second studio gets its own. Writes take an
    idempotency key, an actor and a channel, and return frozen results; reads take an optional
    ``as_of`` moment.
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session] | Engine,
        *,
        settings: Settings | None = None,
        plugins: Iterable[object] = (),
        clock: Clock | None = None,
    ) -> None:
        if isinstance(session_factory, Engine):
            session_factory = sessionmaker(session_factory)
        bind = session_factory.kw.get("bind")
        if not isinstance(bind, Engine):
            raise ConfigurationError("the session factory must be bound to an Engine")
        prepare_engine(bind)
        self.session_factory = session_factory
        self.settings = settings or Settings()
        self.clock = clock or SystemClock()
        self.hooks = pluggy.PluginManager(hookspecs.PROJECT)
        self.hooks.add_hookspecs(hookspecs)
        self.hooks.register(
            DefaultPlugins(session_factory, self.settings, self.clock), name="sessionpacks.defaults"
        )
        for plugin in plugins:
            self.hooks.register(plugin)
        self.outbox = Outbox(
            session_factory, self.hooks, self.clock, self.settings.side_effect_attempts
        )
        self._writer = Writer(
            session_factory, self.clock, self.outbox, self.settings.transaction_attempts
        )
        self._sales = selling.Sales(
            session_factory, self.hooks, self.clock, self._writer, self._allow
        )

    # -- the directory ---------------------------------------------------------------------

    def add_account(self, ref: str, name: str) -> directory.AccountInfo:
        """Register a paying account under the host's own id for it."""
        with self.session_factory.begin() as session:
            return directory.add_account(session.connection(), self.clock.now(), ref, name)

    def add_member(
        self, account_id: int, name: str, *, ref: str | None = None
    ) -> directory.MemberInfo:
        with self.session_factory.begin() as session:
            return directory.add_member(
                session.connection(), self.clock.now(), account_id, name, ref
            )

    def add_service(
        self,
        name: str,
        *,
        category: str,
        duration_minutes: int,
        price_minor: int | None = None,
        currency: str | None = None,
    ) -> directory.ServiceInfo:
        with self.session_factory.begin() as session:
            return directory.add_service(
                session.connection(),
                self.clock.now(),
                name,
                category,
                duration_minutes,
                price_minor,
                currency,
            )

    def account(self, account_id: int) -> directory.AccountInfo:
        return self._read(lambda conn: directory.get_account(conn, account_id))

    def account_by_ref(self, ref: str) -> directory.AccountInfo:
        return self._read(lambda conn: directory.find_account(conn, ref))

    def member(self, member_id: int) -> directory.MemberInfo:
        return self._read(lambda conn: directory.get_member(conn, member_id))

    def members(self, account_id: int) -> tuple[directory.MemberInfo, ...]:
        return self._read(lambda conn: directory.list_members(conn, account_id))

    def service(self, service_id: int) -> directory.ServiceInfo:
        return self._read(lambda conn: directory.get_service(conn, service_id))

    def services(self) -> tuple[directory.ServiceInfo, ...]:
        return self._read(directory.list_services)

    def set_default_pass(self, member_id: int, pass_id: int | None) -> None:
        """Make ``pass_id`` the pack used first for this member's redemptions (None clears it)."""
        with self.session_factory.begin() as session:
            conn = session.connection()
            member = directory.get_member(conn, member_id)
            if pass_id is not None:
                held = reading.pass_balance(conn, pass_id, self.clock.now(), None)
                if held.account_id != member.account_id or held.member_id not in (None, member_id):
                    raise PassUnusable(pass_id, Unusable.NOT_USABLE_BY_MEMBER)
                if held.state is PassState.VOIDED:
                    raise PassUnusable(pass_id, Unusable.VOIDED)
                if held.state is PassState.REFUNDED:
                    raise PassUnusable(pass_id, Unusable.REFUNDED)
            conn.execute(
                update(_members).where(_members.c.id == member_id).values(default_pass_id=pass_id)
            )

    # -- writes ----------------------------------------------------------------------------

    def grant(
        self,
        account_id: int,
        terms: PassTerms,
        *,
        reason: str,
        idempotency_key: str,
        actor: Actor,
        channel: Channel | str,
        member_id: int | None = None,
    ) -> GrantResult:
        """Add credits to an account (or, with ``member_id``, to one member) as a new pass."""
        terms = granting.check_terms(terms)
        reason = validation.reason(reason)

        def work(ctx: WriteContext) -> GrantResult:
            self._authorize(ctx, "grant", Target("account", account_id, account_id))
            return granting.grant(ctx, account_id, member_id, terms, reason)

        return self._writer.write(
            "grant",
            {"account_id": account_id, "member_id": member_id, "terms": terms, "reason": reason},
            idempotency_key=idempotency_key,
            actor=actor,
            channel=channel,
            result_type=GrantResult,
            work=work,
        )

    def redeem(
        self,
        member_id: int,
        service_id: int,
        *,
        idempotency_key: str,
        actor: Actor,
        channel: Channel | str,
        pass_id: int | None = None,
        count: int = 1,
        occurrence_ref: str | None = None,
        occurred_at: dt.datetime | None = None,
    ) -> RedeemResult:
        """Take what ``count`` attendances of a service cost for a member, from the passes that
        DOMAIN.md's order (or the host's selection hook) picks; ``pass_id`` names one to use first.
        """
        validation.positive("count", count)
        occurred = validation.moment("occurred_at", occurred_at)
        if occurrence_ref is not None:
            validation.name("occurrence_ref", occurrence_ref, 191)

        def work(ctx: WriteContext) -> RedeemResult:
            at = occurred or ctx.now
            choice = redeeming.choose(
                ctx.conn,
                self.hooks,
                member_id,
                service_id,
                named_pass_id=pass_id,
                count=count,
                at=at,
                lock=True,
            )
            self._authorize(ctx, "redeem", Target("member", member_id, choice.member.account_id))
            return redeeming.redeem(ctx, choice, occurrence_ref=occurrence_ref, occurred_at=at)

        return self._writer.write(
            "redeem",
            {
                "member_id": member_id,
                "service_id": service_id,
                "pass_id": pass_id,
                "count": count,
                "occurrence_ref": occurrence_ref,
                "occurred_at": occurred,
            },
            idempotency_key=idempotency_key,
            actor=actor,
            channel=channel,
            result_type=RedeemResult,
            work=work,
        )

    def plan_redemption(
        self,
        member_id: int,
        service_id: int,
        *,
        pass_id: int | None = None,
        count: int = 1,
        at: dt.datetime | None = None,
    ) -> RedemptionPlan:
        """A dry run of :meth:`redeem`: which passes would pay and why, changing nothing."""
        validation.positive("count", count)
        moment = validation.moment("at", at) or self.clock.now()
        return self._read(
            lambda conn: redeeming.plan(
                conn,
                self.hooks,
                member_id,
                service_id,
                named_pass_id=pass_id,
                count=count,
                at=moment,
            )
        )

    def reverse(
        self,
        redemption_id: int,
        *,
        reason: str,
        idempotency_key: str,
        actor: Actor,
        channel: Channel | str,
    ) -> EntryResult:
        """Give a redemption's units back to the passes it took them from."""
        reason = validation.reason(reason)
        return self._writer.write(
            "reverse",
            {"redemption_id": redemption_id, "reason": reason},
            idempotency_key=idempotency_key,
            actor=actor,
            channel=channel,
            result_type=EntryResult,
            work=lambda ctx: corrections.reverse(ctx, self._authorize, redemption_id, reason),
        )

    def adjust(
        self,
        pass_id: int,
        delta: int,
        *,
        reason: str,
        idempotency_key: str,
        actor: Actor,
        channel: Channel | str,
    ) -> EntryResult:
        """Correct a pass by hand, up or down, with a reason for the audit trail."""
        if validation.whole_number("delta", delta) == 0:
            raise InvalidInput("an adjustment of zero changes nothing; give a delta")
        reason = validation.reason(reason)
        return self._writer.write(
            "adjust",
            {"pass_id": pass_id, "delta": delta, "reason": reason},
            idempotency_key=idempotency_key,
            actor=actor,
            channel=channel,
            result_type=EntryResult,
            work=lambda ctx: corrections.adjust(ctx, self._authorize, pass_id, delta, reason),
        )

    def void(
        self,
        pass_id: int,
        *,
        reason: str,
        idempotency_key: str,
        actor: Actor,
        channel: Channel | str,
    ) -> EntryResult:
        """Delete a pass: what remains is voided, the pass is hidden, its entries stay."""
        reason = validation.reason(reason)
        return self._writer.write(
            "void",
            {"pass_id": pass_id, "reason": reason},
            idempotency_key=idempotency_key,
            actor=actor,
            channel=channel,
            result_type=EntryResult,
            work=lambda ctx: corrections.void(ctx, self._authorize, pass_id, reason),
        )

    # -- templates and selling (issue 3) ---------------------------------------------------

    def create_template(
        self,
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
        services: Iterable[int] = (),
        categories: Iterable[str] = (),
        scope: Scope | str = Scope.ACCOUNT,
        member_cap: int | None = None,
        priority: int = 0,
        extend_on_unsuspend: bool = True,
        refundable: bool = True,
    ) -> TemplateInfo:
        """Set up a product once, to sell or assign. See :class:`~sessionpacks.TemplateInfo`."""
        with self.session_factory.begin() as session:
            return templates.create(
                session.connection(),
                self.clock.now(),
                name,
                quantity=quantity,
                kind=kind,
                metric=metric,
                price_minor=price_minor,
                currency=currency,
                first_rate_minor=first_rate_minor,
                subsequent_rate_minor=subsequent_rate_minor,
                validity_days=validity_days,
                validity_months=validity_months,
                valid_until=valid_until,
                start_rule=start_rule,
                start_date=start_date,
                services=tuple(services),
                categories=tuple(categories),
                scope=scope,
                member_cap=member_cap,
                priority=priority,
                extend_on_unsuspend=extend_on_unsuspend,
                refundable=refundable,
            )

    def template(self, template_id: int) -> TemplateInfo:
        return self._read(lambda conn: templates.get(conn, template_id))

    def templates(self, *, include_archived: bool = False) -> tuple[TemplateInfo, ...]:
        return self._read(lambda conn: templates.listing(conn, include_archived))

    def archive_template(self, template_id: int) -> TemplateInfo:
        """Stop selling a template. Passes already made from it keep every term they copied."""
        with self.session_factory.begin() as session:
            return templates.archive(session.connection(), self.clock.now(), template_id)

    def template_terms(
        self, template_id: int, *, starts_at: dt.datetime | None = None
    ) -> PassTerms:
        """The terms of a pass made from a template now, for :meth:`grant`, to adjust before
        granting; :meth:`assign` grants them as they are."""
        moment = validation.moment("starts_at", starts_at)
        found = self.template(template_id)
        if found.archived_at is not None:
            raise InvalidState(f"template {template_id} was archived and cannot be assigned")
        return templates.pass_terms(found, self.clock.now(), source=Source.GRANT, starts_at=moment)

    def assign(
        self,
        template_id: int,
        account_id: int,
        *,
        reason: str,
        idempotency_key: str,
        actor: Actor,
        channel: Channel | str,
        member_id: int | None = None,
        starts_at: dt.datetime | None = None,
    ) -> GrantResult:
        """Give a client a pass made from a template without charging: complimentary, or paid
        outside sessionpacks. It is a manual grant (action ``grant``), so it cannot be refunded."""
        reason = validation.reason(reason)
        moment = validation.moment("starts_at", starts_at)

        def work(ctx: WriteContext) -> GrantResult:
            self._authorize(ctx, "grant", Target("account", account_id, account_id))
            found = templates.get(ctx.conn, template_id)
            templates.check_usable(found, member_id, "assigned")
            # The terms are made inside the write, at its moment, so a replay matches the call
            # and not the clock.
            terms = templates.pass_terms(found, ctx.now, source=Source.GRANT, starts_at=moment)
            return granting.grant(ctx, account_id, member_id, granting.check_terms(terms), reason)

        return self._writer.write(
            "assign",
            {
                "template_id": template_id,
                "account_id": account_id,
                "member_id": member_id,
                "starts_at": moment,
                "reason": reason,
            },
            idempotency_key=idempotency_key,
            actor=actor,
            channel=channel,
            result_type=GrantResult,
            work=work,
        )

    def sell(
        self,
        template_id: int,
        account_id: int,
        *,
        idempotency_key: str,
        actor: Actor,
        channel: Channel | str,
        member_id: int | None = None,
        starts_at: dt.datetime | None = None,
    ) -> SaleResult:
        """Charge for a template through the payment hook, then make the pass it describes.

        A declined charge sells nothing; a failure after the charge refunds it or keeps it for
        retry (:class:`~sessionpacks.errors.SaleFailed`). Retrying with the same idempotency key
        never charges twice. ``starts_at`` dates the pass ahead instead of the template's rule.
        """
        check_key(idempotency_key)
        door = check_channel(channel)
        moment = validation.moment("starts_at", starts_at)
        return self._sales.sell(
            template_id,
            account_id,
            member_id,
            moment,
            key=idempotency_key,
            actor=actor,
            channel=door,
        )

    def refund(
        self,
        pass_id: int,
        *,
        reason: str,
        idempotency_key: str,
        actor: Actor,
        channel: Channel | str,
    ) -> PassRefundResult:
        """End a sold pass, refunding its unused part pro rata to what was paid, rounded down
        (a fraction of a minor unit stays with the studio). The pass becomes ``refunded``."""
        reason = validation.reason(reason)
        return self._writer.write(
            "refund",
            {"pass_id": pass_id, "reason": reason},
            idempotency_key=idempotency_key,
            actor=actor,
            channel=channel,
            result_type=PassRefundResult,
            work=lambda ctx: selling.refund(
                ctx, self._authorize, self.hooks, pass_id, reason, idempotency_key
            ),
        )

    def payments(
        self, *, state: PaymentState | str | None = None
    ) -> tuple[selling.PaymentInfo, ...]:
        """The sales' payments, oldest first; ``state="needs_attention"`` lists the lost ones."""
        return self._sales.payments(None if state is None else PaymentState(state))

    def retry_payments(self) -> tuple[selling.PaymentInfo, ...]:
        """Refund the charges of sales that failed and whose refund failed too."""
        return self._sales.retry_payments()

    # -- lifecycle (issue 3) ---------------------------------------------------------------

    def suspend(
        self,
        pass_id: int,
        *,
        reason: str,
        idempotency_key: str,
        actor: Actor,
        channel: Channel | str,
    ) -> LifecycleResult:
        """Freeze a pass: it cannot be redeemed until :meth:`unsuspend`."""
        reason = validation.reason(reason)
        return self._lifecycle_write(
            "suspend",
            {"pass_id": pass_id, "reason": reason},
            idempotency_key,
            actor,
            channel,
            lambda ctx: lifecycle.suspend(ctx, self._authorize, pass_id, reason),
        )

    def unsuspend(
        self,
        pass_id: int,
        *,
        reason: str,
        idempotency_key: str,
        actor: Actor,
        channel: Channel | str,
    ) -> LifecycleResult:
        """End a freeze; by the pass's policy its expiry moves out by the time suspended."""
        reason = validation.reason(reason)
        return self._lifecycle_write(
            "unsuspend",
            {"pass_id": pass_id, "reason": reason},
            idempotency_key,
            actor,
            channel,
            lambda ctx: lifecycle.unsuspend(ctx, self._authorize, pass_id, reason),
        )

    def extend(
        self,
        pass_id: int,
        *,
        reason: str,
        idempotency_key: str,
        actor: Actor,
        channel: Channel | str,
        expires_at: dt.datetime | None = None,
        by: dt.timedelta | None = None,
    ) -> LifecycleResult:
        """Move a pass's expiry to ``expires_at``, or out ``by`` a span. An expired pass reopens
        with what its expiry forfeited."""
        reason = validation.reason(reason)
        moment = validation.moment("expires_at", expires_at)
        if (moment is None) == (by is None):
            raise InvalidInput("give either expires_at or by, not both and not neither")
        if by is not None and (not isinstance(by, dt.timedelta) or by <= dt.timedelta(0)):
            raise InvalidInput(f"by must be a positive timedelta, got {by!r}")
        return self._lifecycle_write(
            "extend",
            {"pass_id": pass_id, "reason": reason, "expires_at": moment, "by": _seconds(by)},
            idempotency_key,
            actor,
            channel,
            lambda ctx: lifecycle.extend(ctx, self._authorize, pass_id, moment, by, reason),
        )

    def expire(
        self,
        pass_id: int,
        *,
        idempotency_key: str,
        actor: Actor,
        channel: Channel | str = Channel.SYSTEM,
    ) -> LifecycleResult:
        """Close a pass past its expiry, recording what it forfeited (for the expiry sweep)."""
        return self._lifecycle_write(
            "expire",
            {"pass_id": pass_id},
            idempotency_key,
            actor,
            channel,
            lambda ctx: lifecycle.expire(ctx, self._authorize, pass_id),
        )

    def _lifecycle_write(
        self,
        action: str,
        arguments: dict[str, object],
        idempotency_key: str,
        actor: Actor,
        channel: Channel | str,
        work: Callable[[WriteContext], LifecycleResult],
    ) -> LifecycleResult:
        return self._writer.write(
            action,
            arguments,
            idempotency_key=idempotency_key,
            actor=actor,
            channel=channel,
            result_type=LifecycleResult,
            work=work,
        )

    # -- reads -----------------------------------------------------------------------------

    def pass_balance(self, pass_id: int, *, as_of: dt.datetime | None = None) -> PassBalance:
        moment = validation.moment("as_of", as_of)
        return self._read(
            lambda conn: reading.pass_balance(conn, pass_id, self.clock.now(), moment)
        )

    def passes(
        self, account_id: int, *, as_of: dt.datetime | None = None, include_voided: bool = False
    ) -> tuple[PassBalance, ...]:
        """The account's passes with their balances; deleted passes are hidden unless asked for."""
        moment = validation.moment("as_of", as_of)
        return self._read(
            lambda conn: reading.account_passes(
                conn, account_id, self.clock.now(), moment, include_voided
            )
        )

    def account_balance(
        self, account_id: int, *, as_of: dt.datetime | None = None
    ) -> tuple[Balance, ...]:
        """What the account can still spend, per metric and currency."""
        return reading.totals(self.passes(account_id, as_of=as_of))

    def member_balance(self, member_id: int, service_id: int) -> tuple[Balance, ...]:
        """What this member can spend on this service now, counting family passes and caps."""
        return self._read(
            lambda conn: redeeming.usable_balance(conn, member_id, service_id, self.clock.now())
        )

    def history(
        self,
        *,
        account_id: int | None = None,
        member_id: int | None = None,
        pass_id: int | None = None,
        as_of: dt.datetime | None = None,
        limit: int | None = None,
    ) -> tuple[HistoryEntry, ...]:
        """Ledger entries, newest first, with "session n of N" on redemptions that still count."""
        if account_id is None and member_id is None and pass_id is None:
            raise InvalidInput("history needs an account_id, a member_id or a pass_id")
        if limit is not None:
            validation.positive("limit", limit)
        moment = validation.moment("as_of", as_of)
        return self._read(
            lambda conn: reading.history(
                conn,
                account_id=account_id,
                member_id=member_id,
                pass_id=pass_id,
                as_of=moment,
                limit=limit,
            )
        )

    def verify(self) -> tuple[VerifyProblem, ...]:
        """Every pass whose cached balance disagrees with its ledger; empty when all agree."""
        return self._read(reading.verify)

    def retry_side_effects(self) -> RetryReport:
        """Deliver the emails, tasks and events that failed or were never sent."""
        return self.outbox.retry()

    # -- internals -------------------------------------------------------------------------

    def _read(self, query: Callable[[Connection], T]) -> T:
        with self.session_factory() as session:
            return query(session.connection())

    def _authorize(self, ctx: WriteContext, action: str, target: Target) -> None:
        self._allow(ctx.actor, action, target)

    def _allow(self, actor: Actor, action: str, target: Target) -> None:
        allowed = self.hooks.hook.sessionpacks_authorize(actor=actor, action=action, target=target)
        if not allowed:
            raise NotAuthorized(
                f"{actor.kind} {actor.id!r} may not {action} {target.kind} {target.id}"
                " (the authorization hook said no)"
            )


def _seconds(span: dt.timedelta | None) -> int | None:
    """A span as whole seconds, to fingerprint an extend call."""
    return None if span is None else int(span.total_seconds())
