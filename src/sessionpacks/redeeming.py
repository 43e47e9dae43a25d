"""Redeeming: taking units for one service for one member, from one or several passes."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import pluggy
import sqlalchemy as sa
from sqlalchemy import and_, bindparam, func, insert, or_, select, update
from sqlalchemy.engine import Connection

from sessionpacks import direct
from sessionpacks.direct import Record
from sessionpacks.directory import (
    MemberInfo,
    ServiceInfo,
    get_member,
    get_service,
    member_and_service,
)
from sessionpacks.enums import EntryKind, Metric, PassState
from sessionpacks.errors import (
    InsufficientCredit,
    NotFound,
    PassUnusable,
    SessionPacksError,
    Unusable,
)
from sessionpacks.ledger import append_entry, append_redemption, entries, passes, state_for_balance
from sessionpacks.messages import TaskRequest
from sessionpacks.models import Member, PassApplicability, Redemption, Service, table
from sessionpacks.selection import Candidate, SelectionRequest, explain, why_unusable
from sessionpacks.transactions import OPERATION_COLUMNS, WriteContext, operations
from sessionpacks.validity import expiry_after
from sessionpacks.values import (
    Balance,
    Consideration,
    ExhaustedEvent,
    PlannedPart,
    RedeemResult,
    RedemptionPart,
    RedemptionPlan,
)

_applicability = table(PassApplicability)
_members = table(Member)
_services = table(Service)
_redemptions = table(Redemption)
_operations = operations
_OPEN_STATES = (PassState.ACTIVE.value, PassState.PENDING.value)
# A dictionary lookup is cheaper than calling the enum, and every candidate pass needs both.
_METRICS = {metric.value: metric for metric in Metric}
_STATES = {state.value: state for state in PassState}


@attrs.frozen
class Choice:
    """The passes that will pay, each with its units, and every pass that was looked at."""

    member: MemberInfo
    service: ServiceInfo
    request: SelectionRequest
    metric: Metric | None
    currency: str | None
    units: int
    parts: tuple[tuple[Candidate, int], ...]
    rows: dict[int, Record]
    candidates: list[Candidate]
    # The passes that cannot pay, and why; and the order the selection put the others in.
    rejected: dict[int, Unusable]
    ordered: list[Candidate]
    # Why the redemption cannot be made, or None when ``parts`` pay for all of it.
    problem: SessionPacksError | None

    @property
    def considered(self) -> tuple[Consideration, ...]:
        """Every pass looked at and what became of it; only a dry run shows them, so they are
        put together when asked for rather than on every redemption."""
        ranks = {c.pass_id: rank for rank, c in enumerate(self.ordered, start=1)}
        return tuple(
            Consideration(
                pass_id=c.pass_id,
                usable=c.pass_id not in self.rejected,
                reason=self.rejected.get(c.pass_id),
                remaining=c.remaining,
                rank=ranks.get(c.pass_id),
            )
            for c in self.candidates
        )


def choose(
    conn: Connection,
    hooks: pluggy.PluginManager,
    member_id: int,
    service_id: int,
    *,
    named_pass_id: int | None,
    count: int,
    at: dt.datetime,
    lock: bool,
    found: Found | None = None,
) -> Choice:
    """Decide which passes pay. With ``lock``, the passes stay locked until commit. ``found``
    is what :func:`record_and_look_up` already read, if it did."""
    if found is None:
        found = _look_up(conn, member_id, service_id, named_pass_id, lock)
    member, service, rows = found
    by_id = {row.id: row for row in rows}
    if named_pass_id is not None and named_pass_id not in by_id:
        raise NotFound("pass", named_pass_id)
    request = SelectionRequest(
        member_id=member_id,
        account_id=member.account_id,
        service_id=service_id,
        service_category=service.category,
        at=at,
        named_pass_id=named_pass_id,
        default_pass_id=member.default_pass_id,
    )
    candidates = _candidates(conn, rows, member, service)
    rejected: dict[int, Unusable] = {}
    usable = []
    for c in candidates:
        why = _why_not(c, member, service, count, at)
        if why is None:
            usable.append(c)
        else:
            rejected[c.pass_id] = why
    ordered = list(hooks.hook.sessionpacks_select_passes(request=request, candidates=usable))
    # The first pass decides what is counted (sessions, minutes or money) and the cost.
    first = ordered[0] if ordered else None
    metric = None if first is None else first.metric
    currency = None if first is None else first.currency
    units = None if first is None else _cost(first, service, count)
    parts: list[tuple[Candidate, int]] = []
    needed = units or 0
    for c in ordered:
        if needed == 0:
            break
        if c.metric is not metric or c.currency != currency:
            rejected[c.pass_id] = Unusable.WRONG_METRIC
            continue
        take = min(needed, c.member_allowance)
        parts.append((c, take))
        needed -= take
    problem: SessionPacksError | None = None
    if named_pass_id in rejected:
        problem = PassUnusable(named_pass_id, rejected[named_pass_id])
    elif units is None:
        problem = InsufficientCredit(
            f"member {member_id} has no pass that can pay for {service.name!r}",
            tuple(rejected.items()) + _closed_passes(conn, member),
        )
    elif needed:
        assert metric is not None  # something is needed only when a first pass set the cost
        problem = InsufficientCredit(
            f"member {member_id} needs {units} {metric.value} for {service.name!r}"
            f" but the usable passes hold {units - needed}",
            tuple(rejected.items()),
        )
    return Choice(
        member=member,
        service=service,
        request=request,
        metric=metric,
        currency=currency,
        units=units or 0,
        parts=tuple(parts),
        rows=by_id,
        candidates=candidates,
        rejected=rejected,
        ordered=ordered,
        problem=problem,
    )


# The member, the service and the passes that might pay.
Found = tuple[MemberInfo, ServiceInfo, list[Record]]


def _look_up(
    conn: Connection, member_id: int, service_id: int, named_pass_id: int | None, lock: bool
) -> Found:
    """The member, the service and the passes that might pay, locked if asked."""
    named = named_pass_id is not None
    dialect = conn.dialect.name
    if dialect in ("postgresql", "sqlite"):
        # One round trip instead of two: the passes come joined to the member and the service.
        # PostgreSQL locks them in a LATERAL subquery, as FOR UPDATE cannot reach the nullable
        # side of an outer join; SQLite has no row locks (a write holds the database's write
        # lock from BEGIN IMMEDIATE), so a plain outer join does.
        query = (
            _everything_query(named=named, lock=lock)
            if dialect == "postgresql"
            else _joined_query(named=named)
        )
        found = _joined(
            direct.rows(
                conn, query, {"member": member_id, "service": service_id, "named": named_pass_id}
            )
        )
        if found is not None:
            return found
    # MariaDB/MySQL would also lock the member's and the service's rows if the passes were
    # locked in a join, and every redemption of a service would wait for the others: two
    # statements there. Elsewhere, no row means an unknown member or service: say which.
    member, service = member_and_service(conn, member_id, service_id)
    rows = direct.rows(
        conn,
        _candidate_query(named=named, lock=lock),
        {"account": member.account_id, "member": member_id, "named": named_pass_id},
    )
    return member, service, rows


def _joined(rows: list[Record]) -> Found | None:
    """The member, the service and the passes from rows of the joined queries; None when no
    row has a member (the member or the service is unknown)."""
    if not rows or rows[0].m_id is None:
        return None
    first = rows[0]
    member = MemberInfo(
        id=first.m_id,
        account_id=first.m_account_id,
        ref=first.m_ref,
        name=first.m_name,
        default_pass_id=first.m_default_pass_id,
        email=first.m_email,
    )
    service = ServiceInfo(
        id=first.s_id,
        name=first.s_name,
        category=first.s_category,
        duration_minutes=first.s_duration_minutes,
        price_minor=first.s_price_minor,
        currency=first.s_currency,
    )
    # With no pass at all, the outer join gives one row whose pass columns are empty.
    return member, service, [row for row in rows if row.id is not None]


def record_and_look_up(
    conn: Connection,
    operation: Mapping[str, object],
    member_id: int,
    service_id: int,
    named_pass_id: int | None,
) -> tuple[int, Found | None]:
    """PostgreSQL: write the redemption's operation row and read (and lock) what
    :func:`choose` needs, in one statement; the operation id, and what was found (None when
    the member or the service is unknown, for :func:`choose` to say which).

    A round trip less for every redemption. The passes are locked only after the operation's
    row is in: the locking subquery refers to it, so it runs once the insert has returned, and a
    second call with the same key waits on the key, holding no pass, as it would with two
    statements.
    """
    values = {_OPERATION_KEYS[column]: value for column, value in operation.items()}
    values.update(member=member_id, service=service_id, named=named_pass_id)
    rows = direct.rows(conn, _recorded_query(named=named_pass_id is not None), values)
    return rows[0].operation_id, _joined(rows)


def _candidate_criteria(account: Any, member: Any, named: bool) -> sa.ColumnElement[bool]:
    """Open passes of the account that are the family's or the member's own, and the pass the
    caller named whatever its state (to say why it cannot pay)."""
    criteria: sa.ColumnElement[bool] = and_(
        passes.c.account_id == account,
        or_(passes.c.member_id.is_(None), passes.c.member_id == member),
        # One parameter per state rather than an "expanding" list, which the driver's cursor
        # could not take as it is (see sessionpacks.direct).
        passes.c.state.in_([sa.literal(state) for state in _OPEN_STATES]),
    )
    return or_(criteria, passes.c.id == bindparam("named")) if named else criteria


def _member_and_service_columns() -> list[sa.Label[Any]]:
    return [
        *(_members.c[name].label(f"m_{name}") for name in _MEMBER_COLUMNS),
        *(_services.c[name].label(f"s_{name}") for name in _SERVICE_COLUMNS),
    ]


@functools.cache
def _everything_query(*, named: bool, lock: bool) -> sa.Select[Any]:
    candidates = select(passes).where(
        _candidate_criteria(_members.c.account_id, _members.c.id, named)
    )
    candidates = candidates.order_by(passes.c.id)
    if lock:
        candidates = candidates.with_for_update()
    candidate = candidates.lateral("candidate")
    return (
        select(candidate, *_member_and_service_columns())
        .select_from(
            _members.join(_services, _services.c.id == bindparam("service")).outerjoin(
                candidate, sa.true()
            )
        )
        .where(_members.c.id == bindparam("member"))
        .order_by(candidate.c.id)
    )


@functools.cache
def _joined_query(*, named: bool) -> sa.Select[Any]:
    """The same rows as :func:`_everything_query`, without LATERAL (which SQLite lacks)."""
    return (
        select(passes, *_member_and_service_columns())
        .select_from(
            _members.join(_services, _services.c.id == bindparam("service")).outerjoin(
                passes, _candidate_criteria(_members.c.account_id, _members.c.id, named)
            )
        )
        .where(_members.c.id == bindparam("member"))
        .order_by(passes.c.id)
    )


@functools.cache
def _recorded_query(*, named: bool) -> sa.Select[Any]:
    """The operation's insert, then the rows of :func:`_everything_query` (locked)."""
    operation = (
        insert(_operations)
        .values(
            {
                column: bindparam(_OPERATION_KEYS[column], type_=_operations.c[column].type)
                for column in OPERATION_COLUMNS
            }
        )
        .returning(_operations.c.id)
        .cte("new_operation")
    )
    # Referring to the new operation makes the lock wait for its insert (see the caller).
    candidate = (
        select(passes)
        .where(
            _candidate_criteria(_members.c.account_id, _members.c.id, named),
            operation.c.id.is_not(None),
        )
        .order_by(passes.c.id)
        .with_for_update()
        .lateral("candidate")
    )
    member_and_service = _members.join(_services, _services.c.id == bindparam("service"))
    return (
        select(operation.c.id.label("operation_id"), candidate, *_member_and_service_columns())
        .select_from(
            operation.outerjoin(member_and_service, _members.c.id == bindparam("member")).outerjoin(
                candidate, sa.true()
            )
        )
        .order_by(candidate.c.id)
    )


