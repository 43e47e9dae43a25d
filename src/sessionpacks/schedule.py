"""The schedule: occurrences of a service (classes and appointments) and each service's booking
policy, which says when a booking takes its credit and what a cancellation or a no-show costs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Row

from sessionpacks import validation
from sessionpacks.database import inserted_id
from sessionpacks.directory import get_service, services
from sessionpacks.enums import CreditTaken
from sessionpacks.errors import InvalidInput, NotFound
from sessionpacks.models import REF_LENGTH, Occurrence, table

occurrences = table(Occurrence)


@attrs.frozen
class OccurrenceInfo:
    """One class or appointment: a service at a time, with its instructor and capacity."""

    id: int
    service_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    instructor_ref: str | None
    # None means no limit.
    capacity: int | None
    private: bool
    cancelled_at: dt.datetime | None

    @classmethod
    def from_row(cls, row: Any) -> OccurrenceInfo:
        return cls(
            id=row.id,
            service_id=row.service_id,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            instructor_ref=row.instructor_ref,
            capacity=row.capacity,
            private=bool(row.private),
            cancelled_at=row.cancelled_at,
        )


@attrs.frozen
class BookingPolicy:
    """When a service's bookings take credit, and what late cancellations and no-shows cost.

    ``cancel_cutoff_minutes`` before the start, a cancellation becomes late. With credit taken
    at attendance, ``late_cancel_forfeits`` and ``no_show_forfeits`` say whether the held credit
    is kept by the studio (True) or given back (False). With credit taken at booking the credit is
    only given back by a cancellation before the cut-off.
    """

    service_id: int
    credit_taken: CreditTaken = CreditTaken.AT_BOOKING
    cancel_cutoff_minutes: int = 0
    late_cancel_forfeits: bool = True
    no_show_forfeits: bool = True

    @classmethod
    def from_row(cls, row: Any) -> BookingPolicy:
        return cls(
            service_id=row.id,
            credit_taken=CreditTaken(row.credit_taken),
            cancel_cutoff_minutes=row.cancel_cutoff_minutes,
            late_cancel_forfeits=bool(row.late_cancel_forfeits),
            no_show_forfeits=bool(row.no_show_forfeits),
        )

    def is_late(self, starts_at: dt.datetime, at: dt.datetime) -> bool:
        return at > starts_at - dt.timedelta(minutes=self.cancel_cutoff_minutes)


def add_occurrence(
    conn: Connection,
    now: dt.datetime,
    service_id: int,
    starts_at: dt.datetime,
    *,
    ends_at: dt.datetime | None,
    instructor_ref: str | None,
    capacity: int | None,
    private: bool,
) -> OccurrenceInfo:
    start = validation.moment("starts_at", starts_at)
    end = validation.moment("ends_at", ends_at)
    assert start is not None
    if instructor_ref is not None:
        instructor_ref = validation.name("instructor_ref", instructor_ref, REF_LENGTH)
    if capacity is not None:
        validation.positive("capacity", capacity)
    if not isinstance(private, bool):
        raise InvalidInput(f"private must be True or False, got {private!r}")
    service = get_service(conn, service_id)
    end = end or start + dt.timedelta(minutes=service.duration_minutes)
    if end <= start:
        raise InvalidInput(f"an occurrence must end after it starts: {end} is not after {start}")
    new_id = inserted_id(
        conn.execute(
            insert(occurrences).values(
                service_id=service_id,
                starts_at=start,
                ends_at=end,
                instructor_ref=instructor_ref,
                capacity=capacity,
                private=private,
                created_at=now,
            )
        )
    )
    return OccurrenceInfo(
        id=new_id,
        service_id=service_id,
        starts_at=start,
        ends_at=end,
        instructor_ref=instructor_ref,
        capacity=capacity,
        private=private,
        cancelled_at=None,
    )


def get_occurrence(conn: Connection, occurrence_id: int) -> OccurrenceInfo:
    row = conn.execute(select(occurrences).where(occurrences.c.id == occurrence_id)).one_or_none()
    if row is None:
        raise NotFound("occurrence", occurrence_id)
    return OccurrenceInfo.from_row(row)


def lock_occurrence(conn: Connection, occurrence_id: int) -> Row[Any]:
    """Lock the occurrence until commit: bookings of one occurrence take their places in turn,
    which is what keeps the capacity from being exceeded by concurrent bookings."""
    row = conn.execute(
        select(occurrences).where(occurrences.c.id == occurrence_id).with_for_update()
    ).one_or_none()
    if row is None:
        raise NotFound("occurrence", occurrence_id)
    return row


def list_occurrences(
    conn: Connection,
    start: dt.datetime,
    end: dt.datetime,
    service_id: int | None,
    include_private: bool,
) -> tuple[OccurrenceInfo, ...]:
    criteria = [occurrences.c.starts_at >= start, occurrences.c.starts_at < end]
    if not include_private:
        criteria.append(occurrences.c.private.is_(False))
    if service_id is not None:
        criteria.append(occurrences.c.service_id == service_id)
    rows = conn.execute(
        select(occurrences).where(*criteria).order_by(occurrences.c.starts_at, occurrences.c.id)
    )
    return tuple(OccurrenceInfo.from_row(row) for row in rows)


def get_policy(conn: Connection, service_id: int) -> BookingPolicy:
    row = conn.execute(
        select(
            services.c.id,
            services.c.credit_taken,
            services.c.cancel_cutoff_minutes,
            services.c.late_cancel_forfeits,
            services.c.no_show_forfeits,
        ).where(services.c.id == service_id)
    ).one_or_none()
    if row is None:
        raise NotFound("service", service_id)
    return BookingPolicy.from_row(row)


def change_policy(
    conn: Connection, service_id: int, changes: Mapping[str, object]
) -> BookingPolicy:
    """Set the named parts of a service's policy; a part given as None stays as it was."""
    current = get_policy(conn, service_id)
    given = {name: value for name, value in changes.items() if value is not None}
    return set_policy(conn, attrs.evolve(current, **given))  # type: ignore[arg-type]


def set_policy(conn: Connection, policy: BookingPolicy) -> BookingPolicy:
    try:
        taken = CreditTaken(policy.credit_taken)
    except ValueError:
        choices = ", ".join(c.value for c in CreditTaken)
        raise InvalidInput(
            f"unknown credit_taken {policy.credit_taken!r}; use one of {choices}"
        ) from None
    validation.not_negative("cancel_cutoff_minutes", policy.cancel_cutoff_minutes)
    for name in ("late_cancel_forfeits", "no_show_forfeits"):
        if not isinstance(getattr(policy, name), bool):
            raise InvalidInput(f"{name} must be True or False, got {getattr(policy, name)!r}")
    get_service(conn, policy.service_id)
    conn.execute(
        update(services)
        .where(services.c.id == policy.service_id)
        .values(
            credit_taken=taken.value,
            cancel_cutoff_minutes=policy.cancel_cutoff_minutes,
            late_cancel_forfeits=policy.late_cancel_forfeits,
            no_show_forfeits=policy.no_show_forfeits,
        )
    )
    return get_policy(conn, policy.service_id)
