"""Which passes pay for a redemption, and why the others cannot.

The default order follows DOMAIN.md: the pass the caller named, the member's default pack, the
member's own passes before the family's, the soonest expiry, the lowest cost per unit (free credits
first), then a template's priority, then the oldest. A host replaces it with the
``sessionpacks_select_passes`` hook.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from fractions import Fraction

import attrs

from sessionpacks.enums import Metric, PassState
from sessionpacks.errors import Unusable


@attrs.frozen
class SelectionRequest:
    member_id: int
    account_id: int
    service_id: int
    service_category: str
    at: dt.datetime
    named_pass_id: int | None
    default_pass_id: int | None


@attrs.frozen
class Candidate:
    """A pass as the selection sees it, with what it would need to know to rank it."""

    pass_id: int
    account_id: int
    member_id: int | None
    metric: Metric
    currency: str | None
    remaining: int
    initial_quantity: int
    state: PassState
    starts_at: dt.datetime | None
    expires_at: dt.datetime | None
    cost_basis_minor: int
    priority: int
    created_at: dt.datetime
    applicable: bool
    first_rate_minor: int | None
    subsequent_rate_minor: int | None
    member_cap: int | None
    # Units this member already took from the pass; only counted when the pass has a cap.
    used_by_member: int
    # Redemptions of the pass that still count; the next one is number ``redeemed + 1``.
    redeemed: int

    @property
    def cost_per_unit(self) -> Fraction:
        return Fraction(self.cost_basis_minor, self.initial_quantity)

    @property
    def member_allowance(self) -> int:
        """What this member may still take from the pass."""
        if self.member_cap is None:
            return self.remaining
        return max(0, min(self.remaining, self.member_cap - self.used_by_member))


def why_unusable(candidate: Candidate, member_id: int, at: dt.datetime) -> Unusable | None:
    """The first reason ``candidate`` cannot pay for this member at ``at``, or None."""
    if candidate.state is PassState.VOIDED:
        return Unusable.VOIDED
    if candidate.state is PassState.REFUNDED:
        return Unusable.REFUNDED
    if candidate.state is PassState.SUSPENDED:
        return Unusable.SUSPENDED
    if candidate.member_id is not None and candidate.member_id != member_id:
        return Unusable.NOT_USABLE_BY_MEMBER
    if candidate.state is PassState.EXPIRED or (
        candidate.expires_at is not None and candidate.expires_at <= at
    ):
        return Unusable.EXPIRED
    if candidate.starts_at is not None and candidate.starts_at > at:
        return Unusable.NOT_STARTED
    if candidate.state is PassState.EXHAUSTED or candidate.remaining == 0:
        return Unusable.EXHAUSTED
    if not candidate.applicable:
        return Unusable.NOT_APPLICABLE
    if candidate.member_allowance == 0:
        return Unusable.MEMBER_CAP_REACHED
    return None


def state_at(
    state: PassState,
    starts_at: dt.datetime | None,
    expires_at: dt.datetime | None,
    at: dt.datetime,
) -> PassState:
    """The state a pass is in at ``at``, before any sweep has caught up with the time.

    A pending pass whose start has come is active; an open pass whose expiry has passed is
    expired. Suspended, exhausted and voided passes stay as they are.
    """
    if state in (PassState.ACTIVE, PassState.PENDING):
        if expires_at is not None and expires_at <= at:
            return PassState.EXPIRED
        if starts_at is not None and starts_at > at:
            return PassState.PENDING
        return PassState.ACTIVE
    return state


def default_order(request: SelectionRequest, candidates: Sequence[Candidate]) -> list[Candidate]:
    if len(candidates) < 2:  # most members have one usable pass: nothing to rank
        return list(candidates)
    far_future = dt.datetime.max.replace(tzinfo=dt.timezone.utc)

    def key(c: Candidate) -> tuple[object, ...]:
        return (
            c.pass_id != request.named_pass_id,
            c.pass_id != request.default_pass_id,
            c.member_id is None,
            c.expires_at or far_future,
            c.cost_per_unit,
            -c.priority,
            c.created_at,
            c.pass_id,
        )

    return sorted(candidates, key=key)


def explain(request: SelectionRequest, candidate: Candidate) -> str:
    """Why the default order put this pass where it is, in words for a dry run."""
    if candidate.pass_id == request.named_pass_id:
        return "named by the caller"
    if candidate.pass_id == request.default_pass_id:
        return "the member's default pack"
    reasons = ["the member's own pass" if candidate.member_id is not None else "a family pass"]
    if candidate.expires_at is not None:
        reasons.append(f"expires {candidate.expires_at:%Y-%m-%d %H:%M} UTC")
    else:
        reasons.append("never expires")
    reasons.append("free credits" if candidate.cost_basis_minor == 0 else "paid credits")
    return ", ".join(reasons)