# The operation's values go in as parameters of the statement that also reads the passes.
_OPERATION_KEYS = {column: f"o_{column}" for column in OPERATION_COLUMNS}
_MEMBER_COLUMNS = ("id", "account_id", "ref", "name", "default_pass_id", "email")
_SERVICE_COLUMNS = ("id", "name", "category", "duration_minutes", "price_minor", "currency")


@functools.cache
def _candidate_query(*, named: bool, lock: bool) -> sa.Select[Any]:
    """The passes that might pay for a member. Built once per shape, so the hot path reuses one
    compiled statement."""
    criteria = _candidate_criteria(bindparam("account"), bindparam("member"), named)
    query = select(passes).where(criteria).order_by(passes.c.id)
    # Locked in id order, so that two redemptions never wait for each other in a cycle.
    return query.with_for_update() if lock else query


def _why_not(
    c: Candidate, member: MemberInfo, service: ServiceInfo, count: int, at: dt.datetime
) -> Unusable | None:
    """Why the pass cannot pay for ``count`` of the service for the member, or None if it can."""
    why = why_unusable(c, member.id, at)
    if why is None and c.account_id != member.account_id:
        why = Unusable.NOT_USABLE_BY_MEMBER
    if why is None and _cost(c, service, count) is None:
        why = Unusable.NOT_APPLICABLE
    return why


