"""Frozen values that go into and come out of the services."""

from __future__ import annotations

import datetime as dt

import attrs

from sessionpacks.enums import (
    BatchState,
    Channel,
    EntryKind,
    ItemOutcome,
    Metric,
    PassState,
    SkipReason,
    Source,
    UndoOutcome,
)
from sessionpacks.errors import Unusable


@attrs.frozen
class Actor:
    """Who performs an action: a staff user, a member, a kiosk device, the system, an operator.

    ``kind`` is one of ``staff``, ``member``, ``kiosk``, ``system`` or ``cli`` by convention;
    ``roles`` are whatever the host's authorization policy understands.
    """

    kind: str
    id: str
    roles: tuple[str, ...] = ()

    @classmethod
    def system(cls) -> Actor:
        return cls(kind="system", id="sessionpacks")


@attrs.frozen
class Target:
    """What an action is done to, as the authorization hook sees it."""

    kind: str
    id: int
    account_id: int


@attrs.frozen
class PassTerms:
    """What a new pass holds and where it may be used.

    ``quantity`` counts sessions, minutes, or minor units of ``currency`` for money. Empty
    ``services`` and ``categories`` mean every service. ``cost_basis_minor`` is what was paid for
    the whole pass (zero for complimentary credits). A money pass charges ``first_rate_minor`` for
    its first redemption and ``subsequent_rate_minor`` after; without rates, the service's price.
    """

    quantity: int
    metric: Metric = Metric.SESSIONS
    currency: str | None = None
    label: str = ""
    services: tuple[int, ...] = ()
    categories: tuple[str, ...] = ()
    starts_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    cost_basis_minor: int = 0
    cost_currency: str | None = None
    first_rate_minor: int | None = None
    subsequent_rate_minor: int | None = None
    member_cap: int | None = None
    priority: int = 0
    source: Source = Source.GRANT
    template_id: int | None = None
    # A pass that starts on first use has no starts_at; its first redemption sets the start, and
    # an expiry ``validity_days`` or ``validity_months`` later (none without either).
    starts_on_first_use: bool = False
    validity_days: int | None = None
    validity_months: int | None = None
    # Whether unsuspending moves the expiry out by the time the pass spent suspended.
    extend_on_unsuspend: bool = True


@attrs.frozen
class GrantResult:
    pass_id: int
    account_id: int
    member_id: int | None
    metric: Metric
    currency: str | None
    quantity: int
    entry_id: int
    operation_id: int
    created_at: dt.datetime


@attrs.frozen
class RedemptionPart:
    """What one pass gave to a redemption: ``number`` is "session n" of ``of`` on that pass."""

    pass_id: int
    entry_id: int
    units: int
    balance_after: int
    number: int
    # The pass's initial sessions for a session pack; None for minutes and money.
    of: int | None


@attrs.frozen
class RedeemResult:
    redemption_id: int
    account_id: int
    member_id: int
    service_id: int
    metric: Metric
    currency: str | None
    units: int
    parts: tuple[RedemptionPart, ...]
    occurrence_ref: str | None
    occurred_at: dt.datetime
    operation_id: int


@attrs.frozen
class EntryResult:
    """The result of a write that appends entries to passes: reverse, adjust, void."""

    action: str
    pass_ids: tuple[int, ...]
    entry_ids: tuple[int, ...]
    deltas: tuple[int, ...]
    balances_after: tuple[int, ...]
    operation_id: int
    redemption_id: int | None = None


@attrs.frozen
class ExhaustedEvent:
    """A pass's last unit was used."""

    pass_id: int
    account_id: int
    member_id: int | None
    at: dt.datetime


@attrs.frozen
class Consideration:
    """One pass the selection looked at, and what it decided."""

    pass_id: int
    usable: bool
    reason: Unusable | None
    remaining: int
    rank: int | None


@attrs.frozen
class PlannedPart:
    """One pass a planned redemption would take ``units`` from, and ``why`` it was chosen."""

    pass_id: int
    units: int
    why: str


@attrs.frozen
class RedemptionPlan:
    """The answer of a dry run: which passes would pay, in which order, and why."""

    member_id: int
    service_id: int
    metric: Metric | None
    units: int
    parts: tuple[PlannedPart, ...]
    considered: tuple[Consideration, ...]
    possible: bool
    problem: str | None


@attrs.frozen
class PassBalance:
    pass_id: int
    account_id: int
    member_id: int | None
    label: str
    metric: Metric
    currency: str | None
    initial_quantity: int
    remaining: int
    state: PassState
    starts_at: dt.datetime | None
    expires_at: dt.datetime | None
    as_of: dt.datetime
    # Where the pass came from, and what was paid for the whole of it (0 when free).
    source: Source
    cost_basis_minor: int
    cost_currency: str | None


