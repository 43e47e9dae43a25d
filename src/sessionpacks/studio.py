"""The one object a host builds to use sessionpacks: every service is a method on it."""

from __future__ import annotations

import copy
import datetime as dt
import enum
import functools
import itertools
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Concatenate, ParamSpec, TypeVar

import pluggy
from sqlalchemy import update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from sessionpacks import (
    actor_names,
    boundary,
    bulk_granting,
    client_import,
    corrections,
    directory,
    granting,
    hookspecs,
    lifecycle,
    plans,
    reading,
    redeeming,
    selling,
    staff_tasks,
    templates,
    validation,
)
from sessionpacks import bookings as booking_rules
from sessionpacks import refunds as refunding
from sessionpacks import renewals as renewing
from sessionpacks import schedule as scheduling
from sessionpacks.bookings import (
    BookingRecord,
    BookingResult,
    OccurrenceCancelled,
    ReminderReport,
)
from sessionpacks.clock import Clock, SystemClock
from sessionpacks.database import own_engine, writing
from sessionpacks.defaults import DefaultPlugins
from sessionpacks.due_work import DueWorkReport
from sessionpacks.enums import (
    BatchState,
    Billing,
    Channel,
    CreditTaken,
    ItemOutcome,
    Metric,
    PassState,
    PaymentState,
    RefundState,
    RenewalState,
    Scope,
    Source,
    StartRule,
    SubscriptionState,
    TemplateKind,
)
from sessionpacks.errors import (
    ConfigurationError,
    InvalidInput,
    InvalidState,
    NotAuthorized,
    PassUnusable,
    SessionPacksError,
    Unusable,
)
from sessionpacks.expiry import ExpiryBatch, ExpiryReport, expire_batch
from sessionpacks.expiry import written_by as expiry_written_by
from sessionpacks.joining import Host, JoinedWriter
from sessionpacks.models import Member, table
from sessionpacks.outbox import Outbox, RetryReport
from sessionpacks.reminders import (
    NoticeKind,
    PassReminderReport,
    ReminderBatch,
    ReminderRules,
    SentNotice,
    send_batch,
)
from sessionpacks.reports import Reports
from sessionpacks.schedule import BookingPolicy, OccurrenceInfo
from sessionpacks.settings import Settings
from sessionpacks.staff_tasks import TaskInfo, TaskState
from sessionpacks.templates import TemplateInfo
from sessionpacks.transactions import WriteContext, Writer, check_channel, check_key
from sessionpacks.values import (
    Actor,
    AutoRenewResult,
    Balance,
    BatchItem,
    BulkGrantReport,
    EntryResult,
    GrantResult,
    HistoryEntry,
    LifecycleResult,
    PassBalance,
    PassRefundResult,
    PassTerms,
    PlanPeriodResult,
    Recipient,
    RedeemResult,
    RedemptionPlan,
    SaleResult,
    Target,
    VerifyProblem,
)

T = TypeVar("T")
log = logging.getLogger("sessionpacks")
_members = table(Member)


P = ParamSpec("P")
R = TypeVar("R")


def _on_its_own(
    method: Callable[Concatenate[Studio, P], R],
) -> Callable[Concatenate[Studio, P], R]:
    """A call that commits in transactions of its own or calls a provider between them, so it
    cannot run inside a host's transaction (see :meth:`Studio.joined`)."""

    @functools.wraps(method)
    def guarded(studio: Studio, /, *args: P.args, **kwargs: P.kwargs) -> R:
        if studio._writer.joined:
            raise ConfigurationError(
                f"Studio.{method.__name__} commits on its own (or calls a payment provider"
                " between its transactions), so it cannot join the host's transaction; call it"
                " on the studio itself, outside the host's transaction"
            )
        return method(studio, *args, **kwargs)

    return guarded