def _the_others(
    conn: Connection, choice: Choice, count: int, at: dt.datetime
) -> tuple[Consideration, ...]:
    """The account's passes a redemption does not look at (another member's, suspended, used
    up, ended), each with the reason it cannot pay: a dry run shows every one."""
    seen = [c.pass_id for c in choice.candidates]
    rows = conn.execute(
        select(passes)
        .where(passes.c.account_id == choice.member.account_id, passes.c.id.not_in(seen))
        .order_by(passes.c.id)
    ).all()
    found = (
        (c, _why_not(c, choice.member, choice.service, count, at))
        for c in _candidates(conn, rows, choice.member, choice.service)
    )
    # Each was left out for a reason (its state, or its member); none can be without one.
    return tuple(
        Consideration(pass_id=c.pass_id, usable=False, reason=why, remaining=c.remaining, rank=None)
        for c, why in found
        if why is not None
    )


def plan(
    conn: Connection,
    hooks: pluggy.PluginManager,
    member_id: int,
    service_id: int,
    *,
    named_pass_id: int | None,
    count: int,
    at: dt.datetime,
) -> RedemptionPlan:
    """What :func:`redeem` would do, changing nothing."""
    choice = choose(
        conn,
        hooks,
        member_id,
        service_id,
        named_pass_id=named_pass_id,
        count=count,
        at=at,
        lock=False,
    )
    possible = choice.problem is None
    return RedemptionPlan(
        member_id=member_id,
        service_id=service_id,
        metric=choice.metric,
        units=choice.units,
        parts=tuple(
            PlannedPart(pass_id=c.pass_id, units=units, why=explain(choice.request, c))
            for c, units in choice.parts
        )
        if possible
        else (),
        considered=tuple(
            sorted(
                (*choice.considered, *_the_others(conn, choice, count, at)),
                key=lambda found: found.pass_id,
            )
        ),
        possible=possible,
        problem=None if possible else str(choice.problem),
    )