@attrs.frozen
class Balance:
    """A total of units of one metric (and currency, for money)."""

    metric: Metric
    currency: str | None
    units: int


@attrs.frozen
class HistoryEntry:
    entry_id: int
    pass_id: int
    kind: EntryKind
    delta: int
    balance_after: int
    created_at: dt.datetime
    actor_kind: str
    actor_id: str
    channel: Channel
    reason: str | None
    redemption_id: int | None
    member_id: int | None
    service_id: int | None
    # "session n of N" for a redemption that still counts; None otherwise.
    number: int | None
    of: int | None
    # On an expire entry, what the forfeited units had cost (breakage), in minor units.
    value_minor: int | None = None


@attrs.frozen
class VerifyProblem:
    pass_id: int
    cached: int
    ledger_sum: int
    last_balance_after: int | None
    # The paid value the pass carries, and the sum of its entries' value changes.
    value_left_minor: int = 0
    ledger_value_minor: int = 0


# -- bulk grants -------------------------------------------------------------------------------


@attrs.frozen
class Recipient:
    """One client of a bulk grant: an account by ``account_id`` or by the host's ``account_ref``
    (one of the two), and optionally one of its members, who alone may then use the pass."""

    account_id: int | None = None
    account_ref: str | None = None
    member_id: int | None = None


@attrs.frozen
class BulkGrantReport:
    """Where a bulk grant stands and what it did, in counts; its items are read with
    :meth:`sessionpacks.Studio.grant_batch_items`, lazily, however many there are."""

    batch_id: int
    batch_key: str
    state: BatchState
    terms: PassTerms
    reason: str
    actor_kind: str
    actor_id: str
    channel: Channel
    processed: int
    granted: int
    skipped: int
    undone: int
    operation_id: int
    created_at: dt.datetime
    completed_at: dt.datetime | None
    undo_operation_id: int | None
    undo_reason: str | None
    undone_at: dt.datetime | None


@attrs.frozen
class BatchItem:
    """One recipient of a bulk grant, as given, and what became of it."""

    position: int
    account_ref: str | None
    account_id: int | None
    member_id: int | None
    outcome: ItemOutcome
    why: SkipReason | None
    pass_id: int | None
    undo: UndoOutcome | None
    taken_back: int | None


# -- selling and the life of a pass (issue 3) ----------------------------------------------------


@attrs.frozen
class SaleResult:
    """A sold pass and the payment that paid for it."""

    pass_id: int
    account_id: int
    member_id: int | None
    template_id: int
    payment_id: int
    charge_reference: str | None
    amount_minor: int
    currency: str | None
    metric: Metric
    quantity: int
    starts_at: dt.datetime | None
    expires_at: dt.datetime | None
    operation_id: int
    created_at: dt.datetime


@attrs.frozen
class PassRefundResult:
    """What a refund gave back: ``units`` left the pass, ``amount_minor`` went to the client."""

    pass_id: int
    account_id: int
    units: int
    amount_minor: int
    currency: str | None
    refund_reference: str | None
    entry_id: int
    operation_id: int
    created_at: dt.datetime


@attrs.frozen
class LifecycleResult:
    """What a suspend, unsuspend, extend or expire did to one pass.

    ``entry_id`` is None when no ledger entry was written (a suspension, or an unsuspension that
    moved no expiry); ``delta`` is what the entry changed the balance by.
    """

    action: str
    pass_id: int
    account_id: int
    state: PassState
    expires_at: dt.datetime | None
    previous_expires_at: dt.datetime | None
    entry_id: int | None
    delta: int
    balance_after: int
    operation_id: int


@attrs.frozen
class PlanPeriodResult:
    """A period of a plan begun: by subscribing (period 1) or by a renewal.

    ``renewed`` is False when a renewal found the period already paid and renewed (it then
    changes nothing). ``rolled_over`` units moved from the previous period's pass;
    ``expired`` units of it were forfeited at the period's end.
    """

    subscription_id: int
    account_id: int
    member_id: int | None
    template_id: int
    period_number: int
    period_start: dt.datetime
    period_end: dt.datetime
    pass_id: int
    previous_pass_id: int | None
    quantity: int
    rolled_over: int
    expired: int
    renewed: bool
    payment_id: int | None
    operation_id: int
    created_at: dt.datetime


@attrs.frozen
class AutoRenewResult:
    """A used-up or expired auto-renewing pass sold again: ``pass_id`` is the new pass."""

    previous_pass_id: int
    pass_id: int
    account_id: int
    member_id: int | None
    template_id: int
    payment_id: int
    charge_reference: str | None
    amount_minor: int
    currency: str | None
    operation_id: int
    created_at: dt.datetime