@boundary.checked
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
        # A host's engine is never used as it is: sessionpacks opens its own on the same URL,
        # and writes through it marked as writes.
        bind = writing(own_engine(bind))
        kw = {key: value for key, value in session_factory.kw.items() if key != "bind"}
        session_factory = sessionmaker(bind, **kw)
        self._engine = bind
        self.session_factory = session_factory
        self.settings = settings or Settings()
        self.clock = clock or SystemClock()
        self.hooks = pluggy.PluginManager(hookspecs.PROJECT)
        self.hooks.add_hookspecs(hookspecs)
        defaults = DefaultPlugins(session_factory, self.settings, self.clock)
        self.hooks.register(defaults, name="sessionpacks.defaults")
        for plugin in plugins:
            self.hooks.register(plugin)
        self.outbox = Outbox(
            session_factory,
            self.hooks,
            self.clock,
            self.settings.side_effect_attempts,
            defaults,
        )
        self._writer = Writer(
            bind,
            self.clock,
            self.outbox,
            self.settings.transaction_attempts,
            last_session_tasks=self.settings.task_on_last_session,
        )
        self._sales = selling.Sales(
            session_factory, self.hooks, self.clock, self._writer, self._allow
        )
        self._refunds = refunding.Refunds(session_factory, self.hooks, self.clock, self._writer)
        #: The studio's reports: holders, liability, revenue, attendance, sales.
        self.reports = Reports(self._writer, self.clock)
        self.hooks.register(
            renewing.RenewOnExhaust(self._renew_exhausted), name="sessionpacks.auto_renew"
        )

    def joined(self, host: Host) -> Studio:
        """This studio, its writes run inside the host's open transaction.

        ``host`` is the host's SQLAlchemy ``Session`` (or ``scoped_session``, such as
        Flask-SQLAlchemy's ``db.session``) or a ``Connection`` with a transaction begun, on the
        studio's database. Each write runs in a savepoint of that transaction: the host's own
        rows and the pass commit or roll back together, and a refused write undoes only its own
        part. Emails, tasks and events go out after the host's commit (on a ``Connection``,
        when the host calls :meth:`deliver_joined` after committing), never after a rollback.
        Calls that commit on their own (``sell``, ``refund``, bulk grants, the sweeps) are
        refused. On SQLite it is also how a request that has already written a host row writes
        through sessionpacks without waiting for its own lock."""
        view = copy.copy(self)
        view._writer = JoinedWriter(self._writer, host, self._engine)
        return view

    def deliver_joined(self) -> RetryReport:
        """Send the side effects of a :meth:`joined` studio's writes once the host has committed
        its ``Connection`` (a ``Session``'s go out by themselves). What was rolled back is not
        sent."""
        if not isinstance(self._writer, JoinedWriter):
            raise ConfigurationError("deliver_joined is for a studio made by Studio.joined")
        return self._writer.deliver()

    # -- the directory ---------------------------------------------------------------------

    def add_account(
        self,
        ref: str,
        name: str,
        *,
        actor: Actor | None = None,
        idempotency_key: str | None = None,
        channel: Channel | str = Channel.SYSTEM,
    ) -> directory.AccountInfo:
        """Register a paying account under the host's own id for it.

        Set-up calls like this one (the directory, products, the schedule) take three optional
        arguments. ``actor``: given, the authorization hook is asked first (``manage_clients``,
        ``manage_products`` or ``manage_schedule``); left out, the caller is the host's own code
        and is trusted. ``idempotency_key``: given, a repeat returns the first result instead
        of adding a second. ``channel``: where the call came from, recorded with the key."""
        return self._setup(
            "add_account",
            {"ref": ref, "name": name},
            lambda conn, now: directory.add_account(conn, now, ref, name),
            result_type=directory.AccountInfo,
            permission="manage_clients",
            target=_NEW_ACCOUNT,
            actor=actor,
            idempotency_key=idempotency_key,
            channel=channel,
        )

    def add_member(
        self,
        account_id: int,
        name: str,
        *,
        ref: str | None = None,
        email: str | None = None,
        actor: Actor | None = None,
        idempotency_key: str | None = None,
        channel: Channel | str = Channel.SYSTEM,
    ) -> directory.MemberInfo:
        """Add a member; ``email`` is where booking confirmations and reminders go."""
        return self._setup(
            "add_member",
            {"account_id": account_id, "name": name, "ref": ref, "email": email},
            lambda conn, now: directory.add_member(conn, now, account_id, name, ref, email),
            result_type=directory.MemberInfo,
            permission="manage_clients",
            target=Target("account", account_id, account_id),
            actor=actor,
            idempotency_key=idempotency_key,
            channel=channel,
        )

    def add_client(
        self,
        ref: str,
        name: str,
        *,
        member_name: str | None = None,
        member_ref: str | None = None,
        email: str | None = None,
        actor: Actor | None = None,
        idempotency_key: str | None = None,
        channel: Channel | str = Channel.SYSTEM,
    ) -> directory.NewClient:
        """Register an account and its first member (named like the account unless
        ``member_name`` says otherwise) together: either both are added or neither."""

        def make(conn: Connection, now: dt.datetime) -> directory.NewClient:
            account = directory.add_account(conn, now, ref, name)
            first = name if member_name is None else member_name
            member = directory.add_member(conn, now, account.id, first, member_ref, email)
            return directory.NewClient(account, member)

        return self._setup(
            "add_client",
            {
                "ref": ref,
                "name": name,
                "member_name": member_name,
                "member_ref": member_ref,
                "email": email,
            },
            make,
            result_type=directory.NewClient,
            permission="manage_clients",
            target=_NEW_ACCOUNT,
            actor=actor,
            idempotency_key=idempotency_key,
            channel=channel,
        )

    @_on_its_own
    def import_clients(
        self,
        rows: Iterable[client_import.ClientRow],
        *,
        actor: Actor | None = None,
        chunk_size: int = 1000,
        on_progress: client_import.Progress | None = None,
    ) -> client_import.ClientImportReport:
        """Add many clients at once (an account and a member per row; rows with the same
        account ref add members to one account), ``chunk_size`` rows per transaction.

        A row whose account and member are there already counts as already present, so running
        the same list again after a crash adds nobody twice. A row that cannot be added is
        refused with its line and why; the others go in. :func:`sessionpacks.read_client_csv`
        reads the rows from a CSV file. ``on_progress`` hears the running totals per chunk."""
        validation.positive("chunk_size", chunk_size, validation.SMALL)
        if actor is not None:
            self._allow(actor, "manage_clients", _NEW_ACCOUNT)
        report = client_import.ClientImportReport()
        for chunk in client_import.chunks(rows, chunk_size):
            with self._writer.plain() as conn:
                done = client_import.import_chunk(conn, self.clock.now(), chunk)
            report = report.plus(done)
            if on_progress is not None:
                on_progress(report)
        return report

    def set_member_email(
        self,
        member_id: int,
        email: str | None,
        *,
        actor: Actor | None = None,
        idempotency_key: str | None = None,
        channel: Channel | str = Channel.SYSTEM,
    ) -> directory.MemberInfo:
        """Set (or, with None, clear) the address booking emails go to."""
        return self._member_change(
            "set_member_email",
            {"member_id": member_id, "email": email},
            lambda conn: directory.set_member_email(conn, member_id, email),
            member_id,
            actor=actor,
            idempotency_key=idempotency_key,
            channel=channel,
        )

    def link_user(
        self,
        member_id: int,
        user_key: str | None,
        *,
        actor: Actor | None = None,
        idempotency_key: str | None = None,
        channel: Channel | str = Channel.SYSTEM,
    ) -> directory.MemberInfo:
        """Link the member to the host's user ``user_key`` (your user model's id, as text), or
        unlink them with None. The link is how a signed-in user finds their member
        (:meth:`member_for_user`); it is separate from the member's ref, the code typed at the
        kiosk. A user already linked to another member is refused."""
        return self._member_change(
            "link_user",
            {"member_id": member_id, "user_key": user_key},
            lambda conn: directory.link_user(conn, member_id, user_key),
            member_id,
            actor=actor,
            idempotency_key=idempotency_key,
            channel=channel,
        )

    def remember_actor_name(self, actor: Actor, display_name: str) -> None:
        """Keep ``display_name`` as what histories call ``actor`` (the host's name for a staff
        user, say); the web pages call this as staff act. Asked again with the same name, it
        only reads; a blank name is ignored."""
        name = display_name.strip()
        if name:
            with self._writer.plain() as conn:
                actor_names.remember(conn, self.clock.now(), actor.kind, actor.id, name)

    def actor_names(self, actors: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """The display names kept for these (kind, id) pairs, as a ledger entry records its
        actor (``actor_kind``, ``actor_id``); actors never named are left out."""
        return self._read(lambda conn: actor_names.lookup(conn, actors))

    def member_for_user(self, user_key: str) -> directory.MemberInfo:
        """The member linked to the host's user ``user_key``; :class:`NotFound` if none."""
        return self._read(lambda conn: directory.member_for_user(conn, user_key))

    def set_kiosk_pin(
        self,
        member_id: int,
        pin: str | None,
        *,
        actor: Actor | None = None,
        idempotency_key: str | None = None,
        channel: Channel | str = Channel.SYSTEM,
    ) -> directory.MemberInfo:
        """Ask the member for ``pin`` (4 to 12 digits) at the kiosk after their code, or, with
        None, no longer. Only a salted hash is kept; the PIN cannot be read back."""
        return self._member_change(
            "set_kiosk_pin",
            # The PIN stays out of the recorded arguments: a short PIN's plain hash is no secret.
            {"member_id": member_id, "pin_set": pin is not None},
            lambda conn: directory.set_kiosk_pin(conn, member_id, pin),
            member_id,
            actor=actor,
            idempotency_key=idempotency_key,
            channel=channel,
        )

    def member_at_kiosk(self, code: str, pin: str | None = None) -> directory.MemberInfo:
        """The member checking in with kiosk code ``code`` and, if they have one, their PIN.
        A wrong code and a wrong PIN raise the same :class:`NotFound`."""
        return self._read(lambda conn: directory.member_at_kiosk(conn, code, pin))

    def add_service(
        self,
        name: str,
        *,
        category: str,
        duration_minutes: int,
        price_minor: int | None = None,
        currency: str | None = None,
        actor: Actor | None = None,
        idempotency_key: str | None = None,
        channel: Channel | str = Channel.SYSTEM,
    ) -> directory.ServiceInfo:
        """A bookable service (a class type, a private session); ``price_minor`` is what one session
        costs when paid from a money or minute pack."""
        return self._setup(
            "add_service",
            {
                "name": name,
                "category": category,
                "duration_minutes": duration_minutes,
                "price_minor": price_minor,
                "currency": currency,
            },
            lambda conn, now: directory.add_service(
                conn, now, name, category, duration_minutes, price_minor, currency
            ),
            result_type=directory.ServiceInfo,
            permission="manage_products",
            target=_STUDIO,
            actor=actor,
            idempotency_key=idempotency_key,
            channel=channel,
        )

    def account(self, account_id: int) -> directory.AccountInfo:
        """The client account with this id; :class:`~sessionpacks.NotFound` if there is none."""
        return self._read(lambda conn: directory.get_account(conn, account_id))

    def account_by_ref(self, ref: str) -> directory.AccountInfo:
        """The client account with the host's reference ``ref`` (the host's own customer id)."""
        return self._read(lambda conn: directory.find_account(conn, ref))

    def find_accounts(
        self, text: str = "", *, limit: int = 50
    ) -> tuple[directory.AccountInfo, ...]:
        """Find clients: accounts whose name or ref, or one of whose members' name, ref or email,
        contains ``text`` (any case); every account, by name, when ``text`` is blank."""
        return self._read(lambda conn: directory.find_accounts(conn, text, limit))

    def member_by_ref(self, ref: str) -> directory.MemberInfo:
        """The member with the host's own id (or kiosk member code) ``ref``."""
        return self._read(lambda conn: directory.find_member(conn, ref))

    def member(self, member_id: int) -> directory.MemberInfo:
        """The member (a person who attends) with this id."""
        return self._read(lambda conn: directory.get_member(conn, member_id))

    def members(self, account_id: int) -> tuple[directory.MemberInfo, ...]:
        """The members of one account, in the order they were added."""
        return self._read(lambda conn: directory.list_members(conn, account_id))

    def service(self, service_id: int) -> directory.ServiceInfo:
        """The service with this id."""
        return self._read(lambda conn: directory.get_service(conn, service_id))

    def services(self) -> tuple[directory.ServiceInfo, ...]:
        """Every service, in the order they were added."""
        return self._read(directory.list_services)

    def set_default_pass(
        self, member_id: int, pass_id: int | None, *, actor: Actor | None = None
    ) -> None:
        """Make ``pass_id`` the pack used first for this member's redemptions (None clears it).
        Doing it twice does no more than once, so it takes no key."""

        def make(conn: Connection, now: dt.datetime) -> None:
            member = directory.get_member(conn, member_id)
            if pass_id is not None:
                held = reading.pass_balance(conn, pass_id, now, None)
                if held.account_id != member.account_id or held.member_id not in (None, member_id):
                    raise PassUnusable(pass_id, Unusable.NOT_USABLE_BY_MEMBER)
                if held.state is PassState.VOIDED:
                    raise PassUnusable(pass_id, Unusable.VOIDED)
                if held.state is PassState.REFUNDED:
                    raise PassUnusable(pass_id, Unusable.REFUNDED)
            conn.execute(
                update(_members).where(_members.c.id == member_id).values(default_pass_id=pass_id)
            )

        self._setup(
            "set_default_pass",
            {},
            make,
            result_type=type(None),
            permission="manage_clients",
            target=lambda conn: _member_target(conn, member_id),
            actor=actor,
            idempotency_key=None,
            channel=Channel.SYSTEM,
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

        # On PostgreSQL the operation's row and the lookup go in one statement; what it found
        # waits here for the work.
        found: list[redeeming.Found | None] = []

        def begin(conn: Connection, operation: Mapping[str, object]) -> int:
            found.clear()
            operation_id, looked_up = redeeming.record_and_look_up(
                conn, operation, member_id, service_id, pass_id
            )
            found.append(looked_up)
            return operation_id

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
                found=found[0] if found else None,
            )
            self._authorize(ctx, "redeem", Target("member", member_id, choice.member.account_id))
            return redeeming.redeem(
                ctx, choice, occurrence_ref=occurrence_ref, occurred_at=at, last=True
            )

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
            replay=redeeming.written_by,
            begin=begin if self._engine.dialect.name == "postgresql" else None,
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
            work=lambda ctx: corrections.adjust(
                ctx,
                self._authorize,
                pass_id,
                delta,
                reason,
                allow_removing_manual_credits=self.settings.allow_removing_manual_credits,
            ),
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
            work=lambda ctx: corrections.void(
                ctx,
                self._authorize,
                pass_id,
                reason,
                allow_removing_manual_credits=self.settings.allow_removing_manual_credits,
            ),
        )

    # -- bulk grants -------------------------------------------------------------------------

    @_on_its_own
    def bulk_grant(
        self,
        recipients: Iterable[Recipient],
        terms: PassTerms,
        *,
        reason: str,
        batch_key: str,
        actor: Actor,
        channel: Channel | str,
        on_progress: Callable[[BulkGrantReport], None] | None = None,
    ) -> BulkGrantReport:
        """Give every recipient a pass made from ``terms``, as one batch under ``batch_key``.

        Recipients are read lazily, 500 at a time (``bulk_granting.CHUNK``), each
        chunk in its own transaction, so any number takes bounded memory. Each recipient is
        granted or skipped with a reason (see :class:`~sessionpacks.SkipReason`). Running the
        same key again with the same terms, reason and recipients resumes a batch that stopped
        half-way and grants nobody twice; a finished or undone batch returns its report. The
        actor needs ``bulk_grant`` on the batch, and ``grant`` on each account (a refused account
        is skipped). ``on_progress`` gets the report after each chunk. Plugins hear
        ``sessionpacks_bulk_granted`` once, when the batch completes.
        """
        terms = granting.check_terms(terms)
        reason = validation.reason(reason)
        if terms.expires_at is not None and terms.expires_at <= self.clock.now():
            raise InvalidInput(f"expires_at ({terms.expires_at}) is already past")
        opened = self._writer.write(
            "bulk_grant",
            {"terms": terms, "reason": reason},
            idempotency_key=batch_key,
            actor=actor,
            channel=channel,
            result_type=bulk_granting.Opened,
            work=lambda ctx: bulk_granting.open_batch(
                ctx, self._authorize, batch_key, terms, reason
            ),
        )
        door = Channel(channel)
        current = self.grant_batch(opened.batch_id)
        if current.state is not BatchState.OPEN:
            # Finished or undone: a replay gets the report, and the list is not even read.
            return current

        ask = self.hooks.hook.sessionpacks_authorize
        policy = self.settings.policy
        if all(impl.plugin_name == "sessionpacks.defaults" for impl in ask.get_hookimpls()):
            # No plugin of the host's answers, so the answer is the policy's, as the default
            # plugin gives it: asked directly, without a pluggy call for each account.
            def may_grant(account_id: int) -> bool:
                target = Target("account", account_id, account_id)
                return policy is not None and bool(policy(actor, "grant", target))

        else:

            def may_grant(account_id: int) -> bool:
                target = Target("account", account_id, account_id)
                return bool(ask(actor=actor, action="grant", target=target))

        start = 0
        for chunk in bulk_granting.chunks(recipients):
            progress = self._writer.resume(
                opened.operation_id,
                actor,
                door,
                functools.partial(
                    bulk_granting.grant_chunk,
                    batch_id=opened.batch_id,
                    start=start,
                    chunk=chunk,
                    may_grant=may_grant,
                ),
            )
            start += len(chunk)
            if on_progress is not None:
                on_progress(progress)
        return self._writer.resume(
            opened.operation_id,
            actor,
            door,
            lambda ctx: bulk_granting.complete(ctx, opened.batch_id),
        )

    @_on_its_own
    def undo_bulk_grant(
        self,
        batch_id: int,
        *,
        reason: str,
        idempotency_key: str,
        actor: Actor,
        channel: Channel | str,
    ) -> BulkGrantReport:
        """Take back what a bulk grant gave, pass by pass, in chunks.

        A pass still untouched (nothing but its grant entry) is deleted; a pass that was used
        keeps its redemptions and what it still holds is taken back by an adjust entry. A batch
        that was still open is closed: it grants no more. Repeating the call with the same key
        finishes an undo that stopped half-way. The actor needs ``undo_bulk_grant`` on the batch;
        plugins hear ``sessionpacks_bulk_grant_undone`` once.
        """
        reason = validation.reason(reason)
        opened = self._writer.write(
            "undo_bulk_grant",
            {"batch_id": batch_id, "reason": reason},
            idempotency_key=idempotency_key,
            actor=actor,
            channel=channel,
            result_type=bulk_granting.Opened,
            work=lambda ctx: bulk_granting.open_undo(
                ctx,
                self._authorize,
                batch_id,
                reason,
                self.settings.allow_removing_manual_credits,
            ),
        )
        door = Channel(channel)
        while True:
            done = self._writer.resume(
                opened.operation_id,
                actor,
                door,
                lambda ctx: bulk_granting.undo_chunk(ctx, batch_id),
            )
            if done is not None:
                return done

    def grant_batch(self, batch_id: int) -> BulkGrantReport:
        """Where a bulk grant stands, with its counts."""
        return self._read(lambda conn: bulk_granting.report(conn, batch_id))

    def grant_batch_by_key(self, batch_key: str) -> BulkGrantReport:
        """The report of the bulk grant started with this ``batch_key``, to resume or check it."""
        return self._read(lambda conn: bulk_granting.report_by_key(conn, batch_key))

    def grant_batch_items(
        self, batch_id: int, *, outcome: ItemOutcome | str | None = None
    ) -> Iterator[BatchItem]:
        """A bulk grant's recipients in the order given, with what became of each, read a page
        at a time as the iterator is consumed; ``outcome`` keeps only the granted or skipped."""
        wanted = None if outcome is None else ItemOutcome(outcome)
        self.grant_batch(batch_id)  # an unknown batch fails here, not at the first next()
        return bulk_granting.iter_items(self.session_factory, batch_id, wanted)

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
        period_days: int | None = None,
        period_months: int | None = None,
        rollover: bool = False,
        rollover_cap: int | None = None,
        auto_renew: bool = False,
        actor: Actor | None = None,
        idempotency_key: str | None = None,
        channel: Channel | str = Channel.SYSTEM,
    ) -> TemplateInfo:
        """Set up a product once, to sell or assign. See :class:`~sessionpacks.TemplateInfo`;
        ``actor``, ``idempotency_key`` and ``channel`` as for :meth:`add_account`."""
        terms: dict[str, object] = {
            "quantity": quantity,
            "kind": kind,
            "metric": metric,
            "price_minor": price_minor,
            "currency": currency,
            "first_rate_minor": first_rate_minor,
            "subsequent_rate_minor": subsequent_rate_minor,
            "validity_days": validity_days,
            "validity_months": validity_months,
            "valid_until": valid_until,
            "start_rule": start_rule,
            "start_date": start_date,
            "services": tuple(services),
            "categories": tuple(categories),
            "scope": scope,
            "member_cap": member_cap,
            "priority": priority,
            "extend_on_unsuspend": extend_on_unsuspend,
            "refundable": refundable,
            "period_days": period_days,
            "period_months": period_months,
            "rollover": rollover,
            "rollover_cap": rollover_cap,
            "auto_renew": auto_renew,
        }
        return self._setup(
            "create_template",
            {"name": name, **terms},
            lambda conn, now: templates.create(conn, now, name, **terms),  # type: ignore[arg-type]
            result_type=TemplateInfo,
            permission="manage_products",
            target=_STUDIO,
            actor=actor,
            idempotency_key=idempotency_key,
            channel=channel,
        )

    def template(self, template_id: int) -> TemplateInfo:
        """The pass template (a product on sale) with this id."""
        return self._read(lambda conn: templates.get(conn, template_id))

    def templates(self, *, include_archived: bool = False) -> tuple[TemplateInfo, ...]:
        """The pass templates on sale; archived ones too with ``include_archived=True``."""
        return self._read(lambda conn: templates.listing(conn, include_archived))

    def archive_template(
        self,
        template_id: int,
        *,
        actor: Actor | None = None,
        idempotency_key: str | None = None,
        channel: Channel | str = Channel.SYSTEM,
    ) -> TemplateInfo:
        """Stop selling a template. Passes already made from it keep every term they copied."""
        return self._setup(
            "archive_template",
            {"template_id": template_id},
            lambda conn, now: templates.archive(conn, now, template_id),
            result_type=TemplateInfo,
            permission="manage_products",
            target=_STUDIO,
            actor=actor,
            idempotency_key=idempotency_key,
            channel=channel,
        )

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

    @_on_its_own
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

    @_on_its_own
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
        # The pass is closed and the refund recorded first; the provider is asked after commit.
        refund_id = self._writer.write(
            "refund",
            {"pass_id": pass_id, "reason": reason},
            idempotency_key=idempotency_key,
            actor=actor,
            channel=channel,
            result_type=int,
            work=lambda ctx: refunding.close(
                ctx, self._authorize, pass_id, reason, idempotency_key
            ),
            replay=refunding.made_by,
        )
        return self._refunds.settle(refund_id)

    def refunds(
        self, *, state: RefundState | str | None = None
    ) -> tuple[refunding.RefundInfo, ...]:
        """The refunds of sold passes, oldest first; ``state="unknown"`` lists those the
        provider has not answered yet (``retry_payments`` asks again)."""
        return self._refunds.listed(None if state is None else RefundState(state))

    def payments(
        self, *, state: PaymentState | str | None = None
    ) -> tuple[selling.PaymentInfo, ...]:
        """The sales' payments, oldest first; ``state="needs_attention"`` lists the lost ones."""
        return self._sales.payments(None if state is None else PaymentState(state))

    @_on_its_own
    def retry_payments(self) -> tuple[selling.PaymentInfo, ...]:
        """Finish what a crash or a provider's time-out left half done: sales (a charge with no
        answer is asked again under its key; a charge taken gets its pass, or is refunded when
        no pass can be made any more) and refunds of passes (asked again with the same key and
        amount). Returns the sales' payments as they are after; :meth:`refunds` lists the
        refunds."""
        self._refunds.retry()
        return self._sales.retry_payments()

    # -- recurring plans and auto-renewal (issue 5) ------------------------------------------

    @_on_its_own
    def subscribe(
        self,
        template_id: int,
        account_id: int,
        *,
        idempotency_key: str,
        actor: Actor,
        channel: Channel | str,
        member_id: int | None = None,
        billing: Billing | str = Billing.STUDIO,
    ) -> PlanPeriodResult:
        """Start a plan now, in its first period, with a pass of the plan's credits.

        ``billing="studio"`` charges each period through the payment hook like a sale (the first
        now; later ones from :meth:`renew_due`). ``billing="external"`` takes no money: the host's
        own billing calls :meth:`renew_plan` when each further period is paid.
        """
        check_key(idempotency_key)
        door = check_channel(channel)
        mode = _billing(billing)
        arguments: dict[str, object] = {
            "template_id": template_id,
            "account_id": account_id,
            "member_id": member_id,
            "billing": mode.value,
        }
        if mode is Billing.EXTERNAL:
            return self._writer.write(
                "subscribe",
                arguments,
                idempotency_key=idempotency_key,
                actor=actor,
                channel=door,
                result_type=PlanPeriodResult,
                work=lambda ctx: plans.start(
                    ctx,
                    self._authorize,
                    template_id,
                    account_id,
                    member_id,
                    mode,
                    started_at=ctx.now,
                ),
            )
        # Everything refusable is refused before the charge.
        template = self._read(
            lambda conn: plans.check_plan(conn, template_id, account_id, member_id)
        )
        self._allow(actor, "subscribe", Target("account", account_id, account_id))
        now = self.clock.now()
        sale = self._sales.sell(
            template_id,
            account_id,
            member_id,
            None,
            key=f"sessionpacks-subscribe:{idempotency_key}",
            actor=actor,
            channel=door,
            period=plans.period_bounds(template, now, 1),
        )
        return self._writer.write(
            "subscribe",
            arguments,
            idempotency_key=idempotency_key,
            actor=actor,
            channel=door,
            result_type=PlanPeriodResult,
            work=lambda ctx: plans.start(
                ctx,
                self._authorize,
                template_id,
                account_id,
                member_id,
                mode,
                started_at=sale.created_at,
                sold_pass_id=sale.pass_id,
                sold_until=sale.expires_at,
                payment_id=sale.payment_id,
            ),
        )

    def renew_plan(
        self,
        subscription_id: int,
        *,
        idempotency_key: str,
        actor: Actor,
        channel: Channel | str,
        period_paid_until: dt.datetime | None = None,
    ) -> PlanPeriodResult:
        """Begin a plan's next period, once the current one has ended: for the host's billing,
        when a period is paid. The last period's unused credits roll over (up to the cap) or
        expire, and a pass of the plan's credits opens the new one.

        ``period_paid_until`` (the end of the period the payment covers) makes the call
        idempotent per period whatever the key: when the subscription already runs to that date,
        nothing changes and the result says ``renewed=False``.
        """
        paid_until = validation.moment("period_paid_until", period_paid_until)
        return self._writer.write(
            "renew_plan",
            {"subscription_id": subscription_id, "period_paid_until": paid_until},
            idempotency_key=idempotency_key,
            actor=actor,
            channel=channel,
            result_type=PlanPeriodResult,
            work=lambda ctx: plans.renew(
                ctx, self._authorize, subscription_id, period_paid_until=paid_until
            ),
        )

    def cancel_subscription(
        self,
        subscription_id: int,
        *,
        idempotency_key: str,
        actor: Actor,
        channel: Channel | str,
    ) -> plans.SubscriptionInfo:
        """Stop a plan: no further periods are renewed or charged. The current period's pass
        keeps its credits until the period ends."""
        return self._writer.write(
            "cancel_subscription",
            {"subscription_id": subscription_id},
            idempotency_key=idempotency_key,
            actor=actor,
            channel=channel,
            result_type=plans.SubscriptionInfo,
            work=lambda ctx: plans.cancel(ctx, self._authorize, subscription_id),
        )

    def subscription(self, subscription_id: int) -> plans.SubscriptionInfo:
        """The plan subscription with this id."""
        return self._read(lambda conn: plans.get(conn, subscription_id))

    def subscriptions(
        self,
        *,
        account_id: int | None = None,
        state: SubscriptionState | str | None = None,
    ) -> tuple[plans.SubscriptionInfo, ...]:
        """Plan subscriptions, of one account and in one state if given."""
        wanted = None if state is None else _choice(SubscriptionState, "state", state)
        return self._read(lambda conn: plans.listing(conn, account_id, wanted))

    def renewals(
        self, *, state: RenewalState | str | None = None
    ) -> tuple[renewing.RenewalInfo, ...]:
        """The automatic re-sales of auto-renewing passes; ``state="failed"`` lists the
        declined ones, with the reason."""
        wanted = None if state is None else _choice(RenewalState, "state", state)
        return self._read(lambda conn: renewing.listing(conn, wanted))

    @_on_its_own
    def renew_due(
        self,
        now: dt.datetime | None = None,
        *,
        on_progress: Callable[[int], None] | None = None,
    ) -> renewing.RenewalReport:
        """Renew every studio-billed plan whose period has ended (charging the new period) and
        sell again every auto-renewing pass that is used up or past its expiry.
        ``on_progress`` hears how many plans and passes were handled so far (renewed or not)
        after each.

        Safe to run from several processes at once and to run again after a crash: each charge
        has an idempotency key made from the subscription and period, or from the old pass, so it
        is never taken twice. ``now`` (default: the studio's clock) decides what is due.
        """
        moment = validation.moment("now", now) or self.clock.now()
        system = Actor.system()
        done: list[PlanPeriodResult] = []
        sold: list[AutoRenewResult] = []
        failures: list[renewing.RenewalFailure] = []
        handled = 0
        for subscription_id in self._read(lambda conn: plans.due(conn, moment, Billing.STUDIO)):
            try:
                renewed = self._renew_studio_plan(subscription_id, moment, system)
            except SessionPacksError as error:
                failures.append(renewing.RenewalFailure("plan", subscription_id, str(error)))
            else:
                if renewed is not None:
                    done.append(renewed)
            handled += 1
            if on_progress is not None:
                on_progress(handled)
        for pass_id in self._read(lambda conn: renewing.due_passes(conn, moment)):
            try:
                sold.append(
                    renewing.renew_pass(
                        self.session_factory, self._sales, self._writer, moment, pass_id
                    )
                )
            except SessionPacksError as error:
                failures.append(renewing.RenewalFailure("pass", pass_id, str(error)))
            handled += 1
            if on_progress is not None:
                on_progress(handled)
        return renewing.RenewalReport(tuple(done), tuple(sold), tuple(failures))

    def _renew_exhausted(self, pass_id: int) -> None:
        now = self.clock.now()
        if not self._read(lambda conn: renewing.is_due(conn, pass_id, now)):
            return
        try:
            renewing.renew_pass(self.session_factory, self._sales, self._writer, now, pass_id)
        except SessionPacksError:
            # Recorded on the renewal as failed; renew_due tries it again.
            log.warning("auto-renewal of pass %s failed", pass_id, exc_info=True)

    def _renew_studio_plan(
        self, subscription_id: int, moment: dt.datetime, system: Actor
    ) -> PlanPeriodResult | None:
        sub = self.subscription(subscription_id)
        template = self.template(sub.template_id)
        # Another sweep may have renewed it since the list of due plans was read: charging the
        # period after that one now would take money for a period that has not begun.
        if plans.period_bounds(template, sub.started_at, sub.period_number)[1] > moment:
            return None
        number = plans.next_period(template, sub, moment)
        period_start, period_end = plans.period_bounds(template, sub.started_at, number)
        # The key names the subscription and period: two sweeps, or a sweep after a crash
        # between the charge and the renewal, ask the provider with the same key.
        sale = self._sales.sell(
            sub.template_id,
            sub.account_id,
            sub.member_id,
            None,
            key=f"sessionpacks-plan:{subscription_id}:{number}",
            actor=system,
            channel=Channel.SYSTEM,
            period=(period_start, period_end),
        )
        return self._writer.write(
            "renew_plan",
            {"subscription_id": subscription_id, "period_number": number},
            idempotency_key=f"sessionpacks-plan-renewal:{subscription_id}:{number}",
            actor=system,
            channel=Channel.SYSTEM,
            result_type=PlanPeriodResult,
            work=lambda ctx: plans.renew(
                ctx,
                self._authorize,
                subscription_id,
                period_paid_until=None,
                number=number,
                sold_pass_id=sale.pass_id,
                payment_id=sale.payment_id,
            ),
        )

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
        """One pass: what is left on it, its state and its dates, now or ``as_of`` a past moment."""
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

    @_on_its_own
    def retry_side_effects(self) -> RetryReport:
        """Deliver the emails, tasks and events that failed or were never sent."""
        return self.outbox.retry()

    # -- schedule and bookings -------------------------------------------------------------

    def add_occurrence(
        self,
        service_id: int,
        starts_at: dt.datetime,
        *,
        ends_at: dt.datetime | None = None,
        instructor_ref: str | None = None,
        capacity: int | None = None,
        private: bool = False,
        actor: Actor | None = None,
        idempotency_key: str | None = None,
        channel: Channel | str = Channel.SYSTEM,
    ) -> OccurrenceInfo:
        """Put a class or appointment on the schedule; it ends after the service's duration
        unless ``ends_at`` says otherwise. ``capacity`` None means no limit.

        With an ``idempotency_key`` (a form's), the call is recorded as an operation and a
        repeat returns the first occurrence instead of adding a second one."""
        return self._setup(
            "add_occurrence",
            {
                "service_id": service_id,
                "starts_at": starts_at,
                "ends_at": ends_at,
                "instructor_ref": instructor_ref,
                "capacity": capacity,
                "private": private,
            },
            lambda conn, now: scheduling.add_occurrence(
                conn,
                now,
                service_id,
                starts_at,
                ends_at=ends_at,
                instructor_ref=instructor_ref,
                capacity=capacity,
                private=private,
            ),
            result_type=OccurrenceInfo,
            permission="manage_schedule",
            target=_STUDIO,
            actor=actor,
            idempotency_key=idempotency_key,
            channel=channel,
        )

    def occurrence(self, occurrence_id: int) -> OccurrenceInfo:
        """One scheduled occurrence of a service (a class at a time), with its bookings counted."""
        return self._read(lambda conn: scheduling.get_occurrence(conn, occurrence_id))

    def schedule(
        self, start: dt.datetime, end: dt.datetime, *, service_id: int | None = None
    ) -> tuple[OccurrenceInfo, ...]:
        """The public schedule: occurrences starting in [start, end). Private sessions never
        appear here; staff see them with :meth:`calendar`."""
        return self._schedule(start, end, service_id, include_private=False)

    def calendar(
        self, start: dt.datetime, end: dt.datetime, *, service_id: int | None = None
    ) -> tuple[OccurrenceInfo, ...]:
        """The staff calendar: public occurrences and private sessions starting in [start, end)."""
        return self._schedule(start, end, service_id, include_private=True)

    def _schedule(
        self, start: dt.datetime, end: dt.datetime, service_id: int | None, include_private: bool
    ) -> tuple[OccurrenceInfo, ...]:
        begin = validation.moment("start", start)
        finish = validation.moment("end", end)
        if begin is None or finish is None:
            raise InvalidInput("a schedule needs a start and an end")
        return self._read(
            lambda conn: scheduling.list_occurrences(
                conn, begin, finish, service_id, include_private
            )
        )

    def cancel_occurrence(
        self, occurrence_id: int, *, idempotency_key: str, actor: Actor, channel: Channel | str
    ) -> OccurrenceCancelled:
        """Call off a class or appointment: every reservation in it is cancelled and its credit
        given back, whatever the cut-off. It stays on the schedule, marked cancelled, and takes
        no more bookings. Asks ``cancel`` for each reservation."""
        return self._writer.write(
            "cancel_occurrence",
            {"occurrence_id": occurrence_id},
            idempotency_key=idempotency_key,
            actor=actor,
            channel=channel,
            result_type=OccurrenceCancelled,
            work=lambda ctx: booking_rules.cancel_occurrence(ctx, self._authorize, occurrence_id),
        )

    def booking_policy(self, service_id: int) -> BookingPolicy:
        """The service's booking rules: when credit is taken, the cancel cut-off, and what a late
        cancel or a no-show costs."""
        return self._read(lambda conn: scheduling.get_policy(conn, service_id))

    def set_booking_policy(
        self,
        service_id: int,
        *,
        credit_taken: CreditTaken | str | None = None,
        cancel_cutoff_minutes: int | None = None,
        late_cancel_forfeits: bool | None = None,
        no_show_forfeits: bool | None = None,
        actor: Actor | None = None,
        idempotency_key: str | None = None,
        channel: Channel | str = Channel.SYSTEM,
    ) -> BookingPolicy:
        """Change a service's booking policy; what is not given stays as it was. Bookings made
        before keep the way they took credit; the cut-off and forfeits apply from now on."""
        changes: dict[str, object] = {
            "credit_taken": credit_taken,
            "cancel_cutoff_minutes": cancel_cutoff_minutes,
            "late_cancel_forfeits": late_cancel_forfeits,
            "no_show_forfeits": no_show_forfeits,
        }
        return self._setup(
            "set_booking_policy",
            {"service_id": service_id, **changes},
            lambda conn, now: scheduling.change_policy(conn, service_id, changes),
            result_type=BookingPolicy,
            permission="manage_schedule",
            target=_STUDIO,
            actor=actor,
            idempotency_key=idempotency_key,
            channel=channel,
        )

    def book(
        self,
        member_id: int,
        occurrence_id: int | None = None,
        *,
        idempotency_key: str,
        actor: Actor,
        channel: Channel | str,
        occurrence_ref: str | None = None,
        service_id: int | None = None,
        starts_at: dt.datetime | None = None,
        pass_id: int | None = None,
    ) -> BookingResult:
        """Reserve a place for a member in an occurrence, taking (or holding) its credit.

        A host that keeps its own schedule passes ``occurrence_ref`` (its own id for the class),
        ``service_id`` and ``starts_at`` instead of ``occurrence_id``.
        """
        return self._book(
            "book",
            member_id,
            occurrence_id,
            idempotency_key=idempotency_key,
            actor=actor,
            channel=channel,
            occurrence_ref=occurrence_ref,
            service_id=service_id,
            starts_at=starts_at,
            pass_id=pass_id,
        )

    def check_in(
        self,
        member_id: int,
        occurrence_id: int,
        *,
        idempotency_key: str,
        actor: Actor,
        channel: Channel | str = Channel.KIOSK,
        pass_id: int | None = None,
    ) -> BookingResult:
        """A member checks in at the kiosk: the right pass is redeemed and a visit (a booking,
        attended) is made. A retry, or a second tap under a new key, redeems nothing more: it
        returns the member's existing visit with ``created`` False, marking a reservation
        attended."""
        return self._book(
            "check_in",
            member_id,
            occurrence_id,
            idempotency_key=idempotency_key,
            actor=actor,
            channel=channel,
            pass_id=pass_id,
            attend=True,
            reuse_existing=True,
        )

    def enroll(
        self,
        member_id: int,
        occurrence_id: int,
        *,
        idempotency_key: str,
        actor: Actor,
        channel: Channel | str = Channel.PORTAL,
        pass_id: int | None = None,
    ) -> BookingResult:
        """A member enrolls in a class from the portal: a single-day enrollment (a reserved
        booking) paid by the right pass. Enrolling again returns the existing enrollment.
        Private sessions cannot be enrolled in; staff book them."""
        return self._book(
            "enroll",
            member_id,
            occurrence_id,
            idempotency_key=idempotency_key,
            actor=actor,
            channel=channel,
            pass_id=pass_id,
            reuse_existing=True,
            allow_private=False,
        )

    def _book(
        self,
        action: str,
        member_id: int,
        occurrence_id: int | None,
        *,
        idempotency_key: str,
        actor: Actor,
        channel: Channel | str,
        occurrence_ref: str | None = None,
        service_id: int | None = None,
        starts_at: dt.datetime | None = None,
        pass_id: int | None = None,
        attend: bool = False,
        reuse_existing: bool = False,
        allow_private: bool = True,
    ) -> BookingResult:
        starts = validation.moment("starts_at", starts_at)
        if occurrence_ref is not None:
            validation.name("occurrence_ref", occurrence_ref, 191)
        if occurrence_id is not None and occurrence_ref is not None:
            raise InvalidInput("give an occurrence_id or an occurrence_ref, not both")
        return self._writer.write(
            action,
            {
                "member_id": member_id,
                "occurrence_id": occurrence_id,
                "occurrence_ref": occurrence_ref,
                "service_id": service_id,
                "starts_at": starts,
                "pass_id": pass_id,
            },
            idempotency_key=idempotency_key,
            actor=actor,
            channel=channel,
            result_type=BookingResult,
            work=lambda ctx: booking_rules.book(
                ctx,
                self.hooks,
                self._authorize,
                action,
                member_id,
                occurrence_id=occurrence_id,
                occurrence_ref=occurrence_ref,
                service_id=service_id,
                starts_at=starts,
                pass_id=pass_id,
                attend=attend,
                reuse_existing=reuse_existing,
                allow_private=allow_private,
            ),
        )

    def book_private_session(
        self,
        member_id: int,
        service_id: int,
        starts_at: dt.datetime,
        *,
        idempotency_key: str,
        actor: Actor,
        channel: Channel | str,
        instructor_ref: str | None = None,
        ends_at: dt.datetime | None = None,
        pass_id: int | None = None,
        attended: bool = False,
    ) -> BookingResult:
        """In one step, a one-off private occurrence and the client's reservation in it, or
        (``attended``) an attendance recorded after the fact, punching ``pass_id`` if given.

        The occurrence never appears on the public schedule. A reservation emails the client a
        confirmation after commit, and :meth:`send_due_reminders` a reminder before it.
        """
        start = validation.moment("starts_at", starts_at)
        end = validation.moment("ends_at", ends_at)
        if not isinstance(attended, bool):
            raise InvalidInput(f"attended must be True or False, got {attended!r}")

        def work(ctx: WriteContext) -> BookingResult:
            assert start is not None
            member = directory.get_member(ctx.conn, member_id)
            self._authorize(ctx, "private_session", Target("member", member_id, member.account_id))
            occurrence = scheduling.add_occurrence(
                ctx.conn,
                ctx.now,
                service_id,
                start,
                ends_at=end,
                instructor_ref=instructor_ref,
                capacity=1,
                private=True,
            )
            return booking_rules.book(
                ctx,
                self.hooks,
                self._authorize,
                None,
                member_id,
                occurrence_id=occurrence.id,
                pass_id=pass_id,
                attend=attended,
            )

        return self._writer.write(
            "private_session",
            {
                "member_id": member_id,
                "service_id": service_id,
                "starts_at": start,
                "ends_at": end,
                "instructor_ref": instructor_ref,
                "pass_id": pass_id,
                "attended": attended,
            },
            idempotency_key=idempotency_key,
            actor=actor,
            channel=channel,
            result_type=BookingResult,
            work=work,
        )

    def cancel_booking(
        self,
        booking_id: int,
        *,
        idempotency_key: str,
        actor: Actor,
        channel: Channel | str,
        keep_credit: bool = False,
        reason: str | None = None,
    ) -> BookingResult:
        """Cancel a reservation. Before the service's cut-off the credit comes back; after it the
        booking is late-cancelled and the policy decides.

        ``keep_credit=True`` cancels this one booking without giving the credit back, whatever
        the cut-off (a session the trainer charges for anyway): it takes a ``reason``, kept on
        the booking, and the ``no_show`` permission besides ``cancel``."""
        if keep_credit:
            kept: str | None = validation.reason(reason)
        elif reason is not None:
            raise InvalidInput("a reason is given only to cancel keeping the credit")
        else:
            kept = None
        arguments: dict[str, object] = {"booking_id": booking_id}
        if kept is not None:
            arguments["keep_credit_reason"] = kept
        return self._writer.write(
            "cancel",
            arguments,
            idempotency_key=idempotency_key,
            actor=actor,
            channel=channel,
            result_type=BookingResult,
            work=lambda ctx: booking_rules.cancel(ctx, self._authorize, booking_id, kept),
        )

    def mark_attended(
        self, booking_id: int, *, idempotency_key: str, actor: Actor, channel: Channel | str
    ) -> BookingResult:
        """The member came: a held credit is captured."""
        return self._booking_write("attend", booking_id, idempotency_key, actor, channel)

    def mark_no_show(
        self, booking_id: int, *, idempotency_key: str, actor: Actor, channel: Channel | str
    ) -> BookingResult:
        """The member did not come (only once the occurrence started): a held credit is
        forfeited or released, by the service's policy; a credit taken at booking stays taken."""
        return self._booking_write("no_show", booking_id, idempotency_key, actor, channel)

    def _booking_write(
        self,
        action: str,
        booking_id: int,
        idempotency_key: str,
        actor: Actor,
        channel: Channel | str,
    ) -> BookingResult:
        change = {
            "attend": booking_rules.attend,
            "no_show": booking_rules.no_show,
        }
        return self._writer.write(
            action,
            {"booking_id": booking_id},
            idempotency_key=idempotency_key,
            actor=actor,
            channel=channel,
            result_type=BookingResult,
            work=lambda ctx: change[action](ctx, self._authorize, booking_id),
        )

    @_on_its_own
    def send_due_reminders(
        self,
        within: dt.timedelta = dt.timedelta(hours=24),
        *,
        actor: Actor | None = None,
        channel: Channel | str = Channel.SYSTEM,
        idempotency_key: str | None = None,
    ) -> ReminderReport:
        """The reminder sweep: email every reserved private session starting within ``within``
        whose reminder was not sent yet. Each reminder goes out once, however often and however
        concurrently the sweep runs."""
        if not isinstance(within, dt.timedelta) or within <= dt.timedelta(0):
            raise InvalidInput(f"within must be a positive timedelta, got {within!r}")
        return self._writer.write(
            "send_reminders",
            {"within_seconds": int(within.total_seconds())},
            idempotency_key=idempotency_key or f"reminders:{uuid.uuid4()}",
            actor=actor or Actor.system(),
            channel=channel,
            result_type=ReminderReport,
            work=lambda ctx: booking_rules.send_due_reminders(ctx, within),
        )

    def bookings(
        self, *, member_id: int | None = None, account_id: int | None = None
    ) -> tuple[BookingRecord, ...]:
        """Every booking of a member or an account, by start, with its state, the passes that
        paid and "session n of N"."""
        if member_id is None and account_id is None:
            raise InvalidInput("bookings needs a member_id or an account_id")
        if account_id is not None:
            self.account(account_id)
        return self._read(
            lambda conn: booking_rules.history(conn, member_id=member_id, account_id=account_id)
        )

    # -- rosters: who is booked into one occurrence -----------------------------------------

    def roster(self, occurrence_id: int) -> tuple[BookingRecord, ...]:
        """Every booking of one occurrence, in the order they were made, cancelled ones too,
        each with its state, the passes that paid and "session n of N"."""

        def read(conn: Connection) -> tuple[BookingRecord, ...]:
            scheduling.get_occurrence(conn, occurrence_id)  # an unknown id is NotFound
            return booking_rules.history(
                conn, member_id=None, account_id=None, occurrence_id=occurrence_id
            )

        return self._read(read)

    def places_taken(self, occurrence_ids: Iterable[int]) -> Mapping[int, int]:
        """Per occurrence, the places taken as its capacity counts them (every booking not
        cancelled); an occurrence nobody booked is 0."""
        wanted = tuple(occurrence_ids)
        found = self._read(lambda conn: booking_rules.places_taken(conn, wanted))
        return {occurrence_id: found.get(occurrence_id, 0) for occurrence_id in wanted}

    # -- time: expiry, pass reminders, staff tasks, all due work -----------------------------

    @_on_its_own
    def expire_due(
        self,
        now: dt.datetime | None = None,
        *,
        batch_size: int = 500,
        max_batches: int | None = None,
        idempotency_key: str | None = None,
        on_progress: Callable[[int], None] | None = None,
    ) -> ExpiryReport:
        """The expiry sweep: expire every pass whose expiry is at or before ``now`` (default: the
        clock's now), writing one expire entry per pass with the units and the value forfeited.
        ``on_progress`` hears the number of passes expired so far after each batch.

        Each batch of ``batch_size`` passes is one transaction and one operation (actor system,
        channel system, key ``<idempotency_key>:<batch number>``). Run twice, the second run
        finds nothing; killed part-way, a new run finishes the rest. ``max_batches`` bounds the
        work of one run. With the same ``idempotency_key`` a repeated run returns the same report.
        """
        validation.positive("batch_size", batch_size)
        if max_batches is not None:
            validation.positive("max_batches", max_batches)
        moment = validation.moment("now", now) or self.clock.now()
        run = idempotency_key or f"expire:{uuid.uuid4()}"
        expired: list[ExpiryBatch] = []
        number = after = 0
        while max_batches is None or number < max_batches:
            number += 1
            batch = self._writer.write(
                "expire",
                {"now": moment, "batch_size": batch_size, "batch": number, "after": after},
                idempotency_key=f"{run}:{number}",
                actor=Actor.system(),
                channel=Channel.SYSTEM,
                result_type=ExpiryBatch,
                work=functools.partial(
                    expire_batch,
                    now=moment,
                    batch_size=batch_size,
                    after=after,
                    tasks=self.settings.task_on_expiry,
                ),
                replay=expiry_written_by,
            )
            if not batch.expired:
                break
            expired.append(batch)
            after = batch.expired[-1].pass_id
            if on_progress is not None:
                on_progress(sum(len(done.expired) for done in expired))
        return ExpiryReport(
            expired=tuple(e for batch in expired for e in batch.expired), batches=len(expired)
        )

    @_on_its_own
    def send_pass_reminders(
        self, now: dt.datetime | None = None, *, batch_size: int = 500
    ) -> PassReminderReport:
        """Email the expiring-soon, low-balance and last-session reminders that are due, each
        once per pass however often and however concurrently this runs (see Settings for which
        are on and their thresholds)."""
        validation.positive("batch_size", batch_size)
        moment = validation.moment("now", now) or self.clock.now()
        rules = ReminderRules(
            expiring_soon_days=self.settings.expiring_soon_days,
            low_balance_units=self.settings.low_balance_units,
            last_session=self.settings.last_session_reminder,
        )
        run = f"pass-reminders:{uuid.uuid4()}"
        sent: list[SentNotice] = []
        for kind in NoticeKind:
            after = 0
            for number in itertools.count(1):
                batch = self._writer.write(
                    "pass_reminders",
                    {
                        "now": moment,
                        "kind": kind,
                        "batch_size": batch_size,
                        "batch": number,
                        "after": after,
                    },
                    idempotency_key=f"{run}:{kind.value}:{number}",
                    actor=Actor.system(),
                    channel=Channel.SYSTEM,
                    result_type=ReminderBatch,
                    work=functools.partial(
                        send_batch,
                        kind=kind,
                        rules=rules,
                        now=moment,
                        limit=batch_size,
                        after=after,
                    ),
                )
                sent.extend(batch.sent)
                if batch.last_pass_id is None:
                    break
                after = batch.last_pass_id
        return PassReminderReport(sent=tuple(sent))

    @_on_its_own
    def run_due_work(
        self,
        now: dt.datetime | None = None,
        *,
        on_progress: Callable[[int], None] | None = None,
    ) -> DueWorkReport:
        """Everything time-based that is due, in one call for cron or a periodic task: expiry,
        renewals (auto-renewing passes and plan periods), pass reminders, appointment reminders,
        and side effects that failed or were never sent.

        Expiry goes first, so that a pass expiring today gets no expiring-soon reminder, and
        renewals follow it, renewing what was used up or expired. Each part is safe to run
        again, so a run that dies part-way is simply run again.
        """
        moment = validation.moment("now", now) or self.clock.now()
        expiry = self.expire_due(moment, on_progress=on_progress)
        renewals = self.renew_due(moment)
        pass_reminders = self.send_pass_reminders(moment)
        appointment_reminders = self.send_due_reminders()
        retried = self.retry_side_effects()
        return DueWorkReport(
            expired=len(expiry.expired),
            units_forfeited=expiry.units,
            pass_reminders=len(pass_reminders.sent),
            appointment_reminders=appointment_reminders.sent,
            side_effects_delivered=retried.delivered,
            side_effects_failed=retried.failed,
            renewed=len(renewals.plans) + len(renewals.passes),
            renewals_failed=len(renewals.failures),
        )

    def tasks(
        self, *, state: TaskState | str | None = None, account_id: int | None = None
    ) -> tuple[TaskInfo, ...]:
        """The staff tasks the default task plugin keeps, oldest first; ``state`` open or done."""
        wanted = staff_tasks.task_state(state)
        return self._read(lambda conn: staff_tasks.list_tasks(conn, wanted, account_id))

    def complete_task(
        self,
        task_id: int,
        *,
        actor: Actor,
        channel: Channel | str = Channel.OFFICE,
        idempotency_key: str | None = None,
    ) -> TaskInfo:
        """Mark a staff task done. Completing a done task changes nothing."""

        def work(ctx: WriteContext) -> TaskInfo:
            task = staff_tasks.complete(ctx.conn, task_id, ctx.now)
            self._authorize(ctx, "complete_task", Target("task", task_id, task.account_id or 0))
            return task

        return self._writer.write(
            "complete_task",
            {"task_id": task_id},
            idempotency_key=idempotency_key or f"complete-task:{task_id}",
            actor=actor,
            channel=channel,
            result_type=TaskInfo,
            work=work,
        )

    # -- internals -------------------------------------------------------------------------

    def _read(self, query: Callable[[Connection], T]) -> T:
        return self._writer.read(query)

    def _authorize(self, ctx: WriteContext, action: str, target: Target) -> None:
        self._allow(ctx.actor, action, target)

    def _setup(
        self,
        operation: str,
        arguments: Mapping[str, object],
        make: Callable[[Connection, dt.datetime], T],
        *,
        result_type: type[T],
        permission: str,
        target: Callable[[Connection], Target] | Target,
        actor: Actor | None,
        idempotency_key: str | None,
        channel: Channel | str,
    ) -> T:
        """A set-up write (the directory, products, the schedule). With an ``actor`` the hook is
        asked for ``permission`` first; the host's own code, naming none, is trusted. With an
        ``idempotency_key`` it is recorded like every ledger write, so a retried form or HTTP
        request returns the first result instead of adding a second one."""

        def run(conn: Connection, now: dt.datetime, who: Actor | None) -> T:
            if who is not None:
                self._allow(who, permission, target(conn) if callable(target) else target)
            return make(conn, now)

        if idempotency_key is None:
            check_channel(channel)
            with self._writer.plain() as conn:
                return run(conn, self.clock.now(), actor)
        return self._writer.write(
            operation,
            arguments,
            idempotency_key=idempotency_key,
            actor=actor or Actor.system(),
            channel=channel,
            result_type=result_type,
            work=lambda ctx: run(ctx.conn, ctx.now, actor),
        )

    def _member_change(
        self,
        operation: str,
        arguments: Mapping[str, object],
        change: Callable[[Connection], directory.MemberInfo],
        member_id: int,
        *,
        actor: Actor | None,
        idempotency_key: str | None,
        channel: Channel | str,
    ) -> directory.MemberInfo:
        """A set-up change of one member (``manage_clients``), returning the member after it."""
        return self._setup(
            operation,
            arguments,
            lambda conn, now: change(conn),
            result_type=directory.MemberInfo,
            permission="manage_clients",
            target=lambda conn: _member_target(conn, member_id),
            actor=actor,
            idempotency_key=idempotency_key,
            channel=channel,
        )

    def _allow(self, actor: Actor, action: str, target: Target) -> None:
        allowed = self.hooks.hook.sessionpacks_authorize(actor=actor, action=action, target=target)
        if not allowed:
            raise NotAuthorized(
                f"{actor.kind} {actor.id!r} may not {action} {target.kind} {target.id}"
                " (the authorization hook said no)"
            )


# The targets of set-up actions that belong to no account yet, or to the studio as a whole.
_NEW_ACCOUNT = Target("account", 0, 0)
_STUDIO = Target("studio", 0, 0)


def _member_target(conn: Connection, member_id: int) -> Target:
    return Target("member", member_id, directory.get_member(conn, member_id).account_id)


def _billing(value: Billing | str) -> Billing:
    return _choice(Billing, "billing", value)


E = TypeVar("E", bound=enum.Enum)


def _choice(kind: type[E], field: str, value: object) -> E:
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        raise InvalidInput(f"unknown {field} {value!r}; use one of {choices}") from None


def _seconds(span: dt.timedelta | None) -> int | None:
    """A span as whole seconds, to fingerprint an extend call."""
    return None if span is None else int(span.total_seconds())