def redeem(
    ctx: WriteContext,
    choice: Choice,
    *,
    occurrence_ref: str | None,
    occurred_at: dt.datetime,
    last: bool = False,
) -> RedeemResult:
    """Write the redemption the choice makes. ``last`` says that the write does nothing after
    it: a one-pass redemption then commits with its last statement where it can."""
    if choice.problem is not None:
        raise choice.problem
    assert choice.metric is not None  # a choice without a problem has passes
    commit = last and _ends_write(ctx, choice)
    redemption = {
        "operation_id": ctx.operation_id,
        "account_id": choice.member.account_id,
        "member_id": choice.member.id,
        "service_id": choice.service.id,
        "occurrence_ref": occurrence_ref,
        "occurred_at": occurred_at,
        "created_at": ctx.now,
    }
    redemption_id: int | None = None
    parts = []
    for candidate, units in choice.parts:
        row = choice.rows[candidate.pass_id]
        if row.starts_on_first_use and row.starts_at is None:
            _start_on_first_use(ctx, row, occurred_at)
        counted = sessions_counted(candidate.metric, units)
        # A pending pass whose start has come becomes active with its first use.
        state = state_for_balance(PassState.ACTIVE, row.remaining - units)
        number = candidate.redeemed + counted
        if redemption_id is None:
            redemption_id, entry_id, balance_after, at = append_redemption(
                ctx,
                row,
                -units,
                redemption,
                state=state,
                member_id=choice.member.id,
                redeemed=counted,
                number=number,
                commit=commit,
            )
            ctx.ended = commit
        else:
            entry_id, balance_after, at = append_entry(
                ctx,
                row,
                EntryKind.REDEEM,
                -units,
                state=state,
                redemption_id=redemption_id,
                member_id=choice.member.id,
                redeemed=counted,
                number=number,
            )
        parts.append(
            RedemptionPart(
                pass_id=candidate.pass_id,
                entry_id=entry_id,
                units=units,
                balance_after=balance_after,
                number=number,
                of=candidate.initial_quantity if candidate.metric is Metric.SESSIONS else None,
            )
        )
        if balance_after == 0:
            ctx.enqueue(
                "sessionpacks_exhausted",
                ExhaustedEvent(
                    pass_id=candidate.pass_id,
                    account_id=candidate.account_id,
                    member_id=candidate.member_id,
                    at=at,
                ),
            )
        if ctx.last_session_tasks and last_use(choice, candidate, units):
            ctx.enqueue("sessionpacks_create_task", last_session_task(row, choice.member))
    assert redemption_id is not None  # a choice without a problem has at least one part
    result = RedeemResult(
        redemption_id=redemption_id,
        account_id=choice.member.account_id,
        member_id=choice.member.id,
        service_id=choice.service.id,
        metric=choice.metric,
        currency=choice.currency,
        units=choice.units,
        parts=tuple(parts),
        occurrence_ref=occurrence_ref,
        occurred_at=occurred_at,
        operation_id=ctx.operation_id,
    )
    ctx.enqueue("sessionpacks_redeemed", result)
    return result


def _ends_write(ctx: WriteContext, choice: Choice) -> bool:
    """Whether a redemption may commit with its statement: it has one pass, and no side effect
    it enqueues has a listener (its event; an emptied pass's, with a staff task if asked)."""
    if len(choice.parts) != 1:
        return False
    candidate, units = choice.parts[0]
    hooks = ["sessionpacks_redeemed"]
    if choice.rows[candidate.pass_id].remaining == units:
        hooks.append("sessionpacks_exhausted")
    if ctx.last_session_tasks and last_use(choice, candidate, units):
        hooks.append("sessionpacks_create_task")
    return ctx.may_end(*hooks)


def last_use(choice: Choice, candidate: Candidate, units: int) -> bool:
    """Whether taking ``units`` from the pass uses its last session: it is left empty, or, on a
    pack of money or minutes, with less than another session of the same service costs at the
    pass's rate. (What is left stays on the pass for whatever it can still pay.)"""
    left = choice.rows[candidate.pass_id].remaining - units
    if left == 0:
        return True
    if candidate.metric is Metric.SESSIONS:
        return False
    after = attrs.evolve(
        candidate,
        remaining=left,
        redeemed=candidate.redeemed + sessions_counted(candidate.metric, units),
    )
    next_cost = _cost(after, choice.service, 1)
    return next_cost is not None and left < next_cost


_WRITTEN_BY = (
    select(
        _redemptions,
        entries.c.id.label("entry_id"),
        entries.c.pass_id,
        entries.c.delta,
        entries.c.balance_after,
        entries.c.number,
        passes.c.metric,
        passes.c.currency,
        passes.c.initial_quantity,
    )
    .join(entries, entries.c.redemption_id == _redemptions.c.id)
    .join(passes, passes.c.id == entries.c.pass_id)
    # Found by the entries' operation, which is indexed (the redemptions' is not): a replay
    # must not scan every redemption ever written. A redemption and its entries share it.
    .where(
        entries.c.operation_id == bindparam("operation"),
        entries.c.kind == EntryKind.REDEEM.value,
    )
    .order_by(entries.c.id)
)


def written_by(conn: Connection, operation_id: int) -> RedeemResult:
    """The result of the redemption an operation made, read back from the rows it wrote.

    A replayed redemption answers with this instead of a stored copy, which spares every
    redemption the statement that would store one.
    """
    rows = conn.execute(_WRITTEN_BY, {"operation": operation_id}).all()
    first = rows[0]
    return RedeemResult(
        redemption_id=first.id,
        account_id=first.account_id,
        member_id=first.member_id,
        service_id=first.service_id,
        metric=Metric(first.metric),
        currency=first.currency,
        units=sum(-row.delta for row in rows),
        parts=tuple(
            RedemptionPart(
                pass_id=row.pass_id,
                entry_id=row.entry_id,
                units=-row.delta,
                balance_after=row.balance_after,
                number=row.number,
                of=row.initial_quantity if row.metric == Metric.SESSIONS.value else None,
            )
            for row in rows
        ),
        occurrence_ref=first.occurrence_ref,
        occurred_at=first.occurred_at,
        operation_id=operation_id,
    )


def _start_on_first_use(ctx: WriteContext, row: Record, at: dt.datetime) -> None:
    """A pass that starts on first use starts with this redemption, and its validity runs from
    here; a fixed end it was sold with stays."""
    expires_at = row.expires_at or expiry_after(at, row.validity_days, row.validity_months)
    ctx.conn.execute(
        update(passes).where(passes.c.id == row.id).values(starts_at=at, expires_at=expires_at)
    )


def last_session_task(row: Record, member: MemberInfo) -> TaskRequest:
    """The staff to-do when a pack's last session is used (see :func:`last_use`): time to offer
    the client a new one."""
    # Staff read these words on the tasks page and the client card: no internal ids in them
    # (the task links to its account and pass).
    label = row.label or "their pass"
    return TaskRequest(
        title=f"{member.name} used the last of {label}",
        body=f"{label} cannot pay another session after {member.name}'s last visit."
        " Offer a new pack.",
        account_id=row.account_id,
        pass_id=row.id,
    )


def sessions_counted(metric: Metric, units: int) -> int:
    """How far a redemption moves "session n of N": by its sessions on a session pack, by one
    on a pack of minutes or money."""
    return units if metric is Metric.SESSIONS else 1


def _cost(c: Candidate, service: ServiceInfo, count: int) -> int | None:
    """What ``count`` redemptions of ``service`` cost on this pass; None if it cannot price it."""
    if c.metric is Metric.SESSIONS:
        return count
    if c.metric is Metric.MINUTES:
        return service.duration_minutes * count
    price = service.price_minor if service.currency == c.currency else None
    first = c.first_rate_minor if c.redeemed == 0 else None
    subsequent = c.subsequent_rate_minor or c.first_rate_minor or price
    first = first or subsequent
    if first is None or subsequent is None:
        return None
    return first + subsequent * (count - 1)


def _candidates(
    conn: Connection,
    rows: Sequence[Record],
    member: MemberInfo,
    service: ServiceInfo,
) -> list[Candidate]:
    scoped = [row.id for row in rows if not row.all_services]
    applicable = set()
    if scoped:
        applicable = set(
            conn.execute(
                select(_applicability.c.pass_id).where(
                    _applicability.c.pass_id.in_(scoped),
                    or_(
                        _applicability.c.service_id == service.id,
                        _applicability.c.category == service.category,
                    ),
                )
            ).scalars()
        )
    capped = [row.id for row in rows if row.member_cap is not None]
    used: dict[int, int] = {}
    if capped:
        used = {
            pass_id: -int(total)
            for pass_id, total in conn.execute(
                select(entries.c.pass_id, func.sum(entries.c.delta))
                .where(
                    entries.c.pass_id.in_(capped),
                    entries.c.member_id == member.id,
                    entries.c.kind.in_((EntryKind.REDEEM.value, EntryKind.REVERSE.value)),
                )
                .group_by(entries.c.pass_id)
            )
        }
    return [
        Candidate(
            pass_id=row.id,
            account_id=row.account_id,
            member_id=row.member_id,
            metric=_METRICS[row.metric],
            currency=row.currency,
            remaining=row.remaining,
            initial_quantity=row.initial_quantity,
            state=_STATES[row.state],
            starts_at=row.starts_at,
            expires_at=row.expires_at,
            cost_basis_minor=row.cost_basis_minor,
            priority=row.priority,
            created_at=row.created_at,
            applicable=row.all_services or row.id in applicable,
            first_rate_minor=row.first_rate_minor,
            subsequent_rate_minor=row.subsequent_rate_minor,
            member_cap=row.member_cap,
            used_by_member=used.get(row.id, 0),
            redeemed=row.redeemed_count,
        )
        for row in rows
    ]


def _closed_passes(conn: Connection, member: MemberInfo) -> tuple[tuple[int, Unusable], ...]:
    """The member's passes that could never pay now, to say why in an error."""
    rows = conn.execute(
        select(passes.c.id, passes.c.state)
        .where(
            passes.c.account_id == member.account_id,
            or_(passes.c.member_id.is_(None), passes.c.member_id == member.id),
            passes.c.state.not_in(
                (*_OPEN_STATES, PassState.VOIDED.value, PassState.REFUNDED.value)
            ),
        )
        .order_by(passes.c.id)
    ).all()
    reasons = {
        PassState.SUSPENDED.value: Unusable.SUSPENDED,
        PassState.EXPIRED.value: Unusable.EXPIRED,
        PassState.EXHAUSTED.value: Unusable.EXHAUSTED,
    }
    return tuple((row.id, reasons[row.state]) for row in rows)


def usable_balance(
    conn: Connection, member_id: int, service_id: int, at: dt.datetime
) -> tuple[Balance, ...]:
    """What this member can spend on this service now, per metric and currency."""
    member = get_member(conn, member_id)
    service = get_service(conn, service_id)
    rows = conn.execute(
        select(passes).where(
            passes.c.account_id == member.account_id,
            or_(passes.c.member_id.is_(None), passes.c.member_id == member_id),
            passes.c.state.in_(_OPEN_STATES),
        )
    ).all()
    sums: dict[tuple[Metric, str | None], int] = {}
    for c in _candidates(conn, rows, member, service):
        if why_unusable(c, member_id, at) is None and _cost(c, service, 1) is not None:
            key = (c.metric, c.currency)
            sums[key] = sums.get(key, 0) + c.member_allowance
    return tuple(
        Balance(metric=metric, currency=currency, units=units)
        for (metric, currency), units in sorted(sums.items(), key=lambda kv: str(kv[0]))
    )
